"""The model's own words, checked before anyone sees them.

In LLM mode the quotes are verbatim by construction (``assistant.llm`` checks each against
its source), but the short lead the model writes around them is free text: a document's
injected line or a confused model could make it tell staff to send files to an outside
address, or say the opposite of the rule it cites. So every sentence of the lead must be
supported by the checked quotes, or it is dropped:

- the personal-data guard finds nothing in it;
- every email address, link and phone number in it is in the quotes too;
- most of its content words are words of the quotes;
- it is negated exactly when the quote it draws on is ("must not" stays "must not").

What survives is at most ``LEAD_SENTENCES`` sentences; with none, the answer is the quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.guard import check as guard_check

LEAD_SENTENCES = 2
SUPPORT = 0.6  # share of a sentence's content words that the quotes must contain
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)")
LIST_MARKER = re.compile(r"\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)]", re.I)
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
LINK = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|uk|io|gov|info)"
                  r"(?:/\S*)?\b", re.I)
PHONE = re.compile(r"(?<!\w)\+?\d[\d ()-]{6,}\d(?!\w)")
NEGATION = re.compile(r"\b(?:not|never|no|none|nor|cannot|without|neither|nobody|nothing)\b"
                      r"|n't\b|\bprohibited\b|\bforbidden\b", re.I)
AFFIRMATION = re.compile(r"^\W*(?:yes|yeah|sure|of course|you can|you may|it is fine|fine)\b",
                         re.I)
# words that carry no claim of their own
STOP_WORDS = """a an and are as at be been being but by can could did do does for from had
has have he her his i if in into is it its itself may me might must my of on or our shall she
should so than that the their them then there these they this those to too us was we were what
when where which while who whom why will with would you your yours also any all each every
just only own same such very yes"""
STOP = frozenset(STOP_WORDS.split())


def content_words(text: str) -> set[str]:
    """Lower-case words that say something, plural and possessive endings folded."""
    out = set()
    for word in WORD.findall(text.lower().replace("\u2019", "'")):
        word = word.removesuffix("'s")
        if word in STOP or len(word) < 3:
            continue
        out.add(word[:-1] if word.endswith("s") and len(word) > 4 else word)
    return out


def contacts(text: str) -> set[str]:
    """Email addresses, links and phone numbers, in a form that compares across spacing."""
    found = {m.group(0).lower().rstrip(".,;)") for m in EMAIL.finditer(text)}
    found |= {m.group(0).lower().rstrip(".,;)") for m in LINK.finditer(text)
              if "@" not in m.group(0)}
    found |= {re.sub(r"\D", "", m.group(0)) for m in PHONE.finditer(text)}
    return found


def squeezed(text: str) -> str:
    """Lower case without spaces and hyphens: "0113 496 0000" is "01134960000"."""
    return re.sub(r"[\s-]", "", text.lower())


def negated(text: str) -> bool:
    return bool(NEGATION.search(text.replace("\u2019", "'")))


def unsupported(sentence: str, quotes: list[str]) -> str | None:
    """Why ``sentence`` is not supported by ``quotes``; None when it is."""
    quoted = " ".join(quotes)
    known = contacts(quoted)
    if any(c not in known and not any(c in k or k in c for k in known)
           for c in contacts(sentence)):
        return "it gives an address, link or number the quotes do not"
    # what the guidance itself says (a service desk's address) is not the model's to refuse
    said = squeezed(quoted)
    if any(squeezed(sentence[f.start:f.end]) not in said
           for f in guard_check(sentence).findings):
        return "it holds personal data"
    words = content_words(sentence)
    if not words:
        return "it says nothing the quotes say" if AFFIRMATION.search(sentence) else None
    pool = content_words(quoted)
    if len(words & pool) / len(words) < SUPPORT:
        return "most of its words are not in the quotes"
    best = max(quotes, key=lambda q: len(words & content_words(q)))
    if negated(sentence) != negated(best) or (AFFIRMATION.search(sentence) and negated(best)):
        return "it says the opposite of the quote it draws on"
    return None


@dataclass
class CheckedLead:
    text: str  # the sentences kept, in the model's order
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (sentence, why)


def sentences_of(text: str) -> list[str]:
    """Sentences; a list number ("2.", "b)") stays with the words it numbers."""
    out: list[str] = []
    for piece in (s.strip() for s in SENTENCE.split(text.strip())):
        if out and LIST_MARKER.fullmatch(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        elif piece:
            out.append(piece)
    return out


def checked_lead(text: str, quotes: list[str], most: int = LEAD_SENTENCES) -> CheckedLead:
    """The model's lead reduced to the sentences its quotes support (at most ``most``)."""
    kept: list[str] = []
    dropped: list[tuple[str, str]] = []
    for sentence in sentences_of(text):
        why = unsupported(sentence, quotes) if len(kept) < most else "the lead is long enough"
        (dropped.append((sentence, why)) if why else kept.append(sentence))
    return CheckedLead(" ".join(kept), dropped)
