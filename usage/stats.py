"""Percentiles, one definition for every figure Guide prints (the dashboard, eval, benchmarks):
linear between ranks, as numpy's default."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence


def percentile_of_counts(counts: Sequence[tuple[float, int]], q: float) -> float | None:
    """The q-th percentile of values given as (value, how many) pairs sorted by value, so a
    database can count and Python need not see every row. None when there are none."""
    total = sum(n for _, n in counts)
    if not total:
        return None
    rank = q * (total - 1)
    low, frac = int(rank), rank - int(rank)

    def value_at(k: int) -> float:
        seen = 0
        for value, n in counts:
            seen += n
            if seen > k:
                return float(value)
        return float(counts[-1][0])

    below = value_at(low)
    above = value_at(min(low + 1, total - 1)) if frac else below
    return below + (above - below) * frac


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile of ``values`` (same definition as ``percentile_of_counts``)."""
    return percentile_of_counts(sorted(Counter(values).items()), q)
