"""``guide serve``: the web app and, when configured, the Slack bot, in one process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from config.settings import Settings


def teams_status(settings: Settings) -> str:
    if not settings.teams_app_id:
        return "not configured (set TEAMS_APP_ID to answer in Teams)"
    anonymous = " WITHOUT token checks (development only)" \
        if settings.teams_allow_anonymous else ""
    return f"at /api/messages{anonymous}"


def serve_command(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    slack_mode: Annotated[str | None, typer.Option(
        help="socket (outbound only) or http (Slack POSTs to /slack/events).")] = None,
) -> None:
    """Run Guide: the web app and, when SLACK_BOT_TOKEN is set, the Slack bot; when
    TEAMS_APP_ID is set, the Teams bot at /api/messages."""
    from rich.console import Console

    from assistant.core import Assistant
    from channels.server import bind, build_channels, check_slack_settings, keep_retention, run
    from channels.teams.endpoint import check_teams_settings
    from config.audiences import AudienceDirectory
    from config.errors import GuideError
    from usage.factory import open_usage_log

    overrides: dict[str, Any] = {k: v for k, v in (("host", host), ("port", port),
                                                   ("slack_mode", slack_mode)) if v is not None}
    settings: Settings = ctx.obj.replace(**overrides)
    if settings.torch_threads is None:  # a query embeds fast on one thread, and a second
        settings = settings.replace(torch_threads=1)  # would spin against every other
    check_slack_settings(settings)
    check_teams_settings(settings)
    AudienceDirectory(settings.audiences_path).check()  # a broken file stops here, said why
    usage = open_usage_log(settings)
    assistant = Assistant(settings, usage=usage)
    assistant.ask("warm up")  # load the model and the index before the first question
    channels = build_channels(settings, assistant, usage)
    try:
        sock = bind(settings.host, settings.port)
    except OSError as exc:
        raise GuideError(f"cannot listen on {settings.host}:{settings.port}: {exc}") from None
    shown_host = f"[{settings.host}]" if ":" in settings.host else settings.host
    Console(stderr=True).print(
        f"Guide is serving http://{shown_host}:{sock.getsockname()[1]}/ with "
        f"{len(assistant.kb.catalog.all())} documents. Slack: {channels.slack_status}. "
        f"Teams: {teams_status(settings)}.",
        soft_wrap=True)
    keep_retention(usage, settings.retention_days)
    run(channels, sock)
