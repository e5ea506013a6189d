"""Every benchmark in one command: each figure a ratio against its baseline, same process.

Runs, in turn, each benchmark script of this directory that exists:

* ``records.py``: records and raw JSON bodies (and the cache) to typed frames,
  and memory, against ``pd.DataFrame(records)`` / ``json.loads``;
* ``fetch.py``: fetching 2,000 ids at 50 ms simulator latency with 32 workers,
  against the ideal ``n * latency / workers``;
* ``ratelimit.py``: fetching 5,000 ids at a rate limit of 200 requests/s with
  64 workers, the adaptive client against the plain 429-gate client;
* ``summaries.py``: ``df.orgen`` summaries against bare pandas groupbys;
* ``viewer.py``: the viewer's response time against plain pandas;
* ``cache.py``: cached ids to a typed frame;
* ``attempts.py``: ``provider_attempts`` and its summaries against plain pandas;
* ``open_sets.py``: candidate dtypes for open label sets (memory, groupby, concat);
* ``plots.py``: ``plot_cost_over_time`` over 1,000 hourly periods against ``cost_over_time``;
* ``scale.py``: 10,000,000 records written to a parquet dataset, then
  ``summary()`` + ``cost_summary()`` on Dask (2 workers) and pandas, against
  DuckDB on the same files (``--quick``: 100,000 records).

Each script prints its own table; this one adds the machine and a closing
table of what ran.  A script is imported and its ``main(argv)`` called (or
``run(quick)``, whose rows are printed); one that fails is reported and the
rest still run.

    python benchmarks/run.py                 # full size (1,000,000 rows; scale.py 10M; minutes)
    python benchmarks/run.py --quick         # 10,000 rows, same code paths (CI)
    python benchmarks/run.py --rows 200000 --only records summaries
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import inspect
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from _common import print_table  # noqa: E402

SCRIPTS = ("records", "fetch", "ratelimit", "summaries", "viewer", "cache", "attempts", "open_sets",
           "plots", "scale")


def machine() -> str:
    """One line: CPU count, load, and the versions that matter."""
    import numpy
    import pandas
    import pyarrow

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores "
            f"(load average {load}); Python {platform.python_version()}, "
            f"pandas {pandas.__version__}, pyarrow {pyarrow.__version__}, "
            f"numpy {numpy.__version__}")


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _argv(name: str, quick: bool, rows: int | None, repeat: int | None) -> list[str]:
    argv = ["--quick"] if quick else []
    if rows is not None and name in ("records", "summaries", "viewer", "attempts", "open_sets"):
        argv += ["--rows", str(rows)]
    if repeat is not None and name == "records":
        argv += ["--repeat", str(repeat)]
    return argv


def run_script(name: str, quick: bool, rows: int | None = None,
               repeat: int | None = None) -> dict[str, object]:
    """Import ``benchmarks/NAME.py`` and run it; return a row for the closing table."""
    start = time.perf_counter()
    argv = _argv(name, quick, rows, repeat)
    print(f"\n=== {name}.py {' '.join(argv)}", flush=True)
    status = "ok"
    try:
        module = _load(name)
        code = _call(module, argv, quick)
        if code:
            status = f"exit {code}"
    except SystemExit as exc:  # argparse rejected an option: say so, carry on
        status = f"exit {exc.code}"
    except Exception:  # noqa: BLE001 - one broken script must not hide the others
        traceback.print_exc()
        status = "error"
    finally:
        gc.collect()
    return {"benchmark": f"{name}.py", "arguments": " ".join(argv) or "(full size)",
            "status": status, "seconds": round(time.perf_counter() - start, 1)}


def _call(module: ModuleType, argv: list[str], quick: bool) -> int:
    if hasattr(module, "main"):
        return int(module.main(argv) or 0)
    if hasattr(module, "run"):
        kwargs = {"quick": quick} if "quick" in inspect.signature(module.run).parameters else {}
        rows: Any = module.run(**kwargs)
        if isinstance(rows, list) and rows and isinstance(rows[0], dict):
            print_table(module.__name__, rows)
        return 0
    raise RuntimeError(f"{module.__file__} has neither main(argv) nor run(quick)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="10,000 rows (and each script's quick mode)")
    parser.add_argument("--rows", type=int, default=None,
                        help="rows for the frame benchmarks (records, summaries, viewer)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per timing (records)")
    parser.add_argument("--only", nargs="+", choices=SCRIPTS, help="run just these")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(machine(), flush=True)
    names = [n for n in (args.only or SCRIPTS) if (HERE / f"{n}.py").exists()]
    ran = [run_script(n, args.quick, args.rows, args.repeat) for n in names]
    missing = [f"{n}.py" for n in (args.only or SCRIPTS) if n not in names]
    print_table(f"Benchmarks run ({time.perf_counter() - start:.0f} s in all"
                + (f"; not present: {', '.join(missing)}" if missing else "") + ")", ran)
    return 0 if all(r["status"] == "ok" for r in ran) else 1


if __name__ == "__main__":
    raise SystemExit(main())
