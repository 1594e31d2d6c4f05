"""Rebuild the sample knowledge base's DOCX and PDF files from scripts/sample_src/.

Run after editing a source: ``python scripts/build_sample.py``. The outputs are committed so
that a fresh machine can serve the sample without this script's dependency (fpdf2).
"""

from __future__ import annotations

import re
from pathlib import Path

import docx
from fpdf import FPDF

SRC = Path(__file__).parent / "sample_src"
OUT = Path(__file__).parent.parent / "knowledge" / "sample"


def parse(path: Path) -> tuple[dict[str, str], list[tuple[str, object]]]:
    head, body = path.read_text().split("\n\n", 1)
    meta = dict(line.split(": ", 1) for line in head.splitlines())
    items: list[tuple[str, object]] = []
    for line in body.splitlines():
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            items.append(("heading", (level, line.lstrip("# "))))
        elif line.startswith("|"):
            row = [c.strip() for c in line.strip("|").split("|")]
            if items and items[-1][0] == "table":
                items[-1][1].append(row)
            else:
                items.append(("table", [row]))
        elif line == "[page]":
            items.append(("page", None))
        elif re.match(r"\d+\. ", line):  # a numbered step: Word's own numbering in DOCX
            items.append(("numbered", line))
        elif line.startswith("- "):
            items.append(("bullet", line))
        elif line.strip():
            items.append(("para", line))
    return meta, items


def build_docx(meta: dict[str, str], items, target: Path) -> None:
    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.version = meta["title"], meta["author"], meta["version"]
    props.keywords = meta["keywords"]
    for kind, value in items:
        if kind == "heading":
            document.add_heading(value[1], level=value[0] - 1 if value[0] > 1 else 0)
        elif kind == "table":
            table = document.add_table(rows=len(value), cols=len(value[0]))
            for r, row in enumerate(value):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        elif kind == "para":
            document.add_paragraph(value)
        elif kind == "numbered":
            document.add_paragraph(value.split(". ", 1)[1], style="List Number")
        elif kind == "bullet":
            document.add_paragraph(value[2:], style="List Bullet")
    document.save(target)


def build_pdf(meta: dict[str, str], items, target: Path) -> None:
    pdf = FPDF()
    pdf.set_title(meta["title"])
    pdf.set_author(meta["author"])
    pdf.set_keywords(f"{meta['keywords']}; version={meta['version']}")
    pdf.add_page()
    for kind, value in items:
        if kind == "page":
            pdf.add_page()
        elif kind == "heading":
            level, text = value
            pdf.start_section(text, level=level - 1)
            pdf.set_font("Helvetica", "B", 16 if level == 1 else 13)
            pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif kind in ("para", "numbered", "bullet"):  # a PDF shows the numbers as typed
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif kind == "table":
            pdf.set_font("Helvetica", "", 10)
            with pdf.table() as table:
                for row in value:
                    cells = table.row()
                    for cell in row:
                        cells.cell(cell)
            pdf.ln(3)
    pdf.output(str(target))


def main() -> None:
    for src in sorted(SRC.glob("*.txt")):
        meta, items = parse(src)
        target = OUT / src.stem  # "name.docx.txt" -> "name.docx"
        (build_docx if target.suffix == ".docx" else build_pdf)(meta, items, target)
        print("wrote", target)


if __name__ == "__main__":
    main()
