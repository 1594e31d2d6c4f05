"""Content words of a text, stemmed, for measuring how much of a question a passage covers."""

from __future__ import annotations

import re
from functools import cache

from bm25s.stopwords import STOPWORDS_EN_PLUS

from knowledge.keyword import number_words_as_digits

WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# Words every question has that say nothing about the topic.
QUESTION_WORDS = {
    "can", "could", "may", "might", "should", "would", "will", "shall", "must", "do", "does",
    "did", "is", "are", "was", "were", "am", "be", "been", "i", "me", "my", "we", "our", "us",
    "you", "your", "what", "which", "who", "whom", "whose", "when", "where", "why", "how",
    "it", "its", "this", "that", "these", "those", "there", "here", "a", "an", "the", "of",
    "to", "in", "on", "at", "for", "with", "about", "from", "by", "into", "as", "and", "or",
    "if", "so", "any", "some", "all", "get", "got", "need", "use", "using", "used", "allowed",
    "ok", "okay", "alright", "fine", "please", "tell", "say", "says", "said", "know", "want",
    "guidance", "rule", "rules", "quote", "exact", "exactly", "wording", "bit", "thing",
    "something", "anything", "else", "also", "just", "now", "still", "yes", "no", "not",
    "guide", "policy", "doing", "make", "let", "one", "ones",
    # asking about the answer itself ("give me a longer answer")
    "answer", "answers", "longer", "shorter", "structured", "numbered", "explain", "detail",
    "details", "summary", "summarise", "summarize", "simpler", "again", "give", "more", "less",
}
STOP = set(STOPWORDS_EN_PLUS) | QUESTION_WORDS


@cache
def _stemmer():
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:
        return None


@cache
def stem(word: str) -> str:
    stemmer = _stemmer()
    return stemmer.stemWord(word) if stemmer else word


def words(text: str) -> list[str]:
    return WORD.findall(number_words_as_digits(text).lower().replace("-", " "))


def content_terms(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOP and len(w) > 1}


def weighted_coverage(question_terms: set[str], text: str, weight) -> float:
    """Like ``coverage``, but rare words (the ones that say what the question is about)
    count for more: ``weight`` maps a term to its importance (e.g. its IDF)."""
    total = sum(weight(t) for t in question_terms)
    if not total:
        return 0.0
    return sum(weight(t) for t in question_terms & content_terms(text)) / total


def coverage(question_terms: set[str], text: str) -> float:
    """Share of the question's content words that the text contains."""
    if not question_terms:
        return 0.0
    return len(question_terms & content_terms(text)) / len(question_terms)


def phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """A configured phrase as a pattern over questions: whole words, any case, and spaces,
    hyphens or underscores between them ("data-sharing" finds "data sharing")."""
    words = [re.escape(w) for w in re.split(r"[\s_-]+", phrase) if w]
    return re.compile(r"\b" + r"[\s_-]+".join(words) + r"\b", re.I) if words else None
