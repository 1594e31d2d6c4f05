"""Hard negatives from Guide's own hybrid retriever: every training passage indexed as Guide
indexes chunks (the bundled MiniLM, BM25, reciprocal-rank fusion), then each question's top
candidates written to training/mined.jsonl, with the gold passage's rank. Prints today's
ranking figures on each split (the baseline a reranker must beat).

    .venv/bin/python training/mine.py --index-dir /tmp/guide-training-index
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from langchain_core.documents import Document  # noqa: E402

from config.settings import Settings  # noqa: E402
from ingest.chunking import sha256  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.retriever import HybridRetriever  # noqa: E402

DEPTH = 40  # candidates kept per question: the reranker sees the hybrid top 20 or 40


def passages() -> list[dict]:
    return [json.loads(line) for line in (HERE / "corpus/passages.jsonl").open()]


def questions() -> list[dict]:
    return [json.loads(line) for line in (HERE / "questions.jsonl").open()]


def as_chunk(p: dict, index: int) -> Document:
    """A passage as Guide stores a chunk: the context line, a blank line, the body."""
    return Document(page_content=f"{p['context']}\n\n{p['text']}", metadata={
        "doc_id": p["doc"], "title": p["title"], "source": p["doc"],
        "heading_path": p["heading_path"], "chunk_index": index, "start": 0,
        "end": len(p["text"]), "body_offset": len(p["context"]) + 2,
        "content_hash": sha256(p["text"]), "doc_hash": sha256(p["doc"]), "audience": "",
        "pid": p["pid"]})


def build_index(index_dir: Path) -> HybridRetriever:
    kb = KnowledgeBase(Settings(data_dir=index_dir))
    if kb.chunk_count() == 0:
        rows = passages()
        by_doc: dict[str, int] = {}
        chunks = []
        for p in rows:
            chunks.append(as_chunk(p, by_doc.get(p["doc"], 0)))
            by_doc[p["doc"]] = by_doc.get(p["doc"], 0) + 1
        for start in range(0, len(chunks), 512):
            kb.index_chunks(chunks[start:start + 512])
            print(f"indexed {min(start + 512, len(chunks))}/{len(chunks)}", file=sys.stderr)
    return HybridRetriever(kb, catalogued_only=False)


def figures(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {f"recall@{k}": round(sum(1 for r in ranks if r and r <= k) / n, 3)
            for k in (1, 3, 5, 20, 40)} | {
        "mrr": round(sum(1 / r for r in ranks if r) / n, 3), "n": len(ranks)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=HERE / "mined.jsonl")
    args = parser.parse_args()
    retriever = build_index(args.index_dir)
    ranks: dict[str, list[int | None]] = {"train": [], "validation": []}
    doc_ranks: dict[str, list[int | None]] = {"train": [], "validation": []}
    with args.out.open("w") as out:
        for n, row in enumerate(questions()):
            if row["status"] not in ("answered", "cannot_answer") \
                    or (row["status"] == "answered" and not row.get("pid")):
                continue  # router rows train the router, not the reranker
            hits = retriever.search(row["question"], k=DEPTH)
            found = [h.meta.get("pid") for h in hits]
            out.write(json.dumps({"n": n, "question": row["question"],
                                  "status": row["status"], "split": row["split"],
                                  "pid": row.get("pid"), "candidates": found}) + "\n")
            if row["status"] == "answered":
                gold = row["pid"]
                ranks[row["split"]].append(found.index(gold) + 1 if gold in found else None)
                docs = [h.meta.get("doc_id") for h in hits]
                doc_ranks[row["split"]].append(docs.index(row["doc"]) + 1
                                               if row["doc"] in docs else None)
    for split in ranks:
        print(split, "passage", figures(ranks[split]))
        print(split, "document", figures(doc_ranks[split]))


if __name__ == "__main__":
    main()
