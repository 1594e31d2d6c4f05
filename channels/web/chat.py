"""The web chat (anyone who can reach the server): the page, questions and feedback."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from assistant.guard import check
from channels.slack.messages import SUGGESTED_PROMPTS
from channels.web import messages as text
from channels.web.security import csrf_ok, visitor_id
from channels.web.site import Site, blocking
from usage.log import Asked

log = logging.getLogger(__name__)
CHAT_CONTEXT = dt.timedelta(minutes=30)  # earlier turns within this long are the context


class ChatPages:
    def __init__(self, site: Site) -> None:
        self.site = site

    def routes(self) -> list[BaseRoute]:
        return [Route("/", self.chat),
                Route("/api/ask", self.ask, methods=["POST"]),
                Route("/api/feedback", self.feedback, methods=["POST"])]

    async def chat(self, request: Request) -> Response:
        site = self.site
        documents = len(await blocking(site.assistant.kb.catalog.current))
        return site.page(request, "chat.html", documents=documents,
                         examples=[q for _, q in SUGGESTED_PROMPTS],
                         max_question=site.settings.max_question_chars)

    async def ask(self, request: Request) -> Response:
        if not csrf_ok(request):
            return JSONResponse({"error": text.RELOAD_AND_ASK}, status_code=403)
        body = await json_object(request)
        if body is None or not isinstance(body.get("question", ""), str):
            return JSONResponse({"error": text.SEND_JSON}, status_code=400)
        question = body.get("question", "").strip()
        if not question:
            return JSONResponse({"error": text.TYPE_A_QUESTION}, status_code=400)
        if not is_text(question):
            return JSONResponse({"error": text.NOT_TEXT}, status_code=400)
        conversation = visitor_id(request)  # one conversation per browser session
        asked = Asked("web", user=self.site.asker(request), channel_type="browser",
                      conversation=conversation)
        usage, assistant = self.site.usage, self.site.assistant
        try:
            history = await blocking(usage.turns, "web", conversation, within=CHAT_CONTEXT)
            audiences = await self.site.reader(request)
            answer = await blocking(assistant.ask, question, history, audiences, asked)
        except Exception:
            log.exception("the web chat could not answer")
            return JSONResponse({"error": text.FAILED}, status_code=500)
        return JSONResponse({
            "status": answer.status, "text": answer.text, "follow_up": answer.follow_up,
            "notice": answer.notice, "record_id": answer.record_id,
            "citations": [c.model_dump(include={"number", "title", "version", "page",
                                                "heading_path", "quote", "warning", "doc_id"})
                          for c in answer.citations]})

    async def feedback(self, request: Request) -> Response:
        if not csrf_ok(request):
            return JSONResponse({"error": text.RELOAD_AND_RETRY}, status_code=403)
        body = await json_object(request)
        if (body is None or not isinstance(body.get("record_id"), str)
                or not isinstance(body.get("helpful"), bool)
                or not isinstance(body.get("reason") or "", str)):
            return JSONResponse({"error": text.FEEDBACK_FIELDS}, status_code=400)
        record_id, helpful = body["record_id"][:64], body["helpful"]
        reason = (body.get("reason") or "").strip()[:1000]
        if not is_text(record_id + reason):
            return JSONResponse({"error": text.FEEDBACK_FIELDS}, status_code=400)
        usage, who = self.site.usage, self.site.asker(request)
        if reason:  # free text: kept only as guarded
            ok = await blocking(usage.add_reason, record_id, "web", who, check(reason).redacted)
        else:
            ok = await blocking(usage.add_feedback, record_id, "web", who, helpful)
        return JSONResponse({"ok": ok}, status_code=200 if ok else 404)


async def json_object(request: Request) -> dict[str, Any] | None:
    """The body as a JSON object; None for anything else (not JSON, not UTF-8, a number of
    thousands of digits, nesting deep enough to exhaust the parser)."""
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        return None
    return body if isinstance(body, dict) else None


def is_text(value: str) -> bool:
    """False for a lone surrogate (``"\\ud800"`` in JSON), which no database can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
