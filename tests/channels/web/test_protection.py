"""Headers on every response and request bodies capped per route (issue 14, defects 1 and 3)."""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from channels.web.protection import BodyLimit, BodyLimits, SecurityHeaders
from tests.channels.web.test_web import csrf, sign_in_trainer

INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)


def assert_protected(response) -> None:
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_every_response_carries_the_security_headers(web):
    client, _, _ = web
    for path in ("/", "/login", "/healthz", "/static/chat.js", "/no-such-page", "/dashboard"):
        assert_protected(client.get(path, follow_redirects=False))
    assert_protected(client.post("/api/ask", json={"question": "hi"}))  # 403: no CSRF token


def test_a_500_carries_the_headers_too():
    async def broken(_: Request) -> PlainTextResponse:
        raise RuntimeError("boom")

    app = Starlette(routes=[Route("/", broken)], middleware=[Middleware(SecurityHeaders)])
    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert_protected(response)


def test_no_page_has_inline_script_or_event_handlers(web):
    client, _, _ = web
    token = sign_in_trainer(client)
    hostile = b"---\ntitle: \"Rota' + alert(1) + '\"\n---\n\n# Rota\n\nThe rota is on Fridays.\n"
    client.post("/documents/upload", data={"csrf": token}, files={"file": ("rota.md", hostile)})
    for path in ("/", "/login", "/documents"):
        page = client.get(path).text
        assert not INLINE_HANDLER.search(page), path
        assert not INLINE_SCRIPT.search(page), path
    documents = client.get("/documents").text
    assert 'data-confirm="Remove Rota&#39; + alert(1) + &#39; from Guide?"' in documents


def test_the_ask_api_refuses_a_huge_body_before_reading_it(web):
    client, _, _ = web
    token = csrf(client, "/")
    huge = client.post("/api/ask", content=b'{"question": "' + b"a." * 30_000 + b'"}',
                       headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
    assert huge.status_code == 413 and "under 2,000 characters" in huge.json()["error"]
    form = client.post("/login", data={"email": "x@example.org", "password": "p" * 20_000,
                                       "csrf": token})
    assert form.status_code == 413


def test_a_streamed_body_is_cut_off_at_the_limit():
    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))

    app = Starlette(routes=[Route("/api/ask", echo, methods=["POST"])],
                    middleware=[Middleware(BodyLimits, limits=[BodyLimit("/api/ask", 100)],
                                           default=1000)])
    client = TestClient(app)

    def chunks(n: int):
        for _ in range(n):
            yield b"x" * 50

    assert client.post("/api/ask", content=chunks(2)).text == "100"
    refused = client.post("/api/ask", content=chunks(3))  # no Content-Length: counted
    assert refused.status_code == 413
    assert client.post("/api/ask", content=b"x", headers={"content-length": "abc"}
                       ).status_code == 400
