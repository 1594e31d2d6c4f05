"""The training data's checks catch a bad row, and the shipped data passes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.checks import (
    evaluation_overlap,
    longest_copied_run,
    near_duplicates,
    row_problem,
)

PASSAGE = ("Rotate a credential as soon as you think it has leaked. Tell the security team "
           "the same day, and never paste a secret into a chat channel.")
DATA = Path(__file__).resolve().parents[2] / "training" / "questions.jsonl"
EVALDATA = Path(__file__).resolve().parents[3] / "shared" / "evaldata"


def row(**changes) -> dict:
    return {"question": "think my api key got out, what now?", "status": "answered",
            "passage": PASSAGE, "answer": "Rotate a credential as soon as you think it has "
            "leaked.", **changes}


def test_a_good_row_passes():
    assert row_problem(row()) is None
    assert row_problem({"question": "hi there guide", "status": "cannot_answer"}) is None


def test_an_answer_not_verbatim_in_its_passage_is_caught():
    assert "verbatim" in row_problem(row(answer="Rotate credentials when they leak."))


def test_a_question_that_copies_its_passage_is_caught():
    copied = "should I rotate a credential as soon as you think it has leaked"
    assert longest_copied_run(copied, PASSAGE) == 11
    assert "copies" in row_problem(row(question=copied))
    assert longest_copied_run("can i paste a secret in slack", PASSAGE) == 3


def test_an_unknown_status_and_near_duplicates_are_caught():
    assert "status" in row_problem(row(status="maybe"))
    assert near_duplicates(["can i paste a key in slack", "Can I paste a key in Slack?",
                            "who do i tell about a leak"]) == {1}


def test_a_passage_copied_from_an_evaluation_document_is_caught():
    evaluation = ["Some other page. " + PASSAGE + " More of that page follows here."]
    assert evaluation_overlap(PASSAGE, evaluation) == 1.0
    assert evaluation_overlap("A page about something else entirely, with no shared run "
                              "of eight words at all in it.", evaluation) == 0.0


@pytest.mark.skipif(not DATA.exists(), reason="no training/questions.jsonl")
def test_every_shipped_row_passes_and_splits_by_document():
    rows = [json.loads(line) for line in DATA.open()]
    assert [r["question"] for r in rows if row_problem(r)] == []
    assert near_duplicates(r["question"] for r in rows) == set()
    split_of = {}
    for r in rows:
        if r.get("doc"):
            assert split_of.setdefault(r["doc"], r["split"]) == r["split"]  # one side only
    assert {r["split"] for r in rows} == {"train", "validation"}
