"""What every chunk carries (one typed definition for ingest, knowledge and assistant), and
how policy metadata is stored on it: Chroma keeps scalars only, so lists are ``|a|b|`` tags."""

from __future__ import annotations

from collections.abc import Collection
from typing import TypedDict

from config.audiences import ALL_STAFF
from config.audiences import may_read as may_read_audiences


class ChunkMeta(TypedDict, total=False):
    """A chunk's metadata as ingest writes it and the store returns it. Empty values are
    left out, so every key may be missing; read with ``.get``."""

    doc_id: str
    title: str
    source: str  # the file's path (or a bench's pseudo-path); the record manager's group
    format: str  # pdf, docx, html, markdown, text
    heading_path: str  # "Section > Subsection"
    chunk_index: int
    start: int  # character span of the body in the document's text
    end: int
    body_offset: int  # where the quotable body starts in the chunk text (after the context)
    content_hash: str  # of the body
    doc_hash: str  # of the whole file: the document version a citation names
    audience: str  # tags, see join_tags
    supersedes: str  # tags
    page: int  # PDF pages, 1-based
    owner: str
    version: str
    effective_date: str  # ISO dates
    review_date: str
    classification: str
    summary: bool  # a page's front-matter summary: found, never quoted
    walkthrough: bool  # its section was marked "walkthrough:" by a trainer (assistant.procedures)


def join_tags(values: list[str]) -> str:
    """``["a", "b"]`` -> ``"|a|b|"`` so one tag can be matched without splitting."""
    return "|" + "|".join(values) + "|" if values else ""


def split_tags(value: str | None) -> list[str]:
    return [v for v in (value or "").split("|") if v]


def audiences(meta: ChunkMeta) -> list[str]:
    return split_tags(meta.get("audience")) or [ALL_STAFF]


def may_read(meta: ChunkMeta, readers: Collection[str]) -> bool:
    """Whether someone reading as ``readers`` may see this chunk: it is for all staff, or
    for one of their audiences."""
    return may_read_audiences(audiences(meta), readers)


def chunk_body(text: str, meta: ChunkMeta) -> str:
    """The quotable text of a stored chunk: its content without the context line."""
    return text[int(meta.get("body_offset", 0)):]
