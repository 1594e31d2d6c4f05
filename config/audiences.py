"""Who is in which audience: one file for every surface, ``audiences.yaml`` in the data dir.

Everyone is in ``all-staff``. Beyond it, each audience names its members as each surface
knows them::

    managers:
      roles: [manager]               # web accounts with this role
      slack: [S0MANAGERS, U0123ABC]  # Slack user groups (S...) or user ids (U.../W...)
      teams: [6f1c...]               # Entra group or user object ids
    probation:
      slack: [S0PROBATION]

A web account also carries its own audiences (``guide users add --audience``). The file is
read again when it changes, so membership changes need no restart. Without a file, the
``manager`` role is in ``managers`` and nobody else is in anything but ``all-staff``.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config.errors import GuideError

ALL_STAFF = "all-staff"
STAFF: frozenset[str] = frozenset({ALL_STAFF})  # what anyone may read: deny by default
SURFACES = ("slack", "teams")


def audience_name(name: str) -> str:
    """As ingest writes a document's audience: lower case, spaces as hyphens."""
    return name.strip().lower().replace(" ", "-")


def readers(names: Iterable[str] | None = None) -> frozenset[str]:
    """The audiences someone reads as: ``names`` (normalised) and always ``all-staff``."""
    if isinstance(names, str):  # one name, not its letters
        names = [names]
    return STAFF | {audience_name(n) for n in names or () if n.strip()}


def may_read(document_audiences: Iterable[str] | None, audiences: Collection[str]) -> bool:
    """Whether someone reading as ``audiences`` may see a document for
    ``document_audiences`` (none given: all staff)."""
    allowed = list(document_audiences or ()) or [ALL_STAFF]
    return ALL_STAFF in allowed or any(a in audiences for a in allowed)


def split_names(values: Iterable[str] | str | None) -> list[str]:
    """``"probation,managers"`` or ``["probation", "managers"]`` (a CLI option given twice)."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [audience_name(p) for item in items for p in item.split(",") if p.strip()]


def as_tags(names: Iterable[str] | None) -> str | None:
    """Audiences as the usage log stores them: ``|managers|probation|`` (None: none known)."""
    unique = sorted(set(names or ()))
    return "|" + "|".join(unique) + "|" if unique else None


def from_tags(value: str | None) -> list[str]:
    return [v for v in (value or "").split("|") if v]


class Members(BaseModel):
    """The members of one audience, as each surface knows them."""

    model_config = ConfigDict(extra="forbid")

    roles: list[str] = Field(default_factory=list)
    slack: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)


DEFAULT = {"managers": Members(roles=["manager"])}


class AudienceDirectory:
    """The audiences file, read when first needed and again whenever it changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._audiences: dict[str, Members] = dict(DEFAULT)

    def audiences(self) -> dict[str, Members]:
        try:
            stat = self.path.stat()
            stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                self._audiences = self._read() if stamp else dict(DEFAULT)
                self._stamp = stamp
            return self._audiences

    def _read(self) -> dict[str, Members]:
        try:
            raw = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
            if not isinstance(raw, dict):
                raise ValueError("expected audience names, each with its members")
            return {audience_name(str(name)): Members.model_validate(members or {})
                    for name, members in raw.items()}
        except (OSError, yaml.YAMLError, ValueError, ValidationError) as exc:
            # a broken file must not widen anything, and must say what is wrong
            raise GuideError(f"the audiences file {self.path} cannot be used: {exc}") from exc

    def check(self) -> None:
        """Read the file now: a broken one is reported at start-up, not at the first ask."""
        self.audiences()

    # -- what surfaces ask ------------------------------------------------------------------
    def for_role(self, role: str | None) -> frozenset[str]:
        return readers(name for name, m in self.audiences().items() if role and role in m.roles)

    def for_person(self, surface: str, user_id: str | None,
                   groups: Collection[str] = ()) -> frozenset[str]:
        """This person's audiences on ``surface``: every audience listing their id or one of
        their groups (Slack user groups, Entra groups), and ``all-staff``. Unknown: all-staff."""
        if surface not in SURFACES:
            raise ValueError(f"no audience members are configured for {surface!r}")
        ids = {i for i in (user_id, *groups) if i}
        return readers(name for name, m in self.audiences().items()
                       if ids & set(getattr(m, surface)))

    def groups(self, surface: str) -> set[str]:
        """Every id named for ``surface`` (Slack: the user groups to look members up in)."""
        return {i for m in self.audiences().values() for i in getattr(m, surface)}
