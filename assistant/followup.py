"""Follow-ups that change one part of the question before ("What about to the police?" after
"Can I email a risk assessment to the council?") are read as that question with the part
replaced: "Can I email a risk assessment to the police?"."""

from __future__ import annotations

import re

PREPOSITIONS = ("to", "with", "for", "from", "in", "into", "on", "onto", "by", "at", "via",
                "over", "through", "under", "without", "inside", "outside", "about")
# "what about X", "how about X", "and X?", "what if it's X", "same for X", "is X any different?"
CHANGED_PART = [
    re.compile(r"^\s*(?:and\s+|but\s+|ok(?:ay)?\s+|so\s+)?(?:what|how)\s+about\s+(?P<x>.+?)"
               r"\s*[?.!]*\s*$", re.I),
    re.compile(r"^\s*(?:and\s+)?(?:the\s+)?same\s+(?:for|with)\s+(?P<x>.+?)\s*[?.!]*\s*$", re.I),
    re.compile(r"^\s*(?:and|but)\s+(?:if\s+it'?s\s+|for\s+)?(?P<x>.+?)\s*\?+\s*$", re.I),
    re.compile(r"^\s*(?:and\s+)?(?:is|are|does|do|would)\s+(?P<x>.+?)\s+(?:any\s+|at\s+all\s+)?"
               r"(?:different|the same|similar)\b.*$", re.I),
]
STOP_AT = r"(?=\s+(?:" + "|".join(PREPOSITIONS) + r"|and|or|if|when|because|so)\b|[?.!,;:]|$)"
NAME = re.compile(r"(?<![.?!]\s)(?<!^)\b(?:[A-Z][\w-]*|[A-Z]{2,}\w*)(?:\s+(?:[A-Z][\w-]*|"
                  r"\d[\w.]*))*")


def changed_part(question: str) -> str | None:
    for pattern in CHANGED_PART:
        m = pattern.match(question)
        if m:
            x = m.group("x").strip()
            if 0 < len(x.split()) <= 8:
                return x
    return None


def _replace_span(earlier: str, start: int, end: int, new: str) -> str:
    return earlier[:start] + new + earlier[end:]


def replace_part(earlier: str, part: str) -> str | None:
    """``earlier`` with the phrase that plays ``part``'s role replaced by it, or None."""
    words = part.split()
    first = words[0].lower()
    if first in PREPOSITIONS and len(words) > 1:
        # "to the police" replaces the last "to ..." phrase
        spans = list(re.finditer(rf"\b{first}\s+.+?{STOP_AT}", earlier, re.I))
        if spans:
            m = spans[-1]
            return _replace_span(earlier, m.start(), m.end(), part)
        return None
    head = re.sub(r"\W+$", "", words[-1]).lower()
    if len(words) > 1 or not part[:1].isupper():
        # "research data" replaces "personal data": as many words before the same head word
        # as the follow-up has ("a care plan" -> one word and "plan")
        modifiers = [w for w in words[:-1] if w.lower() not in {"a", "an", "the", "some"}]
        for n in range(len(modifiers), -1, -1):
            found = list(re.finditer(rf"\b(?:[\w'-]+\s+){{{n}}}{re.escape(head)}\b", earlier,
                                     re.I))
            if found:
                m = found[-1]
                return _replace_span(earlier, m.start(), m.end(), " ".join(words[-1 - n:]))
    # a name ("Azure") replaces the name the earlier question asked about ("AWS Bedrock")
    names = list(NAME.finditer(earlier.strip()))
    if part[:1].isupper() and names:
        m = max(names, key=lambda n: len(n.group(0)))
        return _replace_span(earlier.strip(), m.start(), m.end(), part)
    return None


def rewrite(question: str, earlier: str) -> str | None:
    """The follow-up as a whole question, when it names only what changed; else None."""
    part = changed_part(question)
    if part is None or not earlier:
        return None
    return replace_part(earlier, part)
