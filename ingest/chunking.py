"""Structure-following chunking sized for the embedding model.

A chunk never crosses a heading or (for PDFs) a page, so its heading path and page are exact.
Paragraphs are packed up to ``target_tokens`` word pieces; a paragraph too long for that is
split at sentences, and a sentence too long at words. Each chunk's text starts with a short
context line (title > headings) that the embedding sees; the quotable body follows it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from langchain_core.documents import Document

from ingest.metadata import PolicyMetadata, marks_walkthrough
from ingest.model import ParsedDocument
from knowledge.metadata_fields import ChunkMeta, join_tags

TokenCounter = Callable[[str], int]

# A sentence ends at . ! ? ; : before a capital, and every line ends one; a list item's or
# clause's number ("3. Do this", "... prohibited. 2. Paragraph 1 ...") is not a sentence, so
# a chunk never ends with the next clause's number (a number right after a sentence's end
# is one; "in Article 6. The" ends a sentence). A law's long sentence breaks before its
# lettered points too ("...; (e) the existence of ...", ", (a) ..."), so a chunk of it
# starts at a point, not mid-phrase.
SENTENCE_BREAK = re.compile(
    r"(?<=[.!?;:])(?<!^\d[.)])(?<!^\d\d[.)])(?<![.;:]\s\d[.)])(?<![.;:]\s\d\d[.)])"
    r"(?<!\d\.\d[.)])(?<!\d\.\d\d[.)])\s+"
    r"(?=[\"“'(\[]?[A-Z0-9•\-])|\n+"
    r"|(?<=[;:,])\s+(?=\([a-z]{1,4}\)\s)", re.M)
CONTEXT_TOKENS = 40  # the context line never takes more than this
PIPELINE_VERSION = "chunker-14"  # bump to re-chunk every document on the next ingest


@dataclass
class Piece:
    text: str
    start: int  # offset in the document's full text


def sha256(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def split_words(piece: Piece, limit: int, count: TokenCounter) -> Iterator[Piece]:
    words = list(re.finditer(r"\S+", piece.text))
    i = 0
    while i < len(words):
        j = i + 1
        # grow the window while it fits; every word piece counts
        while j < len(words) and count(piece.text[words[i].start():words[j].end()]) <= limit:
            j += 1
        a, b = words[i].start(), words[j - 1].end()
        if j == i + 1 and count(piece.text[a:b]) > limit:
            # one "word" over the limit (a long URL, a rule of dashes): cut it, or packing
            # would split it again for ever
            yield from split_long_word(Piece(piece.text[a:b], piece.start + a), limit, count)
        else:
            yield Piece(piece.text[a:b], piece.start + a)
        i = j


def split_long_word(piece: Piece, limit: int, count: TokenCounter) -> Iterator[Piece]:
    """A piece with no spaces, cut into runs of characters that fit ``limit``."""
    rest, start = piece.text, piece.start
    while rest:
        cut = len(rest)
        while cut > 1 and count(rest[:cut]) > limit:
            cut = max(1, cut * 3 // 4)
        yield Piece(rest[:cut], start)
        rest, start = rest[cut:], start + cut


def split_sentences(piece: Piece, limit: int, count: TokenCounter) -> Iterator[Piece]:
    pos = 0
    for match in [*SENTENCE_BREAK.finditer(piece.text), None]:
        end = match.start() if match else len(piece.text)
        text = piece.text[pos:end].strip()
        if text:
            start = piece.start + piece.text.index(text, pos)
            sentence = Piece(text, start)
            if count(text) > limit:
                yield from split_words(sentence, limit, count)
            else:
                yield sentence
        pos = match.end() if match else end


def pack(pieces: list[Piece], limit: int, count: TokenCounter, full: str) -> Iterator[Piece]:
    """Greedily join consecutive pieces while the joined text stays within ``limit``."""
    current: list[Piece] = []
    for piece in pieces:
        if count(piece.text) > limit:
            yield from pack_run(current, full)
            current = []
            yield from pack(list(split_sentences(piece, limit, count)), limit, count, full)
            continue
        if current:
            candidate = full[current[0].start:piece.start + len(piece.text)]
            if count(candidate) > limit:
                yield from pack_run(current, full)
                current = []
        current.append(piece)
    yield from pack_run(current, full)


def pack_run(run: list[Piece], full: str) -> Iterator[Piece]:
    if run:
        start, end = run[0].start, run[-1].start + len(run[-1].text)
        yield Piece(full[start:end], start)


def context_line(title: str, headings: list[str], count: TokenCounter) -> str:
    parts = [title] + [h for h in headings if h.strip().lower() != title.strip().lower()]
    line = " > ".join(parts)
    while len(parts) > 1 and count(line) > CONTEXT_TOKENS:
        parts = [parts[0], *parts[2:]]  # drop the middle of deep paths first
        line = " > ".join(parts)
    return line if count(line) <= CONTEXT_TOKENS else line[:120]


Section = tuple[list[str], int | None, list[Piece], bool]  # headings, page, pieces, summary?


def sections(doc: ParsedDocument) -> tuple[list[Section], str]:
    """(heading path, page, pieces, is summary) runs, and the document's full text for spans.
    A page summary is a run of its own, so its chunk can be told from the page's rules."""
    full_parts: list[str] = []
    offset = 0
    stack: list[tuple[int, str]] = []
    run: list[Piece] = []
    run_key: tuple[tuple[str, ...], int | None, bool] | None = None
    out: list[Section] = []

    def close() -> None:
        nonlocal run
        if run and run_key is not None:
            out.append((list(run_key[0]), run_key[1], run, run_key[2]))
        run = []

    for block in doc.blocks:
        text = block.text.strip()
        if not text:
            continue
        start = offset
        full_parts.append(text)
        offset += len(text) + 2  # blocks are joined by a blank line
        if block.kind == "heading":
            close()
            level = max(block.level, 1)
            stack = [(lv, t) for lv, t in stack if lv < level] + [(level, text)]
            run_key = None
            continue
        key = (tuple(t for _, t in stack), block.page, block.kind == "summary")
        if key != run_key:
            close()
            run_key = key
        run.append(Piece(text, start))
    close()
    return out, "\n\n".join(full_parts)


def chunk_document(
    doc: ParsedDocument,
    meta: PolicyMetadata,
    *,
    source: str,
    doc_hash: str,
    count: TokenCounter,
    max_tokens: int,
    target_tokens: int,
) -> list[Document]:
    chunks: list[Document] = []
    runs, full = sections(doc)
    for headings, page, pieces, summary in runs:
        context = context_line(meta.title, headings, count)
        budget = min(target_tokens, max_tokens - count(context) - 1)
        for piece in pack(pieces, budget, count, full):
            chunk_meta: ChunkMeta = {
                "doc_id": meta.doc_id,
                "title": meta.title,
                "source": source,
                "format": doc.format,
                "heading_path": " > ".join(headings),
                "chunk_index": len(chunks),
                "start": piece.start,
                "end": piece.start + len(piece.text),
                "body_offset": len(context) + 2,
                "content_hash": sha256(piece.text),
                "doc_hash": doc_hash,
                "audience": join_tags(meta.audience),
                "supersedes": join_tags(meta.supersedes),
                "page": page,
                "owner": meta.owner,
                "version": meta.version,
                "effective_date": meta.effective_date,
                "review_date": meta.review_date,
                "classification": meta.classification,
                "summary": summary or None,
                # a trainer marked the section: offered as a walkthrough without numbers
                "walkthrough": marks_walkthrough(meta.walkthroughs, headings) or None,
            }
            chunks.append(Document(
                page_content=f"{context}\n\n{piece.text}",
                metadata={k: v for k, v in chunk_meta.items() if v not in (None, "")},
            ))
    return chunks
