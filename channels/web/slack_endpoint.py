"""Slack's HTTP mode on the web server: ``POST /slack/events`` (events, commands, actions).

Bolt verifies the signature and timestamp. Its dispatch runs in a worker thread: it returns
as soon as the listener has acked, while the answer is worked out in Bolt's own threads.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000  # Slack's payloads are a few kB


def slack_endpoint(app: App):
    async def handle(request: Request) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            return PlainTextResponse("request too large", status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("request too large", status_code=413)
        try:
            bolt_request = to_bolt_request(request, body)
        except Exception:  # not JSON, not a form, not UTF-8
            bolt_request = None
        if bolt_request is None or not well_formed(bolt_request.body):
            log.warning("malformed Slack request refused")
            return PlainTextResponse("malformed request", status_code=400)
        response = await run_in_threadpool(app.dispatch, bolt_request)
        return to_starlette_response(response)

    return handle


def well_formed(body: Any) -> bool:
    """The parts of a Slack payload that Bolt reads without checking have the right shape
    (a signed payload with an event that is not an object would otherwise be a 500)."""
    if not isinstance(body, dict):
        return False
    event, actions = body.get("event"), body.get("actions")
    if event is not None and not (isinstance(event, dict) and isinstance(event.get("type"), str)):
        return False
    if actions is not None and not (isinstance(actions, list)
                                    and all(isinstance(a, dict) for a in actions)):
        return False
    return all(body.get(key) is None or isinstance(body[key], dict)
               for key in ("view", "user", "team", "channel", "container"))
