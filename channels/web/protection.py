"""What every response and every request body of the web server goes through.

``SecurityHeaders`` puts a Content-Security-Policy with no inline script (a document title
or a question can never run as code, even if a template slips), frame-ancestors/X-Frame-Options
(no clickjacking) and nosniff on every response, a 500 included. ``BodyLimits`` caps each
route's request body before the route reads it: by Content-Length up front, and by counting
when the body streams (chunked), so one request cannot make the server read megabytes.

Both are plain ASGI middleware: they wrap ``send``/``receive`` and never buffer a body.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",  # files from /static only: no inline script, no event attributes
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                given = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in HEADERS if k not in given)]
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            # Starlette's own 500 page is sent outside every middleware: send ours (with the
            # headers) first, then let the error reach the server's log as before.
            if not started:
                await PlainTextResponse("Internal Server Error", 500)(scope, receive,
                                                                      with_headers)
            raise


@dataclass(frozen=True)
class BodyLimit:
    """Requests to paths starting with ``prefix`` may carry at most ``max_bytes``; ``explain``
    says why one was refused (given its declared size, when it declared one)."""

    prefix: str
    max_bytes: int
    explain: Callable[[int | None], str] | None = None

    def reason(self, size: int | None) -> str:
        if self.explain is not None:
            return self.explain(size)
        return f"The request is too large for {self.prefix} ({self.max_bytes:,} bytes at most)."


class BodyTooLarge(HTTPException):
    def __init__(self, reason: str) -> None:
        super().__init__(413, reason)


class BodyLimits:
    def __init__(self, app: ASGIApp, limits: Sequence[BodyLimit], default: int) -> None:
        self.app = app
        # the longest matching prefix wins: /documents/upload over /documents
        self.limits = sorted(limits, key=lambda lim: len(lim.prefix), reverse=True)
        self.default = BodyLimit("/", default)

    def limit_for(self, path: str) -> BodyLimit:
        return next((lim for lim in self.limits if path.startswith(lim.prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            size = int(declared) if declared.isdigit() else None
            if size is None or size > limit.max_bytes:
                await refusal(scope, limit.reason(size), 413 if size else 400)(
                    scope, receive, send)
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit.max_bytes:
                    raise BodyTooLarge(limit.reason(None))
            return message

        await self.app(scope, counted, send)


def refusal(scope: Scope, reason: str, status: int) -> Response:
    """JSON for the API, plain text elsewhere."""
    if scope["path"].startswith("/api/"):
        return JSONResponse({"error": reason}, status_code=status)
    return PlainTextResponse(reason, status_code=status)
