"""The manager's report with its knowledge gaps, for the CLI and the dashboard alike."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial
from typing import Any

from assistant.core import Assistant
from assistant.skills.framework import current_framework
from assistant.skills.view import skills_view
from config.audiences import ALL_STAFF, may_read, readers
from knowledge.base import KnowledgeBase
from usage.log import UsageLog
from usage.report import MaySee, Period, build_report, export_csv


def document_audiences(assistant: Assistant) -> dict[str, list[str]]:
    """Each indexed document's audiences now, by doc id (ingest always gives one)."""
    return {e.doc_id: list(e.policy.get("audience") or [ALL_STAFF])
            for e in assistant.kb.catalog.all()}


def reader_may_see(audiences: Collection[str], now: dict[str, list[str]]) -> MaySee:
    """For a reader of ``audiences``: a document cited for all staff or one of them; where the
    log has no audiences for it (answers from before they were kept), as it is indexed now;
    a document known to neither is withheld."""
    mine = readers(audiences)

    def may_see(doc_id: str, cited_for: list[str] | None) -> bool:
        allowed = cited_for or now.get(doc_id)
        return bool(allowed) and (ALL_STAFF in allowed or any(a in mine for a in allowed))

    return may_see


def full_report(usage: UsageLog, assistant: Assistant | None, period: Period,
                audiences: Collection[str] | None = None) -> dict[str, Any]:
    """Figures, and failed questions grouped into topics by the embedding model (cached, so a
    question is embedded once however often the report is drawn). For a reader of
    ``audiences``, documents (and nearest documents) are only those they may see; None: the
    operator's CLI report, with every document."""
    if assistant is None:
        return build_report(usage.engine, period)
    indexed = document_audiences(assistant)
    if audiences is None:
        shown, may_see = readers(a for names in indexed.values() for a in names), None
    else:
        shown, may_see = readers(audiences), reader_may_see(audiences, indexed)
    report = build_report(usage.engine, period,
                          embed=assistant.kb.cached_embeddings.embed_documents,
                          nearest=partial(assistant.nearest_document, audiences=shown),
                          may_see=may_see)
    report["skills"] = skills_report(usage, assistant, period, report["gaps"])
    return report


def export_for(usage: UsageLog, assistant: Assistant, period: Period,
               audiences: Collection[str]) -> str:
    """The CSV export for a reader of ``audiences``."""
    return export_csv(usage.engine, period,
                      reader_may_see(audiences, document_audiences(assistant)))


def document_finder(kb: KnowledgeBase, audiences: Collection[str] | None = None
                    ) -> Callable[[str], dict[str, Any] | None]:
    """doc id -> the current document's id and title (None when it is not indexed). For a
    reader of ``audiences``, a document they may not read is marked ``restricted`` and carries
    no title, so a framework link to it shows nothing of it; None: every document (the
    managers' and trainers' views, who manage the documents themselves)."""
    mine = None if audiences is None else readers(audiences)
    current: dict[str, dict[str, Any]] = {}
    for e in kb.catalog.current():
        readable = mine is None or may_read(e.policy.get("audience"), mine)
        current[e.doc_id] = ({"doc_id": e.doc_id, "title": e.title} if readable
                             else {"doc_id": e.doc_id, "restricted": True})
    return current.get


def skills_report(usage: UsageLog, assistant: Assistant, period: Period,
                  gaps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The skills-gap view: questions by skill area, walkthrough Stuck rates, k-anonymous
    self-ratings and the training needs they point to. The nearest document of a failed
    question comes from the knowledge-gap topics already found (``gaps``), or is looked up."""
    settings = assistant.settings
    nearest: Callable[[str], dict[str, Any] | None] = assistant.nearest_document
    if gaps is not None:
        known = {q: g["nearest_document"] for g in gaps for q in (g["topic"], *g["examples"])}
        nearest = known.get
    return skills_view(current_framework(settings.data_dir), usage.engine, period.since,
                       period.until, document_finder(assistant.kb), nearest,
                       settings.skills_min_group)
