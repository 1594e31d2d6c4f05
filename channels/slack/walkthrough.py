"""Walkthroughs in Slack: "walk me through resetting my MFA" in a mention, a DM, the assistant
pane or ``/guide walk ...`` gives step 1 with its citation and Done / Stuck buttons; each press
replaces the message with the next step (or the step's own guidance and "Ask a person", which
notifies the digital champions). Requests with no procedure in the guidance get the usual
answer instead.

The buttons carry the walkthrough's id, procedure, wording fingerprint and step, so any
replica can continue it: the procedure is rebuilt from the index, and a document changed
in the meantime is said so, never continued on different steps. Rendering is pure (``*_view``
functions); ``register_walkthroughs`` puts the listeners ahead of the answer's own.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from slack_bolt import App, Assistant
from slack_sdk import WebClient

from assistant import messages as amsg
from assistant.answer import Citation
from assistant.walkthrough import Walkthrough, Walkthroughs, is_walk_request
from channels.slack import messages as msg
from channels.slack.app import SlackGuide, question_text
from channels.slack.escalation import destination, mention, route
from channels.slack.render import button, context, escape, sections
from config.audiences import STAFF
from usage.log import Asked

log = logging.getLogger(__name__)
CHAMPIONS_TOPIC = "digital-champions"  # the GUIDE_ESCALATION_CONTACTS key for walkthroughs
ACTIONS = ("walk_done", "walk_stuck", "walk_ask_person")
MAX_GUIDANCE = 5
Block = dict[str, Any]


# -- rendering (pure) -------------------------------------------------------------------------
def state_value(walk_id: str, walk: Walkthrough, step: int, owner: str = "") -> str:
    """A button's value: the walkthrough, its step and a keyed tag of who started it."""
    return json.dumps({"w": walk_id, "p": walk.procedure_id, "f": walk.fingerprint, "s": step,
                       "o": owner}, separators=(",", ":"))


def quote_line(c: Citation) -> str:
    return ">" + escape(c.quote).replace("\n", "\n>") + f" [{c.number}]"


def source_context(citations: list[Citation]) -> list[Block]:
    """One context line per distinct source of ``citations``."""
    blocks: list[Block] = []
    seen: set[int] = set()
    for c in citations:
        if c.number in seen:
            continue
        seen.add(c.number)
        where = [f"version {escape(c.version)}" if c.version else "",
                 f"page {c.page}" if c.page else "",
                 escape(c.heading_path) if c.heading_path else ""]
        blocks.append(context(f"[{c.number}] {escape(c.title)}  ·  "
                              + "  ·  ".join(w for w in where if w)))
        if c.warning:
            blocks.append(context(":warning: " + escape(c.warning)))
    return blocks


def header(walk: Walkthrough) -> Block:
    return sections(msg.WALK_HEADER.format(name=escape(walk.name), steps=len(walk.steps),
                                           title=escape(walk.title)))[0]


def step_view(walk: Walkthrough, walk_id: str, number: int, stuck: bool = False,
              escalated_to: str | None = None, owner: str = "") -> dict[str, Any]:
    """The message showing step ``number``: with Done / Stuck; once stuck, with the step's
    own guidance (or the procedure's notes) and Done / Ask a person."""
    step = walk.step(number)
    assert step is not None
    blocks: list[Block] = [header(walk)]
    if number == 1 and walk.intro:
        blocks.extend(sections("\n".join(quote_line(c) for c in walk.intro)))
    if number > 1:
        blocks.append(context(msg.WALK_PROGRESS.format(done=number - 1, steps=len(walk.steps))))
    blocks.extend(sections(f"*{msg.WALK_STEP.format(n=number, steps=len(walk.steps))}*\n"
                           + quote_line(step.citation)))
    shown = [step.citation]
    value = state_value(walk_id, walk, number, owner)
    buttons = [button(msg.WALK_DONE, "walk_done", value, style="primary")]
    if stuck:
        help_ = (step.guidance or walk.notes)[:MAX_GUIDANCE]
        if help_:
            blocks.extend(sections(amsg.WALK_STUCK + "\n" + "\n".join(quote_line(c)
                                                                       for c in help_)))
            shown += help_
        else:
            blocks.extend(sections(amsg.WALK_NO_GUIDANCE))
        if escalated_to:
            blocks.append(context(msg.WALK_ESCALATED.format(contact=escalated_to)))
        else:
            blocks.append(context(escape(amsg.WALK_ASK_PERSON.format(
                contact=walk.contact[:1].upper() + walk.contact[1:]))))
            buttons.append(button(msg.ASK_PERSON, "walk_ask_person", value))
    else:
        buttons.append(button(msg.WALK_STUCK_BUTTON, "walk_stuck", value))
    blocks.append({"type": "divider"})
    blocks.extend(source_context(shown))
    blocks.append({"type": "actions", "block_id": "guide_walk_actions", "elements": buttons})
    text = msg.WALK_STEP.format(n=number, steps=len(walk.steps)) + ": " + step.quote
    return {"text": escape(text)[:3000], "blocks": blocks}


def finished_view(walk: Walkthrough) -> dict[str, Any]:
    blocks: list[Block] = [header(walk)]
    blocks.extend(sections(":white_check_mark: " + escape(amsg.WALK_FINISHED.format(
        name=walk.name))))
    if walk.notes:
        blocks.extend(sections("\n".join(quote_line(c) for c in walk.notes)))
        blocks.append({"type": "divider"})
        blocks.extend(source_context(walk.notes))
    return {"text": escape(amsg.WALK_FINISHED.format(name=walk.name)), "blocks": blocks}


def others_context(walk: Walkthrough) -> list[Block]:
    if not walk.others:
        return []
    names = ", ".join(f"“{escape(o['name'])}”" for o in walk.others)
    return [context(msg.WALK_OTHERS.format(names=names))]


def start_view(walk: Walkthrough, walk_id: str, owner: str = "") -> dict[str, Any]:
    view = step_view(walk, walk_id, 1, owner=owner)
    view["blocks"][-1:-1] = others_context(walk)
    return view


# -- listeners --------------------------------------------------------------------------------
class SlackWalkthroughs:
    def __init__(self, guide: SlackGuide) -> None:
        self.guide = guide
        self.walks = Walkthroughs.of(guide.assistant)
        self.walks.usage = guide.usage

    # matchers: only walk requests reach these listeners; everything else is answered as usual
    @staticmethod
    def _asks_walk(text: str | None) -> bool:
        return is_walk_request(question_text(text or ""))

    def matches_event(self, event: dict[str, Any]) -> bool:
        return self._asks_walk(event.get("text"))

    def matches_message(self, event: dict[str, Any]) -> bool:
        return (event.get("channel_type") == "im" and not event.get("bot_id")
                and event.get("subtype") is None and self._asks_walk(event.get("text")))

    def matches_command(self, command: dict[str, Any]) -> bool:
        text = (command.get("text") or "").strip()
        return text.lower().startswith("walk ") or self._asks_walk(text)

    def find(self, text: str, audiences: frozenset[str] = STAFF) -> Walkthrough:
        """The walkthrough asked for, among the procedures ``audiences`` may read (in a
        channel, where others read along, all staff's only)."""
        request = question_text(text or "")
        if request.lower().startswith("walk "):  # /guide walk resetting my MFA
            request = request[5:]
        return self.walks.find(request, audiences)

    def readers(self, client: WebClient, user: str | None) -> frozenset[str]:
        return self.guide.audiences.of(client, user) if user else STAFF

    def owner_tag(self, walk_id: str, user: str | None) -> str:
        """Who a walkthrough is for (``user``: their Slack user id): keyed, and different for
        every walkthrough, so buttons others can see carry no pseudonym of the usage log."""
        return self.guide.usage.pseudonymise("slack-walkthrough", walk_id, user) or ""

    def start(self, walk: Walkthrough, asked: Asked) -> dict[str, Any]:
        walk_id = uuid.uuid4().hex
        self.walks.record(asked, walk, walk_id, "started", 1)
        user = asked.user.rsplit(":", 1)[-1] if asked.user else None  # "TEAM:USER"
        return start_view(walk, walk_id, self.owner_tag(walk_id, user))

    def on_mention(self, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        walk = self.find(event.get("text", ""))
        if walk.status != "found":
            self.guide.on_mention(body, event, client)  # the usual answer, or its refusal
            return
        if not self.guide.first_time(body):
            return
        channel, thread_ts = event["channel"], event.get("thread_ts") or event["ts"]
        with self.guide.failures_told(lambda text: client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=text)):
            view = self.start(walk, self.guide.asked(body.get("team_id"), event.get("user"),
                                                     "channel", None))
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, unfurl_links=False,
                                    unfurl_media=False, **view)

    def on_direct_message(self, body: dict[str, Any], event: dict[str, Any],
                          client: WebClient, context: Any) -> None:
        walk = self.find(event.get("text", ""), self.readers(client, event.get("user")))
        if walk.status != "found":
            self.guide.on_direct_message(body, event, client, context)
            return
        if not self.guide.first_time(body):
            return
        channel, thread_ts = event["channel"], event.get("thread_ts")
        with self.guide.failures_told(lambda text: client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=text)):
            view = self.start(walk, self.guide.asked(body.get("team_id"), event.get("user"),
                                                     "im", None))
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, unfurl_links=False,
                                    unfurl_media=False, **view)

    def on_assistant_message(self, body: dict[str, Any], payload: dict[str, Any],
                             client: WebClient, context: Any, say: Any, set_status: Any,
                             say_stream: Any) -> None:
        walk = self.find(payload.get("text", ""), self.readers(client, payload.get("user")))
        if walk.status != "found":
            self.guide.on_assistant_message(body, payload, client, context, say, set_status,
                                            say_stream)
            return
        if not self.guide.first_time(body):
            return
        with self.guide.failures_told(lambda text: say(text=text)):
            say(**self.start(walk, self.guide.asked(body.get("team_id"), payload.get("user"),
                                                    "assistant", None)))

    def on_command(self, ack: Any, command: dict[str, Any], respond: Any,
                   client: WebClient) -> None:
        walk = self.find(command.get("text", ""), self.readers(client, command.get("user_id")))
        if walk.status != "found":
            if walk.status == "blocked" or not is_walk_request(command.get("text", "")):
                ack(response_type="ephemeral", text=escape(walk.text))
                return
            self.guide.on_command(ack, command, respond)
            return
        ack(response_type="ephemeral", **self.start(walk, self.guide.asked(
            command.get("team_id"), command.get("user_id"), "command", None)))

    # -- the buttons ----------------------------------------------------------------------
    def pressed(self, body: dict[str, Any], respond: Any, client: WebClient
                ) -> tuple[Walkthrough, str, int, Asked, str] | None:
        """The walkthrough a button belongs to, as the index has it now, and its owner tag;
        None (and the presser told) when its document changed or went, or when someone other
        than whoever started it pressed it: their press moves nothing and records nothing."""
        state = json.loads(body["actions"][0]["value"])
        user = self.guide.slack_user(body)
        owner = str(state.get("o") or "")
        if not owner or owner != self.owner_tag(str(state.get("w", "")),
                                                (body.get("user") or {}).get("id")):
            respond(text=msg.WALK_NOT_YOURS, response_type="ephemeral", replace_original=False)
            return None
        walk = self.walks.get(str(state.get("p", "")),
                              self.readers(client, (body.get("user") or {}).get("id")))
        step = int(state.get("s", 0))
        if walk is None or walk.fingerprint != state.get("f") or walk.step(step) is None:
            respond(text=amsg.WALK_CHANGED, response_type="ephemeral", replace_original=False)
            return None
        return (walk, str(state["w"]), step, Asked("slack", user=user, channel_type="button"),
                owner)

    def on_done(self, ack: Any, body: dict[str, Any], respond: Any, client: WebClient) -> None:
        ack()
        with self.guide.failures_told(lambda text: respond(text=text, replace_original=False)):
            pressed = self.pressed(body, respond, client)
            if pressed is None:
                return
            walk, walk_id, step, asked, owner = pressed
            self.walks.record(asked, walk, walk_id, "done", step)
            view = (finished_view(walk) if step == len(walk.steps)
                    else step_view(walk, walk_id, step + 1, owner=owner))
            respond(replace_original=True, **view)

    def on_stuck(self, ack: Any, body: dict[str, Any], respond: Any, client: WebClient) -> None:
        ack()
        with self.guide.failures_told(lambda text: respond(text=text, replace_original=False)):
            pressed = self.pressed(body, respond, client)
            if pressed is None:
                return
            walk, walk_id, step, asked, owner = pressed
            self.walks.record(asked, walk, walk_id, "stuck", step)
            respond(replace_original=True, **step_view(walk, walk_id, step, stuck=True,
                                                       owner=owner))

    def on_ask_person(self, ack: Any, body: dict[str, Any], client: WebClient,
                      respond: Any) -> None:
        ack()
        with self.guide.failures_told(lambda text: respond(text=text, replace_original=False)):
            pressed = self.pressed(body, respond, client)
            if pressed is None:
                return
            walk, walk_id, step, asked, owner = pressed
            self.walks.record(asked, walk, walk_id, "escalated", step)
            contacts = self.guide.settings.escalation_contacts
            routed = ((CHAMPIONS_TOPIC, contacts[CHAMPIONS_TOPIC])
                      if CHAMPIONS_TOPIC in contacts else route(contacts, walk.name,
                                                                [walk.doc_id]))
            if routed is None:  # nobody set up in Slack: say who to ask
                respond(replace_original=True, **step_view(
                    walk, walk_id, step, stuck=True, escalated_to=escape(walk.contact),
                    owner=owner))
                respond(text=msg.NO_CONTACT.format(contact=escape(walk.contact)),
                        response_type="ephemeral", replace_original=False)
                return
            contact = routed[1]
            channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}) \
                .get("channel_id", "")
            where = self.guide.permalink(client, body, channel)
            current = walk.step(step)
            notice = msg.WALK_ESCALATION_NOTICE.format(
                user=(body.get("user") or {}).get("id", ""), n=step, steps=len(walk.steps),
                name=escape(walk.name), title=escape(walk.title),
                where=f" (<{where}|see the conversation>)" if where else "",
                quote=escape(current.quote if current else ""))
            if contact.startswith("S"):
                notice = f"{mention(contact)} {notice}"
            client.chat_postMessage(channel=destination(contact, contacts, channel), text=notice,
                                    unfurl_links=False)
            respond(replace_original=True, **step_view(walk, walk_id, step, stuck=True,
                                                       escalated_to=mention(contact),
                                                       owner=owner))


def register_walkthroughs(app: App, pane: Assistant, guide: SlackGuide) -> SlackWalkthroughs:
    """Register the walkthrough listeners ahead of the answer's (call before those): Bolt
    runs the first listener that matches, so walk requests come here and nothing else does."""
    walks = SlackWalkthroughs(guide)
    pane.user_message(walks.on_assistant_message,
                      matchers=[lambda payload: walks.matches_event(payload)])
    app.event("app_mention", matchers=[lambda event: walks.matches_event(event)])(
        walks.on_mention)
    app.event("message", matchers=[lambda event: walks.matches_message(event)])(
        walks.on_direct_message)
    app.command("/guide", matchers=[lambda command: walks.matches_command(command)])(
        walks.on_command)
    app.action("walk_done")(walks.on_done)
    app.action("walk_stuck")(walks.on_stuck)
    app.action("walk_ask_person")(walks.on_ask_person)
    return walks
