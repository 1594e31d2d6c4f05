"""Is there evidence for an answer? Judged by meaning, not by how many words the asker typed.

Signals (each independent of the question's length):
- ``sentence``: the best cosine between the ask (as typed, or in the guidance's words: see
  ``Glossary.plain``) and a sentence of the top passages;
- ``passage``: the best cosine between the ask and a retrieved passage;
- ``margin``: how far the best passage stands above the ask's similarity to the whole corpus
  (its z-score): a question the corpus is not about is about as close to everything;
- ``fusion``: the top hybrid score over the best one possible (both rankers put it first),
  i.e. how much the dense and keyword rankings agree on the best passage;
- ``unknown``: the ask names something (a capitalised word, an acronym, a number) that no
  passage of the corpus mentions at all ("Caldicott", "2025").
All are measured for every answer (and kept with it); a logistic regression over the ones
that backward elimination on 5-fold accuracy keeps, fitted on the dev sets of two corpora by
``scripts/fit_evidence.py``, gives the probability that the documents answer the ask; the
fitted parameters, with the signals they use, ship in ``assistant/defaults/evidence.json``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.terms import STOP, stem
from knowledge.retriever import KEYWORD_WEIGHT, RRF_K, Retrieved

FEATURES = ("sentence", "passage", "margin", "fusion", "unknown")
# Tried and left out (scripts/fit_evidence.py's ablation): the share of the ask's two rarest
# words in the top passages; it fitted DEFRA's short questions and cost 0.23 accuracy when
# trained on DEFRA and tested on the staff set.
TOP_PASSAGES = 3  # passages whose similarity counts
NAMED = re.compile(r"\b(?:[A-Za-z]*[A-Z][A-Za-z]*|\d{3,})\b")


def margin(query_vectors: np.ndarray, corpus: np.ndarray | None, top: float) -> float | None:
    """z-score of the best passage cosine against the ask's cosines to every passage."""
    if corpus is None or len(corpus) < 20:
        return None
    best = None
    for vector in query_vectors:
        sims = corpus @ vector
        std = float(sims.std())
        if std > 0:
            z = (float(sims.max()) - float(sims.mean())) / std
            best = z if best is None else max(best, z)
    return best


def lexical(ask: str, vocab: Collection[str], known_abbreviations: set[str]
            ) -> dict[str, float]:
    """``unknown`` (see the module docstring)."""
    return {"unknown": float(bool(unknown_names(ask, vocab, known_abbreviations)))}


def unknown_names(ask: str, vocab: Collection[str], known_abbreviations: set[str]) -> list[str]:
    """Names in the ask (not a sentence's first word) that the corpus never mentions."""
    out = []
    for m in NAMED.finditer(ask):
        word = m.group(0)
        before = ask[:m.start()].rstrip()
        if not before or before[-1] in ".?!:(" or len(word) < 2:
            continue
        lower = word.lower()
        if lower in STOP or lower in known_abbreviations:
            continue
        if not any(stem(part) in vocab for part in keyword_tokens(lower)):
            out.append(word)
    return out


# A title of several words: "Data (Use and Access) Act 2025", "Secretary of State for Defra".
TITLE_WORD = r"\(?[A-Z][\w'’-]*\)?"
CONNECTORS = ("and", "of", "for", "the", "on", "in", "to", "&")
TITLE = re.compile(rf"{TITLE_WORD}(?:\s+(?:(?:{'|'.join(CONNECTORS)})\s+)*"
                   rf"(?:{TITLE_WORD}|\(?\d+\)?))+")
TITLE_MIN_WORDS = 3  # "UK GDPR", "Home Office", a person's name: too short to be sure of


def unknown_titles(ask: str, mentions: Callable[[str], bool]) -> list[str]:
    """Titles of several words in the ask (a law, a post, a scheme) that no passage of the
    corpus mentions, as typed: the documents cannot say what that thing says or requires.
    A sentence's first word is not part of a title ("Does the Modern Slavery Act ..."),
    nor a year or number after it ("Modern Slavery Act 2016" is the Act). An ask typed in
    title case names nothing by its capitals."""
    words_typed = re.findall(r"[A-Za-z][\w'’-]*", ask)
    if sum(w[0].isupper() for w in words_typed) > len(words_typed) / 2:
        return []
    out = []
    for m in TITLE.finditer(ask):
        words = m.group(0).split()
        before = ask[:m.start()].rstrip()
        if not before or before[-1] in ".?!:":
            words = words[1:]
        while words and words[0] in CONNECTORS:
            words.pop(0)
        while words and words[-1].strip("()").isdigit():
            words.pop()
        capitals = [w for w in words if w.strip("(")[:1].isupper()]
        if len(words) >= TITLE_MIN_WORDS and len(capitals) >= 2 and \
                not mentions(" ".join(words)):
            out.append(" ".join(words).strip("()"))
    return out


def keyword_tokens(word: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", word) or [word]


def signals(query_vectors: np.ndarray, hits: list[Retrieved], sentence_sims: list[float],
            corpus: np.ndarray | None) -> dict[str, float | None]:
    """The signals for one ask. ``query_vectors``: unit vectors of the ask (and of the whole
    message, when they differ); ``sentence_sims``: best cosine of each candidate sentence."""
    top = hits[:TOP_PASSAGES]
    passage = max((h.dense_similarity or 0.0 for h in top), default=0.0)
    best_fused = (1.0 + KEYWORD_WEIGHT) / (RRF_K + 1)
    return {
        "sentence": max(sentence_sims, default=0.0),
        "passage": passage,
        "margin": margin(query_vectors, corpus, passage),
        "fusion": (hits[0].score / best_fused) if hits else 0.0,
    }


@dataclass
class EvidenceModel:
    features: tuple[str, ...]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    threshold: float = 0.5

    @classmethod
    def load(cls, path: Path | None = None) -> EvidenceModel:
        text = (path.read_text() if path is not None else
                resources.files("assistant").joinpath("defaults/evidence.json").read_text())
        raw = json.loads(text)
        return cls(tuple(raw["features"]), raw["mean"], raw["scale"], raw["coef"],
                   raw["intercept"], raw.get("threshold", 0.5))

    def probability(self, values: dict[str, float | None]) -> float:
        z = self.intercept
        for name, mean, scale, coef in zip(self.features, self.mean, self.scale, self.coef,
                                           strict=True):
            value = values.get(name)
            x = mean if value is None else value  # missing (no corpus vectors): average
            z += coef * (x - mean) / scale
        return 1.0 / (1.0 + math.exp(-z))

    def answerable(self, values: dict[str, float | None]) -> bool:
        return self.probability(values) >= self.threshold
