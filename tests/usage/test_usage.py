"""The usage log on SQLite and on the real PostgreSQL (skipped with a reason where absent)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text, update

from usage.database import current_revision
from usage.log import Asked, UsageLog
from usage.schema import metadata, questions

KEY = b"k" * 32


def answer(status: str = "answered", question: str = "How do I reset my MFA?", **extra):
    return {"status": status, "question": question, "text": "Use the portal [1].",
            "citations": [{"number": 1, "doc_id": "mfa", "title": "MFA", "source": "/kb/mfa.md",
                           "page": None, "heading_path": "Reset", "quote": "Use the portal.",
                           "version": "2.0", "chunk_id": "c1", "content_hash": "h1"}],
            "mode": "extractive", "prompt_version": "messages-1",
            "timings_ms": {"guard": 0.1, "retrieve": 5.0, "compose": 2.0}, **extra}


@pytest.fixture
def usage(usage_db_url):
    log = UsageLog.open(usage_db_url, KEY)
    yield log
    log.engine.dispose()


def test_migrations_build_the_schema_from_an_empty_database(usage):
    assert current_revision(usage.engine) == "0008_sign_in_attempts"
    with usage.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []  # the migration and schema.py describe the same tables
    UsageLog.open(str(usage.engine.url.render_as_string(hide_password=False)), KEY)  # idempotent


def test_record_pseudonymises_and_reads_back(usage):
    asked = Asked("slack", user="T1:U12345", channel_type="channel", conversation="C1:171.1")
    public_id = usage.record(asked, answer(), model=None)
    record = usage.get(public_id)
    assert record.status == "answered" and record.question == "How do I reset my MFA?"
    assert record.citations[0]["quote"] == "Use the portal." and record.latency_ms == 7.1
    with usage.engine.connect() as conn:
        row = conn.execute(select(questions)).mappings().one()
    assert "U12345" not in str(dict(row))  # neither the user nor the thread is kept raw
    assert row["user_hash"] == usage.user_hash("slack", "T1:U12345")
    assert row["user_hash"] != UsageLog(usage.engine, type(usage.pseudonymise)(b"x" * 32)) \
        .user_hash("slack", "T1:U12345")  # another key, another pseudonym


def test_blocked_question_keeps_no_text(usage):
    public_id = usage.record(Asked("web"), answer("blocked", "[PRISON NUMBER] can I?"),
                             identifier_kinds=["prison number"])
    record = usage.get(public_id)
    assert record.status == "blocked" and record.question is None
    with usage.engine.connect() as conn:
        kinds = conn.execute(select(questions.c.identifier_kinds)).scalar_one()
    assert kinds == ["prison number"]


def test_turns_of_a_conversation_oldest_first(usage):
    for q in ("First?", "Second?", "Third?"):
        usage.record(Asked("slack", conversation="C1:1"), answer(question=q))
    usage.record(Asked("slack", conversation="C1:2"), answer(question="Other thread"))
    usage.record(Asked("slack", conversation="C1:1"), answer("blocked", "[NAME]"))
    assert usage.turns("slack", "C1:1") == ["First?", "Second?", "Third?"]
    with usage.engine.begin() as conn:  # an old turn is out of a time window
        conn.execute(update(questions).where(questions.c.question == "First?").values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)))
    assert usage.turns("slack", "C1:1", within=dt.timedelta(minutes=30)) == ["Second?", "Third?"]


def test_claims_are_shared_between_instances(usage_db_url):
    first, second = UsageLog.open(usage_db_url, KEY), UsageLog.open(usage_db_url, KEY)
    results: list[bool] = []

    def claim(log: UsageLog) -> None:
        results.append(log.claim(["event:Ev1", "message:C1:1.0"]))

    threads = [threading.Thread(target=claim, args=(log,)) for log in (first, second) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    assert not first.claim(["message:C1:1.0", "event:Ev2"])  # same message, new event id
    assert second.claim(["event:Ev3"])
    first.engine.dispose()
    second.engine.dispose()


def test_feedback_escalations_and_headline(usage):
    ids = [usage.record(Asked("slack", user=f"T:U{n % 3}"), answer(status))
           for n, status in enumerate(["answered"] * 6 + ["cannot_answer"] * 2 + ["blocked"])]
    assert usage.add_feedback(ids[0], "slack", "T:U0", helpful=True)
    assert usage.add_feedback(ids[1], "slack", "T:U1", helpful=False)
    assert usage.add_reason(ids[1], "slack", "T:U1", "It was out of date")
    assert usage.add_escalation(ids[6], "slack", "T:U0", "mfa", "C0IT")
    assert not usage.add_feedback("no-such-id", "slack", "T:U0", helpful=True)
    figures = usage.headline(days=30)
    assert figures["questions"] == 9 and figures["active_users"] == 3
    assert figures["answer_rate"] == round(6 / 8, 3)  # blocked questions are not answerable
    assert figures["helpful_rate"] == 0.5 and figures["escalations"] == 1
    assert figures["unanswered"] == 2
    with usage.engine.connect() as conn:
        reason = conn.execute(text("SELECT reason FROM usage_feedback WHERE helpful = :f"),
                              {"f": False}).scalar_one()
    assert reason == "It was out of date"


def test_purge_deletes_old_records_with_their_feedback(usage):
    old = usage.record(Asked("cli"), answer())
    new = usage.record(Asked("cli"), answer())
    usage.add_feedback(old, "cli", None, helpful=True)
    with usage.engine.begin() as conn:
        conn.execute(update(questions).where(questions.c.public_id == old).values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=100)))
    assert usage.purge(older_than_days=90) == 1
    assert usage.get(old) is None and usage.get(new) is not None


def test_the_server_keeps_the_retention_period(usage):
    from channels.server import keep_retention

    old = usage.record(Asked("web"), answer())
    with usage.engine.begin() as conn:
        conn.execute(update(questions).where(questions.c.public_id == old).values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40)))
    kept = usage.record(Asked("web"), answer())
    stop = keep_retention(usage, days=30, every_s=0.05)
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=10)
        while usage.get(old) is not None and dt.datetime.now() < deadline:
            threading.Event().wait(0.05)
    finally:
        stop.set()
    assert usage.get(old) is None and usage.get(kept) is not None
    assert keep_retention(usage, days=None).is_set() is False  # stopped only by its caller


def test_old_event_claims_are_forgotten_without_a_retention_period(usage):
    from channels.server import keep_retention
    from usage.schema import event_claims

    assert usage.claim(["event:old"]) and usage.claim(["event:new"])
    with usage.engine.begin() as conn:
        conn.execute(update(event_claims).where(event_claims.c.key == "event:old").values(
            claimed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3)))
    stop = keep_retention(usage, days=None, every_s=0.05)
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=10)
        forgotten = False
        while not forgotten and dt.datetime.now() < deadline:
            forgotten = usage.claim(["event:old"])
            threading.Event().wait(0.05)
    finally:
        stop.set()
    assert forgotten  # the three-day-old claim was dropped, so the key can be taken again
    assert not usage.claim(["event:new"])  # a recent claim still stops a retry
