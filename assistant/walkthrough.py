"""Walkthroughs: a procedure from the guidance, followed one step at a time.

``Walkthroughs.find`` takes what staff asked ("walk me through resetting my MFA") or a
document or procedure id, and returns a ``Walkthrough``: data, not chat messages. It uses the
same retrieval and the same evidence judgement as answers, then keeps only a procedure in the
passages found (see ``assistant.procedures``). Steps are quoted verbatim from their chunks and
cited, numbered by Guide in the order they are first cited. ``Walkthroughs.get`` rebuilds one
by its procedure id (a button press), without searching.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant import messages as msg
from assistant.answer import Citation
from assistant.core import Assistant, Thresholds, citation
from assistant.guard import check
from assistant.procedures import Chunk, Procedure, Quote, document_procedures
from assistant.terms import content_terms, weighted_coverage
from config.audiences import STAFF
from config.settings import Settings
from knowledge.keyword import record_stamp
from knowledge.retriever import HybridRetriever, Retrieved, visible
from usage.log import Asked, UsageLog
from usage.walkthroughs import WalkEvent, WalkEventKind, record_walk_event

log = logging.getLogger(__name__)
CANDIDATES = 5  # a procedure must be in a section among the best few passages
ALTERNATIVES = 3
# The ways staff ask to be taken through something, and the words of the asking itself
# ("the steps for", "the process to"), which say nothing about the topic.
WALK_REQUEST = re.compile(
    r"\b(?:walk|talk|take|guide|lead|step)\s+(?:me|us)\s+through\b|\bstep[\s-]+by[\s-]+step\b|"
    r"\bwalk[\s-]?through\b|^\s*walk\s*:", re.I)
ASKING = re.compile(
    r"\b(?:walk|talk|take|guide|lead|step)\s+(?:me|us)\s+through\b|\bstep[\s-]+by[\s-]+step\b|"
    r"\bwalk[\s-]?through(?:\s+(?:of|for|on))?\b|^\s*walk\s*:|"
    r"\b(?:the\s+)?(?:steps|process|procedure|instructions)\s+(?:for|to|of|on)\b|"
    r"\b(?:please|can you|could you|would you|show me)\b|\bhow\s+(?:to|do\s+i|can\s+i)\b",
    re.I)


def is_walk_request(text: str) -> bool:
    """Whether staff asked to be taken through something step by step."""
    return bool(WALK_REQUEST.search(text or ""))


def walk_topic(text: str) -> str:
    """What to walk through: the request without its asking words."""
    topic = ASKING.sub(" ", text or "")
    return re.sub(r"\s+", " ", topic).strip(" ?.!,:;-")


class Step(BaseModel):
    number: int  # 1-based
    quote: str  # verbatim from the cited chunk
    citation: Citation
    guidance: list[Citation] = Field(default_factory=list)  # the step's own help, verbatim


class Walkthrough(BaseModel):
    status: Literal["found", "not_found", "blocked"]
    text: str = ""  # what to tell staff when there is no walkthrough
    question: str = ""  # as guarded
    procedure_id: str | None = None
    fingerprint: str | None = None
    name: str = ""  # the procedure's heading
    title: str = ""  # the document's
    doc_id: str = ""
    section: str = ""
    version: str | None = None
    intro: list[Citation] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    notes: list[Citation] = Field(default_factory=list)
    contact: str = ""  # who "Ask a person" reaches
    others: list[dict[str, str]] = Field(default_factory=list)  # other procedures that fit

    def step(self, number: int) -> Step | None:
        return self.steps[number - 1] if 1 <= number <= len(self.steps) else None

    @property
    def citations(self) -> list[Citation]:
        """Every citation once per quote, in the order shown."""
        return [*self.intro, *(c for s in self.steps for c in (s.citation, *s.guidance)),
                *self.notes]

    def event(self, walk_id: str, kind: WalkEventKind, step: int) -> WalkEvent:
        return WalkEvent(walk_id=walk_id, event=kind, step=step, steps_total=len(self.steps),
                         procedure_id=self.procedure_id or "", doc_id=self.doc_id,
                         section=self.section, title=self.title, version=self.version,
                         fingerprint=self.fingerprint,
                         request=self.question if kind == "started" else None)


class Numbering:
    """Citation numbers by chunk, in the order chunks are first cited."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def cite(self, quoted: Quote) -> Citation:
        chunk = quoted.chunk
        number = self.numbers.setdefault(chunk.chunk_id, len(self.numbers) + 1)
        return citation(number, Retrieved(chunk.chunk_id, chunk.text, chunk.meta, 0.0),
                        quoted.text)


def walkthrough_of(procedure: Procedure, question: str, contact: str) -> Walkthrough:
    numbering = Numbering()
    intro = [numbering.cite(q) for q in procedure.intro]
    steps = []
    for n, step in enumerate(procedure.steps, start=1):
        cited = numbering.cite(step.quote)
        steps.append(Step(number=n, quote=step.quote.text, citation=cited,
                          guidance=[numbering.cite(g) for g in step.guidance]))
    first = procedure.steps[0].quote.chunk.meta
    return Walkthrough(
        status="found", question=question, procedure_id=procedure.id,
        fingerprint=procedure.fingerprint, name=procedure.name, title=procedure.title,
        doc_id=procedure.doc_id, section=procedure.section, version=first.get("version"),
        intro=intro, steps=steps, notes=[numbering.cite(q) for q in procedure.notes],
        contact=contact)


class Walkthroughs:
    """Procedures of the indexed documents, found for a request and rebuilt by id."""

    def __init__(self, settings: Settings, retriever: HybridRetriever,
                 thresholds: Thresholds | None = None, usage: UsageLog | None = None) -> None:
        self.settings = settings
        self.retriever = retriever
        self.thresholds = thresholds or Thresholds()
        self.usage = usage
        self._lock = threading.Lock()
        self._stamp: tuple[int, str] | None = None  # the index as last grouped
        self._chunks: dict[str, list[Chunk]] = {}  # doc id -> its chunks
        self._procedures: dict[str, list[Procedure]] = {}  # doc id -> its procedures
        self._superseded: set[str] = set()

    @classmethod
    def of(cls, assistant: Assistant) -> Walkthroughs:
        """Over the assistant's retriever and thresholds, logging to its usage log."""
        return cls(assistant.settings, assistant.retriever, assistant.thresholds,
                   assistant.usage)

    @property
    def contact(self) -> str:
        return self.settings.walkthrough_contact

    # -- the procedures of the index ------------------------------------------------------
    def _current(self) -> None:
        """Group the index's chunks by document again when an ingest has changed it (the
        record manager's stamp: one small query); procedures are parsed per document on
        first use."""
        kb = self.retriever.kb
        stamp = record_stamp(kb.record_manager.engine, kb.record_manager.namespace)
        with self._lock:
            if stamp == self._stamp:
                return
        chunks = self.retriever.chunks()
        by_doc: dict[str, list[Chunk]] = {}
        for stored in chunks.values():
            by_doc.setdefault(str(stored.meta.get("doc_id", "")), []).append(
                Chunk(stored.chunk_id, stored.text, stored.meta))
        superseded = kb.catalog.superseded_ids()
        with self._lock:
            self._stamp, self._chunks, self._procedures = stamp, by_doc, {}
            self._superseded = superseded

    def procedures(self, doc_id: str, audiences: Collection[str] = STAFF) -> list[Procedure]:
        """The procedures of one document the asker may see (none if superseded)."""
        self._current()
        with self._lock:
            if doc_id not in self._procedures:
                self._procedures[doc_id] = document_procedures(self._chunks.get(doc_id, []))
            found, superseded = self._procedures[doc_id], self._superseded
        return [p for p in found
                if visible(p.steps[0].quote.chunk.meta, superseded, audiences)]

    def all(self, audiences: Collection[str] = STAFF) -> list[Procedure]:
        """Every procedure in the index, by document."""
        self._current()
        return [p for doc_id in sorted(self._chunks) for p in self.procedures(doc_id, audiences)]

    def get(self, procedure_id: str, audiences: Collection[str] = STAFF,
            question: str = "") -> Walkthrough | None:
        """The walkthrough of one procedure, as the index has it now; None if it is gone."""
        doc_id = procedure_id.split("#", 1)[0]
        for procedure in self.procedures(doc_id, audiences):
            if procedure.id == procedure_id:
                return walkthrough_of(procedure, question, self.contact)
        return None

    # -- finding one for a request ------------------------------------------------------
    def find(self, request: str, audiences: Collection[str] = STAFF) -> Walkthrough:
        """A walkthrough for what staff asked, or for a document or procedure id."""
        guarded = check(request)
        if guarded.blocked:
            return Walkthrough(status="blocked", question=guarded.redacted,
                               text=msg.BLOCKED_PERSONAL_DATA.format(
                                   kinds=", ".join(guarded.kinds)))
        if len(request) > self.settings.max_question_chars:
            return Walkthrough(status="not_found", question=guarded.redacted[:200] + "…",
                               text=msg.TOO_LONG.format(
                                   length=len(request), limit=self.settings.max_question_chars))
        named = self.named(request.strip(), audiences)
        if named:
            return self.found(named, guarded.redacted)
        topic = walk_topic(request)
        if not content_terms(topic):
            return Walkthrough(status="not_found", question=guarded.redacted,
                               text=msg.WALK_WHICH)
        fitting = self.fitting(topic, audiences)
        if not fitting:
            return Walkthrough(status="not_found", question=guarded.redacted,
                               text=msg.WALK_NOT_FOUND.format(contact=self.contact))
        return self.found(fitting, guarded.redacted)

    def found(self, procedures: list[Procedure], question: str) -> Walkthrough:
        walk = walkthrough_of(procedures[0], question, self.contact)
        walk.others = [{"procedure_id": p.id, "name": p.name, "title": p.title}
                       for p in procedures[1:1 + ALTERNATIVES]]
        return walk

    def named(self, text: str, audiences: Collection[str]) -> list[Procedure]:
        """Procedures named outright: a procedure id, a doc id, or a file's name."""
        if not text or " " in text:
            return []
        doc_id = text.split("#", 1)[0]
        procedures = self.procedures(doc_id, audiences)
        if not procedures:
            stem = Path(text).name.lower()
            for chunks in list(self._chunks.values()):
                meta = chunks[0].meta
                source = Path(str(meta.get("source", ""))).name.lower()
                if stem and stem in (source, Path(source).stem):
                    procedures = self.procedures(str(meta.get("doc_id", "")), audiences)
                    break
        if "#" in text:
            procedures = [p for p in procedures if p.id == text]
        return procedures

    def fitting(self, topic: str, audiences: Collection[str]) -> list[Procedure]:
        """Procedures in the sections of the best passages for ``topic``, best first, each
        judged on its own evidence like an answer's (so an unrelated procedure sitting next
        to the passage found is never offered)."""
        hits = self.retriever.search(topic, k=2 * self.settings.retrieval_k, audiences=audiences)
        terms = content_terms(topic)
        idf = self.retriever.term_weights()
        th = self.thresholds
        chosen: list[Procedure] = []
        for hit in hits[:CANDIDATES]:
            for procedure in self.procedures(str(hit.meta.get("doc_id", "")), audiences):
                if procedure.id in {p.id for p in chosen} or \
                        hit.chunk_id not in procedure.chunk_ids:
                    continue
                text = " ".join(_texts(procedure))
                similarity = max((h.dense_similarity or 0.0) for h in hits
                                 if h.chunk_id in procedure.chunk_ids)
                coverage = weighted_coverage(terms, text, idf)
                if coverage >= th.min_coverage and (similarity >= th.weak_similarity
                                                    or coverage >= th.weak_coverage):
                    chosen.append(procedure)
        # A procedure's heading says what it does: of those that fit, the one whose heading
        # names more of what was asked comes first ("resetting my MFA": "Reset your MFA",
        # not the password steps beside it in the same document); then retrieval's order.
        named = {p.id: weighted_coverage(terms, p.name, idf) for p in chosen}
        return sorted(chosen, key=lambda p: -round(named[p.id], 2))

    # -- what staff did -----------------------------------------------------------------
    def record(self, asked: Asked, walk: Walkthrough, walk_id: str, kind: WalkEventKind,
               step: int) -> bool:
        """Log one event; a failing log never costs staff their walkthrough."""
        if self.usage is None or walk.procedure_id is None:
            return False
        try:
            record_walk_event(self.usage, asked, walk.event(walk_id, kind, step))
            return True
        except Exception:
            log.exception("could not record a walkthrough %s event", kind)
            return False


def _texts(procedure: Procedure) -> list[str]:
    """The stored text of each chunk the procedure quotes (context line included)."""
    seen: dict[str, str] = {}
    quotes = [*procedure.intro, *procedure.notes, *(s.quote for s in procedure.steps),
              *(g for s in procedure.steps for g in s.guidance)]
    for q in quotes:
        seen.setdefault(q.chunk.chunk_id, q.chunk.text)
    return list(seen.values())


def walkthrough_json(walk: Walkthrough) -> dict[str, Any]:
    """The whole walkthrough as one JSON object (``guide walk --json``, the web API)."""
    return walk.model_dump(mode="json")
