"""Audiences around an answer: which audiences its sources are for, and whether someone's own
audiences would have found a restricted passage that an all-staff answer could not use.

Channels use these where the answer is seen by others (a Slack channel thread, a Teams
channel): that answer is computed for all staff, and the asker is offered a private one when a
document only they may see would help.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from assistant.answer import Citation
from config.audiences import ALL_STAFF, readers
from knowledge.metadata_fields import audiences as chunk_audiences

if TYPE_CHECKING:
    from assistant.core import Assistant
    from knowledge.retriever import HybridRetriever

UNKNOWN = "unknown"  # a cited chunk no longer indexed: nobody but its own audience may know
IN_REACH = 3  # a restricted passage this high in the asker's ranking would shape the answer


def cited_audiences(retriever: HybridRetriever, citations: Iterable[Citation]
                    ) -> dict[str, list[str]]:
    """Each cited document's audiences (by doc id), as its cited chunk says."""
    out: dict[str, list[str]] = {}
    for c in citations:
        if c.doc_id in out:
            continue
        stored = retriever.chunk(c.chunk_id) if c.chunk_id else None
        out[c.doc_id] = chunk_audiences(stored.meta) if stored else [UNKNOWN]
    return out


def for_everyone(document_audiences: Iterable[Collection[str]]) -> bool:
    """Whether every one of these documents is for all staff (so an answer citing them may be
    shown where anyone can read it)."""
    return all(ALL_STAFF in a for a in document_audiences)


def restricted_in_reach(assistant: Assistant, question: str, history: Sequence[str],
                        audiences: Collection[str]) -> list[str]:
    """Titles of restricted documents that would be among the passages an answer for
    ``audiences`` draws on first (none when the asker reads as all staff only)."""
    mine = readers(audiences)
    if len(mine) == 1:
        return []
    query = assistant.search_query(question, list(history))
    hits = assistant.retriever.search(query, k=IN_REACH, audiences=mine)
    titles = [h.meta.get("title") or h.meta.get("doc_id", "")
              for h in hits if ALL_STAFF not in chunk_audiences(h.meta)]
    return list(dict.fromkeys(titles))
