"""Benchmarks of retrieval and answering, each printed beside its baseline in one run.

- ``retrieval``: BEIR SciFact nDCG@10 for dense alone, BM25 alone and hybrid.
- ``query``: p50/p95 latency and recall of Guide's retrieval and full extractive answer
  beside the tutorial LangChain pipeline (RecursiveCharacterTextSplitter 1000/200 chunks,
  ``Chroma.similarity_search``) over the same documents and questions.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from assistant.core import Assistant
from assistant.evaluate import percentile
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
    retriever = HybridRetriever(kb, fetch=100)
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


def percentiles(ms: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(ms, 0.5), 1), "p95": round(percentile(ms, 0.95), 1),
            "max": round(max(ms, default=0.0), 1)}


def baseline_documents(files: list[Path]) -> list[Document]:
    """What the tutorials do: a page per PDF page (PyPDFLoader), the raw text otherwise."""
    from pypdf import PdfReader

    docs = []
    for path in files:
        try:
            if path.suffix.lower() == ".pdf":
                for n, page in enumerate(PdfReader(str(path)).pages, start=1):
                    docs.append(Document(page_content=page.extract_text() or "",
                                         metadata={"source": str(path.resolve()), "page": n}))
            elif path.suffix.lower() in (".md", ".txt", ".html", ".htm"):
                docs.append(Document(page_content=path.read_text(errors="replace"),
                                     metadata={"source": str(path.resolve())}))
        except Exception:  # the tutorial pipeline skips what it cannot read
            continue
    return docs


Gold = list[tuple[str, int | None]]  # (resolved source path, page or None) pairs


def recall_at5(metas: list[dict], gold: Gold) -> float:
    pages: list[tuple[str, Any]] = []
    for m in metas:
        key = (m.get("source", ""), m.get("page"))
        if key not in pages:
            pages.append(key)
    top = pages[:5]
    found = [g for g in gold if any(src == g[0] and (g[1] is None or page == g[1])
                                    for src, page in top)]
    return len(found) / len(gold)


def query_benchmark(
    assistant: Assistant, baseline_store: Any, questions: list[tuple[str, Gold]],
) -> dict[str, Any]:
    """``questions``: (question, gold pages; empty when only latency is measured)."""
    retriever = assistant.retriever
    retriever.search("warm up")
    baseline_store.similarity_search("warm up", k=5)
    timing: dict[str, list[float]] = defaultdict(list)
    recall: dict[str, list[float]] = defaultdict(list)

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = fn()
        timing[name].append((time.perf_counter() - started) * 1000)
        return result

    for question, gold in questions:
        ours = timed("guide_retrieval", lambda q=question: retriever.search(q, k=10))
        timed("guide_full_answer", lambda q=question: assistant.ask(q))
        theirs = timed("baseline_retrieval",
                       lambda q=question: baseline_store.similarity_search(q, k=5))
        if gold:
            recall["guide"].append(recall_at5([h.meta for h in ours], gold))
            recall["baseline"].append(recall_at5([d.metadata for d in theirs], gold))
    return {
        "questions": len(questions),
        "latency_ms": {name: percentiles(ms) for name, ms in timing.items()},
        "page_recall@5": {name: round(statistics.fmean(v), 3) for name, v in recall.items()},
        "questions_with_gold_pages": len(recall["guide"]),
    }
