"""The ASGI app ``guide serve`` runs: the web pages and Slack's HTTP mode on one server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from assistant.core import Assistant
from channels.uploads import DocumentUploads
from channels.web.pages import TEMPLATES, Web
from channels.web.slack_endpoint import slack_endpoint
from knowledge.settings import Settings
from usage.accounts import Accounts
from usage.log import UsageLog
from usage.pseudonym import load_or_create_key

STATIC = Path(__file__).parent / "static"
SESSION_HOURS = 8


def session_secret(settings: Settings) -> str:
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    return load_or_create_key(settings.data_dir / "session.key").hex()


def build_web_app(settings: Settings, assistant: Assistant, usage: UsageLog, *,
                  slack_app: Any | None = None, slack_client: Any | None = None,
                  slack_status: str = "not configured", teams: Any | None = None) -> Starlette:
    """The web app; with ``slack_app``, Slack's HTTP mode at /slack/events; with ``teams``
    (a ``channels.teams.endpoint.TeamsEndpoint``), the Teams bot at /api/messages."""
    web = Web(settings, assistant, usage, Accounts(usage.engine),
              DocumentUploads(settings, assistant.kb), slack_client,
              Jinja2Templates(directory=str(TEMPLATES)))

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "documents": len(assistant.kb.catalog.all()),
                             "slack": slack_status})

    routes = [
        Route("/", web.chat),
        Route("/healthz", health),
        Route("/api/ask", web.ask, methods=["POST"]),
        Route("/api/feedback", web.feedback, methods=["POST"]),
        Route("/login", web.login_page, methods=["GET"]),
        Route("/login", web.login, methods=["POST"]),
        Route("/login/link", web.send_link, methods=["POST"]),
        Route("/login/link", web.redeem_link, methods=["GET"], name="redeem_link"),
        Route("/logout", web.logout, methods=["POST"]),
        Route("/dashboard", web.dashboard),
        Route("/dashboard/export.{kind:str}", web.export),
        Route("/documents", web.documents),
        Route("/documents/upload", web.upload, methods=["POST"]),
        Route("/documents/{action:str}", web.change_document, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    if slack_app is not None:
        routes.append(Route("/slack/events", slack_endpoint(slack_app), methods=["POST"]))
    if teams is not None:
        routes.append(Route("/api/messages", teams.handle, methods=["POST"]))
    middleware = [Middleware(SessionMiddleware, secret_key=session_secret(settings),
                             session_cookie="guide_session", max_age=SESSION_HOURS * 3600,
                             same_site="lax", https_only=settings.secure_cookies)]
    return Starlette(routes=routes, middleware=middleware)
