"""``guide bench teams``: activities with signed tokens fired concurrently at /api/messages.

Activities go to the production web app (the Teams SDK behind Starlette and uvicorn, with
inbound token validation) on a loopback port; answers go to the fake Bot Connector, which
also issues the app token and the signing keys. Each activity is a channel @mention in its own
thread, so answers are counted per thread; a share are delivered twice, the way Teams
redelivers, to count duplicates. The baseline is the same bot answering before it replies
HTTP 200, the way a naive bot is written (Teams gives up on a request after 15 s).
"""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bench.deliveries import answered_once, fire_at_rate, post_json
from bench.fakes.teams import APP_ID, APP_PASSWORD, TENANT, FakeMicrosoft
from bench.figures import latency
from bench.indexed import SAMPLE, indexed_assistant
from bench.live_server import LiveServer
from bench.slack import QUESTIONS
from channels.teams.endpoint import TeamsEndpoint
from channels.web.app import build_web_app
from config.settings import Settings
from usage.factory import open_usage_log

REPLY_LIMIT_S = 2.0  # the target; Teams itself times out at 15 s
TEAMS_TIMEOUT_S = 15.0


def mention(fake: FakeMicrosoft, run: str, n: int) -> dict[str, Any]:
    activity_id = f"{1_700_000_000_000 + n}"
    user = f"aad-bench-{n % 25}"
    return {
        "type": "message", "id": activity_id, "channelId": "msteams",
        "serviceUrl": fake.service_url,
        "from": {"id": f"29:{user}", "name": "Bench", "aadObjectId": user},
        "conversation": {"id": f"19:bench-{run}@thread.tacv2;messageid={activity_id}",
                         "conversationType": "channel", "tenantId": TENANT},
        "recipient": {"id": f"28:{APP_ID}", "name": "Guide"},
        "text": f"<at>Guide</at> {QUESTIONS[n % len(QUESTIONS)]}",
        "entities": [{"type": "mention", "text": "<at>Guide</at>",
                      "mentioned": {"id": f"28:{APP_ID}", "name": "Guide"}}],
        "channelData": {"tenant": {"id": TENANT}},
    }


def fire(url: str, fake: FakeMicrosoft, activities: int, rate: float, redeliver: float,
         wait_s: float = 180.0) -> dict[str, Any]:
    """Send ``activities`` at ``rate`` per second (plus redeliveries), wait for the answers."""
    run = uuid.uuid4().hex[:6]

    def send(n: int, again: bool) -> tuple[int, float]:  # again: Teams redelivering it
        return post_json(url, mention(fake, run, n),
                         {"Authorization": f"Bearer {fake.inbound_token()}"})

    started = time.perf_counter()
    fired = fire_at_rate(send, activities, rate, redeliver)
    statuses, replies = fired.statuses, fired.seconds
    prefix = f"19:bench-{run}@thread.tacv2"

    def answers() -> list[str]:
        return [c.conversation or "" for c in fake.activities()
                if (c.conversation or "").startswith(prefix)]

    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and len(set(answers())) < activities:
        time.sleep(0.1)
    answered_at = time.perf_counter() - started
    fake.settle(1.0)  # let any late duplicate arrive
    threads = answers()
    return {
        "activities": activities,
        "deliveries": len(statuses),
        "rate_per_s": rate,
        "replies_ok": sum(1 for s in statuses if s == 200),
        "reply_ms": latency([r * 1000 for r in replies]),
        "replies_over_2s": sum(1 for r in replies if r > REPLY_LIMIT_S),
        "replies_over_15s": sum(1 for r in replies if r > TEAMS_TIMEOUT_S),
        **answered_once(threads, activities),
        "send_seconds": round(fired.sent_s, 2),
        "all_answered_after_s": round(answered_at, 2),
    }


def target_met(figures: dict[str, Any]) -> bool:
    return (figures["replies_over_2s"] == 0 and figures["duplicates"] == 0
            and figures["lost"] == 0 and figures["replies_ok"] == figures["deliveries"])


def run(settings: Settings, activities: int, rate: float, redeliver: float, baseline: bool
        ) -> dict[str, dict[str, Any]]:
    """HTTP reply latency, answers, duplicates and losses for ``activities`` at
    /api/messages, beside (``baseline``) a bot that answers before it replies."""
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="guide-bench-teams-") as tmp, \
            FakeMicrosoft() as fake:
        settings = settings.model_copy(update={
            "data_dir": Path(tmp), "database_url": None, "teams_app_id": APP_ID,
            "teams_app_password": SecretStr(APP_PASSWORD), "teams_tenant_id": TENANT,
            "teams_openid_url": fake.openid_url, "teams_token_url": fake.token_url,
            "teams_allow_anonymous": False})
        usage = open_usage_log(settings)
        assistant = indexed_assistant(settings, SAMPLE, usage)
        assistant.ask("warm up")
        runs = [("guide", False)] + ([("baseline_answer_before_reply", True)]
                                     if baseline else [])
        for name, before in runs:
            endpoint = TeamsEndpoint(settings, assistant, usage, answer_before_reply=before)
            app = build_web_app(settings, assistant, usage, teams=endpoint)
            with LiveServer(app) as server:
                figures[name] = fire(server.url + "/api/messages", fake, activities, rate,
                                     redeliver)
            figures[name]["target_met"] = target_met(figures[name])
    return figures
