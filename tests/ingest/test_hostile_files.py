"""Files built to exhaust memory or to crash a parser are refused with a reason a trainer can
act on (issue 14, defects 4 and 9). Each hostile file here is small: what is tested is that the
parsers refuse the shape, so nothing is ever expanded."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import pytest

from config.errors import IngestError
from ingest.loaders import load_file
from ingest.metadata import build_metadata
from tests.files import make_docx


def rewrite_part(source: Path, target: Path, part: str, body: bytes) -> Path:
    """A copy of a real .docx with one part replaced."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w",
                                                         zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            new.writestr(item.filename, body if item.filename == part else old.read(item))
    return target


def document_xml(source: Path) -> bytes:
    with zipfile.ZipFile(source) as package:
        return package.read("word/document.xml")


def load_with_metadata(path: Path):
    doc = load_file(path)
    return build_metadata(path, doc.metadata, doc.title)


def test_front_matter_aliases_are_refused(tmp_path):
    page = tmp_path / "page.md"
    # a harmless alias: the same shape, nested nine deep, is the billion laughs
    page.write_text("---\ntitle: &t Visits\nowner: *t\n---\n\n# Visits\n\nPlan each visit.\n")
    with pytest.raises(IngestError, match=r"front matter uses a YAML alias \(\*name\) on line 3"):
        load_file(page)


def test_sidecar_aliases_are_refused(tmp_path):
    txt = tmp_path / "media.txt"
    txt.write_text("Only encrypted sticks.\n")
    (tmp_path / "media.meta.yaml").write_text("a: &a [x, x]\nb: &b [*a, *a]\ntitle: T\n")
    with pytest.raises(IngestError, match=r"media\.meta\.yaml uses a YAML alias"):
        build_metadata(txt, {}, None)


def test_oversized_metadata_fields_are_refused(tmp_path):
    txt = tmp_path / "media.txt"
    txt.write_text("Only encrypted sticks.\n")
    (tmp_path / "media.meta.yaml").write_text(f"title: {'Long ' * 1000}\n")
    with pytest.raises(IngestError,
                       match="title in the metadata is 4,999 characters: keep it under 300"):
        build_metadata(txt, {}, None)
    (tmp_path / "media.meta.yaml").write_text(f"audience: [{', '.join(['a'] * 500)}]\n")
    with pytest.raises(IngestError, match="audience in the metadata is too long"):
        build_metadata(txt, {}, None)


@pytest.mark.parametrize("line", ["date: 2026-13-01", "review_date: 2026-02-30",
                                  "effective_date: '2026-13-01'"])
def test_an_impossible_date_is_a_reason_not_a_crash(tmp_path, line):
    page = tmp_path / "page.md"
    page.write_text(f"---\ntitle: Visits\n{line}\n---\n\n# Visits\n\nPlan each visit.\n")
    with pytest.raises(IngestError,
                       match=r"is not a real date: check the day and month, written as YYYY-MM-DD"):
        load_with_metadata(page)


def test_a_review_period_past_the_calendar_is_a_reason(tmp_path):
    meta = {"last_reviewed_on": "2025-01-10", "review_in": "99999 years"}
    with pytest.raises(IngestError, match="reaches past the year 9999"):
        build_metadata(tmp_path / "page.md", meta, "T")


def test_dates_that_are_not_dates_are_still_ignored(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("---\ntitle: Visits\nreview_date: TBC\ndate: 2025-01-10\n---\n\nPlan it.\n")
    meta = load_with_metadata(page)
    assert meta.review_date is None and meta.effective_date == "2025-01-10"


def test_huge_numbers_and_deep_nesting_in_front_matter_are_reasons(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(f"---\nversion: {'9' * 5000}\n---\n\nText.\n")
    with pytest.raises(IngestError, match="front matter has a value that cannot be read"):
        load_file(page)
    page.write_text(f"---\nx: {'[' * 5000}{']' * 5000}\n---\n\nText.\n")
    with pytest.raises(IngestError, match="front matter is nested too deeply"):
        load_file(page)


def test_a_docx_that_unpacks_hundreds_of_times_its_size_is_refused(tmp_path):
    real = make_docx(tmp_path / "real.docx")
    xml = document_xml(real)
    padded = xml.replace(b"<w:body>", b"<w:body>" + b" " * 3_000_000, 1)  # packs to ~3 kB
    bomb = rewrite_part(real, tmp_path / "bomb.docx", "word/document.xml", padded)
    assert bomb.stat().st_size < 100_000
    with pytest.raises(IngestError, match=r"word/document\.xml unpacks to 3 MB \(.* times its "
                       r"packed size\): it may be built to exhaust memory"):
        load_file(bomb)


def test_a_docx_declaring_xml_entities_is_refused(tmp_path):
    real = make_docx(tmp_path / "real.docx")
    xml = document_xml(real)
    laughs = (b'<!DOCTYPE w [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              + xml.split(b"?>", 1)[1])
    bomb = rewrite_part(real, tmp_path / "laughs.docx", "word/document.xml",
                        xml.split(b"?>", 1)[0] + b"?>" + laughs)
    with pytest.raises(IngestError, match=r"declares XML entities \(a DTD\)"):
        load_file(bomb)


def test_a_malformed_docx_gives_a_reason_that_crosses_processes(tmp_path):
    real = make_docx(tmp_path / "real.docx")
    broken = rewrite_part(real, tmp_path / "broken.docx", "word/document.xml",
                          document_xml(real)[:-40])
    with pytest.raises(IngestError, match="damaged part") as info:
        load_file(broken)
    again = pickle.loads(pickle.dumps(info.value))  # a parse worker sends it to its parent
    assert str(again) == str(info.value) and str(tmp_path) not in str(again)
