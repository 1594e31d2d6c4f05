"""Trainers add documents by sharing a file with Guide in a direct message: it is downloaded
with the bot token and goes through the same checks and pipeline as every upload."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from slack_sdk import WebClient

from channels.slack.render import escape
from channels.uploads import DocumentUploads, Outcome, safe_name
from config.errors import IngestError

DOWNLOAD_TIMEOUT_S = 60
CHUNK = 1 << 16


class TrainerUploads:
    def __init__(self, uploads: DocumentUploads, trainers: list[str],
                 trainer_group: str | None) -> None:
        self.uploads = uploads
        self.trainers = trainers
        self.trainer_group = trainer_group

    def is_trainer(self, client: WebClient, user: str) -> bool:
        if user in self.trainers:
            return True
        if self.trainer_group:
            members = client.usergroups_users_list(usergroup=self.trainer_group).get("users")
            return user in (members or [])
        return False

    def add(self, client: WebClient, token: str, file_id: str) -> Outcome:
        info = client.files_info(file=file_id)["file"]
        name = safe_name(info.get("name") or info.get("title") or file_id)
        refusal = self.uploads.refusal(name, int(info.get("size") or 0))
        if refusal:
            return Outcome(False, name, "failed", refusal)
        url = info.get("url_private_download") or info.get("url_private")
        if not url:
            return Outcome(False, name, "failed", "Slack did not give me a download link for it")
        incoming = self.uploads.incoming(name)
        try:
            self.download(url, token, incoming)
        except IngestError as exc:
            incoming.unlink(missing_ok=True)
            return Outcome(False, name, "failed", str(exc))
        return self.uploads.accept(incoming)

    def download(self, url: str, token: str, path: Path) -> None:
        """Stream the file with the bot token, stopping at the size limit."""
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
                    if received > self.uploads.limit:
                        raise IngestError(self.uploads.too_large(received))
                    out.write(block)
        except OSError as exc:  # URLError, HTTPError, timeouts
            raise IngestError(f"the download from Slack failed: {exc}") from exc


def reply_text(outcome: Outcome) -> str:
    """The outcome as a Slack reply: text from the file escaped, the title in bold."""
    return outcome.describe(escape, lambda title: f"*{escape(title)}*")
