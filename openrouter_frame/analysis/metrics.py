"""Column access and per-group building blocks of :mod:`openrouter_frame.analysis.summary`.

Turns the columns of a typed generations frame into ``float64`` arrays (NaN
for NA, whatever the dtype backend), defines the per-row metrics
(:func:`tokens_per_second_values`) and computes the figures several
summaries share (costs, finish-reason shares) per :class:`~.groups.Groups`.
Everything is vectorised; nothing here warns on empty or all-NA input.

Examples
--------
>>> import pandas as pd
>>> from openrouter_frame.analysis.metrics import floats
>>> floats(pd.DataFrame({"latency": pd.array([120.0, None], dtype="Float64")}), "latency")
array([120.,  nan])
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema
from ..errors import MissingColumnsError
from .groups import NA_LABEL, By, Groups, group_by, normalize_by
from .partials import Inputs, Reduced

#: The completion-token columns, in order of preference (native, then normalized).
COMPLETION = ("native_tokens_completion", "tokens_completion")
#: Name of what a generation really cost the caller (:func:`effective_cost`).
EFFECTIVE_COST = "effective_cost"


# -- columns ----------------------------------------------------------------------------
def require(frame: pd.DataFrame, columns: Iterable[str], method: str) -> None:
    """Raise :class:`MissingColumnsError` if ``frame`` lacks any of ``columns``."""
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if missing:
        raise MissingColumnsError(method, missing)


def as_float(series: pd.Series) -> np.ndarray:
    """A column as float64 with NaN for NA, whatever its dtype or backend: the one cast.

    Datetimes become microseconds since the epoch; text that is not a number NaN.

    >>> as_float(pd.Series([1, None], dtype="Int64")).tolist()
    [1.0, nan]
    """
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_timestamp(dtype.pyarrow_dtype):
        # Arrow timestamps: one cast of the buffer (pd.to_datetime boxes every value)
        arr = pa.array(series).cast(pa.int64())
        ticks = np.asarray(arr.fill_null(0).to_numpy(zero_copy_only=False), dtype="int64")
        unit = dtype.pyarrow_dtype.unit
        if unit == "ns":
            ticks = ticks // 1_000  # floor, as the cast to datetime64[us] below
        else:
            ticks = ticks * {"s": 1_000_000, "ms": 1_000}.get(unit, 1)
        out = ticks.astype("float64")
        out[np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)] = np.nan
        return out
    if pd.api.types.is_datetime64_any_dtype(dtype) or "timestamp" in str(dtype):
        ts = pd.to_datetime(series, utc=True).astype("datetime64[us, UTC]")
        out = ts.to_numpy(dtype="datetime64[us]").astype("int64").astype("float64")
        out[ts.isna().to_numpy()] = np.nan
        return out
    try:
        return np.asarray(series.to_numpy(dtype="float64", na_value=np.nan))
    except (TypeError, ValueError):  # text, objects: parse what parses
        return np.asarray(pd.to_numeric(series, errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan))


def floats(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as float64 with NaN for NA (all NaN if the column is absent)."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return as_float(frame[name])


def paid_amount(charged: Any, upstream: Any, byok: Any) -> Any:
    """The BYOK rule, in its one home: ``charged`` plus ``upstream`` where ``byok`` and known.

    ``charged`` is ``total_cost`` (what OpenRouter billed); for a BYOK
    generation OpenRouter charges only its fee and the upstream provider bills
    the caller's own key ``upstream_inference_cost`` on top.  Arrays or scalars.

    >>> float(paid_amount(0.00002, 0.0004, True)), float(paid_amount(0.5, 0.1, False))
    (0.00042, 0.5)
    """
    return charged + np.where(byok & np.isfinite(upstream), upstream, 0.0)


def effective_cost(frame: pd.DataFrame) -> np.ndarray:
    """What each row really cost the caller, float64 (NaN where ``total_cost`` is NA).

    ``total_cost`` plus ``upstream_inference_cost`` where ``is_byok`` is true
    and the upstream cost is known (:func:`paid_amount`); just ``total_cost``
    when the frame lacks either column.  The viewer ranks and charts by it;
    ``df.orgen.effective_cost()`` gives it as a column.

    >>> df = pd.DataFrame({"total_cost": [0.00002, 0.5], "is_byok": [True, False],
    ...                    "upstream_inference_cost": [0.0004, 0.0]})
    >>> effective_cost(df).round(6).tolist()
    [0.00042, 0.5]
    """
    total = floats(frame, "total_cost")
    if "is_byok" not in frame or "upstream_inference_cost" not in frame:
        return total
    byok = np.asarray(frame["is_byok"].fillna(False).to_numpy(dtype=bool))
    return np.asarray(paid_amount(total, as_float(frame["upstream_inference_cost"]), byok))


def timestamps(frame: pd.DataFrame) -> np.ndarray:
    """``created_at`` as naive UTC ``datetime64[us]`` (NaT for NA)."""
    # Both backends store UTC instants: this is a cast, never a per-value conversion.
    return np.asarray(frame["created_at"].to_numpy(dtype="datetime64[us]",
                                                   na_value=np.datetime64("NaT")))


def tokens_per_second_values(frame: pd.DataFrame, method: str = "tokens_per_second", *,
                             missing_ok: bool = False) -> np.ndarray:
    """Completion tokens per second of ``generation_time``: float64, NaN where undefined.

    Native completion tokens (the normalized count where native is NA) divided
    by ``generation_time / 1000``; NaN where either is missing, the time is
    not positive (never ``inf``), or no completion token was made: an
    embedding, a rerank call or a stream cancelled before any token came
    has no generation speed (``<NA>``, not ``0.0``, so it never drags a
    median down).  A frame lacking the columns raises
    :class:`MissingColumnsError`, or gives all NaN with ``missing_ok=True``.

    >>> df = pd.DataFrame({"native_tokens_completion": [100, None, 0],
    ...                    "tokens_completion": [90, 50, 0],
    ...                    "generation_time": [2000.0, 0.0, 40.0]})
    >>> tokens_per_second_values(df).tolist()
    [50.0, nan, nan]
    """
    lacks_time = "generation_time" not in frame.columns
    lacks_tokens = not any(c in frame.columns for c in COMPLETION)
    if missing_ok and (lacks_time or lacks_tokens):
        return np.full(len(frame), np.nan)
    require(frame, ["generation_time"], method)
    if lacks_tokens:
        raise MissingColumnsError(method, COMPLETION, hint=" (either one will do)")
    tokens = floats(frame, "native_tokens_completion")
    tokens = np.where(np.isnan(tokens), floats(frame, "tokens_completion"), tokens)
    ms = floats(frame, "generation_time")
    defined = (ms > 0) & (tokens > 0)  # False for NaN
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(defined, tokens / np.where(defined, ms, 1.0) * 1000.0, np.nan)


def nan_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a + b`` where an NA part counts as 0, NaN only where both are NA.

    The prompt + completion token sum, per row or per group.

    >>> nan_sum(np.array([1.0, np.nan, np.nan]), np.array([2.0, 3.0, np.nan])).tolist()
    [3.0, 3.0, nan]
    """
    return np.where(np.isnan(a) & np.isnan(b), np.nan, np.nan_to_num(a) + np.nan_to_num(b))


def native_tokens(frame: pd.DataFrame) -> np.ndarray:
    """Native prompt + completion tokens per row (see :func:`nan_sum`)."""
    return nan_sum(floats(frame, "native_tokens_prompt"), floats(frame, "native_tokens_completion"))


def sorted_finite(values: Iterable[Any]) -> np.ndarray:
    """The finite values, as sorted float64 (NA dropped) - the input of :func:`percentile_rank`.

    >>> sorted_finite([3, None, 1.5, float("nan")]).tolist()
    [1.5, 3.0]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    out = as_float(series)
    return np.sort(out[np.isfinite(out)])


def percentile_rank(sorted_values: Sequence[float] | np.ndarray, x: Any) -> float | None:
    """Percent of ``sorted_values`` at or below ``x`` (0-100); ``None`` when undefined.

    The "weak" percentile rank: the most expensive generation is at the 100th
    percentile, the cheapest of ``n`` at ``100 / n``.  ``sorted_values`` must
    be sorted ascending and hold no NaN (see :func:`sorted_finite`).

    >>> percentile_rank([1.0, 2.0, 2.0, 5.0], 2.0)
    75.0
    >>> percentile_rank([1.0, 2.0], None) is None, percentile_rank([], 1.0) is None
    (True, True)
    """
    n = len(sorted_values)
    if n == 0 or schema.is_na(x):
        return None
    return 100.0 * int(np.searchsorted(sorted_values, float(x), side="right")) / n


# -- building blocks --------------------------------------------------------------------
def float_col(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A ``Float64`` result column (NaN becomes NA)."""
    return pd.array(np.asarray(values, dtype=np.float64), dtype="Float64")


def int_col(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """An ``Int64`` result column from float counts or sums (NaN becomes NA)."""
    values = np.asarray(values, dtype=np.float64)
    mask = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(mask, 0, np.round(values)).astype(np.int64), mask)


def reason_shares(r: Reduced, *reasons: str) -> list[np.ndarray]:
    """Share of each of ``reasons`` among the generations with a known finish_reason.

    Reads the ``finish_reason`` tally of ``r`` (:func:`flag_inputs`); NA for a
    group where no finish reason is known (or the column is absent).
    """
    counts, labels = r.tally("finish_reason")
    if not labels:
        return [np.full(r.n, np.nan) for _ in reasons]
    rows = r.counts()
    known = rows - (counts[:, labels.index(NA_LABEL)] if NA_LABEL in labels else 0)
    out = []
    for reason in reasons:
        hits = counts[:, labels.index(reason)] if reason in labels else np.zeros(r.n)
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(np.where(known > 0, hits / np.maximum(known, 1), np.nan))
    return out


def flag_inputs(frame: pd.DataFrame, *names: str) -> Inputs:
    """The boolean columns ``names`` as 0/1 values (their means are rates), and the
    ``finish_reason`` tally when the frame has that column."""
    tallies = ({"finish_reason": frame["finish_reason"].to_numpy(dtype=object, na_value=None)}
               if "finish_reason" in frame.columns else {})
    return Inputs({name: floats(frame, name) for name in names}, tallies=tallies)


def cost_inputs(frame: pd.DataFrame) -> Inputs:
    """The per-row values of :func:`cost_block`: cost, native tokens, cache reads and writes."""
    discount = floats(frame, "cache_discount")
    unknown = np.isnan(discount)
    return Inputs({
        "total_cost": floats(frame, "total_cost"),
        "native_tokens_prompt": floats(frame, "native_tokens_prompt"),
        "native_tokens_completion": floats(frame, "native_tokens_completion"),
        "cache_savings": np.where(discount > 0, discount, np.where(unknown, np.nan, 0.0)),
        "cache_writes": np.where(discount < 0, discount, np.where(unknown, np.nan, 0.0)),
    }, quantiles=("total_cost",))


def cost_block(r: Reduced) -> dict[str, np.ndarray]:
    """The cost figures shared by ``summary()`` and ``cost_summary()``, per group."""
    total = r.sums("total_cost")
    q = r.quantiles("total_cost", (0.5, 0.9))
    prompt = r.sums("native_tokens_prompt")
    completion = r.sums("native_tokens_completion")
    tokens = nan_sum(prompt, completion)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_1m = np.where(tokens > 0, total / np.where(tokens > 0, tokens, 1) * 1e6, np.nan)
    return {
        "total": total, "mean": r.means("total_cost"), "median": q[:, 0], "p90": q[:, 1],
        "prompt": prompt, "completion": completion, "per_1m": per_1m,
        "savings": r.sums("cache_savings"), "writes": 0.0 - r.sums("cache_writes"),
    }


def merge_inputs(*parts: Inputs) -> Inputs:
    """One :class:`Inputs` holding every part's values, percentiles and tallies."""
    out = Inputs()
    for part in parts:
        out.values.update(part.values)
        out.quantiles += tuple(q for q in part.quantiles if q not in out.quantiles)
        out.extremes += tuple(q for q in part.extremes if q not in out.extremes)
        out.tallies.update(part.tallies)
        out.firsts.update(part.firsts)
    return out


def pct_label(p: float) -> str:
    """``0.5`` -> ``p50``, ``0.999`` -> ``p99.9``."""
    return f"p{p * 100:.10g}"


def check_percentiles(percentiles: float | Iterable[float]) -> tuple[float, ...]:
    """``percentiles`` as a tuple of floats strictly between 0 and 1, else ``ValueError``."""
    items = (percentiles,) if isinstance(percentiles, numbers.Real) else percentiles
    try:
        ps = tuple(items)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"percentiles must be numbers in (0, 1), got {percentiles!r}") from None
    if not ps:
        raise ValueError("percentiles must not be empty")
    for p in ps:
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 < float(p) < 1:
            raise ValueError(f"percentiles must be strictly between 0 and 1, got {p!r}")
    labels = [pct_label(float(p)) for p in ps]
    if len(set(labels)) != len(labels):
        raise ValueError(f"percentiles has duplicates: {list(ps)!r}")
    return tuple(float(p) for p in ps)


def table(columns: dict[str, Any], groups: Groups | Reduced, sort_keys: Sequence[np.ndarray]
          ) -> pd.DataFrame:
    """A result frame on the group labels, rows ordered by ``sort_keys`` (descending)."""
    out = pd.DataFrame(columns, index=groups.index)
    if groups.n > 1:
        # lexsort's last key is the primary one; NaN sorts last, ties go by label.
        keys = [groups.label_ranks()] + [-np.nan_to_num(np.asarray(k, dtype=np.float64),
                                                       nan=-np.inf) for k in sort_keys[::-1]]
        out = out.iloc[np.lexsort(keys)]
    return out


def py_value(x: Any, kind: str) -> Any:
    """A plain Python value for :func:`summary`'s object Series (``pd.NA``/``NaT`` if NaN)."""
    if kind == "datetime":
        return pd.Timestamp(x, tz="UTC") if not pd.isna(x) else pd.NaT
    if pd.isna(x):
        return pd.NA
    return int(round(float(x))) if kind == "int" else float(x)


def group(frame: pd.DataFrame, by: By, needs: Iterable[str], method: str) -> Groups:
    """Check that ``frame`` has ``needs`` and the ``by`` columns, then group it."""
    keys = normalize_by(by)
    require(frame, [*needs, *keys], method)
    return group_by(frame, keys or None)
