"""Mechanical checks every training row must pass (see training/README.md): the answer is
verbatim in its passage, the question does not copy its passage, no near-duplicate, and no
passage shares text with an evaluation document."""

from __future__ import annotations

import re
from collections.abc import Iterable

WORD = re.compile(r"[a-z0-9]+")
MAX_COPIED_WORDS = 5  # a question may share at most this many consecutive words
NEAR_DUPLICATE = 0.9  # word-set Jaccard at or above which two questions are one
SHINGLE = 8
MAX_EVAL_OVERLAP = 0.05
STATUSES = ("answered", "cannot_answer", "blocked", "talk_to_a_person")
LOOKALIKE = "lookalike"  # a router row: must not be refused, answered by no passage here


def words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("\u2019", "'"))


def longest_copied_run(question: str, passage: str) -> int:
    """The most consecutive words of ``question`` that also stand together in ``passage``."""
    q, p = words(question), " " + " ".join(words(passage)) + " "
    best = 0
    for start in range(len(q)):
        length = best + 1
        while start + length <= len(q) and f" {' '.join(q[start:start + length])} " in p:
            best = length
            length += 1
    return best


def row_problem(row: dict) -> str | None:
    """Why a row of training/questions.jsonl is unusable; None when it passes."""
    if row.get("status") not in STATUSES:
        return f"unknown status {row.get('status')!r}"
    question = str(row.get("question") or "").strip()
    if len(words(question)) < 2:
        return "the question is empty"
    if row["status"] != "answered" or row.get("kind") == LOOKALIKE:
        return None
    passage, answer = str(row.get("passage") or ""), str(row.get("answer") or "")
    if not answer or any(part not in passage for part in answer.split("\n")):
        return "the answer is not verbatim in its passage"
    if longest_copied_run(question, passage) > MAX_COPIED_WORDS:
        return f"the question copies more than {MAX_COPIED_WORDS} consecutive words"
    return None


def near_duplicates(questions: Iterable[str]) -> set[int]:
    """Indexes of questions that repeat an earlier one (same words, or nearly)."""
    seen: list[set[str]] = []
    exact: set[str] = set()
    out = set()
    for n, question in enumerate(questions):
        bag = set(words(question))
        key = " ".join(words(question))
        if key in exact or any(len(bag & s) / len(bag | s) >= NEAR_DUPLICATE
                               for s in seen if abs(len(s) - len(bag)) <= 2 and bag):
            out.add(n)
            continue
        exact.add(key)
        seen.append(bag)
    return out


def shingles(text: str) -> set[str]:
    w = words(text)
    return {" ".join(w[i:i + SHINGLE]) for i in range(len(w) - SHINGLE + 1)}


def evaluation_overlap(text: str, evaluation: Iterable[str]) -> float:
    """The largest share of ``text``'s 8-word shingles that one evaluation text also has."""
    mine = shingles(text)
    if not mine:
        return 0.0
    return max((len(mine & shingles(doc)) / len(mine) for doc in evaluation), default=0.0)
