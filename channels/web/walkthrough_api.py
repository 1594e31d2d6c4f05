"""Walkthroughs in the web chat: JSON for the chat's script (static/walkthrough.js).

``POST /api/walk`` ``{"question"}``: a walkthrough (every step with its verbatim quote and
citation, the step's own guidance, a ``walk_id``), or ``{"status": "not_a_walkthrough" |
"not_found" | "blocked"}``, on which the chat asks the question as usual. ``POST
/api/walk/step`` ``{"walk_id", "procedure_id", "fingerprint", "step", "action"}`` records
Done / Stuck / Ask a person at a step; a procedure whose wording changed since the walk
started is refused with 409, so no event is recorded against steps nobody was shown. A press is
recorded once per walk, step and action, and only for a walk this person started (only they
were shown its ``walk_id``); one person's presses are limited a minute (429 beyond).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from assistant import messages as amsg
from assistant.answer import Citation
from assistant.walkthrough import Walkthrough, Walkthroughs, is_walk_request
from channels.web import messages as text
from channels.web.security import RateLimit, csrf_ok, too_fast
from channels.web.site import Site, blocking
from usage.log import Asked
from usage.walkthroughs import WalkEventKind, walk_events

log = logging.getLogger(__name__)
ACTIONS: dict[str, WalkEventKind] = {"done": "done", "stuck": "stuck",
                                     "ask_person": "escalated"}
CITATION_FIELDS = {"number", "title", "version", "page", "heading_path", "quote", "warning",
                   "doc_id"}
WALK_ID = re.compile(r"^[0-9a-f]{32}$")


def cited(c: Citation) -> dict[str, Any]:
    return c.model_dump(include=CITATION_FIELDS)


def walk_payload(walk: Walkthrough, walk_id: str) -> dict[str, Any]:
    """What the chat needs to show the walkthrough: no server paths or chunk ids."""
    return {
        "status": "found", "walk_id": walk_id, "procedure_id": walk.procedure_id,
        "fingerprint": walk.fingerprint, "name": walk.name, "title": walk.title,
        "contact": walk.contact, "intro": [cited(c) for c in walk.intro],
        "steps": [{"number": s.number, "quote": s.quote, "citation": cited(s.citation),
                   "guidance": [cited(g) for g in s.guidance]} for s in walk.steps],
        "notes": [cited(c) for c in walk.notes],
        "others": walk.others,
        "messages": {"stuck": amsg.WALK_STUCK, "no_guidance": amsg.WALK_NO_GUIDANCE,
                     "finished": amsg.WALK_FINISHED.format(name=walk.name),
                     "ask_person": amsg.WALK_ASK_PERSON.format(
                         contact=walk.contact[:1].upper() + walk.contact[1:])},
    }


class WalkthroughAPI:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.walks = Walkthroughs.of(site.assistant)
        self.walks.usage = site.usage
        self.presses = RateLimit(site.settings.events_per_minute)

    def routes(self) -> list[BaseRoute]:
        return [Route("/api/walk", self.start, methods=["POST"]),
                Route("/api/walk/step", self.step, methods=["POST"])]

    def asked(self, request: Request) -> Asked:
        return Asked("web", user=self.site.asker(request), channel_type="browser")

    @staticmethod
    async def body(request: Request) -> dict[str, Any] | None:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None

    async def start(self, request: Request) -> Response:
        if not csrf_ok(request):
            return JSONResponse({"error": text.RELOAD_AND_ASK}, status_code=403)
        body = await self.body(request)
        if body is None:
            return JSONResponse({"error": text.SEND_JSON}, status_code=400)
        question = str(body.get("question", "")).strip()
        if not question:
            return JSONResponse({"error": text.TYPE_A_QUESTION}, status_code=400)
        if not is_walk_request(question) and not body.get("walk"):
            return JSONResponse({"status": "not_a_walkthrough"})
        try:
            walk = await blocking(self.walks.find, question)
            if walk.status != "found":  # the chat asks it as a question instead
                return JSONResponse({"status": walk.status})
            walk_id = uuid.uuid4().hex
            await blocking(self.walks.record, self.asked(request), walk, walk_id, "started", 1)
        except Exception:
            log.exception("the web chat could not start a walkthrough")
            return JSONResponse({"error": text.FAILED}, status_code=500)
        return JSONResponse(walk_payload(walk, walk_id))

    async def step(self, request: Request) -> Response:
        if not csrf_ok(request):
            return JSONResponse({"error": text.RELOAD_AND_RETRY}, status_code=403)
        asked = self.asked(request)
        if not self.presses.allow(asked.user or ""):
            return too_fast()
        body = await self.body(request)
        try:
            assert body is not None
            walk_id, procedure = str(body["walk_id"]), str(body["procedure_id"])
            step, action = int(body["step"]), ACTIONS[str(body["action"])]
            fingerprint = str(body.get("fingerprint", ""))
            assert WALK_ID.match(walk_id)
        except (AssertionError, KeyError, TypeError, ValueError):
            return JSONResponse({"error": "walk_id, procedure_id, fingerprint, step and action "
                                 "(done, stuck or ask_person) are needed"}, status_code=400)
        walk = await blocking(self.walks.get, procedure)
        if walk is None or walk.fingerprint != fingerprint or walk.step(step) is None:
            return JSONResponse({"error": amsg.WALK_CHANGED}, status_code=409)
        recorded = await blocking(self.record_once, asked, walk, walk_id, action, step)
        reply: dict[str, Any] = {"ok": recorded}
        if action == "escalated":
            reply["text"] = amsg.WALK_TELL_CONTACT.format(contact=walk.contact, n=step,
                                                          name=walk.name)
        return JSONResponse(reply)

    def record_once(self, asked: Asked, walk: Walkthrough, walk_id: str, action: WalkEventKind,
                    step: int) -> bool:
        """Record a press of a walk this person started, the first time only (the claim is
        the database's, so a burst, or one across replicas, records it once); False when
        nothing was recorded."""
        usage = self.site.usage
        mine = usage.user_hash(asked.surface, asked.user)
        started = any(e["event"] == "started" and e["procedure_id"] == walk.procedure_id
                      and e["user_hash"] == mine for e in walk_events(usage.engine, walk_id))
        return (started and usage.claim([f"web-walk:{walk_id}:{action}:{step}"])
                and self.walks.record(asked, walk, walk_id, action, step))
