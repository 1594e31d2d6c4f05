"""HTML: headings, paragraphs, lists and tables from the main content; site chrome dropped."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Tag
from lxml import etree

from config.errors import IngestError
from ingest.loaders.tables import rows_to_text
from ingest.loaders.text import decode_bytes
from ingest.model import Block, ParsedDocument

# Page furniture that is never guidance.
BOILERPLATE = [
    "script", "style", "noscript", "template", "nav", "footer", "header", "aside", "form",
    "button", "svg", "iframe", "select",
]
# a footnote's link back to where it is cited ("↩": kramdown, Python-Markdown, DPUB-ARIA)
BOILERPLATE_ROLES = ["navigation", "banner", "contentinfo", "search", "complementary",
                     "doc-backlink"]
BOILERPLATE_CLASS = re.compile(
    r"(^|[-_ ])(breadcrumbs?|cookie|skip-?link|site-?header|site-?footer|menu|sidebar|"
    r"related|share|feedback|reversefootnote|footnote-backref)([-_ ]|$)",
    re.I,
)
HEADINGS = {f"h{i}": i for i in range(1, 7)}
TEXT_BLOCKS = {"p", "pre", "blockquote", "dt", "dd", "figcaption", "address", "summary"}
SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")
BREAK = "\ue000"  # stands for a <br> while the source's own line breaks become spaces
# Real pages nest a few dozen levels at most (GOV.UK's: under 30); walk() recurses a level each.
MAX_DEPTH = 256
TOO_DEEP = (f"the page is nested more than {MAX_DEPTH} levels deep: it may be damaged or "
            "built to stall the parser")


class DepthGauge:
    """An lxml parser target that only counts elements open, as the HTML parser opens and
    closes them (an unclosed <li>, <p> or <td> ends at the next one, as in the tree built
    later), and stops the parse at the first element deeper than ``MAX_DEPTH``."""

    def __init__(self) -> None:
        self.depth = 0

    def start(self, tag: str, attrib: object) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise IngestError(TOO_DEEP)  # lxml stops parsing and re-raises it from feed()

    def end(self, tag: str) -> None:
        self.depth -= 1

    def close(self) -> None:
        return None


def check_depth(html: str) -> None:
    """Refuse a page nested beyond ``MAX_DEPTH`` before any tree is built: one pass of
    libxml2 (the parser BeautifulSoup uses below, so the same depths) with no tree and two
    counting callbacks, stopping at the first element too deep. Building the tree first
    and finding out from a RecursionError took minutes on a few MB of nested <div>."""
    parser = etree.HTMLParser(target=DepthGauge(), recover=True)
    try:
        parser.feed(html)
        parser.close()
    except etree.Error:  # what the parser itself can't read is the real parse's to report
        pass


def clean(text: str) -> str:
    lines = (SPACE.sub(" ", line).strip() for line in text.replace(BREAK, "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def prose(text: str) -> str:
    """Running text as a browser shows it: a line break in the source (Markdown and HTML
    wrapped at 80 columns) is a space, so a sentence is never cut at the end of a line;
    only a ``<br>`` breaks the line."""
    return clean(text.replace("\n", " "))


def table_text(table: Tag) -> str:
    rows = [
        [clean(c.get_text(" ")).replace("\n", " ") for c in tr.find_all(["th", "td"])]
        for tr in table.find_all("tr")
    ]
    first = table.find("tr")
    has_header = first is not None and first.find("td") is None
    text = rows_to_text(rows, has_header)
    caption = table.find("caption")
    caption_text = clean(caption.get_text(" ")) if caption is not None else ""
    return f"{caption_text}\n{text}" if caption_text and text else text


CONTAINERS = {
    "html", "body", "main", "article", "section", "div", "details", "figure", "dl", "center",
    "fieldset", "li",
}
BLOCK_TAGS = set(HEADINGS) | TEXT_BLOCKS | CONTAINERS | {"table", "ul", "ol", "hr"}


def list_text(lst: Tag) -> str:
    items = []
    for n, li in enumerate(lst.find_all("li", recursive=False), start=1):
        nested = [sub.extract() for sub in li.find_all(["ul", "ol"], recursive=False)]
        item = clean(li.get_text(" ")).replace("\n", " ")
        if item:
            items.append(f"{n}. {item}" if lst.name == "ol" else f"- {item}")
        items.extend("  " + line for sub in nested for line in list_text(sub).split("\n") if line)
    return "\n".join(items)


def walk(node: Tag, blocks: list[Block]) -> None:
    """Append the blocks under ``node`` in reading order; loose inline text becomes a paragraph."""
    inline: list[str] = []

    def flush() -> None:
        text = prose("".join(inline))
        inline.clear()
        if text:
            blocks.append(Block(text))

    for child in node.children:
        if isinstance(child, Comment):
            continue
        if not isinstance(child, Tag):
            inline.append(str(child))
            continue
        if child.name not in BLOCK_TAGS:
            inline.append(child.get_text())
            continue
        flush()
        name = child.name
        if name in HEADINGS:
            text = clean(child.get_text(" ")).replace("\n", " ")
            if text:
                blocks.append(Block(text, "heading", HEADINGS[name]))
        elif name == "table":
            text = table_text(child)
            if text:
                blocks.append(Block(text, "table"))
        elif name in ("ul", "ol"):
            text = list_text(child)
            if text:
                blocks.append(Block(text, "list"))
        elif name in TEXT_BLOCKS:
            text = (clean(child.get_text("\n")) if name == "pre"
                    else prose(child.get_text("")))
            if text:
                blocks.append(Block(text))
        elif name in CONTAINERS:
            walk(child, blocks)
    flush()


def strip_boilerplate(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(BOILERPLATE):
        tag.decompose()
    for tag in soup.find_all(attrs={"role": BOILERPLATE_ROLES}):
        tag.decompose()
    for tag in soup.find_all(attrs={"aria-hidden": "true"}):
        tag.decompose()
    for tag in soup.find_all(True):
        # inside a tag removed above: decompose() sets the flag. Not ``tag.decomposed``: on a
        # live tag bs4 looks the missing flag up as a child tag, searching all of its subtree
        if "_decomposed" in vars(tag):
            continue
        classes = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
        if classes.strip() and BOILERPLATE_CLASS.search(classes):
            tag.decompose()


def parse_html(html: str) -> tuple[str | None, list[Block], dict[str, str]]:
    """Title, content blocks and <meta> metadata from an HTML string."""
    check_depth(html)
    soup = BeautifulSoup(html, "lxml")
    for br in soup.find_all("br"):
        br.replace_with(BREAK)
    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = (tag.get("name") or tag.get("property") or "").lower()
        if key and tag.get("content"):
            meta[key] = str(tag["content"])
    title_tag = soup.find("title")
    title = clean(title_tag.get_text(" ")) if title_tag else None
    strip_boilerplate(soup)
    root = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.find("article")
    root = root or soup.body or soup
    blocks: list[Block] = []
    walk(root, blocks)
    headings = sorted((b.level, i) for i, b in enumerate(blocks) if b.kind == "heading")
    first = blocks[headings[0][1]].text if headings else None
    return (first if headings and headings[0][0] == 1 else title or first) or None, blocks, meta


def load_html(path: Path) -> ParsedDocument:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise IngestError("not an HTML file (binary content)")
    title, blocks, meta = parse_html(decode_bytes(raw))
    info = {
        k.split(".", 1)[-1] if k.startswith(("dc.", "dcterms.")) else k: v
        for k, v in meta.items()
    }
    return ParsedDocument(path, "html", blocks, title=title, metadata=info)
