"""The private skills check in Teams, in a 1:1 chat only: **skills** (or **skills check**)
is answered with an Adaptive Card form, every statement of the framework rated "where I am
now" and "where I need to be", grouped by area; submitting it saves the person's own record
and replies with their top gaps, the documents that help and buttons for the walkthroughs in
them. **skills record** shows the record, **skills delete** deletes it.

The record is kept under the person's Teams id (tenant and Entra object id) pseudonymised
exactly as the usage log does (surface "teams"), is read back only for the person who asks,
and nothing of it is posted anywhere else. Rendering is pure (``check_cards``,
``gaps_activity``, ``record_activity``); ``TeamsSkills`` does the rest.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from microsoft_teams.api import Attachment, ConversationReference, MessageActivityInput

from assistant.skills import messages as smsg
from assistant.skills.check import Gap, RatingError, gaps, parse_ratings
from assistant.skills.framework import Area, Framework, current_framework
from channels.reporting import document_finder
from channels.teams import messages as msg
from channels.teams.activity import scope_of
from channels.teams.render import ACTION_KEY, CARD, CARD_VERSION, escape, plain
from channels.teams.walkthrough import start_data, submit
from usage.skills import SkillsRecords

if TYPE_CHECKING:
    from channels.teams.app import TeamsGuide

log = logging.getLogger(__name__)
SAVE = "skills_save"
SUBCOMMANDS = ("", "check", "record", "delete", "help")
CARD_BYTES = 24_000  # Teams refuses a message over about 28 KB: a long framework is split
WALKS_PER_GAP = 2
Procedures = Mapping[str, list[tuple[str, str]]]  # statement id -> [(procedure id, name)]


def skills_command(text: str) -> str | None:
    """``check``, ``record``, ``delete`` or ``help`` for a skills command, else None (so
    "skills passport for prison leavers" is still a question)."""
    words = text.lower().strip(" .!?").split()
    if not words or words[0] != "skills" or len(words) > 2:
        return None
    sub = words[1] if len(words) > 1 else ""
    return (sub or "check") if sub in SUBCOMMANDS else None


# -- rendering (pure) -------------------------------------------------------------------------
def choice_set(framework: Framework, input_id: str, label: str, chosen: int | None
               ) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "Input.ChoiceSet", "id": input_id, "label": label, "style": "compact",
        "placeholder": msg.SKILLS_CHOOSE,
        "choices": [{"title": s.label, "value": str(s.value)} for s in framework.scale]}
    if chosen is not None:
        element["value"] = str(chosen)
    return element


def area_container(framework: Framework, area: Area, ratings: Mapping[str, tuple[int, int]]
                   ) -> dict[str, Any]:
    """One area: its name, then each statement with its two ratings side by side."""
    items: list[dict[str, Any]] = [{"type": "TextBlock", "text": area.name, "weight": "Bolder",
                                    "size": "Medium", "wrap": True}]
    if area.description:
        items.append({"type": "TextBlock", "text": area.description, "isSubtle": True,
                      "wrap": True, "spacing": "None"})
    for statement in area.statements:
        now, need = ratings.get(statement.id, (None, None))
        items.append({"type": "TextBlock", "wrap": True, "spacing": "Medium",
                      "text": f"{statement.text} ({framework.level_name(statement.level)})"})
        items.append({"type": "ColumnSet", "spacing": "Small", "columns": [
            {"type": "Column", "width": "stretch",
             "items": [choice_set(framework, f"now:{statement.id}", smsg.NOW, now)]},
            {"type": "Column", "width": "stretch",
             "items": [choice_set(framework, f"need:{statement.id}", smsg.NEED, need)]}]})
    return {"type": "Container", "separator": True, "spacing": "Large", "items": items}


def form_card(head: list[dict[str, Any]], areas: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": CARD_VERSION, "body": [*head, *areas],
            "actions": [submit(msg.SKILLS_SAVE, {ACTION_KEY: SAVE}, "positive")]}


def check_cards(framework: Framework, ratings: Mapping[str, tuple[int, int]], min_group: int,
                limit: int = CARD_BYTES) -> list[dict[str, Any]]:
    """The form as Adaptive Cards, each within Teams' message size: one card when the
    framework fits (the default does), else whole areas per card, each saved on its own.
    What the person rated before is filled in."""
    head = [{"type": "TextBlock", "text": smsg.INTRO, "wrap": True},
            {"type": "TextBlock", "text": smsg.PRIVACY.format(min_group=min_group),
             "isSubtle": True, "wrap": True}]
    parts: list[list[dict[str, Any]]] = [[]]
    for area in framework.areas:
        container = area_container(framework, area, ratings)
        if parts[-1] and size(form_card(head, [*parts[-1], container])) > limit:
            parts.append([])
        parts[-1].append(container)
    if len(parts) == 1:
        return [form_card(head, parts[0])]
    return [form_card([*head, {"type": "TextBlock", "wrap": True, "isSubtle": True,
                               "text": msg.SKILLS_PART.format(n=n, parts=len(parts))}], part)
            for n, part in enumerate(parts, 1)]


def size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode())


def gaps_lines(found: list[Gap]) -> list[str]:
    if not found:
        return [smsg.NO_GAPS]
    lines = [f"**{smsg.TOP_GAPS}**"]
    for n, gap in enumerate(found, 1):
        line = (f"{n}. {escape(gap.statement)} *({escape(gap.area)}, {escape(gap.level)})*: "
                f"now {escape(gap.now_label)}, need {escape(gap.need_label)}")
        if gap.documents:
            line += "  \n" + msg.SKILLS_READ.format(
                titles="; ".join(f"**{escape(d['title'])}**" for d in gap.documents))
        lines.append(line)
    return ["\n\n".join(lines)]


def gap_actions(found: list[Gap], procedures: Procedures) -> list[dict[str, Any]]:
    """Per gap: buttons starting the walkthroughs of its documents, and one that asks Guide
    the statement's example question (sent into the chat as if typed, Teams' imBack)."""
    body: list[dict[str, Any]] = []
    for n, gap in enumerate(found, 1):
        actions = [submit(msg.WALK_START.format(name=name), start_data(procedure_id))
                   for procedure_id, name in procedures.get(gap.statement_id, [])
                   [:WALKS_PER_GAP]]
        if gap.ask:
            actions.append(submit(f"{smsg.ASK_GUIDE}: {gap.ask}"[:100], {
                "msteams": {"type": "imBack", "value": gap.ask}}))
        if actions:
            body.append({"type": "TextBlock", "text": f"{n}. {gap.statement}", "wrap": True,
                         "isSubtle": True, "spacing": "Medium"})
            body.append({"type": "ActionSet", "actions": actions})
    return body


def gaps_activity(found: list[Gap], procedures: Procedures, saved: int | None = None,
                  rated: list[str] | None = None) -> MessageActivityInput:
    """The person's gaps (after ``saved`` ratings were saved, or with their ``rated`` record
    listed first), with the documents and walkthroughs that help."""
    lines: list[str] = []
    if saved is not None:
        lines.append(smsg.SAVED.format(count=saved))
    if rated:
        lines.append(msg.SKILLS_RATED + "\n\n" + "\n".join(f"- {r}" for r in rated))
    lines += gaps_lines(found)
    lines.append(msg.SKILLS_HELP)
    activity = plain("\n\n".join(lines))
    body = gap_actions(found, procedures)
    if body:
        activity.add_attachments(Attachment(content_type=CARD, content={
            "type": "AdaptiveCard", "version": CARD_VERSION, "body": body}))
    return activity


def rated_lines(framework: Framework, ratings: Mapping[str, tuple[int, int]]) -> list[str]:
    return [f"{escape(statement.text)}: now {escape(framework.label(ratings[sid][0]))}, "
            f"need {escape(framework.label(ratings[sid][1]))}"
            for sid, (_, statement) in framework.statements.items() if sid in ratings]


# -- handling ---------------------------------------------------------------------------------
class TeamsSkills:
    def __init__(self, guide: TeamsGuide) -> None:
        self.guide = guide
        self.settings = guide.settings
        self.records = SkillsRecords(guide.usage.engine, guide.usage.pseudonymise)

    def framework(self) -> Framework:
        return current_framework(self.settings.data_dir)

    def person(self, activity: dict[str, Any]) -> str:
        """Their pseudonym, made the way the usage log makes their user_hash."""
        user = self.guide.user_of(activity)
        if not user:
            raise ValueError("a skills check needs to know who is asking")
        return self.records.person("teams", user)

    async def on_command(self, activity: dict[str, Any], ref: ConversationReference,
                         sub: str, scope: str) -> None:
        if scope != "personal":  # the check is private: never in a channel or group chat
            await self.guide.send(ref, msg.SKILLS_ONLY_IN_CHAT)
            return
        if sub == "help":
            await self.guide.send(ref, msg.SKILLS_HELP)
            return
        reply = await self.guide.blocking(self.answer, self.person(activity), sub,
                                          self.guide.audiences_of(activity))
        await self.guide.send(ref, reply)

    def answer(self, person: str, sub: str, audiences: frozenset[str]
               ) -> MessageActivityInput | str:
        """What ``skills``, ``skills record`` or ``skills delete`` gets (blocking work)."""
        if sub == "delete":
            return smsg.DELETED if self.records.delete(person) else smsg.NOTHING_TO_DELETE
        held = self.records.get(person)
        framework = self.framework()
        if sub == "record":
            if held is None:
                return smsg.NO_RECORD
            return self.gaps_reply(framework, held.ratings, audiences,
                                   rated=rated_lines(framework, held.ratings))
        activity = plain(f"**{smsg.MODAL_TITLE}**")
        for card in check_cards(framework, held.ratings if held else {},
                                self.settings.skills_min_group):
            activity.add_attachments(Attachment(content_type=CARD, content=card))
        return activity

    def gaps_reply(self, framework: Framework, ratings: Mapping[str, tuple[int, int]],
                   audiences: frozenset[str], saved: int | None = None,
                   rated: list[str] | None = None) -> MessageActivityInput:
        """The gaps, with links only to the documents this person may read."""
        found = gaps(framework, ratings, document_finder(self.guide.assistant.kb, audiences))
        walks = self.guide.walkthroughs.walks
        procedures = {g.statement_id: [(p.id, p.name) for d in g.documents
                                       for p in walks.procedures(str(d["doc_id"]))]
                      for g in found}
        return gaps_activity(found, procedures, saved, rated)

    async def on_submit(self, activity: dict[str, Any], ref: ConversationReference,
                        data: dict[str, Any]) -> None:
        scope = scope_of(activity)
        if scope != "personal":
            await self.guide.send(ref, msg.SKILLS_ONLY_IN_CHAT)
            return
        await self.guide.send(ref, await self.guide.blocking(
            self.save, self.person(activity), data, self.guide.audiences_of(activity)))

    def save(self, person: str, data: Mapping[str, Any], audiences: frozenset[str]
             ) -> MessageActivityInput | str:
        """Ratings that fit the framework are saved; any that don't, and nothing is."""
        framework = self.framework()
        try:
            rated = parse_ratings(framework, data)
        except RatingError as exc:
            return msg.SKILLS_NOT_SAVED.format(problem=escape(str(exc)))
        self.records.save(person, [
            (r.statement_id, framework.statements[r.statement_id][0].id,
             framework.statements[r.statement_id][1].level, r.now, r.need) for r in rated])
        held = self.records.get(person)
        return self.gaps_reply(framework, held.ratings if held else {}, audiences,
                               saved=len(rated))
