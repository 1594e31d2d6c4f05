"""Hostile or unlucky requests get a clear 4xx, never a 500, and change nothing they should
not (issue 14, defects 9 and 10)."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile

from sqlalchemy import text

from config.settings import Settings
from tests.channels.web.test_web import csrf, sign_in_trainer
from tests.files import make_docx
from usage.accounts import Accounts


def ask(client, token: str, body: bytes):
    return client.post("/api/ask", content=body, headers={
        "X-CSRF-Token": token, "Content-Type": "application/json"})


def test_malformed_json_is_a_400_not_a_500(web):
    client, _, _ = web
    token = csrf(client, "/")
    for body in (b'{"question": "\\ud800 what now"}',  # a lone surrogate
                 b'{"question": ' + b"9" * 5000 + b"}",  # more digits than int() reads
                 b'{"question": 5}',
                 b"[" * 3000 + b"]" * 3000,  # nesting beyond the parser's recursion
                 b'["question"]', b"\xff\xfe"):
        response = ask(client, token, body)
        assert response.status_code == 400, body[:30]
        assert response.json()["error"]
    for body in (b'{"record_id": ' + b"1" * 5000 + b', "helpful": true}',
                 b'{"record_id": "\\udc00", "helpful": true}', b"[" * 3000 + b"]" * 3000):
        response = client.post("/api/feedback", content=body, headers={"X-CSRF-Token": token})
        assert response.status_code == 400, body[:30]


def test_one_visitor_votes_once_per_answer(web):
    client, usage, _ = web
    token = csrf(client, "/")
    answer = client.post("/api/ask", json={"question": "How do I reset my MFA?"},
                         headers={"X-CSRF-Token": token}).json()
    most = Settings().events_per_minute
    for helpful in (True,) * (most - 1) + (False,):
        assert client.post("/api/feedback", json={"record_id": answer["record_id"],
                                                  "helpful": helpful},
                           headers={"X-CSRF-Token": token}).status_code == 200
    assert client.post("/api/feedback", json={"record_id": answer["record_id"],
                                              "helpful": True},
                       headers={"X-CSRF-Token": token}).status_code == 429  # a minute's worth
    with usage.engine.connect() as conn:
        votes = conn.execute(text("SELECT helpful FROM usage_feedback")).scalars().all()
    assert votes == [False]  # the last vote counts, once


def test_dashboard_dates_out_of_range_are_a_400(web):
    client, usage, _ = web
    Accounts(usage.engine).add("chief@example.org", "manager", "a manager's long password")
    client.post("/login", data={"email": "chief@example.org",
                                "password": "a manager's long password", "csrf": csrf(client)})
    for query in ("until=9999-12-31", "until=0001-01-01",
                  "since=999999999d", "until=2026-02-30"):
        for path in ("/dashboard", "/dashboard/export.csv"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query)
            assert "Check the dates" in response.text


def test_csv_exports_cannot_carry_formulas(web):
    client, usage, _ = web
    token = csrf(client, "/")
    for question in ("=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3",
                     "@SUM(A1)", "Can I email a risk assessment?"):
        client.post("/api/ask", json={"question": question}, headers={"X-CSRF-Token": token})
    Accounts(usage.engine).add("chief@example.org", "manager", "a manager's long password")
    client.post("/login", data={"email": "chief@example.org",
                                "password": "a manager's long password", "csrf": csrf(client)})
    rows = list(csv.DictReader(io.StringIO(client.get("/dashboard/export.csv").text)))
    asked = [r["question"] for r in rows]
    assert asked == ["'=HYPERLINK(\"http://evil.example\",\"click\")", "'+1+1", "'-2+3",
                     "'@SUM(A1)", "Can I email a risk assessment?"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
               for row in rows for cell in row.values() if cell)


def test_only_known_document_actions_exist(web):
    client, usage, _ = web
    token = sign_in_trainer(client)
    client.post("/documents/upload", data={"csrf": token}, files={
        "file": ("rota.md", b"# Duty Rota\n\nThe duty manager rota is published on Fridays.\n")})
    source = re.search(r'name="doc" value="([^"]*rota.md)"',
                       client.get("/documents").text).group(1)
    for action in ("anything", "reindex-all", "upload2"):
        response = client.post(f"/documents/{action}", data={"csrf": token, "doc": source})
        assert response.status_code in (404, 405), action
    with usage.engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM usage_audit")).scalars().all()
    assert "reindex" not in actions
    known = client.post("/documents/reindex", data={"csrf": token, "doc": source})
    assert "already in the guidance, unchanged" in known.text


def uploads_left(settings_dir) -> list[str]:
    return sorted(p.name for p in settings_dir.rglob("*") if p.is_file())


def test_uploads_that_fail_say_why_leave_nothing_and_are_audited(web, tmp_path):
    client, usage, _ = web
    token = sign_in_trainer(client)
    real = make_docx(tmp_path / "real.docx")
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(real) as old, zipfile.ZipFile(broken, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            new.writestr(item.filename,
                         data[:-40] if item.filename == "word/document.xml" else data)
    cases = {
        "visits.md": (b"---\ntitle: Visits\nreview_date: 2026-13-01\n---\n\n# Visits\n\nPlan.\n",
                      "review_date '2026-13-01' is not a real date"),
        "broken.docx": (broken.read_bytes(), "damaged part"),
        "alias.md": (b"---\ntitle: &t Visits\nowner: *t\n---\n\n# Visits\n\nPlan.\n",
                     "YAML alias"),
    }
    for name, (body, reason) in cases.items():
        response = client.post("/documents/upload", data={"csrf": token},
                               files={"file": (name, body)})
        assert response.status_code == 200, name  # the documents page, with the reason
        flash = re.search(r'<p class="flash error"[^>]*>(.*?)</p>', response.text, re.S)
        shown = html.unescape(flash.group(1)) if flash else ""
        assert reason in shown, (name, shown)
        assert str(tmp_path) not in shown and "/data/" not in shown
    assert uploads_left(tmp_path / "data" / "uploads") == []
    with usage.engine.connect() as conn:
        audit = conn.execute(text("SELECT action, target, detail FROM usage_audit "
                                  "WHERE action = 'upload' ORDER BY id")).all()
    assert [a.target for a in audit] == list(cases)
    assert all('"ok": false' in str(a.detail).lower() or "'ok': False" in str(a.detail)
               for a in audit)
