"""LLM mode: a LangChain chat model composes the answer from retrieved chunks only.

The model is asked for JSON: an answer and (source number, quote) pairs. Guide then checks
every quote word for word against the chunk it names and numbers the citations itself, so a
citation number the model invented cannot reach staff. Any failure (server down, bad JSON,
a quote not in its source) falls back to the extractive answer, with a notice.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.prompts import SYSTEM, USER, format_sources
from config.errors import ModelUnavailable, QuoteCheckFailed
from config.settings import Settings

JSON_OBJECT = re.compile(r"\{.*\}", re.S)
SPACE = re.compile(r"\s+")


def build_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None in the embedded (extractive) mode."""
    provider = settings.llm_provider
    if provider == "none":
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    common: dict[str, Any] = {"temperature": 0}
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url, api_key=key,
                          timeout=settings.llm_timeout_s, max_retries=1, **common)
    if provider == "azure":
        from langchain_openai import AzureChatOpenAI

        return AzureChatOpenAI(azure_deployment=settings.llm_model,
                               azure_endpoint=settings.llm_base_url, api_key=key,
                               api_version=settings.llm_api_version,
                               timeout=settings.llm_timeout_s, max_retries=1, **common)
    from langchain_ollama import ChatOllama

    return ChatOllama(model=settings.llm_model, base_url=settings.llm_base_url,
                      client_kwargs={"timeout": settings.llm_timeout_s}, **common)


@dataclass
class Drafted:
    status: str  # "answered" | "cannot_answer"
    text: str
    quotes: list[tuple[int, str]]  # (0-based source index, verbatim quote as in the source)


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


def parse_reply(content: str, bodies: list[str]) -> Drafted:
    match = JSON_OBJECT.search(content or "")
    if not match:
        raise QuoteCheckFailed("the model did not reply with JSON")
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        raise QuoteCheckFailed(f"the model's JSON is invalid: {exc}") from exc
    status = data.get("status", "answered")
    text = re.sub(r"\s*\[\d+\]", "", str(data.get("answer", ""))).strip()
    if status == "cannot_answer":
        return Drafted("cannot_answer", text, [])
    quotes = []
    for item in data.get("citations") or []:
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
        quotes.append((source, found))
    if not text or not quotes:
        raise QuoteCheckFailed("the model answered without quoting its sources")
    return Drafted("answered", text, quotes)


def draft(model: BaseChatModel, question: str, history: list[str],
          sources: list[tuple[str, str]]) -> Drafted:
    """Ask the model; raise ModelUnavailable or QuoteCheckFailed when it cannot be used."""
    messages = [
        SystemMessage(SYSTEM),
        HumanMessage(USER.format(sources=format_sources(sources),
                                 history="\n".join(history[-3:]) or "(nothing)",
                                 question=question)),
    ]
    try:
        reply = model.invoke(messages)
    except Exception as exc:  # connection refused, timeout, HTTP 5xx, bad model name...
        raise ModelUnavailable(f"the language model could not be reached: {exc}") from exc
    return parse_reply(str(reply.content), [text for _, text in sources])
