"""``guide bench startup``: the time `guide --help` takes, beside the bare interpreter."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from bench.figures import latency


def timed_runs(argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(runs: int) -> dict[str, Any]:
    guide = [sys.executable, "-c", "import bot; bot.main()", "--help"]
    return {"runs": runs,
            "guide --help (ms)": latency(timed_runs(guide, runs)),
            "python -c pass (ms)": latency(timed_runs([sys.executable, "-c", "pass"], runs)),
            "target": "guide --help under 1000 ms"}
