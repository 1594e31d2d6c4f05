"""The document catalogue: one row per indexed file, beside LangChain's record manager.

It answers "what is indexed" (``guide sources``), lets an unchanged file be skipped without
parsing it, and tells retrieval which documents are superseded.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    select,
)
from sqlalchemy.engine import Engine

from config.errors import DocumentNotFound

metadata = MetaData()
documents = Table(
    "guide_documents",
    metadata,
    Column("source", String, primary_key=True),  # absolute path of the file
    Column("doc_id", String, nullable=False, index=True),
    Column("title", String, nullable=False),
    Column("format", String, nullable=False),
    Column("file_hash", String, nullable=False),
    Column("pipeline", String, nullable=False),
    Column("chunks", Integer, nullable=False),
    Column("pages", Integer),
    Column("policy", Text, nullable=False),  # PolicyMetadata as JSON
    Column("indexed_at", DateTime, nullable=False),
)


@dataclass
class CatalogEntry:
    source: str
    doc_id: str
    title: str
    format: str
    file_hash: str
    pipeline: str
    chunks: int
    pages: int | None
    policy: dict[str, Any]
    indexed_at: dt.datetime
    superseded_by: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id, "title": self.title, "source": self.source,
            "format": self.format, "chunks": self.chunks, "pages": self.pages,
            "file_hash": self.file_hash, "indexed_at": self.indexed_at.isoformat(),
            "superseded_by": self.superseded_by, **self.policy,
        }


class Catalog:
    def __init__(self, db_url: str, engine: Engine | None = None) -> None:
        self.engine = engine or create_engine(db_url)
        metadata.create_all(self.engine)

    def upsert(self, entry: CatalogEntry) -> None:
        row = {k: v for k, v in entry.__dict__.items() if k != "superseded_by"}
        row["policy"] = json.dumps(entry.policy)
        with self.engine.begin() as conn:
            conn.execute(documents.delete().where(documents.c.source == entry.source))
            conn.execute(documents.insert().values(**row))

    def remove(self, source: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(documents.delete().where(documents.c.source == source))

    def stamp(self) -> tuple[int, str]:
        """Changes whenever a row is added, replaced or removed."""
        with self.engine.connect() as conn:
            count, last = conn.execute(
                select(func.count(), func.max(documents.c.indexed_at))).one()
        return int(count), str(last)

    def get(self, source: str) -> CatalogEntry | None:
        return next((e for e in self.all() if e.source == source), None)

    def all(self) -> list[CatalogEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(documents.select().order_by(documents.c.doc_id)).mappings().all()
        entries = [
            CatalogEntry(**{**row, "policy": json.loads(row["policy"])}) for row in rows
        ]
        by_id = {e.doc_id: e for e in entries}
        for entry in entries:
            for old in entry.policy.get("supersedes", []):
                if old in by_id and old != entry.doc_id:
                    by_id[old].superseded_by.append(entry.doc_id)
        return entries

    def current(self) -> list[CatalogEntry]:
        """The documents staff are answered from: every one not superseded by another."""
        return [e for e in self.all() if not e.superseded_by]

    def superseded_ids(self) -> set[str]:
        return {e.doc_id for e in self.all() if e.superseded_by}

    def find(self, ref: str) -> list[CatalogEntry]:
        """Entries matching a doc id, a source path (or its end), or a title."""
        entries = self.all()
        for test in (
            lambda e: e.doc_id == ref,
            lambda e: e.source == ref or e.source.endswith("/" + ref.lstrip("./")),
            lambda e: e.title.lower() == ref.lower(),
        ):
            found = [e for e in entries if test(e)]
            if found:
                return found
        return []

    def resolve(self, ref: str) -> CatalogEntry:
        found = self.find(ref)
        if not found:
            raise DocumentNotFound(
                f"no indexed document matches {ref!r} (see `guide sources list`)"
            )
        if len(found) > 1:
            paths = ", ".join(e.source for e in found)
            raise DocumentNotFound(f"{ref!r} matches {len(found)} documents ({paths}): use a path")
        return found[0]
