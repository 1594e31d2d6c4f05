"""An assistant over a folder indexed afresh, for evaluations and benchmarks."""

from __future__ import annotations

import logging
from pathlib import Path

from assistant.core import Assistant
from config.settings import Settings
from ingest.pipeline import Ingestor
from knowledge.base import KnowledgeBase
from usage.log import UsageLog

log = logging.getLogger("guide.eval")
SAMPLE = Path(__file__).resolve().parents[1] / "knowledge" / "sample"


def indexed_assistant(settings: Settings, folder: Path | list[Path],
                      usage: UsageLog | None = None) -> Assistant:
    """Index ``folder`` (or several) in the settings' data dir (incrementally) and answer
    from it; files that could not be indexed are logged."""
    kb = KnowledgeBase(settings)
    report = Ingestor(settings, kb).run(folder if isinstance(folder, list) else [folder])
    for failed in report.failed:
        log.warning("not indexed: %s (%s)", failed["path"], failed["reason"])
    return Assistant(settings, kb, usage=usage)
