"""Typing speed and memory: records and raw JSON bodies to a typed frame, against pandas.

Generated data, in memory: ``n`` distinct records, each generated on its own
from its own id by the simulator's record generator (no copies sharing value
objects), with the fields the live service sends beyond the spec
(``provider_responses``, ``data_region``, ``router``, ``service_tier``, and a
``session_id`` added here), and their compact JSON bodies as the cache
stores them.  Each row is a ratio against its baseline, timed in the same
process (median of ``--repeat`` runs):

* records to typed frame (``records_to_frame``, both backends) against the
  untyped ``pd.DataFrame(records)``: target at most 1.0;
* raw bodies to typed frame (``raw_to_frame``) against a bare
  ``pyarrow.json.read_json`` of the same bodies (untyped): target at most 1.15;
* the same from a cache file (``GenerationCache.get_raw_many`` then
  ``raw_to_frame``, against ``get_many`` then ``records_to_frame``): target at
  most 0.25;
* the typed frame's ``memory_usage(deep=True)`` against the untyped frame's:
  target at most 0.7;
* peak extra resident memory (RSS, each in a fresh subprocess) while typing
  records, against ``pd.DataFrame(records)`` (target at most 1.0), and while
  reading raw bodies or the cache, against the naive path (target at most 0.5).

``--quick`` prints the figures only; verdicts come from a full run.

    python benchmarks/records.py                  # 1,000,000 rows
    python benchmarks/records.py --quick          # 10,000 rows
    python benchmarks/records.py --rows 200000 --no-memory
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from pyarrow import json as pa_json

sys.path.insert(0, str(Path(__file__).parent))
from _common import PeakRSS, figures_only, median_time, print_table, verdict  # noqa: E402

from openrouter_frame.frame import raw_to_frame, records_to_frame  # noqa: E402
from openrouter_frame.testing import Simulator  # noqa: E402
from openrouter_frame.testing.data import make_record  # noqa: E402

BACKENDS = ("numpy_nullable", "pyarrow")
MB = 1024 * 1024


# -- data -----------------------------------------------------------------------------------
def make_ids(n: int) -> list[str]:
    """``n`` distinct ids of the simulator's default account."""
    return Simulator().ids(n)


def make_records(n: int) -> list[dict[str, Any]]:
    """``n`` distinct records, each generated from its own id, with the extra fields."""
    out = []
    for id in make_ids(n):
        record = make_record(id)
        digest = hashlib.blake2b(id.encode(), digest_size=6).hexdigest()
        record.setdefault("session_id", f"sess-{digest}" if digest[0] < "a" else None)
        out.append(record)
    return out


def make_bodies(n: int) -> list[bytes]:
    """The compact JSON bodies of ``make_records(n)``, as the cache stores them."""
    return [json.dumps(r, separators=(",", ":"), ensure_ascii=False).encode()
            for r in make_records(n)]


def bare_read_json(bodies: list[bytes]) -> Any:
    """The baseline for raw bodies: one untyped ``pyarrow.json.read_json`` of them all."""
    return pa_json.read_json(io.BytesIO(b"\n".join(bodies)),
                             read_options=pa_json.ReadOptions(block_size=1 << 24))


def _cache_available() -> bool:
    try:
        from openrouter_frame.cache import GenerationCache
    except ImportError:
        return False
    return hasattr(GenerationCache, "get_raw_many") and hasattr(GenerationCache, "put_many")


class _Cache:
    """A cache file holding the records of ``make_records(n)``: a new temporary
    one, or the one at ``path`` that an earlier ``_Cache(n)`` filled."""

    KEY = "sk-or-v1-benchmark"

    def __init__(self, n: int, path: str | None = None) -> None:
        from openrouter_frame.cache import GenerationCache
        from openrouter_frame.fetch import Secret

        self._dir = None if path else tempfile.TemporaryDirectory(prefix="orf-bench-")
        self.path = path or str(Path(self._dir.name) / "cache.sqlite")  # type: ignore[union-attr]
        self.cache = GenerationCache(self.path)
        self.key = self.cache.account(Secret(self.KEY))
        self.ids = make_ids(n)
        if path is None:
            records = make_records(n)
            for start in range(0, n, 50_000):
                chunk = records[start:start + 50_000]
                self.cache.put_many(self.key, [(r["id"], r) for r in chunk])
            del records

    def read_fast(self, dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
        raw = self.cache.get_raw_many(self.key, self.ids)
        return raw_to_frame([raw[i] for i in self.ids], ids=self.ids,
                            dtype_backend=dtype_backend)

    def read_naive(self, dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
        records = self.cache.get_many(self.key, self.ids)
        return records_to_frame([records[i] for i in self.ids], dtype_backend=dtype_backend)

    def close(self) -> None:
        self.cache.close()
        if self._dir is not None:
            self._dir.cleanup()


# -- speed ----------------------------------------------------------------------------------
def _row(measure: str, rows: int, ours: float, base: float, target: float, unit: str = "s",
         baseline: str = "") -> dict[str, object]:
    ratio = ours / base if base else float("nan")
    return {"measure": measure, "rows": f"{rows:,}", "ours": _fmt(ours, unit),
            "baseline": _fmt(base, unit), "baseline is": baseline, "ratio": round(ratio, 3),
            "target": f"<= {target:g}", "met": verdict(ratio, target)}


def _fmt(value: float, unit: str) -> str:
    return f"{value:.2f} s" if unit == "s" else f"{value / MB:,.0f} MB"


def speed_rows(rows: int, repeat: int = 3, cache: _Cache | None = None
               ) -> list[dict[str, object]]:
    """Time records, raw bodies and the cache to typed frames against their baselines."""
    out = _records_rows(rows, repeat)
    gc.collect()
    out += _bodies_rows(rows, repeat)
    gc.collect()
    if cache is not None:
        naive = median_time(cache.read_naive, repeat)
        fast = median_time(cache.read_fast, repeat)
        out.append(_row("cache file -> typed frame", rows, fast, naive, 0.25,
                        baseline="get_many (json.loads) + records_to_frame"))
    return out


def _records_rows(rows: int, repeat: int) -> list[dict[str, object]]:
    records = make_records(rows)
    gc.collect()
    out = []
    untyped = median_time(lambda: pd.DataFrame(records), repeat)
    for backend in BACKENDS:
        typed = median_time(lambda b=backend: records_to_frame(records, dtype_backend=b), repeat)
        out.append(_row(f"records -> typed frame ({backend})", rows, typed, untyped, 1.0,
                        baseline="pd.DataFrame(records)"))
    # The frames' own memory is deterministic, so it is measured here.
    untyped_bytes = pd.DataFrame(records).memory_usage(deep=True).sum()
    for backend in BACKENDS:
        typed_bytes = records_to_frame(records, dtype_backend=backend).memory_usage(
            deep=True).sum()
        out.append(_row(f"typed frame memory_usage(deep=True) ({backend})", rows,
                        typed_bytes, untyped_bytes, 0.7, unit="MB",
                        baseline="untyped frame's"))
    return out


def _bodies_rows(rows: int, repeat: int) -> list[dict[str, object]]:
    bodies = make_bodies(rows)
    gc.collect()
    out = []
    bare = median_time(lambda: bare_read_json(bodies), repeat)
    for backend in BACKENDS:
        fast = median_time(lambda b=backend: raw_to_frame(bodies, dtype_backend=b), repeat)
        out.append(_row(f"raw JSON bodies -> typed frame ({backend})", rows, fast, bare, 1.15,
                        baseline="pyarrow.json.read_json (untyped)"))
    return out


# -- memory ---------------------------------------------------------------------------------
_SCENARIOS: dict[str, tuple[str, Callable[[int], Any], Callable[[Any], Any]]] = {
    # name: (data, build data, operation)
    "untyped": ("records", make_records, lambda data: pd.DataFrame(data)),
    "typed": ("records", make_records, lambda data: records_to_frame(data)),
    "typed-pyarrow": ("records", make_records,
                      lambda data: records_to_frame(data, dtype_backend="pyarrow")),
    "raw-naive": ("bodies", make_bodies,
                  lambda data: records_to_frame([json.loads(b) for b in data])),
    "raw": ("bodies", make_bodies, lambda data: raw_to_frame(data)),
    "cache-naive": ("cache", lambda n: _Cache(n, os.environ["ORF_BENCH_CACHE"]),
                    lambda cache: cache.read_naive()),
    "cache": ("cache", lambda n: _Cache(n, os.environ["ORF_BENCH_CACHE"]),
              lambda cache: cache.read_fast()),
}


def measure(scenario: str, rows: int) -> dict[str, int]:
    """Build the scenario's data, then the peak extra RSS while its operation runs."""
    _, build, op = _SCENARIOS[scenario]
    data = build(rows)
    gc.collect()
    with PeakRSS() as peak:
        result = op(data)
    del result
    if isinstance(data, _Cache):
        data.close()
    return {"before": peak.start, "peak": peak.peak, "extra": peak.peak - peak.start}


def _measure_in_subprocess(scenario: str, rows: int, cache: _Cache | None) -> int:
    env = dict(os.environ, ORF_BENCH_CACHE=cache.path if cache else "")
    proc = subprocess.run(
        [sys.executable, __file__, "--measure", scenario, "--rows", str(rows)],
        capture_output=True, text=True, env=env)
    if proc.returncode:
        raise RuntimeError(f"measuring {scenario!r} failed:\n{proc.stderr}")
    return int(json.loads(proc.stdout.strip().splitlines()[-1])["extra"])


def memory_rows(rows: int, cache: _Cache | None = None) -> list[dict[str, object]]:
    """Peak extra RSS of each path against its baseline, each in a fresh subprocess."""
    peak = {name: _measure_in_subprocess(name, rows, cache) for name in _SCENARIOS
            if not name.startswith("cache") or cache is not None}
    out = [
        _row("peak extra RSS, typing records (numpy_nullable)", rows, peak["typed"],
             peak["untyped"], 1.0, unit="MB", baseline="pd.DataFrame(records)"),
        _row("peak extra RSS, typing records (pyarrow)", rows, peak["typed-pyarrow"],
             peak["untyped"], 1.0, unit="MB", baseline="pd.DataFrame(records)"),
        _row("peak extra RSS, raw bodies -> typed frame", rows, peak["raw"], peak["raw-naive"],
             0.5, unit="MB", baseline="json.loads each + records_to_frame"),
    ]
    if "cache" in peak:
        out.append(_row("peak extra RSS, cache file -> typed frame", rows, peak["cache"],
                        peak["cache-naive"], 0.5, unit="MB",
                        baseline="get_many + records_to_frame"))
    return out


def run(rows: int, *, repeat: int = 3, memory: bool = True) -> list[dict[str, object]]:
    """Every row of the table: speed, then memory."""
    cache = _Cache(rows) if _cache_available() else None
    try:
        out = speed_rows(rows, repeat, cache)
        if memory:
            out += memory_rows(rows, cache)
    finally:
        if cache is not None:
            cache.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows")
    parser.add_argument("--rows", type=int, default=None, help="rows (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--no-memory", action="store_true", help="skip the RSS subprocesses")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--measure", choices=sorted(_SCENARIOS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rows = args.rows or (10_000 if args.quick else 1_000_000)
    if args.measure:
        print(json.dumps(measure(args.measure, rows)))
        return 0
    start = time.perf_counter()
    table = run(rows, repeat=args.repeat, memory=not args.no_memory)
    missed = [r["measure"] for r in table if r["met"] != "yes"]
    print_table(f"Typing {rows:,} distinct generations (ratios against the baseline, same "
                f"process; {time.perf_counter() - start:.0f} s in all"
                + ("; figures only: a quick run gives no verdicts)" if args.quick else ")"),
                figures_only(table, args.quick))
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
