"""Walkthrough events in the usage log, and the figures read back from them.

One row per event: ``started`` (step 1 shown), ``done`` and ``stuck`` at a step, ``escalated``
(asked a person) at a step. The user is pseudonymised like every usage row; the rows of one
walkthrough share a random ``walk_id``, which says nothing about the person.

A step is *reached* by a walkthrough that started (step 1) or finished the step before it;
its Stuck rate is the share of walkthroughs reaching it that were stuck there at least once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import and_, case, func, insert, select
from sqlalchemy.engine import Engine

from usage.log import Asked, UsageLog, now
from usage.report import Period, in_period
from usage.schema import walkthrough_events as events

WalkEventKind = Literal["started", "done", "stuck", "escalated"]
EVENTS = ("started", "done", "stuck", "escalated")


@dataclass
class WalkEvent:
    walk_id: str
    event: WalkEventKind
    step: int
    steps_total: int
    procedure_id: str
    doc_id: str
    section: str | None = None
    title: str | None = None
    version: str | None = None
    fingerprint: str | None = None
    request: str | None = None  # as guarded; kept on ``started`` only


def record_walk_event(usage: UsageLog, asked: Asked, event: WalkEvent) -> None:
    if event.event not in EVENTS:
        raise ValueError(f"unknown walkthrough event {event.event!r}")
    with usage.engine.begin() as conn:
        conn.execute(insert(events).values(
            created_at=now(), walk_id=event.walk_id[:32], surface=asked.surface,
            user_hash=usage.user_hash(asked.surface, asked.user), event=event.event,
            step=event.step, steps_total=event.steps_total,
            procedure_id=event.procedure_id[:300], doc_id=event.doc_id[:200],
            section=event.section, title=event.title, version=event.version,
            fingerprint=event.fingerprint,
            request=event.request if event.event == "started" else None))


def walk_events(engine: Engine, walk_id: str) -> list[dict[str, Any]]:
    """One walkthrough's events, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(events).where(events.c.walk_id == walk_id)
                            .order_by(events.c.id)).mappings().all()
    return [dict(r) for r in rows]


def step_figures(engine: Engine, period: Period) -> list[dict[str, Any]]:
    """Per procedure and step: walkthroughs that reached it, finished it, were stuck at it
    and asked a person there, with the Stuck rate; the most confusing steps first."""
    when = in_period(events.c.created_at, period)
    walks = (select(events.c.procedure_id, events.c.step, events.c.event, events.c.walk_id)
             .where(when).distinct().subquery())
    per_step = (select(
        walks.c.procedure_id, walks.c.step,
        func.count(func.distinct(case((walks.c.event == "started", walks.c.walk_id))))
        .label("started"),
        func.count(func.distinct(case((walks.c.event == "done", walks.c.walk_id))))
        .label("done"),
        func.count(func.distinct(case((walks.c.event == "stuck", walks.c.walk_id))))
        .label("stuck"),
        func.count(func.distinct(case((walks.c.event == "escalated", walks.c.walk_id))))
        .label("escalated"),
    ).group_by(walks.c.procedure_id, walks.c.step))
    names = (select(events.c.procedure_id, func.max(events.c.doc_id).label("doc_id"),
                    func.max(events.c.title).label("title"),
                    func.max(events.c.section).label("section"),
                    func.max(events.c.steps_total).label("steps_total"))
             .where(when).group_by(events.c.procedure_id))
    with engine.connect() as conn:
        counts = conn.execute(per_step).mappings().all()
        about = {r["procedure_id"]: dict(r) for r in conn.execute(names).mappings()}
    by_step = {(r["procedure_id"], r["step"]): r for r in counts}
    out: list[dict[str, Any]] = []
    for (procedure, step), row in by_step.items():
        before = by_step.get((procedure, step - 1))
        reached = row["started"] + (before["done"] if before else 0)
        reached = max(reached, row["stuck"], row["done"])  # a gap in the log never divides
        info = about.get(procedure, {})
        out.append({
            "procedure_id": procedure, "doc_id": info.get("doc_id"),
            "title": info.get("title"), "section": info.get("section"), "step": step,
            "steps_total": info.get("steps_total"), "reached": reached, "done": row["done"],
            "stuck": row["stuck"], "escalated": row["escalated"],
            "stuck_rate": round(row["stuck"] / reached, 4) if reached else None,
        })
    out.sort(key=lambda r: (-(r["stuck_rate"] or 0), -r["stuck"], r["procedure_id"], r["step"]))
    return out


def document_figures(engine: Engine, period: Period) -> list[dict[str, Any]]:
    """Per document: walkthroughs started, finished (last step done), stuck anywhere."""
    when = in_period(events.c.created_at, period)
    finished = and_(events.c.event == "done", events.c.step == events.c.steps_total)
    query = (select(
        events.c.doc_id, func.max(events.c.title).label("title"),
        func.count(func.distinct(case((events.c.event == "started", events.c.walk_id))))
        .label("started"),
        func.count(func.distinct(case((finished, events.c.walk_id)))).label("finished"),
        func.count(func.distinct(case((events.c.event == "stuck", events.c.walk_id))))
        .label("stuck"),
        func.count(func.distinct(case((events.c.event == "escalated", events.c.walk_id))))
        .label("escalated"),
    ).where(when).group_by(events.c.doc_id).order_by(events.c.doc_id))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
