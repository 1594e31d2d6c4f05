"""The skills-gap view in the manager's report (``guide report``, the dashboard's JSON): the
figures against a seeded log, training needs, and nothing about any one person."""

from __future__ import annotations

import json

import pytest

from assistant.core import Assistant
from assistant.skills.view import skills_markdown
from channels.reporting import full_report
from ingest.pipeline import Ingestor
from tests.conftest import SAMPLE
from usage.factory import open_usage_log
from usage.log import Asked
from usage.report import Period
from usage.skills import SkillsRecords


@pytest.fixture
def indexed(settings, kb):
    assert Ingestor(settings, kb).run([SAMPLE]).ok
    usage = open_usage_log(settings)
    yield Assistant(settings, kb, usage=usage), usage
    usage.engine.dispose()


def log(usage, status: str, question: str, areas: list[str], doc: str | None = None) -> str:
    return usage.record(Asked("slack", user="T1:U1"), {
        "status": status, "question": question, "text": "t",
        "citations": [{"doc_id": doc, "title": doc}] if doc else [], "timings_ms": {}},
        areas=areas)


def test_the_report_gains_a_skills_section_with_training_needs(indexed):
    assistant, usage = indexed
    for _ in range(3):
        log(usage, "cannot_answer", "How do I report a lost work phone?", ["being-safe"])
    unhelpful = log(usage, "answered", "Is this email phishing?", ["being-safe"],
                    "incident-reporting")
    usage.add_feedback(unhelpful, "slack", "T1:U1", helpful=False)
    log(usage, "answered", "How do I reset my MFA?", ["problem-solving"], "mfa-password-reset")
    log(usage, "cannot_answer", "How do I book a car?", ["transacting"])
    records = SkillsRecords(usage.engine, usage.pseudonymise)
    for n in range(5):
        records.save(records.person("web", f"person{n}@x"),
                     [("spot-phishing", "being-safe", "life", 1, 3),
                      ("reset-mfa", "problem-solving", "foundation", 3, 3)])
    lonely = records.person("web", "only-one@x")
    records.save(lonely, [("online-forms", "transacting", "foundation", 1, 4)])

    report = full_report(usage, assistant, Period.parse("30d"))
    skills = report["skills"]
    areas = {a["id"]: a for a in skills["areas"]}
    assert (areas["being-safe"]["asked"], areas["being-safe"]["unanswered"],
            areas["being-safe"]["unhelpful"]) == (4, 3, 1)
    assert areas["being-safe"]["self_rated_gap"] == 2.0
    assert areas["problem-solving"]["self_rated_gap"] == 0.0
    assert areas["transacting"]["self_rated_gap"] is None  # one person: not shown
    assert skills["ratings"]["people"] == 5 and "hidden_cells" not in skills["ratings"]  # 6, down
    needs = {n["area"]: n for n in skills["training_needs"]}
    assert skills["training_needs"][0]["area"] == "being-safe"
    safe = needs["being-safe"]
    assert safe["examples"][0] == {"question": "How do I report a lost work phone?", "times": 3}
    assert {d["doc_id"] for d in safe["helpful_documents"]} >= {"incident-reporting",
                                                                "mfa-password-reset"}
    assert needs["transacting"]["needs_new_guidance"] is True  # asked, and not covered
    assert "problem-solving" not in needs  # answered, no gap: no training need
    assert needs["transacting"]["nearest_document"] is not None
    dumped = json.dumps(report)
    assert lonely not in dumped and "only-one" not in dumped and "person0" not in dumped
    markdown = skills_markdown(skills)
    assert "## Digital skills" in markdown
    assert "“How do I report a lost work phone?” (3)" in markdown
    assert "People who rated themselves: 5+" in markdown
