"""The manager's report with its knowledge gaps, for the CLI and the dashboard alike."""

from __future__ import annotations

from typing import Any

from assistant.core import Assistant
from usage.log import UsageLog
from usage.report import Period, build_report


def full_report(usage: UsageLog, assistant: Assistant | None, period: Period) -> dict[str, Any]:
    """Figures, and failed questions grouped into topics by the embedding model (cached, so a
    question is embedded once however often the report is drawn)."""
    if assistant is None:
        return build_report(usage.engine, period)
    return build_report(usage.engine, period,
                        embed=assistant.kb.cached_embeddings.embed_documents,
                        nearest=assistant.nearest_document)
