"""summary.py's bin count and partial selection give pandas' own answers (resample, sort)."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from openrouter_frame.analysis.summary import cost_over_time, top
from openrouter_frame.testing import sample_frame


@functools.cache
def _sample(n: int, seed: int) -> pd.DataFrame:
    """``sample_frame(n, seed=seed)``, built once per module (it is deterministic)."""
    return sample_frame(n, seed=seed)


def _frame(n: int, seed: int) -> pd.DataFrame:
    """A fresh copy of the sample, for a test to change."""
    return _sample(n, seed).copy(deep=True)


def _resampled(frame: pd.DataFrame, freq: str, by: str | None, top_n: int) -> pd.DataFrame:
    """The reference: pandas' resample of the per-group sums (groups folded as the method does)."""
    got = cost_over_time(frame, freq, by=by, top=top_n)  # only for the column labels
    cost = frame["total_cost"].astype("Float64").fillna(0.0).astype("float64")
    when = frame["created_at"]
    label = (pd.Series("total_cost_usd", index=frame.index) if by is None
             else frame[by].astype(object).where(frame[by].notna(), "<NA>"))
    if by is not None:
        keep = set(got.columns) - {"other"}
        label = label.where(label.isin(keep), "other")
    data = pd.DataFrame({"when": when, "label": label, "cost": cost}).dropna(subset=["when"])
    series = data.set_index("when")["cost"]
    series.index = pd.DatetimeIndex(series.index, name="created_at")
    wide = series.groupby([pd.Grouper(freq=freq), data["label"].to_numpy()]).sum()
    out = wide.unstack(fill_value=0.0).resample(freq).sum()
    return out.reindex(columns=got.columns, fill_value=0.0).astype("float64")


@pytest.mark.parametrize("freq", ["h", "D", "W", "MS", "ME", "15min", "2D", "QS", "W-WED", "2W"],
                         ids=lambda f: f)
@pytest.mark.parametrize("by", [None, "model", "provider_name"], ids=["none", "model", "provider"])
def test_cost_over_time_matches_resample(freq: str, by: str | None) -> None:
    frame = _frame(3_000, 11)
    frame.loc[frame.index[::17], "created_at"] = pd.NaT
    if by is not None:
        frame.loc[frame.index[::13], by] = pd.NA
    got = cost_over_time(frame, freq, by=by, top=3)
    expected = _resampled(frame, freq, by, 3)
    pd.testing.assert_frame_equal(got, expected, check_names=False, check_freq=False,
                                  check_exact=False, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("freq", ["D", "W", "ME"], ids=lambda f: f)
def test_instants_on_period_edges_land_where_resample_puts_them(freq: str) -> None:
    frame = _frame(50, 2)
    edges = pd.date_range("2026-03-01", periods=50, freq="D", tz="UTC")  # midnights, Sundays
    frame["created_at"] = edges.astype(frame["created_at"].dtype)
    got = cost_over_time(frame, freq)
    pd.testing.assert_frame_equal(got, _resampled(frame, freq, None, 8), check_names=False,
                                  check_freq=False, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("column", ["total_cost", "latency", "tokens_prompt", "created_at"])
@pytest.mark.parametrize("n", [0, 1, 10, 500, 5_000], ids=lambda n: f"n{n}")
def test_top_matches_a_stable_sort(column: str, n: int) -> None:
    frame = _frame(2_000, 5)
    frame.loc[frame.index[::7], column] = None  # NA, and many ties among the rest
    if column in ("total_cost", "latency"):
        frame[column] = frame[column].round(3)
    expected = frame[column].reset_index(drop=True).sort_values(
        ascending=False, na_position="last", kind="stable").index[:n]
    got = top(frame, n, by=column)
    assert list(got.index) == list(frame.index[np.asarray(expected)])
