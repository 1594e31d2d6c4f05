"""The Slack app manifest matches what the bot listens for; rendering rules; settings."""

from __future__ import annotations

import yaml

from assistant.answer import Answer
from channels.server import build_channels
from channels.slack.escalation import destination, mention, route
from channels.slack.render import answer_messages, escape, split_text
from config.settings import Settings
from tests.conftest import ROOT

MANIFEST = ROOT / "channels" / "slack" / "manifest.yaml"


def test_manifest_subscribes_to_everything_the_bot_handles():
    manifest = yaml.safe_load(MANIFEST.read_text())
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.im", "app_home_opened", "assistant_thread_started"} <= events
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/guide"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "files:read", "im:history",
            "assistant:write", "usergroups:read"} <= scopes
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_escape_stops_mentions_and_split_respects_limits():
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    pieces = split_text("word " * 2000, 3000)
    assert all(len(p) <= 3000 for p in pieces) and "".join(pieces).count("word") == 2000


def test_statuses_other_than_answered_read_as_such():
    blocked = answer_messages(Answer(status="blocked", text="Not with personal data.",
                                     record_id="r"))[0]
    assert not [b for b in blocked["blocks"] if b["type"] == "actions"]  # nothing to click
    gap = answer_messages(Answer(status="cannot_answer", text="The guidance doesn't say.",
                                 record_id="r"))[0]
    actions = [e["action_id"] for b in gap["blocks"] if b["type"] == "actions"
               for e in b["elements"]]
    assert "ask_person" in actions and gap["blocks"][0]["text"]["text"].startswith(
        ":information_source:")


def test_escalation_routes_by_cited_document_then_question_words():
    contacts = {"data-sharing-policy": "C0IG", "mfa": "S0IT", "default": "C0HELP"}
    assert route(contacts, "Can I email it?", ["data-sharing-policy"]) == (
        "data-sharing-policy", "C0IG")
    assert route(contacts, "How do I reset MFA?", ["other"]) == ("mfa", "S0IT")
    assert route(contacts, "Something else", []) == ("default", "C0HELP")
    assert route({}, "anything", []) is None
    assert mention("S0IT") == "<!subteam^S0IT>" and mention("U1") == "<@U1>"
    assert destination("S0IT", contacts, "C0ASKER") == "C0HELP"
    assert destination("S0IT", {"mfa": "S0IT"}, "C0ASKER") == "C0ASKER"


def test_slack_settings_from_slack_variable_names(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
    monkeypatch.setenv("GUIDE_SLACK_TRAINERS", "U1, U2")
    monkeypatch.setenv("GUIDE_ESCALATION_CONTACTS", "default=C1,mfa=S2")
    settings = Settings()
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1"
    assert settings.slack_trainers == ["U1", "U2"]
    assert settings.escalation_contacts == {"default": "C1", "mfa": "S2"}


def test_serving_without_slack_tokens_serves_the_web_app_alone(settings, kb):
    from assistant.core import Assistant
    from usage.log import UsageLog

    usage = UsageLog.open(f"sqlite:///{settings.data_dir / 'u.sqlite3'}", b"k" * 32)
    channels = build_channels(settings, Assistant(settings, kb), usage)
    assert channels.slack_app is None and "not configured" in channels.slack_status
    assert "/slack/events" not in [r.path for r in channels.web.routes]
