"""Guide in Teams, for real over HTTP: the production web app on a free port with inbound
token validation, and a loopback fake of Microsoft's side (OpenID metadata + keys, the token
endpoint, the Bot Connector) recording what the bot sends."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text

from bench.fakes.teams import APP_ID, FakeMicrosoft, new_key
from channels.teams import messages as msg
from tests.channels.teams.harness import (
    CHANNEL,
    HELP_CHANNEL,
    IT_CHANNEL,
    STAFF,
    TRAINER,
    TeamsHarness,
    activity,
    build_harness,
    teams_settings,
)
from tests.files import make_pdf
from usage.log import UsageLog
from usage.schema import escalations, feedback, questions

pytestmark = pytest.mark.integration
KEY = b"t" * 32
CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture
def make_teams(tmp_path, sample_kb) -> Iterator[Any]:
    """Start harnesses (several may share one usage database and one fake, like replicas)."""
    started: list[TeamsHarness] = []
    fakes: list[FakeMicrosoft] = []

    def make(usage_url: str | None = None, fake: FakeMicrosoft | None = None,
             **overrides: Any) -> TeamsHarness:
        if fake is None:
            fake = FakeMicrosoft().__enter__()
            fakes.append(fake)
        usage = UsageLog.open(usage_url or f"sqlite:///{tmp_path / 'usage.sqlite3'}", KEY)
        settings = teams_settings(tmp_path / f"data{len(started)}", fake, **overrides)
        harness = build_harness(settings, sample_kb, fake, usage)
        started.append(harness)
        return harness

    yield make
    for harness in started:
        harness.server.__exit__(None, None, None)
        harness.usage.engine.dispose()
    for fake in fakes:
        fake.__exit__(None, None, None)


@pytest.fixture
def teams(make_teams) -> TeamsHarness:
    return make_teams()


def logged(harness: TeamsHarness) -> list[dict[str, Any]]:
    with harness.usage.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(questions).order_by(questions.c.id))
                .mappings()]


def citations_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for e in message.get("entities") or [] for c in e.get("citation") or []]


def card_actions(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's submit actions by kind (including the one inside "Not helpful")."""
    found: dict[str, dict[str, Any]] = {}
    for attachment in message.get("attachments") or []:
        if attachment.get("contentType") != CARD:
            continue
        for a in attachment["content"].get("actions", []):
            for item in [a, *(a.get("card") or {}).get("actions", [])]:
                if item.get("type") == "Action.Submit":
                    found[item["data"]["guide_action"]] = item["data"]
    return found


def test_a_chat_question_is_streamed_and_answered_with_citation_entities(teams):
    sent = teams.send("How do I reset my MFA?")
    conversation = sent["conversation"]["id"]
    [answer] = teams.replies(conversation)
    assert "[1]" in answer["text"] and "MFA" in answer["text"]
    cites = citations_of(answer)
    assert cites and cites[0]["position"] == 1
    assert all(len(c["appearance"]["name"]) <= 80 and len(c["appearance"]["abstract"]) <= 160
               for c in cites)
    assert "MFA" in " ".join(c["appearance"]["name"] for c in cites)
    assert not any("AIGeneratedContent" in (e.get("additionalType") or [])
                   for e in answer.get("entities") or [])  # extractive: no AI label
    assert {"helpful", "unhelpful", "ask_person"} <= set(card_actions(answer))
    calls = teams.fake.calls
    typing = [c.body for c in calls if c.conversation == conversation
              and c.body.get("type") == "typing"]
    assert typing and typing[0]["text"] == msg.WORKING  # an informative update first
    assert typing[0]["channelData"]["streamType"] == "informative"
    assert any(e.get("type") == "streaminfo" for e in answer.get("entities") or [])
    for call in teams.fake.activities(conversation):
        token = call.headers["authorization"].removeprefix("Bearer ")
        assert token in teams.fake.issued  # the app token from the token endpoint
    [token_call] = [c for c in calls if c.path.endswith("/oauth2/v2.0/token")]
    assert token_call.body["client_id"] == APP_ID
    [row] = logged(teams)
    assert row["surface"] == "teams" and row["status"] == "answered"
    assert row["channel_type"] == "personal" and row["citations"]
    assert STAFF not in str(row) and conversation not in str(row)  # pseudonymised
