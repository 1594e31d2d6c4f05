"""What the chat benchmarks share: firing events at a rate, some delivered twice the way the
platform retries, and counting the answers that came back."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any


def post_json(url: str, payload: dict[str, Any], headers: dict[str, str] | None = None,
              sign: Callable[[str], dict[str, str]] | None = None, timeout: float = 60.0
              ) -> tuple[int, float]:
    """POST ``payload`` as JSON, with ``sign``'s headers for the exact body (Slack signs it);
    the HTTP status (0 when nothing answered) and the seconds it took."""
    body = json.dumps(payload)
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": "application/json", **(sign(body) if sign else {}), **(headers or {})})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return status, time.perf_counter() - started


Send = Callable[[int, bool], tuple[int, float]]  # (event number, redelivery?) -> (status, s)


@dataclass
class Fired:
    statuses: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # each delivery's HTTP reply time
    sent_s: float = 0.0  # how long sending took


def fire_at_rate(send: Send, count: int, rate: float, redeliver: float) -> Fired:
    """Send events 0..count-1 at ``rate`` per second, concurrently; a ``redeliver`` share of
    them is sent a second time as a redelivery."""
    fired = Fired()
    lock = threading.Lock()

    def deliver(n: int, again: bool) -> None:
        status, seconds = send(n, again)
        with lock:
            fired.statuses.append(status)
            fired.seconds.append(seconds)

    every = max(1, round(1 / redeliver)) if redeliver else 0
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for n in range(count):
            pool.submit(deliver, n, False)
            if every and n % every == 0:
                pool.submit(deliver, n, True)
            time.sleep(max(0.0, started + (n + 1) / rate - time.perf_counter()))
    fired.sent_s = time.perf_counter() - started
    return fired


def answered_once(threads: Sequence[Hashable], expected: int) -> dict[str, Any]:
    """Answers posted (one per thread), duplicates and lost events."""
    distinct = len(set(threads))
    return {"answers_posted": distinct, "duplicates": len(threads) - distinct,
            "lost": expected - distinct}
