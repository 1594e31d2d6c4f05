"""Dense search over the index with Guide's policy filters applied.

Chroma's ``where`` filters cost ~30x a plain query at scale, so we over-fetch and filter here:
superseded documents are never returned, and audience-restricted ones only to that audience.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.documents import Document

from knowledge.base import KnowledgeBase
from knowledge.metadata_fields import ALL_STAFF, audiences

OVERFETCH = 4


@dataclass
class Hit:
    chunk: Document
    chunk_id: str
    score: float  # cosine similarity, higher is closer


def visible(meta: dict, superseded: set[str], audience: str | None) -> bool:
    if meta.get("doc_id") in superseded:
        return False
    allowed = audiences(meta)
    return ALL_STAFF in allowed or audience is None or audience in allowed


def dense_search(
    kb: KnowledgeBase, query: str, k: int = 10, audience: str | None = None,
    superseded: set[str] | None = None,
) -> list[Hit]:
    superseded = kb.catalog.superseded_ids() if superseded is None else superseded
    vector = kb.embeddings.embed_query(query)
    total = kb.chunk_count()
    fetch = min(max(k * OVERFETCH, k), total)
    if fetch == 0:
        return []
    result = kb.collection.query(
        query_embeddings=[vector], n_results=fetch, include=["documents", "metadatas", "distances"]
    )
    hits = []
    for chunk_id, text, meta, distance in zip(
        result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0],
        strict=True,
    ):
        if visible(meta, superseded, audience):
            hits.append(Hit(Document(page_content=text, metadata=meta), chunk_id, 1 - distance))
    return hits[:k]
