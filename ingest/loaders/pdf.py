"""PDF (pypdf): text per physical page, headings from the outline and numbered headings."""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

from config.errors import IngestError
from ingest.loaders.pdf_margins import without_margins
from ingest.loaders.pdf_type import (
    RUNS_ON,
    StyledLine,
    heading_sizes,
    level_by_type,
    norm,
    reads_as_heading,
    styled_text,
)
from ingest.loaders.text import heading_level
from ingest.model import Block, ParsedDocument

logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-but-readable PDFs are common

CLAUSE_START = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?\s|\([a-z0-9]{1,4}\)\s|[•▪●◦∙·\-–]\s?\S)")
# "... referred to in Article" then "32 of ...": the number is the reference's, not a clause's
NEEDS_NUMBER = re.compile(r"\b(?:Article|Articles|Section|Chapter|Annex|Regulation|Directive|"
                          r"paragraph|paragraphs|point|page|pages|No\.?)$", re.I)
SENTENCE_END = re.compile(r"[.:;!?)\]”\"']$")
PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)


def outline_entries(reader: PdfReader) -> list[tuple[int, int, str]]:
    """(page index, level, title) for every bookmark that points at a page."""
    entries: list[tuple[int, int, str]] = []

    def visit(items, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                visit(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:  # broken destinations are common; skip the bookmark
                continue
            title = re.sub(r"\s+", " ", str(getattr(item, "title", "") or "")).strip()
            if page is not None and title:
                entries.append((page, level, title))

    try:
        visit(reader.outline, 1)
    except Exception:
        return []
    return entries


def page_lines(text: str) -> list[str]:
    lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in text.split("\n")]
    return without_ghosts([ln for ln in lines if ln and not PAGE_NUMBER.match(ln)])


GHOST_MIN_PREFIX = 15  # characters a ghost shares with the line above or below it
GHOST_LEAD = 3  # real words a ghost may carry before the next line's start
# characters a ghost repeats of the line above, after words of its own: list items end
# alike ("• First Contact Officers (3 FTE)" / "• Police Officers (3 FTE)")
GHOST_REPEAT = 2 * GHOST_MIN_PREFIX
GHOST_HEAD = 12  # words a ghost may start with before it repeats the line above


def shared_prefix(a: str, b: str) -> int:
    pairs = enumerate(zip(a, b, strict=False))
    return next((n for n, (x, y) in pairs if x != y), min(len(a), len(b)))


def cuts_word(text: str, at: int) -> bool:
    """Whether position ``at`` of ``text`` falls inside a word ("aut|horities")."""
    return 0 < at < len(text) and text[at - 1].isalnum() and text[at].isalnum()


def ghost(line: str, above: str, below: str) -> str | None:
    """The line above as it should read when ``line`` is a ghost (a text layer re-rendered
    over itself, so a line repeats part of its neighbours), taking in the real words the
    ghost carries; None when ``line`` is no ghost. Three shapes, all in the GDPR's official
    PDF, and each only where the repeat is garbled: a copy cut inside a word ("likel" for
    "likely", "rohibited", "aut|horities") or behind a start of the real words. Parallel
    text repeats whole words and is left alone ("Managers must record the decision" /
    "Staff must record the decision").
    - the next line's start overprinted on the end of the line above, after up to two real
      words that end the sentence above: "not apply if one of the following applies: (a)
      ... has rohibited. 2. Paragraph 1 shall not apply" between "... 2. Paragraph 1 shall"
      and "if one of the following applies: (a) ... has given explicit consent";
    - the end of the line above repeated, then the real words that follow it, the whole
      behind a start of those words: "this Regulation work of ... laboratories. (20) While
      this" between "... laboratories. (20) While" and "Regulation applies, inter alia";
    - the line above again, from a point in it, whose own end was garbled by an overprint:
      "ithstanding paragraph 1, ... and obtain prior" under "Notwithstanding paragraph 1,
      ... and obtain prior", or "reedom, ... progress, to the" under "of freedom, ...
      progress, to the stren" and over "strengthening and the convergence".
    """
    words = line.split(" ")
    for lead in range(GHOST_LEAD):
        head, rest = " ".join(words[:lead]), " ".join(words[lead:])
        shared = shared_prefix(rest, below)
        tail = rest[shared:].strip()
        joined = f"{above} {head}".rstrip()
        # rest and below agree up to ``shared``, so a cut there is inside a word of both
        garbled = cuts_word(below, shared) or cuts_word(joined, len(joined) - len(tail))
        if shared >= GHOST_MIN_PREFIX and len(tail) >= 3 and rest != below and \
                joined.endswith(tail) and garbled:
            return joined
    for lead in range(1, min(len(words), GHOST_HEAD + 1)):
        head, rest = " ".join(words[:lead]), " ".join(words[lead:])
        if len(rest) < GHOST_REPEAT:
            break
        # where in the line above a repeat of it starts that runs to its end
        at = above.find(rest[:GHOST_REPEAT])
        while at >= 0 and not rest.startswith(above[at:]):
            at = above.find(rest[:GHOST_REPEAT], at + 1)
        if at < 0:
            continue
        after = rest[len(above) - at:].strip()
        if f"{after} {below}".strip().startswith(head) and (after or cuts_word(above, at)):
            return f"{above} {after}".rstrip()
    at = above.find(line[:GHOST_REPEAT]) if len(line) >= GHOST_REPEAT else -1
    if at > 0:
        overprinted = above[at + shared_prefix(above[at:], line):].strip()
        if cuts_word(above, at) or (overprinted and below.startswith(overprinted)):
            return above[:at] + line
    return None


def without_ghosts(lines: list[str]) -> list[str]:
    """Lines without the ghosts some PDFs draw (see ``ghost``): the real words a ghost
    carries go on the line above, whose sentence they continue."""
    kept: list[str] = []
    for i, line in enumerate(lines):
        fixed = ghost(line, kept[-1], lines[i + 1]) if kept and i < len(lines) - 1 else None
        if fixed is None:
            kept.append(line)
        else:
            kept[-1] = fixed
    return kept


def wrapped(line: str, following: str) -> bool:
    """A line that runs on into the next ("47. Other examples of detriment are deception,"
    then "intimidation, ..."): a numbered paragraph's first line, not a heading."""
    return line.endswith((",", "-")) or bool(following[:1].islower())


def page_paragraphs(lines: list[str], titles: frozenset[str] = frozenset(),
                    level_of: Callable[[str], int] = lambda line: 0) -> list[tuple[str, int]]:
    """Join pypdf's wrapped lines into paragraphs, each with its heading level by type
    (``level_of``, 0 for body text); clause numbers, bullets, lines that are bookmark titles
    and a change of type size start new ones."""
    widths = sorted(len(ln) for ln in lines)
    full = widths[int(len(widths) * 0.8)] if widths else 80
    paras: list[list[str]] = []
    for line in lines:
        prev = paras[-1][-1] if paras else ""
        starts_new = (
            not paras
            or norm(line) in titles
            or norm(prev) in titles
            or level_of(line) != level_of(prev)
            or (CLAUSE_START.match(line) and not NEEDS_NUMBER.search(prev))
            or heading_level(line)
            or (heading_level(prev) and not wrapped(prev, line))
            or (SENTENCE_END.search(prev) and len(prev) < 0.75 * full)
        )
        if starts_new:
            paras.append([line])
        else:
            paras[-1].append(line)
    out = []
    for para in paras:
        joined = para[0]
        for line in para[1:]:
            joined = run_on(joined, line)
        out.append((joined, level_of(para[0])))
    return out


def run_on(text: str, following: str) -> str:
    """``text`` going on with ``following``: a word hyphenated at the break is one word."""
    if text.endswith("-") and text[-2:-1].isalpha():
        return text[:-1] + following
    return f"{text} {following}"


# A law's article heading run into its text, as some PDFs' text layers give it: "... legal
# claims. Article 18 Right to restriction of processing 1. The data subject shall ..."
INLINE_ARTICLE = re.compile(r"Article \d{1,3} (?=[A-Z])")
SENTENCE_START = re.compile(r"(?:^|[.;:] )$")
TITLE_BEFORE_CLAUSE = re.compile(r"^([^.;:!?]{3,120}?) (?=1\.(?: |$))")
ARTICLE_TITLE_WORDS = 15


def article_title(after: str, starts_sentence: bool) -> str | None:
    """The title that follows "Article 18 ": up to its first numbered paragraph ("1. "),
    else, where the article starts a sentence, up to the next capitalised word (the text's
    first sentence: "... mechanism In order to ..."); None when that is no title (too long,
    runs into a sentence, or is a reference in a sentence: "in Article 30 Member States")."""
    numbered = TITLE_BEFORE_CLAUSE.match(after)
    if numbered:
        title = numbered.group(1)
    elif not starts_sentence:
        return None
    else:
        words = after.split(" ")
        title = " ".join([words[0], *itertools.takewhile(lambda w: not w[:1].isupper(),
                                                         words[1:])])
    if len(title.split()) > ARTICLE_TITLE_WORDS or re.search(r"[.;:!?]", title):
        return None
    return title


def split_articles(para: str) -> list[tuple[str, bool]]:
    """``para`` cut at the article headings run into it: (text, is heading) pieces."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in INLINE_ARTICLE.finditer(para):
        if match.start() < at:
            continue
        before = para[max(0, match.start() - 2):match.start()]
        title = article_title(para[match.end():], bool(SENTENCE_START.search(before)))
        if title is None:
            continue
        if para[at:match.start()].strip():
            pieces.append((para[at:match.start()].strip(), False))
        pieces.append((match.group(0) + title, True))
        at = match.end() + len(title)
    if para[at:].strip():
        pieces.append((para[at:].strip(), False))
    return pieces


def pdf_info(reader: PdfReader) -> dict[str, str]:
    """Document info as metadata: /Author is the owner; custom keys (/ReviewDate) kept too."""
    try:
        info = dict(reader.metadata or {})
    except Exception:  # a broken info dictionary must not lose the document
        return {}
    meta: dict[str, str] = {}
    for key, value in info.items():
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", str(key).lstrip("/")).lower()
        text = str(value).strip() if value is not None else ""
        if text and name not in ("producer", "creator", "creation_date", "mod_date", "trapped"):
            meta["owner" if name == "author" else name] = text
    return meta


def page_blocks(
    lines: list[str], marks: list[tuple[int, str]], page: int, use_patterns: bool,
    level_of: Callable[[str], int] = lambda line: 0,
) -> list[Block]:
    """A page's blocks, each bookmark placed where its title appears (else at the page top);
    headings by type (``level_of``) or, with ``use_patterns``, by their numbering."""
    levels = {norm(t): lv for lv, t in marks}
    paras = page_paragraphs(lines, frozenset(levels), level_of)
    placed = {norm(p) for p, _ in paras} & set(levels)
    blocks = [Block(t, "heading", lv, page) for lv, t in marks if norm(t) not in placed]
    for para, by_type in paras:
        if norm(para) in levels:
            blocks.append(Block(para, "heading", levels[norm(para)], page))
            continue
        if by_type and reads_as_heading(para):
            blocks.append(Block(para, "heading", by_type, page))
            continue
        if not use_patterns:
            blocks.append(Block(para, "paragraph", 0, page))
            continue
        for piece, is_article in split_articles(para):
            level = 1 if is_article else heading_level(piece)
            blocks.append(Block(piece, "heading" if level else "paragraph", level, page))
    return blocks


# Where the part of a sentence run over to the next page ends: at a sentence's end (not an
# abbreviation's: "Art. 6"), or before a lettered clause ("...for data subjects; (e) ...")
CARRIED_END = re.compile(r"(?<!\bArt)(?<!\bNo)(?<!\bpp)(?<!\bp)(?<!\be\.g)(?<!\bi\.e)(?<!\bcf)"
                         r"[.!?;:](?=\s+(?:[\"“'(\[]?[A-Z0-9•]|\([a-z0-9]{1,4}\)\s)|$)")


def runs_over(last: Block, first: Block) -> bool:
    """Whether ``first``, the next page's first block, goes on with ``last``'s sentence."""
    return (last.kind == first.kind == "paragraph" and first.page == (last.page or 0) + 1
            and not SENTENCE_END.search(last.text)
            and (first.text[:1].islower() or bool(RUNS_ON.search(last.text))
                 or last.text.endswith("-")))


def join_page_breaks(blocks: list[Block]) -> list[Block]:
    """A sentence cut by a page break is whole on the page it starts on, so a quote of it
    never ends "It is also" nor starts "intended further processing for ...": the next
    page's words up to the sentence's end move to that page (``blocks`` are changed in
    place)."""
    out: list[Block] = []
    for block in blocks:
        last = out[-1] if out else None
        if last is None or not runs_over(last, block):
            out.append(block)
            continue
        end = CARRIED_END.search(block.text)
        cut = end.end() if end else len(block.text)
        head, rest = block.text[:cut], block.text[cut:].strip()
        last.text = run_on(last.text, head)
        if rest:
            out.append(Block(rest, block.kind, block.level, block.page))
    return out


def load_pdf(path: Path) -> ParsedDocument:
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # owner-password-only PDFs open with an empty one
            except (DependencyError, NotImplementedError) as exc:
                raise IngestError(f"encrypted PDF with an unsupported cipher: {exc}") from exc
            if not opened:
                raise IngestError("encrypted PDF: remove the password and add it again")
        pages = list(reader.pages)
    except IngestError:
        raise
    except FileNotDecryptedError as exc:
        raise IngestError("encrypted PDF: remove the password and add it again") from exc
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(f"corrupt or unreadable PDF: {exc}") from exc

    outline: dict[int, list[tuple[int, str]]] = {}
    for page_index, level, title in outline_entries(reader):
        outline.setdefault(page_index, []).append((level, title))

    texts: dict[int, list[str]] = {}
    styled: dict[int, list[StyledLine]] = {}
    for index, page in enumerate(pages):
        try:
            text, styled[index] = styled_text(page)
            texts[index] = page_lines(text)
        except Exception as exc:  # one bad page must not lose the document
            logging.getLogger(__name__).warning("%s page %d unreadable: %s", path, index + 1,
                                                exc)
    texts = without_margins(texts)
    # headings set in larger type, where the PDF has any: then numbered paragraphs are not
    # taken for numbered headings
    sizes = {} if outline else heading_sizes([styled.get(i, []) for i in texts])
    blocks: list[Block] = []
    for index, lines in texts.items():
        blocks.extend(page_blocks(lines, outline.get(index, []),
                                  index + 1, use_patterns=not outline and not sizes,
                                  level_of=level_by_type(styled.get(index, []), sizes)))
    blocks = join_page_breaks(blocks)
    if pages and not any(texts.values()):
        raise IngestError("no text layer (a scanned PDF?): run it through OCR first")

    meta = pdf_info(reader)
    title = meta.get("title")
    if title and title.lower().startswith("microsoft word - "):
        title = title[len("microsoft word - "):]
    return ParsedDocument(path, "pdf", blocks, title=title, metadata=meta, pages=len(pages))
