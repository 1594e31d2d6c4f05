"""Pseudonymised user ids: a keyed hash, so the log never holds a Slack or Teams id, yet one
person's questions can be counted together. Replicas must share the key."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


def load_or_create_key(path: Path) -> bytes:
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex())
    return key


class Pseudonymiser:
    def __init__(self, key: bytes) -> None:
        self.key = key

    def __call__(self, *parts: str | None) -> str | None:
        """A stable 32-hex pseudonym for ``parts`` (e.g. surface, team, user); None if empty."""
        if not any(parts):
            return None
        message = "\x1f".join(p or "" for p in parts).encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:32]
