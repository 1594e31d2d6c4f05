"""The ASGI app ``guide serve`` runs: one server for the web pages and Slack's HTTP mode."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from assistant.core import Assistant
from channels.web.slack_endpoint import slack_endpoint
from usage.log import UsageLog

INDEX = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Guide</title></head>
<body><h1>Guide is running</h1><p>{documents} documents indexed, {chunks} passages.</p>
<p>Slack: {slack}.</p></body></html>"""


def build_web_app(assistant: Assistant, usage: UsageLog, *, slack_app: Any | None = None,
                  slack_status: str = "not configured") -> Starlette:
    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "documents": len(assistant.kb.catalog.all()),
                             "slack": slack_status})

    async def index(_: Request) -> HTMLResponse:
        return HTMLResponse(INDEX.format(documents=len(assistant.kb.catalog.all()),
                                         chunks=assistant.kb.chunk_count(), slack=slack_status))

    routes = [Route("/", index), Route("/healthz", health)]
    if slack_app is not None:
        routes.append(Route("/slack/events", slack_endpoint(slack_app), methods=["POST"]))
    return Starlette(routes=routes)
