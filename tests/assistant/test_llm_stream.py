"""LLM mode without a server: the reply's schema, the streamed answer text and the rules for
reading a reply, with LangChain's scripted chat model standing in for the server."""

from __future__ import annotations

import json
import threading

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.llm import (
    AnswerModel,
    AnswerStream,
    answer_schema,
    draft,
    format_kwargs,
    parse_reply,
    speakable,
    streaming_to,
)
from config.errors import QuoteCheckFailed

SOURCES = [
    ("Secure Email Guide", "You may email a risk assessment to the council only by secure "
     "email. Use the approved secure email service."),
    ("Passwords", "Passwords must be at least 12 characters long."),
]
BODIES = [body for _, body in SOURCES]
GOOD = {"citations": [{"source": 1, "quote": "Use the approved secure email service."}],
        "answer": "Yes, by secure email [1]. Use the approved service [2]."}


def scripted(reply: str, json_schema: bool = True) -> AnswerModel:
    return AnswerModel(GenericFakeChatModel(messages=iter([AIMessage(reply)])), json_schema)


def test_schema_limits_each_quote_to_its_own_sources_sentences():
    schema = answer_schema(BODIES)
    kinds = schema["properties"]["citations"]["items"]["anyOf"]
    assert [k["properties"]["source"]["enum"] for k in kinds] == [[1], [2]]
    assert kinds[0]["properties"]["quote"]["enum"] == [
        "You may email a risk assessment to the council only by secure email.",
        "Use the approved secure email service."]
    assert "maxLength" not in schema["properties"]["answer"]  # OpenAI strict mode rejects it
    assert answer_schema(BODIES, 200)["properties"]["answer"]["maxLength"] == 200
    # every object closed and every key required: what OpenAI's strict mode demands
    assert schema["additionalProperties"] is False and set(schema["required"]) == {
        "citations", "answer"}


def test_schema_goes_where_each_provider_reads_it():
    schema = answer_schema(BODIES)
    openai = format_kwargs(GenericFakeChatModel(messages=iter([])), schema)
    assert openai["response_format"]["type"] == "json_schema"
    assert openai["response_format"]["json_schema"]["strict"] is True
    assert openai["response_format"]["json_schema"]["schema"] is schema

    class Ollama(GenericFakeChatModel):
        @property
        def _llm_type(self) -> str:
            return "chat-ollama"

    assert format_kwargs(Ollama(messages=iter([])), schema) == {"format": schema}


def test_streamed_text_is_the_answer_without_markers():
    pieces: list[str] = []
    with streaming_to(pieces.append):
        drafted = draft(scripted(json.dumps(GOOD)), "Can I email it?", [], SOURCES)
    assert len(pieces) > 1
    assert "".join(pieces) == drafted.text == "Yes, by secure email. Use the approved service."


def test_nothing_streams_outside_the_block_or_in_another_thread():
    pieces: list[str] = []
    other: list[str] = []
    with streaming_to(pieces.append):
        worker = threading.Thread(
            target=lambda: other.append(draft(scripted(json.dumps(GOOD)), "q", [], SOURCES)))
        worker.start()
        worker.join()
    draft(scripted(json.dumps(GOOD)), "q", [], SOURCES)
    assert pieces == [] and other  # the thread answered, without streaming to this block


def test_a_misquote_stops_the_stream_before_any_text():
    bad = {"citations": [{"source": 1, "quote": "You may always email anything."}],
           "answer": "Yes, email anything you like."}
    pieces: list[str] = []
    with streaming_to(pieces.append), pytest.raises(QuoteCheckFailed, match="not in source 1"):
        draft(scripted(json.dumps(bad)), "q", [], SOURCES)
    assert pieces == []


def test_half_written_markers_are_held_back():
    assert speakable("Yes, by secure email [") == "Yes, by secure email"
    assert speakable("Yes, by secure email [1") == "Yes, by secure email"
    assert speakable("Yes, by secure email [1] and") == "Yes, by secure email and"
    assert speakable("Mark it [OFFICIAL]") == "Mark it [OFFICIAL]"
    stream = AnswerStream(BODIES, lambda text: None)
    shown = []
    stream.on_text = shown.append
    quote = json.dumps([{"source": 1, "quote": "Use the approved secure email service."}])
    for piece in ['{"citations": ' + quote + ', "answer": "Ye', 's [', '1', ']',
                  ', by secure email', '"}']:
        stream.feed(piece)
    assert shown == []  # one sentence, not yet known to be finished
    stream.finish()
    assert "".join(shown) == "Yes, by secure email"


@pytest.mark.parametrize(("reply", "status"), [
    ({"citations": [], "answer": ""}, "cannot_answer"),  # nothing quoted, nothing said
    ({"citations": [], "answer": "", "status": "cannot_answer"}, "cannot_answer"),
    (GOOD, "answered"),
])
def test_reply_rules(reply, status):
    assert parse_reply(json.dumps(reply), BODIES).status == status


@pytest.mark.parametrize("reply", [
    {"citations": [], "answer": "Yes."},  # an answer with no quote behind it
    {"citations": [{"source": 3, "quote": "Use the approved secure email service."}],
     "answer": "Yes."},
    {"citations": [{"source": 2, "quote": "Use the approved secure email service."}],
     "answer": "Yes."},  # a real sentence, but from another source
    ["not", "an", "object"],
])
def test_unusable_replies_raise(reply):
    with pytest.raises(QuoteCheckFailed):
        parse_reply(json.dumps(reply), BODIES)
