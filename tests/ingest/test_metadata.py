"""Policy metadata from front matter, core properties, PDF info and sidecars."""

from __future__ import annotations

import pytest

from config.errors import IngestError
from ingest.loaders import load_file
from ingest.metadata import build_metadata
from tests.files import make_docx, make_pdf


def test_sidecar_wins_and_dates_normalise(tmp_path):
    txt = tmp_path / "media.txt"
    txt.write_text("Only encrypted sticks.\n")
    (tmp_path / "media.meta.yaml").write_text(
        "title: Removable Media\nversion: 1.3\neffective_date: 01/09/2022\n"
        "review_date: 1 September 2024\naudience: [prisons, probation]\n")
    meta = build_metadata(txt, {"title": "ignored"}, None)
    assert meta.title == "Removable Media" and meta.version == "1.3"
    assert meta.effective_date == "2022-09-01"  # UK day-first
    assert meta.review_date == "2024-09-01"
    assert meta.audience == ["prisons", "probation"]


def test_titles_without_what_the_office_program_added(tmp_path):
    """A PDF printed from Word is titled "Microsoft Word - NAME.docx"; a title such as
    "Table of Contents" names no document, so the next source (the file name) is used."""
    pdf_path = make_pdf(tmp_path / "annual-report.pdf", [[("p", "Text.")]],
                        title="Microsoft Word - IASC Annual Report 2021-22.docx")
    doc = load_file(pdf_path)
    assert build_metadata(pdf_path, doc.metadata, doc.title).title == \
        "IASC Annual Report 2021-22"
    docx_path = make_docx(tmp_path / "Wales_Delivery-Plan.docx", heading="Table of Contents")
    doc = load_file(docx_path)
    assert doc.title == "Table of Contents"  # the first heading: the loader's best guess
    assert build_metadata(docx_path, doc.metadata, doc.title).title == "Wales Delivery Plan"
    # a title that merely mentions them is kept, and a trainer's sidecar is taken as written
    assert build_metadata(pdf_path, {"title": "Contents of a prison cell search"},
                          None).title == "Contents of a prison cell search"
    (tmp_path / "annual-report.pdf.meta.yaml").write_text("title: Contents\n")
    assert build_metadata(pdf_path, doc.metadata, doc.title).title == "Contents"


def test_docx_and_pdf_properties(tmp_path):
    docx_path = make_docx(tmp_path / "isa.docx", title="Health ISA", author="IG",
                          keywords="audience=probation; review_date=2027-09-30; version=1.5")
    doc = load_file(docx_path)
    meta = build_metadata(docx_path, doc.metadata, doc.title)
    assert (meta.title, meta.owner, meta.version) == ("Health ISA", "IG", "1.5")
    assert meta.audience == ["probation"] and meta.review_date == "2027-09-30"

    pdf_path = make_pdf(tmp_path / "p.pdf", [[("p", "Text.")]], title="Strategy",
                        author="Digital", keywords="supersedes=strategy-2020")
    doc = load_file(pdf_path)
    meta = build_metadata(pdf_path, doc.metadata, doc.title)
    assert (meta.title, meta.owner, meta.supersedes) == ("Strategy", "Digital",
                                                          ["strategy-2020"])


def test_review_in_period(tmp_path):
    md = tmp_path / "page.md"
    meta = build_metadata(md, {"last_reviewed_on": "2025-01-10", "review_in": "6 months"}, "T")
    assert meta.effective_date == "2025-01-10" and meta.review_date == "2025-07-10"


def test_defaults_and_cli_audience(tmp_path):
    path = tmp_path / "My_Policy-File.md"
    assert build_metadata(path, {}, None).audience == ["all-staff"]
    meta = build_metadata(path, {}, None, default_audience="probation")
    assert meta.audience == ["probation"] and meta.doc_id == "my-policy-file"
    assert meta.title == "My Policy File"


def test_audience_given_as_a_mapping_restricts_nobody(tmp_path):
    """GOV.UK's Service Manual front matter says who a page is written for, as a mapping: not
    who may read it. Read as names it hid every such page from all staff."""
    md = tmp_path / "cookies.md"
    md.write_text("---\ntitle: Cookies\naudience:\n  primary:\n  secondary: service-managers, "
                  "designers, developers, tech-archs, delivery-managers, performance-analysts, "
                  "content-designers, user-researchers\n---\nGet consent before storing "
                  "cookies.\n")
    doc = load_file(md)
    meta = build_metadata(md, doc.metadata, doc.title)
    assert meta.audience == ["all-staff"]
    assert meta.notes == ["its audience (primary and secondary readers) says who it is written "
                          "for, not who may read it, so it restricts nobody (an audience in a "
                          "sidecar restricts it)"]
    assert "notes" not in meta.model_dump()  # said in the ingest report, not stored
    assert build_metadata(md, doc.metadata, doc.title, "probation").audience == ["probation"]
    # a list or a comma-separated line still restricts
    assert build_metadata(md, {"audience": "Probation, managers"}, None).audience == [
        "probation", "managers"]
    # a sidecar restricts it, whichever name it gives the field
    (tmp_path / "cookies.meta.yaml").write_text("audiences: [HR]\n")
    assert build_metadata(md, doc.metadata, doc.title).audience == ["hr"]


@pytest.mark.parametrize(("front", "sidecar", "where"), [
    ({"audience": {"restricted": ["probation"]}}, None, "document's own metadata"),
    ({}, "audience:\n  probation: true\n", "sidecar"),
    ({}, "audience:\n  primary: developers\n", "sidecar"),
])
def test_an_audience_mapping_that_is_not_a_readership_is_refused(tmp_path, front, sidecar,
                                                                  where):
    """Read either way, any other mapping would restrict the document wrongly."""
    page = tmp_path / "page.md"
    if sidecar:
        (tmp_path / "page.meta.yaml").write_text(sidecar)
    with pytest.raises(IngestError, match=f"the audience in the {where} is a mapping"):
        build_metadata(page, front, "Page")


def test_bad_sidecar_is_reported(tmp_path):
    path = tmp_path / "x.md"
    (tmp_path / "x.meta.yaml").write_text("title: [unclosed\n")
    with pytest.raises(IngestError, match=r"x\.meta\.yaml is not valid YAML"):
        build_metadata(path, {}, None)
