"""Logged questions are tagged with the skill areas they concern, by similarity to the
framework's statements and example questions, and the tags are stored with the record."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from assistant.core import Assistant
from assistant.skills.framework import current_framework, load_framework, parse_framework
from assistant.skills.tagging import AreaTagger
from tests.fakes.embeddings import HashEmbeddings
from usage.factory import open_usage_log
from usage.log import Asked
from usage.schema import question_areas, questions

SMALL = """
name: Small
levels: [{id: basic, name: Basic}]
scale: [{value: 1, label: Not yet}, {value: 2, label: Can do}]
areas:
  - id: passwords
    name: Passwords
    statements:
      - {id: reset, level: basic, text: I can reset my password and my MFA device,
         examples: [forgot my password]}
  - id: meetings
    name: Meetings
    statements:
      - {id: teams, level: basic, text: I can join a Teams meeting and share my screen}
"""


def tagger(settings, threshold: float = 0.3) -> AreaTagger:
    embeddings = HashEmbeddings(settings)
    return AreaTagger(parse_framework(SMALL), embeddings.embed_documents,
                      embeddings.embed_query, threshold)


def test_a_question_takes_the_area_of_its_closest_statement(settings):
    tag = tagger(settings).tag
    assert tag("I forgot my password, how do I reset it?") == ["passwords"]
    assert tag("how do I share my screen in a teams meeting") == ["meetings"]
    assert tag("what is for lunch in the canteen") == []  # near nothing: no area
    assert tag("") == [] and tag(None) == []


def test_a_question_about_two_areas_gets_both_when_they_are_nearly_as_close(settings):
    question = "reset my password then join a teams meeting"
    scores = tagger(settings).scores(question)
    apart = abs(scores["passwords"] - scores["meetings"])
    wide = tagger(settings)
    wide.margin = apart + 0.01
    assert sorted(wide.tag(question)) == ["meetings", "passwords"]
    narrow = tagger(settings)
    narrow.margin = apart - 0.01
    assert len(narrow.tag(question)) == 1


def test_the_assistant_stores_the_areas_with_the_record_and_none_for_a_blocked_one(
        settings, kb, tmp_path):
    source = tmp_path / "small.yaml"
    source.write_text(SMALL)
    load_framework(source, settings.data_dir)
    usage = open_usage_log(settings)
    assistant = Assistant(settings.model_copy(update={"skills_tag_similarity": 0.3}), kb,
                          usage=usage)
    assistant.ask("I forgot my password, how do I reset it?", asked=Asked("web", user="a"))
    assistant.ask("Is prisoner A1234BC's password reset done?", asked=Asked("web", user="a"))
    assistant.ask("what is for lunch in the canteen", asked=Asked("web", user="a"))
    with usage.engine.connect() as conn:
        rows = conn.execute(select(questions.c.status, question_areas.c.area)
                            .outerjoin(question_areas,
                                       question_areas.c.question_id == questions.c.id)
                            .order_by(questions.c.id)).all()
    assert [r.area for r in rows] == ["passwords", None, None]
    assert rows[1].status == "blocked"


def test_a_failing_tagger_never_costs_the_record(settings, kb, monkeypatch):
    usage = open_usage_log(settings)
    assistant = Assistant(settings, kb, usage=usage)
    monkeypatch.setattr(assistant.skill_areas, "tag", lambda q: 1 / 0)
    answer = assistant.ask("How do I reset my MFA?", asked=Asked("web"))
    assert answer.record_id and usage.get(answer.record_id) is not None


@pytest.mark.integration
def test_the_default_framework_tags_real_questions_with_the_bundled_model(real_embeddings):
    framework = current_framework(Path("/nonexistent"))
    tag = AreaTagger(framework, real_embeddings.embed_documents, real_embeddings.embed_query,
                     0.35).tag
    assert tag("my phone died and the authenticator app on the new one won't sign me in") == [
        "problem-solving"]
    assert tag("someone emailed asking for my password, is it a scam?") == ["being-safe"]
    assert "communicating" in tag("how do i record a teams meeting")
    assert tag("When is the canteen open?") == []
    assert tag("Where do I park at head office?") == []
    assert yaml.safe_load(framework.to_yaml())["name"] == framework.name
