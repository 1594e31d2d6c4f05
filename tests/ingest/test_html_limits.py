"""A page nested beyond what Guide reads is refused by a pre-scan that stops at the first
element too deep, before any tree is built (building it first took minutes on a few MB of
nested <div>); pages as deep as real ones still load."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.errors import IngestError
from ingest.loaders import html, load_file
from tests.conftest import EVALDATA

SIZE = 5_000_000
DEEP = {  # each ~5 MB: a parser that builds first would hold the worker for hours
    "div": "<div>x",
    "span": "<p>" + "<span>x" * 3,
    "li": "<ul><li>x",  # an unclosed <li> only ends at the next one in the same list
    "unclosed b and i": "<b>x<i>y",
    "table": "<table><tr><td>x",
}


def page(body: str) -> str:
    return f"<!doctype html><html><head><title>T</title></head><body>{body}</body></html>"


def deep_page(tmp_path: Path, unit: str) -> Path:
    path = tmp_path / "deep.html"
    path.write_text(page(unit * (SIZE // len(unit))))
    return path


def no_tree(*args, **kwargs):
    raise AssertionError("a tree was built before the depth was checked")


@pytest.mark.parametrize("unit", DEEP.values(), ids=DEEP.keys())
def test_a_page_nested_too_deep_is_refused_before_a_tree_is_built(tmp_path, monkeypatch,
                                                                   unit):
    monkeypatch.setattr(html, "BeautifulSoup", no_tree)
    with pytest.raises(IngestError, match=r"nested more than \d+ levels deep"):
        load_file(deep_page(tmp_path, unit))


def test_the_depth_scan_stops_at_the_first_element_too_deep(tmp_path, monkeypatch):
    starts = 0
    start = html.DepthGauge.start

    def counted(self, tag, attrib):
        nonlocal starts
        starts += 1
        start(self, tag, attrib)

    monkeypatch.setattr(html.DepthGauge, "start", counted)
    with pytest.raises(IngestError, match=f"nested more than {html.MAX_DEPTH} levels deep"):
        load_file(deep_page(tmp_path, DEEP["div"]))
    # <html>, <head>, <title>, <body>, then <div> to one too deep: not all ~830,000 of them
    assert starts <= html.MAX_DEPTH + 3


def test_pages_as_deep_as_real_ones_load(tmp_path):
    deep = "<div>" * 240 + "<p>At the bottom.</p>" + "</div>" * 240  # GOV.UK's: under 30
    # thousands of unclosed <li>, <p>, <tr> and <td>: siblings in HTML, not nesting
    items = "<ul>" + "<li>An item" * 3000 + "</ul>"
    paras = "<p>A paragraph" * 3000
    rows = "<table><tr><th>Name<th>Role" + "<tr><td>Sam<td>Trainer" * 3000 + "</table>"
    for name, body in [("deep", deep), ("items", items), ("paras", paras), ("rows", rows)]:
        path = tmp_path / f"{name}.html"
        path.write_text(page(body))
        assert load_file(path).blocks, name
    assert "At the bottom." in load_file(tmp_path / "deep.html").blocks[0].text
    assert load_file(tmp_path / "items.html").blocks[0].text.count("- An item") == 3000
    assert load_file(tmp_path / "rows.html").blocks[0].text.count("Sam") == 3000


GOVUK = sorted((EVALDATA / "docs" / "govuk-html" / "html").glob("*.html"))


@pytest.mark.skipif(not GOVUK, reason="the GOV.UK evaluation pages are not beside the repo")
@pytest.mark.parametrize("path", GOVUK, ids=[p.stem for p in GOVUK])
def test_govuk_publications_load(path: Path):
    doc = load_file(path)
    assert doc.title and len(doc.blocks) > 40 and any(b.kind == "list" for b in doc.blocks)
