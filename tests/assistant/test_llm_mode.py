"""LLM mode against a local OpenAI-compatible server: a good answer, an invented citation,
a quote that is not in its source, and an unreachable server."""

from __future__ import annotations

import io
import json
import shutil
import socket

import pytest
from rich.console import Console

from assistant.cli import answer_live
from assistant.core import Assistant
from config.settings import Settings
from ingest.pipeline import Ingestor
from knowledge.base import KnowledgeBase
from tests.conftest import SAMPLE
from tests.fakes.model_replies import first_sentence, sources_in
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.integration
QUESTION = "Can I email a risk assessment to the council?"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, real_embeddings):
    root = tmp_path_factory.mktemp("llm")
    shutil.copytree(SAMPLE, root / "kb")
    settings = Settings(data_dir=root / "data")
    kb = KnowledgeBase(settings, real_embeddings)
    Ingestor(settings, kb).run([root / "kb"])
    return settings, kb


def assistant_for(indexed, url: str) -> Assistant:
    settings, kb = indexed
    llm = settings.model_copy(update={"llm_provider": "openai", "llm_base_url": url,
                                      "llm_model": "test-model", "llm_timeout_s": 5})
    return Assistant(llm, kb)


def test_good_answer_is_checked_and_numbered_by_guide(indexed):
    def responder(body):
        src = sources_in(body)
        quote = first_sentence(src[2])
        return json.dumps({"status": "answered",
                           "answer": "Yes, but only by secure email [7].",
                           "citations": [{"source": 2, "quote": quote}]})

    with FakeOpenAI(responder) as fake:
        answer = assistant_for(indexed, fake.url).ask(QUESTION)
    assert answer.mode == "llm" and answer.status == "answered"
    assert answer.text == "Yes, but only by secure email. [1]"  # the model's [7] is gone
    (cite,) = answer.citations
    assert cite.number == 1 and cite.quote in sources_in(fake.requests[0]["body"])[2]
    assert answer.prompt_version and answer.notice is None
    request = fake.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["body"]["model"] == "test-model"
    assert "A1234BC" not in json.dumps(request["body"])


@pytest.mark.parametrize("reply", [
    {"status": "answered", "answer": "Yes.", "citations": [{"source": 9, "quote": "Yes"}]},
    {"status": "answered", "answer": "Yes.",
     "citations": [{"source": 1, "quote": "You may always email anything to anyone."}]},
    {"status": "answered", "answer": "Yes.", "citations": []},
    "not json at all",
])
def test_unverifiable_reply_falls_back_to_extractive(indexed, reply):
    content = reply if isinstance(reply, str) else json.dumps(reply)
    with FakeOpenAI(lambda body: content) as fake:
        answer = assistant_for(indexed, fake.url).ask(QUESTION)
    assert answer.mode == "extractive" and answer.status == "answered"
    assert answer.notice and "quoted directly" in answer.notice
    assert "anything to anyone" not in answer.text


def test_model_says_sources_do_not_answer(indexed):
    reply = json.dumps({"status": "cannot_answer", "answer": "", "citations": []})
    with FakeOpenAI(lambda body: reply) as fake:
        answer = assistant_for(indexed, fake.url).ask(QUESTION)
    assert answer.status == "cannot_answer" and answer.contact


def test_unreachable_server_falls_back(indexed):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    answer = assistant_for(indexed, f"http://127.0.0.1:{port}/v1").ask(QUESTION)
    assert answer.status == "answered" and answer.mode == "extractive"
    assert answer.notice and answer.citations


def test_blocked_question_never_sent_to_model(indexed):
    with FakeOpenAI(lambda body: "{}") as fake:
        answer = assistant_for(indexed, fake.url).ask(
            "Can I email prisoner A1234BC's risk assessment to the council?")
    assert answer.status == "blocked" and fake.requests == []


def test_a_terminal_shows_the_models_words_then_clears_them_for_the_answer(indexed):
    def responder(body):
        quote = first_sentence(sources_in(body)[2])
        return json.dumps({"citations": [{"source": 2, "quote": quote}],
                           "answer": "Yes, but only by secure email [2]."})

    terminal, piped = io.StringIO(), io.StringIO()
    with FakeOpenAI(responder) as fake:
        assistant = assistant_for(indexed, fake.url)
        answer = answer_live(Console(file=terminal, force_terminal=True, width=120),
                             lambda: assistant.ask(QUESTION))
        again = answer_live(Console(file=piped), lambda: assistant.ask(QUESTION))
    assert answer.text == again.text == "Yes, but only by secure email. [1]"
    drawn = terminal.getvalue()
    assert "Yes, but only by secure email." in drawn and "[1]" not in drawn  # the model's words
    assert "\x1b[2K" in drawn  # ...erased when the answer was ready (the caller prints it)
    assert piped.getvalue() == ""  # not a terminal: nothing drawn
