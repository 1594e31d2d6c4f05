"""Walkthroughs in Slack, for real over HTTP: signed events, commands and button presses to
the production adapter; what the bot sends is read from the fake Slack Web API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from assistant import messages as amsg
from assistant.walkthrough import Walkthroughs
from bench.fakes.slack import FakeSlack
from channels.slack.walkthrough import finished_view, step_view
from tests.slack_harness import (
    CHANNEL,
    STAFF,
    TEAM,
    SlackHarness,
    build_harness,
    new_ts,
    slack_settings,
)
from usage.log import UsageLog
from usage.report import Period
from usage.schema import walkthrough_events
from usage.walkthroughs import step_figures

pytestmark = pytest.mark.integration
CHAMPIONS = "C0CHAMPS"


@pytest.fixture
def slack(tmp_path, sample_kb) -> Iterator[SlackHarness]:
    with FakeSlack() as fake:
        usage = UsageLog.open(f"sqlite:///{tmp_path / 'usage.sqlite3'}", b"k" * 32)
        settings = slack_settings(tmp_path / "data", fake, escalation_contacts={
            "digital-champions": CHAMPIONS, "mfa-password-reset": "C0ITDESK",
            "default": "C0GUIDEHELP"})
        harness = build_harness(settings, sample_kb, fake, usage)
        yield harness
        harness.server.__exit__(None, None, None)
        usage.engine.dispose()


def texts(blocks: list[dict[str, Any]]) -> str:
    out = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            out.append(text["text"] if isinstance(text, dict) else str(text or ""))
    return "\n".join(out)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in message["blocks"] if b["type"] == "actions"
            for e in b["elements"]}


def press(slack: SlackHarness, action: str, message: dict[str, Any], n: int) -> dict[str, Any]:
    """Press a button of ``message``; the ``n``-th response_url post (1-based) is its reply."""
    status, _ = slack.action(action, buttons(message)[action])
    assert status == 200
    return slack.fake.wait_for("response_url", n)[n - 1].body


def events(slack: SlackHarness) -> list[tuple[str, int]]:
    with slack.usage.engine.connect() as conn:
        rows = conn.execute(select(walkthrough_events).order_by(walkthrough_events.c.id))
        return [(r.event, r.step) for r in rows]


def test_a_walkthrough_in_a_thread_done_stuck_and_ask_a_person(slack):
    event = slack.mention("walk me through resetting my MFA")
    first = slack.fake.wait_for("chat.postMessage")[0].body
    assert first["channel"] == CHANNEL and first["thread_ts"] == event["ts"]
    shown = texts(first["blocks"])
    assert "Reset your MFA" in shown and "Step 1 of 4" in shown
    assert ">Call the IT Service Desk on extension 4000 and ask for an MFA reset. [1]" in shown
    assert "[1] Resetting your Password and Multi-Factor Authentication (MFA)" in shown
    assert set(buttons(first)) == {"walk_done", "walk_stuck"}

    # every quote is verbatim in the chunk it cites
    walk = Walkthroughs.of(slack.assistant).get(json.loads(buttons(first)["walk_done"])["p"])
    stored = slack.assistant.retriever.chunks()
    for c in walk.citations:
        assert c.quote in stored[c.chunk_id].text

    second = press(slack, "walk_done", first, 1)
    assert second["replace_original"] is True
    assert "Step 2 of 4" in texts(second["blocks"]) and "1 of 4 steps done" in texts(
        second["blocks"])

    stuck = press(slack, "walk_stuck", second, 2)
    shown = texts(stuck["blocks"])
    assert amsg.WALK_STUCK in shown
    assert "If you work from home and have no desk phone, say so" in shown  # its own guidance
    assert set(buttons(stuck)) == {"walk_done", "walk_ask_person"}

    escalated = press(slack, "walk_ask_person", stuck, 3)
    notice = slack.fake.wait_for("chat.postMessage", 2)[1].body
    assert notice["channel"] == CHAMPIONS  # the digital champions, not the MFA document's desk
    assert f"<@{STAFF}>" in notice["text"] and "step 2 of 4" in notice["text"]
    assert "Answer the identity check." in notice["text"]
    assert f"You asked <#{CHAMPIONS}>" in texts(escalated["blocks"])

    reply = escalated
    for n in (4, 5, 6):
        reply = press(slack, "walk_done", reply, n)
    assert "All done" in texts(reply["blocks"]) and not buttons(reply)
    assert "Until you register the app" in texts(reply["blocks"])  # the procedure's notes

    assert events(slack) == [("started", 1), ("done", 1), ("stuck", 2), ("escalated", 2),
                             ("done", 2), ("done", 3), ("done", 4)]
    with slack.usage.engine.connect() as conn:
        rows = conn.execute(select(walkthrough_events)).mappings().all()
    assert {r["walk_id"] for r in rows} == {json.loads(buttons(first)["walk_done"])["w"]}
    assert all(r["user_hash"] and STAFF not in str(dict(r)) for r in rows)  # pseudonymised
    figures = {r["step"]: r for r in step_figures(slack.usage.engine, Period.parse("1d"))}
    assert figures[2]["stuck_rate"] == 1.0 and figures[2]["escalated"] == 1
    assert figures[1]["stuck_rate"] == 0.0 and figures[1]["reached"] == 1


def test_a_request_without_a_procedure_gets_the_usual_answer(slack):
    slack.mention("walk me through booking annual leave")
    post = slack.fake.wait_for("chat.postMessage")[0].body
    assert "ask_person" in buttons(post) and "walk_done" not in buttons(post)
    assert events(slack) == []
    slack.mention("How do I send an encrypted email?")  # not a walk request: an answer
    answer = slack.fake.wait_for("chat.postMessage", 2)[1].body
    assert "*Sources*" in texts(answer["blocks"]) and "walk_done" not in buttons(answer)


def test_a_walkthrough_in_a_dm_and_by_slash_command(slack):
    status, _ = slack.event({"type": "message", "channel_type": "im", "channel": "D0STAFF",
                             "user": STAFF, "text": "take me through sending an encrypted email",
                             "ts": new_ts(), "team": TEAM})
    assert status == 200
    post = slack.fake.wait_for("chat.postMessage")[0].body
    assert post["channel"] == "D0STAFF" and "Type [encrypt]" not in texts(post["blocks"])
    assert ">Write your email as usual. [1]" in texts(post["blocks"])
    status, body = slack.command("walk reporting a lost phone")
    assert status == 200
    acked = json.loads(body)
    assert acked["response_type"] == "ephemeral" and "Lost or stolen devices" in texts(
        acked["blocks"])
    status, body = slack.command("walk booking annual leave")
    assert "couldn't find step-by-step instructions" in json.loads(body)["text"]


def test_a_button_from_a_changed_procedure_is_not_continued(slack):
    slack.mention("walk me through sending an encrypted email")
    first = slack.fake.wait_for("chat.postMessage")[0].body
    state = json.loads(buttons(first)["walk_done"])
    state["f"] = "0" * 12  # the wording the walk started on is no longer in the index
    status, _ = slack.action("walk_done", json.dumps(state))
    assert status == 200
    told = slack.fake.wait_for("response_url")[0].body
    assert told["text"] == amsg.WALK_CHANGED and told["replace_original"] is False
    assert events(slack) == [("started", 1)]


def test_a_walkthrough_in_the_assistant_pane(slack):
    slack.event({"type": "message", "channel_type": "im", "channel": "D0PANE", "user": STAFF,
                 "text": "step by step: setting up a Teams meeting with partners",
                 "ts": new_ts(), "thread_ts": "1700000001.000100", "team": TEAM})
    post = slack.fake.wait_for("chat.postMessage")[0].body
    assert post["channel"] == "D0PANE" and post["thread_ts"] == "1700000001.000100"
    shown = texts(post["blocks"])
    assert "Setting up a meeting with partners" in shown  # a section a trainer marked
    assert "choose New meeting and add the partner staff" in shown
    assert not slack.fake.of("chat.startStream")  # a walkthrough is not streamed as an answer


def test_views_respect_slack_limits_and_escape_document_text(slack):
    walk = Walkthroughs.of(slack.assistant).find("walk me through resetting my password")
    walk.steps[0].quote = walk.steps[0].citation.quote = "<!channel> & go"
    view = step_view(walk, "w1", 1, stuck=True)
    assert "<!channel>" not in json.dumps(view) and "&lt;!channel&gt; &amp; go" in texts(
        view["blocks"])
    for v in (view, finished_view(walk)):
        assert len(v["blocks"]) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in v["blocks"] if "text" in b)


def test_only_whoever_started_a_walkthrough_can_move_it_on(slack):
    """In a channel everyone sees the buttons; another person's press moves nothing and
    records nothing, and tells them privately it is not theirs."""
    slack.mention("walk me through resetting my MFA")
    first = slack.fake.wait_for("chat.postMessage")[0].body
    status, _ = slack.action("walk_done", buttons(first)["walk_done"], user="U0OTHER")
    assert status == 200
    reply = slack.fake.wait_for("response_url")[0].body
    assert "someone else's" in reply["text"] and reply.get("response_type") == "ephemeral"
    assert reply.get("replace_original") is False
    assert events(slack) == [("started", 1)]
    assert "U0STAFF" not in buttons(first)["walk_done"]  # a keyed tag, not the user id
    done = press(slack, "walk_done", first, 2)  # the starter's press still works
    assert "Step 2 of 4" in texts(done["blocks"])
    assert events(slack) == [("started", 1), ("done", 1)]
