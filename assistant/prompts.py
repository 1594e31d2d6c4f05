"""Prompts for LLM mode, versioned: the version is recorded with every answer."""

from __future__ import annotations

PROMPT_VERSION = "answer-prompt-1"

SYSTEM = """You answer questions from staff of a justice organisation using ONLY the numbered \
sources given. Rules:
- Use only what the sources say. Never add rules, numbers or advice of your own.
- Every rule you rely on must be quoted word for word from one source.
- If the sources do not answer the question, say so: set "status" to "cannot_answer".
- Keep the answer short: two to four sentences, plain English, no markdown.
Reply with one JSON object and nothing else:
{"status": "answered" or "cannot_answer",
 "answer": "the short answer, without citation markers",
 "citations": [{"source": <source number>, "quote": "<exact words copied from that source>"}]}"""

USER = """Sources:
{sources}

Earlier in this conversation the user asked:
{history}

Question: {question}"""


def format_sources(bodies: list[tuple[str, str]]) -> str:
    """``(title and section, text)`` pairs as ``[n] title\\ntext`` blocks, numbered from 1."""
    return "\n\n".join(f"[{n}] {label}\n{text}" for n, (label, text) in enumerate(bodies, 1))
