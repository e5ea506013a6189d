"""Provider-attempt speed: ``df.orgen.provider_attempts()`` and friends against plain Python.

Builds ``--rows`` generations whose ``provider_responses`` hold official
``ProviderResponse`` items (80 % one attempt, 15 % two, 4 % three, 1 % null),
as a fresh fetch holds them (lists of dicts), then times, as the median of 3
runs each:

* ``provider_attempts()`` against the plain-Python loop a notebook would write
  (one dict per attempt with its number and served flag, then
  ``pd.DataFrame(rows)``), and against ``explode`` + ``pd.json_normalize``;
* the same after a parquet round trip (cells are NumPy arrays of dicts), and on
  the ``pyarrow`` backend's Arrow ``list<struct>`` column;
* ``provider_summary()``, ``fallbacks(by="model")``, ``sessions()`` (one
  session per 10 generations, 20 % without one; also against a bare
  ``groupby(session_id).agg``: target at most 1.2) and ``summary()``'s
  ``fallback_rate`` share (``summary()`` with and without the column).

The baselines produce untyped frames (object columns, float statuses, no
served rule beyond "last 2xx"), so a ratio below 1 means the typed result
also costs less.

    python benchmarks/attempts.py               # 1,000,000 generations
    python benchmarks/attempts.py --quick       # 10,000
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _common import median_time, print_table  # noqa: E402

import openrouter_frame  # noqa: E402,F401  (registers df.orgen)
from openrouter_frame import schema  # noqa: E402
from openrouter_frame.frame.nested import to_arrow  # noqa: E402

PROVIDERS = ["OpenAI", "Anthropic", "Together", "DeepInfra", "Groq", "Fireworks", "Novita"]
MODELS = ["openai/gpt-4o", "anthropic/claude-sonnet-4", "meta-llama/llama-3.3-70b",
          "deepseek/deepseek-chat", "qwen/qwen3-235b"]


def build_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """``rows`` generations with official-shape fallback chains (lists of dicts)."""
    rng = np.random.default_rng(seed)
    lengths = rng.choice([1, 2, 3, 0], size=rows, p=[0.80, 0.15, 0.04, 0.01])
    models = rng.integers(0, len(MODELS), size=rows)
    providers = rng.integers(0, len(PROVIDERS), size=lengths.sum())
    latency = rng.gamma(2.0, 400.0, size=lengths.sum()).round(1)
    cells: list[Any] = []
    k = 0
    for i in range(rows):
        n = int(lengths[i])
        if n == 0:
            cells.append(None)
            continue
        chain = []
        for a in range(n):
            chain.append({"provider_name": PROVIDERS[providers[k]],
                          "model_permaslug": MODELS[models[i]],
                          "status": 200 if a == n - 1 else (429, 502, 503)[a % 3],
                          "latency": float(latency[k]), "is_byok": False,
                          "endpoint_id": f"ep_{providers[k]}", "id": f"up-{i}-{a}"})
            k += 1
        cells.append(chain)
    session = rng.integers(0, max(rows // 10, 1), size=rows)
    created = np.datetime64("2026-11-01", "us") + np.sort(
        rng.integers(0, 30 * 86_400_000_000, size=rows)).astype("timedelta64[us]")
    return pd.DataFrame({
        "id": pd.array([f"gen-{1_760_000_000 + i}-x{i}" for i in range(rows)], dtype="string"),
        "model": pd.array(np.array(MODELS)[models], dtype=schema.dtype("model")),
        "total_cost": pd.array(rng.gamma(1.0, 0.002, size=rows), dtype="Float64"),
        "latency": pd.array(rng.gamma(2.0, 300.0, size=rows), dtype="Float64"),
        "generation_time": pd.array(rng.gamma(2.0, 900.0, size=rows), dtype="Float64"),
        "created_at": pd.Series(created).dt.tz_localize("UTC"),
        "session_id": pd.array(np.where(rng.random(rows) < 0.2, None,
                                        np.char.add("s-", session.astype(str))).tolist(),
                               dtype="string"),
        "provider_responses": pd.Series(cells, dtype=object),
    })


def sessions_baseline(frame: pd.DataFrame) -> pd.DataFrame:
    """The same figures with one ``groupby(...).agg`` (models as a set, no ordering)."""
    took = np.fmax(frame["latency"].to_numpy(float, na_value=np.nan),
                   frame["generation_time"].to_numpy(float, na_value=np.nan))
    end = frame["created_at"] + pd.to_timedelta(np.nan_to_num(took), unit="ms")
    return frame.assign(end=end).groupby("session_id", observed=True).agg(
        generations=("id", "size"), total_cost_usd=("total_cost", "sum"),
        first=("created_at", "min"), last=("end", "max"),
        models=("model", lambda m: ", ".join(sorted(set(m.astype(str)))))
    ).sort_values("total_cost_usd", ascending=False)


def sessions_bare(frame: pd.DataFrame) -> pd.DataFrame:
    """A bare ``groupby(session_id).agg`` of the same figures: counts, sums, min/max and the
    number of distinct models (``nunique``, no names), sorted by cost."""
    took = np.fmax(frame["latency"].to_numpy(float, na_value=np.nan),
                   frame["generation_time"].to_numpy(float, na_value=np.nan))
    end = frame["created_at"] + pd.to_timedelta(np.nan_to_num(took), unit="ms")
    return frame.assign(end=end).groupby("session_id", observed=True).agg(
        generations=("id", "size"), total_cost_usd=("total_cost", "sum"),
        first=("created_at", "min"), last=("end", "max"), n_models=("model", "nunique"),
    ).sort_values("total_cost_usd", ascending=False)


def plain_python(frame: pd.DataFrame) -> pd.DataFrame:
    """The loop a notebook would write: one dict per attempt, then ``pd.DataFrame``."""
    rows = []
    for gid, cell in zip(frame["id"], frame["provider_responses"], strict=True):
        if cell is None or (isinstance(cell, float) and np.isnan(cell)):
            continue
        last_ok = max((a for a, item in enumerate(cell)
                       if 200 <= (item.get("status") or 0) < 300), default=-1)
        for a, item in enumerate(cell):
            rows.append({"id": gid, "attempt": a + 1, **item, "served": a == last_ok})
    return pd.DataFrame(rows)


def explode_normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """The pandas idiom: ``explode`` then ``json_normalize`` (no served flag)."""
    long = frame[["id", "provider_responses"]].explode("provider_responses").dropna()
    items = pd.json_normalize(long["provider_responses"].tolist())
    items.insert(0, "generation_id", long["id"].to_numpy())
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="10,000 rows")
    args = parser.parse_args(argv)
    rows = 10_000 if args.quick else args.rows
    frame = build_frame(rows)
    buf = io.BytesIO()
    frame.to_parquet(buf)
    parquet = pd.read_parquet(io.BytesIO(buf.getvalue()))
    attempts = frame.orgen.provider_attempts()
    table: list[dict[str, Any]] = []

    def row(measure: str, ours: float, base: float, baseline: str) -> None:
        table.append({"measure": measure, "ours_s": ours, "baseline_s": base,
                      "baseline": baseline, "ratio": ours / base})

    ours = median_time(lambda: frame.orgen.provider_attempts())
    row("provider_attempts (lists of dicts)", ours, median_time(lambda: plain_python(frame)),
        "plain-Python loop + pd.DataFrame")
    row("provider_attempts (lists of dicts)", ours,
        median_time(lambda: explode_normalize(frame)), "explode + json_normalize")
    row("provider_attempts (after parquet)", median_time(lambda: parquet.orgen.provider_attempts()),
        median_time(lambda: plain_python(parquet)), "plain-Python loop + pd.DataFrame")
    row("provider_summary()", median_time(lambda: frame.orgen.provider_summary()),
        median_time(lambda: plain_python(frame).groupby("provider_name").agg(
            attempts=("status", "size"), latency=("latency", "median"),
            served=("served", "sum"))), "plain loop + groupby.agg")
    row("fallbacks(by='model')", median_time(lambda: frame.orgen.fallbacks(by="model")),
        median_time(lambda: frame.assign(n=frame["provider_responses"].map(
            lambda c: len(c) if isinstance(c, list) else np.nan)).groupby(
            "model", observed=True)["n"].agg(lambda n: (n > 1).mean())),
        "Series.map(len) + groupby")
    ours = median_time(lambda: frame.orgen.sessions())
    row("sessions()", ours, median_time(lambda: sessions_baseline(frame)),
        "groupby.agg (models as a set)")
    row("sessions()", ours, median_time(lambda: sessions_bare(frame)),
        "bare groupby.agg (nunique models; target <= 1.2)")
    arrow = frame.assign(provider_responses=pd.Series(pd.arrays.ArrowExtensionArray(
        to_arrow(frame["provider_responses"]))))
    row("provider_attempts (Arrow list<struct>)",
        median_time(lambda: arrow.orgen.provider_attempts()),
        median_time(lambda: frame.orgen.provider_attempts()), "the same on lists of dicts")
    row("fallbacks(by='model') (Arrow list<struct>)",
        median_time(lambda: arrow.orgen.fallbacks(by="model")),
        median_time(lambda: frame.orgen.fallbacks(by="model")), "the same on lists of dicts")
    row("summary() with provider_responses", median_time(lambda: frame.orgen.summary()),
        median_time(lambda: frame.drop(columns="provider_responses").orgen.summary()),
        "summary() without the column")
    print_table(f"provider attempts: {rows:,} generations, {len(attempts):,} attempts "
                f"(pandas {pd.__version__})", table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
