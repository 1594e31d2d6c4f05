"""``guide bench slack``: signed events fired concurrently at the HTTP adapter.

Events go to the production web app (Bolt behind Starlette and uvicorn) on a loopback port;
answers go to a stand-in for Slack's Web API. Some deliveries are repeated, the way Slack
retries, to count duplicates. The baseline is the same bot answering before it acks
(``process_before_response``), the way a naive bot is written.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from slack_sdk import WebClient

from bench.deliveries import answered_once, fire_at_rate, post_json
from bench.fakes.slack import BOT_TOKEN, BOT_USER, SIGNING_SECRET, TEAM, FakeSlack, signed_headers
from bench.figures import latency
from bench.indexed import SAMPLE, indexed_assistant
from bench.live_server import LiveServer
from channels.slack.app import build_slack_app
from channels.web.app import build_web_app
from config.settings import Settings
from usage.factory import open_usage_log

QUESTIONS = [
    "How do I reset my MFA?",
    "Can I email a risk assessment to the council?",
    "How do I share information with the police?",
    "Can I use a USB stick to move files?",
    "Can I put OFFICIAL data into ChatGPT?",
    "How do I report a lost laptop?",
]
ACK_LIMIT_S = 3.0


Sign = Callable[[str], dict[str, str]]  # a body -> Slack's signature headers for it


def fire(url: str, sign: Sign, team: str, bot_user: str, events: int, rate: float,
         retries: float, posted: Callable[[], list[dict[str, Any]]],
         wait_s: float = 120.0) -> dict[str, Any]:
    """Send ``events`` mentions at ``rate`` per second (plus a share of retried deliveries)
    and wait for their answers; returns the figures."""
    run = uuid.uuid4().hex[:6]
    run_number = int(run, 16) % 1_000_000
    channel = f"CBENCH{run}"

    def send(n: int, retry: bool) -> tuple[int, float]:
        ts = f"{1_700_000_000 + n}.{run_number:06d}"
        event = {"type": "app_mention", "user": f"UBENCH{n % 25}", "channel": channel,
                 "ts": ts, "text": f"<@{bot_user}> {QUESTIONS[n % len(QUESTIONS)]}"}
        payload = {"token": "bench", "team_id": team, "api_app_id": "ABENCH",
                   "type": "event_callback", "event_id": f"Ev{run}{n}", "event": event,
                   "event_time": int(time.time())}
        extra = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"} \
            if retry else None  # Slack delivering the same event again
        return post_json(url, payload, extra, sign=sign, timeout=30)

    started = time.perf_counter()
    fired = fire_at_rate(send, events, rate, retries)
    statuses, acks = fired.statuses, fired.seconds
    deadline = time.monotonic() + wait_s
    mine: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        mine = [p for p in posted() if p.get("channel") == channel]
        if len({p.get("thread_ts") for p in mine}) >= events:
            break
        time.sleep(0.1)
    time.sleep(1.0)  # let any late duplicate arrive
    mine = [p for p in posted() if p.get("channel") == channel]
    answered_at = time.perf_counter() - started
    threads = [p.get("thread_ts") for p in mine]
    return {
        "events": events,
        "deliveries": len(statuses),
        "rate_per_s": rate,
        "acks_ok": sum(1 for s in statuses if s == 200),
        "ack_ms": latency([a * 1000 for a in acks]),
        "acks_over_3s": sum(1 for a in acks if a > ACK_LIMIT_S),
        **answered_once(threads, events),
        "send_seconds": round(fired.sent_s, 2),
        "all_answered_after_s": round(answered_at, 2),
        "answers_per_s": round(len(set(threads)) / answered_at, 1) if answered_at else None,
    }


def summary_ok(figures: dict[str, Any]) -> bool:
    return (figures["acks_over_3s"] == 0 and figures["duplicates"] == 0
            and figures["lost"] == 0 and figures["acks_ok"] == figures["deliveries"])


def run(settings: Settings, events: int, rate: float, retries: float, baseline: bool
        ) -> dict[str, dict[str, Any]]:
    """Ack latency, answers, duplicates and losses for ``events`` signed events at the HTTP
    adapter, beside (``baseline``) a bot that answers before it acks."""
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="guide-bench-slack-") as tmp, FakeSlack() as fake:
        settings = settings.model_copy(update={
            "data_dir": Path(tmp), "slack_bot_token": SecretStr(BOT_TOKEN),
            "slack_signing_secret": SecretStr(SIGNING_SECRET), "slack_mode": "http",
            "slack_api_url": fake.api_url})
        usage = open_usage_log(settings)
        assistant = indexed_assistant(settings, SAMPLE, usage)
        assistant.ask("warm up")
        runs = [("guide", False)] + ([("baseline_answer_before_ack", True)] if baseline else [])
        for name, before in runs:
            client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
            app = build_slack_app(settings, assistant, usage, client=client,
                                  process_before_response=before)
            with LiveServer(build_web_app(settings, assistant, usage, slack_app=app)) as server:
                figures[name] = fire(
                    server.url + "/slack/events", signed_headers, TEAM, BOT_USER, events, rate,
                    retries, lambda: [c.body for c in fake.of("chat.postMessage")])
            figures[name]["target_met"] = summary_ok(figures[name])
    return figures
