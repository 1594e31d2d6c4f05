"""HTML: headings, paragraphs, lists and tables from the main content; site chrome dropped."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Tag

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
        if tag.decomposed or tag.attrs is None:
            continue
        classes = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
        if classes.strip() and BOILERPLATE_CLASS.search(classes):
            tag.decompose()


def parse_html(html: str) -> tuple[str | None, list[Block], dict[str, str]]:
    """Title, content blocks and <meta> metadata from an HTML string."""
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
