"""The private skills check: a person's ratings ("where I am now", "where I need to be") in,
their gaps out, each with the documents that help. Pure functions over the framework; the
record itself is kept by ``usage.skills.SkillsRecords``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.skills.framework import Framework

TOP_GAPS = 5

# doc id -> {"doc_id", "title", ...} for a document in the knowledge base, or None; an entry
# marked "restricted" is one the reader may not read: it is left out, neither linked nor missing
FindDocument = Callable[[str], dict[str, Any] | None]


@dataclass(frozen=True)
class Rating:
    statement_id: str
    now: int
    need: int


class RatingError(ValueError):
    """Ratings that don't fit the framework; the message is for the person rating."""


@dataclass
class Gap:
    area_id: str
    area: str
    level: str
    statement_id: str
    statement: str
    now: int
    need: int
    now_label: str
    need_label: str
    documents: list[dict[str, Any]] = field(default_factory=list)  # in the knowledge base
    missing: list[str] = field(default_factory=list)  # doc ids linked but not indexed
    ask: str | None = None  # a question to put to Guide about it

    @property
    def size(self) -> int:
        return self.need - self.now

    def as_dict(self) -> dict[str, Any]:
        return {"area_id": self.area_id, "area": self.area, "level": self.level,
                "statement_id": self.statement_id, "statement": self.statement,
                "now": self.now, "need": self.need, "now_label": self.now_label,
                "need_label": self.need_label, "gap": self.size, "documents": self.documents,
                "missing_documents": self.missing, "ask": self.ask}


def parse_ratings(framework: Framework, form: Mapping[str, Any]) -> list[Rating]:
    """Ratings from a form whose fields are ``now:<statement>`` and ``need:<statement>``.
    A statement left blank on both is skipped; one half given alone is an error."""
    allowed = set(framework.values)
    out: list[Rating] = []
    problems: list[str] = []
    for statement_id, (_, statement) in framework.statements.items():
        raw_now = str(form.get(f"now:{statement_id}") or "").strip()
        raw_need = str(form.get(f"need:{statement_id}") or "").strip()
        if not raw_now and not raw_need:
            continue
        try:
            now, need = int(raw_now), int(raw_need)
        except ValueError:
            problems.append(f"“{statement.text}”: choose both where you are now and where "
                            "you need to be")
            continue
        if now not in allowed or need not in allowed:
            problems.append(f"“{statement.text}”: {now}/{need} is not on the scale")
            continue
        out.append(Rating(statement_id, now, need))
    if problems:
        raise RatingError("; ".join(problems))
    return out


def gaps(framework: Framework, ratings: Mapping[str, tuple[int, int]],
         find_document: FindDocument | None = None, top: int | None = TOP_GAPS) -> list[Gap]:
    """The person's gaps, largest first (then by level, as the framework lists them)."""
    level_order = {lv.id: n for n, lv in enumerate(framework.levels)}
    found: list[tuple[int, int, int, Gap]] = []
    for order, (statement_id, (area, statement)) in enumerate(framework.statements.items()):
        if statement_id not in ratings:
            continue
        now, need = ratings[statement_id]
        if need <= now:
            continue
        documents, missing = [], []
        for doc_id in statement.documents:
            entry = find_document(doc_id) if find_document else {"doc_id": doc_id,
                                                                 "title": doc_id}
            if entry is None:
                missing.append(doc_id)
            elif not entry.get("restricted"):
                documents.append(entry)
        gap = Gap(area.id, area.name, framework.level_name(statement.level), statement_id,
                  statement.text, now, need, framework.label(now), framework.label(need),
                  documents, missing, statement.examples[0] if statement.examples else None)
        found.append((-(need - now), level_order[statement.level], order, gap))
    ordered = [g for *_, g in sorted(found, key=lambda t: t[:3])]
    return ordered[:top] if top else ordered


def record_as_dict(framework: Framework, ratings: Mapping[str, tuple[int, int]],
                   updated_at: str | None, find_document: FindDocument | None = None,
                   ) -> dict[str, Any]:
    """A person's whole record, as they export it: every rated statement and the gaps."""
    rated = []
    for statement_id, (area, statement) in framework.statements.items():
        if statement_id in ratings:
            now, need = ratings[statement_id]
            rated.append({"area": area.name, "level": framework.level_name(statement.level),
                          "statement_id": statement_id, "statement": statement.text,
                          "now": now, "now_label": framework.label(now), "need": need,
                          "need_label": framework.label(need)})
    return {"framework": framework.name, "framework_version": framework.version,
            "updated_at": updated_at, "ratings": rated,
            "gaps": [g.as_dict() for g in gaps(framework, ratings, find_document, top=None)]}
