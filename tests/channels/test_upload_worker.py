"""Uploads are read and indexed in a worker process under memory and time limits: a document
built to expand fails with a reason, the serving process keeps its memory, and the next upload
is indexed and answered from at once."""

from __future__ import annotations

import itertools
import resource

import pytest

from channels.uploads import DocumentUploads
from knowledge.retriever import HybridRetriever

LEVELS = "abcdefgh"


def yaml_bomb() -> str:
    """A few hundred bytes of front matter whose aliases expand to hundreds of millions of
    strings (the alias rule itself is the loaders' business; this is about containment)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in itertools.pairwise(LEVELS):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\ntitle: *h\n---\n# Bomb\n\nSome text.\n"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.integration  # a worker process spends its memory limit
def test_a_document_built_to_expand_cannot_take_the_server_down(settings, kb):
    retriever = HybridRetriever(kb)
    uploads = DocumentUploads(settings.replace(parse_memory_mb=256), kb, retriever.refresh)
    before = peak_rss_mb()
    try:
        bomb = uploads.incoming("bomb.md")
        bomb.write_text(yaml_bomb())
        outcome = uploads.accept(bomb)
        assert not outcome.ok and outcome.status == "failed"
        assert outcome.reason and str(settings.data_dir) not in outcome.reason
        assert not bomb.exists() and not (settings.uploads_dir / "bomb.md").exists()
        assert peak_rss_mb() - before < 200  # the expansion happened elsewhere

        good = uploads.incoming("usb.md")
        good.write_text("# USB sticks\n\nOnly encrypted USB sticks may hold case files.\n")
        outcome = uploads.accept(good)
        assert outcome.ok and outcome.status == "added", outcome.reason
        assert retriever.search("encrypted usb sticks", k=1)[0].meta["doc_id"] == "usb"
        assert kb.catalog.get(str((settings.uploads_dir / "usb.md").resolve())) is not None

        assert uploads.remove(str((settings.uploads_dir / "usb.md").resolve())) > 0
        assert retriever.search("encrypted usb sticks", k=1) == []
    finally:
        uploads.worker.close()


def test_an_upload_over_its_time_is_stopped_with_a_reason(settings, kb):
    uploads = DocumentUploads(settings.replace(upload_timeout_s=0.001), kb)
    try:
        doc = uploads.incoming("slow.md")
        doc.write_text("# Slow\n\nA document.\n")
        outcome = uploads.accept(doc)
        assert not outcome.ok and "took longer" in (outcome.reason or "")
        assert not doc.exists()
    finally:
        uploads.worker.close()


def test_an_upload_read_otherwise_than_written_says_so(settings, kb):
    """A trainer uploading a GOV.UK page learns that its audience restricts nobody."""
    uploads = DocumentUploads(settings, kb)
    try:
        page = uploads.incoming("apis.md")
        page.write_text("---\ntitle: APIs\naudience:\n  primary: developers\n---\n"
                        "Offer a POST alternative to PUT and DELETE.\n")
        outcome = uploads.accept(page)
        assert outcome.ok and outcome.status == "added", outcome.reason
        assert outcome.describe().endswith(
            "staff can ask about it now. Note: its audience (primary and secondary readers) says "
            "who it is written for, not who may read it, so it restricts nobody (an audience in "
            "a sidecar restricts it).")
    finally:
        uploads.worker.close()
