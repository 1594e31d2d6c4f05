"""Reading an incoming Teams activity (its JSON, as Teams sent it): no SDK needed."""

from __future__ import annotations

import html
import re
from typing import Any

MENTION = re.compile(r"<at[^>]*>.*?</at>", re.S)
TAG = re.compile(r"<[^>]+>")


def question_text(text: str | None) -> str:
    """A Teams message as plain text: mentions of the bot dropped, markup removed."""
    text = MENTION.sub(" ", text or "")
    text = html.unescape(TAG.sub(" ", text))
    return re.sub(r"\s+", " ", text).strip()


def tenant_of(activity: dict[str, Any]) -> str | None:
    return (activity.get("conversation") or {}).get("tenantId") \
        or ((activity.get("channelData") or {}).get("tenant") or {}).get("id")


def tenants_of(activity: dict[str, Any]) -> set[str]:
    """Every tenant the activity names (Teams sends it in two places)."""
    return {t for t in ((activity.get("conversation") or {}).get("tenantId"),
                        ((activity.get("channelData") or {}).get("tenant") or {}).get("id"))
            if t}


SCOPES = ("personal", "groupChat", "channel")  # in the order of who else may read along


def scope_of(activity: dict[str, Any]) -> str:
    """Where the activity was sent: ``personal``, ``groupChat`` or ``channel``. The conversation
    id tells as well as ``conversationType`` does (``a:...`` a 1:1 chat, ``19:...@thread.v2``
    a group chat, ``19:...@thread.tacv2`` or ``@thread.skype`` a channel); where either says
    more people read along, that wins, and where neither says, it is a channel (all-staff
    answers only): a replayed token must not make a channel a 1:1 chat."""
    conversation = activity.get("conversation") or {}
    said = conversation.get("conversationType")
    cid = str(conversation.get("id") or "").split(";")[0]
    by_id = "channel" if cid.endswith(("@thread.tacv2", "@thread.skype")) else \
        "groupChat" if cid.endswith("@thread.v2") else "personal" if cid.startswith("a:") else None
    known = [s for s in (said, by_id) if s in SCOPES]
    return max(known, key=SCOPES.index) if known else "channel"
