"""Documents added through Slack or the web: checked by the same loaders as ``guide ingest``
before they land, then indexed through the same pipeline. A file that can't be read is
reported and dropped; what was indexed before stays as it was."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.errors import GuideError, IngestError, IngestLocked
from config.settings import Settings
from ingest.loaders import KNOWN_UNSUPPORTED, LOADERS, load_file
from ingest.pipeline import Ingestor, IngestReport
from knowledge.base import KnowledgeBase

LOCK_WAIT_S = 300.0  # an upload may wait this long for another ingest to finish
BUSY = "another upload is being indexed; please try again in a minute"


def safe_name(name: str) -> str:
    name = Path(name).name.strip() or "document"
    return re.sub(r"[^\w.\- ()]", "_", name)[:150]


@dataclass
class Outcome:
    ok: bool
    name: str
    status: str  # added | updated | unchanged | failed
    reason: str | None = None
    title: str | None = None
    chunks: int = 0
    summary: dict[str, Any] | None = None

    def describe(self, show: Callable[[str], str] = str,
                 emphasise: Callable[[str], str] = str) -> str:
        """What happened, for the trainer who added the file; ``show`` renders text from
        the file (a Slack reply escapes it), ``emphasise`` the document's title."""
        if not self.ok:
            return f"I couldn't add {show(self.name)}: {show(self.reason or 'unknown reason')}"
        title = emphasise(self.title or self.name)
        if self.status == "unchanged":
            return f"{title} is already in the guidance, unchanged."
        verb = "Updated" if self.status == "updated" else "Added"
        return f"{verb} {title}: {self.chunks} passages indexed; staff can ask about it now."


class DocumentUploads:
    def __init__(self, settings: Settings, kb: KnowledgeBase,
                 changed: Callable[[], object] = lambda: None) -> None:
        """``changed`` is called after the index changed here (the retriever's refresh, so
        the next answer sees the new document at once)."""
        self.settings = settings.model_copy(
            update={"lock_timeout_s": max(settings.lock_timeout_s, LOCK_WAIT_S)})
        self.kb = kb
        self.changed = changed
        self.limit = settings.max_upload_mb * 1_000_000

    def refusal(self, name: str, size: int | None = None) -> str | None:
        """Why a file of this name (and size) can't be taken, before anyone downloads it."""
        suffix = Path(name).suffix.lower()
        if suffix in KNOWN_UNSUPPORTED:
            return KNOWN_UNSUPPORTED[suffix]
        if suffix not in LOADERS:
            return (f"unsupported file type {suffix or '(none)'}: use PDF, DOCX, HTML, "
                    "Markdown or text")
        if size is not None and size > self.limit:
            return self.too_large(size)
        return None

    def too_large(self, size: int) -> str:
        return f"the file is {size / 1e6:.1f} MB, over the {self.settings.max_upload_mb} MB limit"

    def incoming(self, name: str) -> Path:
        """Where an upload is written while it is checked."""
        path = self.settings.uploads_dir / ".incoming" / safe_name(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def accept(self, incoming: Path) -> Outcome:
        """Check the file at ``incoming``; if readable, move it into the uploads folder (a new
        version replaces the old one of the same name) and index it."""
        name = incoming.name
        try:
            load_file(incoming, max_bytes=self.limit)
        except IngestError as exc:
            incoming.unlink(missing_ok=True)
            return Outcome(False, name, "failed", str(exc))
        target = self.settings.uploads_dir / name
        shutil.move(incoming, target)
        return self.index(target)

    def index(self, path: Path) -> Outcome:
        try:
            report: IngestReport = Ingestor(self.settings, self.kb).run([path])
            self.changed()
        except IngestLocked:
            return Outcome(False, path.name, "failed", BUSY)
        except GuideError as exc:
            return Outcome(False, path.name, "failed", str(exc))
        outcome = report.outcomes[0]
        summary = report.summary()
        summary.pop("files", None)
        if outcome.status == "failed":
            return Outcome(False, path.name, "failed", outcome.reason, summary=summary)
        entry = self.kb.catalog.get(str(path.resolve()))
        return Outcome(True, path.name, outcome.status, title=entry.title if entry else path.name,
                       chunks=outcome.chunks, summary=summary)

    def remove(self, source: str) -> int:
        """Remove a document's chunks (and the file, if it was uploaded); chunks removed."""
        removed = self.kb.remove_source(source)
        self.changed()
        if self.is_upload(source):
            Path(source).unlink(missing_ok=True)
        return removed

    def is_upload(self, source: str) -> bool:
        return Path(source).parent == self.settings.uploads_dir.resolve()
