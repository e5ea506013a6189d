"""Summary speed: df.orgen summaries on a large frame, against bare pandas groupby.

Builds a frame from the simulator's distribution: 20,000 distinct simulator
records (``sim.record``), resampled with NumPy to the requested size, each row
given a unique id.  Then times, as the median of 3 runs each:

* ``df.orgen.summary()`` against the bare pandas reductions that compute the
  same numbers (``sum``, ``mean``, ``quantile``, ``min``/``max`` ...);
* ``df.orgen.cost_summary(by="model")`` against one
  ``df.groupby("model", observed=True, dropna=False).agg(...)`` plus the
  grouped p90 quantile;
* ``df.orgen.latency_summary(by="provider_name")`` against
  ``groupby(...)[["latency", "generation_time", "tps"]].quantile([.5, .9, .99])``
  and a count;
* ``df.orgen.cost_over_time("D")`` against an O(n) bin count of the same
  costs (``np.bincount`` of whole days since the first midnight): target at
  most 3;
* ``df.orgen.top(10)`` against ``df.nlargest(10, "total_cost")``: target at
  most 1.2;
* ``df.orgen.summary()`` on the parquet read-back of a 45-column frame
  (``write_frame`` then ``read_frame``) against the same call on the fresh
  frame: target at most 1.2 (and, for comparison, on a file of an earlier
  version, with ``provider_responses`` as JSON text).

The baselines skip what the accessor adds (dtype checks, NA keys relabelled
``<NA>``, nullable result dtypes, sorting, the share and cost-per-token
columns), so a ratio near 1 means the accessor adds little.  Targets: each
ratio at most 3, each accessor time under 1 s at 1,000,000 rows.

    python benchmarks/summaries.py               # 1,000,000 rows, numpy_nullable
    python benchmarks/summaries.py --quick       # 10,000 rows
    python benchmarks/summaries.py --rows 200000 --dtype-backend pyarrow
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).parent))
from _common import figures_only, median_time, print_table, verdict  # noqa: E402

import openrouter_frame  # noqa: E402,F401  (registers df.orgen)
from openrouter_frame.frame import records_to_frame  # noqa: E402
from openrouter_frame.frame.io import read_frame, write_frame  # noqa: E402
from openrouter_frame.frame.kinds import json_texts  # noqa: E402
from openrouter_frame.frame.nested import to_cells  # noqa: E402
from openrouter_frame.testing import serve  # noqa: E402

DISTINCT = 20_000
TARGET_RATIO = 3.0
TARGET_SECONDS = 1.0
#: Targets of their own: an O(n) bin count, and nlargest.
TARGETS = {"cost_over_time": 3.0, "top": 1.2}


def build_frame(rows: int, *, dtype_backend: str = "numpy_nullable",
                seed: int = 0, columns: int = 32) -> pd.DataFrame:
    """``rows`` generations drawn from the simulator's distribution, ids unique; the
    schema's first ``columns`` columns (45: all, ``provider_responses`` included)."""
    with serve(seed=seed) as sim:
        records = [sim.record(i) for i in sim.ids(min(rows, DISTINCT))]
    base = records_to_frame(records, dtype_backend=dtype_backend)
    base = base[list(base.columns[:columns])]  # the schema's columns
    pick = np.random.default_rng(seed).integers(0, len(base), size=rows)
    frame = base.take(pick).reset_index(drop=True)
    suffix = pd.Series(np.arange(rows).astype(str), dtype=frame["id"].dtype)
    frame["id"] = frame["id"] + "-" + suffix
    return frame


def _tps(df: pd.DataFrame) -> pd.Series:
    tokens = df["native_tokens_completion"].fillna(df["tokens_completion"])
    seconds = df["generation_time"].where(df["generation_time"] > 0) / 1000
    return tokens.where(tokens > 0) / seconds  # no completion token: no speed (embeddings)


def baseline_summary(df: pd.DataFrame) -> dict[str, Any]:
    """The numbers of ``summary()`` with bare pandas Series reductions."""
    cost = df["total_cost"]
    disc = df["cache_discount"]
    tokens = df["native_tokens_prompt"].sum() + df["native_tokens_completion"].sum()
    reasons = df["finish_reason"].value_counts(normalize=True)  # among known reasons
    return {
        "generations": len(df), "total": cost.sum(), "mean": cost.mean(),
        "quantiles": cost.quantile([0.5, 0.9]),
        "tokens": [df[c].sum() for c in ("native_tokens_prompt", "native_tokens_completion",
                                         "native_tokens_reasoning", "native_tokens_cached")],
        "per_1m": cost.sum() / tokens * 1e6,
        "savings": disc[disc > 0].sum(), "writes": -disc[disc < 0].sum(),
        "latency": df["latency"].quantile([0.5, 0.9, 0.99]),
        "generation_time": df["generation_time"].quantile([0.5, 0.9, 0.99]),
        "tps": _tps(df).median(),
        "flags": [df[c].mean() for c in ("cancelled", "is_byok", "streamed")],
        "truncated": reasons.get("length", np.nan), "error": reasons.get("error", np.nan),
        "first": df["created_at"].min(), "last": df["created_at"].max(),
    }


def baseline_cost_summary(df: pd.DataFrame) -> pd.DataFrame:
    """``cost_summary(by="model")``'s numbers with one groupby agg."""
    d = df.assign(savings=df["cache_discount"].where(df["cache_discount"] > 0, 0))
    g = d.groupby("model", observed=True, dropna=False)
    out = g.agg(count=("total_cost", "size"), total=("total_cost", "sum"),
                mean=("total_cost", "mean"), median=("total_cost", "median"),
                prompt=("native_tokens_prompt", "sum"),
                completion=("native_tokens_completion", "sum"),
                savings=("savings", "sum"), upstream=("upstream_inference_cost", "sum"),
                byok=("is_byok", "sum"))
    out["p90"] = g["total_cost"].quantile(0.9)
    return out


def baseline_latency_summary(df: pd.DataFrame) -> pd.DataFrame:
    """``latency_summary(by="provider_name")``'s numbers with groupby quantile."""
    d = df[["provider_name", "latency", "generation_time"]].assign(tps=_tps(df))
    g = d.groupby("provider_name", observed=True, dropna=False)
    q = g[["latency", "generation_time", "tps"]].quantile([0.5, 0.9, 0.99]).unstack()
    q.columns = [f"{name.replace('tps', 'tokens_per_second')}_p{p * 100:g}"
                 + ("_ms" if name != "tps" else "") for name, p in q.columns]
    q.insert(0, "count", g.size())
    return q


def check_agreement(df: pd.DataFrame) -> None:
    """Raise ``AssertionError`` unless the accessor and the baselines give the same numbers."""
    ours, base = df.orgen.summary(), baseline_summary(df)
    assert np.isclose(ours["total_cost_usd"], base["total"])
    assert np.isclose(ours["p90_cost_usd"], base["quantiles"].iloc[1])
    assert np.isclose(ours["latency_p99_ms"], base["latency"].iloc[2])
    assert np.isclose(ours["tokens_per_second_p50"], base["tps"])
    assert np.isclose(ours["truncated_rate"], base["truncated"])
    cost, cost_base = df.orgen.cost_summary(by="model"), baseline_cost_summary(df)
    cost_base.index = cost_base.index.astype(str)
    for column, other in [("total_cost_usd", "total"), ("p90_cost_usd", "p90"),
                          ("median_cost_usd", "median"), ("byok_count", "byok")]:
        expected = cost_base[other].reindex(cost.index).to_numpy(dtype=float)
        assert np.allclose(cost[column].to_numpy(dtype=float), expected), column
    lat, lat_base = df.orgen.latency_summary(), baseline_latency_summary(df)
    lat_base = lat_base[lat_base.index.notna()]
    lat_base.index = lat_base.index.astype(str)
    wrong = lat_base.index[lat_base["count"].to_numpy() != lat["count"].reindex(
        lat_base.index).to_numpy(dtype=float)]
    if len(wrong):  # seen with pandas 2.2 and Arrow dictionary keys
        print(f"note: pandas {pd.__version__} groupby(dropna=False) put the NA keys into "
              f"{list(wrong)}; those groups are left out of the comparison")
        lat_base = lat_base.drop(wrong)
    for column in ("latency_p50_ms", "generation_time_p99_ms", "tokens_per_second_p90"):
        expected = lat_base[column].to_numpy(dtype=float)
        got = lat[column].reindex(lat_base.index).to_numpy(dtype=float)
        assert np.allclose(got, expected, equal_nan=True), column


def baseline_bins(df: pd.DataFrame) -> np.ndarray:
    """Daily cost totals by an O(n) bin count: whole days since the first midnight."""
    when = df["created_at"].to_numpy(dtype="datetime64[us]", na_value=np.datetime64("NaT"))
    cost = df["total_cost"].to_numpy(dtype="float64", na_value=0.0)
    keep = ~np.isnat(when)
    ticks = when[keep].view("int64")
    day = 86_400_000_000
    first = ticks.min() // day * day
    return np.bincount((ticks - first) // day, weights=cost[keep])


def run(rows: int, dtype_backend: str = "numpy_nullable") -> list[dict[str, object]]:
    """Time the three summaries and their baselines; return the table's rows."""
    start = time.perf_counter()
    df = build_frame(rows, dtype_backend=dtype_backend)
    print(f"built {len(df):,} rows ({dtype_backend}) in {time.perf_counter() - start:.1f} s")
    check_agreement(df)
    print("the accessor and the baselines compute the same numbers")
    plans = [
        ("summary()", lambda: df.orgen.summary(),
         "Series sum/mean/quantile/min/max", lambda: baseline_summary(df)),
        ('cost_summary(by="model")', lambda: df.orgen.cost_summary(by="model"),
         "groupby(model).agg + quantile(0.9)", lambda: baseline_cost_summary(df)),
        ('latency_summary(by="provider_name")',
         lambda: df.orgen.latency_summary(by="provider_name"),
         "groupby(provider).quantile([.5,.9,.99])", lambda: baseline_latency_summary(df)),
        ('cost_over_time("D")', lambda: df.orgen.cost_over_time("D"),
         "np.bincount of days (O(n))", lambda: baseline_bins(df)),
        ("top(10)", lambda: df.orgen.top(10), 'nlargest(10, "total_cost")',
         lambda: df.nlargest(10, "total_cost")),
    ]
    daily = df.orgen.cost_over_time("D")["total_cost_usd"].to_numpy()
    assert np.allclose(daily, baseline_bins(df)), "cost_over_time differs from the bin count"
    assert list(df.orgen.top(10).index) == list(df.nlargest(10, "total_cost").index)
    out: list[dict[str, object]] = []
    for name, ours, base_name, base in plans:
        ours()  # warm up (imports, caches)
        t_ours = median_time(ours, 3)
        t_base = median_time(base, 3)
        ratio = t_ours / t_base
        target = TARGETS.get(name.split("(")[0], TARGET_RATIO)
        ok = verdict(ratio, target) == "yes" and (rows < 1_000_000 or t_ours < TARGET_SECONDS)
        out.append({"operation": name, "seconds": t_ours, "baseline": base_name,
                    "baseline s": t_base, "ratio": ratio, "target": f"<= {target:g}",
                    "target met": "yes" if ok else "NO"})
    return out


def readback_rows(rows: int, dtype_backend: str) -> list[dict[str, object]]:
    """``summary()`` on a parquet read-back (``write_frame`` then ``read_frame``, all 45
    columns) against the same call on the fresh frame: target at most 1.2.  Also the
    files of earlier versions, which stored ``provider_responses`` as JSON text."""
    fresh = build_frame(rows, dtype_backend=dtype_backend, columns=45)
    out: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "g.parquet"
        write_frame(fresh, path, "parquet")
        back = read_frame(path, "parquet")
        old = Path(folder) / "old.parquet"
        fresh.assign(provider_responses=pd.Series(json_texts(
            to_cells(pa.chunked_array(pa.array(fresh["provider_responses"].array)))),
            dtype=object)).to_parquet(old, index=False)
        text = read_frame(old, "parquet")
        assert back.orgen.summary().equals(fresh.orgen.summary())
        t_fresh = median_time(lambda: fresh.orgen.summary(), 3)
        for name, frame, target in (("summary() on a parquet read-back", back, 1.2),
                                    ("summary() on a JSON-text read-back (older files)", text,
                                     None)):
            frame.orgen.summary()
            t = median_time(lambda f=frame: f.orgen.summary(), 3)
            out.append({"operation": name, "seconds": t, "baseline": "summary() on the fresh "
                        "frame (45 columns)", "baseline s": t_fresh, "ratio": t / t_fresh,
                        "target": f"<= {target:g}" if target else "(before)",
                        "target met": ("yes" if t / t_fresh <= target else "NO") if target
                        else "-"})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="frame size (1,000,000)")
    parser.add_argument("--quick", action="store_true", help="10,000 rows")
    parser.add_argument("--dtype-backend", choices=("numpy_nullable", "pyarrow"),
                        default="numpy_nullable")
    args = parser.parse_args(argv)
    rows = args.rows or (10_000 if args.quick else 1_000_000)
    if rows < 1:
        parser.error("--rows must be at least 1")
    table = figures_only(run(rows, args.dtype_backend) + readback_rows(rows, args.dtype_backend),
                         args.quick)
    targets = ("figures only: a quick run gives no verdicts" if args.quick else
               f"targets: ratio <= {TARGET_RATIO:g} unless stated, under {TARGET_SECONDS:g} s "
               "at 1M rows")
    print_table(f"Summaries on {rows:,} rows ({args.dtype_backend}), median of 3 ({targets})",
                table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
