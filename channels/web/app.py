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
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from assistant.core import Assistant
from channels.uploads import DocumentUploads
from channels.web import messages as text
from channels.web.chat import ChatPages
from channels.web.dashboard import DashboardPages
from channels.web.documents import UPLOAD_SLACK, DocumentPages
from channels.web.protection import BodyLimit, BodyLimits, SecurityHeaders
from channels.web.security import LiveSessions
from channels.web.signin import SignInPages
from channels.web.site import TEMPLATES, Site, blocking
from channels.web.skills_pages import SkillsPages
from channels.web.slack_endpoint import MAX_BODY as SLACK_BODY
from channels.web.slack_endpoint import slack_endpoint
from channels.web.walkthrough_api import WalkthroughAPI
from config.settings import Settings
from usage.accounts import SESSION_LIFETIME, Accounts
from usage.log import UsageLog
from usage.pseudonym import load_or_create_key

STATIC = Path(__file__).parent / "static"
FORM_BODY = 16_000  # a sign-in or a document action: a few fields
DEFAULT_BODY = 1_000_000  # anything else mounted here (Slack, Teams): their payloads are kB


def session_secret(settings: Settings) -> str:
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    return load_or_create_key(settings.data_dir / "session.key").hex()


def build_web_app(settings: Settings, assistant: Assistant, usage: UsageLog, *,
                  slack_app: Any | None = None, slack_client: Any | None = None,
                  slack_status: str = "not configured", teams: Any | None = None) -> Starlette:
    """The web app; with ``slack_app``, Slack's HTTP mode at /slack/events; with ``teams``
    (a ``channels.teams.endpoint.TeamsEndpoint``), the Teams bot at /api/messages."""
    site = Site(settings, assistant, usage, Accounts(usage.engine, usage.pseudonymise),
                DocumentUploads(settings, assistant.kb, assistant.retriever.refresh), slack_client,
                Jinja2Templates(directory=str(TEMPLATES)))

    async def health(_: Request) -> JSONResponse:
        documents = len(await blocking(assistant.kb.catalog.all))
        return JSONResponse({"status": "ok", "documents": documents, "slack": slack_status})

    routes: list[BaseRoute] = [Route("/healthz", health)]
    for pages in (ChatPages, SignInPages, DashboardPages, DocumentPages, SkillsPages,
                  WalkthroughAPI):
        routes += pages(site).routes()
    routes.append(Mount("/static", StaticFiles(directory=str(STATIC)), name="static"))
    if slack_app is not None:
        routes.append(Route("/slack/events", slack_endpoint(slack_app), methods=["POST"]))
    if teams is not None:
        routes.append(Route("/api/messages", teams.handle, methods=["POST"]))
    middleware = [Middleware(SecurityHeaders),
                  Middleware(BodyLimits, limits=body_limits(settings, site.uploads),
                             default=DEFAULT_BODY),
                  Middleware(SessionMiddleware, secret_key=session_secret(settings),
                             session_cookie="guide_session",
                             max_age=int(SESSION_LIFETIME.total_seconds()),
                             same_site="lax", https_only=settings.secure_cookies),
                  Middleware(LiveSessions, accounts=site.accounts)]
    if settings.trusted_proxies:  # the client (and scheme) as they tell it; else the peer
        middleware.insert(0, Middleware(ProxyHeadersMiddleware,
                                        trusted_hosts=settings.trusted_proxies))
    return Starlette(routes=routes, middleware=middleware)


def body_limits(settings: Settings, uploads: DocumentUploads) -> list[BodyLimit]:
    """The most each route reads: a question (JSON escapes a character in at most 6 bytes),
    a form, a file at the upload limit."""
    return [BodyLimit("/api/ask", settings.max_question_chars * 6 + 1_000,
                      lambda _: text.QUESTION_TOO_LONG.format(most=settings.max_question_chars)),
            BodyLimit("/api/feedback", FORM_BODY),
            BodyLimit("/login", FORM_BODY),
            BodyLimit("/logout", FORM_BODY),
            BodyLimit("/documents", FORM_BODY),
            BodyLimit("/documents/upload", uploads.limit + UPLOAD_SLACK,
                      lambda size: uploads.too_large(size) if size else
                      f"the file is over the {settings.max_upload_mb} MB limit"),
            BodyLimit("/slack/events", SLACK_BODY)]
