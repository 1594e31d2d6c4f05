"""Walkthroughs and the private skills check in Teams, for real over HTTP: the production web
app on a free port with inbound token validation, signed activities and card submissions,
and what the bot sends read from the fake Bot Connector. The knowledge base is the sample one
with the fake embedder (walkthroughs are found through the keyword half of retrieval)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from assistant import messages as amsg
from assistant.skills import messages as smsg
from bench.fakes.teams import TENANT, Call
from channels.teams import messages as msg
from tests.channels.teams.harness import (
    CHANNEL,
    HELP_CHANNEL,
    IT_CHANNEL,
    STAFF,
    TeamsHarness,
    activity,
    teams_harnesses,
)
from usage.schema import questions, skill_people, skill_ratings, walkthrough_events

pytestmark = pytest.mark.integration
CARD = "application/vnd.microsoft.card.adaptive"
CHAMPIONS = "19:digital-champions@thread.tacv2"
MANAGER = "aad-manager-0003"
MFA_STEP_1 = "Call the IT Service Desk on extension 4000 and ask for an MFA reset."


@pytest.fixture
def teams(tmp_path, hashed_kb) -> Iterator[TeamsHarness]:
    with teams_harnesses(tmp_path, hashed_kb, b"w" * 32) as make:
        yield make(escalation_contacts={"digital-champions": f"C0CHAMPS|teams:{CHAMPIONS}",
                                        "mfa-password-reset": f"C0ITDESK|teams:{IT_CHANNEL}",
                                        "default": f"teams:{HELP_CHANNEL}"})


def sent(teams: TeamsHarness, conversation: str, n: int) -> Call:
    """The ``n``-th message (1-based) Guide sent to or updated in ``conversation``."""
    teams.fake.wait_for(lambda _: len(teams.fake.activities(conversation)) >= n, 60)
    return teams.fake.activities(conversation)[n - 1]


def cards(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["content"] for a in message.get("attachments") or []
            if a.get("contentType") == CARD]


def submits(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The data of every Action.Submit in the message's cards (ActionSets included)."""
    found = []
    for card in cards(message):
        actions = list(card.get("actions") or [])
        actions += [a for b in card.get("body") or [] if b.get("type") == "ActionSet"
                    for a in b["actions"]]
        found += [a["data"] for a in actions if a["type"] == "Action.Submit"]
    return found


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["guide_action"]: d for d in submits(message) if "guide_action" in d}


def press(teams: TeamsHarness, card: Call, data: dict[str, Any], **kwargs: Any) -> None:
    """Press a button of the message ``card`` as Teams delivers it: its data as the value,
    the card's message id as replyToId."""
    body = activity(teams.fake, value=data, conversation=card.conversation, **kwargs)
    body["replyToId"] = card.activity_id
    body.pop("text")
    assert teams.post(body)[0] == 200


def citations_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for e in message.get("entities") or [] for c in e.get("citation") or []]


def positions(message: dict[str, Any]) -> set[int]:
    return {c["position"] for c in citations_of(message)}


def markers(text: str) -> set[int]:
    """Every ``[n]`` in the text: each must have its citation entity, and only those."""
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


def walk_events(teams: TeamsHarness) -> list[dict[str, Any]]:
    with teams.usage.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(walkthrough_events)
                                              .order_by(walkthrough_events.c.id)).mappings()]


def test_a_walkthrough_in_a_chat_done_stuck_and_ask_a_person(teams):
    conversation = teams.send("walk me through resetting my MFA")["conversation"]["id"]
    first = sent(teams, conversation, 1)
    text = first.body["text"]
    assert "Reset your MFA" in text and "Step 1 of 4" in text
    assert f"“{MFA_STEP_1}” [1]" in text
    [cite] = citations_of(first.body)
    assert cite["position"] == 1 and cite["appearance"]["abstract"] == MFA_STEP_1
    assert "Multi-Factor Authentication" in cite["appearance"]["name"]
    assert len(cite["appearance"]["name"]) <= 80
    assert set(buttons(first.body)) == {"walk_done", "walk_stuck"}

    # every quote shown is verbatim in the chunk it cites
    walks = teams.endpoint.guide.walkthroughs.walks
    walk = walks.get(buttons(first.body)["walk_done"]["p"])
    stored = teams.assistant.retriever.chunks()
    assert all(c.quote in stored[c.chunk_id].text for c in walk.citations)

    press(teams, first, buttons(first.body)["walk_done"])
    second = sent(teams, conversation, 2)
    assert second.method == "PUT" and second.activity_id == first.activity_id  # in place
    assert "Step 2 of 4" in second.body["text"] and "1 of 4 steps done" in second.body["text"]

    press(teams, second, buttons(second.body)["walk_stuck"])
    stuck = sent(teams, conversation, 3)
    assert amsg.WALK_STUCK in stuck.body["text"]
    assert "If you work from home and have no desk phone, say so" in stuck.body["text"]
    assert stuck.body["text"].count("[1]") == 2  # the step and its guidance share a chunk
    assert positions(stuck.body) == markers(stuck.body["text"])
    assert set(buttons(stuck.body)) == {"walk_done", "walk_ask_person"}

    press(teams, stuck, buttons(stuck.body)["walk_ask_person"])
    [notice] = [c.body for c in teams.fake.wait_for(
        lambda _: teams.fake.activities(CHAMPIONS)) if c.conversation == CHAMPIONS]
    assert "<at>Sam Staff</at>" in notice["text"] and "step 2 of 4" in notice["text"]
    assert "Answer the identity check." in notice["text"] and "Reset your MFA" in notice["text"]
    [mentioned] = [e for e in notice["entities"] if e["type"] == "mention"]
    assert mentioned["mentioned"]["id"] == f"29:{STAFF}"  # the champion can reach them
    escalated = sent(teams, conversation, 4)
    assert "You asked the digital-champions contacts" in escalated.body["text"]
    assert set(buttons(escalated.body)) == {"walk_done"}

    reply = escalated
    for n in (5, 6, 7):
        press(teams, reply, buttons(reply.body)["walk_done"])
        reply = sent(teams, conversation, n)
    assert "All done" in reply.body["text"] and not cards(reply.body)
    assert "Until you register the app" in reply.body["text"]  # the procedure's notes
    assert citations_of(reply.body) and positions(reply.body) == markers(reply.body["text"])

    events = walk_events(teams)
    assert [(e["event"], e["step"]) for e in events] == [
        ("started", 1), ("done", 1), ("stuck", 2), ("escalated", 2), ("done", 2), ("done", 3),
        ("done", 4)]
    assert {e["surface"] for e in events} == {"teams"}
    assert {e["user_hash"] for e in events} == {
        teams.usage.user_hash("teams", f"{TENANT}:{STAFF}")}  # as the usage log does
    assert STAFF not in str(events)
    assert teams.fake.activities(IT_CHANNEL) == [] == teams.fake.activities(HELP_CHANNEL)


def test_a_walkthrough_asked_in_a_channel_is_answered_in_its_thread(teams):
    thread = teams.send("walk me through reporting a lost phone", scope="channel",
                        mention=True)["conversation"]["id"]
    assert thread.startswith(CHANNEL + ";messageid=")
    first = sent(teams, thread, 1)
    assert "Step 1 of 4" in first.body["text"] and citations_of(first.body)
    [started] = walk_events(teams)
    assert started["event"] == "started" and started["request"].startswith("walk me through")

    stale = {**buttons(first.body)["walk_done"], "f": "an older wording"}
    press(teams, first, stale, scope="channel")
    assert sent(teams, thread, 2).body["text"] == amsg.WALK_CHANGED  # never other steps
    assert len(walk_events(teams)) == 1


def test_only_whoever_started_a_walkthrough_can_move_it_on(teams):
    """In a channel everyone sees the card: someone else's press leaves it as it is and they
    are told privately that it is not theirs."""
    thread = teams.send("walk me through resetting my MFA", scope="channel",
                        mention=True)["conversation"]["id"]
    first = sent(teams, thread, 1)
    for kind in ("walk_done", "walk_stuck"):
        press(teams, first, buttons(first.body)[kind], scope="channel", user=MANAGER)
    private = f"a:1on1-29:{MANAGER}"
    teams.fake.wait_for(lambda _: len(teams.fake.activities(private)) >= 2)
    told = [c.body["text"] for c in teams.fake.activities(private)]
    assert all("someone else" in text for text in told)
    teams.fake.settle()
    assert len(teams.fake.activities(thread)) == 1  # the card was not touched
    assert [e["event"] for e in walk_events(teams)] == ["started"]

    press(teams, first, buttons(first.body)["walk_done"], scope="channel")  # the starter
    second = sent(teams, thread, 2)
    assert second.method == "PUT" and "Step 2 of 4" in second.body["text"]
    assert [e["event"] for e in walk_events(teams)] == ["started", "done"]


def test_a_walk_request_with_no_procedure_is_answered_as_a_question(teams):
    conversation = teams.send("walk me through booking annual leave")["conversation"]["id"]
    reply = sent(teams, conversation, 1).body
    assert "Step 1" not in reply["text"] and walk_events(teams) == []


def test_a_walk_request_with_personal_details_is_refused_and_not_recorded(teams):
    request = "walk me through resetting the MFA of prisoner A1234BC"
    conversation = teams.send(request)["conversation"]["id"]
    reply = sent(teams, conversation, 1).body
    assert "A1234BC" not in reply["text"] and not cards(reply)
    assert walk_events(teams) == []
    with teams.usage.engine.connect() as conn:
        assert "A1234BC" not in str(conn.execute(select(questions)).all())


def rating_inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Input.ChoiceSet":
                found[node["id"]] = node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def ratings(teams: TeamsHarness) -> list[dict[str, Any]]:
    with teams.usage.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(skill_ratings)).mappings()]


def test_the_skills_check_form_is_saved_and_answered_with_gaps(teams):
    conversation = teams.send("skills")["conversation"]["id"]
    form = sent(teams, conversation, 1)
    [card] = cards(form.body)
    inputs = rating_inputs(card)
    framework = teams.endpoint.guide.skills.framework()
    assert set(inputs) == {f"{half}:{s}" for s in framework.statements
                           for half in ("now", "need")}
    assert [c["title"] for c in inputs["now:reset-mfa"]["choices"]] == \
        [s.label for s in framework.scale]
    assert "only you can see your ratings" in str(card)
    [save] = submits(form.body)

    # half a rating: told why, nothing saved
    press(teams, form, {**save, "now:reset-mfa": "1"})
    refused = sent(teams, conversation, 2).body["text"]
    assert refused.startswith("I haven't saved anything") and ratings(teams) == []

    press(teams, form, {**save, "now:reset-mfa": "1", "need:reset-mfa": "4",
                        "now:secure-email": "2", "need:secure-email": "3",
                        "now:teams-meetings": "3", "need:teams-meetings": "3",
                        "now:spot-phishing": "", "need:spot-phishing": ""})
    reply = sent(teams, conversation, 3).body
    text = reply["text"]
    assert "Saved your ratings for 3 statements." in text
    assert text.index("multi-factor") < text.index("secure email")  # the larger gap first
    assert "Resetting your Password and Multi-Factor Authentication" in text  # what helps
    assert "Microsoft Teams meeting" not in text  # no gap there
    walk_buttons = [d for d in submits(reply) if d.get("guide_action") == "walk_start"]
    assert "mfa-password-reset#reset-your-mfa" in {d["p"] for d in walk_buttons}
    asks = [d["msteams"]["value"] for d in submits(reply) if "msteams" in d]
    assert asks and all(d["msteams"]["type"] == "imBack" for d in submits(reply)
                        if "msteams" in d)

    person = teams.usage.user_hash("teams", f"{TENANT}:{STAFF}")
    rows = ratings(teams)
    assert {r["person"] for r in rows} == {person} and len(rows) == 3
    assert STAFF not in str(rows)

    # a gap's walkthrough button starts that walkthrough
    mfa = next(d for d in walk_buttons if d["p"] == "mfa-password-reset#reset-your-mfa")
    press(teams, sent(teams, conversation, 3), mfa)
    walk = sent(teams, conversation, 4).body
    assert f"“{MFA_STEP_1}” [1]" in walk["text"] and buttons(walk).keys() == {
        "walk_done", "walk_stuck"}

    # asking again shows the form with what they rated filled in
    teams.send("skills check")
    again = rating_inputs(cards(sent(teams, conversation, 5).body)[0])
    assert again["now:reset-mfa"]["value"] == "1" and "value" not in again["now:spot-phishing"]


def test_the_record_is_theirs_to_see_and_delete(teams):
    conversation = teams.send("skills")["conversation"]["id"]
    form = sent(teams, conversation, 1)
    press(teams, form, {**submits(form.body)[0], "now:spot-phishing": "1",
                        "need:spot-phishing": "3"})
    sent(teams, conversation, 2)

    teams.send("skills record")
    record = sent(teams, conversation, 3).body["text"]
    assert "phishing" in record and "now Not yet, need On my own" in record

    other = teams.send("skills record", user=MANAGER)["conversation"]["id"]
    assert sent(teams, other, 1).body["text"] == smsg.NO_RECORD  # a manager sees only theirs
    teams.send("skills delete", user=MANAGER)
    assert sent(teams, other, 2).body["text"] == smsg.NOTHING_TO_DELETE
    assert len(ratings(teams)) == 1

    teams.send("skills delete")
    assert sent(teams, conversation, 4).body["text"] == smsg.DELETED
    with teams.usage.engine.connect() as conn:
        assert conn.execute(select(skill_people)).all() == []
    assert ratings(teams) == []
    teams.fake.settle(0.3)
    assert {c.conversation for c in teams.fake.activities()} == {conversation, other}


def test_the_skills_check_in_a_channel_is_redirected_to_a_1on1_chat(teams):
    thread = teams.send("skills", scope="channel", mention=True)["conversation"]["id"]
    reply = sent(teams, thread, 1).body
    assert reply["text"] == msg.SKILLS_ONLY_IN_CHAT and not cards(reply)

    # a submission that does not come from a 1:1 chat is refused too, and nothing is saved
    body = activity(teams.fake, scope="groupChat", value={
        "guide_action": "skills_save", "now:spot-phishing": "1", "need:spot-phishing": "3"})
    body.pop("text")
    assert teams.post(body)[0] == 200
    assert sent(teams, body["conversation"]["id"], 1).body["text"] == msg.SKILLS_ONLY_IN_CHAT
    assert ratings(teams) == []
    with teams.usage.engine.connect() as conn:
        assert conn.execute(select(skill_people)).all() == []
