"""Guide's Teams bot served by the production web app on a free port, talking to the fake
of Microsoft's side; helpers to POST activities with signed tokens to it."""

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

from assistant.core import Assistant
from bench.fakes.teams import APP_ID, APP_PASSWORD, TENANT, FakeMicrosoft
from bench.live_server import LiveServer
from channels.teams.endpoint import TeamsEndpoint
from channels.web.app import build_web_app
from config.settings import Settings
from knowledge.base import KnowledgeBase
from tests.channel_harness import harness_factory
from usage.log import UsageLog

STAFF = "aad-staff-0001"
TRAINER = "aad-trainer-0002"
BOT = f"28:{APP_ID}"
CHANNEL = "19:general@thread.tacv2"
HELP_CHANNEL = "19:guide-help@thread.tacv2"
IT_CHANNEL = "19:it-desk@thread.tacv2"


def http_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def new_id() -> str:
    return str(time.time_ns())


def activity(fake: FakeMicrosoft, text: str = "", *, scope: str = "personal",
             user: str = STAFF, conversation: str | None = None, mention: bool = False,
             value: Any = None, attachments: list[dict[str, Any]] | None = None,
             activity_id: str | None = None) -> dict[str, Any]:
    """A message activity as Teams sends it to the bot."""
    activity_id = activity_id or new_id()
    if conversation is None:
        conversation = f"a:1on1-{user}" if scope == "personal" else \
            f"{CHANNEL};messageid={activity_id}" if scope == "channel" else "19:group@thread.v2"
    body: dict[str, Any] = {
        "type": "message", "id": activity_id, "channelId": "msteams",
        "serviceUrl": fake.service_url, "timestamp": "2026-12-02T09:00:00.000Z",
        "from": {"id": f"29:{user}", "name": "Sam Staff", "aadObjectId": user},
        "conversation": {"id": conversation, "conversationType": scope, "tenantId": TENANT},
        "recipient": {"id": BOT, "name": "Guide"},
        "text": f"<at>Guide</at> {text}" if mention else text, "textFormat": "plain",
        "locale": "en-GB", "channelData": {"tenant": {"id": TENANT}},
    }
    if mention:
        body["entities"] = [{"type": "mention", "text": "<at>Guide</at>",
                             "mentioned": {"id": BOT, "name": "Guide"}}]
    if value is not None:
        body["value"] = value
    if attachments:
        body["attachments"] = attachments
    return body


@dataclass
class TeamsHarness:
    fake: FakeMicrosoft
    usage: UsageLog
    assistant: Assistant
    server: LiveServer
    endpoint: TeamsEndpoint

    @property
    def url(self) -> str:
        return self.server.url + "/api/messages"

    def post(self, body: dict[str, Any], token: str | bool | None = True) -> tuple[int, str]:
        """POST an activity; ``token`` True signs it as Teams would, a string is sent as is,
        None sends no Authorization header."""
        headers = {"Content-Type": "application/json"}
        if token is True:
            token = self.fake.inbound_token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return http_post(self.url, json.dumps(body).encode(), headers)

    def send(self, text: str = "", **kwargs: Any) -> dict[str, Any]:
        body = activity(self.fake, text, **kwargs)
        status, _ = self.post(body)
        assert status == 200
        return body

    def replies(self, conversation: str, n: int = 1, timeout: float = 60) -> list[dict[str, Any]]:
        """The first ``n`` messages Guide sent to ``conversation`` (waiting for them)."""
        self.fake.wait_for(lambda _: len(self.fake.activities(conversation)) >= n, timeout)
        return [c.body for c in self.fake.activities(conversation)][:n]


def teams_settings(data_dir: Any, fake: FakeMicrosoft, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir, "teams_app_id": APP_ID, "teams_app_password": APP_PASSWORD,
        "teams_tenant_id": TENANT, "teams_openid_url": fake.openid_url,
        "teams_token_url": fake.token_url, "teams_graph_url": fake.url,
        "teams_trainers": [TRAINER],
        "escalation_contacts": {"mfa-password-reset": f"C0ITDESK|teams:{IT_CHANNEL}",
                                "default": f"teams:{HELP_CHANNEL}"},
    }
    values.update(overrides)
    return Settings(**values)


def build_harness(settings: Settings, kb: KnowledgeBase, fake: FakeMicrosoft,
                  usage: UsageLog) -> TeamsHarness:
    assistant = Assistant(settings, kb, usage=usage)
    endpoint = TeamsEndpoint(settings, assistant, usage)
    server = LiveServer(build_web_app(settings, assistant, usage, teams=endpoint)).__enter__()
    return TeamsHarness(fake, usage, assistant, server, endpoint)


def unique_conversation() -> str:
    return f"a:1on1-{uuid.uuid4().hex[:8]}"


def teams_harnesses(tmp_path: Path, kb: KnowledgeBase, key: bytes
           ) -> AbstractContextManager[Callable[..., Any]]:
    """``make(usage_url=None, fake=None, **settings)``: running harnesses for one test."""
    return harness_factory(tmp_path, kb, FakeMicrosoft, teams_settings, build_harness, key)
