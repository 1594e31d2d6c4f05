"""App Home: what Guide answers, what not to paste, examples; usage figures for managers."""

from __future__ import annotations

from typing import Any

from channels.slack import messages as msg
from channels.slack.render import escape
from usage.report import percent

MAX_LISTED = 15


def home_view(bot_user: str, titles: list[str], headline: dict[str, Any] | None) -> dict:
    listed = "\n".join(f"• {escape(t)}" for t in titles[:MAX_LISTED])
    if len(titles) > MAX_LISTED:
        listed += f"\n…and {len(titles) - MAX_LISTED} more"
    examples = "\n".join(f"• {q}" for _, q in msg.SUGGESTED_PROMPTS)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Guide"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": msg.HOME_INTRO}},
        {"type": "section", "text": {"type": "mrkdwn", "text": msg.HOME_HOW.format(bot=bot_user)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": msg.HOME_PRIVACY}},
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": f"{msg.HOME_EXAMPLES}\n{examples}"}},
        {"type": "divider"},
        {"type": "section", "text": {"type": "mrkdwn", "text": (
            msg.HOME_DOCUMENTS.format(count=len(titles)) + "\n" + (listed or "none yet"))[:3000]}},
    ]
    if headline is not None:
        fields = [
            ("Questions", headline["questions"]), ("Staff asking", headline["active_users"]),
            ("Answered", percent(headline["answer_rate"])), ("Found helpful", percent(
                headline["helpful_rate"])),
            ("Not covered by the guidance", headline["unanswered"]),
            ("Passed to a person", headline["escalations"]),
        ]
        blocks += [
            {"type": "divider"},
            {"type": "section", "text": {"type": "mrkdwn", "text": msg.HOME_MANAGERS.format(
                days=headline["days"])},
             "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields]},
        ]
    return {"type": "home", "blocks": blocks}
