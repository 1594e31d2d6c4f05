"""An ingest run: discover files, parse, chunk and index each one, and report what happened.

A file that cannot be read is reported with a reason and skipped; what was indexed before
stays as it was. Runs on one data dir are serialised by a lock file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from filelock import FileLock, Timeout

from ingest.chunking import PIPELINE_VERSION, chunk_document
from ingest.loaders import is_candidate, load_file
from ingest.metadata import build_metadata, sidecar_path
from knowledge.base import KnowledgeBase
from knowledge.catalog import CatalogEntry
from knowledge.embeddings import token_counter
from knowledge.errors import GuideError, IngestError, IngestLocked
from knowledge.settings import Settings

log = logging.getLogger(__name__)

Status = Literal["added", "updated", "unchanged", "deleted", "failed"]


@dataclass
class FileOutcome:
    path: str
    status: Status
    reason: str | None = None
    chunks: int = 0
    embedded: int = 0
    pages: int = 0
    doc_id: str | None = None


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0

    def paths(self, status: Status) -> list[str]:
        return [o.path for o in self.outcomes if o.status == status]

    @property
    def failed(self) -> list[dict[str, str]]:
        return [{"path": o.path, "reason": o.reason or ""} for o in self.outcomes
                if o.status == "failed"]

    @property
    def chunks_embedded(self) -> int:
        return sum(o.embedded for o in self.outcomes)

    @property
    def pages(self) -> int:
        return sum(o.pages for o in self.outcomes if o.status in ("added", "updated"))

    @property
    def chunks(self) -> int:
        return sum(o.chunks for o in self.outcomes if o.status in ("added", "updated"))

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> dict[str, Any]:
        return {
            "added": len(self.paths("added")),
            "updated": len(self.paths("updated")),
            "unchanged": len(self.paths("unchanged")),
            "deleted": len(self.paths("deleted")),
            "failed": self.failed,
            "chunks_embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 3),
            "chunks_indexed": self.chunks,
            "pages_indexed": self.pages,
            "files": [asdict(o) for o in self.outcomes],
        }


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[FileOutcome]]:
    """Files to ingest under ``paths`` (directories are walked), and paths that do not exist."""
    files: list[Path] = []
    missing: list[FileOutcome] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and is_candidate(p)))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(FileOutcome(str(path), "failed", "no such file or directory"))
    seen: set[Path] = set()
    unique = [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]
    return unique, missing


def fingerprint(path: Path, default_audience: str | None) -> tuple[str, bytes]:
    """The document's version hash: its bytes, its sidecar and the audience it was given."""
    data = path.read_bytes()
    digest = hashlib.sha256(data)
    sidecar = sidecar_path(path)
    if sidecar is not None:
        digest.update(b"\0sidecar\0" + sidecar.read_bytes())
    digest.update(b"\0audience\0" + (default_audience or "").encode())
    return digest.hexdigest(), data


class Ingestor:
    def __init__(self, settings: Settings, kb: KnowledgeBase | None = None) -> None:
        self.settings = settings
        self.kb = kb or KnowledgeBase(settings)
        self.count = token_counter(self.kb.model)
        self.pipeline = f"{PIPELINE_VERSION}/{self.kb.model.model_id}/{settings.chunk_tokens}"

    def run(
        self,
        paths: Iterable[Path],
        *,
        sync: bool = False,
        audience: str | None = None,
        on_start: Callable[[int], None] | None = None,
        on_file: Callable[[FileOutcome], None] | None = None,
    ) -> IngestReport:
        paths = [Path(p) for p in paths]
        self.settings.ensure_dirs()
        lock = FileLock(str(self.settings.lock_path), timeout=self.settings.lock_timeout_s)
        try:
            lock.acquire()
        except Timeout as exc:
            raise IngestLocked(
                f"another ingest is running on {self.settings.data_dir} (lock "
                f"{self.settings.lock_path}); wait for it to finish and try again"
            ) from exc
        try:
            return self._run(paths, sync, audience, on_start, on_file)
        finally:
            lock.release()

    def _run(self, paths, sync, audience, on_start, on_file) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        self.kb.open()  # a missing server or another model stops the run before any work
        files, missing = discover(paths)
        report.outcomes.extend(missing)
        if on_start:
            on_start(len(files))
        known = {e.source: e for e in self.kb.catalog.all()}
        for path in files:
            outcome = self.ingest_file(path, known, audience)
            report.outcomes.append(outcome)
            if on_file:
                on_file(outcome)
        if sync:
            report.outcomes.extend(self.sync(paths, {str(f.resolve()) for f in files}, known))
        report.seconds = time.perf_counter() - started
        return report

    def ingest_file(
        self, path: Path, known: dict[str, CatalogEntry], audience: str | None
    ) -> FileOutcome:
        source = str(path.resolve())
        try:
            return self._ingest_file(path, source, known, audience)
        except IngestError as exc:
            return FileOutcome(str(path), "failed", str(exc))
        except GuideError:
            raise  # the store itself is unusable: stop the run, not just this file
        except Exception as exc:  # a bug or a library's surprise: report it, keep going
            log.exception("unexpected error ingesting %s", path)
            return FileOutcome(str(path), "failed", f"unexpected error: {type(exc).__name__}: "
                                                    f"{exc}")

    def _ingest_file(self, path, source, known, audience) -> FileOutcome:
        try:
            doc_hash, _ = fingerprint(path, audience)
        except OSError as exc:
            raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
        previous = known.get(source)
        if previous and previous.file_hash == doc_hash and previous.pipeline == self.pipeline:
            return FileOutcome(str(path), "unchanged", chunks=previous.chunks,
                               doc_id=previous.doc_id)
        doc = load_file(path, max_bytes=self.settings.max_upload_mb * 1_000_000)
        meta = build_metadata(path, doc.metadata, doc.title, audience)
        meta.doc_id = self.unique_doc_id(meta.doc_id, source, known)
        chunks = chunk_document(
            doc, meta, source=source, doc_hash=doc_hash, count=self.count,
            max_tokens=self.kb.model.max_tokens, target_tokens=self.settings.chunk_tokens,
        )
        if not chunks:
            raise IngestError("no text found: the document is empty")
        before = self.kb.embeddings.embedded
        self.kb.index_chunks(chunks)
        entry = CatalogEntry(
            source=source, doc_id=meta.doc_id, title=meta.title, format=doc.format,
            file_hash=doc_hash, pipeline=self.pipeline, chunks=len(chunks), pages=doc.pages,
            policy=meta.model_dump(exclude={"doc_id", "title"}),
            indexed_at=dt.datetime.now(),
        )
        self.kb.catalog.upsert(entry)
        known[source] = entry
        return FileOutcome(
            str(path), "updated" if previous else "added", chunks=len(chunks),
            embedded=self.kb.embeddings.embedded - before, pages=doc.pages or 1,
            doc_id=meta.doc_id,
        )

    @staticmethod
    def unique_doc_id(doc_id: str, source: str, known: dict[str, CatalogEntry]) -> str:
        taken = {e.doc_id for s, e in known.items() if s != source}
        if doc_id not in taken:
            return doc_id
        suffix = hashlib.sha1(source.encode()).hexdigest()[:6]
        return f"{doc_id}-{suffix}"

    def sync(
        self, roots: list[Path], present: set[str], known: dict[str, CatalogEntry]
    ) -> list[FileOutcome]:
        """Remove the documents under ``roots`` whose files are gone."""
        resolved = [r.resolve() for r in roots]
        removed = []
        for source in list(known):
            src = Path(source)
            under = any(src == r or r in src.parents for r in resolved)
            if under and source not in present and not src.exists():
                self.kb.remove_source(source)
                removed.append(FileOutcome(source, "deleted", doc_id=known.pop(source).doc_id))
        return removed
