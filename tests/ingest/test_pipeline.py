"""Incremental indexing against a real Chroma store on disk (hash embeddings for speed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from config.errors import EmbeddingModelMismatch, IngestLocked
from ingest.pipeline import Ingestor
from knowledge.base import KnowledgeBase
from knowledge.retriever import HybridRetriever
from tests.conftest import SAMPLE
from tests.fakes.embeddings import HashEmbeddings
from tests.files import make_legacy_doc

PARAS = [f"Paragraph {i} explains rule number {i} about sharing data with partner {i}. "
         * 6 for i in range(30)]


def write_policy(path, paras=PARAS):
    path.write_text("# Policy\n\n" + "\n\n".join(paras) + "\n")
    return path


def chunk_bodies(kb: KnowledgeBase) -> list[str]:
    return kb.collection.get(include=["documents"])["documents"]


def test_add_unchanged_change_delete(tmp_path, kb, settings):
    docs = tmp_path / "docs"
    docs.mkdir()
    policy = write_policy(docs / "policy.md")
    (docs / "other.txt").write_text("Secure email must be used for OFFICIAL-SENSITIVE.\n")
    ingestor = Ingestor(settings, kb)

    first = ingestor.run([docs]).summary()
    assert (first["added"], first["failed"]) == (2, [])
    total = kb.chunk_count()
    assert first["chunks_embedded"] == total > 2

    second = ingestor.run([docs]).summary()
    assert (second["unchanged"], second["added"], second["chunks_embedded"]) == (2, 0, 0)
    assert kb.chunk_count() == total

    # change one paragraph: only that text is embedded again, no stale chunk survives
    changed = [*PARAS[:25], "A brand new rule about removable media.", *PARAS[26:]]
    write_policy(policy, changed)
    third = ingestor.run([docs]).summary()
    assert third["updated"] == 1 and third["unchanged"] == 1
    assert 1 <= third["chunks_embedded"] <= 3 < total / 4  # only the changed region
    bodies = "\n".join(chunk_bodies(kb))
    assert "brand new rule" in bodies and "Paragraph 25 explains" not in bodies
    keys = kb.record_manager.list_keys(group_ids=[str(policy.resolve())])
    assert len(keys) == len(kb.collection.get(where={"source": str(policy.resolve())})["ids"])

    # a removed file goes on --sync, not before
    policy.unlink()
    assert ingestor.run([docs]).summary()["deleted"] == 0
    fourth = ingestor.run([docs], sync=True).summary()
    assert fourth["deleted"] == 1
    assert all("Paragraph" not in b for b in chunk_bodies(kb))
    assert [e.doc_id for e in kb.catalog.all()] == ["other"]


def test_sync_leaves_other_folders_alone(tmp_path, kb, settings):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "one.md").write_text("# One\n\nFirst folder.\n")
    (b / "two.md").write_text("# Two\n\nSecond folder.\n")
    ingestor = Ingestor(settings, kb)
    ingestor.run([a, b])
    (b / "two.md").unlink()
    ingestor.run([a], sync=True)  # b is not being synced
    assert {e.doc_id for e in kb.catalog.all()} == {"one", "two"}
    ingestor.run([b], sync=True)
    assert {e.doc_id for e in kb.catalog.all()} == {"one"}


def test_bad_files_reported_and_good_ones_indexed(tmp_path, kb, settings):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.md").write_text("# Good\n\nA good rule.\n")
    make_legacy_doc(docs / "old.doc")
    (docs / "empty.txt").write_text("")
    report = Ingestor(settings, kb).run([docs, tmp_path / "missing.pdf"]).summary()
    reasons = {f["path"].split("/")[-1]: f["reason"] for f in report["failed"]}
    assert reasons == {
        "old.doc": "legacy Word 97 format: save as .docx and add it again",
        "empty.txt": "empty file",
        "missing.pdf": "no such file or directory",
    }
    assert report["added"] == 1


def test_file_that_turns_corrupt_keeps_its_old_chunks(tmp_path, kb, settings):
    path = tmp_path / "policy.md"
    path.write_text("# Policy\n\nThe old but valid rule.\n")
    ingestor = Ingestor(settings, kb)
    ingestor.run([path])
    path.write_bytes(b"\x00\x01\x02 binary junk")
    report = ingestor.run([path]).summary()
    assert "binary content" in report["failed"][0]["reason"]
    assert any("old but valid rule" in b for b in chunk_bodies(kb))


def test_concurrent_run_refused_with_clear_message(tmp_path, kb, settings):
    (tmp_path / "a.md").write_text("# A\n\nText.\n")
    settings.ensure_dirs()
    with FileLock(str(settings.lock_path)), pytest.raises(IngestLocked,
                                                          match="another ingest is running"):
        Ingestor(settings, kb).run([tmp_path / "a.md"])


def test_model_mismatch_refused(tmp_path, kb, settings):
    (tmp_path / "a.md").write_text("# A\n\nText.\n")
    Ingestor(settings, kb).run([tmp_path / "a.md"])
    other = KnowledgeBase(settings, HashEmbeddings(settings, model_id="test:another-model"))
    with pytest.raises(EmbeddingModelMismatch, match="built with the embedding model"):
        Ingestor(settings, other).run([tmp_path / "a.md"])


def test_same_file_name_in_two_folders_gets_distinct_ids(tmp_path, kb, settings):
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "README.md").write_text(f"# Readme\n\nFolder {folder}.\n")
    Ingestor(settings, kb).run([tmp_path])
    ids = sorted(e.doc_id for e in kb.catalog.all())
    assert ids[0] == "readme" and ids[1].startswith("readme-") and len(ids) == 2


def test_metadata_read_otherwise_than_written_is_noted_in_the_report(tmp_path, kb, settings):
    page = tmp_path / "cookies.md"
    page.write_text("---\ntitle: Cookies\naudience:\n  primary: developers\n---\n"
                    "Get consent before storing cookies that are not essential.\n")
    (tmp_path / "plain.md").write_text("# Plain\n\nNothing unusual here.\n")
    report = Ingestor(settings, kb).run([tmp_path]).summary()
    notes = {Path(f["path"]).name: f["note"] for f in report["files"]}
    assert notes["plain.md"] is None
    assert notes["cookies.md"].startswith("its audience (primary and secondary readers) says")
    entry = next(e for e in kb.catalog.all() if e.doc_id == "cookies")
    assert entry.policy["audience"] == ["all-staff"] and "notes" not in entry.policy


def test_superseded_and_audience_excluded_from_retrieval(tmp_path, kb, settings):
    docs = tmp_path / "docs"
    shutil.copytree(SAMPLE, docs)
    report = Ingestor(settings, kb).run([docs]).summary()
    assert report["failed"] == [] and report["added"] == 14

    entries = {e.doc_id: e for e in kb.catalog.all()}
    assert entries["data-sharing-policy-v2"].superseded_by == ["data-sharing-policy"]
    assert kb.catalog.superseded_ids() == {"data-sharing-policy-v2"}

    query = "send risk assessment to council by ordinary email personal email account"
    retriever = HybridRetriever(kb)
    for mode in ("dense", "keyword", "hybrid"):
        hits = retriever.search(query, k=20, mode=mode)
        assert hits and all(h.meta["doc_id"] != "data-sharing-policy-v2" for h in hits)
    # ...but the chunks are still in the store (the record of what it said is kept)
    assert kb.collection.get(where={"doc_id": "data-sharing-policy-v2"})["ids"]

    managers = "approve disclosure of health information without consent serious risk"
    assert "managers-escalation-guide" not in {
        h.meta["doc_id"] for h in retriever.search(managers, k=30, audiences={"probation"})}
    assert "managers-escalation-guide" in {
        h.meta["doc_id"] for h in retriever.search(managers, k=30, audiences={"managers"})}
    assert "managers-escalation-guide" not in {  # no audience given: all staff only
        h.meta["doc_id"] for h in retriever.search(managers, k=30)}


def test_remove_source(tmp_path, kb, settings):
    (tmp_path / "a.md").write_text("# A\n\nAlpha text.\n")
    (tmp_path / "b.md").write_text("# B\n\nBeta text.\n")
    Ingestor(settings, kb).run([tmp_path])
    entry = kb.catalog.resolve("a")
    assert kb.remove_source(entry.source) == 1
    assert [e.doc_id for e in kb.catalog.all()] == ["b"]
    assert all("Alpha" not in b for b in chunk_bodies(kb))
    # removed files come back as new on the next run
    assert Ingestor(settings, kb).run([tmp_path]).summary()["added"] == 1


def test_retriever_follows_the_index(tmp_path, kb, settings):
    """The keyword index is rebuilt when an ingest changes the record manager."""
    (tmp_path / "a.md").write_text("# Email\n\nUse secure email for partners.\n")
    ingestor = Ingestor(settings, kb)
    ingestor.run([tmp_path])
    retriever = HybridRetriever(kb)
    assert all(h.meta["doc_id"] != "b" for h in retriever.search("zebra crossings", k=5))
    (tmp_path / "b.md").write_text("# Zebra\n\nZebra crossings are painted white.\n")
    ingestor.run([tmp_path])
    retriever.refresh()
    hits = retriever.search("zebra crossings", k=5, mode="keyword")
    assert hits[0].meta["doc_id"] == "b"
    (tmp_path / "b.md").unlink()
    ingestor.run([tmp_path], sync=True)
    retriever.refresh()
    assert all(h.meta["doc_id"] != "b" for h in retriever.search("zebra crossings", k=5))


def test_exact_and_hnsw_dense_search_agree(tmp_path, kb, settings, monkeypatch):
    import knowledge.retriever

    shutil.copytree(SAMPLE, tmp_path / "kb")
    Ingestor(settings, kb).run([tmp_path / "kb"])
    query = "how do I reset my password and MFA"
    exact = [h.chunk_id for h in HybridRetriever(kb).search(query, k=5, mode="dense")]
    monkeypatch.setattr(knowledge.retriever, "EXACT_SEARCH_UP_TO", 0)
    hnsw_retriever = HybridRetriever(kb)
    assert not hnsw_retriever.searches_in_memory
    hnsw = [h.chunk_id for h in hnsw_retriever.search(query, k=5, mode="dense")]
    assert exact == hnsw


def test_a_page_cannot_take_every_place_in_the_answer(tmp_path, kb, settings):
    """Eight passages about "Copilot" in one page do not hide the other page about it."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "github.md").write_text("# GitHub Copilot\n\n" + "\n\n".join(
        f"## Part {i}\n\nGitHub Copilot suggests code; Copilot rule {i} applies to code."
        for i in range(8)) + "\n")
    (docs / "m365.md").write_text("# Microsoft 365 Copilot\n\nMicrosoft 365 Copilot drafts "
                                  "documents inside the tenant, and other things too.\n")
    Ingestor(settings, kb).run([docs])
    hits = HybridRetriever(kb).search("Copilot", k=8)
    per_doc = [h.meta["doc_id"] for h in hits]
    assert "m365" in per_doc[:4] and per_doc[:4].count("github") == 3
    assert per_doc.count("github") == 7  # the passages held back still follow


def test_title_and_headings_weigh_more_in_keyword_search(tmp_path, kb, settings):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "mfa.md").write_text("# Resetting MFA\n\nCall the desk on extension 4000 if you "
                                 "are locked out of your account.\n")
    (docs / "misc.md").write_text("# Office moves\n\nAn MFA reset or an MFA token swap is "
                                  "booked like a desk move, through facilities.\n")
    Ingestor(settings, kb).run([docs])
    hits = HybridRetriever(kb).search("MFA reset", k=2, mode="keyword")
    assert [h.meta["doc_id"] for h in hits] == ["mfa", "misc"]


def test_page_summary_is_found_but_never_quoted(tmp_path, kb, settings):
    from assistant.extractive import candidate_sentences

    (tmp_path / "data.md").write_text(
        "---\ntitle: Using data with AI\ndescription: What data you can put into an AI tool "
        "depends on its classification.\n---\n## Public tools\n\nOFFICIAL-SENSITIVE data "
        "must never be put into a public AI tool such as a free chatbot.\n")
    Ingestor(settings, kb).run([tmp_path])
    hits = HybridRetriever(kb).search("what data can I put into an AI tool", k=2)
    assert hits[0].meta.get("summary") and not hits[0].meta.get("heading_path")
    quotable = {s.text for s in candidate_sentences(hits, max_sources=4)}
    assert quotable == {"OFFICIAL-SENSITIVE data must never be put into a public AI tool such "
                        "as a free chatbot."}


@pytest.mark.integration
def test_answers_embedded_meanwhile_do_not_count_as_ingested(tmp_path, settings,
                                                             real_embeddings, monkeypatch):
    """A trainer's upload in a serving process reports only the passages it embedded."""
    import threading

    kb = KnowledgeBase(settings, real_embeddings)
    index_chunks = kb.index_chunks

    def while_staff_ask(chunks):
        asking = threading.Thread(target=real_embeddings.embed_documents,
                                  args=(["How do I reset my MFA?"] * 7,))
        asking.start()
        asking.join()
        return index_chunks(chunks)

    monkeypatch.setattr(kb, "index_chunks", while_staff_ask)
    (tmp_path / "a.md").write_text("# MFA\n\nCall the desk on extension 4000.\n")
    report = Ingestor(settings, kb).run([tmp_path]).summary()
    assert report["added"] == 1 and report["chunks_embedded"] == 1
