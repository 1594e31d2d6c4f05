"""Report figures against a seeded usage log (SQLite and PostgreSQL), the knowledge-gap
grouping, exports, the migration of older logs, and web accounts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select, update

from config.errors import AccountError
from tests.fakes.embeddings import HashEmbeddings
from usage.accounts import Accounts
from usage.database import MIGRATIONS, make_engine, migrate
from usage.log import Asked, UsageLog
from usage.report import Period, build_report, export_csv, group_gaps, report_markdown
from usage.schema import citations, feedback, questions

KEY = b"r" * 32
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def cite(doc_id: str, version: str = "1.0", review: str | None = "2027-01-01") -> dict:
    return {"number": 1, "doc_id": doc_id, "title": doc_id.replace("-", " ").title(),
            "source": f"/kb/{doc_id}.md", "quote": "q", "version": version,
            "review_date": review, "chunk_id": f"{doc_id}-c", "content_hash": "h"}


def seed(usage: UsageLog) -> dict[str, str]:
    """A known log: 10 questions over three days, two surfaces, every status."""
    rows = [  # (days ago, surface, user, status, question, citations, latency)
        (0, "slack", "U1", "answered", "How do I reset my MFA?", [cite("mfa")], 100.0),
        (0, "slack", "U1", "answered", "Can I email a risk assessment?",
         [cite("data-sharing", "3.0"), cite("secure-email")], 200.0),
        (0, "web", "W1", "cannot_answer", "What is the canteen menu?", [], 50.0),
        (1, "web", "W2", "cannot_answer", "What's on the canteen menu today?", [], 60.0),
        (1, "slack", "U2", "answered", "How do I use removable media?",
         [cite("removable-media", "1.1", "2025-06-30")], 300.0),
        (1, "slack", "U3", "blocked", "[PRISON NUMBER] details", [], 1.0),
        (2, "cli", "me", "need_more_detail", "Can I use Copilot?", [], 80.0),
        (2, "slack", "U2", "answered", "How do I reset my password?", [cite("mfa")], 120.0),
        (2, "slack", "U3", "talk_to_a_person", "Can I speak to someone?", [], 5.0),
        (5, "slack", "U1", "answered", "Out of range", [cite("mfa")], 999.0),
    ]
    ids = {}
    for days, surface, user, status, question, cited, latency in rows:
        pid = usage.record(Asked(surface, user=user), {
            "status": status, "question": question, "text": "answer", "citations": cited,
            "timings_ms": {"total": latency}, "mode": "extractive"})
        with usage.engine.begin() as conn:
            when = NOW - dt.timedelta(days=days, hours=1)
            conn.execute(update(questions).where(questions.c.public_id == pid)
                         .values(created_at=when))
            qid = conn.execute(select(questions.c.id).where(questions.c.public_id == pid)
                               ).scalar_one()
            conn.execute(update(citations).where(citations.c.question_id == qid)
                         .values(created_at=when))
        ids[question] = pid
    usage.add_feedback(ids["How do I reset my MFA?"], "slack", "U1", helpful=True)
    usage.add_feedback(ids["How do I reset my password?"], "slack", "U2", helpful=False)
    usage.add_escalation(ids["Can I speak to someone?"], "slack", "U3", "default", "C0")
    return ids


@pytest.fixture
def usage(usage_db_url):
    log = UsageLog.open(usage_db_url, KEY)
    yield log
    log.engine.dispose()


PERIOD = Period(NOW - dt.timedelta(days=3), NOW)


def test_each_figure_matches_the_seeded_log(usage):
    seed(usage)
    report = build_report(usage.engine, PERIOD, today=dt.date(2026, 11, 20))
    assert report["questions"] == 9 and report["active_users"] == 6
    assert report["per_surface"] == {"slack": 6, "web": 2, "cli": 1}
    assert [d["questions"] for d in report["per_day"]] == [3, 3, 3]
    assert report["status_mix"]["answered"] == 4 and report["status_mix"]["blocked"] == 1
    assert report["answer_rate"] == round(4 / 8, 3)
    assert report["feedback"] == {"helpful": 1, "unhelpful": 1, "helpful_rate": 0.5}
    assert report["escalations"] == 1
    latencies = sorted([100, 200, 50, 60, 300, 80, 120, 5])  # blocked and out-of-range left out
    assert report["latency_ms"]["p50"] == (latencies[3] + latencies[4]) / 2
    top = {d["doc_id"]: d["citations"] for d in report["top_documents"]}
    assert top == {"mfa": 2, "data-sharing": 1, "secure-email": 1, "removable-media": 1}
    assert report["top_documents"][0]["doc_id"] == "mfa"
    assert [d["doc_id"] for d in report["cited_past_review"]] == ["removable-media"]
    assert report["gaps"] == []  # no embedder given
    markdown = report_markdown(report)
    assert "Questions: 9 from 6 staff" in markdown and "Removable Media" in markdown


def test_knowledge_gaps_group_similar_failed_questions(usage, settings):
    seed(usage)
    embed = HashEmbeddings(settings).embed_documents
    report = build_report(usage.engine, PERIOD, embed=embed,
                          nearest=lambda q: {"doc_id": "canteen", "title": "Canteen"})
    gaps = {g["topic"]: g for g in report["gaps"]}
    canteen = next(g for t, g in gaps.items() if "canteen" in t)
    assert canteen["questions"] == 2 and canteen["reasons"] == {"unanswered": 2}
    assert len(canteen["examples"]) == 2 and canteen["nearest_document"]["title"] == "Canteen"
    assert gaps["How do I reset my password?"]["reasons"] == {"unhelpful": 1}
    assert gaps["Can I speak to someone?"]["reasons"] == {"escalated": 1}
    assert "Can I email a risk assessment?" not in gaps  # it was answered, no complaint


def test_group_gaps_counts_repeats_once_per_embedding(settings):
    calls: list[list[str]] = []

    def embed(texts: list[str]):
        calls.append(texts)
        return HashEmbeddings(settings).embed_documents(texts)

    items = [("How do I book a room?", "unanswered")] * 5 + [("Parking permits?", "unhelpful")]
    topics = group_gaps(items, embed)
    assert calls == [["How do I book a room?", "Parking permits?"]]
    assert topics[0]["questions"] == 5 and topics[1]["questions"] == 1


def test_csv_export_has_one_row_per_question(usage):
    ids = seed(usage)
    rows = list(csv.DictReader(io.StringIO(export_csv(usage.engine, PERIOD))))
    assert len(rows) == 9
    by_id = {r["id"]: r for r in rows}
    email = by_id[ids["Can I email a risk assessment?"]]
    assert email["cited_documents"] == "data-sharing@3.0; secure-email@1.0"
    assert by_id[ids["How do I reset my password?"]]["unhelpful"] == "1"
    assert by_id[ids["Can I speak to someone?"]]["escalated"] == "1"
    assert "U1" not in export_csv(usage.engine, PERIOD)  # users are pseudonyms


def test_period_parsing():
    now = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)
    assert Period.parse("7d", now=now).since == now - dt.timedelta(days=7)
    period = Period.parse("2026-11-01", "2026-11-10", now=now)
    assert period.until == dt.datetime(2026, 11, 11, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="30d, 12w"):
        Period.parse("last tuesday", now=now)


def test_upgrading_an_older_log_fills_in_its_citations(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(insert(questions).values(
            public_id="old1", created_at=NOW, surface="slack", status="answered",
            question="q", answer="a", citations=[cite("mfa"), cite("mfa")], timings={}))
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(select(citations.c.doc_id)).scalars().all() == ["mfa"]


def test_accounts_hash_passwords_and_links_work_once(usage):
    accounts = Accounts(usage.engine)
    accounts.add("Manager@Example.org", "manager", "correct horse battery")
    with usage.engine.connect() as conn:
        stored = conn.execute(select(accounts_table().c.password_hash)).scalar_one()
    assert stored.startswith("$argon2") and "correct horse" not in stored
    assert accounts.authenticate("manager@example.org", "correct horse battery").role == "manager"
    assert accounts.authenticate("manager@example.org", "wrong password!!") is None
    assert accounts.authenticate("nobody@example.org", "correct horse battery") is None
    with pytest.raises(AccountError, match="already"):
        accounts.add("manager@example.org", "trainer", "another long password")
    with pytest.raises(AccountError, match="12 characters"):
        accounts.add("t@example.org", "trainer", "short")
    token = accounts.issue_link("manager@example.org")
    assert accounts.redeem_link(token).email == "manager@example.org"
    assert accounts.redeem_link(token) is None  # once only
    assert accounts.redeem_link("forged") is None


def accounts_table():
    from usage.schema import web_users

    return web_users


def test_spreadsheet_formulas_are_defused_in_exports():
    from usage.report import spreadsheet_safe

    for cell in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert spreadsheet_safe(cell) == "'" + cell
    assert spreadsheet_safe("Can I?") == "Can I?"
    assert spreadsheet_safe(-3) == -3 and spreadsheet_safe(None) is None


def test_the_audiences_migration_keeps_every_row_and_goes_back(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0005_sessions")
        qid = conn.execute(insert(questions).values(
            public_id="old1", created_at=NOW, surface="cli", status="answered",
            question="q", answer="a", citations=[], timings={}, audience="probation")
        ).inserted_primary_key[0]
        conn.execute(insert(feedback).values(question_id=qid, created_at=NOW, helpful=True))
    migrate(engine)  # a table copy here would have cascade-deleted the feedback
    with engine.connect() as conn:
        assert conn.execute(select(feedback.c.question_id)).scalars().all() == [qid]
        assert conn.execute(select(questions.c.audience)).scalar_one() == "probation"
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0005_sessions")
        assert conn.execute(select(feedback.c.question_id)).scalars().all() == [qid]


def test_report_shows_a_restricted_document_only_to_its_audience(usage):
    def ask(doc_id: str, audiences: list[str]) -> None:
        usage.record(Asked("slack", user="T:U1", audiences=frozenset({"all-staff", *audiences})),
                     {"status": "answered", "question": "q", "text": f"quote from {doc_id}",
                      "citations": [cite(doc_id)], "timings_ms": {"retrieve": 1.0}},
                     cited_audiences={doc_id: audiences or ["all-staff"]})

    ask("mfa", [])
    ask("probation-only", ["probation"])
    period = Period.parse("1d")  # recorded now

    def may_see(audiences: set[str]):
        return lambda doc_id, cited_for: "all-staff" in (cited_for or []) or bool(
            audiences & set(cited_for or []))

    with usage.engine.connect() as conn:
        assert conn.execute(select(questions.c.audience).order_by(questions.c.id)
                            ).scalars().all() == ["|all-staff|", "|all-staff|probation|"]
    manager = build_report(usage.engine, period, may_see=may_see({"managers"}))
    assert [d["doc_id"] for d in manager["top_documents"]] == ["mfa"]
    probation = build_report(usage.engine, period, may_see=may_see({"probation"}))
    assert {d["doc_id"] for d in probation["top_documents"]} == {"mfa", "probation-only"}
    rows = list(csv.DictReader(io.StringIO(
        export_csv(usage.engine, period, may_see({"managers"})))))
    assert "quote from probation-only" not in str(rows) and "quote from mfa" in str(rows)
    assert "probation-only" not in str(rows)  # not even its name


def test_accounts_carry_audiences(usage):
    accounts = Accounts(usage.engine)
    accounts.add("p@example.org", "trainer", "correct horse battery", audiences=["probation"])
    assert accounts.get("p@example.org").audiences == ("probation",)
    assert accounts.set_audiences("p@example.org", ["managers", "probation"])
    assert accounts.authenticate("p@example.org", "correct horse battery").audiences == (
        "managers", "probation")
    assert not accounts.set_audiences("nobody@example.org", [])
