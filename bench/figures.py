"""How every benchmark prints: one figure table, one latency summary."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from usage.stats import percentile


def latency(ms: Iterable[float]) -> dict[str, float]:
    """p50 / p95 / max of timings in milliseconds, rounded to 0.1 ms."""
    values = list(ms)
    return {"p50": round(percentile(values, 0.5) or 0.0, 1),
            "p95": round(percentile(values, 0.95) or 0.0, 1),
            "max": round(max(values, default=0.0), 1)}


def print_figures(title: str, figures: dict[str, Any]) -> None:
    """A benchmark's figures as a two-column table (nested figures as JSON)."""
    table = Table("figure", "value", title=title, title_justify="left")
    for key, value in figures.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    Console().print(table)


def print_side_by_side(title: str, runs: dict[str, dict[str, Any]]) -> None:
    """Several runs of one benchmark (ours beside its baseline), a column each."""
    first = next(iter(runs.values()))
    table = Table("figure", *runs, title=title, title_justify="left")
    for key in first:
        table.add_row(key, *(json.dumps(r.get(key)) if isinstance(r.get(key), dict)
                             else str(r.get(key)) for r in runs.values()))
    Console().print(table)


def emit(title: str, figures: dict[str, Any], as_json: bool) -> None:
    """JSON on stdout for scripts, else the figure table."""
    if as_json:
        sys.stdout.write(json.dumps(figures, indent=2) + "\n")
    else:
        print_figures(title, figures)
