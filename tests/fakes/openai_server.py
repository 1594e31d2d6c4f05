"""A local OpenAI-compatible chat server (stdlib, port 0) that records requests and replies
with whatever the test's ``responder`` writes, the way vLLM or llama.cpp would answer: whole,
or, when the request asks to stream, as server-sent chunks of ``piece_chars`` characters sent
``piece_delay`` seconds apart (HTTP chunked, so each arrives on its own)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from bench.fakes.loopback import Loopback, QuietHandler

Responder = Callable[[dict[str, Any]], str]


class FakeOpenAI(Loopback[dict[str, Any]]):
    def __init__(self, responder: Responder, piece_chars: int = 6,
                 piece_delay: float = 0.0) -> None:
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
                if body.get("stream"):
                    self.stream(body, content)
                    return
                reply = {
                    "id": "chatcmpl-test", "object": "chat.completion",
                    "created": int(time.time()), "model": body.get("model", "test"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                self.send(200, json.dumps(reply).encode())

            def stream(self, body: dict[str, Any], content: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                pieces = [content[i:i + piece_chars]
                          for i in range(0, len(content), piece_chars)]
                for n, piece in enumerate(pieces, start=1):
                    self.event(body, {"content": piece} if n > 1 else
                               {"role": "assistant", "content": piece}, None)
                    time.sleep(piece_delay)
                self.event(body, {}, "stop")
                self.chunk(b"data: [DONE]\n\n")
                self.chunk(b"")

            def event(self, body: dict[str, Any], delta: dict[str, str],
                      finish: str | None) -> None:
                data = {"id": "chatcmpl-test", "object": "chat.completion.chunk",
                        "created": int(time.time()), "model": body.get("model", "test"),
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                self.chunk(f"data: {json.dumps(data)}\n\n".encode())

            def chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        super().__init__(Handler)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """What the assistant sent: path, body and Authorization header, oldest first."""
        return self.calls

    @property
    def url(self) -> str:
        return super().url + "/v1"

    def llm_settings(self) -> dict[str, Any]:
        """Settings overrides for an assistant in LLM mode against this server."""
        return {"llm_provider": "openai", "llm_base_url": self.url, "llm_api_key": "test-key",
                "llm_model": "test-model", "llm_timeout_s": 10}
