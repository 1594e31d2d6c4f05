"""The keyword side of retrieval: BM25 (bm25s) over every indexed chunk.

A chunk's context line (title > headings) counts twice: a word in a page's title or section
heading says more about what the passage is for than the same word in passing (a BM25F-style
field weight; on SciFact, titles counted twice lift nDCG@10 slightly, and more on DEFRA's pages).

Built from the vector store's own contents and stamped with the record manager's state
(row count and last update), so it is rebuilt whenever an ingest changed anything and can
never serve a stale chunk.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN
from sqlalchemy import text

from knowledge.metadata_fields import ChunkMeta

logging.getLogger("bm25s").setLevel(logging.WARNING)

HEADING_WEIGHT = 2  # times a chunk's context line counts in its keyword text
STOPWORDS = "english"  # bm25s's list, the same as STOPWORDS_EN used for queries
TOKEN = r"(?u)\b\w[\w-]*\w\b|\b\w\b"


def _stemmer() -> Any:
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # keyword search still works, a little less forgiving
        return None


@dataclass
class ChunkTable:
    """Every chunk in memory: ids, texts and metadata, in one order shared by both indexes."""

    ids: list[str]
    texts: list[str]
    metas: list[ChunkMeta]

    def __len__(self) -> int:
        return len(self.ids)


class KeywordIndex:
    def __init__(self, table: ChunkTable) -> None:
        self.table = table
        self.stemmer = _stemmer()
        self.stopwords = set(STOPWORDS_EN)
        self.bm25 = bm25s.BM25()
        if len(table):
            texts = [keyword_text(t, m) for t, m in zip(table.texts, table.metas, strict=True)]
            tokens = bm25s.tokenize(
                [self.prepare(t) for t in texts], stopwords=STOPWORDS,
                stemmer=self.stemmer, show_progress=False, token_pattern=TOKEN,
            )
            self.bm25.index(tokens, show_progress=False)

    @staticmethod
    def prepare(text_: str) -> str:
        # "OFFICIAL-SENSITIVE" should match "official sensitive" and itself; "five" "5"
        return re.sub(r"(\w)-(\w)", r"\1 \2", number_words_as_digits(text_))

    def idf(self, stemmed: str) -> float:
        """Inverse document frequency of a (stemmed, lower-case) term; unseen terms score
        highest, since nothing in the guidance mentions them."""
        n = max(len(self.table), 1)
        token = self.bm25.vocab_dict.get(stemmed) if len(self.table) else None
        df = 0
        if token is not None:
            indptr = self.bm25.scores["indptr"]
            df = int(indptr[token + 1] - indptr[token])
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def query_tokens(self, query: str) -> list[str]:
        """The query as the index's own vocabulary: same pattern, stopwords and stemmer."""
        words = re.findall(TOKEN, self.prepare(query).lower())
        words = [w for w in words if w not in self.stopwords]
        if self.stemmer is not None:
            words = self.stemmer.stemWords(words)
        vocab = self.bm25.vocab_dict
        return [w for w in dict.fromkeys(words) if w in vocab]

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(row in the chunk table, score), best first; empty when nothing matches."""
        tokens = self.query_tokens(query) if len(self.table) else []
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(r), float(scores[r])) for r in top if scores[r] > 0]


_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
          "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_VALUES = {w: n for n, w in enumerate(_UNITS)} | {w: 10 + n for n, w in enumerate(_TEENS)} | {
    w: 20 + 10 * n for n, w in enumerate(_TENS)}
# "one" alone is mostly a pronoun ("which one"), so only "twenty-one" and the like count
NUMBER_WORD = re.compile(
    rf"\b(?:({'|'.join(_TENS)})(?:[- ]({'|'.join(_UNITS[1:])}))?|"
    rf"({'|'.join(_UNITS[2:] + _TEENS + ['zero'])}))\b", re.I)


def number_words_as_digits(text_: str) -> str:
    """"five wrong passwords" reads as "5 wrong passwords", as guidance often writes it."""
    def value(m: re.Match[str]) -> str:
        tens, unit, single = m.groups()
        if single:
            return str(_VALUES[single.lower()])
        return str(_VALUES[tens.lower()] + (_VALUES[unit.lower()] if unit else 0))

    return NUMBER_WORD.sub(value, text_)


def keyword_text(text_: str, meta: ChunkMeta) -> str:
    """What BM25 indexes for a chunk: its context line ``HEADING_WEIGHT`` times, then the body."""
    context = text_[:int(meta.get("body_offset", 0))].strip()
    return " ".join([context] * (HEADING_WEIGHT - 1) + [text_]) if context else text_


def record_stamp(engine: Any, namespace: str) -> tuple[int, str]:
    """What the record manager holds now: changes whenever an ingest adds or removes."""
    with engine.connect() as conn:
        count, last = conn.execute(
            text("SELECT COUNT(*), MAX(updated_at) FROM upsertion_record WHERE namespace = :ns"),
            {"ns": namespace},
        ).one()
    return int(count), str(last)
