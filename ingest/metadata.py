"""Policy metadata: from the file itself and an optional sidecar ``NAME.meta.yaml``.

The sidecar wins over what the file says; ``default_audience`` applies only where neither
names an audience.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml
from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, Field

from config.audiences import audience_name
from config.errors import IngestError
from ingest.safe_yaml import load_metadata_yaml
from knowledge.metadata_fields import ALL_STAFF

ALIASES: dict[str, tuple[str, ...]] = {
    "doc_id": ("id", "doc_id", "document_id", "reference", "ref"),
    "title": ("title",),
    "owner": ("owner", "owned_by", "author", "owner_slack", "department", "team"),
    "version": ("version", "document_version", "revision"),
    "effective_date": ("effective_date", "effective", "effective_from", "published", "date",
                       "last_reviewed_on", "last_updated"),
    "review_date": ("review_date", "review_by", "next_review", "next_review_date",
                    "review_due"),
    "audience": ("audience", "audiences", "for"),
    "supersedes": ("supersedes", "replaces"),
    "classification": ("classification", "security_classification", "marking"),
    "walkthroughs": ("walkthrough", "walkthroughs"),
}
ALL_SECTIONS = "*"
READERSHIP = {"primary", "secondary"}  # GOV.UK front matter: who a page is written for
REVIEW_IN = re.compile(r"(\d+)\s*(day|week|month|year)s?", re.I)
ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
# The most a field may hold: metadata is shown on every citation and stored with every chunk.
MAX_CHARS = {"title": 300, "owner": 300, "version": 64, "classification": 64, "doc_id": 200,
             "effective_date": 64, "review_date": 64}
MAX_ITEMS = 50  # audiences, superseded documents
MAX_ITEM_CHARS = 200
# What an office program writes as a PDF's title when it prints one ("Microsoft Word -
# Annual Report_master copy FINAL.docx"), and titles that name no document: in every
# chunk's context line, "Microsoft Word" drew questions about Microsoft's tools to a report
PRINTED_BY = re.compile(r"^\s*Microsoft\s+(?:Office\s+)?(?:Word|PowerPoint|Excel)\s+-\s+", re.I)
FILE_EXTENSION = re.compile(r"\.(?:docx?|dotx?|pptx?|xlsx?|rtf|odt|pdf)\s*$", re.I)
NO_TITLE = re.compile(r"^(?:(?:table\s+of\s+)?contents|untitled(?:\s+document)?|document\s*\d*|"
                      r"title|slide\s*\d*|powerpoint\s+presentation)$", re.I)


class PolicyMetadata(BaseModel):
    doc_id: str
    title: str
    owner: str | None = None
    version: str | None = None
    effective_date: str | None = None  # ISO dates, so they sort and compare as strings
    review_date: str | None = None
    audience: list[str] = Field(default_factory=lambda: [ALL_STAFF])
    supersedes: list[str] = Field(default_factory=list)
    classification: str | None = None
    # sections to offer as walkthroughs even without numbered steps: headings, or "*" (all)
    walkthroughs: list[str] = Field(default_factory=list)
    # what was read otherwise than written, for the ingest report (not stored)
    notes: list[str] = Field(default_factory=list, exclude=True)


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80] or "document"


def sidecar_path(path: Path) -> Path | None:
    for candidate in (path.with_name(path.name + ".meta.yaml"),
                      path.with_name(path.stem + ".meta.yaml"),
                      path.with_name(path.name + ".meta.yml"),
                      path.with_name(path.stem + ".meta.yml")):
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path) -> dict[str, Any]:
    sidecar = sidecar_path(path)
    if sidecar is None:
        return {}
    try:
        data = load_metadata_yaml(sidecar.read_text(encoding="utf-8"),
                                  f"metadata file {sidecar.name}") or {}
    except yaml.YAMLError as exc:
        raise IngestError(f"metadata file {sidecar.name} is not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise IngestError(f"metadata file {sidecar.name} is not UTF-8 text") from exc
    if not isinstance(data, dict):
        raise IngestError(f"metadata file {sidecar.name} must be a mapping of field: value")
    return data


def as_date(value: Any, field: str = "date") -> dt.date | None:
    """A date from metadata; None for text that is no date ("TBC"). A date written as ISO
    that cannot exist (2026-13-01) is refused: it is a typo the trainer should fix."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])  # ISO first: "2026-03-10" is 10 March
    except ValueError as exc:
        if ISO_DATE.match(text):
            raise IngestError(f"{field} {text[:40]!r} is not a real date: check the day and "
                              "month, written as YYYY-MM-DD") from exc
    try:
        return date_parser.parse(text, dayfirst=True, fuzzy=False).date()  # UK: 10/03/2026
    except (ValueError, OverflowError):
        return None


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple | set) else re.split(r"[,;]", str(value))
    return [str(i).strip() for i in items if str(i).strip()]


def key_name(key: object) -> str:
    return str(key).lower().replace("-", "_").replace(" ", "_")


def pick(raw: dict[str, Any], field: str) -> Any:
    lowered = {key_name(k): v for k, v in raw.items()}
    for key in ALIASES[field]:
        if lowered.get(key) not in (None, "", []):
            return lowered[key]
    return None


def by_field(source: dict[str, Any]) -> dict[str, Any]:
    """``source`` with each field under its own name, whichever alias it was given by, so a
    sidecar's ``audiences:`` overrides the front matter's ``audience:`` when merged."""
    aliases = {a for names in ALIASES.values() for a in names}
    out = {k: v for k, v in source.items() if key_name(k) not in aliases}
    out.update({f: v for f in ALIASES if (v := pick(source, f)) is not None})
    return out


def audience_names(raw: dict[str, Any], notes: list[str]) -> list[str]:
    """The audiences the metadata restricts the document to. GOV.UK's front matter
    (``audience: {primary: ..., secondary: ...}``) says who a page is written for, not who
    may read it: read as names, it would hide the page from every member of staff, so it
    restricts nobody (``check_audience`` refuses any other mapping)."""
    value = pick(raw, "audience")
    if isinstance(value, dict):
        notes.append("its audience (primary and secondary readers) says who it is written for, "
                     "not who may read it, so it restricts nobody (an audience in a sidecar "
                     "restricts it)")
        return []
    return [audience_name(a) for a in as_list(value)]


def check_audience(source: dict[str, Any], where: str, readership: bool) -> None:
    """Refuse an audience that is neither names nor (where ``readership`` may be written)
    GOV.UK's readership mapping: read either way it would restrict the document wrongly (to
    nobody, or to nobody in particular). In a sidecar, where trainers set who may read, a
    mapping is always a mistake."""
    value = pick(source, "audience")
    if not isinstance(value, dict):
        return
    if not readership or not {key_name(k) for k in value} <= READERSHIP:
        raise IngestError(f"the audience in the {where} is a mapping: give a list of audiences "
                          "(audience: [probation, managers]) or all-staff")


def review_date(raw: dict[str, Any], effective: dt.date | None) -> dt.date | None:
    explicit = as_date(pick(raw, "review_date"), "review_date")
    if explicit:
        return explicit
    # GOV.UK-style pages say when they were reviewed and how often: "review_in: 6 months".
    match = REVIEW_IN.search(str(raw.get("review_in", "")))
    if match and effective:
        n, unit = int(match.group(1)), match.group(2).lower()
        try:
            return effective + relativedelta(**{f"{unit}s": n})
        except (ValueError, OverflowError) as exc:  # "review_in: 99999 years"
            raise IngestError(f"review_in {match.group(0)!r} reaches past the year 9999") from exc
    return None


PAIR = re.compile(r"([A-Za-z][\w -]{1,30}?)\s*[=:]\s*([^;\n]+)")


def embedded_pairs(file_meta: dict[str, Any]) -> dict[str, str]:
    """``key=value; key=value`` pairs a trainer typed into a DOCX/PDF Keywords or Comments
    property (File > Properties), the one place Word and PDF tools let everyone set them."""
    pairs: dict[str, str] = {}
    for field in ("keywords", "comments", "subject"):
        value = file_meta.get(field)
        if isinstance(value, str) and "=" in value:
            for key, val in PAIR.findall(value):
                pairs[key.strip().lower().replace(" ", "_").replace("-", "_")] = val.strip()
    return pairs


def walkthrough_sections(value: Any) -> list[str]:
    """``walkthrough: true`` marks every section; a heading (or several, comma- or
    semicolon-separated) marks those sections."""
    if value is True or str(value).strip().lower() in ("true", "yes", "all"):
        return [ALL_SECTIONS]
    if value is False or str(value).strip().lower() in ("false", "no", "none"):
        return []
    return as_list(value)


def marks_walkthrough(walkthroughs: list[str], headings: list[str]) -> bool:
    """Whether a section with this heading path was marked as a walkthrough."""
    wanted = {w.strip().casefold() for w in walkthroughs}
    return ALL_SECTIONS in wanted or any(h.strip().casefold() in wanted for h in headings)


def check_sizes(raw: dict[str, Any]) -> None:
    """Refuse metadata fields too large to be what they say they are."""
    for field, most in MAX_CHARS.items():
        value = pick(raw, field)
        if value is not None and not isinstance(value, list | dict) and len(str(value)) > most:
            raise IngestError(f"the {field} in the metadata is {len(str(value)):,} characters: "
                              f"keep it under {most}")
    for field in ("audience", "supersedes"):
        value = pick(raw, field)
        items = [] if isinstance(value, dict) else as_list(value)
        if len(items) > MAX_ITEMS or any(len(i) > MAX_ITEM_CHARS for i in items):
            raise IngestError(f"the {field} in the metadata is too long: at most {MAX_ITEMS} "
                              f"names of up to {MAX_ITEM_CHARS} characters")


def shortened(text: str, most: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= most else text[:most].rsplit(" ", 1)[0] + "…"


def usable_title(value: Any) -> str | None:
    """``value`` as a document's title, without what the program that made the file added
    to it; None when it names no document ("Table of Contents", "Document1")."""
    if value is None:
        return None
    text = FILE_EXTENSION.sub("", PRINTED_BY.sub("", str(value))).strip()
    return None if not text or NO_TITLE.match(text) else text


def build_metadata(
    path: Path, file_meta: dict[str, Any], title: str | None, default_audience: str | None = None
) -> PolicyMetadata:
    found = {k: v for k, v in file_meta.items() if v not in (None, "")}
    sidecar = read_sidecar(path)
    check_audience(found, "document's own metadata", readership=True)
    check_audience(sidecar, "sidecar", readership=False)
    raw = {**by_field(found), **by_field(embedded_pairs(found)), **by_field(sidecar)}
    check_sizes(raw)
    effective = as_date(pick(raw, "effective_date"), "effective_date")
    notes: list[str] = []
    audience = audience_names(raw, notes)
    # a trainer's sidecar title is taken as written; the file's own, as far as it is usable
    doc_title = str(pick(sidecar, "title") or next(
        filter(None, map(usable_title, (pick(raw, "title"), title))),
        path.stem.replace("_", " ").replace("-", " ")))
    doc_title = shortened(doc_title, MAX_CHARS["title"])  # a long first heading, say
    version = pick(raw, "version")
    owner = pick(raw, "owner")
    classification = pick(raw, "classification")
    return PolicyMetadata(
        doc_id=slugify(str(pick(raw, "doc_id") or path.stem)),
        title=re.sub(r"\s+", " ", doc_title).strip(),
        owner=str(owner).strip() if owner else None,
        version=str(version).strip() if version is not None else None,
        effective_date=effective.isoformat() if effective else None,
        review_date=(rd.isoformat() if (rd := review_date(raw, effective)) else None),
        audience=audience or [default_audience or ALL_STAFF],
        supersedes=[slugify(s) for s in as_list(pick(raw, "supersedes"))],
        classification=str(classification).strip() if classification else None,
        walkthroughs=walkthrough_sections(pick(raw, "walkthroughs")),
        notes=notes,
    )
