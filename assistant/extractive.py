"""The extractive answer: the sentences that answer the question, quoted verbatim from the
best passage (and, where it says more, the passages beside it in the same document), in
document order, each followed by its citation marker. No language model involved."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.terms import content_terms, coverage
from knowledge.instructions import planted
from knowledge.metadata_fields import chunk_body
from knowledge.retriever import Retrieved

# a sentence's end, not a clause number's ("... prohibited. 2. Paragraph 1 shall ...")
SENTENCE_END = re.compile(r"(?<=[.!?])(?<!^\d\.)(?<!^\d\d\.)(?<![.;:]\s\d\.)(?<![.;:]\s\d\d\.)"
                          r"(?<!\d\.\d\.)(?<!\d\.\d\d\.)[\"”')\]]?\s+(?=[\"“'(\[]?[A-Z0-9])")
DANGLING = re.compile(r"^(?:it|this|that|they|these|those|he|she|such)\b", re.I)
MIN_SENTENCE_CHARS = 25
LIST_ITEM = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)]|[a-z][.)]|\|)\s*")
MAX_QUOTES = 3  # sentences (or whole list items / table rows) quoted
MAX_LIST_ITEMS = 6  # items quoted after a sentence that introduces a list
# A numbered line longer than this is a paragraph (a PDF's "4.5. A First Responder ... It is
# also ..."), not a list item: it is quoted sentence by sentence, its number with the first.
ITEM_MAX_CHARS = 300
PARAGRAPH_NUMBER = re.compile(r"^\s*\d{1,2}\.\d{1,3}\.?\s")  # "4.5. ": a paragraph, not an item
UNFINISHED = re.compile(r"[\w,]$")  # a sentence that stops before its end
CLOSE = 0.85  # a sentence this close to the best one's score says more of the answer


@dataclass
class Sentence:
    hit: Retrieved
    hit_rank: int  # 0 = best source
    text: str  # verbatim from the chunk body
    score: float = 0.0


def body_of(hit: Retrieved) -> str:
    return chunk_body(hit.text, hit.meta)


def split_sentences(body: str) -> list[str]:
    """Sentences, with each list item and table row whole on its own; verbatim slices."""
    out = []
    for line in body.split("\n"):
        if LIST_ITEM.match(line) and len(line.strip()) <= ITEM_MAX_CHARS \
                and not PARAGRAPH_NUMBER.match(line):
            text = line.strip()
            if len(text) >= 8:
                out.append(text)
            continue
        for piece in SENTENCE_END.split(line):
            text = piece.strip()
            if len(text) >= MIN_SENTENCE_CHARS:
                out.append(text)
    return out


def is_item(text: str) -> bool:
    return bool(LIST_ITEM.match(text))


def candidate_sentences(hits: list[Retrieved], max_sources: int) -> list[Sentence]:
    """Sentences of the best sources. A page's summary helped find the page but says what
    the page is for, not what it rules, so the answer quotes the page itself."""
    sources = [h for h in hits if not h.meta.get("summary")][:max_sources]
    return [Sentence(hit, rank, text)
            for rank, hit in enumerate(sources)
            for text in quotable_sentences(hit)]


def quotable_sentences(hit: Retrieved) -> list[str]:
    """A passage's sentences less a PDF chunk's last one when it stops mid-sentence, as where
    a page break cut it ("If possible and appropriate, the First"): half a sentence says half
    a thing. A list item without a full stop is whole. A sentence planted to steer an
    assistant (``knowledge.instructions``) is never quoted."""
    body = body_of(hit)
    sentences = [s for s in split_sentences(body) if not planted(s)]
    if hit.meta.get("format") == "pdf" and len(sentences) > 1 and \
            body.rstrip().endswith(sentences[-1]) and UNFINISHED.search(sentences[-1]) and \
            not is_item(sentences[-1]):
        sentences.pop()
    return sentences


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


def compose_quotes(sentences: list[Sentence]) -> list[tuple[Retrieved, str]]:
    """(passage, quote) pairs to say, in document order: the best-scoring sentence's passage
    supplies the answer; its other sentences close in score join it, and a sentence that
    introduces a list ("...:") brings the list's items. Passages of other documents are left
    out: an answer is one source's words, not a collage."""
    if not sentences:
        return []
    best = max(sentences, key=lambda s: s.score)
    doc = best.hit.meta.get("doc_id")
    same_doc = [s for s in sentences if s.hit.meta.get("doc_id") == doc]
    order = {id(s): i for i, s in enumerate(same_doc)}  # chunk order, then place in it
    chosen = [best]
    for s in sorted(same_doc, key=lambda s: s.score, reverse=True):
        if len(chosen) >= MAX_QUOTES or s.score < best.score * CLOSE:
            break
        if s is best or any(content_terms(s.text) <= content_terms(c.text) for c in chosen):
            continue  # says nothing new
        chosen.append(s)
    # a sentence that introduces a list is quoted with the list
    for s in list(chosen):
        if s.text.rstrip().endswith(":") and not is_item(s.text):
            following = same_doc[order[id(s)] + 1:]
            for item in following[:MAX_LIST_ITEMS]:
                if item.hit is not s.hit or not is_item(item.text):
                    break
                if item not in chosen:
                    chosen.append(item)
    by_place = sorted(chosen, key=lambda s: (s.hit.meta.get("chunk_index", s.hit_rank),
                                             body_of(s.hit).find(s.text)))
    return [(s.hit, s.text) for s in by_place]
