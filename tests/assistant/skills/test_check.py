"""The skills check's logic (ratings from a form, gaps in order, the record) and the terminal
check (``guide skills check``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.skills.check import RatingError, gaps, parse_ratings, record_as_dict
from assistant.skills.framework import current_framework
from bot import build_cli


@pytest.fixture
def framework():
    return current_framework(Path("/nonexistent"))


def test_ratings_from_a_form_and_their_gaps_largest_first(framework):
    rated = parse_ratings(framework, {"now:reset-mfa": "1", "need:reset-mfa": "4",
                                      "now:secure-email": "2", "need:secure-email": "3",
                                      "now:teams-meetings": "4", "need:teams-meetings": "2",
                                      "now:spot-phishing": "", "need:spot-phishing": ""})
    assert [(r.statement_id, r.now, r.need) for r in rated] == [
        ("teams-meetings", 4, 2), ("secure-email", 2, 3), ("reset-mfa", 1, 4)]
    found = gaps(framework, {r.statement_id: (r.now, r.need) for r in rated},
                 find_document=lambda d: {"doc_id": d, "title": d.title()}
                 if d != "secure-email-guide" else None)
    assert [g.statement_id for g in found] == ["reset-mfa", "secure-email"]  # none above need
    assert found[0].documents == [{"doc_id": "mfa-password-reset",
                                   "title": "Mfa-Password-Reset"}]
    assert found[1].documents == [] and found[1].missing == ["secure-email-guide"]
    assert (found[0].now_label, found[0].need_label) == ("Not yet", "Can help others")


@pytest.mark.parametrize("form", [{"now:reset-mfa": "1"}, {"now:reset-mfa": "1",
                                                           "need:reset-mfa": "9"},
                                  {"now:reset-mfa": "x", "need:reset-mfa": "2"}])
def test_half_or_off_scale_ratings_are_refused(framework, form):
    with pytest.raises(RatingError, match="reset my password"):
        parse_ratings(framework, form)


def test_the_record_lists_every_rating_and_every_gap(framework):
    record = record_as_dict(framework, {"reset-mfa": (1, 2), "strong-passwords": (3, 3)},
                            "2026-12-01T10:00:00")
    assert [r["statement_id"] for r in record["ratings"]] == ["reset-mfa", "strong-passwords"]
    assert [g["statement_id"] for g in record["gaps"]] == ["reset-mfa"]
    assert record["framework"] == framework.name


def test_the_terminal_check_rates_shows_exports_and_deletes(settings):
    runner = CliRunner()
    statements = len(current_framework(settings.data_dir).statements)
    answers = ["1", "3", "", "2", "4"] + [""] * (statements - 3)  # rate two, skip the rest
    result = runner.invoke(build_cli(), ["skills", "check"], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "only you can see your ratings" in result.stdout
    assert "Saved your ratings for 2 statements." in result.stdout
    assert "Your top gaps" in result.stdout and "Microsoft Teams meeting" in result.stdout
    exported = json.loads(runner.invoke(build_cli(), ["skills", "check", "--json"]).stdout)
    assert [r["statement_id"] for r in exported["ratings"]] == ["teams-meetings",
                                                                "channel-etiquette"]
    deleted = runner.invoke(build_cli(), ["skills", "check", "--delete"])
    assert "deleted" in deleted.stdout
    again = runner.invoke(build_cli(), ["skills", "check", "--record"])
    assert "no skills check on record" in again.stdout
