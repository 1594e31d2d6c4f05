"""Trainers' and managers' documents page: what is indexed, upload, re-index, remove."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from channels.uploads import Outcome
from channels.web import messages as text
from channels.web.security import csrf_ok, refuse
from channels.web.site import Site, blocking

UPLOAD_SLACK = 64_000  # multipart framing on top of the file itself
EDITORS = ("trainer", "manager")


class DocumentPages:
    def __init__(self, site: Site) -> None:
        self.site = site

    def routes(self) -> list[BaseRoute]:
        return [Route("/documents", self.documents),
                Route("/documents/upload", self.upload, methods=["POST"]),
                Route("/documents/{action:str}", self.change_document, methods=["POST"])]

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
        uploads = site.uploads
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > uploads.limit + UPLOAD_SLACK:
            return site.message(request, text.FILE_TOO_LARGE, uploads.too_large(int(length)),
                                413)
        form = await request.form(max_files=1, max_fields=5)
        if not csrf_ok(request, form):
            return site.bad_csrf(request)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            site.flash(request, text.CHOOSE_A_FILE, "error")
            return RedirectResponse("/documents", 303)
        refusal = uploads.refusal(upload.filename, upload.size)
        if refusal:
            outcome = Outcome(False, upload.filename, "failed", refusal)
        else:
            incoming = uploads.incoming(upload.filename)
            await blocking(save, upload, incoming)
            outcome = await blocking(uploads.accept, incoming)
            await site.audit(request, "upload", outcome.name,
                             {"surface": "web", "ok": outcome.ok, "summary": outcome.summary})
        site.flash(request, outcome.describe(), "ok" if outcome.ok else "error")
        return RedirectResponse("/documents", 303)

    async def change_document(self, request: Request) -> Response:
        site = self.site
        if refused := refuse(request, EDITORS, site.forbidden):
            return refused
        form = await request.form()
        if not csrf_ok(request, form):
            return site.bad_csrf(request)
        action = request.path_params["action"]
        entry = await blocking(site.assistant.kb.catalog.get, str(form.get("doc", "")))
        if entry is None:
            site.flash(request, text.NO_LONGER_INDEXED, "error")
            return RedirectResponse("/documents", 303)
        if action == "remove":
            removed = await blocking(site.uploads.remove, entry.source)
            await site.audit(request, "remove", entry.doc_id,
                             {"title": entry.title, "chunks": removed})
            site.flash(request, text.REMOVED.format(title=entry.title, passages=removed))
        else:
            outcome = await blocking(site.uploads.index, Path(entry.source))
            await site.audit(request, "reindex", entry.doc_id,
                             {"ok": outcome.ok, "summary": outcome.summary})
            site.flash(request, outcome.describe(), "ok" if outcome.ok else "error")
        return RedirectResponse("/documents", 303)


def save(upload: UploadFile, path: Path) -> None:
    """Copy an uploaded file to ``path`` in blocks (Starlette spools large ones to disk)."""
    upload.file.seek(0)
    with path.open("wb") as out:
        while block := upload.file.read(1 << 16):
            out.write(block)
