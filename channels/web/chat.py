"""The web chat (anyone who can reach the server): the page, questions and feedback."""

from __future__ import annotations

import datetime as dt
import json
import logging

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
        try:
            body = await request.json()
            question = str(body.get("question", "")).strip()
        except (json.JSONDecodeError, AttributeError, UnicodeDecodeError):
            return JSONResponse({"error": text.SEND_JSON}, status_code=400)
        if not question:
            return JSONResponse({"error": text.TYPE_A_QUESTION}, status_code=400)
        conversation = visitor_id(request)  # one conversation per browser session
        asked = Asked("web", user=self.site.asker(request), channel_type="browser",
                      conversation=conversation)
        usage, assistant = self.site.usage, self.site.assistant
        try:
            history = await blocking(usage.turns, "web", conversation, within=CHAT_CONTEXT)
            answer = await blocking(assistant.ask, question, history, None, asked)
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
        try:
            body = await request.json()
            record_id, helpful = str(body["record_id"]), bool(body["helpful"])
        except (json.JSONDecodeError, KeyError, TypeError):
            return JSONResponse({"error": text.FEEDBACK_FIELDS}, status_code=400)
        reason = str(body.get("reason") or "").strip()[:1000]
        usage, who = self.site.usage, self.site.asker(request)
        if reason:  # free text: kept only as guarded
            ok = await blocking(usage.add_reason, record_id, "web", who, check(reason).redacted)
        else:
            ok = await blocking(usage.add_feedback, record_id, "web", who, helpful)
        return JSONResponse({"ok": ok}, status_code=200 if ok else 404)
