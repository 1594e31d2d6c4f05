"""One loader per format; ``load_file`` picks by extension and magic bytes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from config.errors import IngestError
from ingest.loaders.docx import load_docx
from ingest.loaders.html import load_html
from ingest.loaders.markdown import load_markdown
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_text
from ingest.model import ParsedDocument

Loader = Callable[[Path], ParsedDocument]

LOADERS: dict[str, Loader] = {
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".html": load_html,
    ".htm": load_html,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".text": load_text,
}

# Formats people will try to upload that we recognise but cannot read, with what to do.
KNOWN_UNSUPPORTED: dict[str, str] = {
    ".doc": "legacy Word 97 format: save as .docx and add it again",
    ".rtf": "rich text format is not supported: save as .docx",
    ".odt": "OpenDocument text is not supported: save as .docx",
    ".xls": "spreadsheets are not supported: save the sheet as .docx or PDF",
    ".xlsx": "spreadsheets are not supported: save the sheet as .docx or PDF",
    ".ppt": "presentations are not supported: save as PDF",
    ".pptx": "presentations are not supported: save as PDF",
    ".msg": "saved e-mails are not supported: save the text as .txt or PDF",
}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003, Excel 97, Outlook .msg
ZIP_MAGIC = b"PK\x03\x04"


def is_candidate(path: Path) -> bool:
    """Files a directory walk picks up: readable formats and ones we can explain."""
    name = path.name.lower()
    if name.startswith((".", "~$")) or name.endswith((".meta.yaml", ".meta.yml")):
        return False
    return path.suffix.lower() in LOADERS or path.suffix.lower() in KNOWN_UNSUPPORTED


def load_file(path: Path, max_bytes: int | None = None) -> ParsedDocument:
    """Parse one file, or raise IngestError with a reason a trainer can act on."""
    suffix = path.suffix.lower()
    if suffix in KNOWN_UNSUPPORTED:
        raise IngestError(KNOWN_UNSUPPORTED[suffix])
    loader = LOADERS.get(suffix)
    if loader is None:
        supported = ", ".join(sorted(LOADERS))
        raise IngestError(f"unsupported file type {suffix or '(none)'}: use one of {supported}")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
    if size == 0:
        raise IngestError("empty file")
    if max_bytes is not None and size > max_bytes:
        raise IngestError(
            f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit: split it"
        )
    if head.startswith(OLE2_MAGIC):
        # A .docx/.pdf name on an old binary file: the classic "renamed .doc".
        raise IngestError(KNOWN_UNSUPPORTED[".doc"] + " (the file is an old binary Office file)")
    doc = loader(path)
    if not any(b.text.strip() for b in doc.blocks if b.kind != "heading"):
        raise IngestError("no text found: the document is empty")
    return doc
