"""File -> chunks, as a pure function of the file, so it can run in a worker process while
the main process embeds the previous file (parsing and embedding overlap on a 2-core box)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from langchain_core.documents import Document

from config.errors import IngestError
from ingest.chunking import chunk_document
from ingest.loaders import load_file
from ingest.metadata import PolicyMetadata, build_metadata
from knowledge.embeddings import ModelInfo, token_counter
from knowledge.instructions import planted_note
from knowledge.metadata_fields import chunk_body


@dataclass(frozen=True)
class PrepareConfig:
    model: ModelInfo
    target_tokens: int
    max_bytes: int


@dataclass
class Prepared:
    chunks: list[Document]
    meta: PolicyMetadata
    format: str
    pages: int | None

    def rename(self, doc_id: str) -> None:
        """Give the document another id (two files asked for the same one)."""
        self.meta.doc_id = doc_id
        for chunk in self.chunks:
            chunk.metadata["doc_id"] = doc_id


def prepare(
    path: Path, source: str, doc_hash: str, audience: str | None, config: PrepareConfig
) -> Prepared:
    doc = load_file(path, max_bytes=config.max_bytes)
    meta = build_metadata(path, doc.metadata, doc.title, audience)
    chunks = chunk_document(
        doc, meta, source=source, doc_hash=doc_hash, count=token_counter(config.model),
        max_tokens=config.model.max_tokens, target_tokens=config.target_tokens,
    )
    if not chunks:
        raise IngestError("no text found: the document is empty")
    note = planted_note([chunk_body(c.page_content, c.metadata) for c in chunks])
    if note:  # indexed (the rest is guidance), but reported, and the answer never quotes it
        meta.notes.append(note)
    return Prepared(chunks, meta, doc.format, doc.pages)
