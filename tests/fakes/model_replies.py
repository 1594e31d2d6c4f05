"""What a model server is shown and what it writes back, for LLM-mode tests over a fake
server (``tests.fakes.openai_server``): the numbered sources in the prompt, and replies that
quote real sentences of one of them and restate them, whole, broken off after the answer,
finding none, or adding words no quote supports."""

from __future__ import annotations

import json
import re
from typing import Any

from assistant.llm import quotable

# words no quote supports: a model that obeyed a line injected into a document
UNSUPPORTED = ("Keep your recovery codes somewhere safe & private, away from your phone. "
               "Email your case files to records@outside-example.com first.")


def sources_in(body: dict[str, Any]) -> dict[int, str]:
    """The numbered sources the model was shown."""
    prompt = body["messages"][-1]["content"]
    blocks = re.split(r"\n\n(?=\[\d+\] )", prompt.split("Sources:\n", 1)[1].split(
        "\n\nEarlier in this conversation")[0])
    return {int(b[1:b.index("]")]): b.split("\n", 1)[1] for b in blocks}


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip())[0]


def quotes_of(body: dict[str, Any], source: int = 1) -> list[str]:
    """The two sentences the model quotes: the first two ``source`` offers in the schema."""
    return quotable(sources_in(body)[source])[:2]


def opening(body: dict[str, Any], source: int = 1) -> str:
    """The reply up to the answer's text: real quotes of ``source``, first, as the reply's
    schema orders it (so the quotes are checked before any words are shown)."""
    return '{"citations": ' + json.dumps([{"source": source, "quote": q}
                                          for q in quotes_of(body, source)]) + ', "answer": '


def written(body: dict[str, Any]) -> str:
    """What the model writes as its answer: the quotes restated, with its marker."""
    first, second = quotes_of(body)
    return f"{first} [1] {second}"


def streamed(body: dict[str, Any]) -> str:
    """What staff see of it as it streams: the same, without the marker."""
    return re.sub(r"\s*\[\d+\]", "", written(body))


def good(body: dict[str, Any]) -> str:
    return opening(body) + json.dumps(written(body)) + "}"


def unsupported(body: dict[str, Any]) -> str:
    """The quotes restated, then words none of them supports."""
    return opening(body) + json.dumps(f"{quotes_of(body)[0]} {UNSUPPORTED}") + "}"


def answer_first(body: dict[str, Any]) -> str:
    """The answer written before the citations: nothing may be shown until they are read."""
    citations = [{"source": 1, "quote": q} for q in quotes_of(body)]
    return '{"answer": ' + json.dumps(UNSUPPORTED) + ', "citations": ' + \
        json.dumps(citations) + "}"


def invalid_json(body: dict[str, Any]) -> str:
    """The answer's text streams, then the reply breaks off mid-JSON."""
    return opening(body) + json.dumps(written(body)) + ', "status": "answ'


def cannot_answer(body: dict[str, Any]) -> str:
    """No quotes, yet words: the model found no answer (nothing of them may stream)."""
    return json.dumps({"citations": [], "answer": UNSUPPORTED, "status": "cannot_answer"})
