"""LLM mode: a LangChain chat model composes the answer from retrieved chunks only.

The model replies with JSON: (source number, quote) pairs, then a short answer; no quotes and
no answer mean the sources do not answer the question. Where the
server supports it (OpenAI, Azure OpenAI, vLLM, llama.cpp, Ollama), the reply is constrained
by a JSON schema in which each quote can only be one of the sentences of the source it names,
so even a small model cannot misquote. Guide still checks every quote word for word against
its chunk (a server may ignore the schema) and numbers the citations itself, so a citation
number the model invented cannot reach staff. Any failure (server down, bad JSON, a quote not
in its source) falls back to the extractive answer, with a notice.

The model's own words are checked too (``assistant.model_text``): only the sentences of its
lead that the checked quotes support are kept; with none, the answer is the quotes.

Streaming: inside ``with streaming_to(callback):`` the answer text is passed to ``callback``
sentence by sentence as the model writes it, and only once the quotes have been parsed and
checked and each sentence has passed the same check: a reply that writes its answer before
its quotes streams nothing. The ``Answer`` returned at the end is what counts: a channel
replaces the streamed text with its rendering (which may be the extractive fallback).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.utils.json import parse_partial_json

from assistant.extractive import split_sentences
from assistant.model_text import checked_lead, sentences_of
from assistant.prompts import SCHEMA_NAME, SYSTEM, USER, format_sources
from config.errors import ModelUnavailable, QuoteCheckFailed
from config.settings import Settings
from knowledge.instructions import planted

JSON_OBJECT = re.compile(r"\{.*\}", re.S)
SPACE = re.compile(r"\s+")
MARKER = re.compile(r"\s*\[\d+\]")
MAX_CITATIONS = 3
MAX_QUOTABLE = 60  # sentences offered per source in the schema (a chunk has far fewer)

TextCallback = Callable[[str], None]
_ON_TEXT: ContextVar[TextCallback | None] = ContextVar("guide_llm_on_text", default=None)


@dataclass(frozen=True)
class AnswerModel:
    """The configured chat model and how to ask it for an answer."""

    chat: BaseChatModel
    json_schema: bool = True  # send the reply's JSON schema (constrained decoding)
    answer_max_chars: int | None = None  # a maxLength for the answer, where supported


def build_answer_model(settings: Settings) -> AnswerModel | None:
    """The configured chat model, or None in the embedded (extractive) mode."""
    provider = settings.llm_provider
    if provider == "none":
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    chat: BaseChatModel
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        chat = ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url, api_key=key,
                          timeout=settings.llm_timeout_s, max_retries=1, temperature=0,
                          max_tokens=settings.llm_max_tokens)
    elif provider == "azure":
        from langchain_openai import AzureChatOpenAI

        chat = AzureChatOpenAI(azure_deployment=settings.llm_model,
                               azure_endpoint=settings.llm_base_url, api_key=key,
                               api_version=settings.llm_api_version,
                               timeout=settings.llm_timeout_s, max_retries=1, temperature=0,
                               max_tokens=settings.llm_max_tokens)
    else:
        from langchain_ollama import ChatOllama

        chat = ChatOllama(model=settings.llm_model, base_url=settings.llm_base_url,
                          client_kwargs={"timeout": settings.llm_timeout_s}, temperature=0,
                          num_predict=settings.llm_max_tokens)
    return AnswerModel(chat, json_schema=settings.llm_json_schema,
                       answer_max_chars=settings.llm_answer_max_chars)


@contextmanager
def streaming_to(on_text: TextCallback) -> Iterator[None]:
    """Within this block (in this thread or task), LLM answers are streamed to ``on_text``.

    A context variable rather than a parameter, so that the pipeline between a channel and
    the model (guard, retrieval, composition) need not carry it."""
    token = _ON_TEXT.set(on_text)
    try:
        yield
    finally:
        _ON_TEXT.reset(token)


@contextmanager
def streaming_to_loop(loop: asyncio.AbstractEventLoop, on_text: TextCallback
                      ) -> Iterator[None]:
    """``streaming_to`` for a worker thread whose ``on_text`` runs on the event loop ``loop``
    (a channel's): each piece is queued there, in order, before the worker returns."""
    with streaming_to(lambda piece: loop.call_soon_threadsafe(on_text, piece)):
        yield


@dataclass
class Drafted:
    status: str  # "answered" | "cannot_answer"
    text: str  # the lead sentences the quotes support ("" : the quotes alone)
    quotes: list[tuple[int, str]]  # (0-based source index, verbatim quote as in the source)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (model sentence, why)


def normalise(text: str) -> str:
    return SPACE.sub(" ", text.replace("\u2019", "'").replace("\u201c", '"')
                     .replace("\u201d", '"')).strip()


def locate(quote: str, body: str) -> str | None:
    """The quote as it stands in ``body`` (whitespace may differ), or None if it is not there."""
    if quote in body:
        return quote
    words = [re.escape(w) for w in normalise(quote).split(" ") if w]
    if not words:
        return None
    match = re.search(r"\s+".join(words), body.replace("\u2019", "'"))
    return body[match.start():match.end()] if match else None


def quotable(body: str) -> list[str]:
    """What may be quoted from a source: its sentences and list lines, verbatim, less any
    planted to steer an assistant (``knowledge.instructions``)."""
    sentences = [s for s in dict.fromkeys(split_sentences(body)) if not planted(s)]
    sentences = sentences[:MAX_QUOTABLE]
    return sentences or ([body.strip()] if body.strip() and not planted(body) else [])


def shown_to_model(body: str) -> str:
    """A source as the model sees it: a sentence planted to steer an assistant is cut out,
    so the model never reads it (quotes are still checked against the whole source)."""
    for sentence in split_sentences(body):
        if planted(sentence):
            body = body.replace(sentence, "[…]")
    return body


def answer_schema(bodies: list[str], answer_max_chars: int | None = None) -> dict[str, Any]:
    """The reply's JSON schema: up to three citations, each a source number and one of that
    source's sentences, then the answer. No citations and no answer: the sources don't say."""
    answer: dict[str, Any] = {"type": "string"}
    if answer_max_chars:
        answer["maxLength"] = answer_max_chars
    citation_kinds = [
        {"type": "object",
         "properties": {"source": {"type": "integer", "enum": [n]},
                        "quote": {"type": "string", "enum": quotable(body)}},
         "required": ["source", "quote"], "additionalProperties": False}
        for n, body in enumerate(bodies, 1) if quotable(body)
    ]
    return {
        "type": "object",
        "properties": {
            "citations": {"type": "array", "maxItems": MAX_CITATIONS,
                          "items": {"anyOf": citation_kinds}},
            "answer": answer,
        },
        "required": ["citations", "answer"],
        "additionalProperties": False,
    }


def format_kwargs(chat: BaseChatModel, schema: dict[str, Any]) -> dict[str, Any]:
    """How this provider is given a JSON schema for its reply."""
    if "ollama" in chat._llm_type:
        return {"format": schema}
    return {"response_format": {"type": "json_schema",
                                "json_schema": {"name": SCHEMA_NAME, "strict": True,
                                                "schema": schema}}}


def check_citations(items: Any, bodies: list[str]) -> list[tuple[int, str]]:
    quotes = []
    for item in items or []:
        try:
            source = int(item["source"]) - 1
            quote = str(item["quote"]).strip().strip('"')
        except (KeyError, TypeError, ValueError) as exc:
            raise QuoteCheckFailed("a citation is malformed") from exc
        if not 0 <= source < len(bodies):
            raise QuoteCheckFailed(f"the model cited source {source + 1}, which it was not given")
        found = locate(quote, bodies[source])
        if found is None:
            raise QuoteCheckFailed(f"a quote is not in source {source + 1}: {quote[:80]!r}")
        if why := planted(found):
            raise QuoteCheckFailed(f"a quote of source {source + 1} is not guidance: {why}")
        quotes.append((source, found))
    return quotes


def parse_reply(content: str, bodies: list[str]) -> Drafted:
    match = JSON_OBJECT.search(content or "")
    if not match:
        raise QuoteCheckFailed("the model did not reply with JSON")
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        raise QuoteCheckFailed(f"the model's JSON is invalid: {exc}") from exc
    if not isinstance(data, dict):
        raise QuoteCheckFailed("the model's JSON is not an object")
    text = MARKER.sub("", str(data.get("answer", ""))).strip()
    citations = data.get("citations")
    if data.get("status") == "cannot_answer" or (not citations and not text):
        return Drafted("cannot_answer", text, [])
    quotes = check_citations(citations, bodies)
    if not text or not quotes:
        raise QuoteCheckFailed("the model answered without quoting its sources")
    lead = checked_lead(text, [q for _, q in quotes])
    return Drafted("answered", lead.text, quotes, lead.dropped)


def speakable(partial_answer: str) -> str:
    """The part of a half-written answer that can be shown: citation markers removed, and
    nothing after an unclosed ``[`` (it may become a marker) or trailing space."""
    text = MARKER.sub("", partial_answer)
    cut = text.rfind("[")
    if cut > text.rfind("]"):
        text = text[:cut]
    return text.rstrip()


class AnswerStream:
    """Follows a JSON reply as it arrives and passes on each new checked sentence of its
    ``answer``: nothing before the quotes are complete and checked (the reply's schema puts
    them first; a reply that puts them after its answer streams nothing), and only sentences
    the quotes support."""

    def __init__(self, bodies: list[str], on_text: TextCallback) -> None:
        self.bodies = bodies
        self.on_text = on_text
        self.content = ""
        self.shown = ""
        self.checked = 0  # finished sentences already checked: each is checked once
        self.quotes: list[str] | None = None

    def answer_so_far(self) -> str | None:
        at = self.content.find('"answer"')
        if at < 0 or not 0 <= self.content.find('"citations"') < at:
            return None
        partial = parse_partial_json(self.content[self.content.find("{"):])
        if not isinstance(partial, dict) or not isinstance(partial.get("answer"), str):
            return None
        if self.quotes is None:  # the "answer" key is written: the citations are complete
            self.quotes = [q for _, q in check_citations(partial.get("citations"), self.bodies)]
        return speakable(partial["answer"])

    def feed(self, piece: str) -> None:
        self.content += piece
        written = self.answer_so_far()
        if written is not None:
            self.show(sentences_of(written)[:-1])  # the last may not be finished

    def finish(self) -> None:
        """The reply is complete: its last sentence may be shown too."""
        written = self.answer_so_far()
        if written is not None:
            self.show(sentences_of(written))

    def show(self, sentences: list[str]) -> None:
        if not self.quotes or len(sentences) <= self.checked:  # nothing new since last time
            return
        self.checked = len(sentences)
        lead = checked_lead(" ".join(sentences), self.quotes).text
        if len(lead) > len(self.shown) and lead.startswith(self.shown):
            self.on_text(lead[len(self.shown):])
            self.shown = lead


def messages_for(question: str, history: list[str],
                 sources: list[tuple[str, str]]) -> list[BaseMessage]:
    return [
        SystemMessage(SYSTEM),
        HumanMessage(USER.format(sources=format_sources(sources),
                                 history="\n".join(history[-3:]) or "(nothing)",
                                 question=question)),
    ]


def unusable(exc: Exception) -> ModelUnavailable | QuoteCheckFailed:
    """A third-party failure, said the way Guide reports it."""
    from openai import LengthFinishReasonError  # a dependency of langchain-openai

    if isinstance(exc, LengthFinishReasonError):
        return QuoteCheckFailed("the model's reply was cut off at GUIDE_LLM_MAX_TOKENS")
    if getattr(exc, "status_code", None) in (401, 403):
        return ModelUnavailable("the language model server refused Guide's API key "
                                "(check GUIDE_LLM_API_KEY)")
    return ModelUnavailable(f"the language model could not be reached: {exc}")


def draft(model: AnswerModel, question: str, history: list[str],
          sources: list[tuple[str, str]]) -> Drafted:
    """Ask the model; raise ModelUnavailable or QuoteCheckFailed when it cannot be used."""
    bodies = [text for _, text in sources]
    messages = messages_for(question, history,
                            [(label, shown_to_model(text)) for label, text in sources])
    schema = answer_schema(bodies, model.answer_max_chars)
    kwargs = format_kwargs(model.chat, schema) if model.json_schema else {}
    on_text = _ON_TEXT.get()
    try:
        if on_text is None:
            content = str(model.chat.invoke(messages, **kwargs).content)
        else:
            stream = AnswerStream(bodies, on_text)
            for chunk in model.chat.stream(messages, **kwargs):
                stream.feed(str(chunk.content))
            stream.finish()
            content = stream.content
    except QuoteCheckFailed:
        raise
    except Exception as exc:  # connection refused, timeout, HTTP 4xx/5xx, bad model name...
        raise unusable(exc) from exc
    return parse_reply(content, bodies)
