"""Digital skills in the usage log: people's private skills-check records, and the figures of
the skills-gap view (questions by skill area, walkthrough Stuck rates, k-anonymous ratings).

A record belongs to one pseudonymised person: ``SkillsRecords`` reads, exports and deletes it
only for that person. Everything a manager sees comes from ``skills_figures``, which returns
aggregates over groups of at least ``min_group`` known people, published as snapshots that
move only when enough of a group's people changed, and nothing else about ratings.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, case, cast, delete, func, select
from sqlalchemy.engine import Engine

from usage.pseudonym import Pseudonymiser
from usage.report import Period
from usage.schema import (
    citations,
    feedback,
    question_areas,
    questions,
    skill_people,
    skill_ratings,
    skill_snapshots,
)
from usage.walkthroughs import step_figures

MIN_GROUP = 5  # never fewer people behind a figure about self-ratings
OTHER_TEAMS = "Other teams"
EXAMPLES = 3
DOCUMENTS = 3
FAILED_ROWS = 5000  # distinct failed (area, question) pairs read for the training-needs list
def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class PersonRecord:
    person: str
    team: str | None
    updated_at: dt.datetime | None
    ratings: dict[str, tuple[int, int]]  # statement id -> (now, need)


class SkillsRecords:
    """One person's skills check: saved, read back, deleted, only by that person's id."""

    def __init__(self, engine: Engine, pseudonymise: Pseudonymiser) -> None:
        self.engine = engine
        self.pseudonymise = pseudonymise

    def person(self, surface: str, user: str) -> str:
        """The pseudonym of a person on a surface, the way the usage log makes user_hash."""
        person = self.pseudonymise(surface, user)
        if not person:
            raise ValueError("a skills record needs a person")
        return person

    def save(self, person: str, ratings: Iterable[tuple[str, str, str, int, int]],
             team: str | None = None, anonymous: bool = False) -> int:
        """Replace the ratings given (statement, area, level, now, need); others are kept.
        ``anonymous``: a web visitor not signed in, whose record is never counted."""
        stamp = now()
        rows = [{"person": person, "statement_id": s, "area": a, "level": lv, "now": n,
                 "need": d, "updated_at": stamp} for s, a, lv, n, d in ratings]
        with self.engine.begin() as conn:
            if conn.execute(select(skill_people.c.person).where(skill_people.c.person == person)
                            ).first():
                conn.execute(skill_people.update().where(skill_people.c.person == person)
                             .values(updated_at=stamp, team=team, anonymous=anonymous))
            else:
                conn.execute(skill_people.insert().values(person=person, team=team,
                                                          updated_at=stamp,
                                                          anonymous=anonymous))
            if rows:
                conn.execute(delete(skill_ratings).where(
                    skill_ratings.c.person == person,
                    skill_ratings.c.statement_id.in_([r["statement_id"] for r in rows])))
                conn.execute(skill_ratings.insert(), rows)
        return len(rows)

    def carry_over(self, visitor: str, account: str) -> int:
        """At sign-in: the visitor's anonymous record becomes the account's (the visitor's
        newer ratings replace the account's for the same statements), and the anonymous one
        is gone. Returns the ratings carried over."""
        held = self.get(visitor)
        if held is None or visitor == account:
            return 0
        with self.engine.connect() as conn:
            rows = conn.execute(select(skill_ratings.c.statement_id, skill_ratings.c.area,
                                       skill_ratings.c.level, skill_ratings.c.now,
                                       skill_ratings.c.need)
                                .where(skill_ratings.c.person == visitor)).all()
        mine = self.get(account)
        carried = self.save(account, [tuple(r) for r in rows],
                            team=held.team or (mine.team if mine else None))
        self.delete(visitor)
        return carried

    def forget_anonymous(self, older_than: dt.timedelta) -> int:
        """Anonymous records whose session has expired: nobody can reach them any more."""
        cutoff = now() - older_than
        with self.engine.begin() as conn:
            gone = [p for (p,) in conn.execute(select(skill_people.c.person).where(
                skill_people.c.anonymous.is_(True), skill_people.c.updated_at < cutoff))]
            if gone:
                conn.execute(delete(skill_ratings).where(skill_ratings.c.person.in_(gone)))
                conn.execute(delete(skill_people).where(skill_people.c.person.in_(gone)))
        return len(gone)

    def get(self, person: str) -> PersonRecord | None:
        with self.engine.connect() as conn:
            head = conn.execute(select(skill_people).where(skill_people.c.person == person)
                                ).mappings().one_or_none()
            if head is None:
                return None
            rows = conn.execute(select(skill_ratings.c.statement_id, skill_ratings.c.now,
                                       skill_ratings.c.need)
                                .where(skill_ratings.c.person == person)).all()
        return PersonRecord(person, head["team"], head["updated_at"],
                            {s: (n, d) for s, n, d in rows})

    def delete(self, person: str) -> bool:
        """The person's whole record, gone; True if there was one."""
        with self.engine.begin() as conn:
            conn.execute(delete(skill_ratings).where(skill_ratings.c.person == person))
            return conn.execute(delete(skill_people).where(skill_people.c.person == person)
                                ).rowcount > 0


# -- the skills-gap view ---------------------------------------------------------------------
def in_period(column: Any, since: dt.datetime, until: dt.datetime) -> Any:
    return and_(column >= since, column < until)


def questions_by_area(engine: Engine, since: dt.datetime, until: dt.datetime
                      ) -> dict[str, dict[str, Any]]:
    """Per area: questions asked, unanswered (not covered), found unhelpful, by month too.
    The counts read only the areas' covering index; unhelpful ones join the few votes."""
    month = func.substr(cast(func.date(question_areas.c.created_at), String), 1, 7)
    where = in_period(question_areas.c.created_at, since, until)
    unhelpful = select(feedback.c.question_id).where(feedback.c.helpful.is_(False)).distinct() \
        .subquery()
    with engine.connect() as conn:
        rows = conn.execute(
            select(question_areas.c.area, month, func.count(),
                   func.sum(case((question_areas.c.status == "cannot_answer", 1), else_=0)))
            .where(where).group_by(question_areas.c.area, month)).all()
        voted = dict(conn.execute(
            select(question_areas.c.area, func.count())
            .join(unhelpful, unhelpful.c.question_id == question_areas.c.question_id)
            .where(where).group_by(question_areas.c.area)).all())
    out: dict[str, dict[str, Any]] = {}
    for area, m, n, unanswered in rows:
        entry = out.setdefault(area, {"asked": 0, "unanswered": 0, "unhelpful": 0,
                                      "by_month": {}})
        entry["asked"] += int(n)
        entry["unanswered"] += int(unanswered or 0)
        entry["by_month"][str(m)] = int(n)
    for area, n in voted.items():
        out.setdefault(area, {"asked": 0, "unanswered": 0, "unhelpful": 0, "by_month": {}})
        out[area]["unhelpful"] = int(n)
    return out


def failed_questions_by_area(engine: Engine, since: dt.datetime, until: dt.datetime,
                             per_area: int = EXAMPLES) -> dict[str, list[dict[str, Any]]]:
    """The questions of each area that failed staff (not covered or unhelpful), most asked
    first: examples for the training-needs list."""
    unhelpful = select(feedback.c.question_id).where(feedback.c.helpful.is_(False))
    failed = (questions.c.status == "cannot_answer") | questions.c.id.in_(unhelpful)
    with engine.connect() as conn:
        rows = conn.execute(
            select(question_areas.c.area, questions.c.question, func.count().label("n"))
            .join(questions, questions.c.id == question_areas.c.question_id)
            .where(in_period(question_areas.c.created_at, since, until),
                   questions.c.question.is_not(None), failed)
            .group_by(question_areas.c.area, questions.c.question)
            .order_by(func.count().desc(), questions.c.question).limit(FAILED_ROWS)).all()
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for area, question, n in rows:
        if len(out[area]) < per_area:
            out[area].append({"question": question, "times": int(n)})
    return dict(out)


def documents_by_area(engine: Engine, since: dt.datetime, until: dt.datetime,
                      per_area: int = DOCUMENTS) -> dict[str, list[dict[str, Any]]]:
    """The documents answers cited for each area's questions, most cited first (ids only:
    both sides of the join are read from covering indexes)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(question_areas.c.area, citations.c.doc_id, func.count())
            .join(citations, citations.c.question_id == question_areas.c.question_id)
            .where(in_period(question_areas.c.created_at, since, until))
            .group_by(question_areas.c.area, citations.c.doc_id)
            .order_by(func.count().desc(), citations.c.doc_id)).all()
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for area, doc_id, n in rows:
        if len(out[area]) < per_area:
            out[area].append({"doc_id": doc_id, "citations": int(n)})
    return dict(out)


def stuck_rates(engine: Engine, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Walkthrough steps where staff pressed Stuck, most confusing first (the walkthroughs'
    own per-step figures, named for the skills-gap view)."""
    steps = [{"doc_id": r["doc_id"], "title": r["title"] or r["doc_id"],
              "section": r["section"], "step": r["step"], "shown": r["reached"],
              "done": r["done"], "stuck": r["stuck"], "asked_person": r["escalated"],
              "stuck_rate": r["stuck_rate"]}
             for r in step_figures(engine, Period(since, until))]
    return {"available": True, "steps": steps}


GAP_STEP = 0.5  # published means: to the nearest half point of the scale
SHARE_STEP = 0.1  # the share with a gap: to the nearest tenth
PEOPLE_STEP = 5  # people behind a figure: counted down to a multiple of five
SNAPSHOT_EVERY = dt.timedelta(days=7)


def to_step(value: float, step: float) -> float:
    return round(round(value / step) * step, 3)


def people_band(people: int) -> int:
    return people - people % PEOPLE_STEP


@dataclass
class Group:
    """One group of the figures as the records are now (never shown as it is)."""

    key: str
    labels: dict[str, str]
    changed_at: dict[str, dt.datetime] = field(default_factory=dict)  # person -> last change
    n: int = 0
    now_sum: float = 0.0
    need_sum: float = 0.0
    with_gap: int = 0

    @property
    def people(self) -> int:
        return len(self.changed_at)

    def touched(self, person: str, at: dt.datetime) -> None:
        """``person`` changed a rating of this group at ``at`` (the latest change counts)."""
        self.changed_at[person] = max(at, self.changed_at.get(person, at))

    def add(self, person: str, now_: int, need: int, at: dt.datetime) -> None:
        self.touched(person, at)
        self.n += 1
        self.now_sum += now_
        self.need_sum += need
        self.with_gap += need > now_

    def merge(self, other: Group) -> None:
        for person, at in other.changed_at.items():
            self.touched(person, at)
        self.n += other.n
        self.now_sum += other.now_sum
        self.need_sum += other.need_sum
        self.with_gap += other.with_gap

    def changed_since(self, since: dt.datetime) -> int:
        return sum(at > since for at in self.changed_at.values())

    def published(self, at: dt.datetime) -> dict[str, Any]:
        return {**self.labels, "people": people_band(self.people), "exact": self.people,
                "published_at": at.isoformat(),
                "mean_now": to_step(self.now_sum / self.n, GAP_STEP),
                "mean_need": to_step(self.need_sum / self.n, GAP_STEP),
                "mean_gap": to_step((self.need_sum - self.now_sum) / self.n, GAP_STEP),
                "share_with_gap": to_step(self.with_gap / self.n, SHARE_STEP)}


def aware(stamp: dt.datetime) -> dt.datetime:
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def live_groups(engine: Engine, min_group: int) -> tuple[int, list[Group]]:
    """The area x level cells and the area x team groups as the records of known people
    (signed in, or on Slack or Teams: never an anonymous web visitor) are now."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(skill_ratings.c.person, skill_ratings.c.area, skill_ratings.c.level,
                   skill_people.c.team, skill_ratings.c.now, skill_ratings.c.need,
                   skill_ratings.c.updated_at)
            .join(skill_people, skill_people.c.person == skill_ratings.c.person)
            .where(skill_people.c.anonymous.is_(False))).all()
    cells: dict[tuple[str, str], Group] = {}
    teams: dict[tuple[str, str | None], Group] = {}
    for person, area, level, team, now_, need, at in rows:
        cells.setdefault((area, level), Group(f"cell|{area}|{level}",
                                              {"area": area, "level": level})
                         ).add(person, now_, need, aware(at))
        teams.setdefault((area, team), Group(f"team|{area}|{team}", {"area": area, "team": team})
                         ).add(person, now_, need, aware(at))
    people = len({r[0] for r in rows})
    return people, list(cells.values()) + team_groups(list(teams.values()), min_group)


def team_groups(groups: list[Group], min_group: int) -> list[Group]:
    """Area x team groups. Teams smaller than ``min_group`` (and people who gave no team) are
    merged into "Other teams"; where that merged group is itself smaller (but not empty), the
    area's team breakdown is withheld, so no small group can be worked out by subtracting the
    teams shown from the whole. One group alone is the whole area: nothing more to show."""
    by_area: dict[str, list[Group]] = defaultdict(list)
    for group in groups:
        by_area[group.labels["area"]].append(group)
    out: list[Group] = []
    for area, teams in sorted(by_area.items()):
        shown = [g for g in teams if g.labels["team"] and g.people >= min_group]
        merged = Group(f"team|{area}|{OTHER_TEAMS}", {"area": area, "team": OTHER_TEAMS})
        for group in teams:
            if group not in shown:
                merged.merge(group)  # teams are disjoint: people add up
        if 0 < merged.people < min_group:
            continue
        if merged.people:
            shown.append(merged)
        if len(shown) >= 2:
            out += shown
    return out


def latest_snapshot(engine: Engine) -> tuple[dt.datetime, dict[str, Any]] | None:
    with engine.connect() as conn:
        row = conn.execute(select(skill_snapshots.c.made_at, skill_snapshots.c.groups)
                           .order_by(skill_snapshots.c.made_at.desc(),
                                     skill_snapshots.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return aware(row[0]), json.loads(row[1])


def publish(engine: Engine, min_group: int, last: tuple[dt.datetime, dict[str, Any]] | None,
            at: dt.datetime) -> dict[str, Any]:
    """A new snapshot. A group is published only with at least ``min_group`` people; where it
    was published before, its figures change only once at least ``min_group`` of its people
    changed since (added, changed or gone), so the difference between two snapshots never
    comes down to fewer people than that."""
    before = last[1]["groups"] if last else {}
    people, groups = live_groups(engine, min_group)
    out: dict[str, Any] = {}
    for group in groups:
        if group.people < min_group:
            continue
        prev = before.get(group.key)
        if prev is not None:  # changed since this group's own last publication
            changed = group.changed_since(dt.datetime.fromisoformat(prev["published_at"]))
            # at least this many are gone (a lower bound: newcomers are among the changed)
            gone = max(0, prev["exact"] - group.people)
            if changed + gone < min_group:
                out[group.key] = prev
                continue
        out[group.key] = group.published(at)
    snapshot = {"groups": out, "people": people_band(people) if people >= min_group else None}
    with engine.begin() as conn:
        conn.execute(skill_snapshots.insert().values(made_at=at, groups=json.dumps(snapshot)))
    return snapshot


def rating_figures(engine: Engine, min_group: int = MIN_GROUP,
                   every: dt.timedelta = SNAPSHOT_EVERY, at: dt.datetime | None = None
                   ) -> dict[str, Any]:
    """Self-ratings as the latest snapshot publishes them (one is made when the last is
    older than ``every``), only as aggregates over at least ``min_group`` known people:

    - ``cells``: area x level: people (counted down to a multiple of 5), mean now, mean
      need and mean gap (to half a point), the share with a gap (to a tenth);
    - ``teams``: area x team mean gaps, small teams merged (see ``team_groups``).

    Nothing says which groups were left out, and anonymous web records never count.
    """
    min_group = max(MIN_GROUP, min_group)
    at = at or now()
    last = latest_snapshot(engine)
    snapshot = last[1] if last and at - last[0] < every else publish(engine, min_group, last,
                                                                     at)
    made = last[0] if last and snapshot is last[1] else at
    groups = sorted(snapshot["groups"].items())
    public = [{k: v for k, v in g.items() if k not in ("exact", "published_at")}
              for _, g in groups]
    cells = [g for (key, _), g in zip(groups, public, strict=True) if key.startswith("cell|")]
    teams = [{"area": g["area"], "team": g["team"], "people": g["people"],
              "mean_gap": g["mean_gap"]}
             for (key, _), g in zip(groups, public, strict=True) if key.startswith("team|")]
    return {"min_group": min_group, "people": snapshot["people"], "cells": cells,
            "teams": teams, "as_of": made.isoformat(timespec="minutes")}


def skills_figures(engine: Engine, since: dt.datetime, until: dt.datetime,
                   min_group: int = MIN_GROUP) -> dict[str, Any]:
    """Every figure of the skills-gap view, from grouped queries."""
    return {"questions": questions_by_area(engine, since, until),
            "failed": failed_questions_by_area(engine, since, until),
            "cited": documents_by_area(engine, since, until),
            "walkthroughs": stuck_rates(engine, since, until),
            "ratings": rating_figures(engine, min_group)}
