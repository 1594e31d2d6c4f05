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
