"""Web pages without a browser: sign-in by password and by a Slack link, upload limits,
removals audited, JSON API errors. (The browser tests cover the pages as people use them.)"""

from __future__ import annotations

import re

import pytest
from slack_sdk import WebClient
from sqlalchemy import text
from starlette.testclient import TestClient

from assistant.core import Assistant
from bench.fakes.slack import BOT_TOKEN, FakeSlack
from channels.web.app import build_web_app
from channels.web.signin import safe_next
from config.settings import Settings
from usage.accounts import Accounts
from usage.log import UsageLog

PASSWORD = "a long enough password"


@pytest.fixture
def web(tmp_path, kb):
    settings = Settings(data_dir=tmp_path / "data", max_upload_mb=1)
    usage = UsageLog.open(f"sqlite:///{tmp_path / 'usage.sqlite3'}", b"t" * 32)
    accounts = Accounts(usage.engine)
    accounts.add("trainer@example.org", "trainer", PASSWORD)
    accounts.add("boss@example.org", "manager", None, slack_user="U0BOSS")
    with FakeSlack() as fake:
        app = build_web_app(settings, Assistant(settings, kb, usage=usage), usage,
                            slack_client=WebClient(token=BOT_TOKEN, base_url=fake.api_url))
        with TestClient(app) as client:
            yield client, usage, fake
    usage.engine.dispose()


def csrf(client: TestClient, path: str = "/login") -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text).group(1)


def sign_in_trainer(client: TestClient) -> str:
    token = csrf(client)
    response = client.post("/login", data={"email": "trainer@example.org", "password": PASSWORD,
                                           "csrf": token, "next": "/documents"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/documents"
    return csrf(client, "/documents")


def test_wrong_password_is_refused_without_saying_which_part(web):
    client, _, _ = web
    response = client.post("/login", data={"email": "trainer@example.org", "password": "nope",
                                           "csrf": csrf(client)})
    assert response.status_code == 401 and "match an account" in response.text


def test_a_manager_signs_in_with_a_one_time_link_sent_in_slack(web):
    client, usage, fake = web
    client.post("/login/link", data={"email": "boss@example.org", "csrf": csrf(client)})
    [sent] = fake.wait_for("chat.postMessage")
    assert sent.body["channel"] == "U0BOSS"
    link = re.search(r"(http\S+)", sent.body["text"]).group(1)
    response = client.get(link.replace("http://testserver", ""), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    exported = client.get("/dashboard/export.json?since=2026-01-01")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    assert set(exported.json()) >= {"questions", "per_day", "status_mix", "gaps"}
    assert client.get("/dashboard/export.xml").status_code == 404
    with usage.engine.connect() as conn:
        audit = conn.execute(text("SELECT actor, action, target FROM usage_audit")).all()
    assert ("boss@example.org", "export", "dashboard json") in [tuple(a) for a in audit]
    client.cookies.clear()
    assert client.get(link.replace("http://testserver", "")).status_code == 400  # used once
    # an unknown address gets the same answer, and nothing is sent
    reply = client.post("/login/link", data={"email": "who@example.org", "csrf": csrf(client)})
    assert "a sign-in link is on its way" in reply.text
    assert len(fake.of("chat.postMessage")) == 1


def test_uploads_are_limited_in_type_and_size(web):
    client, usage, _ = web
    token = sign_in_trainer(client)
    legacy = client.post("/documents/upload", data={"csrf": token},
                         files={"file": ("old.doc", b"\xd0\xcf\x11\xe0" + b"\0" * 50)})
    assert "legacy Word 97 format" in legacy.text
    big = client.post("/documents/upload", data={"csrf": token},
                      files={"file": ("big.txt", b"x" * 1_200_000)})
    assert big.status_code == 413 and "over the 1 MB limit" in big.text
    empty = client.post("/documents/upload", data={"csrf": token},
                        files={"file": ("empty.md", b"")})
    assert "empty file" in empty.text
    good = client.post("/documents/upload", data={"csrf": token}, files={"file": (
        "rota.md", b"# Duty Rota\n\nThe duty manager rota is published every Friday.\n")})
    assert "Added Duty Rota" in good.text
    source = re.search(r'name="doc" value="([^"]*rota.md)"', good.text).group(1)
    removed = client.post("/documents/remove", data={"csrf": token, "doc": source})
    assert "Removed Duty Rota" in removed.text
    with usage.engine.connect() as conn:
        audit = conn.execute(text("SELECT actor, action, target FROM usage_audit "
                                  "WHERE action != 'sign-in' ORDER BY id")).all()
    assert [tuple(a) for a in audit] == [("trainer@example.org", "upload", "old.doc"),
                                         ("trainer@example.org", "upload", "empty.md"),
                                         ("trainer@example.org", "upload", "rota.md"),
                                         ("trainer@example.org", "remove", "rota")]


def test_the_ask_api_explains_bad_requests(web):
    client, _, _ = web
    token = csrf(client, "/")
    assert client.post("/api/ask", json={"question": " "},
                       headers={"X-CSRF-Token": token}).status_code == 400
    assert client.post("/api/ask", content=b"not json",
                       headers={"X-CSRF-Token": token}).status_code == 400
    long = client.post("/api/ask", json={"question": "x" * 3000},
                       headers={"X-CSRF-Token": token})
    assert long.status_code == 200 and long.json()["status"] == "need_more_detail"
    assert "under 2,000 characters" in long.json()["text"]
    assert 'maxlength="2000"' in client.get("/").text


def test_redirects_stay_on_the_site():
    assert safe_next("/documents") == "/documents"
    assert safe_next("//evil.example/") == "" and safe_next("https://evil.example") == ""
