"""What every fake service shares: a stdlib HTTP server on 127.0.0.1 port 0, served from a
daemon thread inside a ``with`` block, and a record of calls that tests can wait on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Self, TypeVar

C = TypeVar("C")


class QuietHandler(BaseHTTPRequestHandler):
    """Keep-alive like the real services, and no request lines on stderr."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def send(self, status: int, data: bytes, content_type: str = "application/json",
             headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


class Loopback(Generic[C]):
    """A fake on a free loopback port; ``record`` its calls, ``wait_until`` one arrives."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.calls: list[C] = []
        self._changed = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def record(self, call: C) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def wait_until(self, done: Callable[[list[C]], bool], timeout: float,
                   failure: Callable[[], str]) -> list[C]:
        """Block until ``done(calls)``; fail the test with ``failure()`` after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self.calls):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(failure())
                self._changed.wait(left)
            return list(self.calls)

    def settle(self, quiet_s: float = 0.5, timeout: float = 30.0) -> None:
        """Wait until nothing has arrived for ``quiet_s`` (work in flight has finished)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            seen = len(self.calls)
            while time.monotonic() < deadline:
                self._changed.wait(quiet_s)
                if len(self.calls) == seen:
                    return
                seen = len(self.calls)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
