"""LLM answers streamed into Slack's assistant pane, for real over HTTP: the production adapter,
signed events, the fake Slack Web API recording every call, and a local OpenAI-compatible
server writing the model's reply piece by piece."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from assistant import messages as answer_msg
from bench.fakes.slack import TEAM, Call
from channels.slack.render import escape
from tests.channels.slack.test_slack import action_values, texts
from tests.fakes.model_replies import (
    UNSUPPORTED,
    answer_first,
    cannot_answer,
    good,
    invalid_json,
    streamed,
    unsupported,
)
from tests.fakes.openai_server import FakeOpenAI
from tests.slack_harness import STAFF, SlackHarness, new_ts, slack_harnesses
from usage.log import Record

pytestmark = pytest.mark.integration
KEY = b"s" * 32
PANE = "D0PANE"
THREAD = "1700000001.000100"
STREAM_CALLS = ("chat.startStream", "chat.appendStream", "chat.stopStream")
QUESTION = "How do I reset my MFA?"
Reply = Callable[[dict[str, Any]], str]


@pytest.fixture
def make_slack(tmp_path, sample_kb) -> Iterator[Callable[[Reply], SlackHarness]]:
    """A Slack harness whose assistant is in LLM mode against a fake model writing ``reply``."""
    with slack_harnesses(tmp_path, sample_kb, KEY) as make, \
            ExitStack() as models:

        def make_llm(reply: Reply) -> SlackHarness:
            model = models.enter_context(FakeOpenAI(reply, piece_chars=6))
            harness = make(**model.llm_settings())
            harness.model = model  # type: ignore[attr-defined]  # what the model was shown
            return harness

        yield make_llm


def ask_in_pane(slack: SlackHarness, until: str) -> list[Call]:
    """Ask in the assistant pane; every Web API call Guide made, once ``until`` was made and
    nothing more arrived."""
    slack.event({"type": "message", "channel_type": "im", "channel": PANE, "user": STAFF,
                 "text": QUESTION, "ts": new_ts(), "thread_ts": THREAD, "team": TEAM})
    slack.fake.wait_for(until)
    slack.fake.settle()
    return [c for c in slack.fake.calls if c.method != "auth.test"]


def chunk_text(call: Call) -> str:
    return "".join(c["text"] for c in call.body.get("chunks") or []
                   if c.get("type") == "markdown_text")


def streamed_text(calls: list[Call]) -> str:
    return "".join(chunk_text(c) for c in calls if c.method in STREAM_CALLS)


def record_of(slack: SlackHarness, blocks: list[dict[str, Any]]) -> Record:
    """The logged answer whose buttons ``blocks`` carry."""
    record = slack.usage.get(action_values(blocks)["feedback_helpful"])
    assert record is not None
    return record


def test_the_models_words_stream_then_its_sources_end_the_message(make_slack):
    slack = make_slack(good)
    calls = ask_in_pane(slack, "chat.stopStream")
    methods = [c.method for c in calls if c.method.startswith("chat.")]
    appends = methods.count("chat.appendStream")
    assert methods == ["chat.startStream", *["chat.appendStream"] * appends, "chat.stopStream"]
    # the text grew in steps (a checked sentence at a time), not in one go
    assert sum(1 for c in calls if c.method in STREAM_CALLS and chunk_text(c)) >= 2

    start, *_, stop = [c for c in calls if c.method in STREAM_CALLS]
    assert start.body["channel"] == PANE and start.body["thread_ts"] == THREAD
    assert stop.body["ts"] and all(c.body["ts"] == stop.body["ts"] for c in calls
                                   if c.method in ("chat.appendStream", "chat.stopStream"))
    # the model's words as it wrote them, escaped; the stop adds Guide's own marker
    assert streamed_text(calls) == escape(streamed(slack.model.requests[0]["body"])) + " [1]"
    assert chunk_text(stop).endswith(" [1]")
    assert "*Sources*" in texts(stop.body["blocks"])
    record = record_of(slack, stop.body["blocks"])
    assert record.mode == "llm" and record.status == "answered"
    assert streamed_text(calls) == escape(record.answer)


@pytest.mark.parametrize(("reply", "mode", "notice"), [
    (invalid_json, "extractive", answer_msg.UNCHECKED_NOTICE),
])
def test_streamed_words_that_are_not_the_answer_are_replaced_by_it(make_slack, reply, mode,
                                                                    notice):
    slack = make_slack(reply)
    calls = ask_in_pane(slack, "chat.update")
    shown_first = streamed(slack.model.requests[0]["body"])[:100]
    assert shown_first in streamed_text(calls).replace("&amp;", "&")  # shown, at first
    stop = next(c for c in calls if c.method == "chat.stopStream")
    [update] = [c for c in calls if c.method == "chat.update"]
    assert calls.index(stop) < calls.index(update)
    assert update.body["channel"] == PANE and update.body["ts"] == stop.body["ts"]

    record = record_of(slack, update.body["blocks"])
    assert record.mode == mode
    assert update.body["text"] == escape(record.answer)
    shown = update.body["text"] + texts(update.body["blocks"])
    assert shown_first not in update.body["text"]  # none of the model's words remain
    if notice:
        assert record.status == "answered" and escape(notice) in shown
    else:
        assert record.status == "cannot_answer"
        assert update.body["text"] == escape(answer_msg.CANNOT_ANSWER.format(
            contact=slack.assistant.settings.default_contact))
    assert slack.fake.of("chat.postMessage") == []  # the answer is given once


@pytest.mark.parametrize("update_fails", [False, True])
def test_slack_failing_mid_stream_still_gives_the_whole_answer_once(make_slack, update_fails):
    slack = make_slack(good)
    # the first checked sentence starts the stream; Slack refuses the rest of it
    slack.fake.script("chat.stopStream", 200,
                      {"ok": False, "error": "message_not_in_streaming_state"})
    if update_fails:
        slack.fake.script("chat.update", 200, {"ok": False, "error": "cant_update_message"})
    calls = ask_in_pane(slack, "chat.postMessage" if update_fails else "chat.update")
    assert slack.fake.of("chat.startStream") and slack.fake.of("chat.stopStream")
    delivered = slack.fake.of("chat.postMessage") if update_fails else slack.fake.of(
        "chat.update")
    [answer] = delivered
    record = record_of(slack, answer.body["blocks"])
    assert record.mode == "llm" and record.status == "answered"
    assert answer.body["text"] == escape(record.answer)  # the whole answer, with its marker
    assert "*Sources*" in texts(answer.body["blocks"])
    assert len([c for c in calls if c.method in ("chat.update", "chat.postMessage")]) == \
        (2 if update_fails else 1)


def test_stream_that_cannot_start_falls_back_to_a_plain_message(make_slack):
    slack = make_slack(good)
    slack.fake.script("chat.startStream", 200, {"ok": False, "error": "not_allowed"})
    calls = ask_in_pane(slack, "chat.postMessage")
    assert [c.method for c in calls if c.method in STREAM_CALLS] == ["chat.startStream"]
    [posted] = slack.fake.of("chat.postMessage")
    assert posted.body["thread_ts"] == THREAD
    record = record_of(slack, posted.body["blocks"])
    assert record.mode == "llm" and posted.body["text"] == escape(record.answer)
    assert slack.fake.of("chat.update") == []


@pytest.mark.parametrize("reply", [cannot_answer, answer_first, unsupported],
                         ids=["no quotes", "answer before its quotes", "unsupported words"])
def test_model_words_no_quote_supports_never_reach_slack(make_slack, reply):
    slack = make_slack(reply)
    slack.event({"type": "message", "channel_type": "im", "channel": PANE, "user": STAFF,
                 "text": QUESTION, "ts": new_ts(), "thread_ts": THREAD, "team": TEAM})
    deadline = time.monotonic() + 30
    while slack.usage.headline(1)["questions"] < 1:
        assert time.monotonic() < deadline, "the answer was never logged"
        time.sleep(0.05)
    slack.fake.settle()
    every = json.dumps([c.body for c in slack.fake.calls])
    for sentence in UNSUPPORTED.split(". "):
        assert sentence.rstrip(".")[:40] not in every.replace("&amp;", "&")
    assert "outside-example" not in every
