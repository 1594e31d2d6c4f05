"""Trainers add documents by sharing a file with Guide in a direct message.

The file is downloaded with the bot token, checked by the same loaders as ``guide ingest``,
then moved into the uploads folder and indexed through the same pipeline. A file that can't be
read is reported and dropped; a document already indexed stays as it was.
"""

from __future__ import annotations

import logging
import re
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from channels.slack import messages as msg
from ingest.loaders import KNOWN_UNSUPPORTED, LOADERS, load_file
from ingest.pipeline import Ingestor
from knowledge.base import KnowledgeBase
from knowledge.errors import GuideError, IngestError, IngestLocked
from knowledge.settings import Settings

log = logging.getLogger(__name__)
DOWNLOAD_TIMEOUT_S = 60
CHUNK = 1 << 16
LOCK_WAIT_S = 300.0


def safe_name(name: str) -> str:
    name = Path(name).name.strip() or "document"
    return re.sub(r"[^\w.\- ()]", "_", name)[:150]


@dataclass
class Outcome:
    ok: bool
    text: str  # what Guide replies
    summary: dict[str, Any] | None = None


class TrainerUploads:
    def __init__(self, settings: Settings, kb: KnowledgeBase) -> None:
        # an upload runs after the ack: it may wait for another ingest to finish
        self.settings = settings.model_copy(
            update={"lock_timeout_s": max(settings.lock_timeout_s, LOCK_WAIT_S)})
        self.kb = kb
        self.limit = settings.max_upload_mb * 1_000_000

    def is_trainer(self, client: WebClient, user: str) -> bool:
        if user in self.settings.slack_trainers:
            return True
        group = self.settings.slack_trainer_group
        if group:
            members = client.usergroups_users_list(usergroup=group).get("users") or []
            return user in members
        return False

    def add(self, client: WebClient, token: str, file_id: str) -> Outcome:
        info = client.files_info(file=file_id)["file"]
        name = safe_name(info.get("name") or info.get("title") or file_id)
        suffix = Path(name).suffix.lower()
        if suffix in KNOWN_UNSUPPORTED or suffix not in LOADERS:
            reason = KNOWN_UNSUPPORTED.get(suffix) or (
                f"unsupported file type {suffix or '(none)'}: use PDF, DOCX, HTML, Markdown "
                "or text")
            return Outcome(False, msg.NOT_INGESTED.format(name=name, reason=reason))
        size = int(info.get("size") or 0)
        if size > self.limit:
            return Outcome(False, msg.NOT_INGESTED.format(name=name, reason=msg.TOO_LARGE.format(
                size_mb=size / 1e6, limit_mb=self.settings.max_upload_mb)))
        url = info.get("url_private_download") or info.get("url_private")
        if not url:
            return Outcome(False, msg.NOT_INGESTED.format(
                name=name, reason="Slack did not give me a download link for it"))
        incoming = self.settings.uploads_dir / ".incoming" / name
        try:
            self.download(url, token, incoming)
            load_file(incoming, max_bytes=self.limit)  # refuse a bad file before it lands
        except IngestError as exc:
            incoming.unlink(missing_ok=True)
            return Outcome(False, msg.NOT_INGESTED.format(name=name, reason=str(exc)))
        target = self.settings.uploads_dir / name
        shutil.move(incoming, target)  # a new version of an earlier upload replaces it
        try:
            report = Ingestor(self.settings, self.kb).run([target])
        except IngestLocked:
            return Outcome(False, msg.NOT_INGESTED.format(name=name, reason=msg.INGEST_BUSY))
        except GuideError as exc:
            return Outcome(False, msg.NOT_INGESTED.format(name=name, reason=str(exc)))
        summary = report.summary()
        outcome = report.outcomes[0]
        if outcome.status == "failed":
            return Outcome(False, msg.NOT_INGESTED.format(name=name, reason=outcome.reason),
                           summary)
        entry = self.kb.catalog.get(str(target.resolve()))
        title = entry.title if entry else name
        if outcome.status == "unchanged":
            return Outcome(True, msg.UNCHANGED.format(title=title), summary)
        verb = "Updated" if outcome.status == "updated" else "Added"
        return Outcome(True, msg.INGESTED.format(verb=verb, title=title, chunks=outcome.chunks),
                       summary)

    def download(self, url: str, token: str, path: Path) -> None:
        """Stream the file with the bot token, stopping at the size limit."""
        path.parent.mkdir(parents=True, exist_ok=True)
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response, \
                    path.open("wb") as out:
                if "text/html" in (response.headers.get("Content-Type") or "") \
                        and path.suffix.lower() not in (".html", ".htm"):
                    raise IngestError("Slack sent a sign-in page instead of the file: check "
                                      "the app has the files:read scope")
                received = 0
                while block := response.read(CHUNK):
                    received += len(block)
                    if received > self.limit:
                        raise IngestError(msg.TOO_LARGE.format(
                            size_mb=received / 1e6, limit_mb=self.settings.max_upload_mb))
                    out.write(block)
        except OSError as exc:  # URLError, HTTPError, timeouts
            raise IngestError(f"the download from Slack failed: {exc}") from exc
