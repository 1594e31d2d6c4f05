"""A local OpenAI-compatible chat server (stdlib, port 0) that records requests and replies
with whatever the test's ``responder`` writes, the way vLLM or llama.cpp would answer."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from bench.fakes.loopback import Loopback, QuietHandler

Responder = Callable[[dict[str, Any]], str]


class FakeOpenAI(Loopback[dict[str, Any]]):
    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.record({"path": self.path, "body": body,
                             "auth": self.headers.get("Authorization")})
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404)
                    return
                content = fake.responder(body)
                reply = {
                    "id": "chatcmpl-test", "object": "chat.completion",
                    "created": int(time.time()), "model": body.get("model", "test"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                self.send(200, json.dumps(reply).encode())

        super().__init__(Handler)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """What the assistant sent: path, body and Authorization header, oldest first."""
        return self.calls

    @property
    def url(self) -> str:
        return super().url + "/v1"
