"""FrameIndex: the precomputed lookups behind the viewer (no widgets)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openrouter_frame.analysis import metrics
from openrouter_frame.analysis.metrics import as_float
from openrouter_frame.viewer.browse import NA_CODE, SORTS, FrameIndex, factorize


@pytest.fixture()
def small() -> pd.DataFrame:
    return pd.DataFrame({
        "id": pd.array(["gen-A", "gen-b", "gen-c", "gen-d", "gen-a"], dtype="string"),
        "model": pd.Categorical(["m", "n", "m", None, "n"]),
        "provider_name": pd.Categorical(["P", "P", "Q", "Q", None]),
        "total_cost": pd.array([0.2, None, 0.5, 0.1, 0.2], dtype="Float64"),
        "latency": pd.array([10.0, 20.0, None, 40.0, 5.0], dtype="Float64"),
        "generation_time": pd.array([1000.0, 2000.0, 500.0, None, 0.0], dtype="Float64"),
        "native_tokens_completion": pd.array([10, 20, 30, 40, 50], dtype="Int64"),
        "created_at": pd.to_datetime(["2025-01-02", "2025-01-01", "2025-01-03", None,
                                      "2025-01-04"], utc=True).astype("datetime64[us, UTC]"),
    })


@pytest.mark.parametrize(("sort", "expected"), [
    ("cost", [2, 0, 4, 3, 1]),
    ("latency", [3, 1, 0, 4, 2]),
    ("generation_time", [1, 0, 2, 4, 3]),
    ("newest", [4, 2, 0, 1, 3]),
], ids=list(SORTS))
def test_orders_are_descending_na_last_ties_in_frame_order(small, sort, expected):
    assert FrameIndex(small).order(sort).tolist() == expected


def test_positions_filter_by_model_and_provider_codes(small):
    index = FrameIndex(small)
    assert index.models == ["m", "n"] and index.providers == ["P", "Q"]
    assert index.positions("cost", model=0).tolist() == [2, 0]
    assert index.positions("cost", provider=1).tolist() == [2, 3]
    assert index.positions("cost", model=0, provider=0).tolist() == [0]
    assert index.positions("cost", model=NA_CODE).tolist() == [3]
    assert index.positions("cost", model=1, provider=1).tolist() == []


def test_model_labels_name_the_na_group(small):
    index = FrameIndex(small)
    assert [index.model_label(c) for c in (0, 1, NA_CODE)] == ["m", "n", "<NA>"]


def test_matching_ids_is_case_insensitive_and_capped(small):
    index = FrameIndex(small)
    assert index.matching_ids("GEN-a") == ["gen-A", "gen-a"]
    assert index.matching_ids("gen", limit=2) == ["gen-A", "gen-b"]
    assert index.matching_ids("  ") == [] and index.matching_ids("zzz") == []
    assert index.position("gen-a") == 4 and index.position("gen-x") is None


def test_ranks_overall_and_within_model(small):
    index = FrameIndex(small)
    value, overall, within, counts = index.ranks(0)  # model m, cost 0.2, latency 10
    assert value["effective_cost"] == 0.2
    assert overall["effective_cost"] == 75.0  # 0.1, 0.2, 0.2 of four known costs
    assert within["effective_cost"] == 50.0  # 0.2 of m's 0.2, 0.5
    assert overall["latency"] == 50.0 and within["latency"] == 100.0
    assert value["tokens_per_second"] == 10.0
    assert counts["effective_cost"] == (4, 2) and counts["latency"] == (4, 1)
    _, overall, within, _ = index.ranks(1)  # NA cost
    assert overall["effective_cost"] is None and within["effective_cost"] is None


def test_cost_sort_and_ranks_use_what_byok_really_paid():
    df = pd.DataFrame({
        "id": ["gen-byok", "gen-plain"], "model": ["m", "m"],
        "total_cost": pd.array([0.00002, 0.0003], dtype="Float64"),
        "upstream_inference_cost": pd.array([0.0004, None], dtype="Float64"),
        "is_byok": pd.array([True, False], dtype="boolean"),
    })
    index = FrameIndex(df)
    assert index.order("cost").tolist() == [0, 1]  # $0.00042 paid beats $0.0003
    value, overall, _, _ = index.ranks(0)
    assert value["effective_cost"] == pytest.approx(0.00042) and overall["effective_cost"] == 100


def test_counts_per_group_under_the_other_filter(small):
    index = FrameIndex(small)
    by_model, by_provider = index.counts()
    assert by_model.tolist() == [1, 2, 2] and by_provider.tolist() == [1, 2, 2]  # NA first
    by_model, by_provider = index.counts(model=0, provider=1)
    assert by_model.tolist() == [1, 1, 0]  # provider Q: models NA, m
    assert by_provider.tolist() == [0, 1, 1]  # model m: providers P, Q


def test_metrics_of_absent_columns_are_nan():
    index = FrameIndex(pd.DataFrame({"id": ["x", "y"]}))
    assert np.isnan(index.metric("latency")).all()
    assert index.order("cost").tolist() == [0, 1]
    assert index.models == [] and index.model_codes.tolist() == [NA_CODE, NA_CODE]


@pytest.mark.parametrize("kind", ["numpy", "arrow", "naive", "text"])
def test_as_float_of_datetimes_is_microseconds(kind):
    when = pd.Series(pd.to_datetime(["1970-01-01T00:00:01Z", None], utc=True))
    series = {"numpy": when, "arrow": when.astype("timestamp[us, tz=UTC][pyarrow]"),
              "naive": when.dt.tz_localize(None), "text": None}[kind]
    if series is None:
        assert as_float(pd.Series(["1.5", "x"])).tolist()[0] == 1.5
        return
    out = as_float(series)
    assert out[0] == 1_000_000.0 and np.isnan(out[1])


def test_factorize_handles_arrow_dictionary_columns(small):
    arrow = small.convert_dtypes(dtype_backend="pyarrow")
    codes, labels = factorize(arrow, "model")
    assert labels == ["m", "n"] and codes.tolist() == [0, 1, 0, NA_CODE, 1]
    assert FrameIndex(arrow).order("newest").tolist() == [4, 2, 0, 1, 3]


def test_sorted_values_feed_percentile_rank(small):
    index = FrameIndex(small)
    assert index.sorted_values("total_cost").tolist() == [0.1, 0.2, 0.2, 0.5]
    assert index.sorted_values("total_cost", 1).tolist() == [0.2]
    assert metrics.percentile_rank(index.sorted_values("latency"), 20.0) == 75.0
