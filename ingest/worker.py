"""Work done in a child process: parse workers that die with their parent, and one-shot jobs
(an upload's parse, chunk, embed and store) with memory and time limits, so no document can
take the serving process down and no embedding thread competes with its answers.

A job runs in a ``spawn`` child (never ``fork`` a process running torch or Chroma). Its result
or its exception comes back through a pipe; a child that dies (killed by the kernel for
memory, or by us for time) is a ``WorkerFailed`` with a reason a trainer can read.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from config.errors import IngestError

log = logging.getLogger(__name__)

PARENT_POLL_S = 0.5


class WorkerFailed(IngestError):
    """The child process stopped without an answer (out of memory, out of time, killed)."""


@dataclass(frozen=True)
class Limits:
    memory_mb: int | None = None  # address space the parse may add; None: no limit
    seconds: float | None = None  # wall-clock for the whole job; None: no limit
    nice: int = 0  # lower the job's CPU priority: answers come first


def watch_parent(parent: int) -> None:
    """Exit this process as soon as ``parent`` is gone (a kill -9 runs no clean-up, so
    a worker must notice by itself). For ``ProcessPoolExecutor(initializer=...)``."""

    def loop() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(70)

    threading.Thread(target=loop, name="guide-watch-parent", daemon=True).start()


def yield_cpu(nice: int) -> None:
    """Lower this process's CPU priority to at least ``nice`` (its parse workers inherit
    it): batch work then takes only the CPU that serving leaves."""
    os.nice(max(0, nice - os.nice(0)))


@contextmanager
def memory_limit(megabytes: int | None):
    """Let this process map at most ``megabytes`` more than it has now: a parse that wants
    more gets a ``MemoryError`` (reported as the file's failure) instead of the machine."""
    if not megabytes:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space() + megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _serve(conn: Any, parent: int, nice: int) -> None:
    """The worker's loop: one job at a time, each answered with ("ok", result) or
    ("error", exception)."""
    watch_parent(parent)
    if nice:
        os.nice(nice)
    while True:
        try:
            job = conn.recv()
        except EOFError:  # the parent closed its end
            return
        fn, args = job
        try:
            conn.send(("ok", fn(*args)))
        except BaseException as exc:  # every failure goes back to the parent
            log.debug("job failed: %s", traceback.format_exc())
            try:
                conn.send(("error", exc))
            except Exception:  # the exception itself would not pickle (an lxml error log...)
                conn.send(("error", IngestError(f"{type(exc).__name__}: {exc}")))


class JobWorker:
    """One worker process, started on the first job and kept for the next (the model stays
    loaded); a job over its time is killed with the process, and the next job starts a
    new one. Jobs run one at a time, in order."""

    def __init__(self, nice: int = 0) -> None:
        self.nice = nice
        self._proc: Any = None
        self._conn: Any = None
        self._lock = threading.Lock()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")  # never fork torch or Chroma
        self._conn, theirs = context.Pipe()
        self._proc = context.Process(target=_serve, args=(theirs, os.getpid(), self.nice),
                                     name="guide-worker", daemon=True)
        self._proc.start()
        theirs.close()

    def run(self, fn: Callable[..., Any], *args: Any, seconds: float | None = None,
            what: str = "the document") -> Any:
        """``fn(*args)`` in the worker; its result, or its exception raised here."""
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._start()
            try:
                self._conn.send((fn, args))
                if not self._conn.poll(seconds):
                    self.close()
                    raise WorkerFailed(f"{what} took longer than {seconds:.0f} s to process")
                kind, value = self._conn.recv()
            except (EOFError, BrokenPipeError, ConnectionResetError):
                # died without a word: the kernel's OOM killer, or a crash
                self._proc.join(5)
                code = self._proc.exitcode
                self.close()
                raise WorkerFailed(f"{what} could not be processed: the worker stopped "
                                   f"(exit {code}; too large or malformed?)") from None
        if kind == "error":
            raise value
        return value

    def close(self) -> None:
        if self._proc is None:
            return
        self._conn.close()
        self._proc.join(2)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()
        self._proc = self._conn = None


def run_job(fn: Callable[..., Any], *args: Any, limits: Limits = Limits(),
            what: str = "the document") -> Any:
    """``fn(*args)`` in a new child process of its own."""
    worker = JobWorker(limits.nice)
    try:
        return worker.run(fn, *args, seconds=limits.seconds, what=what)
    finally:
        worker.close()
