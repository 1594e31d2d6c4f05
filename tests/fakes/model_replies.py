"""What a model server is shown and what it writes back, for LLM-mode tests over a fake
server (``tests.fakes.openai_server``): the numbered sources in the prompt, and replies that
quote a real sentence of one of them, whole, broken off after the answer, or finding none."""

from __future__ import annotations

import json
import re
from typing import Any

# what the model writes as its answer (~300 characters, with a character Slack must have
# escaped); it streams without the marker
WRITTEN = ("Reset it from the self-service portal, then sign in again with the new method "
           "you chose [1]. If the portal will not let you in, call the IT service desk, who "
           "can reset it for you once they have checked who you are. Keep your recovery codes "
           "somewhere safe & private, away from your phone, so you can still get in.")
STREAMED = re.sub(r"\s*\[\d+\]", "", WRITTEN)


def sources_in(body: dict[str, Any]) -> dict[int, str]:
    """The numbered sources the model was shown."""
    prompt = body["messages"][-1]["content"]
    blocks = re.split(r"\n\n(?=\[\d+\] )", prompt.split("Sources:\n", 1)[1].split(
        "\n\nEarlier in this conversation")[0])
    return {int(b[1:b.index("]")]): b.split("\n", 1)[1] for b in blocks}


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip())[0]


def opening(body: dict[str, Any], source: int = 1) -> str:
    """The reply up to the answer's text: a real quote of ``source``, first, as the reply's
    schema orders it (so the quote is checked before any words are shown)."""
    quote = first_sentence(sources_in(body)[source])
    return '{"citations": ' + json.dumps([{"source": source, "quote": quote}]) + ', "answer": '


def good(body: dict[str, Any]) -> str:
    return opening(body) + json.dumps(WRITTEN) + "}"


def invalid_json(body: dict[str, Any]) -> str:
    """The answer's text streams, then the reply breaks off mid-JSON."""
    return opening(body) + json.dumps(WRITTEN) + ', "status": "answ'


def cannot_answer(body: dict[str, Any]) -> str:
    """No quotes, yet words that stream: the model found no answer."""
    return json.dumps({"citations": [], "answer": STREAMED, "status": "cannot_answer"})
