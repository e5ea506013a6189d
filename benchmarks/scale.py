"""A team's whole history: writing a large dataset, and summarising it with Dask and pandas.

Four steps, each in a fresh subprocess (so each has its own peak RSS), on one
dataset of ``--rows`` synthetic generations over ``--days`` UTC days:

* **write**: ``--rows`` distinct records (10,000,000) into a new dataset by the
  library's own writer (:func:`openrouter_frame.dataset.write_dataset`, the one
  :func:`~openrouter_frame.fetch_to_dataset` uses), made a day at a time, never
  all in memory.  Records come from a pool of 20,000 simulator records
  (``openrouter_frame.testing.data.make_record``, typed by
  :func:`~openrouter_frame.dataset.records_table`): each table of a day is
  ``pool.take`` of random rows with a unique ``id`` and a ``created_at`` of
  its own in that day, so the files have the library's schema and every id
  once.  (The simulator's own generator makes about 10,000 records/s, too
  slow to feed the writer.)  Figures: records/s of the writer (the time spent
  generating left out; with it in brackets) and the peak RSS growth while
  writing (Linux ``VmHWM``, reset once the pool is built).  Targets: at least
  100,000 records/s, at most 500 MB.
* **duckdb** (the anchor): DuckDB computes the numbers of ``summary()`` and
  ``cost_summary()`` (two SQL queries) from the same files.
* **dask**: ``read_dataset(path, engine="dask", dtype_backend="pyarrow")`` then
  ``ddf.orgen.summary()`` and ``ddf.orgen.cost_summary()`` on a
  ``distributed.LocalCluster`` of 2 worker processes (1 thread each); the peak
  RSS of each worker (``VmHWM``,
  reset before the first run).  Targets: time at most 3x DuckDB's, at most
  1.5 GB per worker.  Without ``df.orgen`` on Dask DataFrames it prints
  ``n/a: needs df.orgen on Dask``.
* **pandas**: ``read_dataset(path, start, end)`` (the last days, about
  1,000,000 rows) then ``df.orgen.summary()`` and ``df.orgen.cost_summary()``,
  on either dtype backend (``--quick``: pyarrow only); DuckDB on the same files
  is its anchor.  Target: at most 2x DuckDB.

Each engine's numbers are checked against DuckDB's (counts, sums, and in
pandas the percentiles too; in Dask within the sketch's stated bound) before
any time is reported.  Memory is measured on a step's first run; times are the
median of ``--repeat`` runs after it (imports done, files in the page cache).
The rate-limited fetch of the same issue is ``ratelimit.py``.

    python benchmarks/scale.py                  # 10,000,000 rows (minutes; 1.8 GB of disk)
    python benchmarks/scale.py --quick          # 100,000 rows over 10 days, figures only (CI)
    python benchmarks/scale.py --rows 2000000 --keep /tmp/history
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from _common import (  # noqa: E402
    PeakRSS,
    figures_only,
    median_time,
    peak_rss,
    print_table,
    reset_peak,
    verdict,
)

import openrouter_frame as orf  # noqa: E402
from openrouter_frame import dataset  # noqa: E402
from openrouter_frame.analysis.partials import ALPHA  # noqa: E402
from openrouter_frame.testing import Simulator  # noqa: E402
from openrouter_frame.testing.data import END, make_record  # noqa: E402

ROWS = 10_000_000
QUICK_ROWS = 100_000
PANDAS_ROWS = 1_000_000
DAYS = 90
#: A quick run's days: 10,000 rows a file, so Dask's partitions are not all overhead.
QUICK_DAYS = 10
DISTINCT = 20_000
#: Rows per written table (a day's rows are cut into tables of about this size).
BATCH_ROWS = 100_000
MB = 1024 * 1024
TARGETS = {"records/s": 100_000, "write RSS MB": 500, "dask ratio": 3.0,
           "worker MB": 1536, "pandas ratio": 2.0}
NA_DASK = "n/a: needs df.orgen on Dask"
#: The pandas step runs on each (``provider_responses``: Arrow lists of structs, or lists
#: of dicts).
BACKENDS = ("pyarrow", "numpy_nullable")
#: The Dask step's: with numpy_nullable each partition builds Python lists of dicts.
DASK_BACKEND = "pyarrow"


# -- the data --------------------------------------------------------------------------------
def pool_table(n: int, seed: int = 0) -> pa.Table:
    """``n`` distinct simulator records as a table of the dataset's schema."""
    records = [make_record(i) for i in Simulator(seed=seed).ids(n)]
    return dataset.records_table(records)


def day_tables(pool: pa.Table, rows: int, days: int, *, seed: int = 0,
               batch_rows: int = BATCH_ROWS) -> Iterator[pa.Table]:
    """``rows`` records over the ``days`` UTC days before the simulator's end, a table at a time.

    Each table lies within one day: ``pool`` rows drawn at random, each given
    a unique id (``gen-<unix seconds>-<row number>``) and a ``created_at`` of
    its own in that day.
    """
    rng = np.random.default_rng(seed)
    first_day = (END // 86_400 - days) * 86_400  # seconds, a UTC midnight
    per_day, extra = divmod(rows, days)
    ids_at = pool.schema.get_field_index("id")
    created_at = pool.schema.get_field_index("created_at")
    number = 0
    for day in range(days):
        n_day = per_day + (day < extra)
        parts = max(1, math.ceil(n_day / batch_rows))
        for part in range(parts):
            n = n_day * (part + 1) // parts - n_day * part // parts
            if n == 0:
                continue
            micros = np.sort(rng.integers(0, 86_400_000_000, n)) + (first_day + day * 86_400) \
                * 1_000_000
            numbers = pa.array(np.arange(number, number + n), pa.int64())
            number += n
            seconds = pa.array(micros // 1_000_000, pa.int64())
            ids = pc.binary_join_element_wise(
                "gen", pc.cast(seconds, pa.string()), pc.cast(numbers, pa.string()), "-")
            table = pool.take(pa.array(rng.integers(0, pool.num_rows, n)))
            table = table.set_column(ids_at, "id", ids)
            yield table.set_column(created_at, "created_at",
                                   pa.array(micros, pool.schema.field("created_at").type))


# -- the steps (each run in a subprocess) ----------------------------------------------------
def step_write(path: str, rows: int, days: int) -> dict[str, Any]:
    """Write the dataset; records/s and the peak RSS growth while writing."""
    pool = pool_table(min(rows, DISTINCT))
    generating = [0.0]

    def timed(tables: Iterator[pa.Table]) -> Iterator[pa.Table]:
        while True:
            start = time.perf_counter()
            table = next(tables, None)
            generating[0] += time.perf_counter() - start
            if table is None:
                return
            yield table

    gc.collect()
    with PeakRSS() as peak:
        start = time.perf_counter()
        result = orf.write_dataset(timed(day_tables(pool, rows, days)), path,
                                   skip_present=False)
        seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for f in result.files)
    return {"rows": result.written, "files": len(result.files), "seconds": seconds,
            "generating": generating[0], "rss_growth": peak.peak - peak.start,
            "bytes_per_row": size / max(1, result.written)}


def _provider_attempts_sql() -> str:
    """The number of provider attempts of a row, whichever way the files store them."""
    stored = dataset.GENERATION_SCHEMA.field("provider_responses").type
    if pa.types.is_string(stored) or pa.types.is_large_string(stored):
        return "json_array_length(provider_responses::JSON)"
    return "len(provider_responses)"


def duckdb_numbers(files: list[str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``summary()`` and ``cost_summary()``'s numbers, by DuckDB from ``files``."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE VIEW g AS SELECT *, {_provider_attempts_sql()} AS attempts, "
                "CASE WHEN coalesce(native_tokens_completion, tokens_completion) > 0 "
                "AND generation_time > 0 THEN coalesce(native_tokens_completion, "
                "tokens_completion) / (generation_time / 1000) END AS tps "
                f"FROM read_parquet({_sql_list(files)}, hive_partitioning = false)")
    summary_sql = """
        SELECT count(*) AS generations, sum(total_cost) AS total_cost_usd,
               avg(total_cost) AS mean_cost_usd,
               quantile_cont(total_cost, 0.5) AS median_cost_usd,
               quantile_cont(total_cost, 0.9) AS p90_cost_usd,
               sum(native_tokens_prompt) AS total_prompt_tokens,
               sum(native_tokens_completion) AS total_completion_tokens,
               sum(native_tokens_reasoning) AS total_reasoning_tokens,
               sum(native_tokens_cached) AS total_cached_tokens,
               sum(total_cost) / nullif(sum(native_tokens_prompt)
                   + sum(native_tokens_completion), 0) * 1e6 AS cost_per_1m_tokens_usd,
               sum(CASE WHEN cache_discount > 0 THEN cache_discount
                        WHEN cache_discount IS NOT NULL THEN 0 END) AS cache_savings_usd,
               -sum(CASE WHEN cache_discount < 0 THEN cache_discount
                         WHEN cache_discount IS NOT NULL THEN 0 END) AS cache_write_cost_usd,
               quantile_cont(latency, 0.5) AS latency_p50_ms,
               quantile_cont(latency, 0.9) AS latency_p90_ms,
               quantile_cont(latency, 0.99) AS latency_p99_ms,
               quantile_cont(generation_time, 0.5) AS generation_time_p50_ms,
               quantile_cont(generation_time, 0.9) AS generation_time_p90_ms,
               quantile_cont(generation_time, 0.99) AS generation_time_p99_ms,
               quantile_cont(tps, 0.5) AS tokens_per_second_p50,
               avg(cancelled::INT) AS cancelled_rate,
               avg((finish_reason = 'length')::INT) AS truncated_rate,
               avg((finish_reason = 'error')::INT) AS error_rate,
               avg(is_byok::INT) AS byok_share, avg(streamed::INT) AS streamed_share,
               avg((attempts > 1)::INT) FILTER (WHERE attempts > 0) AS fallback_rate,
               min(created_at) AS first_created_at, max(created_at) AS last_created_at
        FROM g"""
    cost_sql = """
        SELECT model::VARCHAR AS model, count(*) AS count, sum(total_cost) AS total_cost_usd,
               sum(total_cost) / sum(sum(total_cost)) OVER () AS share_of_cost,
               avg(total_cost) AS mean_cost_usd,
               quantile_cont(total_cost, 0.5) AS median_cost_usd,
               quantile_cont(total_cost, 0.9) AS p90_cost_usd,
               sum(total_cost) / nullif(sum(native_tokens_prompt)
                   + sum(native_tokens_completion), 0) * 1e6 AS cost_per_1m_tokens_usd,
               sum(CASE WHEN cache_discount > 0 THEN cache_discount
                        WHEN cache_discount IS NOT NULL THEN 0 END) AS cache_savings_usd,
               sum(upstream_inference_cost) AS upstream_inference_cost_usd,
               count(*) FILTER (WHERE is_byok) AS byok_count
        FROM g GROUP BY model ORDER BY total_cost_usd DESC"""
    cursor = con.execute(summary_sql)
    names = [d[0] for d in cursor.description]
    summary = dict(zip(names, cursor.fetchone(), strict=True))
    cursor = con.execute(cost_sql)
    names = [d[0] for d in cursor.description]
    by_model = {row[0]: dict(zip(names[1:], row[1:], strict=True)) for row in cursor.fetchall()}
    con.close()
    return summary, by_model


def _sql_list(files: list[str]) -> str:
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"


def _files(path: str, start: str | None, end: str | None) -> list[str]:
    return dataset.selected_files(path, start=start, end=end)


def step_duckdb(path: str, start: str | None, end: str | None, repeat: int) -> dict[str, Any]:
    """DuckDB's time for the two summaries from the files of ``[start, end)``."""
    files = _files(path, start, end)
    with PeakRSS() as peak:  # the first run: its memory, and a warm-up
        summary, by_model = duckdb_numbers(files)
    seconds = median_time(lambda: duckdb_numbers(files), repeat)
    return {"seconds": seconds, "rss_growth": peak.peak - peak.start, "files": len(files),
            "summary": {k: _plain(v) for k, v in summary.items()},
            "by_model": {m: {k: _plain(v) for k, v in row.items()} for m, row in by_model.items()}}


def _plain(value: Any) -> Any:
    """A JSON-able copy of a DuckDB or pandas value (timestamps as ISO text, NA as None)."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    try:
        if value != value:  # NaN or pd.NA raises TypeError
            return None
    except TypeError:
        return None
    return value.item() if hasattr(value, "item") else value


def _engine_numbers(summary: Any, cost: Any) -> dict[str, Any]:
    return {"summary": {k: _plain(v) for k, v in summary.items()},
            "by_model": {str(m): {k: _plain(v) for k, v in row.items()}
                         for m, row in cost.to_dict(orient="index").items()}}


def step_pandas(path: str, start: str | None, end: str | None, repeat: int,
                dtype_backend: str, narrow: bool = False) -> dict[str, Any]:
    """``read_dataset`` + ``df.orgen.summary()`` + ``cost_summary()`` in pandas.

    ``narrow``: read only the columns the two methods read (``columns=``), as DuckDB does.
    """
    columns = None
    if narrow:
        from openrouter_frame.analysis.dask import _READS

        columns = list(dict.fromkeys(["model", *_READS["summary"], *_READS["cost_summary"]]))

    def run() -> tuple[Any, Any, int]:
        df = orf.read_dataset(path, start=start, end=end, dtype_backend=dtype_backend,
                              columns=columns)
        return df.orgen.summary(), df.orgen.cost_summary(), len(df)

    gc.collect()
    with PeakRSS() as peak:  # the first run: its memory, and a warm-up
        summary, cost, rows = run()
    seconds = median_time(run, repeat)
    return {"seconds": seconds, "rss_growth": peak.peak - peak.start, "rows": rows,
            **_engine_numbers(summary, cost)}


def step_dask(path: str, repeat: int) -> dict[str, Any]:
    """The same on a LocalCluster of 2 worker processes; each worker's peak RSS."""
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.worker.daemon": False}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(sys.path.insert, 0, str(HERE))  # _common, for reset_peak and peak_rss
        probe = orf.read_dataset(path, engine="dask", dtype_backend=DASK_BACKEND)
        if not hasattr(probe, "orgen"):
            return {"seconds": None}

        def run() -> tuple[Any, Any]:
            ddf = orf.read_dataset(path, engine="dask", dtype_backend=DASK_BACKEND)
            return ddf.orgen.summary(), ddf.orgen.cost_summary()

        client.run(gc.collect)
        client.run(reset_peak)
        summary, cost = run()  # the first run: each worker's peak, and a warm-up
        peaks = list(client.run(peak_rss).values())
        seconds = median_time(run, repeat)
        return {"seconds": seconds, "worker_peaks": peaks, "partitions": probe.npartitions,
                **_engine_numbers(summary, cost)}


STEPS = {"write", "duckdb", "pandas", "dask"}


def _in_subprocess(step: str, **kwargs: Any) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its JSON result."""
    argv = [sys.executable, __file__, "--step", step, "--args", json.dumps(kwargs)]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"step {step!r} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _run_step(step: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    if step == "write":
        return step_write(**kwargs)
    if step == "duckdb":
        return step_duckdb(**kwargs)
    if step == "pandas":
        return step_pandas(**kwargs)
    return step_dask(**kwargs)


# -- agreement and the table -----------------------------------------------------------------
SUMMARY_EXACT = ("generations", "total_cost_usd", "mean_cost_usd", "total_prompt_tokens",
                 "total_completion_tokens", "cache_savings_usd", "byok_share",
                 "fallback_rate", "truncated_rate")
SUMMARY_PERCENTILES = ("median_cost_usd", "p90_cost_usd", "latency_p99_ms",
                       "generation_time_p50_ms", "tokens_per_second_p50")
COST_EXACT = ("count", "total_cost_usd", "share_of_cost", "cache_savings_usd",
              "upstream_inference_cost_usd", "byok_count")
COST_PERCENTILES = ("median_cost_usd", "p90_cost_usd")


def check_agreement(engine: str, ours: dict[str, Any], anchor: dict[str, Any],
                    percentile_rtol: float) -> None:
    """Raise ``AssertionError`` unless ``ours`` has DuckDB's numbers.

    Counts, sums, means and shares to float rounding; percentiles within
    ``percentile_rtol`` relative (0: exact, to float rounding).
    """
    def same(a: Any, b: Any, rtol: float = 1e-9) -> bool:
        if a is None or b is None:
            return a is None and b is None
        return bool(np.isclose(float(a), float(b), rtol=max(rtol, 1e-9), atol=1e-12))

    checks = [(n, 1e-9) for n in SUMMARY_EXACT] + [(n, percentile_rtol)
                                                   for n in SUMMARY_PERCENTILES]
    wrong = [(n, ours["summary"][n], anchor["summary"][n]) for n, rtol in checks
             if not same(ours["summary"][n], anchor["summary"][n], rtol)]
    assert sorted(ours["by_model"]) == sorted(anchor["by_model"]), engine
    columns = [(c, 1e-9) for c in COST_EXACT] + [(c, percentile_rtol) for c in COST_PERCENTILES]
    for model, row in anchor["by_model"].items():
        wrong += [(f"{model} {c}", ours["by_model"][model][c], row[c]) for c, rtol in columns
                  if not same(ours["by_model"][model][c], row[c], rtol)]
    assert not wrong, f"{engine} and DuckDB differ: {wrong[:5]}"


def pandas_range(rows: int, days: int, target: int = PANDAS_ROWS) -> tuple[str, str, int]:
    """The last days of the dataset holding about ``target`` rows: (start, end, days)."""
    count = days if rows <= target else max(1, min(days, round(target / (rows / days))))
    end = END // 86_400 * 86_400
    day = np.datetime64(end, "s").astype("datetime64[D]")
    return str(day - count), str(day), count


def run(rows: int, days: int = DAYS, repeat: int = 3, keep: str | None = None,
        quick: bool = False) -> list[dict[str, object]]:
    """Every step, each in a subprocess; the table's rows."""
    folder = tempfile.mkdtemp(prefix="orf-scale-") if keep is None else keep
    path = str(Path(folder) / "history")
    if Path(path).exists():
        shutil.rmtree(path)
    try:
        return _rows(path, rows, days, repeat, quick)
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def _rows(path: str, rows: int, days: int, repeat: int, quick: bool) -> list[dict[str, object]]:
    print(f"writing {rows:,} records over {days} days ...", flush=True)
    write = _in_subprocess("write", path=path, rows=rows, days=days)
    writer_speed = write["rows"] / (write["seconds"] - write["generating"])
    print(f"  {write['files']} files, {write['bytes_per_row']:.0f} bytes/row on disk, "
          f"{write['seconds']:.1f} s ({write['generating']:.1f} s of it generating)", flush=True)
    out: list[dict[str, object]] = [
        {"step": f"write {rows:,} records (write_dataset, {write['files']} files)",
         "seconds": write["seconds"] - write["generating"],
         "figure": f"{writer_speed:,.0f} records/s "
                   f"({write['rows'] / write['seconds']:,.0f} with generating)",
         "baseline": "-", "ratio": "-", "target": f">= {TARGETS['records/s']:,} records/s",
         "met": verdict(TARGETS["records/s"] / writer_speed, 1.0)},
        {"step": "  peak RSS growth while writing", "seconds": "-",
         "figure": f"{write['rss_growth'] / MB:,.0f} MB", "baseline": "-", "ratio": "-",
         "target": f"<= {TARGETS['write RSS MB']} MB",
         "met": verdict(write["rss_growth"] / MB, TARGETS["write RSS MB"])},
    ]
    print("DuckDB on every file ...", flush=True)
    anchor = _in_subprocess("duckdb", path=path, start=None, end=None, repeat=repeat)
    out.append({"step": f"DuckDB: the same numbers, {rows:,} rows ({anchor['files']} files)",
                "seconds": anchor["seconds"],
                "figure": f"{anchor['rss_growth'] / MB:,.0f} MB peak RSS growth",
                "baseline": "(anchor)", "ratio": 1.0, "target": "-", "met": "-"})
    print("Dask on a LocalCluster of 2 worker processes ...", flush=True)
    dask_row = _dask_row(path, rows, repeat, anchor)
    out += dask_row
    start, end, n_days = pandas_range(rows, days)
    print(f"pandas on the last {n_days} days [{start}, {end}) ...", flush=True)
    sub = anchor
    if n_days < days:  # a part of the dataset: DuckDB on those files too
        sub = _in_subprocess("duckdb", path=path, start=start, end=end, repeat=repeat)
    frames = {backend: _in_subprocess("pandas", path=path, start=start, end=end,
                                      repeat=repeat, dtype_backend=backend)
              for backend in (BACKENDS[:1] if quick else BACKENDS)}
    frames[f"{BACKENDS[0]}, columns= what they read"] = _in_subprocess(
        "pandas", path=path, start=start, end=end, repeat=repeat, dtype_backend=BACKENDS[0],
        narrow=True)
    for backend, frame in frames.items():
        check_agreement(f"pandas ({backend})", frame, sub, percentile_rtol=0.0)
    if n_days < days:
        out.append(
            {"step": f"DuckDB: the same numbers, {frame['rows']:,} rows ({n_days} days)",
             "seconds": sub["seconds"],
             "figure": f"{sub['rss_growth'] / MB:,.0f} MB peak RSS growth",
             "baseline": "(anchor)", "ratio": 1.0, "target": "-", "met": "-"})
    for backend, frame in frames.items():
        ratio = frame["seconds"] / sub["seconds"]
        out.append(
            {"step": f"pandas ({backend}): read_dataset + summary() + cost_summary(), "
                     f"{frame['rows']:,} rows",
             "seconds": frame["seconds"],
             "figure": f"{frame['rss_growth'] / MB:,.0f} MB peak RSS growth",
             "baseline": "DuckDB, same files", "ratio": ratio,
             "target": f"<= {TARGETS['pandas ratio']:g}x",
             "met": verdict(ratio, TARGETS["pandas ratio"])})
    return out


def _dask_row(path: str, rows: int, repeat: int, anchor: dict[str, Any]
              ) -> list[dict[str, object]]:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        return [{"step": "Dask: summary() + cost_summary()", "seconds": "-",
                 "figure": f"n/a: needs {dataset.DASK_EXTRA}", "baseline": "-", "ratio": "-",
                 "target": "-", "met": "-"}]
    result = _in_subprocess("dask", path=path, repeat=repeat)
    if result["seconds"] is None:
        print(NA_DASK, flush=True)
        return [{"step": "Dask, 2 workers: summary() + cost_summary()", "seconds": "-",
                 "figure": NA_DASK, "baseline": "DuckDB, same files", "ratio": "-",
                 "target": f"<= {TARGETS['dask ratio']:g}x", "met": "-"}]
    check_agreement("Dask", result, anchor, percentile_rtol=ALPHA)
    ratio = result["seconds"] / anchor["seconds"]
    worker = max(result["worker_peaks"]) / MB
    return [
        {"step": f"Dask ({DASK_BACKEND}), 2 workers: read_dataset + summary() + cost_summary(), "
                 f"{rows:,} rows "
                 f"({result['partitions']} partitions)",
         "seconds": result["seconds"], "figure": "-", "baseline": "DuckDB, same files",
         "ratio": ratio, "target": f"<= {TARGETS['dask ratio']:g}x",
         "met": verdict(ratio, TARGETS["dask ratio"])},
        {"step": "  peak RSS per worker", "seconds": "-",
         "figure": " / ".join(f"{p / MB:,.0f} MB" for p in result["worker_peaks"]),
         "baseline": "-", "ratio": "-", "target": f"<= {TARGETS['worker MB']:,} MB",
         "met": verdict(worker, TARGETS["worker MB"])},
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help=f"records ({ROWS:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} records")
    parser.add_argument("--days", type=int, default=None,
                        help=f"UTC days ({DAYS}; --quick: {QUICK_DAYS})")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed runs per step (3; --quick: 1)")
    parser.add_argument("--keep", default=None,
                        help="write the dataset under this folder and leave it there")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--args", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:  # a subprocess of run(): one step, its result as the last line
        print(json.dumps(_run_step(args.step, json.loads(args.args))))
        return 0
    rows = args.rows or (QUICK_ROWS if args.quick else ROWS)
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.days = args.days or (QUICK_DAYS if args.quick else DAYS)
    if rows < 1 or args.days < 1 or args.repeat < 1:
        parser.error("--rows, --days and --repeat must be at least 1")
    start = time.perf_counter()
    table = figures_only(run(rows, args.days, args.repeat, args.keep, args.quick), args.quick)
    note = ("figures only: a quick run gives no verdicts" if args.quick
            else "each engine's numbers checked against DuckDB's first")
    print_table(f"Scale: {rows:,} records over {args.days} days, {os.cpu_count()} cores, "
                f"median of {args.repeat} ({note}; {time.perf_counter() - start:.0f} s in all)",
                table)
    print("Fetching at the account's rate limit (the same issue): benchmarks/ratelimit.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
