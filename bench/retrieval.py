"""``guide bench retrieval``: BEIR nDCG@10 for dense alone, BM25 alone and the hybrid."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from config.settings import Settings
from knowledge.base import KnowledgeBase
from knowledge.retriever import HybridRetriever


def ndcg_at_10(ranked: list[str], relevant: dict[str, int]) -> float:
    dcg = sum(relevant.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:10]))
    ideal = sorted(relevant.values(), reverse=True)[:10]
    idcg = sum(rel / math.log2(i + 2) for i, rel in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def read_beir(folder: Path) -> tuple[list[dict], dict[str, str], dict[str, dict[str, int]]]:
    corpus = [json.loads(line) for line in (folder / "corpus.jsonl").open()]
    queries = {q["_id"]: q["text"] for q in map(json.loads, (folder / "queries.jsonl").open())}
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with (folder / "qrels" / "test.tsv").open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels[row["query-id"]][row["corpus-id"]] = int(row["score"])
    return corpus, queries, qrels


def beir_documents(corpus: Iterable[dict]) -> list[Document]:
    """One chunk per document, its title as the context line (as Guide's own chunks have)."""
    docs = []
    for item in corpus:
        title = item.get("title", "").strip()
        text = f"{title}\n\n{item['text']}" if title else item["text"]
        docs.append(Document(page_content=text, metadata={
            "doc_id": item["_id"], "source": f"beir:{item['_id']}", "title": title,
            "body_offset": len(title) + 2 if title else 0,
            "content_hash": hashlib.sha256(text.encode()).hexdigest()}))
    return docs


def retrieval_benchmark(kb: KnowledgeBase, folder: Path) -> dict[str, Any]:
    corpus, queries, qrels = read_beir(folder)
    started = time.perf_counter()
    kb.index_chunks(beir_documents(corpus))
    index_seconds = time.perf_counter() - started
    retriever = HybridRetriever(kb, fetch=100, catalogued_only=False)  # BEIR: no files
    scores: dict[str, list[float]] = defaultdict(list)
    for qid, relevant in qrels.items():
        for mode in ("dense", "keyword", "hybrid"):
            hits = retriever.search(queries[qid], k=10, mode=mode)  # type: ignore[arg-type]
            scores[mode].append(ndcg_at_10([h.meta["doc_id"] for h in hits], relevant))
    return {
        "documents": len(corpus), "queries": len(qrels),
        "index_seconds": round(index_seconds, 1),
        "ndcg@10_dense": round(statistics.fmean(scores["dense"]), 4),
        "ndcg@10_bm25": round(statistics.fmean(scores["keyword"]), 4),
        "ndcg@10_hybrid": round(statistics.fmean(scores["hybrid"]), 4),
        "published": {"bm25": 0.665, "all-MiniLM-L6-v2": "about 0.645"},
    }




def run(settings: Settings, beir: Path) -> dict[str, Any]:
    """Index a BEIR folder in a temporary data dir and score the three rankers on it."""
    with tempfile.TemporaryDirectory(prefix="guide-bench-") as tmp:
        kb = KnowledgeBase(settings.model_copy(update={"data_dir": Path(tmp)}))
        return retrieval_benchmark(kb, beir)
