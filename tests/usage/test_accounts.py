"""Server-side sessions and sign-in failures in the account store (issue 14, defects 6, 10)."""

from __future__ import annotations

import pytest

from config.errors import AccountError
from usage.accounts import ACCOUNT_FAILURES, CLIENT_FAILURES, Accounts
from usage.log import UsageLog


@pytest.fixture
def accounts(tmp_path):
    usage = UsageLog.open(f"sqlite:///{tmp_path / 'usage.sqlite3'}", b"a" * 32)
    store = Accounts(usage.engine)
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


def test_failures_lock_an_address_and_a_client(accounts):
    for _ in range(ACCOUNT_FAILURES - 1):
        accounts.failed_sign_in("ann@example.org", "10.0.0.1")
    assert not accounts.locked("ann@example.org", "10.0.0.1")
    accounts.failed_sign_in(" ANN@example.org", "10.0.0.2")
    assert accounts.locked("ann@example.org", "10.0.0.3")
    accounts.signed_in("ann@example.org")  # from a sign-in link, say
    assert not accounts.locked("ann@example.org", "10.0.0.3")
    for n in range(CLIENT_FAILURES):
        accounts.failed_sign_in(f"guess{n}@example.org", "10.0.0.9")
    assert accounts.locked("someone@example.org", "10.0.0.9")
    assert not accounts.locked("someone@example.org", "10.0.0.1")
