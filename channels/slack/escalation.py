"""Who "Ask a person" notifies: the contact configured for the answer's topic.

A topic is a key of ``GUIDE_ESCALATION_CONTACTS``: it matches when it is the doc id of a cited
document, or a word or phrase of the question; ``default`` catches the rest. A contact is a
channel (C.../G...), a user group (S...) or a user (U.../W...).
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.terms import phrase_pattern


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


def mention(contact: str) -> str:
    """How to name a contact in a message so its members are notified."""
    if contact.startswith("S"):
        return f"<!subteam^{contact}>"
    if contact[:1] in ("U", "W"):
        return f"<@{contact}>"
    return f"<#{contact}>"


def destination(contact: str, contacts: dict[str, str], fallback_channel: str) -> str:
    """Where the notification is posted: a channel or user as given; a user group is pinged
    in the default contact's channel, or in the asker's conversation."""
    if not contact.startswith("S"):
        return contact
    default = contacts.get("default", "")
    return default if default[:1] in ("C", "G") else fallback_channel
