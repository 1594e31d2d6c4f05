"""The skills pages give nothing of a restricted document to someone who may not read it (its
page answers as an unknown id; a framework link to it shows nothing), and a visitor's record
follows them when they sign in, counted only from then on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient
from typer.testing import CliRunner

from assistant.core import Assistant
from assistant.skills.framework import (
    DEFAULT_FRAMEWORK,
    link_warnings,
    load_framework,
    read_framework,
)
from channels.web.app import build_web_app
from config.settings import Settings
from usage.accounts import Accounts
from usage.log import UsageLog

PASSWORD = "a long enough password"
RESTRICTED = "managers-escalation-guide"


def framework_linking(tmp_path: Path, data_dir: Path, doc_id: str) -> None:
    """The default framework with its first statement linking ``doc_id`` too."""
    yaml_text = DEFAULT_FRAMEWORK.read_text(encoding="utf-8").replace(
        "documents: [microsoft-teams-guide]", f"documents: [microsoft-teams-guide, {doc_id}]", 1)
    path = tmp_path / "framework.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    load_framework(path, data_dir)


@pytest.fixture
def site(tmp_path, hashed_kb):
    settings = Settings(data_dir=tmp_path / "data")
    framework_linking(tmp_path, settings.data_dir, RESTRICTED)
    usage = UsageLog.open(f"sqlite:///{tmp_path / 'usage.sqlite3'}", b"s" * 32)
    Accounts(usage.engine).add("boss@example.org", "manager", PASSWORD)
    Accounts(usage.engine).add("staff@example.org", "trainer", PASSWORD)
    app = build_web_app(settings, Assistant(settings, hashed_kb, usage=usage), usage)
    with TestClient(app) as client:
        yield client, usage
    usage.engine.dispose()


def csrf(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text).group(1)


def sign_in(client: TestClient, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf": csrf(client, "/login"), "next": "/skills"},
                           follow_redirects=False)
    assert response.status_code == 303


def rate_teams_gap(client: TestClient) -> None:
    response = client.post("/skills", data={"csrf": csrf(client, "/skills"),
                                            "now:teams-meetings": "1",
                                            "need:teams-meetings": "4"})
    assert response.status_code == 200


def test_a_restricted_document_page_answers_as_an_unknown_id(site):
    client, _ = site
    restricted = client.get(f"/skills/documents/{RESTRICTED}")
    unknown = client.get("/skills/documents/no-such-document")
    assert restricted.status_code == unknown.status_code == 404
    assert "exceptional disclosures" not in restricted.text.lower()
    assert restricted.text.replace(RESTRICTED, "X") == unknown.text.replace(
        "no-such-document", "X")  # nothing tells the two apart
    assert client.get("/skills/documents/microsoft-teams-guide").status_code == 200
    sign_in(client, "staff@example.org")  # a trainer is not a manager: still not theirs
    assert client.get(f"/skills/documents/{RESTRICTED}").status_code == 404
    client.cookies.clear()
    sign_in(client, "boss@example.org")  # a manager reads it
    page = client.get(f"/skills/documents/{RESTRICTED}")
    assert page.status_code == 200 and "exceptional disclosures" in page.text.lower()


def test_a_framework_link_to_a_restricted_document_shows_only_to_its_readers(site):
    client, _ = site
    rate_teams_gap(client)
    staff_view = client.get("/skills").text
    assert "/skills/documents/microsoft-teams-guide" in staff_view
    assert RESTRICTED not in staff_view and "Escalated Information" not in staff_view
    record = client.get("/skills/record.json").json()
    assert RESTRICTED not in str(record) and "Escalated" not in str(record)
    client.cookies.clear()
    sign_in(client, "boss@example.org")
    rate_teams_gap(client)
    assert f"/skills/documents/{RESTRICTED}" in client.get("/skills").text


def test_loading_a_framework_that_links_a_restricted_document_warns(tmp_path, hashed_kb):
    from bot import build_cli

    framework_linking(tmp_path, tmp_path / "unused", RESTRICTED)
    warnings = link_warnings(read_framework(tmp_path / "framework.yaml"),
                             hashed_kb.catalog.current())
    assert any(RESTRICTED in w and "only managers may read" in w for w in warnings)
    result = CliRunner().invoke(build_cli(), ["skills", "framework", "load",
                                              str(tmp_path / "framework.yaml")],
                                env={"GUIDE_DATA_DIR": str(hashed_kb.settings.data_dir)})
    assert result.exit_code == 0, result.output
    assert "Warning" in result.output and RESTRICTED in result.output


def test_a_visitors_record_is_carried_over_when_they_sign_in(site):
    client, usage = site
    rate_teams_gap(client)  # as a visitor: kept, never counted
    with usage.engine.connect() as conn:
        assert conn.execute(text("SELECT anonymous FROM skill_people")).scalars().all() == [True]
    sign_in(client, "staff@example.org")
    record = client.get("/skills/record.json")
    assert record.status_code == 200
    assert [r["statement_id"] for r in record.json()["ratings"]] == ["teams-meetings"]
    with usage.engine.connect() as conn:  # one record, the account's, which counts
        assert conn.execute(text("SELECT anonymous FROM skill_people")).scalars().all() == [False]
