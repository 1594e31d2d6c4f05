"""The pure parts of walkthroughs and the skills check in Teams: a step's message (verbatim
quotes, one citation entity per marker, the buttons of each state), the skills form within
Teams' message size, and which messages are skills commands."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from assistant.answer import Citation
from assistant.skills.check import Gap
from assistant.skills.framework import current_framework
from assistant.walkthrough import Step, Walkthrough
from channels.teams.skills import check_cards, gaps_activity, size, skills_command
from channels.teams.walkthrough import finished_activity, start_activity, step_activity

FRAMEWORK = current_framework(Path("/nonexistent"))  # the shipped default


def cite(number: int, quote: str) -> Citation:
    return Citation(number=number, doc_id="mfa", title="MFA & password <reset>",
                    source="/kb/mfa.md", quote=quote, chunk_id=f"c{number}", content_hash="h",
                    heading_path="MFA > Reset your MFA")


def walk() -> Walkthrough:
    return Walkthrough(
        status="found", procedure_id="mfa#reset-your-mfa", fingerprint="f1", name="Reset your MFA",
        title="MFA & password <reset>", doc_id="mfa", contact="a digital champion",
        intro=[cite(1, "You need your phone.")],
        steps=[Step(number=1, quote="Call extension 4000.",
                    citation=cite(1, "Call extension 4000.")),
               Step(number=2, quote="Answer the check.", citation=cite(2, "Answer the check."),
                    guidance=[cite(3, "No desk phone? Say so.")])],
        notes=[cite(4, "Register the app after.")],
        others=[{"procedure_id": "mfa#reset-your-password", "name": "Reset your password",
                 "title": "MFA"}])


def dumped(activity: Any) -> dict[str, Any]:
    return activity.model_dump(by_alias=True, exclude_none=True, mode="json")


def actions(message: dict[str, Any]) -> list[str]:
    return [a["data"]["guide_action"] for att in message.get("attachments") or []
            for a in att["content"]["actions"]]


def positions(message: dict[str, Any]) -> set[int]:
    return {c["position"] for e in message.get("entities") or [] for c in e.get("citation") or []}


def markers(message: dict[str, Any]) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", message["text"])}


def test_step_one_quotes_verbatim_with_its_citation_and_done_stuck():
    message = dumped(start_activity(walk(), "w1", owner="t1"))
    assert "“Call extension 4000.” [1]" in message["text"]
    assert "MFA &amp; password &lt;reset&gt;" in message["text"]  # shown, never markup
    assert "“Reset your password”" in message["text"]  # the other procedure that fits
    assert positions(message) == markers(message) == {1}
    assert actions(message) == ["walk_done", "walk_stuck"]
    data = message["attachments"][0]["content"]["actions"][0]["data"]
    assert data == {"guide_action": "walk_done", "w": "w1", "p": "mfa#reset-your-mfa",
                    "f": "f1", "s": 1, "o": "t1"}  # o: whose walkthrough it is


def test_stuck_shows_the_steps_own_guidance_then_ask_a_person_then_who_was_asked():
    stuck = dumped(step_activity(walk(), "w1", 2, stuck=True))
    assert "1 of 2 steps done" in stuck["text"] and "“No desk phone? Say so.” [3]" in stuck["text"]
    assert positions(stuck) == markers(stuck) == {2, 3}
    assert actions(stuck) == ["walk_done", "walk_ask_person"]
    assert "A digital champion can help" in stuck["text"]
    asked = dumped(step_activity(walk(), "w1", 2, stuck=True, escalated_to="the champions"))
    assert actions(asked) == ["walk_done"] and "You asked the champions" in asked["text"]


def test_the_last_step_done_shows_the_notes_and_no_buttons():
    message = dumped(finished_activity(walk()))
    assert "All done" in message["text"] and "“Register the app after.” [4]" in message["text"]
    assert positions(message) == {4} and not message.get("attachments")


def test_the_skills_form_fits_one_card_and_a_long_one_is_split_by_whole_areas():
    [card] = check_cards(FRAMEWORK, {"reset-mfa": (1, 4)}, 5)
    assert size(card) < 28_000  # Teams' limit for a message
    dumped_card = json.dumps(card)
    assert '"id": "now:reset-mfa"' in dumped_card and '"value": "1"' in dumped_card
    parts = check_cards(FRAMEWORK, {}, 5, limit=6_000)
    assert len(parts) > 1 and all(p["actions"][0]["data"] == {"guide_action": "skills_save"}
                                  for p in parts)
    ids = re.findall(r'"id": "now:([a-z0-9-]+)"', "".join(json.dumps(p) for p in parts))
    assert sorted(ids) == sorted(FRAMEWORK.statements)  # every statement once
    areas = [b["items"][0]["text"] for p in parts for b in p["body"] if b["type"] == "Container"]
    assert areas == [a.name for a in FRAMEWORK.areas]


def test_gaps_name_their_documents_and_offer_their_walkthroughs():
    gap = Gap("problem-solving", "Problem solving", "Foundation", "reset-mfa",
              "I can reset my MFA.", 1, 4, "Not yet", "Can help others",
              documents=[{"doc_id": "mfa", "title": "MFA <guide>"}], ask="my app stopped")
    message = dumped(gaps_activity([gap], {"reset-mfa": [("mfa#reset", "Reset your MFA")]}, 1))
    assert "Saved your ratings for 1 statements." in message["text"]
    assert "**MFA &lt;guide&gt;**" in message["text"]
    body = message["attachments"][0]["content"]["body"]
    [buttons] = [b["actions"] for b in body if b["type"] == "ActionSet"]
    assert buttons[0]["data"] == {"guide_action": "walk_start", "p": "mfa#reset"}
    assert buttons[1]["data"] == {"msteams": {"type": "imBack", "value": "my app stopped"}}


def test_only_skills_commands_are_taken_as_such():
    assert skills_command("skills") == "check" and skills_command("Skills check") == "check"
    assert skills_command("skills record") == "record"
    assert skills_command("skills delete.") == "delete"
    assert skills_command("skills passport for prison leavers") is None  # a question
    assert skills_command("what skills do I need") is None
