"""What a loader produces: a document as an ordered list of structural blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

BlockKind = Literal["heading", "paragraph", "list", "table", "summary"]
# "summary": the author's one-line description of the page (e.g. front matter), indexed
# so the page is found by what it is for, and kept in a chunk of its own.


@dataclass
class Block:
    text: str
    kind: BlockKind = "paragraph"
    level: int = 0  # heading level (1 = top); 0 for other blocks
    page: int | None = None  # 1-based physical page, PDFs only


@dataclass
class ParsedDocument:
    path: Path
    format: str  # pdf | docx | html | markdown | text
    blocks: list[Block]
    title: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)  # as found in the file
    pages: int | None = None
