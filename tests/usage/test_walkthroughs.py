"""Walkthrough events in the usage log (SQLite, then the real PostgreSQL): what is kept, and
the per-step figures the skills-gap view reads."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from usage.log import Asked, UsageLog
from usage.report import Period
from usage.schema import walkthrough_events
from usage.walkthroughs import (
    WalkEvent,
    document_figures,
    record_walk_event,
    step_figures,
    walk_events,
)

KEY = b"k" * 32
MFA = "mfa-password-reset#reset-your-mfa"


@pytest.fixture
def usage(usage_db_url):
    log = UsageLog.open(usage_db_url, KEY)
    yield log
    log.engine.dispose()


def walk(usage: UsageLog, walk_id: str, user: str, *moves: tuple[str, int],
         procedure: str = MFA, total: int = 4) -> None:
    for kind, step in moves:
        record_walk_event(usage, Asked("slack", user=user), WalkEvent(
            walk_id=walk_id, event=kind, step=step, steps_total=total, procedure_id=procedure,
            doc_id=procedure.split("#")[0], section="Resetting > Reset your MFA",
            title="Resetting your Password", version="2.1", fingerprint="abc",
            request="walk me through resetting my MFA"))


def test_events_are_pseudonymised_and_keep_the_request_once(usage):
    walk(usage, "a" * 32, "T1:U1", ("started", 1), ("stuck", 1))
    rows = walk_events(usage.engine, "a" * 32)
    assert [(r["event"], r["step"]) for r in rows] == [("started", 1), ("stuck", 1)]
    assert rows[0]["user_hash"] == usage.user_hash("slack", "T1:U1") != "T1:U1"
    assert "U1" not in str(rows)
    assert rows[0]["request"] == "walk me through resetting my MFA" and rows[1]["request"] is None
    with pytest.raises(ValueError, match="unknown walkthrough event"):
        walk(usage, "b" * 32, "T1:U1", ("skipped", 1))


def test_stuck_rates_per_step_and_document(usage):
    walk(usage, "w1", "T1:U1", ("started", 1), ("done", 1), ("stuck", 2), ("stuck", 2),
         ("escalated", 2))
    walk(usage, "w2", "T1:U2", ("started", 1), ("done", 1), ("done", 2), ("done", 3),
         ("done", 4))
    walk(usage, "w3", "T1:U3", ("started", 1), ("stuck", 1), ("done", 1), ("done", 2))
    walk(usage, "w4", "T1:U4", ("started", 1), ("done", 1), ("done", 2), ("done", 3),
         procedure="secure-email-guide#sending-encrypted-email", total=3)
    figures = {(r["procedure_id"], r["step"]): r for r in step_figures(usage.engine,
                                                                       Period.parse("7d"))}
    one, two, three = (figures[(MFA, n)] for n in (1, 2, 3))
    assert (one["reached"], one["stuck"], one["stuck_rate"]) == (3, 1, round(1 / 3, 4))
    # three walks finished step 1; w1 was stuck at step 2 twice but counts once
    assert (two["reached"], two["stuck"], two["escalated"], two["done"]) == (3, 1, 1, 2)
    assert two["stuck_rate"] == round(1 / 3, 4)
    assert (three["reached"], three["stuck_rate"]) == (2, 0.0)
    assert one["doc_id"] == "mfa-password-reset" and one["steps_total"] == 4
    docs = {r["doc_id"]: r for r in document_figures(usage.engine, Period.parse("7d"))}
    assert (docs["mfa-password-reset"]["started"], docs["mfa-password-reset"]["finished"],
            docs["mfa-password-reset"]["stuck"]) == (3, 1, 2)
    assert docs["secure-email-guide"]["finished"] == 1


def test_old_events_fall_outside_the_period_and_are_purged(usage):
    walk(usage, "old", "T1:U1", ("started", 1), ("stuck", 1))
    walk(usage, "new", "T1:U2", ("started", 1))
    with usage.engine.begin() as conn:
        conn.execute(update(walkthrough_events).where(walkthrough_events.c.walk_id == "old")
                     .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=400)))
    assert {r["stuck"] for r in step_figures(usage.engine, Period.parse("30d"))} == {0}
    usage.purge(older_than_days=365)
    with usage.engine.connect() as conn:
        left = conn.execute(select(walkthrough_events.c.walk_id)).scalars().all()
    assert left == ["new"]
