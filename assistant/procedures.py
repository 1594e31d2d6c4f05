"""Procedures found in indexed chunks: numbered steps, or a section a trainer marked as a
walkthrough. Pure functions over chunk bodies; every quote they return is a verbatim slice of
its chunk's body, so a step can be cited like an answer.

What ingest keeps of a list: HTML and Markdown ordered lists become lines ``1. item`` (nested
lists indented by two spaces, bullets as ``- item``), DOCX numbered paragraphs ``1. item``
blocks, PDF and text lines keep the numbers typed in them. Blocks are joined by a blank line.
So a step is a line starting ``N.`` or ``N)`` at the left margin, numbered on from the step
before it; ``2.1`` clause numbers are not steps. What sits between two steps (indented
sub-items, bullets, a short note) is the earlier step's own guidance; text before step 1 is
the introduction; paragraphs after the last step are the procedure's notes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from knowledge.metadata_fields import chunk_body

STEP = re.compile(r"^(\d{1,2})[.)]\s+(?=\S)")
BULLET = re.compile(r"^\s*(?:[-•*▪●◦–]\s+|\d{1,2}[.)]\s+|\(?[a-z]\)\s+)")
MIN_STEPS = 2
# A numbered list is a procedure when its items read as instructions: sentences that open
# with what to do ("Choose Print."). Lists of things are numbered too: fields ("Client IP
# address"), labelled facts ("Purpose: ..."), rules stated about something ("Root CAs must
# be off-line."), findings ("An open-plan office promotes ..."); they are not walked through
# unless a trainer marks the section.
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]?$")
DESCRIBES = re.compile(
    r"^(?:a|an|the|this|that|these|those|it|its|they|their|there|some|many|more|most|less|"
    r"better|each|every|all|any|no|our|your|my|we|he|she|his|her)\b"  # says what something is
    r"|^[A-Z][\w '’/()-]{0,30}:\s"  # "Purpose: ...", a labelled fact
    r"|^(?:\S+\s+){0,3}(?:must|shall|should|will|may|is|are|was|were|has|have)\b",  # a rule
    re.I)
SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Chunk:
    """A stored chunk as the procedure finder needs it."""

    chunk_id: str
    text: str  # as stored: the context line, a blank line, the body
    meta: dict[str, Any]

    @property
    def body(self) -> str:
        return chunk_body(self.text, self.meta)


@dataclass(frozen=True)
class Quote:
    text: str  # verbatim in ``chunk.body``
    chunk: Chunk


@dataclass
class ProcedureStep:
    quote: Quote
    guidance: list[Quote] = field(default_factory=list)


@dataclass
class Procedure:
    id: str  # "doc-id#section-slug", stable while the section keeps its heading
    doc_id: str
    title: str
    section: str  # heading path
    source: str
    steps: list[ProcedureStep]
    intro: list[Quote] = field(default_factory=list)
    notes: list[Quote] = field(default_factory=list)
    marked: bool = False  # a trainer marked the section as a walkthrough

    @property
    def name(self) -> str:
        """What people call it: the section's own heading, else the document's title."""
        return self.section.split(" > ")[-1] if self.section else self.title

    @property
    def fingerprint(self) -> str:
        """Changes when any step's wording does: a walkthrough started on an older version
        of the document is not continued on a different one."""
        digest = hashlib.sha256("\x1f".join(s.quote.text for s in self.steps).encode())
        return digest.hexdigest()[:12]

    @property
    def chunk_ids(self) -> set[str]:
        quotes = [*self.intro, *self.notes, *(s.quote for s in self.steps),
                  *(g for s in self.steps for g in s.guidance)]
        return {q.chunk.chunk_id for q in quotes}


@dataclass
class Line:
    kind: str  # step | sub | para
    text: str  # verbatim, marker and indentation removed
    chunk: Chunk
    number: int = 0
    after_blank: bool = False  # a paragraph break came before it


def slug(text: str) -> str:
    return SLUG.sub("-", text.lower()).strip("-")[:80] or "document"


def lines_of(chunks: Sequence[Chunk]) -> list[Line]:
    """Each body line of the section's chunks in order, classified."""
    out: list[Line] = []
    for chunk in chunks:
        blank = True  # a chunk starts a block unless it continues a long one (see below)
        for raw in chunk.body.split("\n"):
            if not raw.strip():
                blank = True
                continue
            step = STEP.match(raw)
            if step:
                out.append(Line("step", raw[step.end():].strip(), chunk, int(step.group(1)),
                                blank))
            elif raw[:1].isspace() or BULLET.match(raw):
                out.append(Line("sub", BULLET.sub("", raw, count=1).strip(), chunk,
                                after_blank=blank))
            else:
                out.append(Line("para", raw.strip(), chunk, after_blank=blank))
            blank = False
    return [line for line in out if line.text]


def numbered_runs(lines: list[Line]) -> list[tuple[int, int]]:
    """(first, last) line indexes of each run of steps numbered 1, 2, 3... (at least two)."""
    runs: list[tuple[int, int]] = []
    start, expected, last = -1, 0, -1
    for i, line in enumerate(lines):
        if line.kind != "step":
            continue
        if line.number == 1:
            if start >= 0 and expected > MIN_STEPS:
                runs.append((start, last))
            start, expected, last = i, 2, i
        elif start >= 0 and line.number == expected:
            expected, last = expected + 1, i
        elif start >= 0:  # numbering broken: what came so far is the run
            if expected > MIN_STEPS:
                runs.append((start, last))
            start = -1
    if start >= 0 and expected > MIN_STEPS:
        runs.append((start, last))
    return runs


def quote(line: Line) -> Quote:
    return Quote(line.text, line.chunk)


def procedure_from_run(lines: list[Line], first: int, last: int, end: int, intro_from: int
                       ) -> tuple[list[Quote], list[ProcedureStep], list[Quote]]:
    """Intro (lines ``intro_from``..``first``), steps and notes (up to ``end``) of one run."""
    intro = [quote(line) for line in lines[intro_from:first]]
    steps: list[ProcedureStep] = []
    i = first
    while i <= last:
        line = lines[i]
        if line.kind == "step" and (not steps or line.number == len(steps) + 1):
            steps.append(ProcedureStep(quote(line)))
        else:
            steps[-1].guidance.append(quote(line))
        i += 1
    notes: list[Quote] = []
    for line in lines[last + 1:end]:
        # what hangs on the last step (its sub-items, bullets) is its guidance; the first
        # paragraph after a break starts the notes
        if not notes and (line.kind == "sub" or not line.after_blank):
            steps[-1].guidance.append(quote(line))
        else:
            notes.append(quote(line))
    return intro, steps, notes


def reads_as_instructions(steps: list[ProcedureStep]) -> bool:
    texts = [s.quote.text for s in steps]
    sentences = sum(bool(SENTENCE_END.search(t)) for t in texts)
    described = sum(bool(DESCRIBES.match(t)) for t in texts)
    return 2 * sentences >= len(texts) and 2 * described <= len(texts)


def section_procedures(chunks: Sequence[Chunk], base: str) -> list[Procedure]:
    """The procedures of one section (its chunks in document order), ids from ``base``."""
    if not chunks:
        return []
    meta = chunks[0].meta
    doc_id, section = str(meta.get("doc_id", "")), str(meta.get("heading_path", ""))
    marked = any(c.meta.get("walkthrough") for c in chunks)
    lines = lines_of(chunks)
    found: list[tuple[list[Quote], list[ProcedureStep], list[Quote]]] = []
    runs = numbered_runs(lines)
    for n, (first, last) in enumerate(runs):
        end = runs[n + 1][0] if n + 1 < len(runs) else len(lines)
        # what lies between two runs is the earlier one's notes, not the later one's intro
        intro_from = 0 if n == 0 else first
        intro, steps, notes = procedure_from_run(lines, first, last, end, intro_from)
        if marked or reads_as_instructions(steps):
            found.append((intro, steps, notes))
    if not found and marked:
        # a marked section without numbers: each paragraph or bullet is a step
        steps = [ProcedureStep(quote(line)) for line in lines]
        if len(steps) >= MIN_STEPS:
            found.append(([], steps, []))
    return [
        Procedure(id=base if n == 0 else f"{base}-{n + 1}", doc_id=doc_id,
                  title=str(meta.get("title", "")), section=section,
                  source=str(meta.get("source", "")), steps=steps, intro=intro, notes=notes,
                  marked=marked)
        for n, (intro, steps, notes) in enumerate(found)
    ]


def document_procedures(chunks: Sequence[Chunk]) -> list[Procedure]:
    """Every procedure of one document, from its chunks (any order)."""
    ordered = sorted(chunks, key=lambda c: int(c.meta.get("chunk_index", 0)))
    by_section: dict[str, list[Chunk]] = {}
    for chunk in ordered:
        if chunk.meta.get("summary"):
            continue  # a page's one-line description is not part of any procedure
        by_section.setdefault(str(chunk.meta.get("heading_path", "")), []).append(chunk)
    found: list[Procedure] = []
    used: set[str] = set()
    for section, group in by_section.items():
        doc_id = str(group[0].meta.get("doc_id", ""))
        base = f"{doc_id}#{slug(section.split(' > ')[-1])}"
        if base in used:  # two sections with one heading: the full path tells them apart
            base = f"{doc_id}#{slug(section)}"
        used.add(base)
        found.extend(section_procedures(group, base))
    return found
