"""How policy metadata is stored on chunks (Chroma keeps scalars only)."""

from __future__ import annotations

ALL_STAFF = "all-staff"


def join_tags(values: list[str]) -> str:
    """``["a", "b"]`` -> ``"|a|b|"`` so one tag can be matched without splitting."""
    return "|" + "|".join(values) + "|" if values else ""


def split_tags(value: str | None) -> list[str]:
    return [v for v in (value or "").split("|") if v]


def audiences(meta: dict) -> list[str]:
    return split_tags(meta.get("audience")) or [ALL_STAFF]


def chunk_body(text: str, meta: dict) -> str:
    """The quotable text of a stored chunk: its content without the context line."""
    return text[int(meta.get("body_offset", 0)):]
