"""Votes on answers and walkthrough presses cannot be stuffed (external security review,
finding 5): one person's are limited a minute (429 beyond), a vote counts only from the person
the answer was given to, once, and a press only for a walkthrough started in that session,
once per step and action."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from assistant.core import Assistant
from channels.web.app import build_web_app
from config.settings import Settings
from usage.log import UsageLog
from usage.schema import walkthrough_events

LIMIT = 10
MFA = "mfa-password-reset#reset-your-mfa"


@pytest.fixture
def site(tmp_path, hashed_kb) -> Iterator[tuple[Any, UsageLog]]:
    settings = Settings(data_dir=tmp_path / "data", events_per_minute=LIMIT)
    log = UsageLog.open(f"sqlite:///{tmp_path / 'usage.sqlite3'}", b"e" * 32)
    yield build_web_app(settings, Assistant(settings, hashed_kb, usage=log), log), log
    log.engine.dispose()


class Browser:
    """One browser session (its own cookie and CSRF token) on the app."""

    def __init__(self, app: Any) -> None:
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                        base_url="http://testserver")
        self.token = ""

    async def open(self) -> Browser:
        page = await self.client.get("/")
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        return self

    async def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.client.post(path, json=body, headers={"X-CSRF-Token": self.token})

    async def burst(self, path: str, body: dict[str, Any], n: int) -> list[int]:
        replies = await asyncio.gather(*(self.post(path, body) for _ in range(n)))
        return [r.status_code for r in replies]


def votes(log: UsageLog) -> list[tuple[Any, ...]]:
    with log.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT question_id, user_hash, helpful FROM usage_feedback"))]


def test_a_burst_of_votes_is_limited_and_counted_once(site):
    app, log = site

    async def run() -> list[int]:
        asker = await Browser(app).open()
        answer = (await asker.post("/api/ask", {"question": "How do I reset my MFA?"})).json()
        return await asker.burst("/api/feedback", {"record_id": answer["record_id"],
                                                   "helpful": False}, 50)

    statuses = asyncio.run(run())
    assert statuses.count(200) == LIMIT and statuses.count(429) == 50 - LIMIT
    assert [bool(helpful) for *_, helpful in votes(log)] == [False]


def test_only_the_person_given_the_answer_votes_on_it(site):
    app, log = site

    async def run() -> tuple[list[int], int]:
        asker = await Browser(app).open()
        answer = (await asker.post("/api/ask", {"question": "How do I reset my MFA?"})).json()
        vote = {"record_id": answer["record_id"], "helpful": False}
        others = [(await (await Browser(app).open()).post("/api/feedback", vote)).status_code
                  for _ in range(5)]  # a new session each time: a new anonymous visitor
        reason = await (await Browser(app).open()).post(
            "/api/feedback", {**vote, "reason": "useless"})
        own = await asker.post("/api/feedback", vote)
        return [*others, reason.status_code], own.status_code

    others, own = asyncio.run(run())
    assert others == [404] * 6 and own == 200
    assert len(votes(log)) == 1


def events(log: UsageLog) -> list[tuple[str, int]]:
    with log.engine.connect() as conn:
        return [(r.event, r.step) for r in conn.execute(
            select(walkthrough_events).order_by(walkthrough_events.c.id))]


def test_walkthrough_presses_are_limited_and_recorded_once(site):
    app, log = site

    async def run() -> tuple[list[int], list[int], list[int]]:
        staff = await Browser(app).open()
        walk = (await staff.post("/api/walk", {"question": MFA, "walk": True})).json()
        press = {"walk_id": walk["walk_id"], "procedure_id": walk["procedure_id"],
                 "fingerprint": walk["fingerprint"], "step": 1, "action": "stuck"}
        stuck = await staff.burst("/api/walk/step", press, 200)
        # invented walks and someone else's walk record nothing
        stranger = await Browser(app).open()
        theirs = [(await stranger.post("/api/walk/step", {**press, "action": a})).status_code
                  for a in ("stuck", "done")]
        forged = [(await stranger.post("/api/walk/step", {**press, "walk_id": uuid.uuid4().hex}
                                       )).status_code for _ in range(3)]
        return stuck, theirs, forged

    stuck, theirs, forged = asyncio.run(run())
    assert stuck.count(200) == LIMIT and stuck.count(429) == 200 - LIMIT
    assert theirs + forged == [200] * 5
    assert events(log) == [("started", 1), ("stuck", 1)]


def test_each_press_of_a_walkthrough_is_recorded_once(site):
    app, log = site

    async def run() -> list[bool]:
        staff = await Browser(app).open()
        walk = (await staff.post("/api/walk", {"question": MFA, "walk": True})).json()
        press = {"walk_id": walk["walk_id"], "procedure_id": walk["procedure_id"],
                 "fingerprint": walk["fingerprint"]}
        oks = []
        for step, action in ((1, "stuck"), (1, "stuck"), (1, "ask_person"), (1, "ask_person"),
                             (1, "done"), (1, "done"), (2, "done")):
            reply = await staff.post("/api/walk/step", {**press, "step": step,
                                                        "action": action})
            assert reply.status_code == 200
            if action == "ask_person":
                assert reply.json()["text"]  # who to ask, every time it is pressed
            oks.append(reply.json()["ok"])
        return oks

    assert asyncio.run(run()) == [True, False, True, False, True, False, True]
    assert events(log) == [("started", 1), ("stuck", 1), ("escalated", 1), ("done", 1),
                           ("done", 2)]
