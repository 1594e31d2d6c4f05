"""``POST /api/messages`` in Guide's own Starlette app: the body is read within bounds (413
if too large, 400 if it is not an activity), the token is checked (401 if it does not prove
Teams sent the request for this bot), the tenant too (403), then the activity goes to the
Teams SDK's handler, which replies at once (Guide's work continues in the background)."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from microsoft_teams.api import ActivityTypeAdapter
from microsoft_teams.apps.events import CoreActivity
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from assistant.core import Assistant
from channels.teams.activity import tenants_of
from channels.teams.auth import InboundValidator, SdkTokenCheck, Unauthorized
from config.errors import GuideError
from config.settings import Settings
from usage.log import UsageLog

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
MAX_BODY_BYTES = 1 << 20  # far above any activity: Teams limits a message to about 28 KB
MAX_DEPTH = 64  # activities (cards included) nest a few dozen deep at most; bounds what the
# SDK's models and Guide's own code walk, far below Python's recursion limit


class BadActivity(ValueError):
    """A body that is not an activity Guide can take, with a short reason for the 400."""


class StarletteAdapter:
    """The SDK's ``HttpServerAdapter``: it registers its route here; our server serves it."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}

    def register_route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method, path)] = handler

    def serve_static(self, path: str, directory: str) -> None:
        pass  # Guide serves no Teams tabs

    async def start(self, port: int) -> None:
        raise NotImplementedError("Guide's web server serves /api/messages")

    async def stop(self) -> None:
        pass


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def depth_of(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (walked without recursion), up to one
    past ``MAX_DEPTH``."""
    deepest, todo = 0, [(value, 1)]
    while todo and deepest <= MAX_DEPTH:
        item, depth = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            todo += [(v, depth + 1) for v in (item.values() if isinstance(item, dict) else item)]
    return deepest


def parse_activity(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or ``BadActivity``. Bounded: json's decoder recurses once a
    level (a RecursionError deep down), and the depth of what it returns is checked before
    anything else walks it."""
    try:
        activity = json.loads(body)
    except RecursionError:
        raise BadActivity("the body is nested too deeply") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadActivity("the body is not JSON") from None
    if not isinstance(activity, dict):
        raise BadActivity("the body is not an activity")
    if depth_of(activity) > MAX_DEPTH:
        raise BadActivity("the body is nested too deeply")
    return activity


def check_activity(activity: dict[str, Any]) -> None:
    """``BadActivity`` unless the SDK's own models read it, as its handler will: a body they
    cannot read is a 400 here rather than a 500 there."""
    try:
        core = CoreActivity.model_validate(activity)
        ActivityTypeAdapter.validate_python(core.model_dump(by_alias=True, exclude_none=True))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        reason = f"{where}: {error['msg']}" if where else error["msg"]
        raise BadActivity(f"not an activity Teams sends ({reason[:120]})") from None


async def read_body(request: Request) -> bytes | None:
    """The request's body, or None past ``MAX_BODY_BYTES`` (refused on its Content-Length
    before it is read, and otherwise as soon as it grows past it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def check_teams_settings(settings: Settings) -> None:
    """Refuse, before anything starts, a Teams setup that cannot work or is unsafe."""
    if not settings.teams_app_id:
        return
    if settings.teams_app_password is None and settings.teams_certificate is None:
        raise GuideError("Teams needs TEAMS_APP_PASSWORD (the client secret) or "
                         "TEAMS_CERTIFICATE with TEAMS_APP_ID")
    if settings.teams_allow_anonymous and not is_loopback(settings.host):
        raise GuideError("GUIDE_TEAMS_ALLOW_ANONYMOUS is for development on a loopback "
                         f"address only; Guide is set to listen on {settings.host}")


class TeamsEndpoint:
    def __init__(self, settings: Settings, assistant: Assistant, usage: UsageLog,
                 answer_before_reply: bool = False) -> None:
        from channels.teams.app import build_teams_app

        check_teams_settings(settings)
        self.settings = settings
        self.adapter = StarletteAdapter()
        self.app, self.guide = build_teams_app(settings, assistant, usage, self.adapter,
                                               answer_before_reply)
        self.validator = None if settings.teams_allow_anonymous else InboundValidator(settings)
        self._ready: asyncio.Lock | None = None

    async def handler(self) -> Handler:
        if self._ready is None:
            self._ready = asyncio.Lock()
        async with self._ready:
            if ("POST", "/api/messages") not in self.adapter.routes:
                await self.app.initialize()
                if self.validator is not None:  # the SDK checks the token again: with our keys
                    server: Any = self.app.server
                    server._token_validator = SdkTokenCheck(self.validator)
        return self.adapter.routes[("POST", "/api/messages")]

    async def handle(self, request: Request) -> Response:
        raw = await read_body(request)
        if raw is None:
            return JSONResponse({"error": "the body is too large"}, status_code=413)
        try:
            activity = parse_activity(raw)
        except BadActivity as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        headers = dict(request.headers)
        if self.validator is not None:
            try:
                await asyncio.to_thread(self.validator.claims, headers.get("authorization"),
                                        activity)
            except Unauthorized as exc:
                log.warning("Teams request refused: %s", exc)
                return JSONResponse({"error": "Unauthorized"}, status_code=401)
        try:  # after the token: only Teams' own requests cost a full parse
            check_activity(activity)
        except BadActivity as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        tenant = self.settings.teams_tenant_id
        if tenant and tenants_of(activity) != {tenant}:  # none named is not ours either
            log.warning("Teams request from another tenant (or none) refused")
            return JSONResponse({"error": "this bot serves one tenant"}, status_code=403)
        result = await (await self.handler())({"body": activity, "headers": headers})
        status, body = int(result.get("status") or 200), result.get("body")
        if body is None:
            return Response(status_code=status)
        return JSONResponse(body, status_code=status)
