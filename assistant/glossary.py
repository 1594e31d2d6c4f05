"""Abbreviations staff type, expanded to the words the guidance uses; product and system
names, followed by what kind of thing they are.

A default glossary for justice organisations ships in ``assistant/defaults/glossary.yaml``;
trainers extend or override it with their own YAML file (``Settings.glossary_path``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from config.errors import GuideError


class GlossaryError(GuideError):
    """A glossary file that cannot be read."""


@dataclass(frozen=True)
class Term:
    abbreviation: str
    expansion: str
    any_case: bool
    # added even where the guidance uses the name itself: a product ("ChatGPT") is named
    # in a passage or two, while the rules are written for its kind ("AI tools")
    always: bool = False


SECTIONS = ("terms", "kinds")


def _terms(raw: object, origin: str) -> dict[str, Term]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(raw.get(s) or {}, dict)
                                            for s in SECTIONS):
        raise GlossaryError(f"{origin}: expected a mapping with 'terms: {{ABBR: expansion}}' "
                            "and/or 'kinds: {NAME: kind}'")
    out = {}
    for section in SECTIONS:
        kind = section == "kinds"
        for abbr, value in (raw.get(section) or {}).items():
            abbr = str(abbr).strip()
            if isinstance(value, dict):
                expansion, any_case = value.get("expansion"), value.get("any_case")
            else:
                expansion, any_case = value, None
            if not abbr or not isinstance(expansion, str) or not expansion.strip():
                raise GlossaryError(f"{origin}: entry {abbr!r} needs an expansion (text)")
            if any_case is None:  # "NRM" is safe lower case; "LA", "PoP" are words there;
                # a product name is typed any way ("chatgpt")
                any_case = kind or (len(abbr) >= 3 and abbr.isupper())
            out[abbr.lower()] = Term(abbr, expansion.strip(), bool(any_case), always=kind)
    return out


class Glossary:
    def __init__(self, terms: dict[str, Term]) -> None:
        self.terms = terms
        exact = [t.abbreviation for t in terms.values() if not t.any_case]
        loose = [t.abbreviation for t in terms.values() if t.any_case]
        by_length = lambda xs: sorted(map(re.escape, xs), key=len, reverse=True)  # noqa: E731
        parts = []
        if exact:
            parts.append(r"(?-i:" + "|".join(by_length(exact)) + ")")
        if loose:
            parts.append("|".join(by_length(loose)))
        self.pattern = (re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.I)
                        if parts else None)

    @classmethod
    def load(cls, path: Path | None = None) -> Glossary:
        """The shipped glossary, with ``path``'s entries added over it (when it exists)."""
        default = resources.files("assistant").joinpath("defaults/glossary.yaml").read_text()
        terms = _terms(yaml.safe_load(default), "default glossary")
        if path is not None and path.exists():
            try:
                raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                raise GlossaryError(f"cannot read the glossary {path}: {exc}") from exc
            terms.update(_terms(raw, str(path)))
        return cls(terms)

    def found(self, text: str) -> list[Term]:
        if self.pattern is None:
            return []
        seen = dict.fromkeys(m.group(0).lower() for m in self.pattern.finditer(text))
        return [self.terms[k] for k in seen if k in self.terms]

    def expand(self, text: str, known: Callable[[str], bool] | None = None) -> str:
        """``text`` with each abbreviation followed by its expansion in brackets, once; an
        expansion already in the text is not repeated, nor one for an abbreviation that
        ``known`` says the guidance itself uses (the search finds it as written, and the
        extra words only blur it: measured on the staff dev set), except a kind."""
        if self.pattern is None:
            return text
        done: set[str] = set()

        def add(match: re.Match[str]) -> str:
            term = self.terms.get(match.group(0).lower())
            if term is None or term.abbreviation.lower() in done or \
                    term.expansion.lower() in text.lower() or \
                    (known is not None and not term.always and known(term.abbreviation)):
                return match.group(0)
            done.add(term.abbreviation.lower())
            return f"{match.group(0)} ({term.expansion})"

        return self.pattern.sub(add, text)

    def plain(self, text: str) -> str:
        """``text`` (as typed, or as ``expand`` wrote it) in the guidance's words: each
        abbreviation and name replaced by its expansion ("can I put case notes into AI
        tool"), for measuring meaning with a model that has never seen "PoP" or "ChatGPT"."""
        if self.pattern is None:
            return text
        out, at = [], 0
        for match in self.pattern.finditer(text):
            term = self.terms.get(match.group(0).lower())
            if term is None or match.start() < at:
                continue
            out.append(text[at:match.start()] + term.expansion)
            at = match.end()
            bracketed = f" ({term.expansion})"
            if text[at:at + len(bracketed)].lower() == bracketed.lower():
                at += len(bracketed)
        return "".join(out) + text[at:]
