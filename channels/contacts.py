"""Escalation contacts per surface: a topic's value in ``GUIDE_ESCALATION_CONTACTS`` may name a
Slack target (C.../G.../S.../U...), a Teams channel (``teams:19:...@thread.tacv2``), or both
joined by ``|``. Each adapter routes only over the targets it can reach."""

from __future__ import annotations

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
