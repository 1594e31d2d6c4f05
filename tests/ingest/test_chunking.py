"""Chunks follow the structure, fit the model's window, and carry what a citation needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.settings import Settings
from ingest.chunking import SENTENCE_BREAK, chunk_document
from ingest.metadata import build_metadata
from ingest.model import Block, ParsedDocument
from knowledge.embeddings import model_info, token_counter
from knowledge.metadata_fields import chunk_body as stored_body
from tests.conftest import SAMPLE

INFO = model_info(Settings())
COUNT = token_counter(INFO)


def chunk(doc: ParsedDocument, target: int = 200):
    meta = build_metadata(doc.path, doc.metadata, doc.title)
    return chunk_document(doc, meta, source=str(doc.path), doc_hash="h", count=COUNT,
                          max_tokens=INFO.max_tokens, target_tokens=target)


def chunk_body(chunk) -> str:
    return stored_body(chunk.page_content, chunk.metadata)


def full_text(doc: ParsedDocument) -> str:
    return "\n\n".join(b.text for b in doc.blocks)


def test_model_window_is_measured_from_the_model():
    assert INFO.max_tokens == 254  # 256 word pieces less [CLS] and [SEP]
    assert COUNT("unforeseeable") > 1  # word pieces, not words


def test_chunks_follow_headings_and_pages(tmp_path):
    doc = ParsedDocument(Path(tmp_path / "p.pdf"), "pdf", [
        Block("Policy", "heading", 1, 1),
        Block("Scope", "heading", 2, 1),
        Block("This applies to all staff.", page=1),
        Block("Sharing", "heading", 2, 1),
        Block("Share the minimum.", page=1),
        Block("Use secure email.", page=2),
    ], title="Data policy", pages=2)
    chunks = chunk(doc)
    got = [(c.metadata["heading_path"], c.metadata.get("page"), chunk_body(c)) for c in chunks]
    assert got == [
        ("Policy > Scope", 1, "This applies to all staff."),
        ("Policy > Sharing", 1, "Share the minimum."),
        ("Policy > Sharing", 2, "Use secure email."),
    ]
    assert chunks[0].page_content.startswith("Data policy > Policy > Scope\n\n")


def test_long_text_split_within_window_with_exact_spans(tmp_path):
    sentence = "Staff must record every disclosure of personal data in the case record. "
    long_para = sentence * 60
    doc = ParsedDocument(tmp_path / "long.txt", "text", [
        Block("Retention", "heading", 1),
        Block("Short opening paragraph."),
        Block(long_para.strip()),
        Block("x" * 3000),  # one unbreakable "word"
    ], title="Long policy")
    chunks = chunk(doc, target=120)
    text = full_text(doc)
    for c in chunks:
        assert COUNT(c.page_content) <= INFO.max_tokens
        body = chunk_body(c)
        assert text[c.metadata["start"]:c.metadata["end"]] == body  # span points at the body
    assert len(chunks) > 5
    assert [c.metadata["chunk_index"] for c in chunks] == list(range(len(chunks)))


def test_a_long_sentence_of_lettered_points_is_chunked_at_a_point(tmp_path):
    """A law's sentence too long for one chunk breaks before one of its points ("; (e) the
    existence of ..."), never in the middle of a phrase; short points stay packed together."""
    points = "; ".join(f"({letter}) the {word} of the processing and of the personal data "
                       f"concerned, in the view of the controller and of the authority"
                       for letter, word in zip("abcdefghij", ["purpose", "nature", "context",
                                               "scope", "risk", "form", "time", "place",
                                               "cost", "means"], strict=True))
    sentence = f"The controller shall take into account: {points}."
    doc = ParsedDocument(tmp_path / "law.pdf", "pdf", [Block(sentence, page=3)], title="Law")
    chunks = chunk(doc, target=120)
    bodies = [chunk_body(c) for c in chunks]
    assert len(bodies) > 1 and "".join(bodies).replace(" ", "") == sentence.replace(" ", "")
    assert bodies[0].startswith("The controller shall take into account: (a)")
    assert all(b.startswith("(") for b in bodies[1:])
    assert all(b.count("(") >= 2 for b in bodies[1:-1])  # points packed, not one per chunk


def test_a_chunk_never_ends_with_the_next_clauses_number(tmp_path):
    clauses = " ".join(f"{n}. The controller shall keep record {n} of the processing, with "
                       f"the purposes, the categories of data and the time limits for erasure."
                       for n in range(1, 13))
    doc = ParsedDocument(tmp_path / "law.pdf", "pdf", [Block(clauses, page=1)], title="Law")
    bodies = [chunk_body(c) for c in chunk(doc, target=60)]
    assert len(bodies) > 2
    assert all(re.match(r"\d+\. The controller", b) and b.endswith("erasure.") for b in bodies)
    # a sentence that ends with a number still ends there
    assert SENTENCE_BREAK.split("It is laid down in Article 6. The controller keeps it.") == [
        "It is laid down in Article 6.", "The controller keeps it."]


def test_every_chunk_carries_citation_metadata(tmp_path):
    md = tmp_path / "policy.md"
    md.write_text("---\nid: dsp\ntitle: Data Sharing Policy\nowner: IG\nversion: '3.0'\n"
                  "effective_date: 2026-04-01\nreview_date: 2027-04-01\naudience: probation\n"
                  "supersedes: dsp-v2\n---\n# Sharing\n\nShare the minimum.\n")
    from ingest.loaders import load_file

    doc = load_file(md)
    (only,) = chunk(doc)
    meta = only.metadata
    assert meta["doc_id"] == "dsp" and meta["title"] == "Data Sharing Policy"
    assert meta["source"] == str(md) and meta["heading_path"] == "Sharing"
    assert meta["version"] == "3.0" and meta["owner"] == "IG"
    assert meta["effective_date"] == "2026-04-01" and meta["review_date"] == "2027-04-01"
    assert meta["audience"] == "|probation|" and meta["supersedes"] == "|dsp-v2|"
    assert meta["chunk_index"] == 0 and meta["doc_hash"] == "h"
    assert len(meta["content_hash"]) == 64
    assert all(v is not None for v in meta.values())  # Chroma refuses None


@pytest.mark.parametrize("target", [64, 200, 254])
def test_no_chunk_exceeds_window_on_sample(target):
    from ingest.loaders import load_file

    sample = SAMPLE
    for path in sample.iterdir():
        if path.name.endswith(".meta.yaml"):
            continue
        for c in chunk(load_file(path), target=target):
            assert COUNT(c.page_content) <= INFO.max_tokens


def test_a_word_longer_than_the_window_is_cut_not_split_for_ever(tmp_path):
    """A rule of 600 dashes or a long URL is one "word" of hundreds of word pieces (each dash
    is one): it used to send the packer into endless recursion."""
    url = "https://example.org/" + "/".join(f"part-{n}" for n in range(150))
    doc = ParsedDocument(tmp_path / "rule.md", "markdown", [
        Block("Working as a collaborator", "heading", 1),
        Block("Ask the team for access before you start."),
        Block("-" * 600),
        Block(f"The form is at {url} for everyone."),
    ], title="Collaborators")
    chunks = chunk(doc, target=120)
    text = full_text(doc)
    for c in chunks:
        assert COUNT(c.page_content) <= INFO.max_tokens
        assert text[c.metadata["start"]:c.metadata["end"]] == chunk_body(c)
    assert "".join(chunk_body(c) for c in chunks).count("-") >= 600
