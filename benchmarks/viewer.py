"""Viewer speed: filter changes and next/previous on a large frame, against plain pandas.

Builds a frame by tiling the simulator's records (each copy gets unique ids),
opens a :class:`~openrouter_frame.GenerationViewer` on it and times what a
person does: change the model or provider filter, change the sort, step to the
next row, type part of an id, first/last, click in the list.  Every viewer time
includes re-rendering the headline, cost, attempts, detail panel, ranks and list;
the chart is drawn in the viewer's chart thread (a model's first chart takes
100-300 ms to build), so those rows time how long the caller is held and wait
for the chart untimed between steps; the "chart drawn too" rows time the step
until its chart is on screen.  The baseline is what a naive viewer would do
for the same step: ``df[df.model == m].sort_values(...)`` and take a row.
The target is under 200 ms per step at 100,000 rows.

The content fetch on selection is measured apart, against the simulator with a
50 ms latency: how long ``next()`` holds the caller (the fetch runs in a
thread) and how long until the conversation is on screen, against one plain
``get_content`` request.

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

from openrouter_frame import OpenRouterClient  # noqa: E402
from openrouter_frame.api import content_loader  # noqa: E402
from openrouter_frame.frame import records_to_frame  # noqa: E402
from openrouter_frame.testing import serve  # noqa: E402
from openrouter_frame.viewer.chart import DistributionChart  # noqa: E402
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


def _times(steps: list[Callable[[], Any]], settle: Callable[[], Any] | None = None
           ) -> list[float]:
    """Milliseconds of each step; ``settle`` (untimed) runs after each, e.g. to let the
    chart thread finish so that no step pays for the previous one's chart."""
    out = []
    for step in steps:
        start = time.perf_counter()
        step()
        out.append((time.perf_counter() - start) * 1000)
        if settle is not None:
            settle()
    return out


def _until_drawn(step: Callable[[], Any], viewer: Any) -> Callable[[], None]:
    """The step plus the wait for its chart: what it takes until everything is on screen."""
    def run() -> None:
        step()
        viewer.wait_chart()
    return run


def run(n: int, repeat: int = 15) -> list[dict[str, object]]:
    """Time each interaction ``repeat`` times; return the table's rows."""
    t0 = time.perf_counter()
    df = build_frame(n)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    viewer = GenerationViewer(df)
    viewer.wait_chart()
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
            viewer.controls.search.value = text
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
    settle = viewer.wait_chart
    rows = []
    for name, steps, baseline_name, baseline in plans:
        rows.append(_row(name, _times(steps, settle), baseline_name, _times(baseline)))
    others = [top_models[-1 - i % len(top_models)] for i in range(repeat)]
    index = viewer._index

    def fresh_chart(code: int) -> Callable[[], None]:
        def step() -> None:
            values = index.sorted_values("latency", code)
            DistributionChart(values, xlabel="latency", title="m", log=True).png(
                float(values[len(values) // 2]) if len(values) else None)
        return step

    codes = [index.models.index(str(m)) for m in models]
    rows.append(_row("a model's first chart (chart thread)",
                     _times([fresh_chart(c) for c in codes]),
                     "df[df.model == m].sort_values(...)",
                     _times([baseline_filter("model", m) for m in models])))
    rows.append(_row("model filter change, chart drawn too",
                     _times([_until_drawn(model_step(m), viewer) for m in others]),
                     "df[df.model == m].sort_values(...)",
                     _times([baseline_filter("model", m) for m in others])))
    viewer.sort, viewer.provider, viewer.model = "cost", None, top_models[0]
    viewer.select(viewer.filtered["id"].iloc[0])
    rows.append(_row("next (filtered by model)", _times([viewer.next] * repeat, settle),
                     "re-filter + sort + iloc[k]",
                     _times([baseline_next(top_models[0], k) for k in range(1, repeat + 1)])))
    viewer.model = None
    viewer.select(viewer.filtered["id"].iloc[0])
    rows.append(_row("next, chart drawn too", _times([_until_drawn(viewer.next, viewer)]
                                                     * repeat),
                     "df.sort_values + iloc[k]",
                     _times([baseline_sort("cost") for _ in range(repeat)])))
    rows.append(_row("next (all rows)", _times([viewer.next] * repeat, settle),
                     "df.sort_values + iloc[k]",
                     _times([baseline_sort("cost") for _ in range(repeat)])))
    texts = [fragment[: 2 + i % 5] for i in range(repeat)]
    rows.append(_row("type part of an id", _times([type_step(t) for t in texts]),
                     "df.id.str.contains(t).head(50)", _times([baseline_type(t) for t in texts])))
    rows.append(_row("last / first", _times([viewer.last, viewer.first] * (repeat // 2 + 1),
                                            settle),
                     "df.sort_values + iloc[-1]",
                     _times([baseline_sort("cost") for _ in range(repeat)])))

    def pick(k: int) -> Callable[[], None]:
        def step() -> None:
            viewer.controls.rows.value = k
        return step

    rows.append(_row("click in the list", _times([pick(k) for k in range(2, repeat + 2)], settle),
                     "df.sort_values + iloc[k]",
                     _times([baseline_sort("cost") for _ in range(repeat)])))
    rows.append(_row("filter logic only (no render)",
                     _times([lambda c=c: index.positions("cost", c) for c in codes]),
                     "df[df.model == m].sort_values(...)",
                     [*_times([baseline_filter("model", m) for m in models])]))
    return rows


def run_content(repeat: int = 15, latency_ms: float = 50.0) -> list[dict[str, object]]:
    """The content fetch on selection, over the simulator with ``latency_ms`` per request."""
    with serve(latency_ms=latency_ms) as sim, OpenRouterClient(sim.api_key, sim.base_url
                                                                 ) as client:
        ids = sim.ids(repeat * 2 + 2)
        df = records_to_frame([sim.record(i) for i in ids])
        viewer = GenerationViewer(df, content=content_loader(client))
        viewer.wait_content()
        for pos in range(len(df)):  # every model's chart built first: only content is timed
            viewer._render_chart(pos)
            viewer.wait_chart()
        held, landed = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            viewer.next()
            held.append((time.perf_counter() - start) * 1000)
            viewer.wait_content()
            landed.append((time.perf_counter() - start) * 1000)
            viewer.wait_chart()
        direct = _times([lambda i=i: client.get_content(i) for i in ids[-repeat:]])
    return [
        _row(f"next with content fetch: UI held ({latency_ms:.0f} ms server)", held,
             "one get_content request", direct),
        _row(f"next with content fetch: content shown ({latency_ms:.0f} ms server)", landed,
             "one get_content request", direct),
    ]


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
    print_table("Content on selection (simulator, 50 ms per request; ratio = viewer / one "
                "request)", figures_only(run_content(), args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
