"""Digital skills in the usage log: people's private skills-check records, and the figures of
the skills-gap view (questions by skill area, walkthrough Stuck rates, k-anonymous ratings).

A record belongs to one pseudonymised person: ``SkillsRecords`` reads, exports and deletes it
only for that person. Everything a manager sees comes from ``skills_figures``, which returns
aggregates over groups of at least ``min_group`` people and nothing else about ratings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, case, cast, delete, distinct, func, select
from sqlalchemy.engine import Engine

from usage.pseudonym import Pseudonymiser
from usage.report import Period
from usage.schema import citations, feedback, question_areas, questions, skill_people, skill_ratings
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
             team: str | None = None) -> int:
        """Replace the ratings given (statement, area, level, now, need); others are kept."""
        stamp = now()
        rows = [{"person": person, "statement_id": s, "area": a, "level": lv, "now": n,
                 "need": d, "updated_at": stamp} for s, a, lv, n, d in ratings]
        with self.engine.begin() as conn:
            if conn.execute(select(skill_people.c.person).where(skill_people.c.person == person)
                            ).first():
                conn.execute(skill_people.update().where(skill_people.c.person == person)
                             .values(updated_at=stamp, team=team))
            else:
                conn.execute(skill_people.insert().values(person=person, team=team,
                                                          updated_at=stamp))
            if rows:
                conn.execute(delete(skill_ratings).where(
                    skill_ratings.c.person == person,
                    skill_ratings.c.statement_id.in_([r["statement_id"] for r in rows])))
                conn.execute(skill_ratings.insert(), rows)
        return len(rows)

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


def rating_figures(engine: Engine, min_group: int = MIN_GROUP) -> dict[str, Any]:
    """Self-ratings, only as aggregates over at least ``min_group`` people.

    - ``cells``: area x level, each with how many people, mean now, mean need, the share with
      a gap; a cell with fewer people is listed as hidden, without figures.
    - ``teams``: area x team mean gaps. Teams smaller than ``min_group`` (and people who gave
      no team) are merged into "Other teams"; where that merged group is itself smaller (but
      not empty), the area's team breakdown is withheld, so no small group can be worked out
      by subtracting the teams shown from the whole.
    """
    min_group = max(MIN_GROUP, min_group)
    gap = case((skill_ratings.c.need > skill_ratings.c.now,
                skill_ratings.c.need - skill_ratings.c.now), else_=0)
    with engine.connect() as conn:
        people = conn.execute(select(func.count(distinct(skill_ratings.c.person)))).scalar_one()
        cells = conn.execute(
            select(skill_ratings.c.area, skill_ratings.c.level,
                   func.count(distinct(skill_ratings.c.person)), func.count(),
                   func.sum(skill_ratings.c.now), func.sum(skill_ratings.c.need),
                   func.sum(case((skill_ratings.c.need > skill_ratings.c.now, 1), else_=0)))
            .group_by(skill_ratings.c.area, skill_ratings.c.level)).all()
        teams = conn.execute(
            select(skill_people.c.team, skill_ratings.c.area,
                   func.count(distinct(skill_ratings.c.person)), func.count(), func.sum(gap))
            .join(skill_people, skill_people.c.person == skill_ratings.c.person)
            .group_by(skill_people.c.team, skill_ratings.c.area)).all()
    shown_cells, hidden_cells = [], []
    for area, level, n_people, n, now_sum, need_sum, with_gap in cells:
        if n_people < min_group:
            hidden_cells.append({"area": area, "level": level})
            continue
        shown_cells.append({"area": area, "level": level, "people": int(n_people),
                            "mean_now": round(now_sum / n, 2), "mean_need": round(need_sum / n, 2),
                            "mean_gap": round((need_sum - now_sum) / n, 2),
                            "share_with_gap": round(with_gap / n, 3)})
    return {"min_group": min_group, "people": int(people) if people >= min_group else None,
            "cells": shown_cells, "hidden_cells": len(hidden_cells),
            **team_breakdown(teams, min_group)}


def team_breakdown(rows: Sequence[Any], min_group: int) -> dict[str, Any]:
    by_area: dict[str, list[tuple[str | None, int, int, float]]] = defaultdict(list)
    for team, area, n_people, n, gap_sum in rows:
        by_area[area].append((team, int(n_people), int(n), float(gap_sum or 0)))
    out: list[dict[str, Any]] = []
    withheld: list[str] = []
    for area, groups in sorted(by_area.items()):
        shown = [(t, p, n, g) for t, p, n, g in groups if t and p >= min_group]
        small = [(t, p, n, g) for t, p, n, g in groups if not t or p < min_group]
        merged_people = sum(p for _, p, _, _ in small)  # teams are disjoint: people add up
        if 0 < merged_people < min_group:
            withheld.append(area)
            continue
        if merged_people:
            shown.append((OTHER_TEAMS, merged_people, sum(n for *_, n, _ in small),
                          sum(g for *_, g in small)))
        if len(shown) < 2:  # one group is the whole: the cells above already say it
            continue
        out += [{"area": area, "team": t, "people": p, "mean_gap": round(g / n, 2)}
                for t, p, n, g in shown]
    return {"teams": out, "teams_withheld": withheld}


def skills_figures(engine: Engine, since: dt.datetime, until: dt.datetime,
                   min_group: int = MIN_GROUP) -> dict[str, Any]:
    """Every figure of the skills-gap view, from grouped queries."""
    return {"questions": questions_by_area(engine, since, until),
            "failed": failed_questions_by_area(engine, since, until),
            "cited": documents_by_area(engine, since, until),
            "walkthroughs": stuck_rates(engine, since, until),
            "ratings": rating_figures(engine, min_group)}
