"""The web pages: the chat (anyone), the dashboard (managers), documents (trainers, managers),
sign-in. Every change goes through a POST with the session's CSRF token."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from assistant.core import Assistant
from assistant.guard import check
from channels.reporting import full_report
from channels.slack.messages import SUGGESTED_PROMPTS
from channels.uploads import DocumentUploads, Outcome
from channels.web import charts
from channels.web.security import (
    csrf_ok,
    csrf_token,
    current_user,
    refuse,
    sign_in,
    visitor_id,
)
from config.settings import Settings
from usage.accounts import Accounts
from usage.log import Asked, UsageLog
from usage.report import Period, export_csv, percent

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
CHAT_CONTEXT = dt.timedelta(minutes=30)
UPLOAD_SLACK = 64_000  # multipart framing on top of the file itself
FAILED = "Sorry, something went wrong on Guide's side. Please try again in a minute."
LINK_SENT = ("If that address has an account with a Slack user, a sign-in link is on its way "
             "to you in Slack. It works once, for 15 minutes.")


@dataclass
class Web:
    settings: Settings
    assistant: Assistant
    usage: UsageLog
    accounts: Accounts
    uploads: DocumentUploads
    slack_client: WebClient | None
    templates: Jinja2Templates

    # -- helpers ------------------------------------------------------------------------
    def page(self, request: Request, name: str, status_code: int = 200, **context: Any
             ) -> Response:
        context.update(user=current_user(request), csrf=csrf_token(request),
                       flash=request.session.pop("flash", None))
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def message(self, request: Request, heading: str, text: str, status_code: int) -> Response:
        return self.page(request, "message.html", status_code, heading=heading, text=text)

    def forbidden(self, request: Request) -> Response:
        return self.message(request, "Not for your role",
                            "This page is for another role: ask a manager for access.", 403)

    def bad_csrf(self, request: Request) -> Response:
        return self.message(request, "Form expired",
                            "That form was out of date or not from Guide. Go back, reload the "
                            "page and try again.", 403)

    @staticmethod
    def flash(request: Request, text: str, kind: str = "ok") -> None:
        request.session["flash"] = {"text": text, "kind": kind}

    def actor(self, request: Request) -> str:
        user = current_user(request)
        return user["email"] if user else "anonymous"

    @staticmethod
    def asker(request: Request) -> str:
        """Who asks, for the usage log (pseudonymised there): the account, else the visitor."""
        user = current_user(request)
        return user["email"] if user else visitor_id(request)

    # -- the chat -----------------------------------------------------------------------
    async def chat(self, request: Request) -> Response:
        documents = len(self.assistant.kb.catalog.current())
        return self.page(request, "chat.html", documents=documents,
                         examples=[q for _, q in SUGGESTED_PROMPTS],
                         max_question=self.settings.max_question_chars)

    async def ask(self, request: Request) -> Response:
        if not csrf_ok(request):
            return JSONResponse({"error": "Reload the page and ask again."}, status_code=403)
        try:
            body = await request.json()
            question = str(body.get("question", "")).strip()
        except (json.JSONDecodeError, AttributeError, UnicodeDecodeError):
            return JSONResponse({"error": "Send JSON: {\"question\": \"...\"}"},
                                status_code=400)
        if not question:
            return JSONResponse({"error": "Type a question first."}, status_code=400)
        conversation = visitor_id(request)  # one conversation per browser session
        asked = Asked("web", user=self.asker(request), channel_type="browser",
                      conversation=conversation)
        try:
            history = self.usage.turns("web", conversation, within=CHAT_CONTEXT)
            answer = await run_in_threadpool(self.assistant.ask, question, history, None, asked)
        except Exception:
            log.exception("the web chat could not answer")
            return JSONResponse({"error": FAILED}, status_code=500)
        return JSONResponse({
            "status": answer.status, "text": answer.text, "follow_up": answer.follow_up,
            "notice": answer.notice, "record_id": answer.record_id,
            "citations": [c.model_dump(include={"number", "title", "version", "page",
                                                "heading_path", "quote", "warning", "doc_id"})
                          for c in answer.citations]})

    async def feedback(self, request: Request) -> Response:
        if not csrf_ok(request):
            return JSONResponse({"error": "Reload the page and try again."}, status_code=403)
        try:
            body = await request.json()
            record_id, helpful = str(body["record_id"]), bool(body["helpful"])
        except (json.JSONDecodeError, KeyError, TypeError):
            return JSONResponse({"error": "record_id and helpful are needed"}, status_code=400)
        reason = str(body.get("reason") or "").strip()[:1000]
        if reason:  # free text: kept only as guarded
            ok = self.usage.add_reason(record_id, "web", self.asker(request),
                                       check(reason).redacted)
        else:
            ok = self.usage.add_feedback(record_id, "web", self.asker(request), helpful)
        return JSONResponse({"ok": ok}, status_code=200 if ok else 404)

    # -- signing in -----------------------------------------------------------------------
    async def login_page(self, request: Request) -> Response:
        return self.page(request, "login.html", next=safe_next(request.query_params.get("next")),
                         slack=self.slack_client is not None)

    async def login(self, request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(request, form):
            return self.bad_csrf(request)
        user = await run_in_threadpool(self.accounts.authenticate, str(form.get("email", "")),
                                       str(form.get("password", "")))
        if user is None:
            return self.page(request, "login.html", 401, error="That e-mail and password don't "
                             "match an account.", next=safe_next(str(form.get("next", ""))),
                             slack=self.slack_client is not None)
        sign_in(request, user.email, user.role)
        self.usage.audit(user.email, "sign-in", "password")
        default = "/dashboard" if user.role == "manager" else "/documents"
        return RedirectResponse(safe_next(str(form.get("next", ""))) or default, 303)

    async def send_link(self, request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(request, form):
            return self.bad_csrf(request)
        user = self.accounts.get(str(form.get("email", "")))
        if user and user.slack_user and self.slack_client is not None:
            token = self.accounts.issue_link(user.email)
            url = str(request.url_for("redeem_link").include_query_params(token=token))
            try:
                await run_in_threadpool(
                    self.slack_client.chat_postMessage, channel=user.slack_user,
                    text=f"Your sign-in link for Guide (works once, for 15 minutes): {url}",
                    unfurl_links=False)
            except Exception:
                log.exception("could not send a sign-in link in Slack")
        self.flash(request, LINK_SENT)  # the same answer whether or not the account exists
        return RedirectResponse("/login", 303)

    async def redeem_link(self, request: Request) -> Response:
        user = self.accounts.redeem_link(request.query_params.get("token", ""))
        if user is None:
            return self.message(request, "Link expired",
                                "That sign-in link has been used or has expired. Ask for a new "
                                "one.", 400)
        sign_in(request, user.email, user.role)
        self.usage.audit(user.email, "sign-in", "slack link")
        return RedirectResponse("/dashboard" if user.role == "manager" else "/documents", 303)

    async def logout(self, request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(request, form):
            return self.bad_csrf(request)
        request.session.clear()
        return RedirectResponse("/", 303)

    # -- managers: the dashboard and exports ----------------------------------------------
    def managers_period(self, request: Request) -> tuple[Period, str, str] | Response:
        """The dates asked for (the last 30 days by default), or why the page is refused."""
        if refused := refuse(request, ("manager",), self.forbidden):
            return refused
        try:
            until = request.query_params.get("until") or dt.date.today().isoformat()
            since = request.query_params.get("since") or (
                dt.date.fromisoformat(until) - dt.timedelta(days=29)).isoformat()
            return Period.parse(since, until), since, until
        except ValueError as exc:
            return self.message(request, "Check the dates", str(exc), 400)

    async def dashboard(self, request: Request) -> Response:
        asked = self.managers_period(request)
        if isinstance(asked, Response):
            return asked
        period, since, until = asked
        report = await run_in_threadpool(full_report, self.usage, self.assistant, period)
        drawn = {
            "per_day": charts.columns([(d["day"], d["questions"]) for d in report["per_day"]],
                                      "Questions per day"),
            "status": charts.bars([(s.replace("_", " "), n)
                                   for s, n in report["status_mix"].items()], "Status",
                                  colours={k.replace("_", " "): v
                                           for k, v in charts.BAR_COLOURS.items()}),
            "surface": charts.bars(sorted(report["per_surface"].items()), "By surface"),
            "documents": charts.bars([(d["title"], d["citations"])
                                      for d in report["top_documents"]], "Most cited"),
            "latency": charts.bars([(k, v) for k, v in (
                ("median", report["latency_ms"]["p50"]),
                ("95th percentile", report["latency_ms"]["p95"])) if v is not None],
                "Latency", unit=" ms"),
        }
        return self.page(request, "dashboard.html", r=report, charts=drawn, since=since,
                         until=until, pct=percent)

    async def export(self, request: Request) -> Response:
        asked = self.managers_period(request)
        if isinstance(asked, Response):
            return asked
        period, since, until = asked
        kind = request.path_params["kind"]
        if kind not in ("csv", "json"):
            return self.message(request, "No such export", "Exports are CSV or JSON.", 404)
        self.usage.audit(self.actor(request), "export", f"dashboard {kind}", period.as_dict())
        name = f"guide-usage-{since}-to-{until}.{kind}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if kind == "csv":
            body = await run_in_threadpool(export_csv, self.usage.engine, period)
            return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
        report = await run_in_threadpool(full_report, self.usage, self.assistant, period)
        return JSONResponse(report, headers=headers)

    # -- trainers: documents ----------------------------------------------------------------
    async def documents(self, request: Request) -> Response:
        if refused := refuse(request, ("trainer", "manager"), self.forbidden):
            return refused
        cited = self.usage.citation_counts(dt.datetime.now(dt.UTC) - dt.timedelta(days=90))
        entries = sorted(self.assistant.kb.catalog.all(), key=lambda e: e.title.lower())
        return self.page(request, "documents.html", entries=entries, cited=cited,
                         chunks=sum(e.chunks for e in entries), today=dt.date.today().isoformat(),
                         limit_mb=self.settings.max_upload_mb)

    async def upload(self, request: Request) -> Response:
        if refused := refuse(request, ("trainer", "manager"), self.forbidden):
            return refused
        limit = self.uploads.limit
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit + UPLOAD_SLACK:
            return self.message(request, "File too large", self.uploads.too_large(int(length)),
                                413)
        form = await request.form(max_files=1, max_fields=5)
        if not csrf_ok(request, form):
            return self.bad_csrf(request)
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            self.flash(request, "Choose a file to upload.", "error")
            return RedirectResponse("/documents", 303)
        refusal = self.uploads.refusal(upload.filename, upload.size)
        if refusal:
            outcome = Outcome(False, upload.filename, "failed", refusal)
        else:
            incoming = self.uploads.incoming(upload.filename)
            with incoming.open("wb") as out:
                while block := await upload.read(1 << 16):
                    out.write(block)
            outcome = await run_in_threadpool(self.uploads.accept, incoming)
            self.usage.audit(self.actor(request), "upload", outcome.name,
                             {"surface": "web", "ok": outcome.ok, "summary": outcome.summary})
        self.flash(request, outcome.describe(), "ok" if outcome.ok else "error")
        return RedirectResponse("/documents", 303)

    async def change_document(self, request: Request) -> Response:
        if refused := refuse(request, ("trainer", "manager"), self.forbidden):
            return refused
        form = await request.form()
        if not csrf_ok(request, form):
            return self.bad_csrf(request)
        action = request.path_params["action"]
        entry = self.assistant.kb.catalog.get(str(form.get("doc", "")))
        if entry is None:
            self.flash(request, "That document is no longer indexed.", "error")
            return RedirectResponse("/documents", 303)
        if action == "remove":
            removed = await run_in_threadpool(self.assistant.kb.remove_source, entry.source)
            if self.uploads.is_upload(entry.source):
                Path(entry.source).unlink(missing_ok=True)
            self.usage.audit(self.actor(request), "remove", entry.doc_id,
                             {"title": entry.title, "chunks": removed})
            self.flash(request, f"Removed {entry.title} ({removed} passages).")
        else:
            outcome = await run_in_threadpool(self.uploads.index, Path(entry.source))
            self.usage.audit(self.actor(request), "reindex", entry.doc_id,
                             {"ok": outcome.ok, "summary": outcome.summary})
            self.flash(request, outcome.describe(), "ok" if outcome.ok else "error")
        return RedirectResponse("/documents", 303)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return ""
