"""The extractive answer: the few sentences that answer the question, quoted verbatim from the
best sources, each followed by its citation marker. No language model involved."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.terms import content_terms, coverage
from knowledge.metadata_fields import chunk_body
from knowledge.retriever import Retrieved

SENTENCE_END = re.compile(r"(?<=[.!?])[\"”')\]]?\s+(?=[\"“'(\[]?[A-Z0-9])")
DANGLING = re.compile(r"^(?:it|this|that|they|these|those|he|she|such)\b", re.I)
MIN_SENTENCE_CHARS = 25


@dataclass
class Sentence:
    hit: Retrieved
    hit_rank: int  # 0 = best source
    text: str  # verbatim from the chunk body
    score: float = 0.0


def body_of(hit: Retrieved) -> str:
    return chunk_body(hit.text, hit.meta)


def split_sentences(body: str) -> list[str]:
    """Sentences, with each line of a list or table row on its own; verbatim slices."""
    out = []
    for line in body.split("\n"):
        for piece in SENTENCE_END.split(line):
            text = piece.strip()
            if len(text) >= MIN_SENTENCE_CHARS:
                out.append(text)
    return out


def candidate_sentences(hits: list[Retrieved], max_sources: int) -> list[Sentence]:
    """Sentences of the best sources. A page's summary helped find the page but says what
    the page is for, not what it rules, so the answer quotes the page itself."""
    sources = [h for h in hits if not h.meta.get("summary")][:max_sources]
    return [Sentence(hit, rank, text)
            for rank, hit in enumerate(sources)
            for text in split_sentences(body_of(hit))]


def score_sentences(
    question: str, sentences: list[Sentence], similarities: list[float] | None
) -> None:
    """Cover the question's words, sit close to it in meaning, come from a top source."""
    terms = content_terms(question)
    for i, s in enumerate(sentences):
        lexical = coverage(terms, s.text)
        context = coverage(terms, s.hit.meta.get("heading_path", "") + " " + s.text)
        semantic = similarities[i] if similarities else 0.0
        s.score = 0.45 * semantic + 0.3 * lexical + 0.1 * context + 0.15 / (1 + s.hit_rank)
        if DANGLING.match(s.text):
            s.score *= 0.8  # "It is not approved..." means little quoted on its own


def select(sentences: list[Sentence], max_sentences: int, per_source: int) -> list[Sentence]:
    chosen: list[Sentence] = []
    per: dict[str, int] = {}
    best = max((s.score for s in sentences), default=0.0)
    for s in sorted(sentences, key=lambda s: s.score, reverse=True):
        if len(chosen) == max_sentences or s.score < best * 0.75:
            break
        if per.get(s.hit.chunk_id, 0) >= per_source:
            continue
        if any(content_terms(s.text) <= content_terms(c.text) for c in chosen):
            continue  # says nothing new
        chosen.append(s)
        per[s.hit.chunk_id] = per.get(s.hit.chunk_id, 0) + 1
    # read in document order within a source, sources in rank order
    return sorted(chosen, key=lambda s: (s.hit_rank, body_of(s.hit).find(s.text)))
