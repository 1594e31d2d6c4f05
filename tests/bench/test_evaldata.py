"""The 106 real documents in ../shared/evaldata/docs: every file indexed with pages and
headings, or listed as failed with a reason; a second run embeds nothing."""

from __future__ import annotations

import csv

import pytest

from ingest.pipeline import Ingestor
from knowledge.metadata_fields import ALL_STAFF, audiences
from tests.conftest import EVALDATA

DOCS = EVALDATA / "docs"
pytestmark = [
    pytest.mark.evaldata,
    pytest.mark.skipif(not DOCS.exists(), reason="../shared/evaldata is not on this machine"),
]


@pytest.mark.integration  # parses 1,377 PDF pages
def test_real_corpus_ingests_without_tracebacks(kb, settings):
    index = {row["file"]: row for row in csv.DictReader((DOCS / "docs_index.csv").open())}
    ingestor = Ingestor(settings, kb)
    report = ingestor.run([DOCS])
    summary = report.summary()

    failed = {f["path"]: f["reason"] for f in summary["failed"]}
    assert len(report.outcomes) == len(index) == 106
    assert [p for p in failed if not p.endswith(".doc")] == []
    (doc_reason,) = failed.values()
    assert doc_reason.startswith("legacy Word 97 format: save as .docx")
    assert not any("unexpected error" in r for r in failed.values())

    entries = {e.source: e for e in kb.catalog.all()}
    for name, row in index.items():
        if row["format"] == "pdf":
            entry = entries[str((DOCS / name).resolve())]
            assert entry.pages == int(row["pages"]), name
    # page numbers stay within each PDF, and most chunks sit under a heading
    metas = kb.collection.get(include=["metadatas"])["metadatas"]
    pdf_pages = {e.source: e.pages for e in entries.values() if e.format == "pdf"}
    for meta in metas:
        if meta["source"] in pdf_pages:
            assert 1 <= meta["page"] <= pdf_pages[meta["source"]]
    with_heading = sum(1 for m in metas if m.get("heading_path"))
    assert with_heading / len(metas) > 0.8
    # none of these documents restricts its readers (the Service Manual's front matter says
    # who a page is written for): every passage is for all staff
    assert all(audiences(m) == [ALL_STAFF] for m in metas)

    again = ingestor.run([DOCS])
    assert again.summary()["chunks_embedded"] == 0 and again.summary()["unchanged"] == 105
    assert {o.status for o in again.outcomes if not o.path.endswith(".doc")} == {"unchanged"}


DEFRA = EVALDATA / "qa" / "defra-ai-toolkit"
STAFF = EVALDATA / "qa" / "staff-questions"
# The bar of issue 11, on each dev set in embedded mode.
TARGET_RECALL5 = 0.85
TARGET_STATUS = 0.85
# Questions about nothing at work: on any corpus, Guide must say it cannot answer.
OFF_TOPIC = ["who won the football last night?", "what's a good recipe for banana bread?",
             "How do I book annual leave?", "any tips for my holiday in Spain next month?"]


def scored(name: str, tmp_path_factory, real_embeddings):
    from bench.evaluate import dev_sets, score
    from config.settings import Settings
    from knowledge.base import KnowledgeBase

    gold = dev_sets(EVALDATA)[name]
    settings = Settings(data_dir=tmp_path_factory.mktemp(name) / "data")
    kb = KnowledgeBase(settings, real_embeddings)
    Ingestor(settings, kb).run(gold.folders())  # empty form pages / a .doc: reported
    from assistant.core import Assistant

    assistant = Assistant(settings, kb)
    return assistant, score(gold.rows(), gold.docs, assistant)


@pytest.fixture(scope="module")
def defra(tmp_path_factory, real_embeddings):
    return scored("defra-dev", tmp_path_factory, real_embeddings)


@pytest.fixture(scope="module")
def staff(tmp_path_factory, real_embeddings):
    return scored("staff-dev", tmp_path_factory, real_embeddings)


def check_safety(assistant, result, rows: int) -> None:
    assert result["rows"] == rows
    assert result["invented_quotes"] == 0


def check_off_topic(assistant, question: str) -> None:
    assert assistant.ask(question).status == "cannot_answer", question


def check_quality(result) -> None:
    assert result["recall@5"] >= TARGET_RECALL5
    assert result["status_accuracy"] >= TARGET_STATUS


needs_data = pytest.mark.skipif(not (DEFRA.exists() and STAFF.exists()),
                                reason="../shared/evaldata is not on this machine")


@pytest.mark.integration
@needs_data
def test_defra_dev_set_is_safe(defra):
    """DEFRA's own golden set for its staff AI assistant (dev rows), embedded mode: no
    invented quote, every blocked row blocked, questions about nothing at work refused."""
    assistant, result = defra
    check_safety(assistant, result, 73)
    assert result["status_accuracy_by_status"]["blocked"] == 1.0


@pytest.mark.integration
@needs_data
@pytest.mark.parametrize("question", OFF_TOPIC)
def test_defra_corpus_refuses_questions_about_nothing_at_work(defra, question):
    check_off_topic(defra[0], question)


@pytest.mark.integration
@needs_data
def test_defra_dev_set_meets_the_bar(defra):
    _, result = defra
    check_quality(result)


@pytest.mark.integration
@needs_data
def test_staff_dev_set_is_safe(staff):
    """Questions in staff voice over seven real document collections, embedded mode."""
    assistant, result = staff
    check_safety(assistant, result, 65)


@pytest.mark.integration
@needs_data
@pytest.mark.parametrize("question", OFF_TOPIC)
def test_staff_corpus_refuses_questions_about_nothing_at_work(staff, question):
    check_off_topic(staff[0], question)


@pytest.mark.integration
@needs_data
def test_staff_dev_blocked_rows_are_blocked(staff):
    _, result = staff
    assert result["status_accuracy_by_status"]["blocked"] == 1.0


@pytest.mark.integration
@needs_data
@pytest.mark.xfail(reason="issue 11 target not met on staff-dev: recall@5 0.68 (the "
                   "right page of a long PDF ranks below 5 where MiniLM does not link the "
                   "staff's words to the page's); status 0.86 meets its bar "
                   "(need_more_detail 0/5, cannot_answer 6/8)", strict=True)
def test_staff_dev_set_meets_the_bar(staff):
    _, result = staff
    check_quality(result)
