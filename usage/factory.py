"""The usage log as the Settings describe it."""

from __future__ import annotations

from config.settings import Settings
from usage.log import UsageLog
from usage.pseudonym import load_or_create_key


def open_usage_log(settings: Settings) -> UsageLog:
    if settings.pseudonym_key is not None:
        key = settings.pseudonym_key.get_secret_value().encode()
    else:
        key = load_or_create_key(settings.data_dir / "pseudonym.key")
    settings.ensure_dirs()
    return UsageLog.open(settings.usage_db_url, key)
