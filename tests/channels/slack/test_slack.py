"""Guide in Slack, for real over HTTP: the production adapter on a free port, signed requests
POSTed to it, and a fake Slack Web API recording what the bot sends back."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select, text

from assistant.answer import Answer, Citation
from bench.fakes.slack import BOT_TOKEN, TEAM, FakeSlack, signed_headers
from channels.slack import messages as msg
from channels.slack.app import SlackGuide
from channels.slack.render import SECTION_CHARS
from tests.files import make_pdf
from tests.slack_harness import (
    CHANNEL,
    DM,
    MANAGER,
    STAFF,
    TRAINER,
    SlackHarness,
    event_body,
    new_ts,
    slack_harnesses,
)
from usage.schema import escalations, feedback, questions

pytestmark = pytest.mark.integration
KEY = b"s" * 32


@pytest.fixture
def make_slack(tmp_path, sample_kb) -> Iterator[Any]:
    """Start harnesses (several may share one usage database, like replicas)."""
    with slack_harnesses(tmp_path, sample_kb, KEY) as make:
        yield make


@pytest.fixture
def slack(make_slack) -> SlackHarness:
    return make_slack()


def texts(blocks: list[dict[str, Any]]) -> str:
    out = []
    for block in blocks:
        if "text" in block and isinstance(block["text"], dict):
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            if isinstance(element.get("text"), str):
                out.append(element["text"])
            elif isinstance(element.get("text"), dict):
                out.append(element["text"]["text"])
    return "\n".join(out)


def action_values(blocks: list[dict[str, Any]]) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in blocks if b["type"] == "actions"
            for e in b["elements"]}


def logged(slack: SlackHarness) -> list[dict[str, Any]]:
    with slack.usage.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(questions).order_by(questions.c.id))
                .mappings()]


# -- asking -------------------------------------------------------------------------------

def test_mention_is_answered_in_its_thread_with_citations(slack):
    event = slack.mention("How do I reset my MFA?")
    post = slack.fake.wait_for("chat.postMessage")[0].body
    assert post["channel"] == CHANNEL and post["thread_ts"] == event["ts"]
    assert post["unfurl_links"] is False
    shown = texts(post["blocks"])
    assert "*Sources*" in shown and "MFA" in shown and "[1]" in shown
    assert {"feedback_helpful", "feedback_unhelpful", "ask_person"} <= set(
        action_values(post["blocks"]))
    [row] = logged(slack)
    assert row["surface"] == "slack" and row["status"] == "answered"
    assert row["question"] == "How do I reset my MFA?" and row["citations"]
    assert STAFF not in str(row) and CHANNEL not in str(row)  # pseudonymised


def test_direct_message_is_answered_in_the_dm(slack):
    status, _ = slack.event({"type": "message", "channel_type": "im", "channel": DM,
                             "user": STAFF, "text": "Can I email a risk assessment to the council?",
                             "ts": new_ts(), "team": TEAM})
    assert status == 200
    post = slack.fake.wait_for("chat.postMessage")[0].body
    assert post["channel"] == DM and post.get("thread_ts") is None
    assert "*Sources*" in texts(post["blocks"])


def test_follow_up_in_a_thread_uses_the_earlier_turn(slack):
    first = slack.mention("Can I put OFFICIAL data into ChatGPT?")
    slack.fake.wait_for("chat.postMessage")
    slack.mention("And OFFICIAL-SENSITIVE?", thread_ts=first["ts"])
    post = slack.fake.wait_for("chat.postMessage", 2)[1].body
    assert post["thread_ts"] == first["ts"]
    rows = logged(slack)
    assert rows[1]["status"] == "answered"
    assert "ai-tools-guidance" in {c["doc_id"] for c in rows[1]["citations"]}


def test_slash_command_acks_then_answers_privately_with_a_share_button(slack):
    status, body = slack.command("How do I reset my MFA?")
    assert status == 200 and json.loads(body)["text"] == msg.WORKING  # the ack
    reply = slack.fake.wait_for("response_url")[0].body
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is True
    values = action_values(reply["blocks"])
    assert "share_answer" in values

    slack.action("share_answer", values["share_answer"])
    shared = slack.fake.wait_for("response_url", 2)[1].body
    assert shared["response_type"] == "in_channel" and shared["delete_original"] is True
    assert f"Shared by <@{STAFF}>" in texts(shared["blocks"])


def test_empty_slash_command_explains_how_to_ask(slack):
    status, body = slack.command("  ")
    assert status == 200 and "/guide" in json.loads(body)["text"]


# -- the answer's buttons -----------------------------------------------------------------

def test_feedback_buttons_and_an_optional_reason_kept_as_guarded(slack):
    slack.mention("How do I reset my MFA?")
    values = action_values(slack.fake.wait_for("chat.postMessage")[0].body["blocks"])
    record_id = values["feedback_helpful"]

    slack.action("feedback_helpful", record_id)
    assert slack.fake.wait_for("response_url")[0].body["text"] == msg.THANKS_HELPFUL

    slack.action("feedback_unhelpful", record_id)
    modal = slack.fake.wait_for("views.open")[0].body
    assert modal["view"]["callback_id"] == "feedback_reason"
    assert modal["view"]["private_metadata"] == record_id
    submission = {"type": "view_submission", "user": {"id": STAFF, "team_id": TEAM},
                  "team": {"id": TEAM}, "view": {
                      "id": "V1", "type": "modal", "callback_id": "feedback_reason",
                      "private_metadata": record_id,
                      "state": {"values": {"reason": {"text": {
                          "type": "plain_text_input",
                          "value": "Didn't cover prisoner A1234BC's case"}}}}}}
    status, _ = slack.post_form({"payload": json.dumps(submission)})
    assert status == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with slack.usage.engine.connect() as conn:
            rows = conn.execute(select(feedback.c.helpful, feedback.c.reason)
                                .order_by(feedback.c.id)).all()
        if rows and rows[-1].reason:
            break
        time.sleep(0.1)
    [vote] = rows  # one vote per person per answer: "not helpful" replaced "helpful"
    assert vote.helpful is False and "A1234BC" not in vote.reason
    assert "[PRISON NUMBER]" in vote.reason


def test_ask_a_person_notifies_the_topic_contact_and_records_it(slack):
    slack.mention("How do I reset my MFA?")
    record_id = action_values(slack.fake.wait_for("chat.postMessage")[0].body["blocks"])[
        "ask_person"]
    slack.action("ask_person", record_id)
    notice = slack.fake.wait_for("chat.postMessage", 2)[1].body
    assert notice["channel"] == "C0ITDESK"  # the MFA document's contact, not the default
    assert "How do I reset my MFA?" in notice["text"] and f"<@{STAFF}>" in notice["text"]
    assert "test.slack.example/archives" in notice["text"]  # a link to the conversation
    told = slack.fake.wait_for("response_url")[0].body
    assert "<#C0ITDESK>" in told["text"]
    with slack.usage.engine.connect() as conn:
        topic, contact = conn.execute(select(escalations.c.topic, escalations.c.contact)).one()
    assert (topic, contact) == ("mfa-password-reset", "C0ITDESK")


def test_user_group_contact_is_pinged_in_the_default_channel(make_slack):
    slack = make_slack(escalation_contacts={"mfa": "S0ITTEAM", "default": "C0GUIDEHELP"})
    slack.mention("How do I reset my MFA?")
    record_id = action_values(slack.fake.wait_for("chat.postMessage")[0].body["blocks"])[
        "ask_person"]
    slack.action("ask_person", record_id)
    notice = slack.fake.wait_for("chat.postMessage", 2)[1].body
    assert notice["channel"] == "C0GUIDEHELP"
    assert notice["text"].startswith("<!subteam^S0ITTEAM>")


# -- what must never happen ----------------------------------------------------------------

def test_bad_signature_and_stale_timestamp_are_rejected(slack):
    body = json.dumps(event_body({"type": "app_mention", "user": STAFF, "text": "hi",
                                  "ts": new_ts(), "channel": CHANNEL}))
    forged = signed_headers(body, secret="not-the-secret")
    assert slack.post_raw(body, forged)[0] == 401
    stale = signed_headers(body, timestamp=int(time.time()) - 600)
    assert slack.post_raw(body, stale)[0] == 401
    slack.fake.settle()
    assert slack.fake.of("chat.postMessage") == [] and logged(slack) == []


def test_malformed_signed_payload_gets_a_clear_refusal(slack):
    body = "payload=%7Bnot-json"
    status, _ = slack.post_raw(body, signed_headers(
        body, content_type="application/x-www-form-urlencoded"))
    assert status in (400, 404)
    # signed and JSON, but its parts are not the shapes Slack sends: refused, not a 500
    for payload in ({**event_body({}), "event": "app_mention"},
                    {**event_body({}), "actions": "feedback_helpful"}, ["event_callback"]):
        body = json.dumps(payload)
        assert slack.post_raw(body, signed_headers(body)) == (400, "malformed request")
    assert slack.fake.of("chat.postMessage") == []


def test_blocked_question_is_answered_privately_and_nothing_is_logged(slack, caplog):
    caplog.set_level(logging.INFO)
    slack.mention("Can I email prisoner A1234BC's risk assessment, DOB 12/03/1985?")
    private = slack.fake.wait_for("chat.postEphemeral")[0].body
    assert private["user"] == STAFF and private["channel"] == CHANNEL
    assert "A1234BC" not in private["text"] and "12/03/1985" not in private["text"]
    assert "general question" in private["text"]
    slack.fake.settle()
    assert slack.fake.of("chat.postMessage") == []  # never in the channel
    with slack.usage.engine.connect() as conn:
        dump = "\n".join(str(tuple(r)) for t in ("usage_questions", "usage_feedback",
                                                 "usage_audit")
                         for r in conn.execute(text(f"SELECT * FROM {t}")))
    assert "A1234BC" not in dump and "1985" not in dump
    [row] = logged(slack)
    assert row["status"] == "blocked" and row["question"] is None
    assert "A1234BC" not in caplog.text


def test_a_failure_ends_in_a_friendly_message(slack, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(slack.assistant, "ask", broken)
    slack.mention("How do I reset my MFA?")
    post = slack.fake.wait_for("chat.postMessage")[0].body
    assert post["text"].startswith("Sorry, something went wrong")


def test_ten_thousand_character_answer_is_posted_within_limits():
    quote = "Staff must use the secure portal. " * 30
    answer = Answer(status="answered", text=("All staff must follow the policy. " * 300)[:10_000],
                    record_id="r1", citations=[
                        Citation(number=n, doc_id=f"d{n}", title=f"Doc {n} <!channel>",
                                 source="/kb/d.md", quote=quote, chunk_id=f"c{n}",
                                 content_hash="h") for n in range(1, 61)])
    with FakeSlack() as fake:
        client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
        SlackGuide.post(client, CHANNEL, "1.0", answer)
        posts = [c.body for c in fake.of("chat.postMessage")]
    assert len(posts) >= 2  # 50 blocks a message at most
    for post in posts:
        assert len(post["blocks"]) <= 50 and len(post["text"]) <= 3000
        for block in post["blocks"]:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= SECTION_CHARS
        assert "<!channel>" not in json.dumps(post)  # escaped, so it can never ping
    assert "actions" in [b["type"] for b in posts[-1]["blocks"]]  # buttons on the last one
    assert sum(len(b["text"]["text"]) for b in posts[0]["blocks"][:4]) >= 9_900


# -- production behaviour -----------------------------------------------------------------

def test_a_retried_event_is_answered_once(slack):
    event = {"type": "app_mention", "user": STAFF, "text": "<@U0GUIDE> How do I reset my MFA?",
             "ts": new_ts(), "channel": CHANNEL}
    assert slack.event(event, event_id="EvSAME")[0] == 200
    assert slack.event(event, event_id="EvSAME",
                       headers={"X-Slack-Retry-Num": "1",
                                "X-Slack-Retry-Reason": "http_timeout"})[0] == 200
    assert slack.event(event, event_id="EvOTHER")[0] == 200  # same message, another event id
    slack.fake.wait_for("chat.postMessage")
    slack.fake.settle(1.0)
    assert len(slack.fake.of("chat.postMessage")) == 1 and len(logged(slack)) == 1


def test_two_replicas_sharing_a_database_answer_once(make_slack, usage_db_url):
    first = make_slack(usage_url=usage_db_url)
    second = make_slack(usage_url=usage_db_url, fake=first.fake)
    event = {"type": "app_mention", "user": STAFF, "text": "<@U0GUIDE> How do I reset my MFA?",
             "ts": new_ts(), "channel": CHANNEL}
    results: list[int] = []
    threads = [threading.Thread(target=lambda h=h: results.append(h.event(
        event, event_id="EvREPLICA")[0])) for h in (first, second, first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 4
    first.fake.wait_for("chat.postMessage")
    first.fake.settle(1.0)
    assert len(first.fake.of("chat.postMessage")) == 1
    assert len(logged(first)) == 1


def test_rate_limited_post_is_retried_once_after_retry_after(slack):
    slack.fake.script("chat.postMessage", 429, {"ok": False, "error": "ratelimited"},
                      {"Retry-After": "1"})
    slack.mention("How do I reset my MFA?")
    posts = slack.fake.wait_for("chat.postMessage", 2)
    slack.fake.settle()
    assert len(slack.fake.of("chat.postMessage")) == 2
    assert posts[0].body == posts[1].body  # the same message, sent again


# -- App Home and trainers ----------------------------------------------------------------

def test_app_home_shows_guidance_and_figures_only_to_managers(slack):
    slack.mention("How do I reset my MFA?")
    slack.fake.wait_for("chat.postMessage")
    for user in (STAFF, MANAGER):
        slack.event({"type": "app_home_opened", "user": user, "channel": "D0HOME",
                     "tab": "home", "event_ts": new_ts()})
    views = slack.fake.wait_for("views.publish", 2)
    by_user = {c.body["user_id"]: texts(c.body["view"]["blocks"]) for c in views}
    assert "Please don't paste personal details" in by_user[STAFF]
    assert "Data Sharing Policy" in by_user[STAFF] and "Try asking" in by_user[STAFF]
    assert "Usage in the last 30 days" not in by_user[STAFF]
    assert "Usage in the last 30 days" in by_user[MANAGER]


def test_trainer_shares_a_pdf_which_is_downloaded_and_ingested(slack, tmp_path):
    pdf = make_pdf(tmp_path / "lone-working.pdf", [[
        ("h1", "Lone Working Procedure"),
        ("p", "Staff visiting people on probation alone must phone the duty desk every two "
              "hours and record the visit in the lone working log."),
    ]], title="Lone Working Procedure")
    slack.fake.add_file("F0PDF", "lone-working.pdf", pdf.read_bytes(), "application/pdf")
    slack.event({"type": "message", "subtype": "file_share", "channel_type": "im",
                 "channel": "D0TRAINER", "user": TRAINER, "text": "", "ts": new_ts(),
                 "team": TEAM, "files": [{"id": "F0PDF", "name": "lone-working.pdf"}]})
    replies = slack.fake.wait_for("chat.postMessage", 2, timeout=300)  # read in a worker
    assert "Added *Lone Working Procedure*" in replies[1].body["text"]
    [download] = slack.fake.of("download")
    assert download.headers["Authorization"] == f"Bearer {BOT_TOKEN}"

    slack.mention("How often must lone workers phone the duty desk?")
    answer = slack.fake.wait_for("chat.postMessage", 3)[2].body
    assert "Lone Working Procedure" in texts(answer["blocks"])
    with slack.usage.engine.connect() as conn:
        action, target = conn.execute(text("SELECT action, target FROM usage_audit")).one()
    assert (action, target) == ("upload", "lone-working.pdf")


def test_a_bad_upload_is_reported_and_not_indexed(slack):
    slack.fake.add_file("F0DOC", "old-policy.doc", b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    slack.fake.add_file("F0BAD", "broken.pdf", b"%PDF-1.4 this is not really a pdf")
    slack.event({"type": "message", "subtype": "file_share", "channel_type": "im",
                 "channel": "D0TRAINER", "user": TRAINER, "text": "", "ts": new_ts(),
                 "team": TEAM, "files": [{"id": "F0DOC", "name": "old-policy.doc"},
                                         {"id": "F0BAD", "name": "broken.pdf"}]})
    replies = [c.body["text"] for c in slack.fake.wait_for("chat.postMessage", 4, timeout=60)]
    assert "legacy Word 97 format" in replies[1]
    assert replies[3].startswith("I couldn't add broken.pdf")
    assert not any("broken" in e.source for e in slack.assistant.kb.catalog.all())


def test_someone_who_is_not_a_trainer_is_refused_politely(slack):
    slack.fake.add_file("F0X", "policy.pdf", b"%PDF-1.4")
    slack.event({"type": "message", "subtype": "file_share", "channel_type": "im",
                 "channel": DM, "user": STAFF, "text": "", "ts": new_ts(), "team": TEAM,
                 "files": [{"id": "F0X", "name": "policy.pdf"}]})
    reply = slack.fake.wait_for("chat.postMessage")[0].body
    assert reply["text"] == msg.NOT_A_TRAINER
    slack.fake.settle()
    assert slack.fake.of("download") == [] and slack.fake.of("files.info") == []


# -- the assistant pane and Socket Mode ---------------------------------------------------

def test_assistant_pane_welcomes_then_streams_a_cited_answer(slack):
    thread = {"user_id": STAFF, "channel_id": "D0PANE", "thread_ts": "1700000001.000100",
              "context": {}}
    slack.event({"type": "assistant_thread_started", "assistant_thread": thread,
                 "event_ts": new_ts()})
    welcome = slack.fake.wait_for("chat.postMessage")[0].body
    assert welcome["text"] == msg.WELCOME and welcome["thread_ts"] == thread["thread_ts"]
    prompts = slack.fake.wait_for("assistant.threads.setSuggestedPrompts")[0].body
    assert "How do I reset my MFA?" in json.dumps(prompts)

    slack.event({"type": "message", "channel_type": "im", "channel": "D0PANE", "user": STAFF,
                 "text": "How do I reset my MFA?", "ts": new_ts(),
                 "thread_ts": thread["thread_ts"], "team": TEAM})
    status = slack.fake.wait_for("assistant.threads.setStatus")[0].body
    assert status["status"] == msg.STATUS_WORKING
    stopped = slack.fake.wait_for("chat.stopStream")[0].body
    started = slack.fake.of("chat.startStream")[0].body
    streamed = json.dumps(started.get("chunks")) + json.dumps(stopped.get("chunks"))
    assert "[1]" in streamed  # the answer text, with its markers
    assert "*Sources*" in texts(stopped["blocks"])
    assert "feedback_helpful" in action_values(stopped["blocks"])


def test_socket_mode_round_trip_acks_the_envelope(make_slack):
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from websockets.sync.server import serve

    from bench.fakes.slack import APP_TOKEN

    slack = make_slack()  # the same Bolt app as over HTTP, now reached over a websocket
    event = {"type": "app_mention", "user": STAFF, "channel": CHANNEL, "ts": new_ts(),
             "text": "<@U0GUIDE> How do I reset my MFA?"}
    envelope = {"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False,
                "retry_attempt": 0, "retry_reason": "", "payload": event_body(event)}
    acks: list[dict[str, Any]] = []

    def session(ws: Any) -> None:
        ws.send(json.dumps({"type": "hello", "num_connections": 1}))
        ws.send(json.dumps(envelope))
        for message in ws:
            acks.append(json.loads(message))

    with serve(session, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        slack.fake.socket_url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/link"
        handler = SocketModeHandler(slack.slack_app, app_token=APP_TOKEN,
                                    web_client=WebClient(base_url=slack.fake.api_url))
        handler.connect()
        try:
            post = slack.fake.wait_for("chat.postMessage")[0].body
            deadline = time.monotonic() + 10
            while not acks and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            handler.close()
            server.shutdown()
    assert acks and acks[0]["envelope_id"] == "env-1"
    [opened] = slack.fake.of("apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"
    assert post["thread_ts"] == event["ts"] and "*Sources*" in texts(post["blocks"])
