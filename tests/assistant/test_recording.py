"""Every surface logs through the assistant: the CLI's questions are recorded too; topics
configured for escalation go to a person."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from assistant.core import Assistant
from bot import build_cli
from config.settings import Settings
from usage.factory import open_usage_log
from usage.log import Asked


@pytest.mark.integration  # `guide ask` loads the real model
def test_guide_ask_records_the_question_and_guide_report_shows_it(tmp_path):
    runner = CliRunner()
    result = runner.invoke(build_cli(), ["ask", "What is the canteen menu?", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["record_id"]
    blocked = runner.invoke(build_cli(), ["ask", "Is prisoner A1234BC allowed visits?"])
    assert blocked.exit_code == 0
    usage = open_usage_log(Settings())
    with usage.engine.connect() as conn:
        rows = conn.execute(text("SELECT surface, channel_type, status, question, user_hash "
                                 "FROM usage_questions ORDER BY id")).all()
    assert [(r.surface, r.status) for r in rows] == [("cli", answer["status"]), ("cli", "blocked")]
    assert rows[0].question == "What is the canteen menu?" and rows[1].question is None
    report = runner.invoke(build_cli(), ["report", "--format", "json"])
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["questions"] == 2
    csv_out = runner.invoke(build_cli(), ["report", "--format", "csv"])
    assert csv_out.stdout.count("\n") == 3 and "A1234BC" not in csv_out.stdout
    bad = runner.invoke(build_cli(), ["report", "--since", "yesterday-ish"])
    assert bad.exit_code == 2 and "30d, 12w" in bad.output


def test_configured_topics_go_to_a_person(settings, kb):
    usage = open_usage_log(settings)
    configured = settings.model_copy(update={"escalation_topics": ["whistleblowing",
                                                                   "raise a grievance",
                                                                   "data-protection_officer"]})
    assistant = Assistant(configured, kb, usage=usage)
    answer = assistant.ask("How do I report WHISTLEBLOWING concerns?",
                           asked=Asked("web", user="w1"))
    assert answer.status == "talk_to_a_person" and answer.record_id
    assert assistant.ask("How do I raise  a grievance?").status == "talk_to_a_person"
    assert assistant.ask("How do I reset my MFA?").status != "talk_to_a_person"
    # written as Slack contact topics are: hyphens and underscores match spaces
    assert assistant.ask("Who is the data protection officer?").status == "talk_to_a_person"


def test_a_broken_usage_log_never_costs_the_answer(settings, kb, monkeypatch):
    usage = open_usage_log(settings)
    assistant = Assistant(settings, kb, usage=usage)

    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(usage, "record", broken)
    answer = assistant.ask("How do I reset my MFA?", asked=Asked("web"))
    assert answer.record_id is None and answer.text


def test_users_command_adds_lists_and_removes():
    runner = CliRunner()
    added = runner.invoke(build_cli(), ["users", "add", "Lead@Example.org", "--role", "manager"],
                          input="a long enough password\n")
    assert added.exit_code == 0 and "Added lead@example.org as manager" in added.stdout
    short = runner.invoke(build_cli(), ["users", "add", "t@example.org", "--role", "trainer"],
                          input="short\n")
    assert short.exit_code == 2 and "12 characters" in short.output
    assert "lead@example.org" in runner.invoke(build_cli(), ["users", "list"]).stdout
    assert runner.invoke(build_cli(), ["users", "remove", "lead@example.org"]).exit_code == 0
    assert runner.invoke(build_cli(), ["users", "remove", "lead@example.org"]).exit_code == 2


def test_users_carry_audiences_from_the_cli():
    runner = CliRunner(env={"COLUMNS": "200"})
    added = runner.invoke(build_cli(), ["users", "add", "t@example.org", "--role", "trainer",
                                        "--audience", "Probation,managers"],
                          input="a long enough password\n")
    assert added.exit_code == 0, added.output
    assert "reading managers, probation too" in added.stdout
    runner.invoke(build_cli(), ["users", "add", "m@example.org", "--role", "manager"],
                  input="a long enough password\n")
    listed = runner.invoke(build_cli(), ["users", "list"]).stdout
    rows = {line.split()[1]: line for line in listed.splitlines() if "@example.org" in line}
    assert "all-staff, managers, probation" in rows["t@example.org"]  # the trainer's own
    manager = rows["m@example.org"]  # by role
    assert "all-staff, managers" in manager and "probation" not in manager
    changed = runner.invoke(build_cli(), ["users", "audiences", "t@example.org"])
    assert changed.exit_code == 0 and "no extra audiences" in changed.stdout
    missing = runner.invoke(build_cli(), ["users", "audiences", "x@example.org",
                                          "--audience", "probation"])
    assert missing.exit_code == 2 and "no account" in missing.output
