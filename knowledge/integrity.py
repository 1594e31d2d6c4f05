"""Agreement between the three places an index lives: the vector store (Chroma), LangChain's
record manager and the document catalogue.

An ingest writes them in that order, so a run killed part-way leaves vectors the record
manager does not know (LangChain's cleanup can never delete them), records of a file the
catalogue does not list, or a catalogue row whose chunks are gone. ``check`` finds each kind;
``repair`` deletes what no catalogue row vouches for and drops catalogue rows whose chunks are
incomplete, so the next ingest indexes those files again (the embedding cache makes that
cheap). A chunk counts as listed when the catalogue has its file with the same version hash.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import text

from knowledge.base import KnowledgeBase

BATCH = 5000  # ids read from (or deleted in) Chroma per call


@dataclass
class IndexCheck:
    vectors: int = 0  # chunks in the vector store
    records: int = 0  # keys in the record manager
    documents: int = 0  # catalogue rows
    catalogued_chunks: int = 0  # what the catalogue rows say they hold
    orphan_vectors: list[str] = field(default_factory=list)  # in Chroma only
    unlisted: list[str] = field(default_factory=list)  # chunks of a file version not catalogued
    missing_vectors: list[str] = field(default_factory=list)  # records with no vector
    incomplete: list[str] = field(default_factory=list)  # catalogued files lacking chunks

    @property
    def ok(self) -> bool:
        return not (self.orphan_vectors or self.unlisted or self.missing_vectors
                    or self.incomplete)

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        for key in ("orphan_vectors", "unlisted", "missing_vectors"):
            found[key] = len(found[key])  # counts: ids mean nothing to an operator
        return {"ok": self.ok, **found}


def stored_chunks(kb: KnowledgeBase) -> dict[str, tuple[str, str]]:
    """Every chunk id in the vector store -> (source, doc_hash) from its metadata."""
    found: dict[str, tuple[str, str]] = {}
    offset = 0
    while True:
        got = kb.collection.get(include=["metadatas"], limit=BATCH, offset=offset)
        for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
            meta = meta or {}
            found[cid] = (str(meta.get("source", "")), str(meta.get("doc_hash", "")))
        if len(got["ids"]) < BATCH:
            return found
        offset += BATCH


def recorded_keys(kb: KnowledgeBase) -> dict[str, str | None]:
    """Every key the record manager holds -> its group (the chunk's source)."""
    manager = kb.record_manager
    with manager.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT key, group_id FROM upsertion_record WHERE namespace = :ns"),
            {"ns": manager.namespace},
        ).all()
    return {key: group for key, group in rows}


def check(kb: KnowledgeBase) -> IndexCheck:
    vectors = stored_chunks(kb)
    records = recorded_keys(kb)
    catalogue = {e.source: e for e in kb.catalog.all()}
    found = IndexCheck(len(vectors), len(records), len(catalogue),
                       sum(e.chunks for e in catalogue.values()))
    listed: Counter[str] = Counter()
    for cid, (source, doc_hash) in vectors.items():
        entry = catalogue.get(source)
        if cid not in records:
            found.orphan_vectors.append(cid)
        elif entry is None or entry.file_hash != doc_hash:
            found.unlisted.append(cid)
        else:
            listed[source] += 1
    found.missing_vectors = [key for key in records if key not in vectors]
    found.incomplete = [s for s, e in catalogue.items() if listed[s] != e.chunks]
    return found


def repair(kb: KnowledgeBase, found: IndexCheck | None = None) -> IndexCheck:
    """Bring the three into agreement (see the module's note); returns what was found."""
    found = found or check(kb)
    if found.ok:
        return found
    chunks = stored_chunks(kb)
    doomed = set(found.orphan_vectors) | set(found.unlisted)
    dropped = set(found.incomplete)
    doomed |= {cid for cid, (source, _) in chunks.items() if source in dropped}
    records = recorded_keys(kb)
    stale = (set(found.unlisted) | set(found.missing_vectors)
             | {key for key, group in records.items() if group in dropped})
    ids = sorted(doomed)
    for start in range(0, len(ids), BATCH):
        kb.collection.delete(ids=ids[start:start + BATCH])
    stale_keys = sorted(stale & set(records))
    for start in range(0, len(stale_keys), BATCH):
        kb.record_manager.delete_keys(stale_keys[start:start + BATCH])
    for source in dropped:
        kb.catalog.remove(source)
    return found
