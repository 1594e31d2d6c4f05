"""Guide's Slack app served through the production HTTP adapter on a free port, talking to
the fake Slack Web API; helpers to POST signed events, commands and actions to it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_sdk import WebClient

from assistant.core import Assistant
from bench.fakes.slack import BOT_TOKEN, BOT_USER, SIGNING_SECRET, TEAM, FakeSlack, signed_headers
from bench.live_server import LiveServer
from channels.slack.app import build_slack_app
from channels.web.app import build_web_app
from config.settings import Settings
from knowledge.base import KnowledgeBase
from tests.channel_harness import harness_factory
from usage.log import UsageLog

STAFF = "U0STAFF"
TRAINER = "U0TRAINER"
MANAGER = "U0MANAGER"
CHANNEL = "C0GENERAL"
DM = "D0STAFF"


def http_post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def new_ts() -> str:
    return f"{time.time():.6f}"


@dataclass
class SlackHarness:
    fake: FakeSlack
    usage: UsageLog
    assistant: Assistant
    server: LiveServer
    slack_app: Any

    @property
    def events_url(self) -> str:
        return self.server.url + "/slack/events"

    def post_raw(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        return http_post(self.events_url, body, headers)

    def post_form(self, form: dict[str, str]) -> tuple[int, str]:
        body = urlencode(form)
        return http_post(self.events_url, body, signed_headers(
            body, content_type="application/x-www-form-urlencoded"))

    def event(self, event: dict[str, Any], event_id: str | None = None,
              headers: dict[str, str] | None = None) -> tuple[int, str]:
        payload = event_body(event, event_id)
        body = json.dumps(payload)
        return http_post(self.events_url, body, {**signed_headers(body), **(headers or {})})

    def mention(self, text: str, user: str = STAFF, thread_ts: str | None = None,
                ts: str | None = None) -> dict[str, Any]:
        event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}",
                 "ts": ts or new_ts(), "channel": CHANNEL, "team": TEAM}
        if thread_ts:
            event["thread_ts"] = thread_ts
        status, _ = self.event(event)
        assert status == 200
        return event

    def command(self, text: str, user: str = STAFF) -> tuple[int, str]:
        return self.post_form({
            "token": "legacy", "team_id": TEAM, "channel_id": CHANNEL, "user_id": user,
            "command": "/guide", "text": text, "trigger_id": "trig-1",
            "response_url": f"{self.fake.url}/response/{uuid.uuid4().hex[:8]}"})

    def action(self, action_id: str, value: str, user: str = STAFF,
               message_ts: str = "1700000000.000200") -> tuple[int, str]:
        payload = {
            "type": "block_actions", "user": {"id": user, "team_id": TEAM},
            "team": {"id": TEAM}, "api_app_id": "A0GUIDE", "channel": {"id": CHANNEL},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": CHANNEL},
            "trigger_id": "trig-2", "response_url": f"{self.fake.url}/response/act",
            "actions": [{"action_id": action_id, "block_id": "guide_answer_actions",
                         "type": "button", "value": value, "action_ts": new_ts()}],
        }
        return self.post_form({"payload": json.dumps(payload)})


def event_body(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {"token": "legacy", "team_id": TEAM, "api_app_id": "A0GUIDE",
            "type": "event_callback", "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}",
            "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}]}


def slack_settings(data_dir, fake: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir, "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET, "slack_mode": "http",
        "slack_api_url": fake.api_url, "slack_trainers": [TRAINER],
        "slack_managers": [MANAGER],
        "escalation_contacts": {"mfa-password-reset": "C0ITDESK", "default": "C0GUIDEHELP"},
    }
    values.update(overrides)
    return Settings(**values)


def build_harness(settings: Settings, kb: KnowledgeBase, fake: FakeSlack,
                  usage: UsageLog) -> SlackHarness:
    assistant = Assistant(settings, kb, usage=usage)
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    app = build_slack_app(settings, assistant, usage, client=client)
    server = LiveServer(build_web_app(settings, assistant, usage, slack_app=app)).__enter__()
    return SlackHarness(fake, usage, assistant, server, app)


def slack_harnesses(tmp_path: Path, kb: KnowledgeBase, key: bytes
           ) -> AbstractContextManager[Callable[..., Any]]:
    """``make(usage_url=None, fake=None, **settings)``: running harnesses for one test."""
    return harness_factory(tmp_path, kb, FakeSlack, slack_settings, build_harness, key)
