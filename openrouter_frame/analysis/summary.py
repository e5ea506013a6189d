"""Cost and latency summaries of a generations frame: pure, vectorised functions.

These are what ``df.orgen`` calls (see :mod:`openrouter_frame.analysis.accessor`); each
takes a typed frame (:func:`~openrouter_frame.frame.coerce` one read back from
CSV first) and returns a new Series or DataFrame.  Conventions, shared by all:

* Units: costs are US dollars, ``latency`` and ``generation_time`` are
  milliseconds (as the API reports them), tokens are counts.  Result labels
  carry their unit (``total_cost_usd``, ``latency_p50_ms``).
* Which cost: every summary here, every plot and :func:`sessions
  <openrouter_frame.analysis.attempts.sessions>` sum ``total_cost``, what
  OpenRouter charged.  For a BYOK generation the caller also pays the
  upstream provider (``upstream_inference_cost``, on their own key): what
  was really paid is :func:`effective_cost` (the viewer's ``cost``), the
  one home of that rule being
  :func:`~openrouter_frame.analysis.metrics.effective_cost`.
* NA values are skipped.  A sum, mean or percentile with no known value is NA
  (never 0, never a warning); counts are never NA.
* Group keys that are NA form their own group labelled ``<NA>``; only groups
  that occur are listed.  ``by`` is a column name, a list of them, or ``None``
  (one row, labelled ``all``).  Any column can be a key, including the
  extra fields the service sends.
* Results use pandas' nullable dtypes (``Float64``, ``Int64``) whatever the
  frame's dtype backend.
* A function lacking a column it needs raises
  :class:`~openrouter_frame.errors.MissingColumnsError` (a ``KeyError``)
  naming the columns and the function; columns that only feed one optional
  output (say ``cache_discount``) give NA there when absent.

Examples
--------
>>> from openrouter_frame.analysis import summary
>>> from openrouter_frame.testing import sample_frame
>>> df = sample_frame(50)
>>> s = summary.summary(df)
>>> s["generations"], s["total_cost_usd"] > 0
(50, True)
>>> list(summary.cost_summary(df, by="model").columns[:3])
['count', 'total_cost_usd', 'share_of_cost']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Week

from ..errors import check_whole
from . import metrics
from .attempts import fell_back
from .groups import NA_LABEL, By, Groups, normalize_by
from .metrics import (
    COMPLETION,
    as_float,
    check_percentiles,
    cost_block,
    cost_inputs,
    flag_inputs,
    float_col,
    floats,
    group,
    int_col,
    merge_inputs,
    pct_label,
    py_value,
    reason_shares,
    require,
    table,
    timestamps,
    tokens_per_second_values,
)
from .partials import Inputs, Reduced, reduce_frame

_P3 = ("p50", "p90", "p99")

__all__ = ["By", "cost_over_time", "cost_summary", "effective_cost", "finish_reasons",
           "latency_summary", "summary", "tokens_per_second", "top"]


def tokens_per_second(frame: pd.DataFrame) -> pd.Series:
    """Completion tokens per second of generation time, per generation.

    ``native_tokens_completion`` (``tokens_completion``, the normalized count,
    where the native one is NA) divided by ``generation_time / 1000``
    (``generation_time`` is in milliseconds).  NA where the tokens are NA or
    ``generation_time`` is NA, 0 or negative: never ``inf``.  Completion
    tokens include reasoning tokens.

    Returns
    -------
    pandas.Series
        ``Float64``, named ``tokens_per_second``, on ``frame``'s index.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"native_tokens_completion": pd.array([100, None, 5], "Int64"),
    ...                    "tokens_completion": pd.array([90, 50, 5], "Int64"),
    ...                    "generation_time": pd.array([2000.0, 500.0, 0.0], "Float64")})
    >>> tokens_per_second(df).tolist()
    [50.0, 100.0, <NA>]
    """
    return pd.Series(pd.array(tokens_per_second_values(frame), dtype="Float64"),
                     index=frame.index, name="tokens_per_second")


# -- the summaries ----------------------------------------------------------------------
def effective_cost(frame: pd.DataFrame) -> pd.Series:
    """What each generation really cost the caller (USD), per generation.

    ``total_cost`` (what OpenRouter charged) plus, for a BYOK generation, the
    upstream provider's bill ``upstream_inference_cost`` where it is known: the
    amount the viewer calls ``cost``.  The summaries sum ``total_cost``.

    Returns
    -------
    pandas.Series
        ``Float64``, named ``effective_cost``, on ``frame``'s index (NA where
        ``total_cost`` is NA).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"total_cost": [0.00002, 0.5, None], "is_byok": [True, False, False],
    ...                    "upstream_inference_cost": [0.0004, 0.1, None]})
    >>> effective_cost(df).round(6).tolist()
    [0.00042, 0.5, <NA>]
    """
    require(frame, ["total_cost"], "effective_cost")
    return pd.Series(float_col(metrics.effective_cost(frame)), index=frame.index,
                     name=metrics.EFFECTIVE_COST)


def summary(frame: pd.DataFrame) -> pd.Series:
    """Totals, percentiles and rates of the whole frame, one labelled value each.

    Needs ``total_cost``; every other figure is NA when its column is absent
    (or entirely NA).  Labels and definitions:

    ``generations``
        Number of rows.
    ``total_cost_usd``, ``mean_cost_usd``, ``median_cost_usd``, ``p90_cost_usd``
        Sum, mean, median and 90th percentile of ``total_cost`` (USD).
    ``total_prompt_tokens``, ``total_completion_tokens``, ``total_reasoning_tokens``, \
``total_cached_tokens``
        Sums of ``native_tokens_prompt``, ``native_tokens_completion``,
        ``native_tokens_reasoning`` and ``native_tokens_cached`` (the model's
        own, billed, token counts).
    ``cost_per_1m_tokens_usd``
        ``total_cost_usd`` divided by (total native prompt + completion
        tokens), times 1,000,000.  NA when that token total is 0.
    ``cache_savings_usd``
        Sum of the positive ``cache_discount`` values (cache reads).
    ``cache_write_cost_usd``
        Minus the sum of the negative ``cache_discount`` values: what cache
        writes cost on top of list price (a positive number).
    ``latency_p50_ms``, ``latency_p90_ms``, ``latency_p99_ms``
        Percentiles of ``latency`` (total latency, ms).
    ``generation_time_p50_ms``, ``generation_time_p90_ms``, ``generation_time_p99_ms``
        Percentiles of ``generation_time`` (ms).
    ``tokens_per_second_p50``
        Median of :func:`tokens_per_second` (tokens / s).
    ``cancelled_rate``, ``byok_share``, ``streamed_share``
        Share of ``True`` among the known values of ``cancelled``,
        ``is_byok`` and ``streamed`` (0..1).
    ``truncated_rate``, ``error_rate``
        Share of ``"length"`` / ``"error"`` among the generations with a
        known ``finish_reason`` (0..1); NA when none is known.
    ``fallback_rate``
        Share of the generations with a known, non-empty ``provider_responses``
        that tried more than one provider (0..1); NA when none is known.
    ``first_created_at``, ``last_created_at``
        Earliest and latest ``created_at`` (UTC timestamps).

    Percentiles interpolate linearly, as :meth:`pandas.Series.quantile`.

    Returns
    -------
    pandas.Series
        ``object`` dtype: ints, floats and timestamps, ``pd.NA`` (``NaT`` for
        the timestamps) where undefined.

    Examples
    --------
    >>> from openrouter_frame.analysis.summary import summary
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(40)
    >>> s = summary(df)
    >>> s.index[:3].tolist()
    ['generations', 'total_cost_usd', 'mean_cost_usd']
    >>> bool(s["latency_p50_ms"] <= s["latency_p90_ms"] <= s["latency_p99_ms"])
    True
    """
    groups = group(frame, None, ["total_cost"], "summary")
    return summary_finish(reduce_frame(groups, summary_inputs(frame)))


def summary_inputs(frame: pd.DataFrame) -> Inputs:
    """The per-row values :func:`summary` reduces (see :mod:`.partials`)."""
    has_tps = "generation_time" in frame.columns and any(c in frame.columns for c in COMPLETION)
    return merge_inputs(
        cost_inputs(frame),
        flag_inputs(frame, "cancelled", "is_byok", "streamed"),
        Inputs({"native_tokens_reasoning": floats(frame, "native_tokens_reasoning"),
                "native_tokens_cached": floats(frame, "native_tokens_cached"),
                "latency": floats(frame, "latency"),
                "generation_time": floats(frame, "generation_time"),
                "tokens_per_second": tokens_per_second_values(frame) if has_tps
                else np.full(len(frame), np.nan),
                "fell_back": fell_back(frame),
                "created_at": floats(frame, "created_at")},  # microseconds
               quantiles=("latency", "generation_time", "tokens_per_second"),
               extremes=("created_at",)))


def summary_finish(r: Reduced) -> pd.Series:
    """:func:`summary` from the reductions of :func:`summary_inputs` (one group)."""
    cost = cost_block(r)
    lat = r.quantiles("latency", (0.5, 0.9, 0.99))[0]
    gen = r.quantiles("generation_time", (0.5, 0.9, 0.99))[0]
    tps = r.quantiles("tokens_per_second", (0.5,))[0, 0]
    truncated, errored = reason_shares(r, "length", "error")
    first, last = r.mins("created_at")[0], r.maxs("created_at")[0]
    values: list[tuple[str, Any, str]] = [
        ("generations", r.counts()[0], "int"),
        ("total_cost_usd", cost["total"][0], "float"),
        ("mean_cost_usd", cost["mean"][0], "float"),
        ("median_cost_usd", cost["median"][0], "float"),
        ("p90_cost_usd", cost["p90"][0], "float"),
        ("total_prompt_tokens", cost["prompt"][0], "int"),
        ("total_completion_tokens", cost["completion"][0], "int"),
        ("total_reasoning_tokens", r.sums("native_tokens_reasoning")[0], "int"),
        ("total_cached_tokens", r.sums("native_tokens_cached")[0], "int"),
        ("cost_per_1m_tokens_usd", cost["per_1m"][0], "float"),
        ("cache_savings_usd", cost["savings"][0], "float"),
        ("cache_write_cost_usd", cost["writes"][0], "float"),
        *((f"latency_{p}_ms", v, "float") for p, v in zip(_P3, lat, strict=True)),
        *((f"generation_time_{p}_ms", v, "float") for p, v in zip(_P3, gen, strict=True)),
        ("tokens_per_second_p50", tps, "float"),
        ("cancelled_rate", r.means("cancelled")[0], "float"),
        ("truncated_rate", truncated[0], "float"),
        ("error_rate", errored[0], "float"),
        ("byok_share", r.means("is_byok")[0], "float"),
        ("streamed_share", r.means("streamed")[0], "float"),
        ("fallback_rate", r.means("fell_back")[0], "float"),
        ("first_created_at", _instant(first), "datetime"),
        ("last_created_at", _instant(last), "datetime"),
    ]
    return pd.Series([py_value(v, kind) for _, v, kind in values],
                     index=pd.Index([label for label, _, _ in values]), dtype=object)


def _instant(micros: float) -> Any:
    """Microseconds since the epoch as ``datetime64[us]`` (NaT for NaN)."""
    return np.datetime64("NaT") if np.isnan(micros) else np.datetime64(int(micros), "us")


def cost_summary(frame: pd.DataFrame, by: By = "model") -> pd.DataFrame:
    """Where the money goes: cost figures per group, most expensive first.

    Needs ``total_cost`` and the ``by`` columns; the token, cache, upstream
    and BYOK columns are NA when their source column is absent.  Columns:

    ``count``
        Generations in the group.
    ``total_cost_usd``, ``share_of_cost``
        Sum of ``total_cost``, and that sum divided by the sum over all
        groups (0..1; NA when the overall sum is NA or 0).
    ``mean_cost_usd``, ``median_cost_usd``, ``p90_cost_usd``
        Mean, median and 90th percentile of ``total_cost``.
    ``cost_per_1m_tokens_usd``
        ``total_cost_usd`` / (native prompt + completion tokens) x 1,000,000.
    ``cache_savings_usd``
        Sum of the positive ``cache_discount`` values.
    ``upstream_inference_cost_usd``
        Sum of ``upstream_inference_cost``: what the upstream providers charged.
    ``byok_count``
        Generations with ``is_byok`` true.

    Rows are sorted by ``total_cost_usd`` descending (NA last), then by
    count, then by label; the index holds the group labels (``<NA>`` for a
    missing key).

    Examples
    --------
    >>> from openrouter_frame.analysis.summary import cost_summary
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(60)
    >>> table = cost_summary(df, by="model")
    >>> share = round(float(table["share_of_cost"].sum()), 9)
    >>> bool(table["total_cost_usd"].is_monotonic_decreasing), share
    (True, 1.0)
    >>> cost_summary(df, by=None).index.tolist()
    ['all']
    """
    groups = group(frame, by, ["total_cost"], "cost_summary")
    return cost_summary_finish(reduce_frame(groups, cost_summary_inputs(frame)))


def cost_summary_inputs(frame: pd.DataFrame) -> Inputs:
    """The per-row values :func:`cost_summary` reduces."""
    return merge_inputs(cost_inputs(frame), Inputs({
        "upstream_inference_cost": floats(frame, "upstream_inference_cost"),
        "is_byok": floats(frame, "is_byok")}))


def cost_summary_finish(r: Reduced) -> pd.DataFrame:
    """:func:`cost_summary` from the reductions of :func:`cost_summary_inputs`."""
    cost = cost_block(r)
    overall = np.nansum(cost["total"]) if not np.isnan(cost["total"]).all() else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        share = cost["total"] / overall if overall and not np.isnan(overall) else \
            np.full(r.n, np.nan)
    counts = r.counts()
    columns = {
        "count": int_col(counts),
        "total_cost_usd": float_col(cost["total"]),
        "share_of_cost": float_col(share),
        "mean_cost_usd": float_col(cost["mean"]),
        "median_cost_usd": float_col(cost["median"]),
        "p90_cost_usd": float_col(cost["p90"]),
        "cost_per_1m_tokens_usd": float_col(cost["per_1m"]),
        "cache_savings_usd": float_col(cost["savings"]),
        "upstream_inference_cost_usd": float_col(r.sums("upstream_inference_cost")),
        "byok_count": int_col(r.sums("is_byok")),
    }
    return table(columns, r, [cost["total"], counts])


def latency_summary(frame: pd.DataFrame, by: By = "provider_name",
                    percentiles: float | Iterable[float] = (0.5, 0.9, 0.99)) -> pd.DataFrame:
    """Which provider is slow: percentiles of latency, generation time and speed per group.

    Needs ``latency``, ``generation_time`` and the ``by`` columns; the
    ``tokens_per_second`` columns are NA when neither completion-token column
    is present.  Columns, for each ``p`` in ``percentiles`` (labelled
    ``p50``, ``p90``, ``p99.9``, ...):

    ``count``
        Generations in the group.
    ``latency_<p>_ms``
        Percentile of ``latency``: total latency in milliseconds.
    ``generation_time_<p>_ms``
        Percentile of ``generation_time``: milliseconds spent generating.
    ``tokens_per_second_<p>``
        Percentile of :func:`tokens_per_second` (completion tokens / s).

    NA values are skipped; a group with no known value gets NA.  Rows are
    sorted by median ``latency``, slowest first (NA last; ties by count,
    then label), whatever ``percentiles`` are shown: the slow groups lead
    even when they are the small ones.

    Raises
    ------
    ValueError
        If a percentile is not strictly between 0 and 1, or one repeats.

    Examples
    --------
    >>> from openrouter_frame.analysis.summary import latency_summary
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(60)
    >>> table = latency_summary(df, percentiles=[0.5, 0.999])
    >>> table.columns[:3].tolist(), table.columns[-1]
    (['count', 'latency_p50_ms', 'latency_p99.9_ms'], 'tokens_per_second_p99.9')
    >>> bool(table["latency_p50_ms"].is_monotonic_decreasing)
    True
    """
    ps = check_percentiles(percentiles)
    groups = group(frame, by, ["latency", "generation_time"], "latency_summary")
    return latency_summary_finish(reduce_frame(groups, latency_summary_inputs(frame)), ps)


def latency_summary_inputs(frame: pd.DataFrame) -> Inputs:
    """The per-row values :func:`latency_summary` reduces."""
    has_tps = any(c in frame.columns for c in COMPLETION)
    tps = tokens_per_second_values(frame) if has_tps else np.full(len(frame), np.nan)
    return Inputs({"latency": floats(frame, "latency"),
                   "generation_time": floats(frame, "generation_time"),
                   "tokens_per_second": tps}, quantiles=_SPEEDS)


_SPEEDS = ("latency", "generation_time", "tokens_per_second")


def latency_summary_finish(r: Reduced, ps: tuple[float, ...]) -> pd.DataFrame:
    """:func:`latency_summary` from the reductions of :func:`latency_summary_inputs`."""
    counts = r.counts()
    columns: dict[str, Any] = {"count": int_col(counts)}
    for name in _SPEEDS:
        q = r.quantiles(name, ps)
        unit = "" if name == "tokens_per_second" else "_ms"
        for i, p in enumerate(ps):
            columns[f"{name}_{pct_label(p)}{unit}"] = float_col(q[:, i])
    slowest = r.quantiles("latency", (0.5,))[:, 0]  # slowest first, then most used
    return table(columns, r, [slowest, counts])


def finish_reasons(frame: pd.DataFrame, by: By = "model") -> pd.DataFrame:
    """How generations ended, per group: the share of each finish reason.

    Needs ``finish_reason`` and the ``by`` columns.  Columns:

    ``count``
        Generations in the group.
    one column per finish reason (``stop``, ``length``, ...)
        Share of the group's generations *with a known finish reason* that
        ended so (0..1; a row's shares sum to 1), reasons in order of overall
        frequency.  NA for a group where no finish reason is known.  The
        ``length`` and ``error`` shares of ``by=None`` are
        :func:`summary`'s ``truncated_rate`` and ``error_rate``.
    ``no_finish_reason_rate``
        Share of all the group's generations with no finish reason
        (cancelled streams, embeddings, rerank calls).
    ``cancelled_rate``
        Share of ``True`` among the known ``cancelled`` values (NA when the
        column is absent or unknown for the whole group).

    Rows are sorted by count, largest first (ties by label).

    Examples
    --------
    >>> from openrouter_frame.analysis.summary import finish_reasons
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(80)
    >>> table = finish_reasons(df, by="provider_name")
    >>> table.columns[1], table.columns[-2:].tolist()
    ('stop', ['no_finish_reason_rate', 'cancelled_rate'])
    >>> shares = table.drop(columns=["count", "no_finish_reason_rate", "cancelled_rate"])
    >>> bool(((shares.sum(axis=1) - 1).abs() < 1e-12).all())
    True
    """
    groups = group(frame, by, ["finish_reason"], "finish_reasons")
    return finish_reasons_finish(reduce_frame(groups, flag_inputs(frame, "cancelled")))


def finish_reasons_finish(r: Reduced) -> pd.DataFrame:
    """:func:`finish_reasons` from the reductions of ``flag_inputs(frame, "cancelled")``."""
    counts, labels = r.tally("finish_reason")
    rows = r.counts()
    missing = counts[:, labels.index(NA_LABEL)] if NA_LABEL in labels else np.zeros(r.n)
    known = rows - missing
    order = sorted((i for i in range(len(labels)) if labels[i] != NA_LABEL),
                   key=lambda i: (-counts[:, i].sum(), labels[i]))
    columns: dict[str, Any] = {"count": int_col(rows)}
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in order:
            columns[labels[i]] = float_col(np.where(known > 0, counts[:, i] / known, np.nan))
        columns["no_finish_reason_rate"] = float_col(
            np.where(rows > 0, missing / np.maximum(rows, 1), np.nan))
    columns["cancelled_rate"] = float_col(r.means("cancelled"))
    return table(columns, r, [rows])


def top(frame: pd.DataFrame, n: int = 10, by: str = "total_cost") -> pd.DataFrame:
    """The ``n`` generations with the largest ``by`` (NA last), whole rows.

    ``by`` is any column, or ``"tokens_per_second"`` (computed with
    :func:`tokens_per_second` when the frame has no such column).  Ties
    keep the frame's order.

    Examples
    --------
    >>> from openrouter_frame.analysis.summary import top
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(30)
    >>> worst = top(df, 3, by="latency")
    >>> len(worst), bool(worst["latency"].iloc[0] == df["latency"].max())
    (3, True)
    """
    check_whole("n", n, minimum=0)
    if not isinstance(by, str):
        raise ValueError(f"by must be one column name, got {by!r}")
    if by == "tokens_per_second" and by not in frame.columns:
        key = pd.Series(tokens_per_second_values(frame, "top"), index=frame.index)
    else:
        require(frame, [by], "top")
        key = frame[by]
    return frame.iloc[_largest(key, n)]


def _largest(key: pd.Series, n: int) -> np.ndarray:
    """Positions of the ``n`` largest of ``key``, largest first, NA last, ties in order.

    Numbers and datetimes: a partial selection (O(len)) of the candidates, then
    a stable sort of those alone; anything else: one stable sort.
    """
    dtype = key.dtype
    if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)
            ) or pd.api.types.is_bool_dtype(dtype) or not 0 < n < len(key):
        order = key.reset_index(drop=True).sort_values(ascending=False, na_position="last",
                                                       kind="stable").index[:n]
        return np.asarray(order)
    values = as_float(key)
    valid = np.flatnonzero(~np.isnan(values))
    if len(valid) <= n:  # every value, then the first NA rows
        head = valid[np.argsort(-values[valid], kind="stable")]
        rest = np.flatnonzero(np.isnan(values))[:n - len(head)]
        return np.concatenate([head, rest]).astype(np.intp)
    threshold = np.partition(values[valid], len(valid) - n)[len(valid) - n]
    candidates = np.flatnonzero(values >= threshold)  # ties at the threshold, in order
    return candidates[np.argsort(-values[candidates], kind="stable")][:n]


def cost_over_time(frame: pd.DataFrame, freq: str = "D", by: By = None,
                   top: int = 8) -> pd.DataFrame:
    """Cost per period: one row per period, one column per group.

    ``total_cost`` (NA counted as 0) is summed per period of ``freq`` (any
    pandas frequency: ``"h"``, ``"D"``, ``"W"``, ``"MS"``, ...; periods are
    UTC, binned as :meth:`pandas.DataFrame.resample` does).  Periods with no
    generation are 0.  Generations without ``created_at`` are left out.

    Parameters
    ----------
    freq : str
        Period length.
    by : str, list of str or None
        ``None``: one column, ``total_cost_usd``.  Otherwise the ``top``
        groups by total cost, most expensive first, then ``other`` holding
        the rest (only when there is a rest).  Labels of several keys are
        joined with `` / ``.
    top : int
        How many groups keep a column of their own.

    Returns
    -------
    pandas.DataFrame
        ``float64`` costs in USD on a UTC ``DatetimeIndex`` named
        ``created_at``; no rows for an empty frame.

    Examples
    --------
    >>> from openrouter_frame.analysis.summary import cost_over_time
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(80)
    >>> weekly = cost_over_time(df, freq="W", by="model", top=3)
    >>> weekly.columns[-1], len(weekly.columns)
    ('other', 4)
    >>> bool(abs(weekly.to_numpy().sum() - df["total_cost"].sum()) < 1e-9)
    True
    """
    check_whole("top", top)
    to_offset(freq)  # ValueError for an unknown frequency, even on an empty frame
    groups = group(frame, by, ["created_at", "total_cost"], "cost_over_time")
    cost = np.nan_to_num(floats(frame, "total_cost"), nan=0.0)
    if by is None:
        folded = Groups(groups.codes, pd.Index(["total_cost_usd"], dtype=object))
    else:
        folded = groups.fold(groups.sums(cost), top)
    when = timestamps(frame)
    keep = ~np.isnat(when)
    labels = list(folded.index)
    if not keep.any():
        return _per_period(None, None, labels, by)
    every = bool(keep.all())
    periods, bins = _bins(when if every else when[keep], freq)
    width = len(labels)
    if width > 1:
        bins = bins * width + (folded.codes if every else folded.codes[keep])
    sums = np.bincount(bins, weights=cost if every else cost[keep],
                       minlength=len(periods) * width).reshape(len(periods), width)
    return _per_period(sums, periods, labels, by)


def cost_over_time_inputs(frame: pd.DataFrame) -> Inputs:
    """The per-row values :func:`cost_over_time` reduces: ``total_cost``, NA as 0."""
    return Inputs({"total_cost": np.nan_to_num(floats(frame, "total_cost"), nan=0.0)})


def cost_over_time_bins(frame: pd.DataFrame, freq: str, ends: tuple[Any, Any]
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cost (NA as 0) and period number among the periods from ``ends[0]`` to
    ``ends[1]`` (-1 for a row without ``created_at``): what a partition contributes."""
    when = timestamps(frame)
    keep = ~np.isnat(when)
    bins = np.full(len(frame), -1, dtype=np.int64)
    if keep.any():
        bins[keep] = _bins(when[keep], freq, ends)[1]
    return np.nan_to_num(floats(frame, "total_cost"), nan=0.0), bins


def cost_over_time_finish(r: Reduced, sums: np.ndarray | None, periods: pd.DatetimeIndex | None,
                          by: By, top: int) -> pd.DataFrame:
    """:func:`cost_over_time` from reductions: ``r`` of :func:`cost_over_time_inputs` and
    ``sums``, the cost per (group, period) of ``periods`` (``None`` when nothing is dated)."""
    if by is None:
        remap, labels = np.zeros(r.n, dtype=np.intp), ["total_cost_usd"]
    else:
        folded = r.groups().fold(r.sums("total_cost"), top)
        remap, labels = folded.codes, list(folded.index)
    if sums is None or periods is None:
        return _per_period(None, None, labels, by)
    out = np.zeros((len(labels), len(periods)))
    np.add.at(out, remap, sums)
    return _per_period(out.T, periods, labels, by)


def _per_period(sums: np.ndarray | None, periods: pd.DatetimeIndex | None, labels: list[Any],
                by: By) -> pd.DataFrame:
    """The result of :func:`cost_over_time`: ``sums`` (periods x labels) on ``periods``."""
    if sums is None or periods is None:
        empty = pd.DatetimeIndex([], dtype="datetime64[us, UTC]", name="created_at")
        out = pd.DataFrame({label: pd.Series([], dtype="float64") for label in labels},
                           index=empty)
    else:
        out = pd.DataFrame(sums, index=periods, columns=pd.Index(labels, dtype=object))
    out.columns.name = " / ".join(normalize_by(by)) or None
    return out


def periods_between(ends: tuple[Any, Any], freq: str) -> pd.DatetimeIndex:
    """The periods of ``freq`` :func:`cost_over_time` makes from instant ``ends[0]`` to
    ``ends[1]`` (naive UTC ``datetime64``)."""
    return _bins(np.array(ends, dtype="datetime64[us]"), freq, ends)[0]


def _bins(when: np.ndarray, freq: str, ends: tuple[Any, Any] | None = None
          ) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The periods :meth:`~pandas.Series.resample` makes for ``when`` (naive UTC, no NaT),
    and each instant's period number: a bin count, without sorting the instants.

    The periods come from resampling just the first and last instant (``ends``,
    naive UTC, when ``when`` is a part of the data: a Dask partition), so their
    edges, closed side and labels are pandas' own.
    """
    ints = when.view("int64")
    unit = np.datetime_data(when.dtype)[0]
    span = (np.array([ints.min(), ints.max()]).view(when.dtype) if ends is None
            else np.array(ends, dtype=when.dtype))
    probe = pd.Series([0.0, 0.0], index=pd.DatetimeIndex(span).tz_localize("UTC"))
    periods = probe.resample(freq).sum().index.rename("created_at")
    edges = periods.tz_localize(None).as_unit(unit).asi8
    right = getattr(pd.Grouper(freq=freq), "closed", "left") == "right"
    if right:
        # "W", "ME", "QE", "YE": labelled by their last day, which they include whole
        # (pandas moves the edge to the day's end), so a period is (day before, day end].
        edges = edges + (_ticks(pd.Timedelta(days=1), unit) - 1)
    step = _fixed_step(freq, unit)
    if step is not None:  # periods of one length ("h", "D", "W"): arithmetic, O(n)
        bins = -((edges[0] - ints) // step) if right else (ints - edges[0]) // step
    elif right:  # (edge before, edge]
        bins = np.searchsorted(edges, ints, side="left")
    else:  # [edge, next edge)
        bins = np.searchsorted(edges, ints, side="right") - 1
    return periods, bins


def _fixed_step(freq: str, unit: str) -> int | None:
    """The length of every period of ``freq`` in ``unit``, or ``None`` if lengths vary."""
    offset = to_offset(freq)
    try:
        return _ticks(pd.Timedelta(offset), unit)  # "h", "D", "15min" ...
    except ValueError:
        pass
    if isinstance(offset, Week) and offset.weekday is not None:
        return _ticks(pd.Timedelta(weeks=offset.n), unit)
    return None


def _ticks(delta: pd.Timedelta, unit: str) -> int:
    """``delta`` as a whole number of ``unit`` (``Timedelta.value`` is always ns)."""
    return int(delta.to_timedelta64().astype(f"timedelta64[{unit}]").astype(np.int64))

