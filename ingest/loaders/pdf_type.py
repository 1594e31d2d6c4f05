"""Headings a PDF shows only by its type: a line set larger than the body text.

Most PDFs have no outline, and their headings are not numbered ("Capacity", "Other public
authorities"), while their numbered paragraphs ("5.25. It should be presumed...") look like
numbered headings. What marks a heading is its size on the page, which pypdf reports for
every run of text it extracts.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from pypdf import PageObject

HEADING_SCALE = 1.05  # a heading's type is at least this much larger than the body's
HEADING_SHARE = 0.2  # a size holding more text than this share of the body's is body text
HEADING_MAX_WORDS = 20  # a run of large type longer than this is a call-out, not a heading
MAX_LEVELS = 3
# fewer lines than this in larger type (a cover's title) say nothing of how headings are set
MIN_HEADING_LINES = 3

NOT_HEADING = re.compile(r"^[•▪●◦∙·\-–*]|[.,;]$")
# large type that stops mid-phrase ("... like the Local Authority, the Police, or the") is a
# designed page's text running on, not a heading
RUNS_ON = re.compile(r"(?:,|\b(?:the|a|an|of|or|and|to|in|for|with|by|on|at|from|as|is|are|"
                     r"that|which|who))$", re.I)

StyledLine = tuple[str, float]  # a line of text, the size most of its characters are set in


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def run_size(cm: Sequence[float], tm: Sequence[float], font_size: float) -> float:
    """The height of a run of text on the page: its font size scaled by the text matrix
    and the current transformation (a 1-unit font scaled by 12 is 12-point text)."""
    c = tm[2] * cm[0] + tm[3] * cm[2]
    d = tm[2] * cm[1] + tm[3] * cm[3]
    return round(font_size * math.hypot(c, d), 1)


def styled_text(page: PageObject) -> tuple[str, list[StyledLine]]:
    """The page's text as ``extract_text`` gives it, and each line with its type size. The
    sizes are left out (empty list) where the runs do not line up with the text."""
    sizes: list[float] = []  # one per non-space character, in extraction order

    def visit(text: str, cm: Any, tm: Any, font: Any, font_size: float) -> None:
        size = run_size(cm, tm, font_size)
        sizes.extend(size for ch in text if not ch.isspace())

    text = page.extract_text(visitor_text=visit) or ""
    lines: list[StyledLine] = []
    at = 0
    for line in text.split("\n"):
        count = sum(not ch.isspace() for ch in line)
        own = sizes[at:at + count]
        at += count
        if own:
            lines.append((line, Counter(own).most_common(1)[0][0]))
    if at != len(sizes):
        return text, []
    return text, lines


def heading_sizes(pages: list[list[StyledLine]]) -> dict[float, int]:
    """The type sizes that mark headings in a document, each with its level (the largest
    size used on two pages or more is level 1); empty when the body's size is all there is,
    or when few lines are larger (a title). A size seen on one page only is level 1 too."""
    chars: Counter[float] = Counter()
    pages_of: dict[float, set[int]] = {}
    for n, lines in enumerate(pages):
        for line, size in lines:
            chars[size] += len(line)
            pages_of.setdefault(size, set()).add(n)
    if not chars:
        return {}
    body = chars.most_common(1)[0][0]
    larger = [s for s in chars
              if s >= HEADING_SCALE * body and chars[s] <= HEADING_SHARE * chars[body]]
    heading_lines = sum(1 for lines in pages for line, size in lines
                        if size in larger and not NOT_HEADING.search(line.strip()))
    if heading_lines < MIN_HEADING_LINES:
        return {}
    recurring = sorted((s for s in larger if len(pages_of[s]) > 1), reverse=True)
    levels = {s: min(i + 1, MAX_LEVELS) for i, s in enumerate(recurring)}
    return {s: levels.get(s, 1) for s in larger}


def level_by_type(lines: list[StyledLine], sizes: dict[float, int]) -> Callable[[str], int]:
    """A page's ``line -> heading level`` (0 for body text) by the line's type size. A line
    that starts an item or ends a sentence or clause is text, whatever its size."""
    levels = {norm(line): sizes.get(size, 0) for line, size in lines
              if not NOT_HEADING.search(line.strip())}
    return lambda line: levels.get(norm(line), 0)


def reads_as_heading(paragraph: str) -> bool:
    """Whether a paragraph set in heading type is a heading: short, and not stopping
    mid-phrase."""
    return len(paragraph.split()) <= HEADING_MAX_WORDS and not RUNS_ON.search(paragraph)
