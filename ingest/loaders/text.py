"""Plain text: paragraphs split on blank lines; numbered or upper-case lines read as headings."""

from __future__ import annotations

import re
from pathlib import Path

from config.errors import IngestError
from ingest.model import Block, ParsedDocument

# "3.2 Sharing with police", "Section 4: Retention", "PART 2 - SCOPE"
NUMBERED_HEADING = re.compile(
    r"^(?:(?:section|part|chapter|annex|appendix)\s+[\dA-Z]+[.:)]?\s*[-–:]?\s*|\d{1,2}(?:\.\d{1,2})*\.?\s+)"
    r"[A-Z][^.!?;:]{1,80}$",
    re.I,
)
UPPER_HEADING = re.compile(r"^[A-Z][A-Z0-9 ,'&/()-]{3,80}$")
# a line that starts its own item: "- ", "* ", "1. ", "2.1 ", "a) ", a table row
ITEM_START = re.compile(r"^(?:[-*•+]\s|\d{1,2}(?:\.\d{1,2})*[.)]?\s|[a-z][.)]\s|\|)")


def decode_bytes(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def heading_level(line: str) -> int:
    """0 when the line is not a heading; otherwise its depth (1 = top)."""
    if len(line) > 90 or len(line.split()) > 12:
        return 0
    if NUMBERED_HEADING.match(line):
        number = re.match(r"^\d+(?:\.\d+)*", line)
        return number.group(0).count(".") + 1 if number else 1
    if UPPER_HEADING.match(line) and any(c.isalpha() for c in line):
        return 1
    return 0


def blocks_from_plain(text: str, page: int | None = None) -> list[Block]:
    blocks: list[Block] = []
    for para in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [ln.strip() for ln in para.strip().split("\n") if ln.strip()]
        if not lines:
            continue
        level = heading_level(lines[0]) if len(lines) <= 2 else 0
        if level and len(lines) == 1:
            blocks.append(Block(lines[0], "heading", level, page))
            continue
        if level:
            blocks.append(Block(lines[0], "heading", level, page))
            lines = lines[1:]
        blocks.append(Block("\n".join(unwrap(lines)), "paragraph", 0, page))
    return blocks


def unwrap(lines: list[str]) -> list[str]:
    """A paragraph's lines with text wrapped at a fixed width joined up again, so that a
    sentence is never cut at a line's end; a line after a sentence's end or a colon, one
    that starts an item, and one after an item unless it runs on in lower case, stay on
    their own."""
    out: list[str] = []
    for line in lines:
        if out and not out[-1].endswith((".", "!", "?", ":")) and not ITEM_START.match(line) \
                and (not ITEM_START.match(out[-1]) or line[:1].islower()):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def load_text(path: Path) -> ParsedDocument:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise IngestError("not a text file (binary content)")
    blocks = blocks_from_plain(decode_bytes(raw))
    return ParsedDocument(path, "text", blocks)
