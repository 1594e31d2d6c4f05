"""Walkthroughs over the sample knowledge base with the real model: found for what staff ask
(and not for what the guidance has no steps for), by document id, and ``guide walk`` in a
terminal and as JSON."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.core import Assistant
from assistant.walkthrough import Walkthroughs, is_walk_request, walk_topic
from bot import build_cli
from config.settings import Settings
from usage.factory import open_usage_log
from usage.schema import walkthrough_events

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture(scope="module")
def walks(sample_kb) -> Walkthroughs:
    return Walkthroughs.of(Assistant(sample_kb.settings, sample_kb))


@pytest.mark.parametrize(("request_", "procedure"), [
    ("walk me through resetting my MFA", "mfa-password-reset#reset-your-mfa"),
    ("Can you take me through resetting my password?",
     "mfa-password-reset#reset-your-password-yourself"),
    ("step by step, how do I send an encrypted email",
     "secure-email-guide#sending-encrypted-email"),
    ("walk me through reporting a lost phone", "incident-reporting#lost-or-stolen-devices"),
    ("guide me through setting up a Teams meeting with partners",
     "microsoft-teams-guide#setting-up-a-meeting-with-partners"),
    ("walk me through helping a prison leaver set up an email account",
     "digital-skills-passport#helping-someone-set-up-an-email-account-before-release"),
])
def test_requests_find_their_procedure(walks, request_, procedure):
    walk = walks.find(request_)
    assert walk.status == "found" and walk.procedure_id == procedure
    numbers = [c.number for c in walk.citations]
    assert numbers[0] == 1 and sorted(set(numbers)) == list(range(1, max(numbers) + 1))
    stored = walks.retriever.chunks()
    for c in walk.citations:
        assert c.quote in stored[c.chunk_id].text  # verbatim, in the chunk it cites
    assert [s.number for s in walk.steps] == list(range(1, len(walk.steps) + 1))


@pytest.mark.parametrize("request_", [
    "walk me through booking annual leave", "walk me through claiming travel expenses",
    "walk me through sharing information with the police",  # covered, but not as steps
])
def test_no_walkthrough_where_the_guidance_has_no_steps(walks, request_):
    walk = walks.find(request_)
    assert walk.status == "not_found" and not walk.steps and "won't make them up" in walk.text


def test_personal_details_are_refused_and_ids_name_a_procedure(walks):
    blocked = walks.find("walk me through sharing prisoner A1234BC's licence")
    assert blocked.status == "blocked" and "A1234BC" not in blocked.question
    by_doc = walks.find("mfa-password-reset")
    assert by_doc.procedure_id == "mfa-password-reset#reset-your-password-yourself"
    assert [o["procedure_id"] for o in by_doc.others] == ["mfa-password-reset#reset-your-mfa"]
    assert walks.find("mfa-password-reset#reset-your-mfa").name == "Reset your MFA"
    assert walks.find("incident-reporting.html").doc_id == "incident-reporting"
    assert walks.get("mfa-password-reset#gone") is None


def test_walk_requests_are_told_from_questions():
    assert is_walk_request("walk me through resetting my MFA")
    assert is_walk_request("Can you talk me through it step by step?")
    assert not is_walk_request("How do I reset my MFA?")
    assert not is_walk_request("Who walks the visitor to the meeting room?")
    assert walk_topic("Please walk me through the steps for resetting my MFA") == \
        "resetting my MFA"


def guide(sample_kb, *args: str, stdin: str | None = None):
    env = {"COLUMNS": "200", "GUIDE_DATA_DIR": str(sample_kb.settings.data_dir)}
    return runner.invoke(build_cli(), list(args), input=stdin, env=env, catch_exceptions=False)


def test_guide_walk_json_prints_the_whole_walkthrough(sample_kb):
    result = guide(sample_kb, "walk", "--json", "walk me through sending an encrypted email")
    assert result.exit_code == 0, result.output
    walk = json.loads(result.stdout)
    assert walk["status"] == "found" and walk["name"] == "Sending encrypted email"
    assert [s["quote"] for s in walk["steps"]] == [
        "Write your email as usual.", "Type [encrypt] at the start of the subject line.",
        "Check the recipient's address carefully before you press Send."]
    assert all(s["citation"]["quote"] == s["quote"] and s["citation"]["number"] == 1
               and s["citation"]["title"] == "Secure Email Guide" for s in walk["steps"])
    assert walk["steps"][1]["guidance"][0]["quote"].startswith("Include the square brackets.")
    missing = guide(sample_kb, "walk", "--json", "booking annual leave")
    assert missing.exit_code == 1 and json.loads(missing.stdout)["status"] == "not_found"
    listed = json.loads(guide(sample_kb, "walk", "--list", "--json").stdout)
    assert len(listed) >= 6 and {"procedure_id", "name", "steps"} <= set(listed[0])


def test_guide_walk_in_a_terminal_records_each_step(sample_kb):
    result = guide(sample_kb, "walk", "reporting", "a", "lost", "phone",
                   stdin="d\ns\na\nd\nd\nd\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Lost or stolen devices — 4 steps" in out and "Step 4 of 4:" in out
    assert "The asset number is on the label" in out  # step 2's own guidance, on Stuck
    assert "stuck at step 2" in out and "All done" in out
    usage = open_usage_log(Settings(data_dir=sample_kb.settings.data_dir))
    with usage.engine.connect() as conn:
        rows = conn.execute(walkthrough_events.select().where(
            walkthrough_events.c.surface == "cli")).mappings().all()
    assert [(r["event"], r["step"]) for r in rows][-7:] == [
        ("started", 1), ("done", 1), ("stuck", 2), ("escalated", 2), ("done", 2), ("done", 3),
        ("done", 4)]
    usage.engine.dispose()
