"""Markdown: front matter as metadata; rendered to HTML so headings, lists and tables share
the HTML loader's structure (and quotes read as prose, not as Markdown syntax).

A page's summary in its front matter (``description``, as Jekyll, Hugo and the GOV.UK
templates call it) is shown to readers as the page's opening paragraph, so it is indexed:
it is often the one sentence that says what the page is for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler
from markdown_it import MarkdownIt

from config.errors import IngestError
from ingest.loaders.html import parse_html
from ingest.loaders.text import decode_bytes
from ingest.model import Block, ParsedDocument
from ingest.safe_yaml import load_metadata_yaml

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n(?:---|\.\.\.)\s*(?:\n|\Z)", re.S)
# Templating left in some sites' front matter/body (ERB, Liquid): never guidance text.
TEMPLATE_TAGS = re.compile(r"<%.*?%>|\{%.*?%\}|\{\{.*?\}\}", re.S)
# Abbreviation definitions (kramdown, PHP Markdown Extra: "*[ICO]: Information Commissioner's
# Office") give hover text on the page and show nothing; CommonMark would print them as text
ABBREVIATION = re.compile(r"^ {0,3}\*\[[^\]\n]+\]:[^\n]*\n?", re.M)

_md = MarkdownIt("commonmark").enable("table").enable("strikethrough")
SUMMARY_KEYS = ("description", "summary", "lede")


class FrontMatter(YAMLHandler):
    """Front matter read by ingest.safe_yaml: no aliases, dates kept as text."""

    def load(self, fm: str, **_: object) -> Any:
        return load_metadata_yaml(fm, "the front matter")


_front_matter = FrontMatter()


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    if not _front_matter.detect(text.lstrip("\ufeff")):
        return {}, text
    try:
        meta, body = frontmatter.parse(text, handler=_front_matter)
    except yaml.YAMLError:
        # Front matter with template code: parse what YAML can, keep the body regardless.
        match = FRONT_MATTER.match(text)
        if not match:
            return {}, text
        try:
            meta = load_metadata_yaml(TEMPLATE_TAGS.sub("", match.group(1)),
                                      "the front matter") or {}
        except yaml.YAMLError:
            meta = {}
        return (meta if isinstance(meta, dict) else {}), text[match.end():]
    return dict(meta), body


def load_markdown(path: Path) -> ParsedDocument:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise IngestError("not a Markdown file (binary content)")
    meta, body = split_front_matter(decode_bytes(raw))
    body = ABBREVIATION.sub("", TEMPLATE_TAGS.sub("", body))
    h1_title, blocks, _ = parse_html(f"<html><body>{_md.render(body)}</body></html>")
    title = meta.get("title")
    lede = summary_blocks(meta)
    if lede and not any(b.text == lede[0].text for b in blocks[:3]):
        # after a leading H1, so the summary sits under the page's title like on the page
        at = 1 if blocks and blocks[0].kind == "heading" and blocks[0].level == 1 else 0
        blocks[at:at] = lede
    return ParsedDocument(
        path, "markdown", blocks, title=str(title) if title else h1_title, metadata=meta
    )


def summary_blocks(meta: dict[str, Any]) -> list[Block]:
    """The front matter's page summary as paragraph blocks (it may hold Markdown)."""
    summary = next((meta[k] for k in SUMMARY_KEYS if isinstance(meta.get(k), str)), "")
    if not summary.strip():
        return []
    _, blocks, _ = parse_html(f"<html><body>{_md.render(summary.strip())}</body></html>")
    return [Block(b.text, "summary") for b in blocks if b.kind == "paragraph"]
