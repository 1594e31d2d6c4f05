"""Run Guide's server: the web app on one port and, in Socket Mode, Slack's websocket."""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from typing import Any

import uvicorn

from assistant.core import Assistant
from channels.slack.app import build_slack_app, web_client
from channels.web.app import build_web_app
from config.errors import GuideError
from config.settings import Settings
from usage.log import UsageLog

log = logging.getLogger(__name__)


@dataclass
class Channels:
    web: Any  # the ASGI app
    slack_app: Any | None
    socket_handler: Any | None
    slack_status: str


def check_slack_settings(settings: Settings) -> None:
    """Refuse, before anything starts, a Slack setup that cannot work."""
    if settings.slack_bot_token is None:
        return
    if settings.slack_mode == "http" and settings.slack_signing_secret is None:
        raise GuideError("Slack HTTP mode needs SLACK_SIGNING_SECRET to verify requests")
    if settings.slack_mode == "socket" and settings.slack_app_token is None:
        raise GuideError("Slack Socket Mode needs SLACK_APP_TOKEN (xapp-...); or use "
                         "--slack-mode http with SLACK_SIGNING_SECRET")


def teams_endpoint(settings: Settings, assistant: Assistant, usage: UsageLog) -> Any | None:
    """The Teams bot's /api/messages handler when TEAMS_APP_ID is set."""
    if not settings.teams_app_id:
        return None
    from channels.teams.endpoint import TeamsEndpoint

    return TeamsEndpoint(settings, assistant, usage)


def build_channels(settings: Settings, assistant: Assistant, usage: UsageLog) -> Channels:
    """The web app, Slack when its tokens are set (socket or HTTP mode), and Teams when
    TEAMS_APP_ID is set."""
    teams = teams_endpoint(settings, assistant, usage)
    if settings.slack_bot_token is None:
        status = "not configured (set SLACK_BOT_TOKEN to answer in Slack)"
        return Channels(build_web_app(settings, assistant, usage, slack_status=status,
                                      teams=teams), None, None, status)
    check_slack_settings(settings)
    try:
        slack_app = build_slack_app(settings, assistant, usage)
    except Exception as exc:  # auth.test refused the token, or Slack is unreachable
        raise GuideError(f"cannot start the Slack app: {exc}") from exc
    if settings.slack_mode == "http":
        status = "HTTP mode at /slack/events"
        return Channels(build_web_app(settings, assistant, usage, slack_app=slack_app,
                                      slack_client=slack_app.client, slack_status=status,
                                      teams=teams),
                        slack_app, None, status)
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(slack_app, app_token=settings.slack_app_token
                                .get_secret_value(), web_client=web_client(settings))
    status = "Socket Mode"
    return Channels(build_web_app(settings, assistant, usage, slack_client=slack_app.client,
                                  slack_status=status, teams=teams), slack_app, handler, status)


PURGE_EVERY_S = 24 * 3600


def keep_retention(usage: UsageLog, days: int | None, every_s: float = PURGE_EVERY_S,
                   stop: threading.Event | None = None) -> threading.Event:
    """Now and then every ``every_s``, in the background: forget Slack event claims too old to
    be retries, and, with a retention period, delete questions older than ``days``. Set the
    returned event to stop."""
    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                usage.forget_claims()
                removed = usage.purge(days) if days else 0
                if removed:
                    usage.audit("guide", "purge", f"older than {days} days", {"removed": removed})
                    log.info("retention: deleted %d questions older than %d days", removed, days)
            except Exception:
                log.exception("retention purge failed; trying again later")
            stop.wait(every_s)

    threading.Thread(target=loop, name="guide-retention", daemon=True).start()
    return stop


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # connections queue from now on, while the server starts
    return sock


def run(channels: Channels, sock: socket.socket) -> None:
    """Serve until interrupted; Socket Mode's connection runs beside the web server."""
    if channels.socket_handler is not None:
        channels.socket_handler.connect()
    # the client is the connection's peer; forwarded headers count only from the proxies the
    # web app is told to trust (GUIDE_TRUSTED_PROXIES), never from loopback by default
    server = uvicorn.Server(uvicorn.Config(channels.web, log_level="warning", access_log=False,
                                           proxy_headers=False))
    try:
        server.run(sockets=[sock])
    finally:
        if channels.socket_handler is not None:
            channels.socket_handler.close()
