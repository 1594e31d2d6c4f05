"""Procedures found in chunks made by the real loaders and chunker (a word-counting token
counter keeps it fast): numbered steps in every format, their own guidance, marked sections,
and every quote verbatim in the chunk it comes from."""

from __future__ import annotations

from pathlib import Path

import docx

from assistant.procedures import Chunk, Procedure, document_procedures
from ingest.chunking import chunk_document
from ingest.loaders import load_file
from ingest.metadata import build_metadata
from tests.files import make_pdf


def words(text: str) -> int:
    return len(text.split())


def procedures_of(path: Path, target: int = 200) -> list[Procedure]:
    doc = load_file(path)
    meta = build_metadata(path, doc.metadata, doc.title)
    chunks = chunk_document(doc, meta, source=str(path), doc_hash="h", count=words,
                            max_tokens=254, target_tokens=target)
    found = document_procedures([Chunk(f"c{i}", d.page_content, d.metadata)
                                 for i, d in enumerate(chunks)])
    for p in found:  # the promise every surface relies on
        quotes = [*p.intro, *p.notes, *(s.quote for s in p.steps),
                  *(g for s in p.steps for g in s.guidance)]
        assert all(q.text and q.text in q.chunk.body for q in quotes)
    return found


def steps(p: Procedure) -> list[str]:
    return [s.quote.text for s in p.steps]


MD = """---
title: Printing
---
# Printing

## Print a document securely

Secure printing holds your job until you are at the printer.

1. Choose File > Print and pick the printer called Secure.
2. Walk to any office printer and tap your ID card on the reader.
   - If the reader beeps twice, your card is not registered: call extension 4000.
   - The job waits for 24 hours.
3. Choose your job on the screen and press Print.

Uncollected jobs are deleted overnight.

## Paper sizes

The printers take A4 and A3 paper.
"""


def test_markdown_steps_with_their_own_guidance_intro_and_notes(tmp_path):
    path = tmp_path / "printing.md"
    path.write_text(MD)
    [p] = procedures_of(path)
    assert p.id == "printing#print-a-document-securely" and p.name == "Print a document securely"
    assert steps(p) == ["Choose File > Print and pick the printer called Secure.",
                        "Walk to any office printer and tap your ID card on the reader.",
                        "Choose your job on the screen and press Print."]
    assert [g.text for g in p.steps[1].guidance] == [
        "If the reader beeps twice, your card is not registered: call extension 4000.",
        "The job waits for 24 hours."]
    assert [q.text for q in p.intro] == [
        "Secure printing holds your job until you are at the printer."]
    assert [q.text for q in p.notes] == ["Uncollected jobs are deleted overnight."]
    assert not p.marked


def test_a_long_procedure_split_over_chunks_keeps_its_numbering(tmp_path):
    items = "\n".join(f"{n}. Do the thing numbered {n} with care and check it twice." for n in
                      range(1, 13))
    path = tmp_path / "long.md"
    path.write_text(f"# Long\n\n## Many steps\n\n{items}\n")
    [p] = procedures_of(path, target=30)
    assert len({s.quote.chunk.chunk_id for s in p.steps}) > 1  # spread over several chunks
    assert steps(p) == [f"Do the thing numbered {n} with care and check it twice."
                        for n in range(1, 13)]


def test_clause_numbers_bullets_and_lone_items_are_not_procedures(tmp_path):
    path = tmp_path / "policy.txt"
    path.write_text("RETENTION\n\n2.1 Keep records for 6 years.\n2.2 Destroy them securely.\n\n"
                    "- one bullet\n- another bullet\n\n1. Only one numbered line here.\n")
    assert procedures_of(path) == []


def test_two_lists_in_one_section_are_two_procedures(tmp_path):
    path = tmp_path / "two.html"
    path.write_text("<main><h1>Two</h1><h2>Leavers</h2><ol><li>Collect the laptop.</li>"
                    "<li>Disable the account.</li></ol><p>Then, for a phone:</p>"
                    "<ol><li>Collect the phone.</li><li>Wipe it.</li></ol></main>")
    first, second = procedures_of(path)
    assert (first.id, second.id) == ("two#leavers", "two#leavers-2")
    assert steps(first) == ["Collect the laptop.", "Disable the account."]
    assert [q.text for q in first.notes] == ["Then, for a phone:"]
    assert steps(second) == ["Collect the phone.", "Wipe it."]


def test_word_numbering_becomes_steps(tmp_path):
    document = docx.Document()
    document.add_heading("Booking a room", level=1)
    document.add_paragraph("Open the room finder.", style="List Number")
    document.add_paragraph("Rooms with a star have video.", style="List Bullet")
    document.add_paragraph("Pick a free slot.", style="List Number")
    document.add_paragraph("Press Book.", style="List Number")
    document.add_heading("Cancelling", level=1)
    document.add_paragraph("Delete the booking.", style="List Number")
    path = tmp_path / "rooms.docx"
    document.save(path)
    blocks = [b.text for b in load_file(path).blocks]
    assert "1. Open the room finder." in blocks and "3. Press Book." in blocks
    assert "1. Delete the booking." in blocks  # numbering starts again in a new section
    [p] = procedures_of(path)  # one numbered item is not a procedure
    assert steps(p) == ["Open the room finder.", "Pick a free slot.", "Press Book."]
    assert [g.text for g in p.steps[0].guidance] == ["Rooms with a star have video."]


def test_pdf_numbered_lines_become_steps(tmp_path):
    path = make_pdf(tmp_path / "visitors.pdf", [[
        ("h1", "Visitors"), ("h2", "Signing a visitor in"),
        ("p", "1. Check the visitor's photo ID at reception."),
        ("p", "2. Print a visitor badge from the kiosk."),
        ("p", "3. Walk the visitor to the meeting room."),
    ]], title="Visitors")
    [p] = procedures_of(path)
    assert p.name == "Signing a visitor in"
    assert steps(p) == ["Check the visitor's photo ID at reception.",
                        "Print a visitor badge from the kiosk.",
                        "Walk the visitor to the meeting room."]


def test_a_section_marked_in_metadata_is_walked_paragraph_by_paragraph(tmp_path):
    body = ("# Desk moves\n\n## Before the move\n\nPack your desk into the crate.\n\n"
            "Label the crate with your name.\n\n## After the move\n\nUnpack the crate.\n\n"
            "Plug in your laptop.\n")
    marked = tmp_path / "moves.md"
    marked.write_text("---\nwalkthrough: Before the move\n---\n" + body)
    [p] = procedures_of(marked)
    assert p.marked and p.name == "Before the move"
    assert steps(p) == ["Pack your desk into the crate.", "Label the crate with your name."]
    plain = tmp_path / "plain.md"
    plain.write_text(body)
    assert procedures_of(plain) == []  # paragraphs are not steps unless a trainer says so
    everything = tmp_path / "all.md"
    everything.write_text(body)
    (tmp_path / "all.md.meta.yaml").write_text("walkthrough: true\n")
    assert [p.name for p in procedures_of(everything)] == ["Before the move", "After the move"]


def test_a_docx_marks_its_walkthrough_in_its_keywords(tmp_path):
    document = docx.Document()
    document.core_properties.keywords = "audience=all-staff; walkthrough=Starting a shift"
    document.add_heading("Starting a shift", level=1)
    document.add_paragraph("Collect your keys from the key safe.")
    document.add_paragraph("Sign the shift log.")
    path = tmp_path / "shift.docx"
    document.save(path)
    [p] = procedures_of(path)
    assert p.marked and steps(p) == ["Collect your keys from the key safe.",
                                     "Sign the shift log."]


def test_numbered_lists_of_things_are_not_procedures(tmp_path):
    path = tmp_path / "lists.md"
    path.write_text(
        "# Lists\n\n## Log fields\n\n1. Client IP address\n2. Request response code\n"
        "3. User identifier\n\n## Powers\n\n1. Purpose: To investigate offences.\n"
        "2. Court warrant: Not required.\n3. Site access: At any reasonable time.\n\n"
        "## Rules\n\n1. Root keys must be kept off-line.\n2. The safe is checked daily.\n"
        "3. All users shall be vetted.\n\n## Findings\n\n1. An open office helps teams talk.\n"
        "2. The hub shares information quickly.\n\n## Lock your screen\n\n"
        "1. Press the Windows key and L at the same time.\n"
        "2. To unlock, press Ctrl, Alt and Delete, then sign in.\n")
    assert [p.name for p in procedures_of(path)] == ["Lock your screen"]
