"""Sessions end when the account changes or signs out; guessing passwords is locked out
(issue 14, defects 6 and 10)."""

from __future__ import annotations

from sqlalchemy import text

from tests.channels.web.test_web import PASSWORD, csrf, sign_in_trainer
from usage.accounts import ACCOUNT_FAILURES, Accounts

MANAGER = ("chief@example.org", "a manager's long password")


def sign_in_manager(client) -> None:
    response = client.post("/login", data={"email": MANAGER[0], "password": MANAGER[1],
                                           "csrf": csrf(client)}, follow_redirects=False)
    assert response.headers["location"] == "/dashboard"


def test_a_removed_account_is_signed_out_at_once(web):
    client, usage, _ = web
    sign_in_trainer(client)
    assert client.get("/documents").status_code == 200
    Accounts(usage.engine).remove("trainer@example.org")
    response = client.get("/documents", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_demoted_manager_loses_the_dashboard_and_export_at_once(web):
    client, usage, _ = web
    Accounts(usage.engine).add(*MANAGER[:1], "manager", MANAGER[1])
    sign_in_manager(client)
    assert client.get("/dashboard").status_code == 200
    with usage.engine.begin() as conn:  # however the role changes: CLI, SQL, a future page
        conn.execute(text("UPDATE web_users SET role = 'trainer' WHERE email = :e"),
                     {"e": MANAGER[0]})
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/export.csv").status_code == 403
    assert "(trainer)" in client.get("/documents").text


def test_a_cookie_saved_before_sign_out_no_longer_signs_in(web):
    client, _, _ = web
    token = sign_in_trainer(client)
    saved = client.cookies.get("guide_session")
    client.post("/logout", data={"csrf": token})
    client.cookies.clear()  # someone replays the cookie they kept
    client.cookies.set("guide_session", saved)
    response = client.get("/documents", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_repeated_wrong_passwords_lock_the_account_and_are_audited(web):
    client, usage, _ = web
    for _ in range(ACCOUNT_FAILURES):
        wrong = client.post("/login", data={"email": "trainer@example.org",
                                            "password": "guess", "csrf": csrf(client)})
        assert wrong.status_code == 401
    right = client.post("/login", data={"email": "trainer@example.org", "password": PASSWORD,
                                        "csrf": csrf(client)}, follow_redirects=False)
    assert right.status_code == 429 and "Too many failed sign-ins" in right.text
    assert client.get("/documents", follow_redirects=False).status_code == 303
    client.post("/login", data={"email": "nobody@example.org", "password": "hunter2",
                                "csrf": csrf(client)})
    with usage.engine.connect() as conn:
        audit = conn.execute(text("SELECT actor, action FROM usage_audit ORDER BY id")).all()
    assert [tuple(a) for a in audit] == (
        [("trainer@example.org", "sign-in failed")] * ACCOUNT_FAILURES
        + [("trainer@example.org", "sign-in refused"), ("unknown address", "sign-in failed")])
    assert "hunter2" not in str(audit)
