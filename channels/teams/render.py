"""An ``Answer`` as a Teams message: pure functions, no network.

The text keeps the assistant's ``[n]`` markers; each number gets a citation entity whose
name (the document title, <= 80 characters) and abstract (the quoted words, <= 160) fit
Teams' limits, with the section, page and every quote in its pop-up card. The "AI generated"
label is added only when a language model wrote the text. Feedback and "Ask a person" are
Adaptive Card buttons (``Action.Submit``) whose data names the usage log's record.
"""

from __future__ import annotations

import json
from typing import Any

from microsoft_teams.api import Attachment, MessageActivityInput
from microsoft_teams.api.models.entity.citation_entity import CitationAppearance

from assistant.answer import Answer, Citation
from channels.teams import messages as msg

NAME_CHARS = 80
ABSTRACT_CHARS = 160
KEYWORD_CHARS = 28
CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
ACTION_KEY = "guide_action"  # marks Action.Submit data as ours
STATUS_ICONS = {"need_more_detail": "🤔", "cannot_answer": "ℹ️", "talk_to_a_person": "👥",
                "blocked": "⛔"}


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word where one is near, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.") + "…"


def escape(text: str) -> str:
    """Teams reads HTML in messages: document text is shown, never taken as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def where(citation: Citation) -> list[str]:
    parts = []
    if citation.heading_path:
        parts.append(citation.heading_path)
    if citation.page:
        parts.append(f"page {citation.page}")
    if citation.version:
        parts.append(f"version {citation.version}")
    return parts


def citation_card(group: list[Citation]) -> dict[str, Any]:
    """The pop-up behind a citation: title, where in the document, every quote, warnings."""
    first = group[0]
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": first.title, "weight": "Bolder", "wrap": True}]
    if where(first):
        body.append({"type": "TextBlock", "text": " · ".join(where(first)), "isSubtle": True,
                     "wrap": True, "spacing": "None"})
    body += [{"type": "TextBlock", "text": f"“{c.quote}”", "wrap": True} for c in group]
    if first.warning:
        body.append({"type": "TextBlock", "text": f"⚠️ {first.warning}", "wrap": True,
                     "color": "Warning"})
    return {"type": "AdaptiveCard", "version": CARD_VERSION, "body": body}


def appearance(group: list[Citation]) -> CitationAppearance:
    first = group[0]
    keywords = [clip(w, KEYWORD_CHARS) for w in where(first)][:3] or None
    url = first.source if first.source.startswith(("https://", "http://")) else None
    return CitationAppearance(name=clip(first.title, NAME_CHARS) or "Document",
                              abstract=clip(first.quote, ABSTRACT_CHARS), keywords=keywords,
                              text=json.dumps(citation_card(group)), url=url)


def by_number(citations: list[Citation]) -> dict[int, list[Citation]]:
    groups: dict[int, list[Citation]] = {}
    for c in citations:
        groups.setdefault(c.number, []).append(c)
    return dict(sorted(groups.items()))


def action(title: str, kind: str, record_id: str, style: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "Action.Submit", "title": title,
                            "data": {ACTION_KEY: kind, "record": record_id}}
    if style:
        item["style"] = style
    return item


def actions_card(answer: Answer) -> dict[str, Any] | None:
    """Feedback (thumbs down opens an optional reason) and "Ask a person", or None."""
    if answer.status == "blocked" or not answer.record_id:
        return None
    rid = answer.record_id
    actions: list[dict[str, Any]] = []
    if answer.status in ("answered", "cannot_answer", "need_more_detail"):
        actions.append(action(msg.HELPFUL, "helpful", rid))
        actions.append({"type": "Action.ShowCard", "title": msg.NOT_HELPFUL, "card": {
            "type": "AdaptiveCard", "version": CARD_VERSION,
            "body": [{"type": "Input.Text", "id": "reason", "label": msg.REASON_LABEL,
                      "isMultiline": True, "maxLength": 1000}],
            "actions": [action(msg.SEND, "unhelpful", rid)]}})
    actions.append(action(msg.ASK_PERSON, "ask_person", rid,
                          style="positive" if answer.status != "answered" else None))
    return {"type": "AdaptiveCard", "version": CARD_VERSION, "body": [], "actions": actions}


def answer_text(answer: Answer) -> str:
    icon = STATUS_ICONS.get(answer.status)
    text = escape(answer.text)
    lines = [f"{icon} {text}" if icon else text]
    if answer.notice:
        lines.append(f"_{escape(answer.notice)}_")
    warnings = dict.fromkeys(f"⚠️ [{c.number}] {escape(c.warning)}"
                             for c in answer.citations if c.warning)
    lines += list(warnings)
    return "\n\n".join(lines)


def answer_activity(answer: Answer) -> MessageActivityInput:
    """The message that carries ``answer``: text with [n] markers, citations, buttons."""
    activity = MessageActivityInput(text=answer_text(answer)).with_text_format("markdown")
    for number, group in by_number(answer.citations).items():
        activity.add_citation(number, appearance(group))
    if answer.mode == "llm" and answer.status != "blocked":
        activity.add_ai_generated()
    card = actions_card(answer)
    if card is not None:
        activity.add_attachments(Attachment(content_type=CARD, content=card))
    return activity


def plain(text: str) -> MessageActivityInput:
    return MessageActivityInput(text=text).with_text_format("markdown")


def submitted(value: Any) -> tuple[str, str, str] | None:
    """``(kind, record id, reason)`` from a card's ``Action.Submit`` data, if it is ours."""
    if not isinstance(value, dict) or not isinstance(value.get(ACTION_KEY), str):
        return None
    record = value.get("record")
    if not isinstance(record, str) or not record:
        return None
    reason = value.get("reason")
    return value[ACTION_KEY], record, reason.strip() if isinstance(reason, str) else ""
