"""LLM answers streamed into a Teams 1:1 chat, for real over HTTP: the production web app, the
fake of Microsoft's side recording what the bot sends, and a local OpenAI-compatible server
writing the model's reply piece by piece."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from itertools import pairwise
from typing import Any

import pytest

from assistant import messages as answer_msg
from channels.teams import messages as msg
from channels.teams.render import escape
from tests.channels.teams.harness import TeamsHarness, teams_harnesses
from tests.fakes.model_replies import (
    answer_first,
    cannot_answer,
    good,
    invalid_json,
    quotes_of,
    streamed,
    unsupported,
)
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.integration
KEY = b"t" * 32
QUESTION = "How do I reset my MFA?"
Reply = Callable[[dict[str, Any]], str]


@pytest.fixture
def make_teams(tmp_path, sample_kb) -> Iterator[Callable[[Reply], TeamsHarness]]:
    """A Teams harness whose assistant is in LLM mode against a fake model writing ``reply``."""
    with teams_harnesses(tmp_path, sample_kb, KEY) as make, \
            ExitStack() as models:

        def make_llm(reply: Reply) -> TeamsHarness:
            model = models.enter_context(FakeOpenAI(reply, piece_chars=6, piece_delay=0.03))
            harness = make(**model.llm_settings())
            harness.model = model  # type: ignore[attr-defined]  # what the model was shown
            return harness

        yield make_llm


def answered(teams: TeamsHarness) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """Ask in a 1:1 chat; the typing activities Guide sent, its one message, the stream id."""
    conversation = teams.send(QUESTION)["conversation"]["id"]
    teams.replies(conversation)
    teams.fake.settle()
    sent = [c for c in teams.fake.calls if c.conversation == conversation]
    [final] = [c.body for c in sent if c.body.get("type") == "message"]
    typing = [c.body for c in sent if c.body.get("type") == "typing"]
    assert typing[0]["text"] == msg.WORKING
    assert typing[0]["channelData"]["streamType"] == "informative"
    stream_id = sent[0].activity_id  # the connector's id for the first update names the stream
    assert final["channelData"]["streamType"] == "final"
    assert final["channelData"]["streamId"] == stream_id
    assert [e["streamId"] for e in final["entities"] if e["type"] == "streaminfo"] == [stream_id]
    return typing[1:], final, stream_id


def shown_text(teams: TeamsHarness) -> str:
    """The model's words as Teams shows them (HTML: escaped)."""
    return escape(streamed(teams.model.requests[0]["body"]))


def streamed_words(teams: TeamsHarness, typing: list[dict[str, Any]], stream_id: str
                   ) -> list[str]:
    """The texts of the streaming updates that showed the model's words, in order."""
    assert all(t["channelData"]["streamType"] == "streaming" for t in typing)
    assert all(t["channelData"]["streamId"] == stream_id for t in typing)
    return [t["text"] for t in typing if shown_text(teams).startswith(t["text"])]


def is_ai_generated(message: dict[str, Any]) -> bool:
    return any("AIGeneratedContent" in (e.get("additionalType") or [])
               for e in message.get("entities") or [])


def test_the_models_words_stream_and_the_answer_replaces_them(make_teams):
    teams = make_teams(good)
    typing, final, stream_id = answered(teams)
    shown = streamed_words(teams, typing, stream_id)
    assert shown and all(shown)
    assert all(later.startswith(earlier) for earlier, later in pairwise(shown))
    # the final message is the answer's rendering: the text once, Guide's own marker, the
    # citation and the AI label, not the streamed words with the answer after them
    assert final["text"].startswith(shown_text(teams) + " [1]")
    first = escape(quotes_of(teams.model.requests[0]["body"])[0])
    assert final["text"].count(first) == 1
    assert [c["position"] for e in final["entities"] for c in e.get("citation") or []] == [1]
    assert is_ai_generated(final)


def test_when_the_model_cannot_be_used_after_streaming_its_words_do_not_remain(make_teams):
    teams = make_teams(invalid_json)
    typing, final, stream_id = answered(teams)
    assert streamed_words(teams, typing, stream_id)  # the model's words showed as it wrote
    assert answer_msg.UNCHECKED_NOTICE in final["text"]
    assert shown_text(teams) not in final["text"]
    assert "[1]" in final["text"] and not is_ai_generated(final)  # the extractive fallback


@pytest.mark.parametrize("reply", [cannot_answer, answer_first, unsupported],
                         ids=["no quotes", "answer before its quotes", "unsupported words"])
def test_model_words_no_quote_supports_never_reach_teams(make_teams, reply):
    teams = make_teams(reply)
    typing, final, _ = answered(teams)
    every = " ".join(t["text"] for t in typing) + final["text"]
    assert "outside-example" not in every and "recovery codes" not in every
    if reply is cannot_answer:
        assert answer_msg.CANNOT_ANSWER.split(",")[0] in final["text"]


def test_when_the_user_presses_stop_guide_sends_nothing_more(make_teams):
    teams = make_teams(good)
    teams.fake.stop_streams_after = 1  # Stop, once the first of the model's words showed
    conversation = teams.send(QUESTION)["conversation"]["id"]
    deadline = time.monotonic() + 30
    while teams.usage.headline(1)["questions"] < 1:  # the answer was written and logged
        assert time.monotonic() < deadline, "the answer was never logged"
        time.sleep(0.05)
    teams.fake.settle()
    sent = [c.body for c in teams.fake.calls if c.conversation == conversation]
    parts = [b for b in sent if b.get("channelData", {}).get("streamType") == "streaming"]
    assert len(parts) == 2  # one shown, one refused: the user had pressed Stop
    assert shown_text(teams).startswith(parts[0]["text"])
    # no final message, no "something went wrong", nothing after the refusal
    assert teams.fake.activities(conversation) == [] and sent[-1] is parts[-1]
