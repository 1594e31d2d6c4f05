"""The 106 real documents in ../shared/evaldata/docs: every file indexed with pages and
headings, or listed as failed with a reason; a second run embeds nothing."""

from __future__ import annotations

import csv

import pytest

from ingest.pipeline import Ingestor
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

    again = ingestor.run([DOCS])
    assert again.summary()["chunks_embedded"] == 0 and again.summary()["unchanged"] == 105
    assert {o.status for o in again.outcomes if not o.path.endswith(".doc")} == {"unchanged"}


DEFRA = EVALDATA / "qa" / "defra-ai-toolkit"


@pytest.mark.integration
@pytest.mark.skipif(not DEFRA.exists(), reason="../shared/evaldata is not on this machine")
def test_defra_dev_set_meets_the_bar(tmp_path, real_embeddings):
    """DEFRA's own golden set for its staff AI assistant (dev rows), embedded mode."""
    from assistant.core import Assistant
    from bench.evaluate import read_gold, score
    from config.settings import Settings
    from knowledge.base import KnowledgeBase

    settings = Settings(data_dir=tmp_path / "data")
    kb = KnowledgeBase(settings, real_embeddings)
    Ingestor(settings, kb).run([DEFRA / "corpus"])  # 7 form pages hold no text: reported
    rows = read_gold(DEFRA / "dev-golden-set.jsonl")
    result = score(rows, DEFRA / "corpus", Assistant(settings, kb))
    assert result["rows"] == len(rows) > 60
    assert result["recall@5"] >= 0.90
    assert result["status_accuracy"] >= 0.80
    assert result["status_accuracy_by_status"]["blocked"] == 1.0
    assert result["invented_quotes"] == 0
