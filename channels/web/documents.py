"""Trainers' and managers' documents page: what is indexed, upload, re-index, remove."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from channels.uploads import DocumentUploads, Outcome, safe_name
from channels.web import messages as text
from channels.web.security import csrf_ok, refuse
from channels.web.site import Site, blocking

log = logging.getLogger(__name__)
UPLOAD_SLACK = 64_000  # multipart framing on top of the file itself (see app.body_limits)
EDITORS = ("trainer", "manager")
ACTIONS = ("remove", "reindex")  # the only things a form may do to a document


class DocumentPages:
    def __init__(self, site: Site) -> None:
        self.site = site

    def routes(self) -> list[BaseRoute]:
        return [Route("/documents", self.documents),
                Route("/documents/upload", self.upload, methods=["POST"]),
                *(Route(f"/documents/{action}", self.change_document, methods=["POST"])
                  for action in ACTIONS)]

    async def documents(self, request: Request) -> Response:
        site = self.site
        if refused := refuse(request, EDITORS, site.forbidden):
            return refused
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=90)
        cited = await blocking(site.usage.citation_counts, since)
        entries = sorted(await blocking(site.assistant.kb.catalog.all),
                         key=lambda e: e.title.lower())
        return site.page(request, "documents.html", entries=entries, cited=cited,
                         chunks=sum(e.chunks for e in entries), today=dt.date.today().isoformat(),
                         limit_mb=site.settings.max_upload_mb)

    async def upload(self, request: Request) -> Response:
        site = self.site
        if refused := refuse(request, EDITORS, site.forbidden):
            return refused
        uploads = site.uploads  # its size is capped by the app's BodyLimits
        form = await request.form(max_files=1, max_fields=5)
        if not csrf_ok(request, form):
            return site.bad_csrf(request)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            site.flash(request, text.CHOOSE_A_FILE, "error")
            return RedirectResponse("/documents", 303)
        refusal = uploads.refusal(upload.filename, upload.size)
        if refusal:
            outcome = Outcome(False, safe_name(upload.filename), "failed", refusal)
        else:
            outcome = await blocking(take, uploads, upload)
        await site.audit(request, "upload", outcome.name,  # every attempt, taken or not
                         {"surface": "web", "ok": outcome.ok, "summary": outcome.summary,
                          "reason": outcome.reason})
        site.flash(request, outcome.describe(), "ok" if outcome.ok else "error")
        return RedirectResponse("/documents", 303)

    async def change_document(self, request: Request) -> Response:
        site = self.site
        if refused := refuse(request, EDITORS, site.forbidden):
            return refused
        form = await request.form()
        if not csrf_ok(request, form):
            return site.bad_csrf(request)
        action = request.url.path.rsplit("/", 1)[-1]
        entry = await blocking(site.assistant.kb.catalog.get, str(form.get("doc", "")))
        if entry is None:
            site.flash(request, text.NO_LONGER_INDEXED, "error")
            return RedirectResponse("/documents", 303)
        if action == "remove":
            removed = await blocking(site.uploads.remove, entry.source)
            await site.audit(request, "remove", entry.doc_id,
                             {"title": entry.title, "chunks": removed})
            site.flash(request, text.REMOVED.format(title=entry.title, passages=removed))
        else:  # reindex
            outcome = await blocking(site.uploads.index, Path(entry.source))
            await site.audit(request, "reindex", entry.doc_id,
                             {"ok": outcome.ok, "summary": outcome.summary})
            site.flash(request, outcome.describe(), "ok" if outcome.ok else "error")
        return RedirectResponse("/documents", 303)


def take(uploads: DocumentUploads, upload: UploadFile) -> Outcome:
    """Save an upload, check and index it; whatever goes wrong, a reason and no file left."""
    incoming = uploads.incoming(upload.filename or "document")
    try:
        save(upload, incoming)
        return uploads.accept(incoming)
    except Exception:
        log.exception("an upload failed")
        incoming.unlink(missing_ok=True)
        return Outcome(False, incoming.name, "failed", text.UPLOAD_FAILED)


def save(upload: UploadFile, path: Path) -> None:
    """Copy an uploaded file to ``path`` in blocks (Starlette spools large ones to disk)."""
    upload.file.seek(0)
    with path.open("wb") as out:
        while block := upload.file.read(1 << 16):
            out.write(block)
