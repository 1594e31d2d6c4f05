"""The web chat (anyone who can reach the server): the page, questions and feedback.

``/api/ask`` answers with one JSON object, or, for a client that accepts
``application/x-ndjson``, with a line ``{"text": ...}`` for each piece of an answer the
language model is writing (LLM mode) and a last line ``{"answer": ...}`` (the same object),
or ``{"error": ...}``. The last line is what counts: it may differ from the streamed text
(the extractive fallback, or the model found no answer)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from assistant.answer import Answer
from assistant.guard import check
from assistant.llm import streaming_to_loop
from channels.slack.messages import SUGGESTED_PROMPTS
from channels.web import messages as text
from channels.web.security import RateLimit, csrf_ok, too_fast, visitor_id
from channels.web.site import Site, blocking
from usage.log import Asked

log = logging.getLogger(__name__)
CHAT_CONTEXT = dt.timedelta(minutes=30)  # earlier turns within this long are the context
NDJSON = "application/x-ndjson"


class ChatPages:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.votes = RateLimit(site.settings.events_per_minute)

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
            if NDJSON in request.headers.get("accept", ""):
                lines = self.streamed(question, history, audiences, asked)
                return StreamingResponse(lines, media_type=NDJSON,
                                         headers={"Cache-Control": "no-store"})
            answer = await blocking(assistant.ask, question, history, audiences, asked)
        except Exception:
            log.exception("the web chat could not answer")
            return JSONResponse({"error": text.FAILED}, status_code=500)
        return JSONResponse(answer_json(answer))

    async def streamed(self, question: str, history: list[str], audiences: frozenset[str],
                       asked: Asked) -> AsyncIterator[bytes]:
        """The answer's lines as the model writes it (see the module docstring)."""
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[str | None] = asyncio.Queue()

        def answer() -> Answer:  # in a worker thread: the model's text comes back to the loop
            with streaming_to_loop(loop, pieces.put_nowait):
                return self.site.assistant.ask(question, history, audiences, asked)

        work = asyncio.ensure_future(blocking(answer))
        # after every piece the worker queued before it returned
        work.add_done_callback(lambda _: pieces.put_nowait(None))
        while (piece := await pieces.get()) is not None:
            yield ndjson({"text": piece})
        try:
            yield ndjson({"answer": answer_json(work.result())})
        except Exception:
            log.exception("the web chat could not answer")
            yield ndjson({"error": text.FAILED})

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
        if not self.votes.allow(who):
            return too_fast()
        if not await blocking(self.given_to, record_id, who):
            return JSONResponse({"ok": False}, status_code=404)  # as for an unknown answer

        def vote() -> bool:
            if reason:  # free text: kept only as guarded
                return usage.add_reason(record_id, "web", who, check(reason).redacted)
            return usage.add_feedback(record_id, "web", who, helpful)

        try:
            ok = await blocking(vote)
        except IntegrityError:  # their vote sent at the same moment came first: change it
            ok = await blocking(vote)
        return JSONResponse({"ok": ok}, status_code=200 if ok else 404)

    def given_to(self, record_id: str, who: str) -> bool:
        """Whether the answer was given to this person (account or browser session): only
        they were shown its id, so a vote from anyone else is made up."""
        record = self.site.usage.get(record_id)
        return record is not None and record.user_hash == self.site.usage.user_hash("web", who)


def answer_json(answer: Answer) -> dict[str, Any]:
    """What the chat page shows of an answer."""
    return {
        "status": answer.status, "text": answer.text, "follow_up": answer.follow_up,
        "notice": answer.notice, "record_id": answer.record_id,
        "citations": [c.model_dump(include={"number", "title", "version", "page",
                                            "heading_path", "quote", "warning", "doc_id"})
                      for c in answer.citations]}


def ndjson(value: dict[str, Any]) -> bytes:
    return (json.dumps(value) + "\n").encode()


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
