"""LLM mode against a real OpenAI-compatible server: llama.cpp (xllamacpp) serving
SmolLM2-135M-Instruct on loopback, one thread, an API key required.

The model is far too small to answer well, so nothing here asserts on what it says: only on
the protocol. Replies are constrained by the JSON schema Guide sends; quotes are checked word
for word; answer text streams; a misquote, a wrong key and a server that is down all fall back
to the extractive answer with a notice.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant import llm
from assistant import messages as msg
from assistant.core import Assistant
from assistant.extractive import body_of
from assistant.llm import (
    AnswerModel,
    answer_schema,
    build_answer_model,
    draft,
    quotable,
    streaming_to,
)
from assistant.prompts import PROMPT_VERSION
from config.errors import ModelUnavailable
from config.settings import Settings
from ingest.pipeline import Ingestor
from knowledge.base import KnowledgeBase
from tests.llama_server import API_KEY, start_llama_server

pytestmark = pytest.mark.integration
QUESTION = "Can I email a risk assessment to the council?"
# A small knowledge base: the model reads every source of the prompt on one CPU thread.
DOCS = {
    "secure-email.md": """---
title: Secure Email Guide
---
# Secure Email Guide

## Sending to partners

You may email a risk assessment to the council only by secure email. Use the approved secure \
email service for every message that contains personal data.

## Personal accounts

Never send work information from a personal email account such as Gmail.
""",
    "passwords.md": """---
title: Passwords
---
# Passwords

## Length

Passwords must be at least 12 characters long. Change your password if you think someone \
else knows it.
""",
}


@pytest.fixture(scope="module")
def server():
    started = start_llama_server()
    yield started
    started.close()


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, real_embeddings):
    root: Path = tmp_path_factory.mktemp("llama")
    (root / "kb").mkdir()
    for name, text in DOCS.items():
        (root / "kb" / name).write_text(text)
    settings = Settings(data_dir=root / "data")
    kb = KnowledgeBase(settings, real_embeddings)
    assert Ingestor(settings, kb).run([root / "kb"]).ok
    return settings, kb


def llm_settings(settings: Settings, url: str, key: str = API_KEY, **more) -> Settings:
    return settings.model_copy(update={
        "llm_provider": "openai", "llm_base_url": url, "llm_model": "smollm2",
        "llm_api_key": SecretStr(key), "llm_timeout_s": 120, "llm_max_tokens": 256,
        "llm_answer_max_chars": 160, **more})


def assistant_for(indexed, url: str, **more) -> Assistant:
    settings, kb = indexed
    return Assistant(llm_settings(settings, url, **more), kb)


def sources_for(indexed) -> list[tuple[str, str]]:
    _, kb = indexed
    assistant = Assistant(indexed[0], kb)
    hits = assistant.retriever.search(QUESTION, k=5)
    return [(h.meta.get("title", ""), body_of(h)) for h in hits]


def test_reply_is_constrained_by_the_json_schema(server, indexed):
    """Called directly: the server honours response_format, so every quote the tiny model
    picks is one of its source's own sentences, and the reply parses."""
    sources = sources_for(indexed)
    bodies = [body for _, body in sources]
    model = build_answer_model(llm_settings(indexed[0], server.url))
    assert isinstance(model, AnswerModel) and model.json_schema
    drafted = draft(model, QUESTION, [], sources)
    assert drafted.status == "answered" and drafted.quotes
    for index, quote in drafted.quotes:
        assert quote in quotable(bodies[index]) and quote in bodies[index]


@pytest.fixture(scope="module")
def streamed(server, indexed):
    """One question through the whole pipeline, streamed (the model's slow part, done once)."""
    pieces: list[str] = []
    with streaming_to(pieces.append):
        answer = assistant_for(indexed, server.url).ask(QUESTION)
    return answer, pieces


def test_answer_through_the_pipeline_is_checked_and_numbered_by_guide(streamed, indexed):
    answer, _ = streamed
    assert answer.mode == "llm" and answer.notice is None
    assert answer.prompt_version == PROMPT_VERSION
    assert answer.status == "answered"
    numbers = sorted({c.number for c in answer.citations})
    assert numbers == list(range(1, len(numbers) + 1))  # ours, from 1, no gaps
    for n in numbers:
        assert f"[{n}]" in answer.text
    _, kb = indexed
    for cite in answer.citations:
        assert cite.quote in kb.collection.get(ids=[cite.chunk_id])["documents"][0]


def test_answer_text_streams_before_the_answer_is_returned(streamed):
    answer, pieces = streamed
    # a checked sentence at a time (this small model writes one): only what Guide kept shows
    assert pieces
    streamed_text = "".join(pieces)
    assert streamed_text and answer.text.startswith(streamed_text)
    assert "[" not in streamed_text  # citation markers are Guide's, added to the final answer


def test_misquote_falls_back_to_the_extractive_answer_with_a_notice(server, indexed,
                                                                     monkeypatch):
    """The schema offers each source's sentences with one word changed, so the constrained
    model can only misquote: the check catches it, nothing is streamed, the extractive
    answer is given with a notice."""
    real = llm.quotable
    monkeypatch.setattr(llm, "quotable",
                        lambda body: [s.replace(" ", " not ", 1) for s in real(body)])
    pieces: list[str] = []
    with streaming_to(pieces.append):
        answer = assistant_for(indexed, server.url).ask(QUESTION)
    assert answer.status == "answered" and answer.mode == "extractive"
    assert answer.notice == msg.UNCHECKED_NOTICE
    assert pieces == []  # the misquote was caught before any answer text was shown


def test_without_the_schema_no_unchecked_quote_gets_through(server, indexed):
    """A server that ignores the schema is simulated by not sending it: whatever the model
    writes, an answer either carries only verbatim quotes or is the extractive fallback."""
    answer = assistant_for(indexed, server.url, llm_json_schema=False,
                           llm_max_tokens=96).ask(QUESTION)
    assert answer.status == "answered"
    if answer.mode == "llm":
        assert answer.notice is None
    else:
        assert answer.notice == msg.UNCHECKED_NOTICE
    _, kb = indexed
    for cite in answer.citations:
        assert cite.quote in kb.collection.get(ids=[cite.chunk_id])["documents"][0]


def test_the_api_key_is_sent_and_a_wrong_one_is_refused(server, indexed, streamed):
    """The server refuses requests without its key; Guide's answers above got through, so
    Guide sent it. With a wrong key the model is unavailable and the answer falls back."""
    bare = urllib.request.Request(f"{server.url}/chat/completions", method="POST",
                                  data=b'{"messages": [{"role": "user", "content": "hi"}]}',
                                  headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(bare, timeout=30)
    assert refused.value.code == 401
    assert streamed[0].mode == "llm"
    wrong = build_answer_model(llm_settings(indexed[0], server.url, key="not-the-key"))
    with pytest.raises(ModelUnavailable, match="refused Guide's API key"):
        draft(wrong, QUESTION, [], sources_for(indexed))
    answer = assistant_for(indexed, server.url, key="not-the-key").ask(QUESTION)
    assert answer.mode == "extractive" and answer.notice == msg.FALLBACK_NOTICE
    assert answer.status == "answered" and answer.citations


def test_a_stopped_server_falls_back(indexed):
    """The model server is down (nothing listens on its port): the model is unavailable, and
    the question still gets the extractive answer with a notice, not an error. One llama.cpp
    server per module: a second one started and freed beside it once left a full run waiting
    forever (a futex wait, no CPU)."""
    with socket.socket() as probe:  # a port that was free a moment ago, and is closed now
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    with pytest.raises(ModelUnavailable, match="could not be reached"):
        draft(build_answer_model(llm_settings(indexed[0], url, llm_timeout_s=5)),
              QUESTION, [], sources_for(indexed))
    answer = assistant_for(indexed, url, llm_timeout_s=5).ask(QUESTION)
    assert answer.status == "answered" and answer.mode == "extractive"
    assert answer.notice == msg.FALLBACK_NOTICE and answer.citations


def test_schema_quotes_come_from_their_own_source(indexed):
    sources = sources_for(indexed)
    schema = answer_schema([body for _, body in sources])
    kinds = schema["properties"]["citations"]["items"]["anyOf"]
    assert list(schema["properties"]) == ["citations", "answer"]  # quotes first
    for kind in kinds:
        (n,) = kind["properties"]["source"]["enum"]
        body = sources[n - 1][1]
        assert all(q in body for q in kind["properties"]["quote"]["enum"])
