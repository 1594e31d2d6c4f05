"""Guide in Microsoft Teams: 1:1 chats (answers streamed), group chats and channels when
@mentioned (answers in the thread), the answer card's buttons, and trainer uploads; walk
requests go to ``channels.teams.walkthrough`` and the skills check (1:1 only) to
``channels.teams.skills``.

The Teams SDK (``microsoft-teams-apps``) parses activities, routes them and talks to the Bot
Connector; this module decides what Guide does. Teams gives a bot 15 s to reply to a request:
a handler only schedules the work and returns, so the HTTP reply is immediate and the answer
follows through the connector. Every activity is claimed in the shared usage database first,
so a redelivered activity is answered once whichever replica receives it. Any failure ends
in a friendly message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from microsoft_teams.api import (
    Account,
    ConversationAccount,
    ConversationReference,
    CreateConversationParams,
    MessageActivityInput,
    TypingActivityInput,
)
from microsoft_teams.apps import App, HttpStream
from microsoft_teams.apps.activity_send import send_or_update_activity
from microsoft_teams.common import Client, ClientOptions

from assistant.answer import Answer, Citation
from assistant.audiences import restricted_in_reach
from assistant.core import Assistant
from assistant.guard import check
from assistant.llm import streaming_to_loop
from channels.contacts import for_surface, route
from channels.teams import messages as msg
from channels.teams.activity import question_text, scope_of, tenant_of
from channels.teams.auth import AppTokens
from channels.teams.downloads import download_guard
from channels.teams.render import ACTION_KEY, answer_activity, escape, plain, submitted
from channels.teams.retries import ConnectorRetries
from channels.teams.skills import SAVE, TeamsSkills, skills_command
from channels.teams.walkthrough import ACTIONS as WALK_ACTIONS
from channels.teams.walkthrough import TeamsWalkthroughs
from channels.uploads import DocumentUploads, Outcome, safe_name
from config.audiences import STAFF, AudienceDirectory
from config.errors import IngestError
from config.settings import Settings
from knowledge.metadata_fields import ALL_STAFF
from usage.log import Asked, UsageLog

log = logging.getLogger(__name__)
SURFACE = "teams"
CHAT_CONTEXT = dt.timedelta(minutes=30)  # a 1:1 or group chat follows on from recent turns
FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"
DOWNLOAD_TIMEOUT_S = 60
MAX_REDIRECTS = 5
WORKERS = 4  # answers computed at once; more would only share the same two or four cores


class TeamsGuide:
    """The handlers, with what they need; registered on an SDK ``App`` by ``register``."""

    def __init__(self, settings: Settings, assistant: Assistant, usage: UsageLog,
                 app: App, tokens: Any, answer_before_reply: bool = False) -> None:
        self.settings = settings
        self.assistant = assistant
        self.usage = usage
        self.app = app
        self.tokens = tokens
        self.uploads = DocumentUploads(settings, assistant.kb, assistant.retriever.refresh)
        self.directory = AudienceDirectory(settings.audiences_path)
        self.contact = settings.default_contact
        self._tasks: set[asyncio.Task[None]] = set()
        self.workers = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="guide-teams")
        self.answer_before_reply = answer_before_reply  # the benchmark's naive baseline
        self.walkthroughs = TeamsWalkthroughs(self)
        self.skills = TeamsSkills(self)

    # -- plumbing ---------------------------------------------------------------------------
    async def blocking(self, fn: Any, *args: Any) -> Any:
        """Run slow work (answering, the database, indexing) in Guide's own threads, so the
        event loop's default pool stays free to check tokens and reply to Teams at once."""
        return await asyncio.get_running_loop().run_in_executor(self.workers, fn, *args)

    def spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def first_time(self, activity: dict[str, Any]) -> bool:
        conversation = (activity.get("conversation") or {}).get("id", "")
        if not activity.get("id"):
            return True
        try:
            return await self.blocking(
                self.usage.claim, [f"teams:{conversation.split(';')[0]}:{activity['id']}"])
        except Exception:  # no shared store: answering twice beats not answering
            log.exception("could not de-duplicate a Teams activity; answering it anyway")
            return True

    async def send(self, ref: ConversationReference, activity: MessageActivityInput | str
                   ) -> None:
        await send_or_update_activity(self.app.api, plain(activity) if isinstance(activity, str)
                                      else activity, ref)

    @staticmethod
    def user_of(activity: dict[str, Any]) -> str | None:
        """Who asked: tenant and Entra object id (the Teams id where there is none)."""
        sender = activity.get("from") or {}
        who = sender.get("aadObjectId") or sender.get("id")
        return f"{tenant_of(activity)}:{who}" if who else None

    @staticmethod
    def mentioned(activity: dict[str, Any]) -> bool:
        """Whether the message @mentions Guide (Teams sends channel messages to a bot only
        when it is mentioned, unless the app was granted more)."""
        bot = (activity.get("recipient") or {}).get("id")
        return any(e.get("type") == "mention" and (e.get("mentioned") or {}).get("id") == bot
                   for e in activity.get("entities") or [])

    # -- where staff ask --------------------------------------------------------------------
    async def on_message(self, activity: dict[str, Any], ref: ConversationReference) -> None:
        if not await self.first_time(activity):
            return
        try:
            await self.handle(activity, ref)
        except Exception:
            log.exception("a Teams activity failed")
            try:
                await self.send(ref, msg.FAILED.format(contact=self.contact))
            except Exception:
                log.exception("could not tell the user that their request failed")

    async def handle(self, activity: dict[str, Any], ref: ConversationReference) -> None:
        scope = scope_of(activity)
        value = activity.get("value")
        kind = value.get(ACTION_KEY) if isinstance(value, dict) else None
        if kind in WALK_ACTIONS:
            await self.walkthroughs.on_action(activity, ref, kind, value)
            return
        if kind == SAVE:
            await self.skills.on_submit(activity, ref, value)
            return
        action = submitted(value)
        if action is not None:
            await self.on_card_action(activity, ref, *action)
            return
        if scope != "personal" and not self.mentioned(activity):
            return  # channels and group chats: only what is addressed to Guide
        files = [a for a in activity.get("attachments") or []
                 if a.get("contentType") == FILE_DOWNLOAD]
        if files:
            if scope != "personal":
                await self.send(ref, msg.FILES_ONLY_IN_CHAT)
            else:
                await self.on_files(activity, ref, files)
            return
        question = question_text(activity.get("text"))
        if not question:
            if scope == "personal":
                await self.send(ref, msg.WELCOME)
            return
        sub = skills_command(question)
        if sub is not None:
            await self.skills.on_command(activity, ref, sub, scope)
            return
        if self.walkthroughs.wants(question) and \
                await self.walkthroughs.start(activity, ref, question, scope):
            return
        if scope == "personal":
            await self.answer_in_chat(activity, ref, question)
        else:
            await self.answer_in_thread(activity, ref, question, scope)

    def audiences_of(self, activity: dict[str, Any]) -> frozenset[str]:
        """What the asker may read: the audiences listing their Entra object id."""
        return self.directory.for_person(SURFACE, (activity.get("from") or {}).get("aadObjectId"))

    def history_of(self, activity: dict[str, Any], scope: str) -> list[str]:
        conversation = (activity.get("conversation") or {}).get("id", "")
        within = None if scope == "channel" else CHAT_CONTEXT  # a channel thread is one topic
        return self.usage.turns(SURFACE, conversation, within=within)

    def ask(self, question: str, activity: dict[str, Any], scope: str) -> Answer:
        """In a 1:1 chat, from what the asker may read; where others read along, from what
        every member may read (all staff)."""
        conversation = (activity.get("conversation") or {}).get("id", "")
        audiences = self.audiences_of(activity) if scope == "personal" else STAFF
        asked = Asked(SURFACE, user=self.user_of(activity), channel_type=scope,
                      conversation=conversation)
        return self.assistant.ask(question, history=self.history_of(activity, scope),
                                  audiences=audiences, asked=asked)

    def restricted_for_asker(self, question: str, activity: dict[str, Any], scope: str
                             ) -> list[str]:
        """Restricted documents the asker may read that would help with this question."""
        return restricted_in_reach(self.assistant, question, self.history_of(activity, scope),
                                   self.audiences_of(activity))

    async def answer_in_chat(self, activity: dict[str, Any], ref: ConversationReference,
                             question: str) -> None:
        """1:1: an informative update while Guide works, the model's words as it writes them
        (LLM mode), then the answer as the stream's end, in their place."""
        loop = asyncio.get_running_loop()
        stream = HttpStream(self.app.api, ref)
        stream.update(msg.WORKING)

        def show(piece: str) -> None:
            if not stream.canceled:  # after Stop, emit raises
                stream.emit(escape(piece))  # as the answer's text is: shown, never markup

        def ask() -> Answer:  # in a worker thread; HttpStream is touched only on the loop
            with streaming_to_loop(loop, show):
                return self.ask(question, activity, "personal")

        # the worker queues its pieces on the loop before the call that completes this
        # await, so every piece has been emitted when it resumes
        answer = await self.blocking(ask)
        if stream.canceled:  # the user pressed Stop: Teams keeps what was shown, nothing more
            return
        # the final message is the answer's own rendering, which may be the extractive
        # fallback: it replaces the streamed words rather than being appended to them
        stream.clear_text()
        if answer.status == "blocked":
            stream.emit(plain(answer.text))
        else:
            stream.emit(answer_activity(answer))
        sent = await stream.close()
        if sent is None:  # the stream could not be finished: send the answer as one message
            log.warning("streaming a Teams answer failed; sending it as a message")
            await self.send(ref, answer_activity(answer) if answer.status != "blocked"
                            else answer.text)

    async def answer_in_thread(self, activity: dict[str, Any], ref: ConversationReference,
                               question: str, scope: str) -> None:
        await send_or_update_activity(self.app.api, TypingActivityInput(), ref)
        answer = await self.blocking(self.ask, question, activity, scope)
        if answer.status == "blocked":  # the reason goes privately; nothing is echoed here
            await self.tell_privately(activity, ref, answer.text)
            return
        restricted = self.restricted_titles(answer.citations)
        if restricted:  # never, as answers here draw on all-staff documents: kept as a guard
            await self.send(ref, msg.RESTRICTED.format(titles=", ".join(restricted)))
            return
        await self.send(ref, answer_activity(answer))
        more = await self.blocking(self.restricted_for_asker, question, activity, scope)
        if more:  # said to the asker alone: even the titles are not for everyone here
            await self.tell_privately(activity, ref, msg.MORE_IN_CHAT.format(
                titles=", ".join(escape(t) for t in more)), note=None)

    def restricted_titles(self, citations: list[Citation]) -> list[str]:
        """Titles of cited documents whose audience is not all staff (not for a channel)."""
        titles: dict[str, None] = {}
        for c in citations:
            entry = self.assistant.kb.catalog.get(c.source)
            audience = (entry.policy.get("audience") if entry else None) or [ALL_STAFF]
            if isinstance(audience, str):
                audience = [audience]
            if ALL_STAFF not in audience:
                titles[escape(c.title)] = None
        return list(titles)

    async def tell_privately(self, activity: dict[str, Any], ref: ConversationReference,
                             text: str, note: str | None = msg.BLOCKED_PRIVATELY) -> None:
        """Send ``text`` to the asker's 1:1 chat with Guide; ``note`` in the thread."""
        sender = activity.get("from") or {}
        tenant = tenant_of(activity)
        try:
            api = self.app.api.clone(service_url=ref.service_url)
            created = await api.conversations.create(CreateConversationParams(
                members=[Account(id=sender.get("id", ""))], tenant_id=tenant))
            chat = ConversationReference(channel_id=ref.channel_id, service_url=ref.service_url,
                                         bot=ref.bot, conversation=ConversationAccount(
                                             id=created.id, conversation_type="personal"))
            await self.send(chat, text)
            if note:
                await self.send(ref, note)
        except Exception:  # Guide is not installed for them personally
            log.warning("could not open a 1:1 chat with the asker", exc_info=True)
            if note:  # a blocked question's reason: said here, unechoed
                await self.send(ref, text)

    # -- the answer card's buttons ----------------------------------------------------------
    async def on_card_action(self, activity: dict[str, Any], ref: ConversationReference,
                             kind: str, record_id: str, reason: str) -> None:
        user = self.user_of(activity)
        if kind == "helpful":
            await self.blocking(self.usage.add_feedback, record_id, SURFACE, user, True)
            await self.send(ref, msg.THANKS_HELPFUL)
        elif kind == "unhelpful":
            await self.blocking(self.usage.add_feedback, record_id, SURFACE, user, False)
            if reason:  # free text: kept only as guarded
                await self.blocking(self.usage.add_reason, record_id, SURFACE, user,
                                        check(reason).redacted)
            await self.send(ref, msg.THANKS_UNHELPFUL)
        elif kind == "ask_person":
            await self.escalate(activity, ref, record_id, user)

    async def escalate(self, activity: dict[str, Any], ref: ConversationReference,
                       record_id: str, user: str | None) -> None:
        record = await self.blocking(self.usage.get, record_id)
        contacts = for_surface(self.settings.escalation_contacts, SURFACE)
        routed = route(contacts, record.question, [c.get("doc_id") for c in record.citations]) \
            if record is not None else None
        if record is None or routed is None:
            if record is not None:
                await self.blocking(self.usage.add_escalation, record_id, SURFACE, user,
                                        "default", self.contact)
            await self.send(ref, msg.NO_CONTACT.format(contact=self.contact))
            return
        topic, channel = routed
        sender = activity.get("from") or {}
        name = escape(sender.get("name") or "A member of staff")
        notice = plain(msg.ESCALATION_NOTICE.format(
            user=f"<at>{name}</at>",
            question=escape(record.question or "(the question was not kept)"),
            status=record.status.replace("_", " ")))
        if sender.get("id"):  # the contact can open a chat with them from the notice
            notice.add_mention(Account(id=sender["id"], name=name), add_text=False)
        target = ConversationReference(channel_id=ref.channel_id, service_url=ref.service_url,
                                       bot=ref.bot, conversation=ConversationAccount(
                                           id=channel, conversation_type="channel"))
        await self.send(target, notice)
        await self.blocking(self.usage.add_escalation, record_id, SURFACE, user, topic,
                                f"teams:{channel}")
        await self.send(ref, msg.ESCALATED_TO.format(topic=escape(topic)))

    # -- trainer uploads --------------------------------------------------------------------
    async def is_trainer(self, activity: dict[str, Any]) -> bool:
        oid = (activity.get("from") or {}).get("aadObjectId")
        if not oid:
            return False
        if oid in self.settings.teams_trainers:
            return True
        group = self.settings.teams_trainer_group
        if not group:
            return False
        graph = self.settings.teams_graph_url.rstrip("/")
        token = await self.tokens(f"{graph}/.default", None)
        async with httpx.AsyncClient(timeout=DOWNLOAD_TIMEOUT_S) as client:
            response = await client.post(f"{graph}/v1.0/users/{oid}/checkMemberGroups",
                                         json={"groupIds": [group]},
                                         headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        return group in (response.json().get("value") or [])

    async def on_files(self, activity: dict[str, Any], ref: ConversationReference,
                       files: list[dict[str, Any]]) -> None:
        if not await self.is_trainer(activity):  # before anything is downloaded
            await self.send(ref, msg.NOT_A_TRAINER)
            return
        for file in files:
            name = safe_name(file.get("name") or "document")
            await self.send(ref, msg.INGESTING.format(name=escape(name)))
            outcome = await self.add_file(name, (file.get("content") or {}).get("downloadUrl"))
            await self.blocking(
                self.usage.audit, self.usage.user_hash(SURFACE, self.user_of(activity)) or "",
                "upload", name, {"surface": SURFACE, "ok": outcome.ok,
                                 "summary": outcome.summary})
            await self.send(ref, outcome.describe(escape, lambda t: f"**{escape(t)}**"))

    async def add_file(self, name: str, url: str | None) -> Outcome:
        refusal = self.uploads.refusal(name)
        if refusal:
            return Outcome(False, name, "failed", refusal)
        if not url:
            return Outcome(False, name, "failed", msg.NO_DOWNLOAD.format(name=name))
        incoming = self.uploads.incoming(name)
        try:
            await self.download(url, incoming)
        except IngestError as exc:
            incoming.unlink(missing_ok=True)
            return Outcome(False, name, "failed", str(exc))
        return await self.blocking(self.uploads.accept, incoming)

    async def download(self, url: str, path: Path) -> None:
        """Teams' download URL is pre-authorised (no token is sent); storage may redirect,
        and every hop must pass ``download_guard``; stop at the size limit."""
        received = 0
        guard = download_guard(self.settings.teams_download_hosts)
        try:
            async with httpx.AsyncClient(timeout=DOWNLOAD_TIMEOUT_S, follow_redirects=True,
                                         max_redirects=MAX_REDIRECTS,
                                         event_hooks={"request": [guard]}) as client, \
                    client.stream("GET", url) as response:
                response.raise_for_status()
                with path.open("wb") as out:
                    async for block in response.aiter_bytes():
                        received += len(block)
                        if received > self.uploads.limit:
                            raise IngestError(self.uploads.too_large(received))
                        out.write(block)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise IngestError(f"the download from Teams failed: {exc}") from exc

    # -- wiring -----------------------------------------------------------------------------
    def register(self, app: App) -> None:
        @app.on_message
        async def message(ctx: Any) -> None:
            activity = ctx.activity.model_dump(by_alias=True, exclude_none=True, mode="json")
            if self.answer_before_reply:
                await self.on_message(activity, ctx.conversation_ref)
            else:
                self.spawn(self.on_message(activity, ctx.conversation_ref))

        @app.on_install_add
        async def installed(ctx: Any) -> None:
            activity = ctx.activity.model_dump(by_alias=True, exclude_none=True, mode="json")
            if scope_of(activity) == "personal":
                self.spawn(self.send(ctx.conversation_ref, msg.WELCOME))


def build_teams_app(settings: Settings, assistant: Assistant, usage: UsageLog,
                    adapter: Any, answer_before_reply: bool = False) -> tuple[App, TeamsGuide]:
    """The SDK app (Guide's handlers on it) over ``adapter``, our Starlette route.
    ``answer_before_reply`` (answer, then reply 200) exists for the benchmark's baseline."""
    from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides

    tokens = AppTokens(settings)
    client = Client(ClientOptions())
    client.use(ConnectorRetries())
    cloud = with_overrides(PUBLIC, openid_metadata_url=settings.teams_openid_url,
                           token_issuer=settings.teams_token_issuer)
    app = App(client_id=settings.teams_app_id, tenant_id=settings.teams_tenant_id,
              token=tokens, client=client, cloud=cloud, http_server_adapter=adapter,
              dangerously_allow_unauthenticated_requests=settings.teams_allow_anonymous,
              state=False, fetch_user_token=False)
    guide = TeamsGuide(settings, assistant, usage, app, tokens, answer_before_reply)
    guide.register(app)
    return app, guide
