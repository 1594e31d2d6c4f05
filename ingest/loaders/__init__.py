"""One loader per format; ``load_file`` picks by extension and magic bytes."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from config.errors import IngestError
from ingest.loaders.docx import load_docx
from ingest.loaders.html import load_html
from ingest.loaders.letters import plain_letters
from ingest.loaders.markdown import load_markdown
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_text
from ingest.model import ParsedDocument

Loader = Callable[[Path], ParsedDocument]
log = logging.getLogger(__name__)

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


# Folders a walk never enters: tools' and caches' (a project folder may hold the documents).
SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "venv", "site-packages",
                             "dist-packages", "__MACOSX"})


def walk(root: Path) -> Iterator[Path]:
    """Candidate files under ``root``, in order, never entering hidden folders (.git, .venv,
    .cache...) or tools' folders (node_modules, __pycache__...) below it."""
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders
                               if not d.startswith(".") and d not in SKIPPED_FOLDERS)
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and is_candidate(path):
                yield path


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
    try:
        doc = loader(path)
    except IngestError:
        raise
    except (RecursionError, MemoryError):
        raise IngestError("the file is nested or sized beyond what Guide reads: it may be "
                          "damaged or built to exhaust memory") from None
    except Exception as exc:  # a parser's own error: said plainly, picklable, without paths
        log.warning("could not parse %s", path.name, exc_info=True)
        raise IngestError(f"cannot read this {suffix.lstrip('.').upper()} file (damaged or not "
                          f"what its name says): {without_paths(str(exc), path)}") from None
    if not any(b.text.strip() for b in doc.blocks if b.kind != "heading"):
        raise IngestError("no text found: the document is empty")
    for block in doc.blocks:
        block.text = plain_letters(block.text)
    if doc.title:
        doc.title = plain_letters(doc.title)
    doc.metadata = {k: plain_letters(v) if isinstance(v, str) else v
                    for k, v in doc.metadata.items()}
    return doc


def without_paths(message: str, path: Path) -> str:
    """A parser's message as a trainer may see it: no server folders, at most 200 chars."""
    for shown in (str(path.resolve()), str(path), str(path.resolve().parent), str(path.parent)):
        if shown not in ("", "."):
            message = message.replace(shown, path.name if shown.endswith(path.name) else "")
    return message.strip()[:200] or "no details"
