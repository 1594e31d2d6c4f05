"""Sessions, roles and CSRF for the web pages.

The session is a signed cookie (Starlette's SessionMiddleware, itsdangerous). A signed-in
cookie holds a session token that the account store knows: ``LiveSessions`` looks the account
up on every request, so a removed account, a changed role or a sign-out counts at once, not
when the cookie expires. Every form and every JSON call that changes something carries the
session's CSRF token, checked in constant time; a post without it is refused with 403.
``RateLimit`` counts what one person (or everyone) may do a minute.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict, deque
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from usage.accounts import Accounts

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
TOO_FAST = "That is more than Guide takes from one person in a minute: wait a minute and try again."


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, form: Any | None = None) -> bool:
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER) or (form.get(CSRF_FIELD) if form else None)
    return bool(expected and isinstance(given, str)
                and hmac.compare_digest(expected.encode(), given.encode()))


def current_user(request: Request) -> dict[str, str] | None:
    return request.session.get("user")


def sign_in(request: Request, email: str, role: str, token: str) -> None:
    """``token`` is the account store's new session (``Accounts.start_session``)."""
    request.session.clear()  # a new CSRF token and visitor id for the signed-in user
    request.session["user"] = {"email": email, "role": role}
    request.session["sid"] = token
    csrf_token(request)


def session_token(request: Request) -> str | None:
    return request.session.get("sid")


class LiveSessions:
    """Inside SessionMiddleware: the cookie's user replaced by the account as it is now, or
    dropped (with the session token) when the session or the account no longer exists."""

    def __init__(self, app: ASGIApp, accounts: Accounts) -> None:
        self.app = app
        self.accounts = accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        session = scope.get("session") if scope["type"] == "http" else None
        if session and ("user" in session or "sid" in session):
            token = session.get("sid")
            user = (await run_in_threadpool(self.accounts.session_user, token)
                    if isinstance(token, str) else None)
            if user is None:
                session.pop("user", None)
                session.pop("sid", None)
            else:
                session["user"] = {"email": user.email, "role": user.role}
        await self.app(scope, receive, send)


def visitor_id(request: Request) -> str:
    """A random id for an anonymous visitor's session (pseudonymised before it is logged)."""
    if "visitor" not in request.session:
        request.session["visitor"] = secrets.token_hex(8)
    return request.session["visitor"]


def refuse(request: Request, roles: tuple[str, ...], forbidden: Any) -> Response | None:
    """None when the signed-in user has one of ``roles``; else the sign-in page or 403."""
    user = current_user(request)
    if user is None:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    if user["role"] not in roles:
        return forbidden(request)
    return None


def client_address(request: Request) -> str:
    """The client: the connection's peer, or what a configured proxy says it is
    (``Settings.trusted_proxies``; see ``build_web_app``)."""
    return request.client.host if request.client else "unknown"


class RateLimit:
    """At most ``per_minute`` events per key in any 60 seconds, in this process (each replica
    counts its own). Called on the event loop only, so it needs no lock; past ``keys`` keys
    the least recently used is forgotten, so a flood of new ones cannot fill the memory."""

    def __init__(self, per_minute: int, keys: int = 10_000) -> None:
        self.most, self.keys = per_minute, keys
        self.times: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, key: str = "") -> bool:
        now = time.monotonic()
        times = self.times.pop(key, None) or deque()
        while times and times[0] <= now - 60:
            times.popleft()
        self.times[key] = times  # the most recently used, last
        if len(self.times) > self.keys:
            self.times.popitem(last=False)
        if len(times) >= self.most:
            return False
        times.append(now)
        return True


def too_fast() -> JSONResponse:
    return JSONResponse({"error": TOO_FAST}, status_code=429, headers={"Retry-After": "60"})
