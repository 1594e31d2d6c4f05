"""The skills framework: the shipped default, loading a trainer's file, and clear errors."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from assistant.skills.framework import (
    DEFAULT_FRAMEWORK,
    FrameworkError,
    current_framework,
    framework_path,
    load_framework,
    parse_framework,
)
from bot import build_cli

EDS_AREAS = {"Communicating", "Handling information and content", "Transacting",
             "Problem solving", "Being safe and legal online"}


def default_raw() -> dict:
    return yaml.safe_load(DEFAULT_FRAMEWORK.read_text())


def test_the_default_follows_the_essential_digital_skills_areas_and_levels(tmp_path):
    framework = current_framework(tmp_path)
    assert {a.name for a in framework.areas} == EDS_AREAS
    assert [lv.id for lv in framework.levels] == ["foundation", "life", "work"]
    for area in framework.areas:  # every area has a statement at every level
        assert {s.level for s in area.statements} == {"foundation", "life", "work"}
    texts = " ".join(s.text for _, s in framework.statements.values()).lower()
    for tool in ("secure email", "teams", "multi-factor", "shared drives", "phishing",
                 "official-sensitive", "incident", "accessibility", "prison leaver"):
        assert tool in texts


def test_the_default_links_only_documents_of_the_sample_knowledge_base(tmp_path):
    from tests.conftest import SAMPLE

    ids = set()
    for path in SAMPLE.iterdir():
        text = path.read_text(errors="ignore") if path.suffix in (".md", ".yaml") else ""
        ids.update(line.split(":", 1)[1].strip() for line in text.splitlines()
                   if line.startswith("id:"))
    ids |= {"secure-email-guide", "incident-reporting", "digital-skills-passport",
            "sharing-with-police-procedure"}  # html, docx and pdf: id from the file name
    linked = {d for _, s in current_framework(tmp_path).statements.values() for d in s.documents}
    assert linked and linked <= ids


def test_a_loaded_framework_replaces_the_default_and_round_trips(tmp_path):
    raw = default_raw()
    raw["name"] = "Westbrook skills"
    raw["areas"] = raw["areas"][:2]
    source = tmp_path / "mine.yaml"
    source.write_text(yaml.safe_dump(raw))
    loaded = load_framework(source, tmp_path / "data")
    assert framework_path(tmp_path / "data").exists()
    assert current_framework(tmp_path / "data") == loaded
    assert parse_framework(loaded.to_yaml()) == loaded


@pytest.mark.parametrize(("change", "expected"), [
    (lambda r: r["areas"][0]["statements"][0].update(level="expert"),
     "the file: statement 'teams-meetings' (area communicating) has level 'expert'; the "
     "levels are foundation, life, work"),
    (lambda r: r["areas"][1]["statements"].append(dict(r["areas"][0]["statements"][0])),
     "repeated: teams-meetings"),
    (lambda r: r["areas"][2].pop("name"), "areas[2] (transacting) > name: Field required"),
    (lambda r: r["areas"][0]["statements"][1].update(colour="red"),
     "areas[0] (communicating) > statements[1] (secure-email) > colour: Extra inputs are not "
     "permitted"),
    (lambda r: r["scale"].reverse(), "from the lowest value to the highest"),
])
def test_a_bad_framework_names_the_place_and_the_problem(tmp_path, change, expected):
    raw = default_raw()
    change(raw)
    with pytest.raises(FrameworkError) as caught:
        parse_framework(yaml.safe_dump(raw), "mine.yaml")
    assert str(caught.value).startswith("mine.yaml has 1 problem(s):")
    assert expected in str(caught.value)


def test_broken_yaml_gives_the_line(tmp_path):
    with pytest.raises(FrameworkError, match=r"not valid YAML at line 2, column 6: mapping "
                       "values are not allowed here"):
        parse_framework("name: x\n  bad: indent\n", "mine.yaml")
    with pytest.raises(FrameworkError, match="must be a YAML mapping"):
        parse_framework("- just\n- a list\n", "mine.yaml")


def test_cli_show_and_load_and_a_bad_file_changes_nothing(tmp_path, settings):
    runner = CliRunner()
    shown = runner.invoke(build_cli(), ["skills", "framework", "show", "--json"])
    assert shown.exit_code == 0
    assert {a["name"] for a in json.loads(shown.stdout)["areas"]} == EDS_AREAS
    yaml_out = runner.invoke(build_cli(), ["skills", "framework", "show"]).stdout
    raw = yaml.safe_load(yaml_out)
    raw["name"] = "Edited"
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(raw))
    loaded = runner.invoke(build_cli(), ["skills", "framework", "load", str(good)])
    assert loaded.exit_code == 0 and "Loaded 'Edited'" in loaded.stdout
    raw["levels"] = []
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw))
    refused = runner.invoke(build_cli(), ["skills", "framework", "load", str(bad)])
    assert refused.exit_code == 2
    assert "levels: List should have at least 1 item" in refused.stderr
    assert current_framework(settings.data_dir).name == "Edited"  # the good one is kept
