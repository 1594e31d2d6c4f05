"""``/guide skills`` through the production HTTP adapter against the fake Slack: the modal
opens, a submission is saved under the person's pseudonym and answered with their gaps, a
half-rated statement is refused in the modal, and the record is theirs to see and delete."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bench.fakes.slack import TEAM
from tests.slack_harness import MANAGER, STAFF, SlackHarness, slack_harnesses
from usage.schema import skill_ratings

pytestmark = pytest.mark.integration


@pytest.fixture
def slack(tmp_path, hashed_kb) -> Iterator[SlackHarness]:
    with slack_harnesses(tmp_path, hashed_kb, b"s" * 32) as make:
        yield make()


def option(value: int) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": str(value)}}


def submit(slack: SlackHarness, values: dict[str, dict[str, Any]], user: str = STAFF
           ) -> dict[str, Any]:
    payload = {"type": "view_submission", "user": {"id": user, "team_id": TEAM},
               "team": {"id": TEAM}, "api_app_id": "A0GUIDE", "trigger_id": "trig-3",
               "view": {"id": "V2", "type": "modal", "callback_id": "skills_check",
                        "state": {"values": values}}}
    status, body = slack.post_form({"payload": json.dumps(payload)})
    assert status == 200
    return json.loads(body) if body else {}


def block_text(view: dict[str, Any]) -> str:
    return "\n".join(b["text"]["text"] for b in view["blocks"] if "text" in b)


def test_the_skills_modal_saves_ratings_and_shows_the_gaps(slack):
    status, _ = slack.command("skills")
    assert status == 200
    modal = slack.fake.wait_for("views.open")[0].body["view"]
    assert modal["callback_id"] == "skills_check"
    inputs = [b["block_id"] for b in modal["blocks"] if b["type"] == "input"]
    assert "now:reset-mfa" in inputs and "need:reset-mfa" in inputs
    assert len(modal["blocks"]) <= 100
    assert "only you can see your ratings" in json.dumps(modal)

    refused = submit(slack, {"now:reset-mfa": {"value": option(1)}})
    assert refused["response_action"] == "errors" and "need:reset-mfa" in refused["errors"]

    done = submit(slack, {"now:reset-mfa": {"value": option(1)},
                          "need:reset-mfa": {"value": option(4)},
                          "now:secure-email": {"value": option(2)},
                          "need:secure-email": {"value": option(3)},
                          "now:teams-meetings": {"value": option(3)},
                          "need:teams-meetings": {"value": option(3)}})
    assert done["response_action"] == "update"
    shown = block_text(done["view"])
    assert "Saved your ratings for 3 statements." in shown
    first, second = shown.index("multi-factor"), shown.index("secure email")
    assert first < second  # the larger gap first
    assert "Resetting your Password and Multi-Factor Authentication" in shown  # what helps
    assert "Microsoft Teams meeting" not in shown  # no gap there

    with slack.usage.engine.connect() as conn:
        people = set(conn.execute(select(skill_ratings.c.person)).scalars())
    assert people == {slack.usage.user_hash("slack", f"{TEAM}:{STAFF}")}  # as the log does
    assert not any(STAFF in p for p in people)


def test_the_record_is_shown_only_to_its_owner_and_deleted_by_them(slack):
    submit(slack, {"now:spot-phishing": {"value": option(1)},
                   "need:spot-phishing": {"value": option(3)}})
    _, body = slack.command("skills record")
    assert "phishing" in json.loads(body)["text"]
    _, body = slack.command("skills record", user=MANAGER)  # a manager sees only their own
    assert json.loads(body)["text"] == "You have no skills check on record yet."
    _, body = slack.command("skills delete", user=MANAGER)
    assert json.loads(body)["text"] == "There was no skills check record to delete."
    _, body = slack.command("skills delete")
    assert json.loads(body)["text"] == "Your skills check record has been deleted."
    with slack.usage.engine.connect() as conn:
        assert conn.execute(select(skill_ratings)).all() == []
    assert slack.fake.of("chat.postMessage") == []  # nothing about it went anywhere else
