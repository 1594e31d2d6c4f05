"""``guide bench query``: p50/p95 latency and recall of Guide's retrieval and full extractive
answer beside the tutorial LangChain pipeline (RecursiveCharacterTextSplitter 1000/200 chunks,
``Chroma.similarity_search``) over the same documents and questions."""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from assistant.core import Assistant
from bench.evaluate import read_gold
from bench.figures import latency
from bench.indexed import indexed_assistant
from config.settings import Settings


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


def recall_at5(metas: list[dict], gold: Gold, any_gold: bool = False) -> float:
    """Share of the gold pages among the first five distinct pages; with ``any_gold`` 1 when
    any is (each gold passage is a correct source on its own)."""
    pages: list[tuple[str, Any]] = []
    for m in metas:
        key = (m.get("source", ""), m.get("page"))
        if key not in pages:
            pages.append(key)
    top = pages[:5]
    found = [g for g in gold if any(src == g[0] and (g[1] is None or page == g[1])
                                    for src, page in top)]
    return float(bool(found)) if any_gold else len(found) / len(gold)


def query_benchmark(
    assistant: Assistant, baseline_store: Any, questions: list[tuple[str, Gold]],
    any_gold: bool = False,
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
            recall["guide"].append(recall_at5([h.meta for h in ours], gold, any_gold))
            recall["baseline"].append(recall_at5([d.metadata for d in theirs], gold, any_gold))
    return {
        "questions": len(questions),
        "latency_ms": {name: latency(ms) for name, ms in timing.items()},
        "page_recall@5": {name: round(statistics.fmean(v), 3) for name, v in recall.items()},
        "questions_with_gold_pages": len(recall["guide"]),
    }


EVALDATA = Path("../shared/evaldata")
GDPR_FILE = "GDPR-Regulation-EU-2016-679.pdf"  # "GDPR.pdf" in the GDPR/AI Act question set


def indexes_for_bench(settings: Settings, docs: Path, data_dir: Path) -> tuple[Assistant, Any]:
    """Guide's index of ``docs`` and the tutorial baseline's, kept in ``data_dir``."""
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    assistant = indexed_assistant(settings.model_copy(update={"data_dir": data_dir}), docs)
    kb = assistant.kb
    baseline = Chroma(collection_name="tutorial-baseline", embedding_function=kb.embeddings,
                      client=kb.vector_store._client)
    if baseline._collection.count() == 0:
        files = [p for p in sorted(docs.rglob("*")) if p.is_file()]
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        chunks = [c for c in splitter.split_documents(baseline_documents(files))
                  if c.page_content.strip()]
        for start in range(0, len(chunks), 256):
            baseline.add_documents(chunks[start:start + 256])
    return assistant, baseline


def run(settings: Settings, docs: Path) -> dict[str, Any]:
    """The real docs corpus (latency at scale; GDPR questions with gold pages) and, where
    present, DEFRA's corpus with its dev gold set (recall). Indexes are kept under the data
    dir (bench-query*/), so a second run starts at once."""
    root = settings.data_dir
    assistant, baseline = indexes_for_bench(settings, docs, root / "bench-query")
    questions: list[tuple[str, Gold]] = []
    gdpr = EVALDATA / "qa/gdpr-aiact-nist-rag-questions/questions.json"
    gdpr_file = next(iter(docs.rglob(GDPR_FILE)), None)
    if gdpr.exists() and gdpr_file:
        for row in json.loads(gdpr.read_text()):
            if row.get("source") == "GDPR.pdf":
                questions.append((row["question"], [(str(gdpr_file.resolve()), row.get("page"))]))
    defra = EVALDATA / "qa/defra-ai-toolkit"
    defra_rows = read_gold(defra / "dev-golden-set.jsonl") if defra.exists() else []
    questions += [(r.question, []) for r in defra_rows]
    figures = {"docs": query_benchmark(assistant, baseline, questions)}
    figures["docs"]["guide_chunks"] = assistant.kb.chunk_count()
    figures["docs"]["baseline_chunks"] = baseline._collection.count()
    staff = EVALDATA / "qa/staff-questions/staff-dev.jsonl"
    if staff.exists():  # staff-voice questions whose gold passages are in these documents
        rows = [json.loads(line) for line in staff.read_text().splitlines() if line.strip()]
        staff_questions = [
            (r["question"], [(str((docs / g["file"]).resolve()), g.get("page")) for g in r["gold"]])
            for r in rows if r["expected_status"] == "answered" and r["gold"]]
        figures["staff-dev"] = query_benchmark(assistant, baseline, staff_questions,
                                               any_gold=True)
    if defra_rows:
        corpus = (defra / "corpus").resolve()
        assistant, baseline = indexes_for_bench(settings, corpus, root / "bench-query-defra")
        gold_questions = [
            (r.question, [(str(corpus / (p.lstrip("/") + ".md")), None) for p in r.pages])
            for r in defra_rows if r.pages and not r.earlier]
        figures["defra"] = query_benchmark(assistant, baseline, gold_questions)
    return figures
