"""Running headers and footers of a PDF's pages, found by recurring and taken out.

A page's first or last line that recurs, numbers aside, on half the pages or more (or on
nearly all the left-hand or right-hand pages) is a running header or footer ("67 Published by the
Home Office March 2020"). Some text layers glue the footer to the page's last words instead
("... health-related purposes 4.5.2016 L" then "119/10 EN"): then words that end (or start)
half the pages or more, numbers aside, are the footer (header) when their number changes from
page to page and they stand as a line of their own on a few pages. Otherwise words that recur
at a page's start are as often its text: "Code of" of "Code of Practice: Toolkit", "L 119/21
EN Official Journal 1." of a header followed by a numbered heading. A short first or last line
that carries the page's own number is a header or footer too, though its words change with the
chapter ("| User access | 57"), when most pages carry their number so and those words recur on
another page ("5 Retention periods" atop page 5 is a heading; "3." and "3.1" number a point,
never a page). Pages too short to tell margin from body are left whole.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ingest.loaders.pdf_type import norm

MARGIN_LINES = 1
RUNNING_SHARE = 0.5
RUNNING_MIN_PAGES = 3
# A header on one side only (left- or right-hand pages) is on nearly all of that side's
# pages: three "Article N" headings on a ten-page law's odd pages are not a running header.
SIDE_SHARE = 0.8
SIDE_MIN_PAGES = 4
END_LINES = 3  # a glued footer is looked for in this many lines at each end of a page
END_WORDS = range(2, 9)  # and is this many words long (one word alone is too often text)
PAGE_LINE_WORDS = 8  # a line with the page's number is its header or footer up to this long
# a number a line starts (not "3." / "3)" / "3.1", which number a point) or ends with
EDGE_NUMBER = re.compile(r"^\W*(\d{1,4})\b(?![.)])|\b(\d{1,4})\W*$")


def margin_shape(text: str) -> str:
    """A header or footer with its numbers blanked: page 12's footer is page 13's."""
    return re.sub(r"\d+", "#", norm(text))


def has_margins(lines: list[str]) -> bool:
    """Whether the page is long enough to tell its margins from its body."""
    return len(lines) > 2 * MARGIN_LINES


def edges(lines: list[str]) -> set[int]:
    """Where a running header or footer can be: the page's first and last lines (none on a
    page too short to tell margin from body)."""
    if not has_margins(lines):
        return set()
    return set(range(MARGIN_LINES)) | set(range(len(lines) - MARGIN_LINES, len(lines)))


def recurring(shapes_per_page: Iterable[set[str]]) -> frozenset[str]:
    """Shapes on half the pages or more, or on nearly all the left-hand or right-hand pages
    (a printed document's running header is often the title on one side, the chapter on the
    other). ``shapes_per_page``: one set per page, in page order, empty for a page not read."""
    pages = list(shapes_per_page)
    found: set[str] = set()
    for side, share, fewest in ((pages, RUNNING_SHARE, RUNNING_MIN_PAGES),
                                (pages[0::2], SIDE_SHARE, SIDE_MIN_PAGES),
                                (pages[1::2], SIDE_SHARE, SIDE_MIN_PAGES)):
        seen = Counter(shape for shapes in side for shape in shapes)
        least = max(fewest, share * len(side))
        found |= {shape for shape, n in seen.items() if n >= least}
    return frozenset(found)


def running_lines(pages: list[list[str]]) -> frozenset[str]:
    """Shapes of the lines repeated at the top or bottom of many pages."""
    return recurring({margin_shape(lines[i]) for i in edges(lines)} for lines in pages)


def without_running(lines: list[str], running: frozenset[str]) -> list[str]:
    """``lines`` less a running header or footer in its first or last line."""
    edge = edges(lines)
    return [ln for i, ln in enumerate(lines)
            if not (i in edge and margin_shape(ln) in running)]


def end_words(lines: list[str], at_end: bool) -> list[str]:
    """The words of the page's last (or first) few lines, in reading order."""
    part = lines[-END_LINES:] if at_end else lines[:END_LINES]
    return " ".join(part).split()


def end_runs(lines: list[str], at_end: bool) -> dict[str, str]:
    """The page's first (or last) few words, by their shape, for each length."""
    if not has_margins(lines):
        return {}
    words = end_words(lines, at_end)
    runs = (" ".join(words[-n:] if at_end else words[:n]) for n in END_WORDS if n < len(words))
    return {margin_shape(run): run for run in runs}


def numbered_running(pages: list[list[str]], at_end: bool) -> frozenset[str]:
    runs = [end_runs(lines, at_end) for lines in pages]
    shapes = recurring(set(r) for r in runs)
    alone = Counter(margin_shape(lines[-1 if at_end else 0]) for lines in pages
                    if has_margins(lines))
    return frozenset(shape for shape in shapes if "#" in shape
                     and alone[shape] >= RUNNING_MIN_PAGES
                     and len({r[shape] for r in runs if shape in r}) > 1)


def running_ends(pages: list[list[str]]) -> tuple[frozenset[str], frozenset[str]]:
    """Shapes of the numbered words that start, and that end, many pages: (headers,
    footers)."""
    return numbered_running(pages, at_end=False), numbered_running(pages, at_end=True)


def cut_words(lines: list[str], count: int, at_end: bool) -> list[str]:
    """``lines`` less ``count`` words at their end (or start), across line breaks."""
    lines = list(lines)
    while count and lines:
        i = -1 if at_end else 0
        words = lines[i].split(" ")
        take = min(count, len(words))
        count -= take
        rest = " ".join(words[:-take] if at_end else words[take:])
        if rest:
            lines[i] = rest
        else:
            del lines[i]
    return lines


def without_running_ends(lines: list[str], headers: frozenset[str], footers: frozenset[str]
                         ) -> list[str]:
    """``lines`` less the longest running header at their start and footer at their end."""
    for at_end, shapes in ((True, footers), (False, headers)):
        runs = end_runs(lines, at_end)
        longest = max((len(run.split()) for shape, run in runs.items() if shape in shapes),
                      default=0)
        lines = cut_words(lines, longest, at_end)
    return lines


def edge_number(line: str) -> int | None:
    """The number a short line starts or ends with ("| User access | 57"), if it has one."""
    if len(line.split()) > PAGE_LINE_WORDS:
        return None
    found = EDGE_NUMBER.search(line)
    return int(found.group(1) or found.group(2)) if found else None


def page_number_offset(pages: list[list[str]]) -> int | None:
    """How the printed page numbers in the margins differ from the pages' places (printed
    "57" on the 57th page: 1), where half the pages or more agree; None otherwise."""
    offsets: Counter[int] = Counter()
    for index, lines in enumerate(pages):
        found = {n - index for i in edges(lines) if (n := edge_number(lines[i])) is not None}
        offsets.update(found)
    if not offsets:
        return None
    offset, count = offsets.most_common(1)[0]
    return offset if count >= max(RUNNING_MIN_PAGES, RUNNING_SHARE * len(pages)) else None


def page_number_lines(pages: list[list[str]]) -> dict[int, set[int]]:
    """Where each page's header or footer with the page's own number is (page -> line
    indexes), where most pages have one: its words (numbers aside) recur on another page."""
    offset = page_number_offset(pages)
    if offset is None:
        return {}
    found = [(index, i, margin_shape(lines[i])) for index, lines in enumerate(pages)
             for i in sorted(edges(lines)) if edge_number(lines[i]) == index + offset]
    recur = Counter(shape for _, _, shape in found)
    out: dict[int, set[int]] = {}
    for index, i, shape in found:
        if recur[shape] >= 2:
            out.setdefault(index, set()).add(i)
    return out


def without_margins(pages: dict[int, list[str]]) -> dict[int, list[str]]:
    """Every page's lines less its running header and footer, glued or whole lines. Both
    are found on the pages as they are, so a line that recurs inside the body (numbers
    aside) and ends up last once the footer is gone is kept."""
    in_order = [pages.get(i, []) for i in range(max(pages, default=-1) + 1)]
    running = running_lines(in_order)
    headers, footers = running_ends(in_order)
    numbered = page_number_lines(in_order)
    return {i: without_numbered_edges(
                without_running_ends(without_running(lines, running), headers, footers),
                lines, numbered.get(i, set()))
            for i, lines in pages.items()}


def without_numbered_edges(kept: list[str], lines: list[str], numbered: set[int]) -> list[str]:
    """``kept`` (``lines`` less their other margins) less the page-number header or footer
    found among ``lines``, where it is still the page's first (last) line: only a line that
    was at the page's edge goes, never one that the others' going left there."""
    kept = list(kept)
    if 0 in numbered and kept and lines and kept[0] == lines[0]:
        kept.pop(0)
    if len(lines) - 1 in numbered and kept and kept[-1] == lines[-1]:
        kept.pop()
    return kept
