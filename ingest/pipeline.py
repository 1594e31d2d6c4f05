"""An ingest run: discover files, parse, chunk and index each one, and report what happened.

A file that cannot be read is reported with a reason and skipped; what was indexed before
stays as it was. Runs on one data dir are serialised by a lock file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from filelock import FileLock, Timeout

from config.errors import IngestError, IngestLocked
from config.settings import Settings
from ingest.chunking import PIPELINE_VERSION
from ingest.loaders import walk
from ingest.metadata import sidecar_path
from ingest.prepare import PrepareConfig, Prepared, prepare
from ingest.worker import memory_limit, watch_parent
from knowledge.base import KnowledgeBase
from knowledge.catalog import CatalogEntry
from knowledge.integrity import repair

log = logging.getLogger(__name__)

PARALLEL_FROM = 3  # files to parse before a worker process pays for its start-up
PREFETCH = 2  # files parsed ahead of the one being embedded

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
    note: str | None = None  # indexed, but something was read otherwise than written


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0
    repaired: dict[str, Any] | None = None  # what an interrupted run had left, put right

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
            "repaired": self.repaired,
        }


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[FileOutcome]]:
    """Files to ingest under ``paths`` (directories are walked), and paths that do not exist."""
    files: list[Path] = []
    missing: list[FileOutcome] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(walk(path)))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(FileOutcome(str(path), "failed", "no such file or directory"))
    seen: set[Path] = set()
    unique = [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]
    return unique, missing


def fingerprint(path: Path, default_audience: str | None) -> str:
    """The document's version hash: its bytes, its sidecar and the audience it was given."""
    digest = hashlib.sha256(path.read_bytes())
    sidecar = sidecar_path(path)
    if sidecar is not None:
        digest.update(b"\0sidecar\0" + sidecar.read_bytes())
    digest.update(b"\0audience\0" + (default_audience or "").encode())
    return digest.hexdigest()


def unfinished_marker(settings: Settings) -> Path:
    """Present while a run writes to the index: a run that finds it was killed mid-way."""
    return settings.data_dir / "ingest.unfinished"


def _parse_worker_start(parent: int, memory_mb: int | None) -> None:
    watch_parent(parent)  # a killed ingest leaves no parser behind
    if memory_mb:
        memory_limit(memory_mb).__enter__()  # for the worker's whole life


class Ingestor:
    def __init__(self, settings: Settings, kb: KnowledgeBase | None = None,
                 limit_parse: bool = False) -> None:
        """``limit_parse``: parse inline under ``parse_memory_mb`` (the upload worker does;
        parse workers always have it)."""
        self.settings = settings
        self.kb = kb or KnowledgeBase(settings)
        self.pipeline = f"{PIPELINE_VERSION}/{self.kb.model.model_id}/{settings.chunk_tokens}"
        self.limit_parse = limit_parse

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

    def recover(self) -> dict[str, Any] | None:
        """If the last run on this data dir was killed mid-way, bring the vector store, the
        record manager and the catalogue back into agreement (under the ingest lock)."""
        marker = unfinished_marker(self.settings)
        if not marker.exists():
            return None
        found = repair(self.kb)
        if not found.ok:
            log.warning("the last ingest was interrupted; repaired the index: %s",
                        found.as_dict())
        return found.as_dict()

    def _run(self, paths, sync, audience, on_start, on_file) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        self.kb.open()  # a missing server or another model stops the run before any work
        report.repaired = self.recover()
        marker = unfinished_marker(self.settings)
        marker.write_text(f"pid {os.getpid()} since {dt.datetime.now().isoformat()}\n")
        self._work(report, paths, sync, audience, on_start, on_file)
        marker.unlink(missing_ok=True)  # not reached if the run stopped: the next one repairs
        report.seconds = time.perf_counter() - started
        return report

    def _work(self, report, paths, sync, audience, on_start, on_file) -> None:
        files, missing = discover(paths)
        report.outcomes.extend(missing)
        if on_start:
            on_start(len(files))
        known = {e.source: e for e in self.kb.catalog.all()}

        def done(outcome: FileOutcome) -> None:
            report.outcomes.append(outcome)
            if on_file:
                on_file(outcome)

        todo: list[tuple[Path, str, str]] = []
        for path in files:
            source = str(path.resolve())
            try:
                doc_hash = fingerprint(path, audience)
            except OSError as exc:
                done(FileOutcome(str(path), "failed", f"cannot read file: {exc.strerror or exc}"))
                continue
            previous = known.get(source)
            if previous and previous.file_hash == doc_hash and previous.pipeline == self.pipeline:
                done(FileOutcome(str(path), "unchanged", chunks=previous.chunks,
                                 doc_id=previous.doc_id))
            else:
                todo.append((path, source, doc_hash))
        for (path, source, doc_hash), prepared in self.prepared(todo, audience):
            done(self.store(path, source, doc_hash, prepared, known))
        if sync:
            report.outcomes.extend(self.sync(paths, {str(f.resolve()) for f in files}, known))

    def prepared(
        self, todo: list[tuple[Path, str, str]], audience: str | None
    ) -> Iterator[tuple[tuple[Path, str, str], Prepared | BaseException]]:
        """Each file parsed and chunked, in order; in a worker process, a few files ahead of
        the embedding, when there are enough files for that to pay."""
        config = PrepareConfig(self.kb.model, self.settings.chunk_tokens,
                               self.settings.max_upload_mb * 1_000_000)
        limit = self.settings.parse_memory_mb if self.limit_parse else None

        def inline(item: tuple[Path, str, str]) -> Prepared | BaseException:
            try:
                with memory_limit(limit):
                    return prepare(*item, audience, config)
            except MemoryError:
                return IngestError(f"the document needs more than {limit} MB to read: "
                                   "is it very large, or built to expand (a zip or XML bomb)?")
            except Exception as exc:
                return exc

        if self.settings.parse_workers == 0 or len(todo) < PARALLEL_FROM:
            for item in todo:
                yield item, inline(item)
            return
        context = multiprocessing.get_context("spawn")  # never fork a process running torch
        with ProcessPoolExecutor(self.settings.parse_workers, mp_context=context,
                                 initializer=_parse_worker_start,
                                 initargs=(os.getpid(), self.settings.parse_memory_mb)) as pool:
            futures: deque[tuple[tuple[Path, str, str], Future | None]] = deque()
            broken = False
            for item in todo:
                future = None
                if not broken:
                    try:
                        future = pool.submit(prepare, *item, audience, config)
                    except BrokenProcessPool:
                        broken = True  # e.g. no __main__ guard in an embedding script
                futures.append((item, future))
                if len(futures) > PREFETCH:
                    yield self._result(*futures.popleft(), inline)
            while futures:
                yield self._result(*futures.popleft(), inline)

    @staticmethod
    def _result(item, future: Future | None, inline) -> tuple[tuple[Path, str, str],
                                                             Prepared | BaseException]:
        """A worker's result; the work is done here instead if the worker could not do it."""
        if future is None:
            return item, inline(item)
        try:
            return item, future.result()
        except BrokenProcessPool:
            log.warning("parser process stopped; parsing %s in this process", item[0])
            return item, inline(item)
        except Exception as exc:
            return item, exc

    def store(
        self, path: Path, source: str, doc_hash: str, prepared: Prepared | BaseException,
        known: dict[str, CatalogEntry],
    ) -> FileOutcome:
        """Index one prepared file; a file that could not be prepared is reported."""
        if isinstance(prepared, IngestError):
            return FileOutcome(str(path), "failed", str(prepared))
        if isinstance(prepared, BaseException):
            log.error("unexpected error ingesting %s", path, exc_info=prepared)
            return FileOutcome(str(path), "failed",
                               f"unexpected error: {type(prepared).__name__}: {prepared}")
        previous = known.get(source)
        prepared.rename(self.unique_doc_id(prepared.meta.doc_id, source, known))
        before = self.kb.embeddings.embedded
        self.kb.index_chunks(prepared.chunks)  # a store error stops the run: it is not the file
        meta = prepared.meta
        entry = CatalogEntry(
            source=source, doc_id=meta.doc_id, title=meta.title, format=prepared.format,
            file_hash=doc_hash, pipeline=self.pipeline, chunks=len(prepared.chunks),
            pages=prepared.pages, policy=meta.model_dump(exclude={"doc_id", "title"}),
            indexed_at=dt.datetime.now(),
        )
        self.kb.catalog.upsert(entry)
        known[source] = entry
        return FileOutcome(
            str(path), "updated" if previous else "added", chunks=len(prepared.chunks),
            embedded=self.kb.embeddings.embedded - before, pages=prepared.pages or 1,
            doc_id=meta.doc_id, note="; ".join(meta.notes) or None,
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
