"""When the sources give different answers for a detail the question leaves out, ask for it.

Two details matter most in this kind of guidance: *which* of several similarly named things
is meant ("Copilot": Microsoft 365 Copilot, GitHub Copilot, Copilot Chat), and *what kind of
information* it is (OFFICIAL, OFFICIAL-SENSITIVE, personal data...).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

CLASSIFICATIONS = {
    "OFFICIAL-SENSITIVE": r"official[- ]sensitive",
    "OFFICIAL": r"official(?![- ]sensitive)",
    "SECRET": r"(?<!top )secret\b",
    "personal data": r"personal (?:data|information)",
    "special category data": r"special category",
    "public information": r"\bpublic(?:ly available)? (?:data|information)|\bopen data",
}
# The question is about doing something with information whose kind it does not say.
USES_INFORMATION = re.compile(
    r"\b(?:use|put|share|send|upload|paste|enter|store|process|give)\b.{0,40}"
    r"\b(?:data|information|documents?|files?|records?)\b", re.I)
ASKS_WHICH_KINDS = re.compile(r"\b(?:what|which)\s+(?:kinds?\s+of\s+|types?\s+of\s+)?"
                              r"(?:data|information)\b", re.I)
NAME_WORD = r"(?:[A-Z][\w]*\d*|\d+)"
COMMON_CAPITALS = {"Can", "Is", "Do", "Does", "How", "What", "Which", "Should", "I", "May",
                   "Are", "Will", "Could", "Would", "Who", "When", "Where", "Why", "The", "A",
                   "And", "But", "Also", "So", "Then", "Or"}


def classification_options(question: str, source_texts: list[str]) -> list[str]:
    """Kinds of information the sources distinguish, when the question names none."""
    if not USES_INFORMATION.search(question) or ASKS_WHICH_KINDS.search(question):
        return []
    if any(re.search(p, question, re.I) for p in CLASSIFICATIONS.values()):
        return []
    joined = "\n".join(source_texts)
    found = [name for name, p in CLASSIFICATIONS.items() if re.search(p, joined, re.I)]
    return found if len(found) >= 2 else []


GENERAL = re.compile(r"\b(?:in general|general use|generally|any|all|every)\b", re.I)


def named_things(text: str, sources: str = "",
                 written_lower: Callable[[str], bool] = lambda word: True) -> list[str]:
    """The names ``text`` uses: its capitalised words, and (staff type in lower case) each
    word the guidance never writes in lower case (``written_lower``: "policy" is, "copilot"
    is not), as the ``sources`` write it."""
    typed = [w for w in re.findall(r"\b[A-Z][A-Za-z0-9]{2,}\b", text) if w not in COMMON_CAPITALS]
    for word in dict.fromkeys(re.findall(r"\b[a-z][a-z0-9]{2,}\b", text)):
        if written_lower(word):
            continue
        spelt = set(re.findall(rf"\b{word}\b", sources, re.I))
        if spelt and all(w[0].isupper() for w in spelt):
            form = max(spelt, key=lambda w: sources.count(w))
            if form not in COMMON_CAPITALS and form not in typed:
                typed.append(form)
    return typed


def variant_options(question: str, source_texts: list[str], earlier: str = "",
                    written_lower: Callable[[str], bool] = lambda word: True) -> list[str]:
    """Longer names in the sources for a name the question uses bare, e.g. "Copilot".
    A follow-up that names nothing itself is about what the earlier turn named."""
    if GENERAL.search(question):
        return []  # "Is MCP approved for general use?" asks about the general case
    joined = "\n".join(source_texts)
    words = (named_things(question, joined, written_lower)
             or named_things(earlier, joined, written_lower))
    for word in words:
        # qualifiers come before the head word in product names: "GitHub Copilot"
        pattern = re.compile(rf"\b((?:{NAME_WORD}\s){{1,2}}{word})\b(?!\s[A-Z])")
        names = Counter(m.group(1).strip() for m in pattern.finditer(joined))
        names = Counter({n: c for n, c in names.items()
                         if n.split()[0] not in COMMON_CAPITALS and not n.endswith("ing")
                         and not n.split()[0].endswith("ing")})
        # "Requesting GitHub Copilot" is "GitHub Copilot" in a heading
        variants = [n for n in names if not any(o != n and n.endswith(" " + o) for o in names)
                    and names[n] >= 2]
        qualifiers = {w.lower() for v in variants for w in v.split() if w != word}
        if len(variants) >= 2 and not qualifiers & {w.lower() for w in question.split()}:
            return sorted(variants, key=lambda v: -names[v])[:4]
    return []


def options_text(options: list[str]) -> str:
    return ", ".join(options[:-1]) + " or " + options[-1] if len(options) > 1 else options[0]
