"""``POST /api/messages`` in Guide's own Starlette app: the token is checked (401 if it does
not prove Teams sent the request for this bot), then the activity goes to the Teams SDK's
handler, which replies at once (Guide's work continues in the background)."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from assistant.core import Assistant
from channels.teams.activity import tenant_of
from channels.teams.auth import InboundValidator, Unauthorized
from config.errors import GuideError
from config.settings import Settings
from usage.log import UsageLog

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


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
        return self.adapter.routes[("POST", "/api/messages")]

    async def handle(self, request: Request) -> Response:
        try:
            activity = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return JSONResponse({"error": "the body is not JSON"}, status_code=400)
        if not isinstance(activity, dict):
            return JSONResponse({"error": "the body is not an activity"}, status_code=400)
        headers = dict(request.headers)
        if self.validator is not None:
            try:
                await asyncio.to_thread(self.validator.claims, headers.get("authorization"),
                                        activity)
            except Unauthorized as exc:
                log.warning("Teams request refused: %s", exc)
                return JSONResponse({"error": "Unauthorized"}, status_code=401)
        tenant = tenant_of(activity)
        if self.settings.teams_tenant_id and tenant and tenant != self.settings.teams_tenant_id:
            log.warning("Teams request from another tenant refused")
            return JSONResponse({"error": "this bot serves one tenant"}, status_code=403)
        result = await (await self.handler())({"body": activity, "headers": headers})
        status, body = int(result.get("status") or 200), result.get("body")
        if body is None:
            return Response(status_code=status)
        return JSONResponse(body, status_code=status)
