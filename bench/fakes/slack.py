"""A fake Slack Web API (stdlib HTTP server on port 0) that records what the bot sends.

It answers ``auth.test``, the chat/views/files/assistant methods Guide uses, can be scripted
to reply ``429 + Retry-After`` or ``ok: false``, serves ``url_private_download`` only with
the bot's bearer token, and records posts to ``response_url``. Tests assert on ``calls``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from bench.fakes.loopback import Loopback, QuietHandler

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
SIGNING_SECRET = "test-signing-secret"
TEAM = "T0TEST"
BOT_USER = "U0GUIDE"


@dataclass
class Call:
    method: str  # Web API method, or "response_url" or "download"
    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def decode(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        return json.loads(raw)
    body: dict[str, Any] = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
    for key in ("blocks", "view", "attachments", "chunks", "prompts"):
        if isinstance(body.get(key), str):
            with contextlib.suppress(json.JSONDecodeError):
                body[key] = json.loads(body[key])
    return body


def signed_headers(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/json") -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature,
            "Content-Type": content_type}


class FakeSlack(Loopback[Call]):
    def __init__(self) -> None:
        self.files: dict[str, tuple[str, bytes, str]] = {}  # id -> (name, content, mimetype)
        self.usergroups: dict[str, list[str]] = {}
        self.socket_url: str | None = None
        self._scripts: dict[str, deque[Scripted]] = defaultdict(deque)
        self._ts = itertools.count(1)
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                fake.record(Call("download", self.path, dict(self.headers)))
                parts = self.path.strip("/").split("/")
                if parts[0] != "files" or len(parts) < 2 or parts[1] not in fake.files:
                    self.send(404, b"not found", "text/plain")
                    return
                if self.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
                    # what Slack does without the token: a sign-in page, not the file
                    self.send(200, b"<html><body>Sign in to Slack</body></html>", "text/html")
                    return
                _, content, mimetype = fake.files[parts[1]]
                self.send(200, content, mimetype)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = decode(raw, self.headers.get("Content-Type", ""))
                if self.path.startswith("/response/"):
                    fake.record(Call("response_url", self.path, dict(self.headers), body))
                    self.send(200, b'{"ok": true}', "application/json")
                    return
                method = self.path.removeprefix("/api/").strip("/")
                if fake._scripts[method]:
                    scripted = fake._scripts[method].popleft()
                    fake.record(Call(method, self.path, dict(self.headers), body))
                    self.send(scripted.status, json.dumps(scripted.body).encode(),
                              "application/json", scripted.headers)
                    return
                result = fake.answer(method, body, dict(self.headers))
                fake.record(Call(method, self.path, dict(self.headers), body))
                self.send(200, json.dumps(result).encode(), "application/json")

        super().__init__(Handler)

    # -- what the fake answers --------------------------------------------------------------
    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def answer(self, method: str, body: dict[str, Any], headers: dict[str, str]) -> dict:
        if method == "auth.test":
            return {"ok": True, "url": "https://test.slack.example/", "team": "Test",
                    "user": "guide", "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0GUIDE"}
        if method == "chat.postMessage":
            ts = self.next_ts()
            return {"ok": True, "channel": body.get("channel"), "ts": ts,
                    "message": {"text": body.get("text"), "ts": ts}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self.next_ts()}
        if method in ("chat.startStream",):
            return {"ok": True, "channel": body.get("channel"), "ts": self.next_ts()}
        if method == "chat.getPermalink":
            return {"ok": True, "channel": body.get("channel"),
                    "permalink": f"https://test.slack.example/archives/{body.get('channel')}/p1"}
        if method == "files.info":
            file_id = body.get("file")
            if file_id not in self.files:
                return {"ok": False, "error": "file_not_found"}
            name, content, mimetype = self.files[file_id]
            return {"ok": True, "file": {
                "id": file_id, "name": name, "title": name, "mimetype": mimetype,
                "size": len(content),
                "url_private_download": f"{self.url}/files/{file_id}/{name}"}}
        if method == "usergroups.users.list":
            return {"ok": True, "users": self.usergroups.get(body.get("usergroup"), [])}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        return {"ok": True}  # chat.update, views.*, assistant.threads.*, chat.*Stream

    # -- for tests --------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def script(self, method: str, status: int, body: dict[str, Any],
               headers: dict[str, str] | None = None) -> None:
        """The next call of ``method`` gets this reply instead of the usual one."""
        self._scripts[method].append(Scripted(status, body, headers or {}))

    def add_file(self, file_id: str, name: str, content: bytes,
                 mimetype: str = "application/octet-stream") -> None:
        self.files[file_id] = (name, content, mimetype)

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 30.0) -> list[Call]:
        """Block until ``method`` was called ``count`` times; fail the test otherwise."""
        self.wait_until(lambda _: len(self.of(method)) >= count,
                        timeout, lambda: f"{method} called {len(self.of(method))} times, "
                        f"expected {count}; calls seen: {sorted({c.method for c in self.calls})}")
        return self.of(method)
