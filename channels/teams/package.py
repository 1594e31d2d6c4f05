"""The Teams app package: ``manifest.json`` and two icons, zipped, for upload to Teams
(Teams admin centre, or "Upload a custom app"). The bot's app id is filled in."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from config.errors import GuideError

MANIFEST_SCHEMA = ("https://developer.microsoft.com/en-us/json-schemas/teams/v1.19/"
                   "MicrosoftTeams.schema.json")
MANIFEST_VERSION = "1.19"
ACCENT = "#1F4E79"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
COMMANDS = [
    ("How do I reset my MFA?", "Ask about a policy, procedure or tool"),
    ("Can I email a risk assessment to the council?", "Guide answers from the documents"),
]


def manifest(app_id: str, *, name: str, developer: str, website: str, version: str,
             privacy_url: str | None = None, terms_url: str | None = None) -> dict[str, Any]:
    if not GUID.match(app_id or ""):
        raise GuideError(f"TEAMS_APP_ID must be the bot's Microsoft App ID (a GUID), "
                         f"not {app_id!r}")
    if not website.startswith("https://"):
        raise GuideError("--website must be an https:// address (Teams requires it)")
    site = website.rstrip("/")
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {"name": developer, "websiteUrl": site,
                      "privacyUrl": privacy_url or f"{site}/privacy",
                      "termsOfUseUrl": terms_url or f"{site}/terms"},
        "name": {"short": name[:30], "full": f"{name}: answers from our own guidance"[:100]},
        "description": {
            "short": "Cited answers from your organisation's policies and procedures."[:80],
            "full": ("Ask Guide about policies, procedures and digital tools. It answers from "
                     "your organisation's own documents, quoting them with their sources, and "
                     "tells you who to ask when the guidance does not say. Chat with it 1:1, "
                     "or @mention it in a channel or group chat. Don't paste personal "
                     "details into it.")},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [{
            "botId": app_id,
            "scopes": ["personal", "team", "groupChat"],
            "supportsFiles": True,  # trainers send documents in a 1:1 chat
            "isNotificationOnly": False,
            "commandLists": [{"scopes": ["personal", "team", "groupChat"],
                              "commands": [{"title": t, "description": d}
                                           for t, d in COMMANDS]}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def icon(size: int, outline: bool) -> bytes:
    """A "G" on the accent colour (color icon), or white on transparent (outline icon)."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0) if outline else ACCENT)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=int(size * 0.7))
    draw.text((size / 2, size / 2), "G", fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def write_package(path: Path, app_id: str, **details: Any) -> Path:
    """Write the zip at ``path`` (a folder gets ``guide-teams.zip``); returns its path."""
    if path.is_dir():
        path = path / "guide-teams.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(app_id, **details), indent=2))
        archive.writestr("color.png", icon(192, outline=False))
        archive.writestr("outline.png", icon(32, outline=True))
    return path
