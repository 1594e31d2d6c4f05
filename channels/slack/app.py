"""The Bolt app: where staff ask (mentions, DMs, the assistant pane, /guide), the answer's
buttons (feedback, ask a person, share), App Home and trainer uploads.

Slack needs an ack within 3 s: events are acked by Bolt before any work, commands and actions
ack first, and the work runs in Bolt's listener threads. Every event is claimed in the shared
usage database before it is answered, so a retry or a duplicate is answered once, whichever
replica receives it. Any failure ends in a friendly message, never silence.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from slack_bolt import App, Assistant
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web.chat_stream import ChatStream

from assistant.answer import Answer
from assistant.audiences import UNKNOWN, for_everyone, restricted_in_reach
from assistant.core import Assistant as GuideAssistant
from assistant.guard import check
from assistant.llm import streaming_to
from channels.contacts import for_surface
from channels.slack import messages as msg
from channels.slack.audiences import SlackAudiences
from channels.slack.escalation import destination, mention, route
from channels.slack.home import home_view
from channels.slack.render import answer_from_record, answer_messages, escape, reason_modal
from channels.slack.skills import SlackSkills
from channels.slack.uploads import TrainerUploads, reply_text
from channels.uploads import DocumentUploads
from config.audiences import STAFF, AudienceDirectory, from_tags, may_read
from config.settings import Settings
from knowledge.metadata_fields import audiences as chunk_audiences
from usage.log import Asked, UsageLog

log = logging.getLogger(__name__)
DM_CONTEXT = dt.timedelta(minutes=30)  # a DM outside a thread follows on from recent turns
RATE_LIMIT_RETRIES = 3
MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
LINK = re.compile(r"<(?:[^>|]+)\|([^>]+)>|<((?:https?|mailto):[^>]+)>")
# the model's words go to Slack about a line at a time: the answer visibly grows, yet a long
# answer is a few dozen chat.appendStream calls rather than one per token (rate limits)
STREAM_BUFFER_CHARS = 80


def web_client(settings: Settings) -> WebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    kwargs: dict[str, Any] = {"token": token}
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url.rstrip("/") + "/"
    return with_retries(WebClient(**kwargs))


def with_retries(client: WebClient) -> WebClient:
    """429s are retried after Slack's Retry-After."""
    if not any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return client


def question_text(text: str) -> str:
    """A Slack message as plain text: mentions dropped, links to their labels, unescaped."""
    text = MENTION.sub(" ", text or "")
    text = LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"\s+", " ", text).strip()


def event_keys(body: dict[str, Any]) -> list[str]:
    """What makes an event the same as another: its id, and the message it is about."""
    event = body.get("event") or {}
    keys = [f"event:{body['event_id']}"] if body.get("event_id") else []
    if event.get("channel") and event.get("ts"):
        keys.append(f"message:{event['channel']}:{event['ts']}")
    return keys


def say_all(say: Any, messages: list[dict[str, Any]]) -> None:
    """Each rendered message (text and blocks), in order, where ``say`` says it."""
    for message in messages:
        say(text=message["text"], blocks=message["blocks"])


class PaneStream:
    """The model's words streamed into the assistant pane as it writes them. Slack's stream
    is started with the first words, so an answer that streams nothing is sent as before."""

    def __init__(self, say_stream: Callable[..., ChatStream]) -> None:
        self.say_stream = say_stream
        self.stream: ChatStream | None = None
        self.shown = ""  # what was appended (escaped), sent or still in the stream's buffer
        self.failed = False

    @property
    def ts(self) -> str | None:
        """The streamed message, once Slack has it: from then on the user may see words."""
        return self.stream.ts if self.stream else None

    def append(self, piece: str) -> None:
        if self.failed:
            return
        text = escape(piece)
        try:
            if self.stream is None:
                self.stream = self.say_stream(buffer_size=STREAM_BUFFER_CHARS)
            self.stream.append(markdown_text=text)
            self.shown += text
        except Exception as exc:  # raised here, it would be taken for the model's failure
            log.warning("streaming the answer failed (%s); it will be sent whole", exc)
            self.failed = True

    def finish(self, tail: str, blocks: list[dict[str, Any]]) -> bool:
        """End the streamed text with ``tail`` and the answer's ``blocks``; False if Slack
        refused (the words shown are then still to be replaced)."""
        if self.stream is None or self.failed:
            return False
        try:
            self.stream.stop(markdown_text=tail, blocks=blocks)
            return True
        except SlackApiError as exc:
            log.warning("stopping the stream failed (%s)", exc.response.get("error"))
            return False

    def close(self) -> None:
        """Stop the stream, if Slack still lets us, before its message is replaced."""
        if self.stream is not None:
            with suppress(SlackClientError):
                self.stream.stop()


class SlackGuide:
    """The listeners, with what they need; registered on a Bolt app by ``register``."""

    def __init__(self, settings: Settings, assistant: GuideAssistant, usage: UsageLog) -> None:
        self.settings = settings
        self.assistant = assistant
        self.usage = usage
        documents = DocumentUploads(settings, assistant.kb, assistant.retriever.refresh)
        self.uploads = TrainerUploads(documents, settings.slack_trainers,
                                      settings.slack_trainer_group)
        self.contact = settings.default_contact
        self.audiences = SlackAudiences(AudienceDirectory(settings.audiences_path),
                                        settings.slack_audience_ttl_s)
        self.skills = SlackSkills(settings, assistant, usage, self.audiences.of)

    # -- plumbing ---------------------------------------------------------------------------
    def first_time(self, body: dict[str, Any]) -> bool:
        keys = event_keys(body)
        if not keys:
            return True
        try:
            return self.usage.claim(keys)
        except Exception:  # no shared store: answering twice beats not answering
            log.exception("could not de-duplicate a Slack event; answering it anyway")
            return True

    @contextmanager
    def failures_told(self, tell: Callable[[str], Any]) -> Iterator[None]:
        """Anything that goes wrong is logged and told to the user, never swallowed."""
        try:
            yield
        except Exception:
            log.exception("a Slack request failed")
            try:
                tell(msg.FAILED.format(contact=self.contact))
            except Exception:
                log.exception("could not tell the user that their request failed")

    @staticmethod
    def asked(team: str | None, user: str | None, channel_type: str,
              conversation: str | None) -> Asked:
        return Asked("slack", user=f"{team}:{user}" if user else None,
                     channel_type=channel_type, conversation=conversation)

    def history(self, asked: Asked, within: dt.timedelta | None = None) -> list[str]:
        return (self.usage.turns("slack", asked.conversation, within=within)
                if asked.conversation else [])

    def answer(self, question: str, asked: Asked, audiences: frozenset[str],
               within: dt.timedelta | None = None) -> Answer:
        """``audiences``: what everyone who will see the answer may read (the asker's own
        where only they see it; all staff in a channel)."""
        return self.assistant.ask(question, history=self.history(asked, within),
                                  audiences=audiences, asked=asked)

    def shareable(self, answer: Answer) -> bool:
        """Whether an answer may go where anyone can read it: every source is for all staff."""
        return for_everyone(self.cited_audiences(c.model_dump() for c in answer.citations))

    def cited_audiences(self, citations: Any) -> list[list[str]]:
        """Each citation's audiences: as logged with it, else as its chunk is indexed now."""
        out = []
        for c in citations:
            if c.get("audience"):
                out.append(from_tags(c["audience"]))
                continue
            stored = self.assistant.retriever.chunk(c.get("chunk_id") or "")
            out.append(chunk_audiences(stored.meta) if stored else [UNKNOWN])
        return out

    @staticmethod
    def post(client: WebClient, channel: str, thread_ts: str | None, answer: Answer,
             **render: Any) -> None:
        for message in answer_messages(answer, **render):
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=message["text"],
                                    blocks=message["blocks"], unfurl_links=False,
                                    unfurl_media=False)

    # -- where staff ask --------------------------------------------------------------------
    def on_mention(self, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if not self.first_time(body):
            return
        channel, user = event["channel"], event.get("user")
        thread_ts = event.get("thread_ts") or event["ts"]

        def tell(text: str) -> None:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text,
                                    unfurl_links=False)

        with self.failures_told(tell):
            question = question_text(event.get("text", ""))
            if not question:
                tell(msg.WELCOME)
                return
            asked = self.asked(body.get("team_id"), user, "channel", f"{channel}:{thread_ts}")
            # everyone in the channel reads the thread: only what all staff may see
            history = self.history(asked)
            answer = self.assistant.ask(question, history=history, audiences=STAFF, asked=asked)
            if answer.status == "blocked":  # privately: the channel never sees it echoed
                client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts,
                                          text=answer.text)
                return
            self.post(client, channel, thread_ts, answer)
            if answer.record_id:
                try:  # an extra, after the answer: its failure must not read as the answer's
                    self.offer_private_answer(client, channel, thread_ts, user, question,
                                              history, answer.record_id)
                except Exception:
                    log.exception("could not offer a private answer after a channel answer")

    def offer_private_answer(self, client: WebClient, channel: str, thread_ts: str,
                             user: str | None, question: str, history: list[str],
                             record_id: str) -> None:
        """Tell the asker, and only them, when guidance for their own audiences would help."""
        mine = self.audiences.of(client, user)
        titles = restricted_in_reach(self.assistant, question, history, mine)
        if not titles:
            return
        text = msg.PRIVATE_OFFER.format(titles=" and ".join(f"*{escape(t)}*" for t in titles))
        client.chat_postEphemeral(
            channel=channel, user=user, thread_ts=thread_ts, text=text,
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}},
                    {"type": "actions", "block_id": "guide_private_offer",
                     "elements": [{"type": "button", "action_id": "answer_privately",
                                   "value": f"{record_id} {channel}:{thread_ts}", "text": {
                                       "type": "plain_text", "text": msg.ANSWER_PRIVATELY}}]}])

    def on_direct_message(self, body: dict[str, Any], event: dict[str, Any],
                          client: WebClient, context: Any) -> None:
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return
        if event.get("subtype") not in (None, "file_share"):
            return  # edits, deletions, joins
        if not self.first_time(body):
            return
        channel, thread_ts = event["channel"], event.get("thread_ts")

        def tell(text: str) -> None:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)

        with self.failures_told(tell):
            if event.get("subtype") == "file_share":
                self.on_file_share(event, client, context, tell)
                return
            question = question_text(event.get("text", ""))
            if not question:
                return
            conversation = f"{channel}:{thread_ts or 'dm'}"
            user = event.get("user")
            answer = self.answer(question, self.asked(body.get("team_id"), user, "im",
                                                      conversation),
                                 self.audiences.of(client, user),
                                 within=None if thread_ts else DM_CONTEXT)
            self.post(client, channel, thread_ts, answer)

    def on_assistant_message(self, body: dict[str, Any], payload: dict[str, Any],
                             client: WebClient, context: Any, say: Any, set_status: Any,
                             say_stream: Any) -> None:
        """A message in the assistant pane: status while working, the answer streamed."""
        if not self.first_time(body):
            return
        with self.failures_told(lambda text: say(text=text)):
            if payload.get("subtype") == "file_share":
                self.on_file_share(payload, client, context, lambda text: say(text=text))
                return
            question = question_text(payload.get("text", ""))
            if not question:
                return
            with suppress(SlackApiError):  # a DM thread outside the assistant pane has none
                set_status(msg.STATUS_WORKING)
            conversation = f"{payload['channel']}:{payload.get('thread_ts')}"
            user = payload.get("user")
            pane = PaneStream(say_stream)
            with streaming_to(pane.append):  # LLM mode: the model's words as it writes them
                answer = self.answer(question, self.asked(body.get("team_id"), user,
                                                          "assistant", conversation),
                                     self.audiences.of(client, user))
            if pane.ts is None:  # nothing shown (embedded mode, blocked...): as without it
                self.say_answer(answer, say, None if pane.failed else say_stream)
                return
            text = escape(answer.text)
            if answer.mode == "llm" and answer.status == "answered" \
                    and text.startswith(pane.shown):
                # the checked answer is what streamed: add its markers, then its sources
                rest = answer_messages(answer, with_text=False)
                if pane.finish(text[len(pane.shown):], rest[0]["blocks"]):
                    say_all(say, rest[1:])
                    return
            self.replace_streamed(client, payload["channel"], pane, answer, say)

    @staticmethod
    def say_answer(answer: Answer, say: Any, say_stream: Any | None) -> None:
        """The whole answer in the assistant pane: streamed in one go where Slack allows."""
        if answer.status == "blocked":
            say(text=answer.text)
            return
        if say_stream is not None:
            try:
                stream = say_stream()
                stream.append(markdown_text=escape(answer.text))
                rest = answer_messages(answer, with_text=False)
                stream.stop(blocks=rest[0]["blocks"])
                say_all(say, rest[1:])
                return
            except SlackApiError as exc:  # streaming not available: plain messages
                log.warning("streaming the answer failed (%s); posting it instead",
                            exc.response.get("error"))
        say_all(say, answer_messages(answer))

    @staticmethod
    def replace_streamed(client: WebClient, channel: str, pane: PaneStream, answer: Answer,
                         say: Any) -> None:
        """The words streamed are not the answer (the extractive fallback, cannot answer, or
        Slack failed midway): their message becomes the answer, or the answer follows it,
        so no one is left with only the model's unchecked words."""
        pane.close()
        first, *rest = answer_messages(answer)
        try:
            client.chat_update(channel=channel, ts=pane.ts, text=first["text"],
                               blocks=first["blocks"])
        except SlackApiError as exc:
            log.warning("replacing the streamed words failed (%s); posting the answer",
                        exc.response.get("error"))
            rest = [first, *rest]
        say_all(say, rest)

    def on_thread_started(self, body: dict[str, Any], say: Any,
                          set_suggested_prompts: Any) -> None:
        if not self.first_time(body):
            return
        say(text=msg.WELCOME)
        set_suggested_prompts(prompts=[{"title": title, "message": text}
                                       for title, text in msg.SUGGESTED_PROMPTS])

    def on_command(self, ack: Any, command: dict[str, Any], respond: Any,
                   client: WebClient) -> None:
        if self.skills.wants(command):  # "/guide skills ...": the private skills check
            with self.failures_told(lambda text: respond(text=text, response_type="ephemeral")):
                self.skills.on_command(ack, command, client)
            return
        question = question_text(command.get("text", ""))
        if not question:
            ack(response_type="ephemeral", text=msg.EMPTY_QUESTION)
            return
        ack(response_type="ephemeral", text=msg.WORKING)
        with self.failures_told(lambda text: respond(text=text, response_type="ephemeral",
                                                     replace_original=True)):
            user = command.get("user_id")
            # an ephemeral reply: only the asker sees it, so their own audiences
            answer = self.answer(question, self.asked(command.get("team_id"), user, "command",
                                                      None), self.audiences.of(client, user))
            shareable = self.shareable(answer)
            for n, message in enumerate(answer_messages(answer, shareable=shareable)):
                respond(text=message["text"], blocks=message["blocks"],
                        response_type="ephemeral", replace_original=n == 0)

    # -- the answer's buttons ---------------------------------------------------------------
    @staticmethod
    def action_value(body: dict[str, Any]) -> str:
        return body["actions"][0]["value"]

    @staticmethod
    def slack_user(body: dict[str, Any]) -> str:
        user = body.get("user") or {}
        team = (body.get("team") or {}).get("id") or user.get("team_id")
        return f"{team}:{user.get('id')}"

    def on_helpful(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        with self.failures_told(lambda text: respond(text=text, replace_original=False)):
            self.usage.add_feedback(self.action_value(body), "slack", self.slack_user(body),
                                    helpful=True)
            respond(text=msg.THANKS_HELPFUL, response_type="ephemeral", replace_original=False)

    def on_unhelpful(self, ack: Any, body: dict[str, Any], client: WebClient,
                     respond: Any) -> None:
        ack()
        with self.failures_told(lambda text: respond(text=text, replace_original=False)):
            record_id = self.action_value(body)
            self.usage.add_feedback(record_id, "slack", self.slack_user(body), helpful=False)
            client.views_open(trigger_id=body["trigger_id"], view=reason_modal(record_id))

    def on_reason(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        value = (((view.get("state") or {}).get("values") or {}).get("reason") or {}) \
            .get("text", {}).get("value")
        if value and value.strip():
            # the reason is free text: it is kept only as guarded
            self.usage.add_reason(view["private_metadata"], "slack", self.slack_user(body),
                                  check(value.strip()).redacted)

    def on_ask_person(self, ack: Any, body: dict[str, Any], client: WebClient,
                      respond: Any) -> None:
        ack()
        with self.failures_told(lambda text: respond(text=text, replace_original=False)):
            record_id = self.action_value(body)
            record = self.usage.get(record_id)
            if record is None:
                respond(text=msg.NO_CONTACT.format(contact=self.contact), replace_original=False)
                return
            contacts = for_surface(self.settings.escalation_contacts, "slack")
            routed = route(contacts, record.question, [c.get("doc_id") for c in
                                                       record.citations])
            user = (body.get("user") or {}).get("id", "")
            if routed is None:
                self.usage.add_escalation(record_id, "slack", self.slack_user(body), "default",
                                          self.contact)
                respond(text=msg.NO_CONTACT.format(contact=self.contact),
                        response_type="ephemeral", replace_original=False)
                return
            topic, contact = routed
            channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}) \
                .get("channel_id", "")
            where = self.permalink(client, body, channel)
            notice = msg.ESCALATION_NOTICE.format(
                user=user, where=f" (<{where}|see the conversation>)" if where else "",
                question=escape(record.question or "(the question was not kept)"),
                status=record.status.replace("_", " "))
            if contact.startswith("S"):
                notice = f"{mention(contact)} {notice}"
            client.chat_postMessage(channel=destination(contact, contacts, channel), text=notice,
                                    unfurl_links=False)
            self.usage.add_escalation(record_id, "slack", self.slack_user(body), topic, contact)
            respond(text=msg.ESCALATED_TO.format(contact=mention(contact)),
                    response_type="ephemeral", replace_original=False)

    @staticmethod
    def permalink(client: WebClient, body: dict[str, Any], channel: str) -> str | None:
        container = body.get("container") or {}
        ts = container.get("message_ts")
        if not ts or container.get("is_ephemeral") or not channel:
            return None
        try:
            return client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except SlackApiError:
            return None

    def on_share(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        with self.failures_told(lambda text: respond(text=text, replace_original=False)):
            record = self.usage.get(self.action_value(body))
            if record is None or record.status != "answered":
                respond(text=msg.FAILED.format(contact=self.contact), replace_original=False)
                return
            if not for_everyone(self.cited_audiences(record.citations)):
                respond(text=msg.NOT_SHAREABLE, response_type="ephemeral",
                        replace_original=False)
                return
            note = msg.SHARED_BY.format(user=(body.get("user") or {}).get("id", ""))
            for n, message in enumerate(answer_messages(answer_from_record(record), note=note)):
                respond(text=message["text"], blocks=message["blocks"],
                        response_type="in_channel", delete_original=n == 0,
                        replace_original=False)

    def on_answer_privately(self, ack: Any, body: dict[str, Any], client: WebClient,
                            respond: Any) -> None:
        """The asker took the offer: the question again, from their own audiences, shown to
        them alone."""
        ack()
        with self.failures_told(lambda text: respond(text=text, response_type="ephemeral",
                                                     replace_original=False)):
            record_id, _, thread = self.action_value(body).partition(" ")
            record = self.usage.get(record_id)
            if record is None or not record.question:
                respond(text=msg.FAILED.format(contact=self.contact),
                        response_type="ephemeral", replace_original=False)
                return
            user = (body.get("user") or {}).get("id")
            team = (body.get("team") or {}).get("id")
            # the thread's turns before this question, so a follow-up reads as it was meant
            earlier = self.usage.turns("slack", thread) if thread else []
            if earlier and earlier[-1] == record.question:
                earlier = earlier[:-1]
            answer = self.assistant.ask(record.question, history=earlier,
                                        audiences=self.audiences.of(client, user),
                                        asked=self.asked(team, user, "ephemeral", None))
            for message in answer_messages(answer):
                respond(text=message["text"], blocks=message["blocks"],
                        response_type="ephemeral", replace_original=False)

    # -- App Home and trainer uploads -------------------------------------------------------
    def on_home_opened(self, event: dict[str, Any], client: WebClient, context: Any) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        mine = self.audiences.of(client, user)
        entries = [e for e in self.assistant.kb.catalog.current()
                   if may_read(e.policy.get("audience"), mine)]
        headline = self.usage.headline() if user in self.settings.slack_managers else None
        client.views_publish(user_id=user, view=home_view(
            context.get("bot_user_id") or "Guide", sorted(e.title for e in entries), headline))

    def on_file_share(self, event: dict[str, Any], client: WebClient, context: Any,
                      tell: Callable[[str], Any]) -> None:
        user = event.get("user", "")
        if not self.uploads.is_trainer(client, user):
            tell(msg.NOT_A_TRAINER)
            return
        token = context.get("bot_token") or client.token
        for file in event.get("files") or []:
            tell(msg.INGESTING.format(name=escape(file.get("name") or "the file")))
            outcome = self.uploads.add(client, token, file["id"])
            self.usage.audit(self.usage.user_hash("slack", f"{event.get('team')}:{user}") or "",
                             "upload", file.get("name") or file["id"],
                             {"surface": "slack", "ok": outcome.ok, "summary": outcome.summary})
            tell(reply_text(outcome))

    # -- wiring -----------------------------------------------------------------------------
    def register(self, app: App) -> None:
        from channels.slack.walkthrough import register_walkthroughs  # it builds on this module

        pane = Assistant()
        register_walkthroughs(app, pane, self)  # first: its listeners take walk requests
        pane.thread_started(self.on_thread_started)
        pane.user_message(self.on_assistant_message)
        app.use(pane)
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_direct_message)
        app.event("app_home_opened")(self.on_home_opened)
        app.command("/guide")(self.on_command)
        app.action("feedback_helpful")(self.on_helpful)
        app.action("feedback_unhelpful")(self.on_unhelpful)
        app.action("ask_person")(self.on_ask_person)
        app.action("share_answer")(self.on_share)
        app.action("answer_privately")(self.on_answer_privately)
        app.view("feedback_reason")(self.on_reason)
        self.skills.register(app)

        @app.error
        def on_error(error: Exception) -> None:
            log.error("unhandled Slack error: %s", type(error).__name__)


def build_slack_app(settings: Settings, assistant: GuideAssistant, usage: UsageLog,
                    client: WebClient | None = None, process_before_response: bool = False,
                    ) -> App:
    """The Bolt app; in HTTP mode Slack's requests are verified with the signing secret.
    ``process_before_response`` (answer, then ack) exists for the benchmark's baseline."""
    client = with_retries(client) if client is not None else web_client(settings)
    secret = settings.slack_signing_secret.get_secret_value() \
        if settings.slack_signing_secret else None
    app = App(client=client, signing_secret=secret or "",
              request_verification_enabled=bool(secret),
              process_before_response=process_before_response,
              logger=logging.getLogger("guide.slack.bolt"))
    SlackGuide(settings, assistant, usage).register(app)
    return app
