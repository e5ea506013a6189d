"""Viewer speed: filter changes and next/previous on a large frame, against plain pandas.

Builds a frame by tiling the simulator's records (each copy gets unique ids),
opens a :class:`~openrouter_frame.GenerationViewer` on it and times what a
person does: change the model or provider filter, change the sort, step to the
next row, type part of an id.  Every viewer time includes re-rendering the
detail panel, ranks and chart.  The baseline is what a naive viewer would do
for the same step: ``df[df.model == m].sort_values(...)`` and take a row.
The target is under 200 ms per step at 100,000 rows.

    python benchmarks/viewer.py            # 100,000 rows
    python benchmarks/viewer.py --quick    # 10,000 rows
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

sys.path.insert(0, str(Path(__file__).parent))
from _common import figures_only, print_table  # noqa: E402

from openrouter_frame.frame import records_to_frame  # noqa: E402
from openrouter_frame.testing import serve  # noqa: E402
from openrouter_frame.viewer.widget import GenerationViewer  # noqa: E402

BUDGET_MS = 200.0
DISTINCT = 2000  # simulator records tiled to the frame size


def build_frame(n: int) -> Any:
    """``n`` rows: the simulator's first 2,000 records repeated, ids made unique."""
    with serve() as sim:
        base = [sim.record(i) for i in sim.ids(min(n, DISTINCT))]
    records = []
    for k in range(n):
        record = dict(base[k % len(base)])
        record["id"] = f"{record['id']}-{k // len(base)}"
        records.append(record)
    return records_to_frame(records)


def _times(steps: list[Callable[[], Any]]) -> list[float]:
    out = []
    for step in steps:
        start = time.perf_counter()
        step()
        out.append((time.perf_counter() - start) * 1000)
    return out


def run(n: int, repeat: int = 15) -> list[dict[str, object]]:
    """Time each interaction ``repeat`` times; return the table's rows."""
    t0 = time.perf_counter()
    df = build_frame(n)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    viewer = GenerationViewer(df)
    open_s = time.perf_counter() - t0
    print(f"{n:,} rows: frame built in {build_s:.1f} s, viewer opened in {open_s:.2f} s")

    top_models = df["model"].value_counts().index[:repeat].tolist()
    top_providers = df["provider_name"].value_counts().index[:repeat].tolist()
    models = [top_models[i % len(top_models)] for i in range(repeat)]
    providers = [top_providers[i % len(top_providers)] for i in range(repeat)]
    sorts = ["latency", "generation_time", "newest", "cost"] * repeat
    fragment = df["id"].iloc[n // 2][-6:]

    def model_step(m: str) -> Callable[[], None]:
        def step() -> None:
            viewer.provider = None
            viewer.model = m
        return step

    def provider_step(p: str) -> Callable[[], None]:
        def step() -> None:
            viewer.model = None
            viewer.provider = p
        return step

    def baseline_filter(column: str, value: str) -> Callable[[], None]:
        def step() -> None:
            rows = df[df[column] == value].sort_values("total_cost", ascending=False)
            rows.iloc[0].to_dict()
        return step

    def baseline_next(m: str, k: int) -> Callable[[], None]:
        def step() -> None:
            rows = df[df["model"] == m].sort_values("total_cost", ascending=False)
            rows.iloc[min(k, len(rows) - 1)].to_dict()
        return step

    def baseline_sort(sort: str) -> Callable[[], None]:
        column = {"cost": "total_cost", "newest": "created_at"}.get(sort, sort)

        def step() -> None:
            df.sort_values(column, ascending=False).iloc[0].to_dict()
        return step

    def type_step(text: str) -> Callable[[], None]:
        def step() -> None:
            viewer._id_box.value = text
        return step

    def baseline_type(text: str) -> Callable[[], None]:
        def step() -> None:
            df.loc[df["id"].str.contains(text, regex=False), "id"].head(50).tolist()
        return step

    plans = [
        ("model filter change", [model_step(m) for m in models],
         "df[df.model == m].sort_values(...)", [baseline_filter("model", m) for m in models]),
        ("provider filter change", [provider_step(p) for p in providers],
         "df[df.provider_name == p].sort_values(...)",
         [baseline_filter("provider_name", p) for p in providers]),
        ("sort change", [lambda s=s: setattr(viewer, "sort", s) for s in sorts[:repeat]],
         "df.sort_values(col)", [baseline_sort(s) for s in sorts[:repeat]]),
    ]
    rows = []
    for name, steps, baseline_name, baseline in plans:
        rows.append(_row(name, _times(steps), baseline_name, _times(baseline)))
    viewer.sort, viewer.provider, viewer.model = "cost", None, top_models[0]
    viewer.select(viewer.filtered["id"].iloc[0])
    rows.append(_row("next (filtered by model)", _times([viewer.next] * repeat),
                     "re-filter + sort + iloc[k]",
                     _times([baseline_next(top_models[0], k) for k in range(1, repeat + 1)])))
    viewer.model = None
    viewer.select(viewer.filtered["id"].iloc[0])
    rows.append(_row("next (all rows)", _times([viewer.next] * repeat),
                     "df.sort_values + iloc[k]",
                     _times([baseline_sort("cost") for _ in range(repeat)])))
    texts = [fragment[: 2 + i % 5] for i in range(repeat)]
    rows.append(_row("type part of an id", _times([type_step(t) for t in texts]),
                     "df.id.str.contains(t).head(50)", _times([baseline_type(t) for t in texts])))
    index = viewer._index
    codes = [index.models.index(str(m)) for m in models]
    rows.append(_row("filter logic only (no render)",
                     _times([lambda c=c: index.positions("cost", c) for c in codes]),
                     "df[df.model == m].sort_values(...)",
                     [*_times([baseline_filter("model", m) for m in models])]))
    return rows


def _row(name: str, times: list[float], baseline_name: str, baseline: list[float]
         ) -> dict[str, object]:
    median, base = statistics.median(times), statistics.median(baseline)
    return {
        "operation": name,
        "viewer median ms": median,
        "viewer max ms": max(times),
        "baseline": baseline_name,
        "baseline median ms": base,
        "ratio": median / base if base else float("nan"),
        "target": f"max < {BUDGET_MS:.0f} ms",
        "met": "yes" if max(times) < BUDGET_MS else "NO",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows instead of 100,000")
    parser.add_argument("--rows", type=int, default=None, help="frame size (overrides --quick)")
    args = parser.parse_args(argv)
    n = args.rows or (10_000 if args.quick else 100_000)
    print_table(f"GenerationViewer on {n:,} rows (ratio = viewer / baseline; the viewer also "
                "renders the panel and chart"
                + ("; figures only: a quick run gives no verdicts)" if args.quick else ")"),
                figures_only(run(n), args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
