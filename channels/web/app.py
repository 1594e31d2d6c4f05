"""The ASGI app ``guide serve`` runs: the web pages and Slack's HTTP mode on one server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from assistant.core import Assistant
from channels.uploads import DocumentUploads
from channels.web.chat import ChatPages
from channels.web.dashboard import DashboardPages
from channels.web.documents import DocumentPages
from channels.web.signin import SignInPages
from channels.web.site import TEMPLATES, Site, blocking
from channels.web.slack_endpoint import slack_endpoint
from config.settings import Settings
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
                  slack_status: str = "not configured") -> Starlette:
    site = Site(settings, assistant, usage, Accounts(usage.engine),
                DocumentUploads(settings, assistant.kb, assistant.retriever.refresh), slack_client,
                Jinja2Templates(directory=str(TEMPLATES)))

    async def health(_: Request) -> JSONResponse:
        documents = len(await blocking(assistant.kb.catalog.all))
        return JSONResponse({"status": "ok", "documents": documents, "slack": slack_status})

    routes: list[BaseRoute] = [Route("/healthz", health)]
    for pages in (ChatPages, SignInPages, DashboardPages, DocumentPages):
        routes += pages(site).routes()
    routes.append(Mount("/static", StaticFiles(directory=str(STATIC)), name="static"))
    if slack_app is not None:
        routes.append(Route("/slack/events", slack_endpoint(slack_app), methods=["POST"]))
    middleware = [Middleware(SessionMiddleware, secret_key=session_secret(settings),
                             session_cookie="guide_session", max_age=SESSION_HOURS * 3600,
                             same_site="lax", https_only=settings.secure_cookies)]
    return Starlette(routes=routes, middleware=middleware)
