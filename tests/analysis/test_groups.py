"""Grouping primitives: codes, NA keys, sums and both percentile paths against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openrouter_frame.analysis.groups import NA_LABEL, OTHER_LABEL, Groups, group_by, normalize_by


def _frame(n_groups: int, n: int = 4000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.lognormal(size=n)
    values[rng.random(n) < 0.1] = np.nan
    keys = rng.integers(0, n_groups, size=n).astype(str)
    return pd.DataFrame({"key": pd.Series(keys, dtype="category"), "v": values})


@pytest.mark.parametrize("n_groups", [1, 7, 2000], ids=["one", "few-partition", "many-lexsort"])
def test_quantiles_match_pandas(n_groups):
    frame = _frame(n_groups)
    groups = group_by(frame, "key")
    qs = (0.1, 0.5, 0.9, 0.99)
    got = groups.quantiles(frame["v"].to_numpy(), qs)
    expected = frame.groupby("key", observed=True)["v"].quantile(list(qs)).unstack()
    expected = expected.reindex(groups.index.astype(str))
    np.testing.assert_allclose(got, expected.to_numpy(), rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("n_groups", [3, 2000], ids=["few", "many"])
def test_group_without_known_values_is_nan(n_groups):
    frame = _frame(n_groups, n=n_groups * 3)
    values = frame["v"].to_numpy().copy()
    first = frame["key"].iloc[0]
    values[(frame["key"] == first).to_numpy()] = np.nan
    groups = group_by(frame, "key")
    row = list(groups.index).index(first)
    assert np.isnan(groups.quantiles(values, [0.5])[row, 0])
    assert np.isnan(groups.sums(values)[row]) and np.isnan(groups.means(values)[row])


def test_sums_means_counts():
    frame = pd.DataFrame({"k": ["a", "b", "a", None], "v": [1.0, np.nan, 3.0, 5.0]})
    groups = group_by(frame, "k")
    assert list(groups.index) == ["a", "b", NA_LABEL]
    assert groups.counts().tolist() == [2, 1, 1]
    np.testing.assert_array_equal(groups.sums(frame["v"].to_numpy()), [4.0, np.nan, 5.0])
    np.testing.assert_array_equal(groups.means(frame["v"].to_numpy()), [2.0, np.nan, 5.0])


def test_several_keys_keep_value_types_and_na():
    frame = pd.DataFrame({"a": pd.Series(["x", "y", "x", None], dtype="string"),
                          "b": pd.array([1, 1, 2, None], dtype="Int64")})
    groups = group_by(frame, ["a", "b"])
    assert groups.index.names == ["a", "b"]
    assert list(groups.index) == [("x", 1), ("y", 1), ("x", 2), (NA_LABEL, NA_LABEL)]
    assert groups.codes.tolist() == [0, 1, 2, 3]


def test_empty_frame_groups():
    frame = pd.DataFrame({"a": pd.Series([], dtype="category"), "b": pd.Series([], dtype="string")})
    assert group_by(frame, "a").n == 0
    assert group_by(frame, ["a", "b"]).index.names == ["a", "b"]
    one = group_by(frame, None)
    assert one.n == 1 and np.isnan(one.quantiles(np.array([]), [0.5])[0, 0])


def test_fold_keeps_top_and_merges_the_rest():
    groups = Groups(np.array([0, 1, 2, 3, 3]), pd.Index(["a", "b", "c", "d"]))
    folded = groups.fold(np.array([1.0, 5.0, np.nan, 3.0]), top=2)
    assert list(folded.index) == ["b", "d", OTHER_LABEL]
    assert folded.codes.tolist() == [2, 0, 2, 1, 1]
    same = groups.fold(np.array([1.0, 1.0, 1.0, 1.0]), top=4)
    assert list(same.index) == ["a", "b", "c", "d"]  # ties by label, nothing folded


@pytest.mark.parametrize("by", [[], 1, ("a", "a")], ids=["empty", "int", "repeated"])
def test_normalize_by_rejects(by):
    with pytest.raises(ValueError):
        normalize_by(by)
