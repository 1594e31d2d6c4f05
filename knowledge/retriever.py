"""Hybrid retrieval: dense (Chroma) + keyword (BM25), fused by reciprocal rank.

Policy filters are applied here, after an over-fetch, because a Chroma ``where`` filter costs
~30x a plain query at scale: superseded documents are never returned, and a document with a
restricted audience only to that audience (all staff only, when no audience is given).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from threadpoolctl import threadpool_limits

from config.audiences import STAFF
from knowledge.base import KnowledgeBase
from knowledge.keyword import ChunkTable, KeywordIndex, record_stamp
from knowledge.metadata_fields import ChunkMeta, may_read
from knowledge.store import fresh_collection

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "dense", "keyword"]
RRF_K = 20  # lower than the usual 60: the head of each ranking counts more (SciFact, DEFRA dev)
EXACT_SEARCH_UP_TO = 50_000  # chunks; beyond this Chroma's HNSW index answers dense queries
STAMP_EVERY_S = 2.0  # an ingest shows in answers within this long
REBUILD_SHARE = 5  # at least this many times a rebuild's length between two rebuilds
# Each ranking is read this deep before fusing: a passage both rank at 60 gains from both.
# Recall@5 by depth on the dev sets (answered rows; staff / DEFRA): 40 gives 0.60 / 0.95,
# 100 gives 0.65 / 0.975, 200 gives 0.675 / 0.95.
FETCH = 100
KEYWORD_WEIGHT = 1.0  # weight of the BM25 ranking against the dense one in the fusion
# Passages of one page (one document, where it has no pages) ranked ahead of every other
# page's: more go behind them, so the answer sees each page that speaks to the question
# (a bare "Copilot" finds the pages of each Copilot, not eight passages of one).
PER_PAGE = 3
NOT_WORD = re.compile(r"[^\w’']+")
URL = re.compile(r"\b(?:https?://|www\.)\S+")
LOWER_WORD = re.compile(r"(?<![\w@./-])[a-z][a-z0-9]+\b")


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
    stamp: tuple[Any, ...]
    table: ChunkTable
    keyword: KeywordIndex
    rows: dict[str, int]
    superseded: set[str] = field(default_factory=set)
    vectors: np.ndarray | None = None  # unit vectors, row-aligned with the table
    collection: Any = None  # what dense queries go to when ``vectors`` is None
    words: str = ""  # every chunk's words, lower case, for ``mentions``
    lower: frozenset[str] = frozenset()  # words some chunk writes in lower case (URLs aside)


def visible(meta: ChunkMeta, superseded: set[str], readers: Collection[str] = STAFF) -> bool:
    """Current, and for all staff or one of ``readers``' audiences. Deny by default: nobody
    reads as "everyone", and no audience given means all staff only."""
    return meta.get("doc_id") not in superseded and may_read(meta, readers)


class HybridRetriever:
    def __init__(self, kb: KnowledgeBase, fetch: int = FETCH, catalogued_only: bool = True
                 ) -> None:
        """``fetch``: how deep each ranking (dense, keyword) is read before they are fused;
        ``catalogued_only``: serve only chunks of a file version the catalogue lists (so
        what a killed ingest left behind is never quoted); off for benchmarks that index
        chunks without files."""
        # One BLAS thread: a multi-threaded mat-vec gains nothing at this size, and its idle
        # threads spin against torch's, tripling tail latency on a 2-core machine.
        threadpool_limits(limits=1, user_api="blas")
        self.kb = kb
        self.fetch = fetch
        self.catalogued_only = catalogued_only
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()  # one rebuild at a time
        self._checked = 0.0
        self._rebuilding = False
        self.last_refresh_ms = 0.0

    def _view(self) -> Snapshot:
        """The in-memory view of the index. Every ``STAMP_EVERY_S`` a question looks whether
        the index changed (whichever process changed it); if so the view is rebuilt in the
        background while questions are answered from the one before."""
        snap = self._snapshot
        if snap is None:
            return self.refresh()
        # during a long ingest the view is rebuilt at most a fifth of the time
        every = max(STAMP_EVERY_S, REBUILD_SHARE * self.last_refresh_ms / 1000)
        if time.monotonic() - self._checked >= every and not self._rebuilding:
            self._rebuilding = True
            self._checked = time.monotonic()
            threading.Thread(target=self._refresh_quietly, name="guide-refresh",
                             daemon=True).start()
        return snap

    def _refresh_quietly(self) -> None:
        try:
            self.refresh()
        except Exception:  # the old view keeps answering; the next check tries again
            log.warning("could not rebuild the index view; answering from the previous one",
                        exc_info=True)
        finally:
            self._rebuilding = False

    def stamp(self) -> tuple[Any, ...]:
        """What the record manager and the catalogue hold now: changes with every ingest,
        removal or repair, from any process sharing the store."""
        return (*record_stamp(self.kb.record_manager.engine, self.kb.record_manager.namespace),
                *self.kb.catalog.stamp())

    def refresh(self) -> Snapshot:
        """Look at the index now and rebuild the view if it changed. A failed rebuild is not
        taken as done (the stamp stays old, so the next look tries again)."""
        with self._lock:
            stamp = self.stamp()
            if self._snapshot is None or self._snapshot.stamp != stamp:
                self._snapshot = self._build(stamp)
            self._checked = time.monotonic()
            return self._snapshot

    def _build(self, stamp: tuple[Any, ...]) -> Snapshot:
        collection = fresh_collection(self.kb.settings, self.kb.model.model_id)
        exact = int(collection.count()) <= EXACT_SEARCH_UP_TO
        include = ["documents", "metadatas"] + (["embeddings"] if exact else [])
        got = collection.get(include=include)
        entries = self.kb.catalog.all()
        keep = range(len(got["ids"]))
        if self.catalogued_only:
            versions = {e.source: e.file_hash for e in entries}
            keep = [i for i, m in enumerate(got["metadatas"])
                    if versions.get((m or {}).get("source"), "\0") == (m or {}).get("doc_hash")]
        table = ChunkTable([got["ids"][i] for i in keep], [got["documents"][i] for i in keep],
                           [got["metadatas"][i] for i in keep])
        vectors = None
        if exact and len(table):
            vectors = np.asarray(got["embeddings"], dtype=np.float32)[list(keep)]
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)
        # ~1 s and the corpus's size in memory at 9k chunks, off the answer's path as the
        # keyword index is
        words = " " + " ".join(map(words_of, table.texts)) + " "
        lower = frozenset(w for text in table.texts for w in LOWER_WORD.findall(URL.sub(" ", text)))
        return Snapshot(stamp, table, KeywordIndex(table),
                        {cid: i for i, cid in enumerate(table.ids)},
                        {e.doc_id for e in entries if e.superseded_by}, vectors, collection,
                        words, lower)

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

    def mentions(self, phrase: str) -> bool:
        """Whether some passage contains ``phrase`` as words (case and punctuation aside)."""
        return f" {words_of(phrase)} " in self._view().words

    def writes_lower(self, word: str) -> bool:
        """Whether some passage writes ``word`` in lower case ("policy"; not "Copilot")."""
        return word in self._view().lower

    def corpus_vectors(self) -> np.ndarray | None:
        """Unit vectors of every chunk when they are held in memory (small indexes), else
        None: for measuring how a query relates to the whole corpus."""
        return self._view().vectors

    def cosines(self, vector: Sequence[float], hits: Sequence[Retrieved]) -> list[float]:
        """Each hit's passage's cosine to ``vector`` (a unit vector); its dense similarity
        to the query it was found for where the index is not held in memory."""
        view = self._view()
        v = np.asarray(vector, dtype=np.float32)
        return [float(view.vectors[view.rows[h.chunk_id]] @ v)
                if view.vectors is not None and h.chunk_id in view.rows
                else (h.dense_similarity or 0.0) for h in hits]

    @property
    def searches_in_memory(self) -> bool:
        """Whether dense search runs exactly in memory (small indexes) or in Chroma's HNSW."""
        return self._view().vectors is not None

    def dense(self, snap: Snapshot, query: str, n: int, vector: Sequence[float] | None = None
              ) -> list[tuple[int, float]]:
        if not len(snap.table):
            return []
        if vector is None:
            vector = self.kb.embeddings.embed_query(query)
        if snap.vectors is not None:  # exact search in memory: faster than HNSW at this size
            sims = snap.vectors @ np.asarray(vector, dtype=np.float32)
            n = min(n, len(sims))
            top = np.argpartition(-sims, n - 1)[:n]
            top = top[np.argsort(-sims[top])]
            return [(int(i), float(sims[i])) for i in top]
        result = snap.collection.query(  # over-fetched: rows not in the view are dropped
            query_embeddings=[list(map(float, vector))],
            n_results=min(2 * n, int(snap.collection.count())), include=["distances"])
        return [(snap.rows[cid], 1.0 - dist)
                for cid, dist in zip(result["ids"][0], result["distances"][0], strict=True)
                if cid in snap.rows]

    def search(
        self, query: str, k: int = 8, audiences: Collection[str] = STAFF,
        mode: Mode = "hybrid", vector: Sequence[float] | None = None,
    ) -> list[Retrieved]:
        """The best ``k`` passages someone reading as ``audiences`` may see; ``vector``: the
        query's embedding, when the caller has it already."""
        snap = self._view()
        dense = self.dense(snap, query, self.fetch, vector) if mode != "keyword" else []
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


def words_of(text: str) -> str:
    return " ".join(NOT_WORD.split(text.lower())).strip()


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
