"""Sessions, roles and CSRF for the web pages.

The session is a signed cookie (Starlette's SessionMiddleware, itsdangerous). Every form and
every JSON call that changes something carries the session's CSRF token, checked in constant
time; a post without it is refused with 403.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


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


def sign_in(request: Request, email: str, role: str) -> None:
    request.session.clear()  # a new session id for the signed-in user
    request.session["user"] = {"email": email, "role": role}
    csrf_token(request)


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
