"""The web chat in LLM mode: the model's words reach the page as it writes them (JSON lines
from /api/ask), and the checked answer replaces them; a fallback replaces them too."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from assistant.core import Assistant
from bench.live_server import LiveServer
from channels.web.app import build_web_app
from config.settings import Settings
from tests.channels.web.test_web import csrf
from tests.channels.web.test_web_browser import (  # noqa: F401 (fixtures)
    CHROMIUM,
    browser,
    page,
)
from tests.fakes.model_replies import (
    answer_first,
    good,
    invalid_json,
    sources_in,
    streamed,
    unsupported,
)
from tests.fakes.openai_server import FakeOpenAI
from usage.log import UsageLog

pytestmark = pytest.mark.integration
QUESTION = "How do I reset my MFA?"


@pytest.fixture
def chat(tmp_path, sample_kb) -> Iterator[Any]:
    """A web app in LLM mode; ``chat(responder, **fake)`` yields (client or url, fake)."""
    usage = UsageLog.open(f"sqlite:///{tmp_path / 'usage.sqlite3'}", b"s" * 32)

    def app_for(fake: FakeOpenAI) -> Any:
        settings = Settings(data_dir=tmp_path / "data", **fake.llm_settings())
        return build_web_app(settings, Assistant(settings, sample_kb, usage=usage), usage)

    yield app_for
    usage.engine.dispose()


def ask_lines(client: TestClient, question: str) -> list[dict[str, Any]]:
    token = csrf(client, "/")
    with client.stream("POST", "/api/ask", json={"question": question},
                       headers={"X-CSRF-Token": token,
                                "Accept": "application/x-ndjson"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        return [json.loads(line) for line in response.iter_lines() if line.strip()]


def test_the_answer_streams_as_lines_then_comes_whole_with_its_citation(chat):
    with FakeOpenAI(good) as fake, TestClient(chat(fake)) as client:
        lines = ask_lines(client, QUESTION)
        *pieces, last = lines
        expected = streamed(fake.requests[0]["body"])
        assert len(pieces) >= 2 and all(set(p) == {"text"} for p in pieces)  # by sentence
        assert "".join(p["text"] for p in pieces) == expected
        answer = last["answer"]
        assert answer["status"] == "answered" and answer["text"] == expected + " [1]"
        assert answer["citations"]
        for cited in answer["citations"]:  # both quotes, of source 1
            assert cited["quote"] in sources_in(fake.requests[0]["body"])[1]
        assert fake.requests[0]["body"]["stream"] is True

        # a client that asks for JSON gets the one object, as before
        token = csrf(client, "/")
        whole = client.post("/api/ask", json={"question": QUESTION},
                            headers={"X-CSRF-Token": token})
        assert whole.headers["content-type"].startswith("application/json")
        assert whole.json()["text"] == answer["text"]


def test_a_reply_broken_after_its_text_streamed_ends_with_the_fallback(chat):
    with FakeOpenAI(invalid_json) as fake, TestClient(chat(fake)) as client:
        *pieces, last = ask_lines(client, QUESTION)
    assert pieces  # the model's words were shown while it wrote...
    answer = last["answer"]  # ...and the quoted answer replaces them
    assert answer["status"] == "answered" and answer["notice"]
    assert streamed(fake.requests[0]["body"])[:40] not in answer["text"]


@pytest.mark.parametrize("reply", [answer_first, unsupported])
def test_words_no_quote_supports_never_stream_nor_stay(chat, reply):
    with FakeOpenAI(reply) as fake, TestClient(chat(fake)) as client:
        lines = ask_lines(client, QUESTION)
    every = json.dumps(lines)
    assert "outside-example" not in every and "recovery codes" not in every
    answer = lines[-1]["answer"]
    assert answer["status"] == "answered" and answer["citations"]  # the quotes still stand


def test_a_refusal_is_one_line_and_never_reaches_the_model(chat):
    with FakeOpenAI(good) as fake, TestClient(chat(fake)) as client:
        (only,) = ask_lines(client, "Can I email prisoner A1234BC's risk assessment?")
    assert only["answer"]["status"] == "blocked" and fake.requests == []


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} "
                    "(apt-get install chromium)")
def test_the_page_shows_the_words_as_they_come_then_the_checked_answer(chat, page):  # noqa: F811
    from playwright.sync_api import expect

    with FakeOpenAI(good, piece_chars=4, piece_delay=0.04) as fake, \
            LiveServer(chat(fake)) as server:
        page.goto(server.url + "/")
        page.fill("#question", QUESTION)
        page.click("form.ask button")
        draft = page.locator("article.draft .text")
        expect(draft).to_have_text(re.compile(r".{20,}"))  # part of the answer, so far
        shown = draft.text_content() or ""
        assert streamed(fake.requests[0]["body"]).startswith(shown.strip()[:20])
        answer = page.locator("article.answer.answered")
        answer.wait_for()
        assert answer.locator("p.text").text_content().endswith("[1]")
        assert answer.locator("blockquote.quote").count() >= 1
        assert page.locator("article.draft").count() == 0
