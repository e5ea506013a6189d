"""Partials: merged in any order they give the whole frame's reductions; the sketch's
percentiles stay within the stated bound of pandas' exact ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openrouter_frame.analysis.groups import group_by
from openrouter_frame.analysis.partials import (
    ALPHA,
    Inputs,
    combine,
    from_partials,
    partial,
    reduce_frame,
    sketch_codes,
    sketch_values,
)

QS = (0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999)


def _data(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "lognormal-latency":
        return np.round(rng.lognormal(6.5, 1.5, n))
    if kind == "costs-with-zeros":
        return np.where(rng.random(n) < 0.2, 0.0, rng.lognormal(-7, 2, n))
    if kind == "tiny-and-huge":
        return 10.0 ** rng.uniform(-300, 300, n)
    if kind == "negative":
        return -rng.lognormal(0, 3, n)
    if kind == "ties":
        return rng.integers(1, 5, n).astype(float)
    raise ValueError(kind)


KINDS = ["lognormal-latency", "costs-with-zeros", "tiny-and-huge", "negative", "ties"]


def _frame(kind: str, n: int = 20_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = _data(kind, n, rng)
    x[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({"g": rng.choice(["a", "b", "c", None], n, p=[0.6, 0.3, 0.09, 0.01]),
                         "x": x})


def _inputs(frame: pd.DataFrame) -> Inputs:
    x = frame["x"].to_numpy()
    return Inputs({"x": x}, quantiles=("x",), extremes=("x",),
                  tallies={"g": frame["g"].to_numpy(dtype=object)})


def _merged(frame: pd.DataFrame, parts: int):
    pieces = np.array_split(np.arange(len(frame)), parts)
    partials = [partial(group_by(frame.iloc[p], "g"), _inputs(frame.iloc[p])) for p in pieces]
    # a tree: pairs first, then the pairs' merges
    while len(partials) > 1:
        partials = [combine(partials[i:i + 2]) for i in range(0, len(partials), 2)]
    return from_partials(partials[0], ["g"])


@pytest.mark.parametrize("kind", KINDS, ids=KINDS)
def test_sketch_percentiles_are_within_alpha_of_the_exact_ones(kind):
    frame = _frame(kind)
    exact = reduce_frame(group_by(frame, "g"), _inputs(frame))
    merged = _merged(frame, 7)
    order = [list(merged.index).index(label) for label in exact.index]
    got = merged.quantiles("x", QS)[order]
    want = exact.quantiles("x", QS)
    x = frame["x"].to_numpy()
    codes = group_by(frame, "g").codes
    for g in range(exact.n):
        values = np.sort(x[(codes == g) & ~np.isnan(x)])
        pos = np.asarray(QS) * (len(values) - 1)
        lo, hi = values[np.floor(pos).astype(int)], values[np.ceil(pos).astype(int)]
        f = pos - np.floor(pos)
        bound = ALPHA * ((1 - f) * np.abs(lo) + f * np.abs(hi)) * (1 + 1e-9)
        assert (np.abs(got[g] - want[g]) <= bound).all(), (exact.index[g], got[g], want[g])


@pytest.mark.parametrize("parts", [1, 2, 5, 16], ids=lambda p: f"{p}-partitions")
def test_merged_counts_sums_extremes_and_tallies_equal_the_whole_frame(parts):
    frame = _frame("costs-with-zeros", n=5_000, seed=parts)
    exact = reduce_frame(group_by(frame, "g"), _inputs(frame))
    merged = _merged(frame, parts)
    order = [list(merged.index).index(label) for label in exact.index]
    assert sorted(merged.index) == sorted(exact.index)
    np.testing.assert_array_equal(merged.counts()[order], exact.counts())
    np.testing.assert_array_equal(merged.known("x")[order], exact.known("x"))
    np.testing.assert_allclose(merged.sums("x")[order], exact.sums("x"), rtol=1e-12)
    np.testing.assert_allclose(merged.means("x")[order], exact.means("x"), rtol=1e-12)
    np.testing.assert_array_equal(merged.mins("x")[order], exact.mins("x"))
    np.testing.assert_array_equal(merged.maxs("x")[order], exact.maxs("x"))
    counts, labels = merged.tally("g")
    want, want_labels = exact.tally("g")
    assert sorted(labels) == sorted(want_labels)
    columns = [labels.index(label) for label in want_labels]
    np.testing.assert_array_equal(counts[order][:, columns], want)


def test_a_group_with_no_known_value_has_nan_and_no_sketch():
    frame = pd.DataFrame({"g": ["a", "b"], "x": [1.0, np.nan]})
    merged = _merged(frame, 2)
    b = list(merged.index).index("b")
    assert np.isnan(merged.sums("x")[b]) and np.isnan(merged.quantiles("x", (0.5,))[b, 0])
    assert merged.counts()[b] == 1 and merged.known("x")[b] == 0


@pytest.mark.parametrize("value", [0.0, 1.0, -1.0, 5e-324, 1.7e308, np.inf, -np.inf],
                         ids=["zero", "one", "minus-one", "subnormal", "near-max", "inf",
                              "minus-inf"])
def test_bucket_values_keep_their_sign_and_are_within_alpha(value):
    back = sketch_values(sketch_codes(np.array([value])))[0]
    if np.isinf(value):
        assert back == value
    else:
        assert np.sign(back) == np.sign(value)
        assert abs(back - value) <= ALPHA * abs(value) * (1 + 1e-9)


def test_codes_sort_as_the_values_do():
    values = np.sort(np.random.default_rng(1).normal(0, 1e3, 2000))
    assert (np.diff(sketch_codes(values)) >= 0).all()


@pytest.mark.parametrize("spread", [3, 1 << 20, 1 << 42], ids=["dense", "sparse", "both-signs"])
def test_pair_counts_equal_numpy_unique(spread):
    from openrouter_frame.analysis.partials import _pair_counts

    rng = np.random.default_rng(spread % 97)
    first = rng.integers(0, 5, 2_000)
    second = rng.integers(-spread, spread, 2_000)
    unique, count = np.unique(np.stack([first, second], axis=1), axis=0, return_counts=True)
    got = _pair_counts(first, second)
    assert [a.tolist() for a in got] == [unique[:, 0].tolist(), unique[:, 1].tolist(),
                                         count.tolist()]
