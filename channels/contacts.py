"""Who "Ask a person" notifies: the contact configured for the answer's topic.

A topic is a key of ``GUIDE_ESCALATION_CONTACTS``: it matches when it is the doc id of a cited
document, or a word or phrase of the question; ``default`` catches the rest. A topic's value
may name a Slack target (C.../G.../S.../U...), a Teams channel (``teams:19:...@thread.tacv2``),
or both joined by ``|``; each adapter routes only over the targets it can reach.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.terms import phrase_pattern

TEAMS_PREFIX = "teams:"


def for_surface(contacts: dict[str, str], surface: str) -> dict[str, str]:
    """``{topic: target}`` for ``surface`` ("slack" or "teams"); topics without one are left
    out, so routing falls through to the next topic or ``default``."""
    chosen: dict[str, str] = {}
    for topic, value in contacts.items():
        for target in (t.strip() for t in value.split("|")):
            is_teams = target.startswith(TEAMS_PREFIX)
            if surface == "teams" and is_teams and len(target) > len(TEAMS_PREFIX):
                chosen[topic] = target[len(TEAMS_PREFIX):]
                break
            if surface == "slack" and target and not is_teams:
                chosen[topic] = target
                break
    return chosen


def route(contacts: dict[str, str], question: str | None,
          doc_ids: Sequence[str]) -> tuple[str, str] | None:
    """``(topic, contact)``, or None when no contact is configured at all."""
    for topic, contact in contacts.items():  # cited documents first: the surest sign
        if topic != "default" and topic in doc_ids:
            return topic, contact
    for topic, contact in sorted(contacts.items(), key=lambda kv: -len(kv[0])):
        pattern = phrase_pattern(topic) if topic != "default" else None
        if pattern and pattern.search(question or ""):
            return topic, contact
    if "default" in contacts:
        return "default", contacts["default"]
    return None
