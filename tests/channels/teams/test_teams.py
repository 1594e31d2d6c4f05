"""Guide in Teams, for real over HTTP: the production web app on a free port with inbound
token validation, and a loopback fake of Microsoft's side (OpenID metadata + keys, the token
endpoint, the Bot Connector) recording what the bot sends."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text

from bench.fakes.teams import APP_ID, new_key
from channels.teams import messages as msg
from tests.channels.teams.harness import (
    CHANNEL,
    HELP_CHANNEL,
    IT_CHANNEL,
    STAFF,
    TRAINER,
    TeamsHarness,
    activity,
    teams_harnesses,
)
from tests.files import make_pdf
from usage.schema import escalations, feedback, questions

pytestmark = pytest.mark.integration
KEY = b"t" * 32
CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture
def make_teams(tmp_path, sample_kb) -> Iterator[Any]:
    """Start harnesses (several may share one usage database and one fake, like replicas)."""
    with teams_harnesses(tmp_path, sample_kb, KEY) as make:
        yield make


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


def test_a_channel_mention_is_answered_in_its_thread_with_the_mention_stripped(teams):
    sent = teams.send("How do I reset my MFA?", scope="channel", mention=True)
    thread = sent["conversation"]["id"]
    assert thread.startswith(CHANNEL + ";messageid=")
    [answer] = teams.replies(thread)
    assert citations_of(answer) and "[1]" in answer["text"]
    [row] = logged(teams)
    assert row["question"] == "How do I reset my MFA?"  # "<at>Guide</at>" is not asked
    assert row["channel_type"] == "channel"


def test_a_follow_up_in_the_thread_uses_the_earlier_turn(teams):
    first = teams.send("Can I put OFFICIAL data into ChatGPT?", scope="channel", mention=True)
    thread = first["conversation"]["id"]
    teams.replies(thread)
    teams.send("And OFFICIAL-SENSITIVE?", scope="channel", mention=True, conversation=thread)
    teams.replies(thread, 2)
    rows = logged(teams)
    assert rows[1]["status"] == "answered"
    assert "ai-tools-guidance" in {c["doc_id"] for c in rows[1]["citations"]}


def test_feedback_with_a_reason_is_recorded_as_guarded(teams):
    sent = teams.send("How do I reset my MFA?")
    conversation = sent["conversation"]["id"]
    [answer] = teams.replies(conversation)
    actions = card_actions(answer)
    teams.send(value=actions["helpful"], conversation=conversation)
    teams.replies(conversation, 2)
    teams.send(value={**actions["unhelpful"],
                      "reason": "It missed the step for prisoner A1234BC"},
               conversation=conversation)
    replies = teams.replies(conversation, 3)
    assert replies[1]["text"] == msg.THANKS_HELPFUL
    assert replies[2]["text"] == msg.THANKS_UNHELPFUL
    with teams.usage.engine.connect() as conn:
        rows = conn.execute(select(feedback).order_by(feedback.c.id)).mappings().all()
    [row] = rows  # one vote per person per answer: voting again changes it
    assert row["helpful"] is False
    assert "A1234BC" not in row["reason"] and "missed the step" in row["reason"]
    assert STAFF not in str(rows)


def test_ask_a_person_posts_the_question_to_the_topic_channel_and_records_it(teams):
    sent = teams.send("How do I reset my MFA?")
    conversation = sent["conversation"]["id"]
    [answer] = teams.replies(conversation)
    teams.send(value=card_actions(answer)["ask_person"], conversation=conversation)
    [notice] = teams.replies(IT_CHANNEL)  # the topic's Teams target, not the Slack one
    assert "How do I reset my MFA?" in notice["text"] and "Sam Staff" in notice["text"]
    [mentioned] = [e for e in notice["entities"] if e["type"] == "mention"]
    assert mentioned["mentioned"]["id"] == f"29:{STAFF}"  # the contact can reach them
    assert mentioned["text"] in notice["text"]
    confirmation = teams.replies(conversation, 2)[1]
    assert "mfa-password-reset" in confirmation["text"]
    with teams.usage.engine.connect() as conn:
        [row] = conn.execute(select(escalations)).mappings().all()
    assert row["topic"] == "mfa-password-reset" and row["contact"] == f"teams:{IT_CHANNEL}"
    assert teams.fake.activities(HELP_CHANNEL) == []


def test_a_trainers_file_is_downloaded_ingested_and_then_cited(trusting_teams, tmp_path):
    teams = trusting_teams
    pdf = make_pdf(tmp_path / "lone-working.pdf", [[
        ("h1", "Lone Working Procedure"),
        ("p", "Staff visiting people on probation alone must phone the duty desk every two "
              "hours and record the visit in the lone working log."),
    ]], title="Lone Working Procedure")
    url = teams.fake.file_url("lone-working.pdf", pdf.read_bytes())
    sent = teams.send(user=TRAINER, attachments=[{
        "contentType": "application/vnd.microsoft.teams.file.download.info",
        "name": "lone-working.pdf", "contentUrl": "https://contoso.sharepoint.com/x.pdf",
        "content": {"downloadUrl": url, "uniqueId": "u1", "fileType": "pdf"}}])
    conversation = sent["conversation"]["id"]
    replies = teams.replies(conversation, 2, timeout=300)  # read in a worker
    assert "Added **Lone Working Procedure**" in replies[1]["text"]
    assert [c.path for c in teams.fake.calls if c.path.startswith("/files/")] \
        == ["/files/lone-working.pdf"]
    teams.send("How often must lone workers phone the duty desk?", user=TRAINER)
    answer = teams.replies(conversation, 3)[2]
    assert "Lone Working Procedure" in str(citations_of(answer))
    with teams.usage.engine.connect() as conn:
        action, target = conn.execute(text("SELECT action, target FROM usage_audit")).one()
    assert (action, target) == ("upload", "lone-working.pdf")


def test_someone_who_is_not_a_trainer_is_refused_before_any_download(teams):
    url = teams.fake.file_url("notes.pdf", b"%PDF-1.4 not really")
    sent = teams.send(attachments=[{
        "contentType": "application/vnd.microsoft.teams.file.download.info",
        "name": "notes.pdf", "content": {"downloadUrl": url, "fileType": "pdf"}}])
    [reply] = teams.replies(sent["conversation"]["id"])
    assert reply["text"] == msg.NOT_A_TRAINER
    assert not [c for c in teams.fake.calls if c.path.startswith("/files/")]


def test_a_trainer_group_member_is_recognised_through_graph(make_teams):
    teams = make_teams(teams_trainers=[], teams_trainer_group="grp-trainers")
    teams.fake.groups["grp-trainers"] = [TRAINER]
    url = teams.fake.file_url("readme.exe", b"MZ")
    sent = teams.send(user=TRAINER, attachments=[{
        "contentType": "application/vnd.microsoft.teams.file.download.info",
        "name": "readme.exe", "content": {"downloadUrl": url}}])
    replies = teams.replies(sent["conversation"]["id"], 2)
    assert "couldn't add readme.exe" in replies[1]["text"]  # a trainer: told why, not refused
    [graph] = [c for c in teams.fake.calls if c.path.endswith("/checkMemberGroups")]
    assert graph.headers["authorization"].removeprefix("Bearer ") in teams.fake.issued


def test_a_blocked_question_in_a_channel_is_explained_privately_and_not_logged(teams, caplog):
    caplog.set_level(logging.INFO)
    question = "Can I email prisoner A1234BC's risk assessment, DOB 12/03/1985?"
    sent = teams.send(question, scope="channel", mention=True)
    [private] = teams.replies(f"a:1on1-29:{STAFF}")
    assert "general question" in private["text"] and "A1234BC" not in private["text"]
    [note] = teams.replies(sent["conversation"]["id"])
    assert note["text"] == msg.BLOCKED_PRIVATELY
    with teams.usage.engine.connect() as conn:
        dump = "\n".join(str(tuple(r)) for t in ("usage_questions", "usage_feedback",
                                                 "usage_audit")
                         for r in conn.execute(text(f"SELECT * FROM {t}")))
    assert "A1234BC" not in dump and "1985" not in dump
    [row] = logged(teams)
    assert row["status"] == "blocked" and row["question"] is None
    assert "A1234BC" not in caplog.text


def test_two_replicas_sharing_a_database_answer_a_duplicated_activity_once(
        make_teams, usage_db_url):
    first = make_teams(usage_db_url)
    second = make_teams(usage_db_url, fake=first.fake)
    body = activity(first.fake, "How do I reset my MFA?")
    assert first.post(body)[0] == 200
    assert second.post(body)[0] == 200
    assert first.post(body)[0] == 200
    first.replies(body["conversation"]["id"])
    first.fake.settle()
    assert len(first.fake.activities(body["conversation"]["id"])) == 1
    assert len(logged(first)) == 1


@pytest.mark.parametrize("case", ["no token", "bad signature", "wrong audience", "expired",
                                  "other service url", "not endorsed", "not a jwt"])
def test_requests_without_a_valid_token_are_refused(teams, case):
    body = activity(teams.fake, "How do I reset my MFA?")
    fake = teams.fake
    token: Any = {
        "no token": None,
        "bad signature": fake.inbound_token(key=new_key()),
        "wrong audience": fake.inbound_token(audience="someone-else"),
        "expired": fake.inbound_token(expires_in=-3600),
        "other service url": fake.inbound_token(service_url="https://evil.example/teams/"),
        "not endorsed": fake.inbound_token(),
        "not a jwt": "not-a-token",
    }[case]
    if case == "not endorsed":
        body["channelId"] = "webchat"  # the fake's key is endorsed for msteams only
    status, _ = teams.post(body, token=token)
    assert status == 401
    fake.settle(0.3)
    assert fake.activities() == [] and logged(teams) == []


@pytest.mark.parametrize("status", [429, 503])
def test_a_connector_429_or_5xx_is_retried_once(teams, status):
    teams.fake.script(status, retry_after=0.2 if status == 429 else None)
    sent = teams.send("How do I reset my MFA?", scope="channel", mention=True)
    thread = sent["conversation"]["id"]
    [answer] = teams.replies(thread)
    assert citations_of(answer)
    posts = [c for c in teams.fake.calls if c.conversation == thread and c.method == "POST"]
    assert posts[0].body["type"] == "typing"  # refused...
    assert posts[1].body["type"] == "typing"  # ...and sent again
    assert len([p for p in posts if p.body["type"] == "message"]) == 1


def test_a_channel_answer_never_draws_on_a_restricted_document(teams):
    """Managers-only guidance: in a channel the answer is from all-staff documents and the
    manager is told privately where there is more; in a 1:1 chat they get it."""
    teams.assistant.settings.audiences_path.write_text(f"managers:\n  teams: [{STAFF}]\n")
    question = "Can a line manager approve disclosing health information without consent?"
    sent = teams.send(question, scope="channel", mention=True)
    [reply] = teams.replies(sent["conversation"]["id"])
    assert "managers-escalation-guide" not in str(logged(teams)[-1]["citations"])
    assert "Handling Escalated Information Requests" not in str(reply)
    [private] = teams.replies(f"a:1on1-29:{STAFF}")
    assert "Handling Escalated Information Requests" in private["text"]
    chat = teams.send(question)  # the same question in their 1:1 chat draws on it
    [answer] = teams.replies(chat["conversation"]["id"])
    assert "managers-escalation-guide" in str(logged(teams)[-1]["citations"])
    assert citations_of(answer)


def test_someone_outside_the_audience_is_never_answered_from_it(teams):
    question = "Can a line manager approve disclosing health information without consent?"
    chat = teams.send(question)
    teams.replies(chat["conversation"]["id"])
    assert "managers-escalation-guide" not in str(logged(teams)[-1]["citations"])


def test_a_failure_ends_in_a_friendly_message(teams, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the index is on fire")

    monkeypatch.setattr(teams.assistant, "ask", broken)
    sent = teams.send("How do I reset my MFA?", scope="channel", mention=True)
    [reply] = teams.replies(sent["conversation"]["id"])
    assert reply["text"].startswith("Sorry, something went wrong")


def test_a_channel_message_that_does_not_mention_guide_is_left_alone(teams):
    sent = teams.send("How do I reset my MFA?", scope="channel")
    teams.fake.settle(0.5)
    assert teams.fake.activities(sent["conversation"]["id"]) == [] and logged(teams) == []


def test_the_development_flag_accepts_unsigned_requests_on_loopback(make_teams):
    teams = make_teams(teams_allow_anonymous=True, host="127.0.0.1")
    sent = activity(teams.fake, "How do I reset my MFA?")
    assert teams.post(sent, token=None)[0] == 200
    [answer] = teams.replies(sent["conversation"]["id"])
    assert citations_of(answer)


def test_an_activity_from_another_tenant_is_refused(teams):
    body = activity(teams.fake, "How do I reset my MFA?")
    body["conversation"]["tenantId"] = body["channelData"]["tenant"]["id"] = "other-tenant"
    assert teams.post(body)[0] == 403
    teams.fake.settle(0.3)
    assert teams.fake.activities() == [] and logged(teams) == []


def test_installing_guide_for_yourself_gets_a_welcome(teams):
    conversation = f"a:1on1-{STAFF}"
    body = {**activity(teams.fake, conversation=conversation), "type": "installationUpdate",
            "action": "add"}
    body.pop("text")
    assert teams.post(body)[0] == 200
    [welcome] = teams.replies(conversation)
    assert welcome["text"] == msg.WELCOME
