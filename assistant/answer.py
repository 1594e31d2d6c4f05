"""What the assistant returns: data, not chat messages. Channels render it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["answered", "need_more_detail", "cannot_answer", "talk_to_a_person", "blocked"]


class Citation(BaseModel):
    number: int  # the [n] marker in the answer text
    doc_id: str
    title: str
    source: str
    page: int | None = None
    heading_path: str = ""
    quote: str  # verbatim from the chunk
    version: str | None = None
    review_date: str | None = None
    warning: str | None = None  # e.g. past its review date
    chunk_id: str
    content_hash: str


class Answer(BaseModel):
    status: Status
    text: str
    citations: list[Citation] = Field(default_factory=list)
    follow_up: str | None = None  # the clarifying question, for need_more_detail
    contact: str | None = None  # who to ask, when Guide cannot answer
    question: str = ""  # as guarded: identifiers already redacted
    timings_ms: dict[str, float] = Field(default_factory=dict)
    chunks_used: list[str] = Field(default_factory=list)  # chunk ids
    chunk_hashes: list[str] = Field(default_factory=list)
    retrieved: list[str] = Field(default_factory=list)  # chunk ids, best first
    mode: str = "extractive"  # or "llm"
    prompt_version: str | None = None
    notice: str | None = None  # e.g. "the language model was unreachable"
    identifier_kinds: list[str] = Field(default_factory=list)  # what the guard found
    evidence: dict[str, float | None] = Field(default_factory=dict)  # signals, probability
    record_id: str | None = None  # the usage log's id for this answer, when it was logged
