"""Per-row metrics and ranks: tokens per second, percentile ranks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from openrouter_frame.analysis import metrics
from openrouter_frame.analysis.metrics import as_float


@pytest.mark.parametrize(("values", "x", "rank"), [
    ([1.0, 2.0, 3.0, 4.0], 4.0, 100.0),
    ([1.0, 2.0, 3.0, 4.0], 1.0, 25.0),
    ([1.0, 2.0, 2.0, 5.0], 2.0, 75.0),
    ([1.0, 2.0, 3.0, 4.0], 2.5, 50.0),
    ([1.0, 2.0], 0.5, 0.0),
    ([7.0], 7.0, 100.0),
], ids=["max-is-100", "min-is-1-over-n", "ties-count-as-at-or-below", "between", "below-all",
        "single"])
def test_percentile_rank(values, x, rank):
    assert metrics.percentile_rank(np.array(values), x) == rank


@pytest.mark.parametrize(("values", "x"), [([], 1.0), ([1.0], None), ([1.0], float("nan")),
                                           ([1.0], pd.NA)],
                         ids=["empty", "none", "nan", "pd-NA"])
def test_percentile_rank_undefined(values, x):
    assert metrics.percentile_rank(np.array(values), x) is None


def test_percentile_rank_matches_a_brute_force_count():
    rng = np.random.default_rng(1)
    values = rng.integers(0, 20, 200).astype(float)
    ranked = metrics.sorted_finite(pd.array(list(values) + [None], dtype="Float64"))
    assert len(ranked) == 200
    for x in (0.0, 5.0, 19.0, 7.5):
        assert metrics.percentile_rank(ranked, x) == pytest.approx(100 * np.mean(values <= x))


def test_tokens_per_second_prefers_native_and_is_never_inf():
    frame = pd.DataFrame({
        "native_tokens_completion": pd.array([100, None, 10, 10, None], dtype="Int64"),
        "tokens_completion": pd.array([90, 50, 10, None, None], dtype="Int64"),
        "generation_time": pd.array([2000.0, 500.0, 0.0, None, 1000.0], dtype="Float64"),
    })
    out = metrics.tokens_per_second_values(frame, missing_ok=True)
    assert out[0] == 50.0 and out[1] == 100.0
    assert all(math.isnan(v) for v in out[2:])


def test_tokens_per_second_without_the_columns_is_all_nan():
    out = metrics.tokens_per_second_values(pd.DataFrame({"id": ["a", "b"]}), missing_ok=True)
    assert out.shape == (2,) and np.isnan(out).all()


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"], ids=lambda u: f"timestamp[{u}]")
@pytest.mark.parametrize("tz", [None, "UTC"], ids=["naive", "utc"])
def test_arrow_timestamps_cast_like_numpy_datetimes(unit, tz):
    # Arrow timestamps take a buffer cast, not pd.to_datetime: same microseconds, NA as NaN.
    when = pd.Series(pd.to_datetime(["2026-11-20 13:45:01", None, "1969-12-31 23:59:59"]))
    if tz:
        when = when.dt.tz_localize(tz)
    arrow = when.astype(pd.ArrowDtype(pa.timestamp(unit, tz=tz)))
    np.testing.assert_array_equal(as_float(arrow), as_float(when))
    assert np.isnan(as_float(arrow)[1])
    assert as_float(arrow)[2] == -1_000_000.0


def test_arrow_nanoseconds_before_the_epoch_floor_like_numpy():
    when = pd.Series(pd.to_datetime(["1969-12-31 23:59:59.9999995"], utc=True))
    arrow = when.astype(pd.ArrowDtype(pa.timestamp("ns", tz="UTC")))
    assert as_float(arrow).tolist() == as_float(when).tolist() == [-1.0]
