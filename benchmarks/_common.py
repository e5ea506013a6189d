"""Shared helpers of the benchmark scripts: timing, resident memory and table printing."""

from __future__ import annotations

import statistics
import threading
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


# -- resident memory (RSS) ----------------------------------------------------------------
class PeakRSS:
    """Peak resident memory of this process while a block runs (Linux /proc, else polling)."""

    def __enter__(self) -> PeakRSS:
        self.start = rss()
        self._reset = reset_peak()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss(), peak_rss() if self._reset else 0)


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def rss() -> int:
    """This process's resident memory now (bytes)."""
    try:
        return _status("VmRSS")
    except OSError:  # not Linux: psutil if present, else ru_maxrss
        try:
            import psutil

            return int(psutil.Process().memory_info().rss)
        except ImportError:
            import resource

            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter (VmHWM); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss() -> int:
    """This process's peak resident memory (Linux ``VmHWM``, bytes; 0 elsewhere).

    The peak since the process started, or since :func:`reset_peak`.
    """
    try:
        return _status("VmHWM")
    except OSError:
        return 0
