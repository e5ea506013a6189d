"""Per-row metrics and ranks: tokens per second, percentile ranks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from openrouter_frame.analysis import metrics


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
