"""``guide serve``: the web app and, when configured, the Slack bot, in one process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from config.settings import Settings


def serve_command(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    slack_mode: Annotated[str | None, typer.Option(
        help="socket (outbound only) or http (Slack POSTs to /slack/events).")] = None,
) -> None:
    """Run Guide: the web app and, when SLACK_BOT_TOKEN is set, the Slack bot."""
    from rich.console import Console

    from assistant.core import Assistant
    from channels.server import bind, build_channels, check_slack_settings, keep_retention, run
    from config.errors import GuideError
    from usage.factory import open_usage_log

    overrides: dict[str, Any] = {k: v for k, v in (("host", host), ("port", port),
                                                   ("slack_mode", slack_mode)) if v is not None}
    settings: Settings = ctx.obj.replace(**overrides)
    if settings.torch_threads is None:  # a query embeds fast on one thread, and a second
        settings = settings.replace(torch_threads=1)  # would spin against every other
    check_slack_settings(settings)
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
        f"{len(assistant.kb.catalog.all())} documents. Slack: {channels.slack_status}.",
        soft_wrap=True)
    keep_retention(usage, settings.retention_days)
    run(channels, sock)
