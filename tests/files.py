"""Small fixture documents, made by the tests: PDFs (with outline, scanned, encrypted),
DOCX with headings and a table, and the bad inputs trainers will bring."""

from __future__ import annotations

from pathlib import Path

import docx
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter


def make_pdf(path: Path, pages: list[list[tuple[str, str]]], title: str | None = None,
             author: str | None = None, keywords: str | None = None) -> Path:
    """``pages``: per page, a list of ("h1"|"h2"|"p", text); headings become bookmarks."""
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    if keywords:
        pdf.set_keywords(keywords)
    for page in pages:
        pdf.add_page()
        for kind, text in page:
            if kind in ("h1", "h2"):
                pdf.start_section(text, level=0 if kind == "h1" else 1)
                pdf.set_font("Helvetica", "B", 14)
            else:
                pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    pdf.output(str(path))
    return path


def make_scanned_pdf(path: Path) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # an "image" of a page: no text layer
    pdf.output(str(path))
    return path


def make_encrypted_pdf(path: Path, source: Path, password: str = "secret") -> Path:
    writer = PdfWriter()
    for page in PdfReader(str(source)).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-owner",
                   algorithm="AES-256")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def make_docx(path: Path, title: str | None = None, author: str | None = None,
              keywords: str | None = None, heading: str = "Information Sharing Agreement"
              ) -> Path:
    document = docx.Document()
    props = document.core_properties
    if title:
        props.title = title
    if author:
        props.author = author
    if keywords:
        props.keywords = keywords
    document.add_heading(heading, level=0)
    document.add_heading("1. Purpose", level=1)
    document.add_paragraph("This agreement allows probation staff to share attendance data.")
    document.add_heading("2. What is shared", level=1)
    table = document.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("Information", "Purpose"),
                                ("Attendance", "Monitoring licence conditions"),
                                ("Risk summary", "Keeping staff safe")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    document.add_heading("2.1 Retention", level=2)
    document.add_paragraph("Records are kept for twelve months after the order ends.")
    document.save(path)
    return path


def make_legacy_doc(path: Path) -> Path:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"Word.Document.8")
    return path
