"""DOCX: headings from paragraph styles, tables kept readable, core properties as metadata."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from config.errors import IngestError
from ingest.loaders.tables import rows_to_text
from ingest.model import Block, ParsedDocument

HEADING_STYLE = re.compile(r"^(?:heading|título|titre|überschrift)\s*(\d)", re.I)
LIST_STYLE = re.compile(r"list", re.I)


def paragraph_block(par: Paragraph) -> Block | None:
    text = par.text.strip()
    if not text:
        return None
    style = (par.style.name if par.style is not None else "") or ""
    match = HEADING_STYLE.match(style)
    if match:
        return Block(text, "heading", int(match.group(1)))
    if style.lower() == "title":
        return Block(text, "heading", 1)
    if looks_like_heading(par, text):
        return Block(text, "heading", 2)
    if LIST_STYLE.search(style):
        return Block(f"- {text}", "list")
    return Block(text)


def looks_like_heading(par: Paragraph, text: str) -> bool:
    """Headings made with bold text instead of a heading style, as many real documents do."""
    runs = [r for r in par.runs if r.text.strip()]
    return (
        bool(runs)
        and all(r.bold for r in runs)
        and len(text) <= 90
        and not text.endswith((".", ",", ";"))
        and len(text.split()) <= 12
    )


def cell_text(cell) -> str:
    return " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())


def table_block(table: Table) -> Block | None:
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = cell_text(cell)
            if not cells or text != cells[-1]:  # merged cells repeat their text
                cells.append(text)
        rows.append(cells)
    text = rows_to_text(rows, has_header=True)
    return Block(text, "table") if text else None


def iter_blocks(document: DocxDocument) -> list[Block]:
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        block = table_block(item) if isinstance(item, Table) else paragraph_block(item)
        if block is not None:
            blocks.append(block)
    return blocks


def load_docx(path: Path) -> ParsedDocument:
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(
            f"not a valid .docx file (corrupt or not a Word document): {exc}"
        ) from exc
    props = document.core_properties
    meta = {
        "title": props.title or None,
        "owner": props.author or None,
        "version": props.version or None,
        "keywords": props.keywords or None,
        "subject": props.subject or None,
        "category": props.category or None,
        "comments": props.comments or None,
    }
    blocks = iter_blocks(document)
    title = meta["title"] or next((b.text for b in blocks if b.kind == "heading"), None)
    return ParsedDocument(
        path, "docx", blocks, title=title, metadata={k: v for k, v in meta.items() if v}
    )
