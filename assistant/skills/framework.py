"""The skills framework: areas, levels and the statements staff rate themselves against.

Trainers own it as a YAML file in the data dir (``skills-framework.yaml``); until they load
one, the default shipped beside this module is used (the UK Essential Digital Skills areas and
levels, with statements about justice staff's everyday tools). A bad file is refused with the
place and the reason, and the framework in use is left as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from config.audiences import ALL_STAFF
from config.errors import GuideError

DEFAULT_FRAMEWORK = Path(__file__).with_name("default_framework.yaml")
FRAMEWORK_FILE = "skills-framework.yaml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class FrameworkError(GuideError):
    """A skills framework file that cannot be used; the message says where and why."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(Strict):
    id: str
    name: str
    description: str = ""


class Scale(Strict):
    """The answers to "where I am now" and "where I need to be", lowest first."""

    value: int = Field(ge=0, le=9)
    label: str


class Statement(Strict):
    id: str
    level: str
    text: str = Field(min_length=10, max_length=300)
    documents: list[str] = Field(default_factory=list)  # doc ids in the knowledge base
    examples: list[str] = Field(default_factory=list)  # how staff ask about it (for tagging)


class Area(Strict):
    id: str
    name: str
    description: str = ""
    statements: list[Statement] = Field(min_length=1)


class Framework(Strict):
    name: str
    version: str = "1"
    levels: list[Level] = Field(min_length=1)
    scale: list[Scale] = Field(min_length=2)
    areas: list[Area] = Field(min_length=1)

    @field_validator("levels", "areas")
    @classmethod
    def _ids_are_slugs(cls, items: list) -> list:
        for item in items:
            if not SLUG.match(item.id):
                raise ValueError(f"id {item.id!r} must be lowercase letters, digits and "
                                 "hyphens")
        return items

    @model_validator(mode="after")
    def _consistent(self) -> Framework:
        level_ids = [lv.id for lv in self.levels]
        duplicates(level_ids, "level")
        duplicates([a.id for a in self.areas], "area")
        duplicates([s.value for s in self.scale], "scale value")
        if [s.value for s in self.scale] != sorted(s.value for s in self.scale):
            raise ValueError("scale: list the answers from the lowest value to the highest")
        seen: list[str] = []
        for area in self.areas:
            for statement in area.statements:
                if not SLUG.match(statement.id):
                    raise ValueError(f"statement id {statement.id!r} (area {area.id}) must be "
                                     "lowercase letters, digits and hyphens")
                if statement.level not in level_ids:
                    raise ValueError(f"statement {statement.id!r} (area {area.id}) has level "
                                     f"{statement.level!r}; the levels are "
                                     f"{', '.join(level_ids)}")
                seen.append(statement.id)
        duplicates(seen, "statement")
        return self

    # -- lookups ----------------------------------------------------------------------------
    @cached_property
    def statements(self) -> dict[str, tuple[Area, Statement]]:
        return {s.id: (a, s) for a in self.areas for s in a.statements}

    def area(self, area_id: str) -> Area | None:
        return next((a for a in self.areas if a.id == area_id), None)

    def level_name(self, level_id: str) -> str:
        return next((lv.name for lv in self.levels if lv.id == level_id), level_id)

    def label(self, value: int) -> str:
        return next((s.label for s in self.scale if s.value == value), str(value))

    @property
    def values(self) -> list[int]:
        return [s.value for s in self.scale]

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True,
                              width=100)


def duplicates(ids: list, what: str) -> None:
    repeated = sorted({str(i) for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"each {what} id must be unique; repeated: {', '.join(repeated)}")


def parse_framework(text: str, source: str = "the framework") -> Framework:
    """A framework from YAML text, or a FrameworkError naming each problem and its place."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrameworkError(f"{source} is not valid YAML{where}: {problem}") from None
    if not isinstance(raw, dict):
        raise FrameworkError(f"{source} must be a YAML mapping with name, levels, scale and "
                             "areas")
    try:
        return Framework.model_validate(raw)
    except ValidationError as exc:
        problems = [f"  - {location(raw, e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
                    for e in exc.errors()]
        raise FrameworkError(f"{source} has {len(problems)} problem(s):\n"
                             + "\n".join(problems)) from None


def location(raw: object, loc: tuple) -> str:
    """A pydantic error location for people: "areas[2] (being-safe) > statements[0] > text"."""
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int):
            name = node[key].get("id") if isinstance(node, list) and key < len(node) \
                and isinstance(node[key], dict) else None
            parts[-1] += f"[{key}]" + (f" ({name})" if name else "")
            node = node[key] if isinstance(node, list) and key < len(node) else None
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return " > ".join(parts) or "the file"


def read_framework(path: Path) -> Framework:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(f"cannot read {path}: {exc}") from None
    return parse_framework(text, str(path))


def framework_path(data_dir: Path) -> Path:
    return data_dir / FRAMEWORK_FILE


def current_framework(data_dir: Path) -> Framework:
    """The trainers' framework in the data dir, else the shipped default."""
    path = framework_path(data_dir)
    return read_framework(path if path.exists() else DEFAULT_FRAMEWORK)


def load_framework(source: Path, data_dir: Path) -> Framework:
    """Check ``source`` and make it the framework in use (written atomically)."""
    framework = read_framework(source)
    target = framework_path(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".yaml.tmp")
    tmp.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    tmp.replace(target)
    return framework


def link_warnings(framework: Framework, indexed: Iterable[Any]) -> list[str]:
    """What a trainer should know about the framework's document links, given the catalogue's
    current entries: a link to a document not every member of staff may read (its readers
    alone see it in their gaps; everyone else sees nothing of it), and one to a document
    that is not indexed."""
    audiences = {e.doc_id: list(e.policy.get("audience") or [ALL_STAFF]) for e in indexed}
    out = []
    for statement_id, (_, statement) in framework.statements.items():
        for doc_id in statement.documents:
            if doc_id not in audiences:
                out.append(f"statement {statement_id!r} links {doc_id!r}, which is not indexed")
            elif ALL_STAFF not in audiences[doc_id]:
                out.append(f"statement {statement_id!r} links {doc_id!r}, which only "
                           f"{', '.join(audiences[doc_id])} may read: only they see the link")
    return out
