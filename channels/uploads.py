"""Documents added through Slack, Teams or the web: checked by the same loaders as
``guide ingest`` before they land, then indexed through the same pipeline. A file that can't be
read is reported and dropped; what was indexed before stays as it was.

The work runs in a worker process (``ingest.worker.run_job``), never in the server: parsing
under a memory limit, the whole job under a time limit, embedding on one thread at a lower
priority, so no document can take the server down and answers keep their pace meanwhile.
Removals go there too: in the embedded store only one kind of process writes, the workers
(and ``guide ingest``), and the server reads what they wrote (``knowledge.store``)."""

from __future__ import annotations

import contextlib
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from config.errors import GuideError, IngestError, IngestLocked
from config.settings import Settings
from ingest.loaders import KNOWN_UNSUPPORTED, LOADERS, load_file, without_paths
from ingest.metadata import build_metadata
from ingest.pipeline import Ingestor, IngestReport
from ingest.worker import JobWorker, memory_limit
from knowledge.base import Embedder, KnowledgeBase
from knowledge.embeddings import MiniLMEmbeddings
from knowledge.store import forget_clients

LOCK_WAIT_S = 300.0  # an upload may wait this long for another ingest to finish
WORKER_NICE = 10  # the worker's CPU priority below the server's
UNREADABLE = "the file could not be read"
BUSY = "another upload is being indexed; please try again in a minute"
STALE_S = 3600  # an upload's own folder left empty this long was given up (a failed download)


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
    note: str | None = None  # something in the file read otherwise than written

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
        added = f"{verb} {title}: {self.chunks} passages indexed; staff can ask about it now."
        return f"{added} Note: {show(self.note)}." if self.note else added


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
        self.worker = JobWorker(nice=WORKER_NICE)

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
        """Where an upload is written while it is checked: in a folder of its own, so two
        uploads of one name at once never write the same file; the name stays the file's."""
        root = incoming_root(self.settings)
        root.mkdir(parents=True, exist_ok=True)
        for folder in root.iterdir():  # callers whose download failed delete only the file
            if folder.is_dir() and time.time() - folder.stat().st_mtime > STALE_S:
                with contextlib.suppress(OSError):  # not empty: not ours to judge
                    folder.rmdir()
        return Path(tempfile.mkdtemp(dir=root)) / safe_name(name)

    def accept(self, incoming: Path) -> Outcome:
        """Check the file at ``incoming``; if readable, move it into the uploads folder (a new
        version replaces the old one of the same name) and index it."""
        return self._in_worker(incoming.name, incoming, self.settings.uploads_dir / incoming.name)

    def index(self, path: Path) -> Outcome:
        return self._in_worker(path.name, None, path)

    def _in_worker(self, name: str, incoming: Path | None, target: Path) -> Outcome:
        try:
            report, title = self.worker.run(
                upload_job, self.settings, self.kb.settings, self.kb.given_embeddings,
                incoming, target,
                seconds=self.settings.upload_timeout_s, what=name)
        except IngestLocked:
            return Outcome(False, name, "failed", BUSY)
        except GuideError as exc:
            return Outcome(False, name, "failed", str(exc))
        finally:
            if incoming is not None:
                incoming.unlink(missing_ok=True)  # moved when accepted; else not kept
                if incoming.parent.parent == incoming_root(self.settings):
                    with contextlib.suppress(OSError):
                        incoming.parent.rmdir()  # the folder incoming() made for it
        self.changed()
        outcome = report.outcomes[0]
        summary = report.summary()
        summary.pop("files", None)
        if outcome.status == "failed":
            return Outcome(False, name, "failed",
                           without_paths(outcome.reason or UNREADABLE, target), summary=summary)
        return Outcome(True, name, outcome.status, title=title or name,
                       chunks=outcome.chunks, summary=summary, note=outcome.note)

    def remove(self, source: str) -> int:
        """Remove a document's chunks (and the file, if it was uploaded); chunks removed."""
        removed = self.worker.run(remove_job, self.kb.settings, self.kb.given_embeddings,
                                  source, seconds=self.settings.upload_timeout_s,
                                  what=Path(source).name)
        self.changed()
        if self.is_upload(source):
            Path(source).unlink(missing_ok=True)
        return removed

    def is_upload(self, source: str) -> bool:
        return Path(source).parent == self.settings.uploads_dir.resolve()


def incoming_root(settings: Settings) -> Path:
    return settings.uploads_dir / ".incoming"


_models: dict[str, Embedder] = {}  # in the worker: the model, loaded once, kept


def _worker_kb(settings: Settings, embeddings: Embedder | None) -> KnowledgeBase:
    """The knowledge base for one job: the model kept from the last job, the store opened
    afresh (``guide ingest`` may have written since)."""
    if embeddings is None or isinstance(embeddings, MiniLMEmbeddings):
        # one torch thread: the server's answers keep the other core
        key = settings.embedding_model
        if key not in _models:
            _models[key] = MiniLMEmbeddings(settings.model_copy(update={"torch_threads": 1}))
        embeddings = _models[key]
    forget_clients(settings)
    return KnowledgeBase(settings, embeddings)


def upload_job(settings: Settings, store: Settings, embeddings: Embedder | None,
               incoming: Path | None, target: Path) -> tuple[IngestReport, str | None]:
    """In the worker: check ``incoming`` (under the parse memory limit), move it to
    ``target`` and index it into the knowledge base of ``store``; the report and the
    document's title."""
    kb = _worker_kb(store, embeddings)
    if incoming is not None:
        try:  # the file and its metadata (a bad date, say) are checked before it lands
            with memory_limit(settings.parse_memory_mb):
                doc = load_file(incoming, max_bytes=settings.max_upload_mb * 1_000_000)
                build_metadata(incoming, doc.metadata, doc.title)
        except MemoryError:
            raise IngestError(f"reading it needs more than {settings.parse_memory_mb} MB: is "
                              "it built to expand (a zip or XML bomb)?") from None
        except Exception as exc:
            reason = str(exc) if isinstance(exc, IngestError) else UNREADABLE
            raise IngestError(without_paths(reason, incoming)) from None
        # One upload of a name at a time, in whichever worker (Slack's, Teams', the web's),
        # is moved into place and indexed: the last moved is the last indexed (the current
        # version), and each reply tells of its own file, none of one replaced unseen.
        lock = FileLock(str(incoming_root(settings) / f"{target.name}.lock"),
                        timeout=settings.lock_timeout_s)
        try:
            with lock:
                incoming.replace(target)  # atomic: the same file system
                return _index(settings, kb, target)
        except Timeout:
            raise IngestLocked(BUSY) from None
    return _index(settings, kb, target)


def _index(settings: Settings, kb: KnowledgeBase,
           target: Path) -> tuple[IngestReport, str | None]:
    report = Ingestor(settings, kb, limit_parse=True).run([target])
    entry = kb.catalog.get(str(target.resolve()))
    return report, entry.title if entry else None


def remove_job(settings: Settings, embeddings: Embedder | None, source: str) -> int:
    return _worker_kb(settings, embeddings).remove_source(source)
