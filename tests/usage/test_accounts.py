"""Server-side sessions and sign-in tries in the account store (issue 14, defects 6, 10; the
external security review's findings 1 and 3), on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select, text, update

from config.errors import AccountError
from usage.accounts import ACCOUNT_FAILURES, CLIENT_FAILURES, Accounts
from usage.database import MIGRATIONS, make_engine, migrate
from usage.log import UsageLog
from usage.pseudonym import Pseudonymiser
from usage.schema import sign_in_attempts


@pytest.fixture
def accounts(usage_db_url):
    usage = UsageLog.open(usage_db_url, b"a" * 32)
    store = Accounts(usage.engine, usage.pseudonymise)
    store.add("ann@example.org", "manager", "a long enough password")
    yield store
    usage.engine.dispose()


def test_a_session_follows_its_account(accounts):
    token = accounts.start_session("Ann@example.org")
    assert accounts.session_user(token).role == "manager"
    assert accounts.set_role("ann@example.org", "trainer")
    assert accounts.session_user(token).role == "trainer"
    with pytest.raises(AccountError):
        accounts.set_role("ann@example.org", "admin")
    accounts.end_session(token)
    assert accounts.session_user(token) is None
    again = accounts.start_session("ann@example.org")
    accounts.remove("ann@example.org")
    assert accounts.session_user(again) is None
    assert accounts.session_user("made-up") is None


def test_tries_lock_an_address_and_a_client(accounts):
    for n in range(ACCOUNT_FAILURES):
        assert accounts.attempt("ann@example.org", f"10.0.0.{n}")
    assert not accounts.attempt(" ANN@example.org", "10.0.0.7")  # the address is locked
    accounts.signed_in("ann@example.org")  # from a sign-in link, say
    assert accounts.attempt("ann@example.org", "10.0.0.7")
    for n in range(CLIENT_FAILURES):
        assert accounts.attempt(f"guess{n}@example.org", "10.0.0.9")
    assert not accounts.attempt("someone@example.org", "10.0.0.9")
    assert accounts.attempt("someone@example.org", "10.0.0.1")  # its try was not counted
    accounts.signed_in("guess0@example.org", "10.0.0.9")  # a right password: one try back
    assert accounts.attempt("someone@example.org", "10.0.0.9")
    assert not accounts.attempt("someone@example.org", "10.0.0.9")


def test_a_burst_of_tries_is_counted_up_to_the_limit_and_no_further(accounts):
    with ThreadPoolExecutor(16) as pool:
        one_address = list(pool.map(lambda n: accounts.attempt("ann@example.org",
                                                               f"10.1.0.{n}"), range(60)))
        one_client = list(pool.map(lambda n: accounts.attempt(f"g{n}@example.org",
                                                              "10.2.0.1"), range(60)))
    assert one_address.count(True) == ACCOUNT_FAILURES
    assert one_client.count(True) == CLIENT_FAILURES


def test_tries_lapse_a_window_after_the_last_and_a_busy_one_is_given_back(accounts):
    for _ in range(ACCOUNT_FAILURES - 1):
        assert accounts.attempt("ann@example.org", "10.0.0.1")
    accounts.release("ann@example.org", "10.0.0.1")  # never checked: the server was busy
    assert [accounts.attempt("ann@example.org", "10.0.0.1") for _ in range(3)] == [
        True, True, False]
    with accounts.engine.begin() as conn:  # a window after the last try
        conn.execute(update(sign_in_attempts).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert accounts.attempt("ann@example.org", "10.0.0.1")
    with accounts.engine.connect() as conn:
        assert set(conn.execute(select(sign_in_attempts.c.tries)).scalars()) == {1}


def test_tries_are_kept_under_the_deployments_key(accounts):
    accounts.attempt("ann@example.org", "192.0.2.1")
    other = Accounts(accounts.engine, Pseudonymiser(b"b" * 32))
    other.attempt("ann@example.org", "192.0.2.1")
    with accounts.engine.connect() as conn:
        keys = conn.execute(select(sign_in_attempts.c.key, sign_in_attempts.c.tries)).all()
    assert len(keys) == 4 and {tries for _, tries in keys} == {1}  # other keys, other rows
    for typed in ("ann@example.org", "192.0.2.1"):
        assert hashlib.sha256(typed.encode()).hexdigest() not in str(keys)


def test_0008_drops_unkeyed_failures_and_keeps_one_vote_a_person(usage_db_url):
    engine = make_engine(usage_db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0007_skill_snapshots")
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO web_sign_in_failures (account_key, client_key, "
                          "created_at) VALUES (:a, :c, :t)"), {
            "a": hashlib.sha256(b"ann@example.org").hexdigest(), "c": "x", "t": now})
        conn.execute(text("INSERT INTO usage_questions (public_id, created_at, surface, status, "
                          "citations, timings) VALUES ('q1', :t, 'web', 'answered', '[]', "
                          "'{}')"), {"t": now})
        qid = conn.execute(text("SELECT id FROM usage_questions")).scalar_one()
        for user, helpful in (("u1", True), ("u1", False), ("u2", True), (None, True),
                              (None, False)):
            conn.execute(text("INSERT INTO usage_feedback (question_id, created_at, user_hash, "
                              "helpful) VALUES (:q, :t, :u, :h)"),
                         {"q": qid, "t": now, "u": user, "h": helpful})
    migrate(engine)
    with engine.connect() as conn:
        assert "web_sign_in_failures" not in inspect(conn).get_table_names()
        votes = conn.execute(text("SELECT user_hash, helpful FROM usage_feedback "
                                  "ORDER BY id")).all()
    assert [tuple(v) for v in votes] == [("u1", False), ("u2", True), (None, True),
                                         (None, False)]  # the latest of u1's; nobody's kept
    engine.dispose()
