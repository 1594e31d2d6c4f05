"""``/guide skills`` in Slack: the private skills check as a modal, the person's gaps shown in
it after they submit, and ``/guide skills record`` / ``/guide skills delete`` for the record.

The record is kept under the person's Slack id pseudonymised exactly as the usage log does
(surface "slack", "TEAM:USER"), and is only ever read back for the person who asks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from assistant.core import Assistant
from assistant.skills import messages as msg
from assistant.skills.check import FindDocument, Gap, gaps
from assistant.skills.framework import Framework, current_framework
from channels.reporting import document_finder
from channels.slack.render import escape
from config.audiences import STAFF
from config.settings import Settings
from usage.log import UsageLog
from usage.skills import SkillsRecords

log = logging.getLogger(__name__)
CALLBACK = "skills_check"
MAX_BLOCKS = 100  # Slack's limit for a modal
SUBCOMMANDS = ("record", "delete", "help")


def plain(text: str, limit: int = 150) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit], "emoji": False}


def select(framework: Framework, block_id: str, label: str, chosen: int | None
           ) -> dict[str, Any]:
    options = [{"text": plain(s.label), "value": str(s.value)} for s in framework.scale]
    element: dict[str, Any] = {"type": "static_select", "action_id": "value",
                               "placeholder": plain("Choose"), "options": options}
    if chosen is not None:
        element["initial_option"] = next(o for o in options if o["value"] == str(chosen))
    return {"type": "input", "block_id": block_id, "optional": True, "label": plain(label, 2000),
            "element": element}


def check_modal(framework: Framework, ratings: dict[str, tuple[int, int]], min_group: int
                ) -> dict[str, Any]:
    """A modal with every statement that fits (two inputs each); the rest go to the web."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": msg.INTRO}},
        {"type": "context", "elements": [{"type": "mrkdwn",
                                          "text": msg.PRIVACY.format(min_group=min_group)}]}]
    left_out = False
    for area in framework.areas:
        needed = 1 + 2 * len(area.statements)
        if len(blocks) + needed > MAX_BLOCKS - 1:
            left_out = True
            break
        blocks.append({"type": "header", "text": plain(area.name)})
        for statement in area.statements:
            now, need = ratings.get(statement.id, (None, None))
            level = framework.level_name(statement.level)
            blocks.append(select(framework, f"now:{statement.id}",
                                 f"{statement.text} ({level}): {msg.NOW.lower()}", now))
            blocks.append(select(framework, f"need:{statement.id}", msg.NEED, need))
    if left_out:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn",
                                                        "text": msg.MODAL_MORE}]})
    return {"type": "modal", "callback_id": CALLBACK, "title": plain(msg.MODAL_TITLE, 24),
            "submit": plain("Save"), "close": plain("Cancel"), "blocks": blocks}


def gaps_text(found: list[Gap]) -> str:
    if not found:
        return msg.NO_GAPS
    lines = [f"*{msg.TOP_GAPS}*"]
    for n, gap in enumerate(found, 1):
        lines.append(f"{n}. {escape(gap.statement)} _({escape(gap.area)}, {gap.level})_: now "
                     f"{gap.now_label}, need {gap.need_label}")
        if gap.documents:
            lines.append("    Read: " + "; ".join(escape(d["title"]) for d in gap.documents))
        if gap.ask:
            lines.append(f"    {msg.ASK_GUIDE}: `/guide {escape(gap.ask)}`")
    return "\n".join(lines)[:3000]


def gaps_modal(found: list[Gap], saved: int) -> dict[str, Any]:
    return {"type": "modal", "callback_id": f"{CALLBACK}_done", "title": plain(msg.MODAL_TITLE, 24),
            "close": plain("Close"), "blocks": [
                {"type": "section", "text": {"type": "mrkdwn",
                                             "text": msg.SAVED.format(count=saved)}},
                {"type": "section", "text": {"type": "mrkdwn", "text": gaps_text(found)}},
                {"type": "context", "elements": [{"type": "mrkdwn",
                                                  "text": msg.SLACK_RECORD_HELP}]}]}


def chosen(values: dict[str, Any], block_id: str) -> int | None:
    option = ((values.get(block_id) or {}).get("value") or {}).get("selected_option")
    return int(option["value"]) if option else None


class SlackSkills:
    def __init__(self, settings: Settings, assistant: Assistant, usage: UsageLog,
                 readers: Callable[[WebClient, str], frozenset[str]]) -> None:
        self.settings = settings
        self.assistant = assistant
        self.records = SkillsRecords(usage.engine, usage.pseudonymise)
        self.readers = readers  # what a Slack user may read

    def find_document(self, client: WebClient, user: str | None) -> FindDocument:
        """Framework links as this person may follow them: nothing of a restricted one."""
        return document_finder(self.assistant.kb, self.readers(client, user) if user else STAFF)

    @staticmethod
    def wants(command: dict[str, Any]) -> bool:
        words = (command.get("text") or "").split()
        return bool(words) and words[0].lower() == "skills"

    def person(self, team: str | None, user: str | None) -> str:
        return self.records.person("slack", f"{team}:{user}")

    def framework(self) -> Framework:
        return current_framework(self.settings.data_dir)

    def on_command(self, ack: Any, command: dict[str, Any], client: WebClient) -> None:
        words = (command.get("text") or "").split()
        sub = words[1].lower() if len(words) > 1 else ""
        person = self.person(command.get("team_id"), command.get("user_id"))
        if sub == "delete":
            gone = self.records.delete(person)
            ack(response_type="ephemeral", text=msg.DELETED if gone else msg.NOTHING_TO_DELETE)
            return
        if sub == "record":
            held = self.records.get(person)
            if held is None:
                ack(response_type="ephemeral", text=msg.NO_RECORD)
                return
            framework = self.framework()
            lines = [f"• {escape(framework.statements[s][1].text)}: now {framework.label(n)}, "
                     f"need {framework.label(d)}" for s, (n, d) in held.ratings.items()
                     if s in framework.statements]
            found = gaps(framework, held.ratings,
                         self.find_document(client, command.get("user_id")))
            ack(response_type="ephemeral",
                text=("\n".join(lines) + "\n\n" + gaps_text(found))[:3000])
            return
        if sub == "help":
            ack(response_type="ephemeral", text=msg.SLACK_RECORD_HELP)
            return
        ack()
        held = self.records.get(person)
        client.views_open(trigger_id=command["trigger_id"], view=check_modal(
            self.framework(), held.ratings if held else {}, self.settings.skills_min_group))

    def on_submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any],
                  client: WebClient) -> None:
        framework = self.framework()
        values = (view.get("state") or {}).get("values") or {}
        rated, errors = [], {}
        for statement_id, (area, statement) in framework.statements.items():
            now, need = chosen(values, f"now:{statement_id}"), chosen(values,
                                                                      f"need:{statement_id}")
            if now is None and need is None:
                continue
            if now is None or need is None:
                errors[f"{'now' if now is None else 'need'}:{statement_id}"] = \
                    "Choose where you are now and where you need to be, or neither."
                continue
            rated.append((statement_id, area.id, statement.level, now, need))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        user = body.get("user") or {}
        team = (body.get("team") or {}).get("id") or user.get("team_id")
        person = self.person(team, user.get("id"))
        self.records.save(person, rated)
        held = self.records.get(person)
        found = gaps(framework, held.ratings if held else {},
                     self.find_document(client, user.get("id")))
        ack(response_action="update", view=gaps_modal(found, len(rated)))

    def register(self, app: App) -> None:
        app.view(CALLBACK)(self.on_submit)
