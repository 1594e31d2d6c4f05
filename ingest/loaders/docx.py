"""DOCX: headings from paragraph styles, tables kept readable, core properties as metadata.

A .docx is a zip of XML parts, so a small file can unpack to gigabytes (a zip bomb) or declare
XML entities that expand (a billion laughs). The package is checked before python-docx reads
it: declared sizes (zipfile never gives more than a part declares), compression ratios and
DTDs, which Word never writes. python-docx's own parser already leaves entities unexpanded.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from config.errors import IngestError
from ingest.loaders.tables import rows_to_text
from ingest.model import Block, ParsedDocument

HEADING_STYLE = re.compile(r"^(?:heading|título|titre|überschrift)\s*(\d)", re.I)
LIST_STYLE = re.compile(r"list", re.I)
MAX_PARTS = 5_000
MAX_UNPACKED = 500_000_000  # every part together, images included
MAX_XML_PART = 60_000_000  # one XML part: a 1,000-page manual's text is ~20 MB
MAX_RATIO = 100  # unpacked/packed for a part over 1 MB: Word's XML packs ~5-20x
DTD = re.compile(rb"<!DOCTYPE|<!ENTITY")


def list_number(par: Paragraph, formats: dict[tuple[str, str], str]) -> tuple[str, int] | None:
    """(list id, level) when Word numbers this paragraph with 1, 2, 3 (its own numbering or
    its style's); None for bullets, letters and plain paragraphs."""
    style = par.style
    for ppr in (par._p.pPr, style.element.pPr if style is not None else None):
        num_pr = ppr.numPr if ppr is not None else None
        if num_pr is None or num_pr.numId is None:
            continue
        num_id = str(num_pr.numId.val)
        level = str(num_pr.ilvl.val) if num_pr.ilvl is not None else "0"
        if formats.get((num_id, level), "").startswith("decimal"):
            return num_id, int(level)
        return None
    return None


def number_formats(document: DocxDocument) -> dict[tuple[str, str], str]:
    """(numId, level) -> Word's number format ("decimal", "bullet", "lowerLetter", ...)."""
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):  # a document without lists has no numbering part
        return {}
    abstract = {}
    for node in numbering.findall(qn("w:abstractNum")):
        levels = {}
        for lvl in node.findall(qn("w:lvl")):
            fmt = lvl.find(qn("w:numFmt"))
            levels[lvl.get(qn("w:ilvl"))] = fmt.get(qn("w:val")) if fmt is not None else ""
        abstract[node.get(qn("w:abstractNumId"))] = levels
    formats = {}
    for num in numbering.findall(qn("w:num")):
        ref = num.find(qn("w:abstractNumId"))
        levels = abstract.get(ref.get(qn("w:val")) if ref is not None else None, {})
        for level, fmt in levels.items():
            formats[(num.get(qn("w:numId")), level)] = fmt
    return formats


class ListNumbers:
    """Numbers Word shows before numbered paragraphs (the text itself has none), so a
    procedure's steps read "1. ...", "2. ..." as they do on the page."""

    def __init__(self, document: DocxDocument) -> None:
        self.formats = number_formats(document)
        self.counts: dict[str, int] = {}

    def restart(self) -> None:  # a new section starts its lists afresh
        self.counts.clear()

    def label(self, par: Paragraph) -> tuple[str, int] | None:
        found = list_number(par, self.formats)
        if found is None:
            return None
        list_id, level = found
        self.counts[list_id] = self.counts.get(list_id, 0) + (1 if level == 0 else 0)
        return f"{self.counts[list_id]}.", level


def paragraph_block(par: Paragraph, numbers: ListNumbers | None = None) -> Block | None:
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
    numbered = numbers.label(par) if numbers is not None else None
    if numbered is not None and numbered[1] == 0:
        return Block(f"{numbered[0]} {text}", "list")
    if numbered is not None or LIST_STYLE.search(style):  # deeper levels read as sub-items
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
    numbers = ListNumbers(document)
    for item in document.iter_inner_content():
        block = table_block(item) if isinstance(item, Table) else paragraph_block(item, numbers)
        if block is not None:
            if block.kind == "heading":
                numbers.restart()
            blocks.append(block)
    return blocks


def check_package(path: Path) -> None:
    """Refuse a .docx that would unpack or expand far beyond its size, before parsing it."""
    try:
        package = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError("not a valid .docx file (corrupt or not a Word document)") from exc
    with package:
        parts = package.infolist()
        if len(parts) > MAX_PARTS:
            raise IngestError(f"the .docx holds {len(parts):,} parts; Word documents have "
                              "dozens: it may be built to exhaust memory")
        unpacked = sum(p.file_size for p in parts)
        if unpacked > MAX_UNPACKED:
            raise IngestError(f"the .docx unpacks to {unpacked / 1e6:,.0f} MB, over the "
                              f"{MAX_UNPACKED / 1e6:,.0f} MB limit: split the document")
        for part in parts:
            if not part.filename.endswith((".xml", ".rels")):
                continue
            ratio = part.file_size / max(part.compress_size, 1)
            if part.file_size > MAX_XML_PART or (part.file_size > 1_000_000
                                                  and ratio > MAX_RATIO):
                raise IngestError(f"the .docx part {part.filename[:80]} unpacks to "
                                  f"{part.file_size / 1e6:,.0f} MB ({ratio:,.0f} times its "
                                  "packed size): it may be built to exhaust memory")
            try:
                with package.open(part) as xml:
                    head = xml.read(65_536)
            except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
                raise IngestError(f"the .docx part {part.filename[:80]} cannot be unpacked "
                                  "(corrupt, encrypted or an unusual compression)") from exc
            if DTD.search(head):
                raise IngestError(f"the .docx part {part.filename[:80]} declares XML entities "
                                  "(a DTD), which Word never writes: it is refused")


def load_docx(path: Path) -> ParsedDocument:
    check_package(path)
    try:
        document = docx.Document(str(path))
    except etree.LxmlError as exc:  # a broken XML part (the error itself cannot be pickled)
        raise IngestError(f"the .docx has a damaged part and cannot be read: "
                          f"{str(exc)[:200]}") from None
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError("not a valid .docx file (corrupt or not a Word document): "
                          f"{type(exc).__name__}") from exc
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
