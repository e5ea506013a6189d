"""Which dtype for an open set of labels (``model``, ``provider_name``, finish reasons, ...)?

An open set's values are not known in advance, so a categorical's categories
are whatever one batch happened to hold, and ``pd.concat`` of two fetches
with different models turns the column into ``object``.  This script
compares the candidates on a column of the simulator's model slugs (the
weighted mix it serves: a few dozen distinct values), one row per
generation, with a ``total_cost`` to sum:

* ``memory``: ``Series.memory_usage(deep=True)`` of the label column, MB,
  and as a ratio against ``category``;
* ``groupby``: ``df.groupby(label, dropna=False, observed=True)["total_cost"].sum()``,
  median seconds, and the ratio against ``category``;
* ``factorize``: :func:`openrouter_frame.analysis.groups.factorize`, the
  grouping every summary and plot uses, seconds and ratio;
* ``build``: the column from the Arrow string array the frame builders hold
  (``from_arrow``), seconds and ratio;
* ``concat keeps``: whether ``pd.concat`` of two halves holding disjoint
  labels keeps the dtype.

    python benchmarks/open_sets.py               # 1,000,000 rows
    python benchmarks/open_sets.py --rows 100000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median_time, print_table  # noqa: E402

from openrouter_frame.analysis.groups import factorize  # noqa: E402
from openrouter_frame.testing.data import MODELS  # noqa: E402


def _labels(rows: int) -> list[str]:
    rng = np.random.default_rng(0)
    weights = np.array([m.weight for m in MODELS])
    slugs = np.array([m.slug for m in MODELS], dtype=object)
    picked = slugs[rng.choice(len(MODELS), size=rows, p=weights / weights.sum())]
    # Version suffixes, as a year of traffic has them: ~4x the distinct values.
    suffix = np.array(["", "", ":free", "-2025-01"], dtype=object)[rng.integers(0, 4, rows)]
    return list(picked + suffix)


def _candidates() -> dict[str, Any]:
    out: dict[str, Any] = {
        "category": lambda arr: pd.Series(arr.to_pandas(), dtype="category"),
        "string[python]": lambda arr: pd.Series(pd.StringDtype("python").__from_arrow__(arr)),
        "string[pyarrow]": lambda arr: pd.Series(pd.StringDtype("pyarrow").__from_arrow__(arr)),
        "object": lambda arr: pd.Series(arr.to_numpy(zero_copy_only=False), dtype=object),
        "ArrowDtype(string)": lambda arr: pd.Series(pd.arrays.ArrowExtensionArray(arr)),
        "ArrowDtype(dictionary)": lambda arr: pd.Series(
            pd.arrays.ArrowExtensionArray(arr.dictionary_encode().cast(
                pa.dictionary(pa.int32(), pa.string())))),
    }
    if pd.__version__ >= "3":
        out["str (pandas 3 default)"] = lambda arr: pd.Series(
            pd.StringDtype("pyarrow", na_value=np.nan).__from_arrow__(arr))
    return out


def _concat_keeps(make: Any) -> bool:
    first = make(pa.array(["openai/gpt-4o", "openai/gpt-4o-mini", None]))
    second = make(pa.array(["anthropic/claude-sonnet-4", None]))
    return bool(pd.concat([first, second]).dtype == first.dtype)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10,000 rows")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = 10_000
    labels = _labels(args.rows)
    arr = pa.array(labels, type=pa.string())
    cost = pd.Series(np.random.default_rng(1).lognormal(-6, 1.5, args.rows), dtype="Float64")
    results = []
    for name, make in _candidates().items():
        column = make(arr)
        frame = pd.DataFrame({"model": column, "total_cost": cost})
        results.append({
            "dtype": name,
            "str(dtype)": str(column.dtype),
            "memory_mb": column.memory_usage(deep=True, index=False) / 1e6,
            "groupby_s": median_time(lambda f=frame: f.groupby(
                "model", dropna=False, observed=True)["total_cost"].sum(), args.repeat),
            "factorize_s": median_time(lambda c=column: factorize(c), args.repeat),
            "build_s": median_time(lambda m=make: m(arr), args.repeat),
            "concat_keeps": _concat_keeps(make),
        })
    base = results[0]
    rows = [{
        "dtype": r["dtype"], "str(dtype)": r["str(dtype)"],
        "memory MB": r["memory_mb"], "x cat": r["memory_mb"] / base["memory_mb"],
        "groupby s": r["groupby_s"], "x cat ": r["groupby_s"] / base["groupby_s"],
        "factorize s": r["factorize_s"], "x cat  ": r["factorize_s"] / base["factorize_s"],
        "build s": r["build_s"], "x cat   ": r["build_s"] / base["build_s"],
        "concat keeps": r["concat_keeps"],
    } for r in results]
    print_table(f"open-set label column, {args.rows:,} rows, {len(set(labels))} distinct "
                f"(pandas {pd.__version__}, pyarrow {pa.__version__})", rows)


if __name__ == "__main__":
    main()
