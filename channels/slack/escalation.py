"""How "Ask a person" reaches a Slack contact (routing by topic is ``channels.contacts``).
A Slack contact is a channel (C.../G...), a user group (S...) or a user (U.../W...)."""

from __future__ import annotations

from channels.contacts import route

__all__ = ["destination", "mention", "route"]


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
