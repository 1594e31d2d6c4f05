"""Walkthroughs in Teams: "walk me through resetting my MFA" in a 1:1 chat or an @mention
gives step 1, quoted verbatim with its citation entity, and Adaptive Card buttons Done /
Stuck; each press replaces the card's message with the next step (or the step's own guidance
and "Ask a person", which posts to the digital champions' Teams channel). Requests with no
procedure in the guidance get the usual answer instead.

The buttons' data carry the walkthrough's id, procedure, wording fingerprint and step, so
any replica can continue it: the procedure is rebuilt from the index, and a document changed
in the meantime is said so, never continued on different steps. They also carry a keyed tag
of who started it (``owner_tag``): in a channel everyone sees the card, and a press by
anyone else leaves it as it is (they are told privately). Rendering is pure (the
``*_activity`` functions); ``TeamsWalkthroughs`` is what ``TeamsGuide`` hands walk requests
and walk buttons to.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from microsoft_teams.api import (
    Account,
    Attachment,
    ConversationAccount,
    ConversationReference,
    MessageActivityInput,
)

from assistant import messages as amsg
from assistant.answer import Citation
from assistant.walkthrough import Walkthrough, Walkthroughs, is_walk_request
from channels.contacts import for_surface, route
from channels.teams import messages as msg
from channels.teams.activity import scope_of
from channels.teams.render import (
    ACTION_KEY,
    CARD,
    CARD_VERSION,
    appearance,
    by_number,
    escape,
    plain,
)
from usage.log import Asked

if TYPE_CHECKING:
    from channels.teams.app import TeamsGuide

log = logging.getLogger(__name__)
CHAMPIONS_TOPIC = "digital-champions"  # the GUIDE_ESCALATION_CONTACTS key for walkthroughs
DONE, STUCK, ASK_PERSON, START = "walk_done", "walk_stuck", "walk_ask_person", "walk_start"
ACTIONS = (DONE, STUCK, ASK_PERSON, START)
MAX_GUIDANCE = 5


# -- rendering (pure) -------------------------------------------------------------------------
def walk_data(kind: str, walk_id: str, walk: Walkthrough, step: int, owner: str = ""
              ) -> dict[str, Any]:
    """A button's data: enough for any replica to continue the walkthrough, and whose it is."""
    return {ACTION_KEY: kind, "w": walk_id, "p": walk.procedure_id, "f": walk.fingerprint,
            "s": step, "o": owner}


def start_data(procedure_id: str) -> dict[str, Any]:
    """A button that starts the walkthrough of one procedure (from the skills check's gaps)."""
    return {ACTION_KEY: START, "p": procedure_id}


def submit(title: str, data: dict[str, Any], style: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "Action.Submit", "title": title, "data": data}
    if style:
        item["style"] = style
    return item


def quote_line(c: Citation) -> str:
    """A verbatim quote and its citation marker (Teams pairs ``[n]`` with entity n)."""
    return f"“{escape(c.quote)}” [{c.number}]"


def header(walk: Walkthrough) -> str:
    return msg.WALK_HEADER.format(name=escape(walk.name), steps=len(walk.steps),
                                  title=escape(walk.title))


def cited(text: str, citations: list[Citation], actions: list[dict[str, Any]] | None = None
          ) -> MessageActivityInput:
    """``text`` with a citation entity for every number shown, and the buttons as a card."""
    activity = plain(text)
    for number, group in by_number(citations).items():
        activity.add_citation(number, appearance(group))
    if actions:
        activity.add_attachments(Attachment(content_type=CARD, content={
            "type": "AdaptiveCard", "version": CARD_VERSION, "body": [], "actions": actions}))
    return activity


def step_activity(walk: Walkthrough, walk_id: str, number: int, stuck: bool = False,
                  escalated_to: str | None = None, others: bool = False, owner: str = ""
                  ) -> MessageActivityInput:
    """The message showing step ``number`` with Done / Stuck; once stuck, with the step's own
    guidance (or the procedure's notes) and Done / Ask a person; once a person was asked,
    with Done only. ``others`` names the other procedures that fit (on step 1); ``owner``
    is the starter's tag, carried by every button."""
    step = walk.step(number)
    if step is None:
        raise ValueError(f"{walk.procedure_id} has no step {number}")
    steps = len(walk.steps)
    lines = [header(walk)]
    if number == 1 and walk.intro:
        lines.append("\n\n".join(quote_line(c) for c in walk.intro))
    if number > 1:
        lines.append(msg.WALK_PROGRESS.format(done=number - 1, steps=steps))
    lines.append(f"**{msg.WALK_STEP.format(n=number, steps=steps)}**\n\n"
                 + quote_line(step.citation))
    shown = [step.citation]
    actions = [submit(msg.WALK_DONE, walk_data(DONE, walk_id, walk, number, owner), "positive")]
    if stuck:
        help_ = (step.guidance or walk.notes)[:MAX_GUIDANCE]
        if help_:
            lines.append(amsg.WALK_STUCK + "\n\n" + "\n\n".join(quote_line(c) for c in help_))
            shown += help_
        else:
            lines.append(amsg.WALK_NO_GUIDANCE)
        if escalated_to:
            lines.append(msg.WALK_ESCALATED.format(contact=escape(escalated_to)))
        else:
            lines.append(escape(amsg.WALK_ASK_PERSON.format(
                contact=walk.contact[:1].upper() + walk.contact[1:])))
            actions.append(submit(msg.ASK_PERSON,
                                  walk_data(ASK_PERSON, walk_id, walk, number, owner)))
    else:
        actions.append(submit(msg.WALK_STUCK_BUTTON,
                              walk_data(STUCK, walk_id, walk, number, owner)))
    if others and walk.others:
        names = ", ".join(f"“{escape(o['name'])}”" for o in walk.others)
        lines.append(f"*{msg.WALK_OTHERS.format(names=names)}*")
    return cited("\n\n".join(lines), shown, actions)


def start_activity(walk: Walkthrough, walk_id: str, owner: str = "") -> MessageActivityInput:
    return step_activity(walk, walk_id, 1, others=True, owner=owner)


def finished_activity(walk: Walkthrough) -> MessageActivityInput:
    """The last step done: the procedure's closing notes, no buttons."""
    lines = [header(walk), "✅ " + escape(amsg.WALK_FINISHED.format(name=walk.name))]
    if walk.notes:
        lines.append("\n\n".join(quote_line(c) for c in walk.notes))
    return cited("\n\n".join(lines), walk.notes)


def escalation_notice(walk: Walkthrough, step: int, user: str) -> str:
    """What the digital champions read; ``user`` is the asker's mention markup."""
    current = walk.step(step)
    return msg.WALK_ESCALATION_NOTICE.format(
        user=user, n=step, steps=len(walk.steps), name=escape(walk.name),
        title=escape(walk.title), quote=escape(current.quote if current else ""))


# -- handling ---------------------------------------------------------------------------------
class TeamsWalkthroughs:
    def __init__(self, guide: TeamsGuide) -> None:
        self.guide = guide
        self.walks = Walkthroughs.of(guide.assistant)
        self.walks.usage = guide.usage

    @staticmethod
    def wants(question: str) -> bool:
        return is_walk_request(question)

    def asked(self, activity: dict[str, Any], channel_type: str) -> Asked:
        return Asked("teams", user=self.guide.user_of(activity), channel_type=channel_type)

    def owner_tag(self, walk_id: str, activity: dict[str, Any]) -> str:
        """Who this walkthrough is for: keyed, and different for every walkthrough, so the
        card (which everyone in a channel can read) does not carry a pseudonym of the log."""
        tag = self.guide.usage.pseudonymise("teams-walkthrough", walk_id,
                                            self.guide.user_of(activity))
        return tag or ""

    async def record(self, asked: Asked, walk: Walkthrough, walk_id: str, kind: str,
                     step: int) -> None:
        await self.guide.blocking(self.walks.record, asked, walk, walk_id, kind, step)

    async def start(self, activity: dict[str, Any], ref: ConversationReference, request: str,
                    scope: str) -> bool:
        """Step 1 of the walkthrough asked for; False (nothing sent) when the guidance has
        none, so the request is answered as a question."""
        walk = await self.guide.blocking(self.walks.find, request)
        if walk.status != "found":
            return False
        await self.begin(activity, ref, walk, scope)
        return True

    async def begin(self, activity: dict[str, Any], ref: ConversationReference,
                    walk: Walkthrough, scope: str) -> None:
        if scope != "personal":  # as with answers: restricted guidance stays out of channels
            restricted = self.guide.restricted_titles(walk.citations)
            if restricted:
                await self.guide.send(ref, msg.RESTRICTED.format(titles=", ".join(restricted)))
                return
        walk_id = uuid.uuid4().hex
        await self.record(self.asked(activity, scope), walk, walk_id, "started", 1)
        await self.guide.send(ref, start_activity(walk, walk_id,
                                                  self.owner_tag(walk_id, activity)))

    async def replace(self, activity: dict[str, Any], ref: ConversationReference,
                      view: MessageActivityInput) -> None:
        """Show ``view`` in place of the card that was pressed (a new message if Teams did
        not say which message that was, or the update failed)."""
        card = activity.get("replyToId")
        if card:
            view.id = card
            try:
                await self.guide.send(ref, view)
                return
            except Exception:
                log.warning("could not update a walkthrough card; sending a new message",
                            exc_info=True)
                view.id = None
        await self.guide.send(ref, view)

    async def on_action(self, activity: dict[str, Any], ref: ConversationReference,
                        kind: str, data: dict[str, Any]) -> None:
        scope = scope_of(activity)
        if kind == START:
            walk = await self.guide.blocking(self.walks.get, str(data.get("p", "")))
            if walk is None:
                await self.guide.send(ref, amsg.WALK_CHANGED)
                return
            await self.begin(activity, ref, walk, scope)
            return
        walk_id = str(data.get("w") or "")[:32]
        owner = self.owner_tag(walk_id, activity)
        if not walk_id or data.get("o") != owner:  # someone else's card (or no one's)
            await self.guide.tell_privately(activity, ref, msg.WALK_NOT_YOURS, note=None)
            return
        walk = await self.guide.blocking(self.walks.get, str(data.get("p", "")))
        try:
            step = int(data.get("s", 0))
        except (TypeError, ValueError):
            step = 0
        if walk is None or walk.fingerprint != data.get("f") or walk.step(step) is None:
            await self.guide.send(ref, amsg.WALK_CHANGED)
            return
        asked = self.asked(activity, "button")
        if kind == DONE:
            await self.record(asked, walk, walk_id, "done", step)
            await self.replace(activity, ref, finished_activity(walk) if step == len(walk.steps)
                               else step_activity(walk, walk_id, step + 1, owner=owner))
        elif kind == STUCK:
            await self.record(asked, walk, walk_id, "stuck", step)
            await self.replace(activity, ref, step_activity(walk, walk_id, step, stuck=True,
                                                            owner=owner))
        elif kind == ASK_PERSON:
            await self.record(asked, walk, walk_id, "escalated", step)
            await self.ask_person(activity, ref, walk, walk_id, step, owner)

    async def ask_person(self, activity: dict[str, Any], ref: ConversationReference,
                         walk: Walkthrough, walk_id: str, step: int, owner: str) -> None:
        """Post who is stuck where to the digital champions' channel (else the contact the
        document or ``default`` routes to); with nobody set up in Teams, say who to ask."""
        contacts = for_surface(self.guide.settings.escalation_contacts, "teams")
        routed = ((CHAMPIONS_TOPIC, contacts[CHAMPIONS_TOPIC]) if CHAMPIONS_TOPIC in contacts
                  else route(contacts, walk.name, [walk.doc_id]))
        if routed is None:  # the card stays as it is; the person is told whom to contact
            await self.guide.send(ref, msg.NO_CONTACT.format(contact=escape(walk.contact)))
            return
        topic, channel = routed
        sender = activity.get("from") or {}
        name = escape(sender.get("name") or "A member of staff")
        notice = plain(escalation_notice(walk, step, f"<at>{name}</at>"))
        if sender.get("id"):  # the champion can open a chat with them from the notice
            notice.add_mention(Account(id=sender["id"], name=name), add_text=False)
        target = ConversationReference(channel_id=ref.channel_id, service_url=ref.service_url,
                                       bot=ref.bot, conversation=ConversationAccount(
                                           id=channel, conversation_type="channel"))
        await self.guide.send(target, notice)
        await self.replace(activity, ref, step_activity(
            walk, walk_id, step, stuck=True, escalated_to=f"the {topic} contacts", owner=owner))
