"""Shared helpers of the benchmark scripts: timing and table printing."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any


def median_time(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Median wall time of ``repeat`` calls of ``fn`` (seconds)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def print_table(title: str, rows: Sequence[dict[str, Any]]) -> None:
    """Print ``rows`` (dicts with the same keys) as an aligned text table."""
    print(f"\n{title}")
    if not rows:
        print("(no rows)")
        return
    headers = list(rows[0])
    cells = [[_fmt(r[h]) for h in headers] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def verdict(ratio: float, target: float) -> str:
    """``"yes"`` when ``ratio`` is within ``target``, else ``"NO"``."""
    return "yes" if ratio <= target else "NO"


def figures_only(rows: Sequence[dict[str, Any]], quick: bool) -> list[dict[str, Any]]:
    """``rows`` without their target and verdict columns in a quick run.

    A quick run is small and noisy: it shows that the code paths work and what
    they cost, never a verdict (a full run gives those).
    """
    drop = {"target", "met", "target met", "verdict"} if quick else set()
    return [{k: v for k, v in row.items() if k not in drop} for row in rows]
