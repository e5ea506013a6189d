"""Is this all my spend: a generations frame against the account's billed activity.

``activity`` is the typed frame of OpenRouter's ``GET /activity``
(``orf.fetch_activity()``): one row per UTC day x model x endpoint with
``requests``, ``usage`` and ``byok_usage_inference``.  The definitions, written
once here:

Days counted
    The UTC days from the frame's first generation to its last (by
    ``created_at``), within the days the activity covers (its first to last
    ``date``).  Generations on other days, or with no ``created_at``, are left
    out and counted in :attr:`Coverage.outside`.
Billed requests, billed spend (``billed_requests``, ``billed_usd``)
    The activity's ``requests``, and ``usage`` (OpenRouter credits) plus
    ``byok_usage_inference`` (what BYOK providers billed the caller's own
    keys), summed per group.
Generations, frame spend (``generations``, ``frame_usd``)
    The frame's rows per group, and their
    :func:`~openrouter_frame.analysis.metrics.effective_cost`: ``total_cost``
    plus ``upstream_inference_cost`` for BYOK rows, the same two parts as the
    billed spend (the BYOK rule's one home is
    :func:`~openrouter_frame.analysis.metrics.paid_amount`, used on both sides).
Coverage (``request_coverage_share``, ``spend_coverage_share``)
    Generations over billed requests and frame spend over billed spend; NA
    where nothing was billed.
Missing (``missing_requests``, ``missing_usd``)
    Billed minus the frame's: negative where the frame holds more than the
    activity counts (a generation the activity does not know).

Group keys (``by``): ``date`` (the UTC day), ``model``, ``provider_name``,
``workspace_id`` (both sides need it: fetch the activity with
``group_by="workspace"``), and ``endpoint_id`` / ``model_permaslug``, taken
for a generation from its served attempt in ``provider_responses``
(:func:`~openrouter_frame.analysis.attempts.served_values`).

Examples
--------
>>> import pandas as pd
>>> from openrouter_frame.analysis.reconcile import reconcile
>>> frame = pd.DataFrame({"created_at": pd.to_datetime(["2026-11-01 10:00Z"]),
...     "model": ["a/b"], "total_cost": [0.5], "is_byok": [False],
...     "upstream_inference_cost": [None]})
>>> activity = pd.DataFrame({"date": pd.to_datetime(["2026-11-01"]), "model": ["a/b"],
...     "requests": [2], "usage": [1.0], "byok_usage_inference": [0.0]})
>>> table = reconcile(frame, activity)
>>> float(table["spend_coverage_share"].iloc[0])
0.5
>>> print(table.attrs["coverage_summary"])
the frame covers 50.0% of billed spend over the 1 day it spans; 1 request on 1 day is missing
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MissingColumnsError
from .attempts import served_values
from .metrics import effective_cost, float_col, floats, int_col, paid_amount, require, timestamps

__all__ = ["Coverage", "activity_days", "coverage_summary", "reconcile"]

#: The activity's columns reconcile needs.
ACTIVITY_NEEDS = ("date", "requests", "usage")
#: Keys a frame takes from its served attempt when it has no such column.
SERVED_KEYS = ("endpoint_id", "model_permaslug")


@dataclass(frozen=True)
class Coverage:
    """The headline of a reconciliation (``str()`` of it is the sentence).

    Attributes hold the counted days' totals (see the module docstring):
    ``spend_share``, ``request_share`` (NaN when nothing was billed),
    ``billed_usd``, ``frame_usd``, ``billed_requests``, ``generations``,
    ``days`` (days counted), ``first`` / ``last`` (dates, or ``None``),
    ``missing_requests`` / ``missing_days`` (billed requests absent from the
    frame, summed over the days where some are, and those days) and
    ``outside`` (generations left out: no date, or a day outside the activity).
    """

    spend_share: float
    request_share: float
    billed_usd: float
    frame_usd: float
    billed_requests: int
    generations: int
    days: int
    first: Any
    last: Any
    missing_requests: int
    missing_days: int
    outside: int

    def __str__(self) -> str:
        if self.days == 0:
            return ("the frame spans no day of the activity"
                    + (f" ({_n(self.outside, 'generation')} left out)" if self.outside else ""))
        spend = f"{self.spend_share:.1%}" if np.isfinite(self.spend_share) else "n/a"
        text = (f"the frame covers {spend} of billed spend over the "
                f"{_n(self.days, 'day')} it spans; ")
        if self.missing_requests > 0:
            verb = "is" if self.missing_requests == 1 else "are"
            text += (f"{_n(self.missing_requests, 'request')} on "
                     f"{_n(self.missing_days, 'day')} {verb} missing")
        else:
            text += "no billed request is missing"
        if self.outside:
            text += f" ({_n(self.outside, 'generation')} outside the activity left out)"
        return text

    def __repr__(self) -> str:
        return f"Coverage({self})"


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _days(values: pd.Series) -> np.ndarray:
    """Any date column (date32, datetime64 naive or UTC, ISO text) as naive ``datetime64[D]``."""
    series = pd.Series(values)
    if isinstance(series.dtype, pd.ArrowDtype) or series.dtype == object:
        series = series.astype(object).where(series.notna(), None)
    when = pd.to_datetime(series, utc=True, errors="raise")
    return np.asarray(when.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")).astype(
        "datetime64[D]")


def activity_days(activity: pd.DataFrame) -> np.ndarray:
    """The activity's ``date`` per row as ``datetime64[D]`` (NaT for NA)."""
    require(activity, ["date"], "reconcile (activity)")
    return _days(activity["date"])


def _frame_keys(frame: pd.DataFrame, keys: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        if key == "date":
            continue
        if key in frame.columns:
            out[key] = frame[key].astype("string").to_numpy(dtype=object, na_value=None)
        elif key in SERVED_KEYS:
            out[key] = served_values(frame, key).astype("string").to_numpy(
                dtype=object, na_value=None)
        else:
            raise MissingColumnsError("reconcile", [key])
    return out


def _sums(keys: dict[str, Any], values: dict[str, np.ndarray], names: list[str]
          ) -> pd.DataFrame:
    data = pd.DataFrame({**keys, **values})
    if not names:
        data["_all"] = "all"
        names = ["_all"]
    return data.groupby(names, dropna=False, sort=False).sum(min_count=0)


def _prepare(frame: pd.DataFrame, activity: pd.DataFrame, by: Sequence[str] | str | None
             ) -> tuple[list[str], pd.DataFrame, int]:
    keys = [by] if isinstance(by, str) else list(by or [])
    if len(set(keys)) != len(keys):
        raise ValueError(f"by has a repeated column: {keys!r}")
    require(frame, ["created_at", "total_cost"], "reconcile")
    require(activity, [*ACTIVITY_NEEDS, *(k for k in keys if k != "date")],
            "reconcile (activity)")
    a_day = activity_days(activity)
    f_day = timestamps(frame).astype("datetime64[D]")
    dated = ~np.isnat(f_day)
    counted = np.zeros(len(frame), dtype=bool)
    lo = hi = None
    if dated.any() and (~np.isnat(a_day)).any():
        a_lo, a_hi = np.nanmin(a_day[~np.isnat(a_day)]), np.nanmax(a_day[~np.isnat(a_day)])
        inside = dated & (f_day >= a_lo) & (f_day <= a_hi)
        if inside.any():
            lo, hi = f_day[inside].min(), f_day[inside].max()
            counted = inside
    outside = int(len(frame) - counted.sum())
    part = frame[counted]
    f_keys = _frame_keys(part, keys)
    if "date" in keys:
        f_keys["date"] = f_day[counted].astype("datetime64[us]")
    spent = effective_cost(part)
    mine = _sums(f_keys, {"generations": np.ones(len(part)),
                          "frame_usd": np.nan_to_num(spent),
                          "_known": (~np.isnan(spent)).astype(float)}, _order(keys))
    if lo is None:
        within = np.zeros(len(activity), dtype=bool)
    else:
        within = ~np.isnat(a_day) & (a_day >= lo) & (a_day <= hi)
    billed_part = activity[within]
    a_keys = {k: billed_part[k].astype("string").to_numpy(dtype=object, na_value=None)
              for k in keys if k != "date"}
    if "date" in keys:
        a_keys["date"] = a_day[within].astype("datetime64[us]")
    usage = floats(billed_part, "usage")
    byok = floats(billed_part, "byok_usage_inference")
    theirs = _sums(a_keys, {"billed_requests": np.nan_to_num(floats(billed_part, "requests")),
                            "billed_usd": np.nan_to_num(paid_amount(usage, byok, True))},
                   _order(keys))
    table = theirs.join(mine, how="outer").fillna(0.0)
    if lo is not None:
        table.attrs["days"] = (lo, hi)
    return keys, table, outside


def _order(keys: list[str]) -> list[str]:
    return [k for k in keys if k == "date"] + [k for k in keys if k != "date"] if keys else []


def reconcile(frame: pd.DataFrame, activity: pd.DataFrame,
              by: Sequence[str] | str | None = ("date", "model")) -> pd.DataFrame:
    """Per group of ``by``: what the account was billed against what the frame holds.

    Columns (each defined in the module docstring): ``billed_requests``,
    ``generations``, ``missing_requests`` (``Int64``),
    ``request_coverage_share``, ``billed_usd``, ``frame_usd``,
    ``missing_usd``, ``spend_coverage_share`` (``Float64``); one row per
    group that either side has on the counted days, sorted by the keys.
    ``attrs["coverage_summary"]`` holds the :class:`Coverage` headline
    (also :func:`coverage_summary`).

    Parameters
    ----------
    frame : pandas.DataFrame
        Generations (needs ``created_at`` and ``total_cost``).
    activity : pandas.DataFrame
        The account's activity (needs ``date``, ``requests``, ``usage``; and
        each ``by`` key other than ``date``).
    by : str, sequence of str or None
        Group keys; ``None`` gives one row, ``all``.

    Raises
    ------
    MissingColumnsError
        When either side lacks a column it needs.
    """
    keys, table, outside = _prepare(frame, activity, by)
    billed = table["billed_requests"].to_numpy(dtype=float)
    gens = table["generations"].to_numpy(dtype=float)
    spend = table["billed_usd"].to_numpy(dtype=float)
    # A group whose generations all have NA cost has unknown frame spend.
    mine = np.where((gens > 0) & (table["_known"].to_numpy(dtype=float) == 0), np.nan,
                    table["frame_usd"].to_numpy(dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({
            "billed_requests": int_col(billed), "generations": int_col(gens),
            "missing_requests": int_col(billed - gens),
            "request_coverage_share": float_col(np.where(billed > 0, gens / billed, np.nan)),
            "billed_usd": float_col(spend), "frame_usd": float_col(mine),
            "missing_usd": float_col(spend - mine),
            "spend_coverage_share": float_col(np.where(spend > 0, mine / spend, np.nan)),
        }, index=table.index)
    if keys:
        out = out.sort_index(na_position="last")
    else:
        out.index = pd.Index(["all"] * len(out), dtype=object)
    if "date" in keys:
        out.attrs["coverage_summary"] = _coverage(out, table, outside)
    else:  # the headline counts missing requests per day
        out.attrs["coverage_summary"] = reconcile(frame, activity, by="date").attrs[
            "coverage_summary"]
    return out


def _coverage(out: pd.DataFrame, table: pd.DataFrame, outside: int) -> Coverage:
    days = table.attrs.get("days")
    if days is None:
        return Coverage(np.nan, np.nan, 0.0, 0.0, 0, 0, 0, None, None, 0, 0, outside)
    lo, hi = days
    gaps = out.groupby(level="date")["missing_requests"].sum().to_numpy(dtype=float)
    missing_requests, missing_days = int(gaps[gaps > 0].sum()), int((gaps > 0).sum())
    billed, mine = float(out["billed_usd"].sum()), float(out["frame_usd"].sum(skipna=True))
    requests, gens = int(out["billed_requests"].sum()), int(out["generations"].sum())
    return Coverage(
        spend_share=mine / billed if billed > 0 else np.nan,
        request_share=gens / requests if requests > 0 else np.nan,
        billed_usd=billed, frame_usd=mine, billed_requests=requests, generations=gens,
        days=int((hi - lo).astype(int)) + 1, first=pd.Timestamp(lo).date(),
        last=pd.Timestamp(hi).date(), missing_requests=missing_requests,
        missing_days=missing_days, outside=outside)


def coverage_summary(frame: pd.DataFrame, activity: pd.DataFrame) -> Coverage:
    """The one-line headline of :func:`reconcile`, per UTC day (``str()`` gives the sentence).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"created_at": pd.to_datetime(["2026-11-01 10:00Z"]),
    ...     "model": ["a/b"], "total_cost": [1.0]})
    >>> activity = pd.DataFrame({"date": ["2026-11-01"], "model": ["a/b"],
    ...     "requests": [1], "usage": [1.0], "byok_usage_inference": [0.0]})
    >>> print(coverage_summary(frame, activity))
    the frame covers 100.0% of billed spend over the 1 day it spans; no billed request is missing
    """
    return reconcile(frame, activity, by="date").attrs["coverage_summary"]
