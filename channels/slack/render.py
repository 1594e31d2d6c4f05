"""An ``Answer`` as Slack messages: pure functions, no Slack client.

Slack's limits are respected here: a section holds at most 3000 characters, a message at most
50 blocks (a long answer becomes several messages, buttons on the last). Document and question
text is escaped, so nothing quoted can ping ``<!channel>`` or a user.
"""

from __future__ import annotations

from typing import Any

from assistant.answer import Answer, Citation
from channels.slack import messages as msg

SECTION_CHARS = 3000
MESSAGE_BLOCKS = 50
FALLBACK_CHARS = 3000
STATUS_ICONS = {"need_more_detail": ":thinking_face:", "cannot_answer": ":information_source:",
                "talk_to_a_person": ":busts_in_silhouette:", "blocked": ":no_entry:"}

Block = dict[str, Any]
Message = dict[str, Any]  # text (notification fallback) and blocks


def escape(text: str) -> str:
    """Slack's control characters, so quoted text is shown and never acted on."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_text(text: str, limit: int = SECTION_CHARS) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at a paragraph, line, sentence or word."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max((window.rfind(sep) + len(sep) for sep in ("\n\n", "\n", ". ", " ")
                   if window.rfind(sep) > limit // 2), default=limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def sections(text: str) -> list[Block]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": piece}}
            for piece in split_text(text)]


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_CHARS]}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "button", "action_id": action_id, "value": value,
                            "text": {"type": "plain_text", "text": text, "emoji": True}}
    if style:
        item["style"] = style
    return item


def source_blocks(citations: list[Citation]) -> list[Block]:
    """One section per numbered source: title, version, page, section, then its quotes."""
    blocks: list[Block] = []
    by_number: dict[int, list[Citation]] = {}
    for c in citations:
        by_number.setdefault(c.number, []).append(c)
    for number, group in sorted(by_number.items()):
        first = group[0]
        where = [f"version {escape(first.version)}" if first.version else "",
                 f"page {first.page}" if first.page else "",
                 escape(first.heading_path) if first.heading_path else ""]
        head = f"*[{number}] {escape(first.title)}*"
        if any(where):
            head += "  ·  " + "  ·  ".join(w for w in where if w)
        quotes = "\n".join(">" + escape(c.quote).replace("\n", "\n>") for c in group)
        blocks.extend(sections(f"{head}\n{quotes}"))
        if first.warning:
            blocks.append(context(":warning: " + escape(first.warning)))
    return blocks


def action_blocks(answer: Answer, shareable: bool) -> list[Block]:
    if answer.status == "blocked" or not answer.record_id:
        return []
    rid = answer.record_id
    buttons = []
    if answer.status in ("answered", "cannot_answer", "need_more_detail"):
        buttons += [button(f":thumbsup: {msg.HELPFUL}", "feedback_helpful", rid),
                    button(f":thumbsdown: {msg.NOT_HELPFUL}", "feedback_unhelpful", rid)]
    buttons.append(button(msg.ASK_PERSON, "ask_person", rid,
                          style="primary" if answer.status != "answered" else None))
    if shareable and answer.status == "answered":
        buttons.append(button(msg.SHARE, "share_answer", rid))
    return [{"type": "actions", "block_id": "guide_answer_actions", "elements": buttons}]


def answer_messages(answer: Answer, *, shareable: bool = False, note: str | None = None,
                    with_text: bool = True) -> list[Message]:
    """The messages that carry ``answer``; usually one. Without ``with_text``, only what
    follows the answer's text (it was streamed)."""
    icon = STATUS_ICONS.get(answer.status)
    body = escape(answer.text)
    blocks: list[Block] = sections(f"{icon} {body}" if icon else body) if with_text else []
    if answer.notice:
        blocks.append(context(escape(answer.notice)))
    if answer.citations:
        blocks.append({"type": "divider"})
        blocks.append(context(msg.SOURCES))
        blocks.extend(source_blocks(answer.citations))
    if note:
        blocks.append(context(note))
    actions = action_blocks(answer, shareable)
    fallback = body if len(body) <= FALLBACK_CHARS else body[:FALLBACK_CHARS - 1] + "…"
    room = MESSAGE_BLOCKS - len(actions)
    batches = [blocks[i:i + room] for i in range(0, len(blocks), room)] or [[]]
    batches[-1] = batches[-1] + actions
    return [{"text": fallback if n == 0 else f"{msg.SOURCES[1:-1]} ({n + 1})", "blocks": b}
            for n, b in enumerate(batches)]


def answer_from_record(record: Any) -> Answer:
    """An answer as the usage log kept it (to share or re-show it)."""
    return Answer(status=record.status, text=record.answer or "", question=record.question or "",
                  citations=[Citation(**c) for c in record.citations],
                  record_id=record.public_id, mode=record.mode or "extractive")


def reason_modal(record_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "feedback_reason",
        "private_metadata": record_id,
        "title": {"type": "plain_text", "text": msg.REASON_TITLE},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Skip"},
        "blocks": [{
            "type": "input", "block_id": "reason", "optional": True,
            "label": {"type": "plain_text", "text": msg.REASON_LABEL},
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True,
                        "max_length": 1000},
        }],
    }
