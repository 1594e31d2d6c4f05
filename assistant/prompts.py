"""Prompts for LLM mode, versioned: the version is recorded with every answer."""

from __future__ import annotations

PROMPT_VERSION = "answer-prompt-2"
SCHEMA_NAME = "guide_answer"  # the reply's JSON schema, built per question in assistant.llm

SYSTEM = """You answer questions from staff of a justice organisation using ONLY the numbered \
sources given. Rules:
- Use only what the sources say. Never add rules, numbers or advice of your own.
- First quote, word for word, the one to three sentences of the sources that answer the \
question, each with its source number. Then write the answer from those quotes.
- Keep the answer short: two to four sentences, plain English, no markdown.
- If the sources do not answer the question, reply with no citations and an empty answer.
Reply with one JSON object and nothing else:
{"citations": [{"source": <source number>, "quote": "<exact words copied from that source>"}],
 "answer": "<your short answer, from the quotes, without citation markers>"}"""

USER = """Sources:
{sources}

Earlier in this conversation the user asked:
{history}

Question: {question}"""


def format_sources(bodies: list[tuple[str, str]]) -> str:
    """``(title and section, text)`` pairs as ``[n] title\\ntext`` blocks, numbered from 1."""
    return "\n\n".join(f"[{n}] {label}\n{text}" for n, (label, text) in enumerate(bodies, 1))
