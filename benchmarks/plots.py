"""Plot speed: ``plot_cost_over_time`` at an hourly frequency, against ``cost_over_time``.

Issue 21: ``plot_cost_over_time(freq="h")`` on 1,000 rows drew about 1,000
hourly periods as bars and took 1.2 to 5.7 s while ``cost_over_time`` itself
took 7 ms.  Past :data:`~openrouter_frame.analysis.plotting.BAR_PERIODS`
periods the plot now draws one stacked step area per layer.

Builds 1,000 simulator generations (the frame of ``benchmarks/summaries.py``)
spread evenly over 1,000 hours, then times, as the median of 3 runs each
(Agg; each plot on a new figure, drawn to its canvas, then closed):

* ``cost_over_time(freq="h", by="model")``: the baseline, the table the plot draws;
* ``plot_cost_over_time(freq="h")`` and ``(freq="h", by="model")``: the area plot;
* the same two with bars forced (``BAR_PERIODS`` raised): what was drawn before.

Target: each area plot at most 0.3 s (drawing included).  The ratio column
is each time over the baseline's.

    python benchmarks/plots.py             # 1,000 rows over 1,000 hours
    python benchmarks/plots.py --quick     # figures only, without the bars (before)
    python benchmarks/plots.py --periods 5000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from _common import figures_only, median_time, print_table  # noqa: E402
from summaries import build_frame  # noqa: E402

from openrouter_frame.analysis import plotting, summary  # noqa: E402

TARGET_SECONDS = 0.3


def hourly_frame(rows: int, periods: int) -> pd.DataFrame:
    """``rows`` simulator generations spread evenly over ``periods`` hours."""
    frame = build_frame(rows)
    start = pd.Timestamp("2026-11-01", tz="UTC")
    hours = np.arange(rows) * (periods - 1) // max(rows - 1, 1)
    frame["created_at"] = (start + pd.to_timedelta(hours, unit="h")).astype(
        frame["created_at"].dtype)
    return frame


def _drawn(draw: Any) -> None:
    ax = draw()
    ax.figure.canvas.draw()
    plt.close(ax.figure)


def run(rows: int, periods: int, before: bool = True) -> list[dict[str, object]]:
    df = hourly_frame(rows, periods)
    n = len(summary.cost_over_time(df, freq="h"))
    print(f"{rows:,} rows over {n:,} hourly periods (bars up to {plotting.BAR_PERIODS})")

    def baseline() -> object:
        return summary.cost_over_time(df, freq="h", by="model")

    def area(by: str | None) -> Any:
        return lambda: _drawn(lambda: plotting.plot_cost_over_time(df, freq="h", by=by))

    def bars(by: str | None) -> Any:
        def draw() -> None:
            kept = plotting.BAR_PERIODS
            plotting.BAR_PERIODS = 10**9
            try:
                _drawn(lambda: plotting.plot_cost_over_time(df, freq="h", by=by))
            finally:
                plotting.BAR_PERIODS = kept
        return draw

    plans = [('cost_over_time(freq="h", by="model")', baseline, False),
             ('plot_cost_over_time(freq="h"), area', area(None), True),
             ('plot_cost_over_time(freq="h", by="model"), area', area("model"), True),
             ('plot_cost_over_time(freq="h"), bars (before)', bars(None), False),
             ('plot_cost_over_time(freq="h", by="model"), bars (before)', bars("model"), False)
             ][:None if before else 3]
    out: list[dict[str, object]] = []
    base = 0.0
    for name, fn, targeted in plans:
        fn()  # warm up (imports, font cache)
        seconds = median_time(fn, 3)
        base = base or seconds
        row: dict[str, object] = {"operation": name, "seconds": seconds,
                                  "ratio to cost_over_time": seconds / base}
        row["target"] = f"<= {TARGET_SECONDS:g} s" if targeted else ""
        row["target met"] = ("yes" if seconds <= TARGET_SECONDS else "NO") if targeted else ""
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000, help="generations (1,000)")
    parser.add_argument("--periods", type=int, default=1_000, help="hours spanned (1,000)")
    parser.add_argument("--quick", action="store_true",
                        help="figures only, no verdicts, without the slow bars (before)")
    args = parser.parse_args(argv)
    if args.rows < 2 or args.periods < 2:
        parser.error("--rows and --periods must be at least 2")
    table = figures_only(run(args.rows, args.periods, before=not args.quick), args.quick)
    print_table(f"plot_cost_over_time on {args.rows:,} rows, {args.periods:,} hours, "
                f"median of 3 (target: area plots <= {TARGET_SECONDS:g} s, drawing included)",
                table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
