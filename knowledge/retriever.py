"""Hybrid retrieval: dense (Chroma) + keyword (BM25), fused by reciprocal rank.

Policy filters are applied here, after an over-fetch, because a Chroma ``where`` filter costs
~30x a plain query at scale: superseded documents are never returned, and a document with a
restricted audience only to that audience (all staff only, when no audience is given).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from threadpoolctl import threadpool_limits

from config.audiences import STAFF
from knowledge.base import KnowledgeBase
from knowledge.keyword import ChunkTable, KeywordIndex, record_stamp
from knowledge.metadata_fields import ChunkMeta, may_read

Mode = Literal["hybrid", "dense", "keyword"]
RRF_K = 20  # lower than the usual 60: the head of each ranking counts more (SciFact, DEFRA dev)
EXACT_SEARCH_UP_TO = 50_000  # chunks; beyond this Chroma's HNSW index answers dense queries
STAMP_EVERY_S = 2.0  # an ingest shows in answers within this long
KEYWORD_WEIGHT = 1.0  # weight of the BM25 ranking against the dense one in the fusion
# Passages of one page (one document, where it has no pages) ranked ahead of every other
# page's: more go behind them, so the answer sees each page that speaks to the question
# (a bare "Copilot" finds the pages of each Copilot, not eight passages of one).
PER_PAGE = 3


@dataclass
class Retrieved:
    chunk_id: str
    text: str
    meta: ChunkMeta
    score: float  # fused score (or the single ranker's), higher is better
    dense_rank: int | None = None
    keyword_rank: int | None = None
    dense_similarity: float | None = None  # cosine, for deciding whether evidence is weak


@dataclass(frozen=True)
class Stored:
    """A chunk as indexed."""

    chunk_id: str
    text: str
    meta: ChunkMeta


@dataclass
class Snapshot:
    stamp: tuple[int, str]
    table: ChunkTable
    keyword: KeywordIndex
    rows: dict[str, int]
    superseded: set[str] = field(default_factory=set)
    vectors: np.ndarray | None = None  # unit vectors, row-aligned with the table


def visible(meta: ChunkMeta, superseded: set[str], readers: Collection[str] = STAFF) -> bool:
    """Current, and for all staff or one of ``readers``' audiences. Deny by default: nobody
    reads as "everyone", and no audience given means all staff only."""
    return meta.get("doc_id") not in superseded and may_read(meta, readers)


class HybridRetriever:
    def __init__(self, kb: KnowledgeBase, fetch: int = 40) -> None:
        # One BLAS thread: a multi-threaded mat-vec gains nothing at this size, and its idle
        # threads spin against torch's, tripling tail latency on a 2-core machine.
        threadpool_limits(limits=1, user_api="blas")
        self.kb = kb
        self.fetch = fetch
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._checked = 0.0

    def _view(self) -> Snapshot:
        """The in-memory view of the index, rebuilt when the record manager has changed
        (checked at most every ``STAMP_EVERY_S``, so a query does not pay for it)."""
        if self._snapshot is not None and time.monotonic() - self._checked < STAMP_EVERY_S:
            return self._snapshot
        return self.refresh()

    def refresh(self) -> Snapshot:
        """Look at the record manager now and rebuild the view if the index changed. A
        failed rebuild is not taken as done: the next question tries again."""
        stamp = record_stamp(self.kb.record_manager.engine, self.kb.record_manager.namespace)
        with self._lock:
            if self._snapshot is None or self._snapshot.stamp != stamp:
                self._snapshot = self._build(stamp)
            self._checked = time.monotonic()
            return self._snapshot

    def _build(self, stamp: tuple[int, str]) -> Snapshot:
        exact = self.kb.chunk_count() <= EXACT_SEARCH_UP_TO
        include = ["documents", "metadatas"] + (["embeddings"] if exact else [])
        got = self.kb.collection.get(include=include)
        table = ChunkTable(got["ids"], got["documents"], got["metadatas"])
        vectors = None
        if exact and len(table):
            vectors = np.asarray(got["embeddings"], dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)
        return Snapshot(stamp, table, KeywordIndex(table),
                        {cid: i for i, cid in enumerate(table.ids)},
                        self.kb.catalog.superseded_ids(), vectors)

    # -- what callers may read of the view -------------------------------------------------
    def chunks(self) -> dict[str, Stored]:
        """Every indexed chunk by id (for evaluations and the documents' passages)."""
        view = self._view()
        return {cid: Stored(cid, view.table.texts[i], view.table.metas[i])
                for cid, i in view.rows.items()}

    def chunk(self, chunk_id: str) -> Stored | None:
        view = self._view()
        row = view.rows.get(chunk_id)
        return None if row is None else Stored(chunk_id, view.table.texts[row],
                                               view.table.metas[row])

    def term_weights(self) -> Callable[[str], float]:
        """The keyword index's inverse document frequency of a (stemmed) term."""
        return self._view().keyword.idf

    def known_terms(self) -> Collection[str]:
        """The keyword index's vocabulary (stemmed, lower-case terms)."""
        keyword = self._view().keyword
        return keyword.bm25.vocab_dict if len(keyword.table) else {}

    def corpus_vectors(self) -> np.ndarray | None:
        """Unit vectors of every chunk when they are held in memory (small indexes), else
        None: for measuring how a query relates to the whole corpus."""
        return self._view().vectors

    @property
    def searches_in_memory(self) -> bool:
        """Whether dense search runs exactly in memory (small indexes) or in Chroma's HNSW."""
        return self._view().vectors is not None

    def dense(self, snap: Snapshot, query: str, n: int) -> list[tuple[int, float]]:
        if not len(snap.table):
            return []
        vector = self.kb.embeddings.embed_query(query)
        if snap.vectors is not None:  # exact search in memory: faster than HNSW at this size
            sims = snap.vectors @ np.asarray(vector, dtype=np.float32)
            n = min(n, len(sims))
            top = np.argpartition(-sims, n - 1)[:n]
            top = top[np.argsort(-sims[top])]
            return [(int(i), float(sims[i])) for i in top]
        result = self.kb.collection.query(
            query_embeddings=[vector], n_results=min(n, len(snap.table)), include=["distances"]
        )
        return [(snap.rows[cid], 1.0 - dist)
                for cid, dist in zip(result["ids"][0], result["distances"][0], strict=True)
                if cid in snap.rows]

    def search(
        self, query: str, k: int = 8, audiences: Collection[str] = STAFF,
        mode: Mode = "hybrid",
    ) -> list[Retrieved]:
        """The best ``k`` passages someone reading as ``audiences`` may see."""
        snap = self._view()
        dense = self.dense(snap, query, self.fetch) if mode != "keyword" else []
        keyword = snap.keyword.search(query, self.fetch) if mode != "dense" else []
        scores: dict[int, float] = {}
        found: dict[int, Retrieved] = {}

        def add(row: int, rank: int, kind: str, similarity: float) -> None:
            meta = snap.table.metas[row]
            if not visible(meta, snap.superseded, audiences):
                return
            hit = found.setdefault(row, Retrieved(snap.table.ids[row], snap.table.texts[row],
                                                  meta, 0.0))
            if kind == "dense":
                hit.dense_rank, hit.dense_similarity = rank, similarity
            else:
                hit.keyword_rank = rank
            weight = KEYWORD_WEIGHT if kind == "keyword" else 1.0
            scores[row] = scores.get(row, 0.0) + weight / (RRF_K + rank)

        for rank, (row, sim) in enumerate(dense, start=1):
            add(row, rank, "dense", sim)
        for rank, (row, score) in enumerate(keyword, start=1):
            add(row, rank, "keyword", score)
        ranked = diversify(sorted(scores, key=scores.__getitem__, reverse=True),
                           lambda row: page_of(snap.table.metas[row]))[:k]
        for row in ranked:
            found[row].score = scores[row]
        return [found[row] for row in ranked]


def page_of(meta: ChunkMeta) -> tuple[str, int | None]:
    return meta.get("source", ""), meta.get("page")


def diversify(rows: list[int], unit: Callable[[int], Any], per_unit: int = PER_PAGE
              ) -> list[int]:
    """``rows`` (best first) with each unit's rows beyond its first ``per_unit`` moved
    behind the rest, order kept otherwise."""
    seen: Counter[Any] = Counter()
    first, later = [], []
    for row in rows:
        key = unit(row)
        seen[key] += 1
        (first if seen[key] <= per_unit else later).append(row)
    return first + later
