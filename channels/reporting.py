"""The manager's report with its knowledge gaps, for the CLI and the dashboard alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.core import Assistant
from assistant.skills.framework import current_framework
from assistant.skills.view import skills_view
from knowledge.base import KnowledgeBase
from usage.log import UsageLog
from usage.report import Period, build_report


def full_report(usage: UsageLog, assistant: Assistant | None, period: Period) -> dict[str, Any]:
    """Figures, and failed questions grouped into topics by the embedding model (cached, so a
    question is embedded once however often the report is drawn)."""
    if assistant is None:
        return build_report(usage.engine, period)
    report = build_report(usage.engine, period,
                          embed=assistant.kb.cached_embeddings.embed_documents,
                          nearest=assistant.nearest_document)
    report["skills"] = skills_report(usage, assistant, period, report["gaps"])
    return report


def document_finder(kb: KnowledgeBase) -> Callable[[str], dict[str, Any] | None]:
    """doc id -> the current document's id and title (None when it is not indexed)."""
    current = {e.doc_id: {"doc_id": e.doc_id, "title": e.title} for e in kb.catalog.current()}
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
