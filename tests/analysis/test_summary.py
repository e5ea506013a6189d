"""The summaries: definitions against plain pandas, every read-back, empty and all-NA frames."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from openrouter_frame import MissingColumnsError
from openrouter_frame.analysis import summary
from openrouter_frame.frame import coerce, empty_frame, records_to_frame

TABLES = {
    "cost_summary": lambda df: summary.cost_summary(df, by="model"),
    "latency_summary": lambda df: summary.latency_summary(df, by="provider_name"),
    "finish_reasons": lambda df: summary.finish_reasons(df, by="model"),
    "cost_over_time": lambda df: summary.cost_over_time(df, freq="W", by="provider_name",
                                                        top=4),
}


@pytest.fixture(scope="module")
def records(demo_frame, sim):
    return [sim.record(i) for i in demo_frame["id"]]


def _read_back(frame: pd.DataFrame, how: str, tmp_path) -> pd.DataFrame:
    if how == "fresh":
        return frame
    if how.startswith("parquet"):
        path = tmp_path / "g.parquet"
        frame.to_parquet(path)
        # Arrow dictionary columns only read back with dtype_backend="pyarrow"
        # (pandas-dev/pandas#54392), so a pyarrow frame is read that way.
        backend = "pyarrow" if how == "parquet-as-arrow" else "numpy_nullable"
        return coerce(pd.read_parquet(path, dtype_backend=backend))
    path = tmp_path / "g.csv"
    frame.to_csv(path, index=False)
    return coerce(pd.read_csv(path))


READ_BACKS = [("numpy_nullable", "fresh"), ("numpy_nullable", "parquet"),
              ("numpy_nullable", "parquet-as-arrow"), ("numpy_nullable", "csv"),
              ("pyarrow", "fresh"), ("pyarrow", "parquet-as-arrow"), ("pyarrow", "csv")]


@pytest.mark.parametrize(("backend", "how"), READ_BACKS, ids=[f"{b}-{h}" for b, h in READ_BACKS])
def test_every_backend_and_read_back_gives_the_same_results(records, demo_frame, backend, how,
                                                            tmp_path):
    frame = _read_back(records_to_frame(records, dtype_backend=backend), how, tmp_path)
    expected = summary.summary(demo_frame)
    got = summary.summary(frame)
    assert got.index.equals(expected.index)
    assert [str(v) for v in got] == [str(v) for v in expected]
    for name, table in TABLES.items():
        pd.testing.assert_frame_equal(table(frame), table(demo_frame), obj=name)


def test_summary_figures_match_plain_pandas(demo_frame):
    df = demo_frame
    s = summary.summary(df)
    cost = df["total_cost"]
    assert s["generations"] == len(df)
    assert s["total_cost_usd"] == pytest.approx(cost.sum())
    assert s["mean_cost_usd"] == pytest.approx(cost.mean())
    assert s["median_cost_usd"] == pytest.approx(cost.median())
    assert s["p90_cost_usd"] == pytest.approx(cost.quantile(0.9))
    for label, column in [("total_prompt_tokens", "native_tokens_prompt"),
                          ("total_completion_tokens", "native_tokens_completion"),
                          ("total_reasoning_tokens", "native_tokens_reasoning"),
                          ("total_cached_tokens", "native_tokens_cached")]:
        assert s[label] == df[column].sum() and isinstance(s[label], int), label
    tokens = df["native_tokens_prompt"].sum() + df["native_tokens_completion"].sum()
    assert s["cost_per_1m_tokens_usd"] == pytest.approx(cost.sum() / tokens * 1e6)
    discount = df["cache_discount"]
    assert s["cache_savings_usd"] == pytest.approx(discount[discount > 0].sum())
    assert s["cache_write_cost_usd"] == pytest.approx(-discount[discount < 0].sum())
    assert s["cache_write_cost_usd"] > 0 and s["cache_savings_usd"] > 0
    for p in (50, 90, 99):
        assert s[f"latency_p{p}_ms"] == pytest.approx(df["latency"].quantile(p / 100))
        assert s[f"generation_time_p{p}_ms"] == pytest.approx(
            df["generation_time"].quantile(p / 100))
    tokens = df["native_tokens_completion"].fillna(df["tokens_completion"])
    tps = tokens.where(tokens > 0) / (df["generation_time"].where(df["generation_time"] > 0)
                                      / 1000)
    assert s["tokens_per_second_p50"] == pytest.approx(tps.median())
    assert s["cancelled_rate"] == pytest.approx(df["cancelled"].mean())
    assert s["byok_share"] == pytest.approx(df["is_byok"].mean())
    assert s["streamed_share"] == pytest.approx(df["streamed"].mean())
    known = df["finish_reason"].notna().sum()
    assert known < len(df)  # embeddings and cancelled streams have none
    assert s["truncated_rate"] == pytest.approx((df["finish_reason"] == "length").sum() / known)
    assert s["error_rate"] == pytest.approx((df["finish_reason"] == "error").sum() / known)
    assert s["first_created_at"] == df["created_at"].min()
    assert s["last_created_at"] == df["created_at"].max()


def test_summary_labels_carry_units(demo_frame):
    labels = summary.summary(demo_frame).index
    money = [x for x in labels if ("cost" in x or "cache" in x) and not x.endswith("_tokens")]
    assert len(money) == 7 and all(label.endswith("_usd") for label in money)
    assert [x for x in labels if x.startswith(("latency", "generation_time"))] == [
        "latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "generation_time_p50_ms",
        "generation_time_p90_ms", "generation_time_p99_ms"]
    assert all(x.endswith("_tokens") for x in labels if x.startswith("total_") and "cost" not in x)


def test_cost_summary_by_model(demo_frame):
    df = demo_frame
    table = summary.cost_summary(df, by="model")
    assert table.index.name == "model"
    assert table.columns.tolist() == [
        "count", "total_cost_usd", "share_of_cost", "mean_cost_usd", "median_cost_usd",
        "p90_cost_usd", "cost_per_1m_tokens_usd", "cache_savings_usd",
        "upstream_inference_cost_usd", "byok_count"]
    assert table["total_cost_usd"].is_monotonic_decreasing
    assert table["count"].sum() == len(df)
    assert table["share_of_cost"].sum() == pytest.approx(1.0)
    assert table["total_cost_usd"].sum() == pytest.approx(df["total_cost"].sum())
    assert str(table["count"].dtype) == "Int64" and str(table["p90_cost_usd"].dtype) == "Float64"
    grouped = df.groupby("model", observed=True)
    top = table.index[0]
    part = df[df["model"] == top]
    assert table.loc[top, "p90_cost_usd"] == pytest.approx(part["total_cost"].quantile(0.9))
    assert table.loc[top, "median_cost_usd"] == pytest.approx(part["total_cost"].median())
    assert table.loc[top, "byok_count"] == part["is_byok"].sum()
    assert table.loc[top, "upstream_inference_cost_usd"] == pytest.approx(
        part["upstream_inference_cost"].sum())
    pd.testing.assert_series_equal(
        table["count"].astype("int64").sort_index(), grouped.size().sort_index(),
        check_names=False, check_index_type=False, check_categorical=False)


def test_na_keys_form_their_own_group(demo_frame):
    n_missing = int(demo_frame["provider_name"].isna().sum())
    assert n_missing > 0  # the simulator leaves ~1% without a provider
    for table in (summary.cost_summary(demo_frame, by="provider_name"),
                  summary.latency_summary(demo_frame, by="provider_name"),
                  summary.finish_reasons(demo_frame, by="provider_name")):
        assert table.loc["<NA>", "count"] == n_missing
        assert table["count"].sum() == len(demo_frame)


def test_several_keys_give_a_multiindex(demo_frame):
    table = summary.cost_summary(demo_frame, by=["provider_name", "is_byok"])
    assert table.index.names == ["provider_name", "is_byok"]
    assert table["count"].sum() == len(demo_frame)
    expected = demo_frame.groupby(["provider_name", "is_byok"], observed=True, dropna=False
                                  ).size()
    assert len(table) == len(expected)
    assert ("<NA>", False) in table.index or ("<NA>", True) in table.index


def test_by_none_gives_one_row(demo_frame):
    table = summary.cost_summary(demo_frame, by=None)
    assert table.index.tolist() == ["all"] and table.loc["all", "count"] == len(demo_frame)
    assert table.loc["all", "share_of_cost"] == pytest.approx(1.0)


@pytest.mark.parametrize("by", [[], 3, ["model", "model"], ("model", 1)],
                         ids=["empty-list", "int", "repeated", "non-str"])
def test_malformed_by_raises(demo_frame, by):
    with pytest.raises(ValueError, match="by"):
        summary.cost_summary(demo_frame, by=by)


def test_latency_summary_percentiles(demo_frame):
    table = summary.latency_summary(demo_frame, by="provider_name", percentiles=(0.25, 0.999))
    assert table.columns.tolist() == [
        "count", "latency_p25_ms", "latency_p99.9_ms", "generation_time_p25_ms",
        "generation_time_p99.9_ms", "tokens_per_second_p25", "tokens_per_second_p99.9"]
    medians = demo_frame.groupby("provider_name", observed=True, dropna=False)["latency"].median()
    def label(k):  # the NA group, however this pandas version spells it
        return "<NA>" if k is None or pd.isna(k) or k == "<NA>" else k

    by_label = {label(k): v for k, v in medians.items()}
    assert [by_label[label(k)] for k in table.index] == sorted(
        medians, reverse=True)  # slowest median first, whatever percentiles are shown
    part = demo_frame[demo_frame["provider_name"] == "OpenAI"]
    assert table.loc["OpenAI", "latency_p99.9_ms"] == pytest.approx(
        part["latency"].quantile(0.999))
    assert table.loc["OpenAI", "generation_time_p25_ms"] == pytest.approx(
        part["generation_time"].quantile(0.25))


@pytest.mark.parametrize("percentiles", [(0.0, 0.5), (0.5, 1.0), (-0.1,), (1.5,), (float("nan"),),
                                         (), (0.5, 0.5), (True,), ("0.5",), 90],
                         ids=["zero", "one", "negative", "above-one", "nan", "empty",
                              "duplicate", "bool", "string", "percent-not-fraction"])
def test_bad_percentiles_raise(demo_frame, percentiles):
    with pytest.raises(ValueError, match="percentiles"):
        summary.latency_summary(demo_frame, percentiles=percentiles)


def test_latency_summary_puts_the_slow_small_groups_first(slow_small_frame):
    """Issue 21: sorted by count, the three slowest providers (the smallest) came last."""
    table = summary.latency_summary(slow_small_frame, by="provider_name")
    assert table.index[:3].tolist() == ["Slow-C", "Slow-B", "Slow-A"]
    assert table["count"].iloc[:3].tolist() == [3, 2, 1]
    assert table["latency_p50_ms"].is_monotonic_decreasing


def test_single_percentile_may_be_a_number(demo_frame):
    table = summary.latency_summary(demo_frame, by=None, percentiles=0.75)
    assert table.loc["all", "latency_p75_ms"] == pytest.approx(
        demo_frame["latency"].quantile(0.75))


def test_cost_over_time_sums_and_folds(demo_frame):
    table = summary.cost_over_time(demo_frame, freq="D", by="model", top=3)
    assert table.columns.tolist()[-1] == "other" and len(table.columns) == 4
    ranked = summary.cost_summary(demo_frame, by="model").index[:3].tolist()
    assert table.columns.tolist()[:3] == ranked
    assert table.to_numpy().sum() == pytest.approx(demo_frame["total_cost"].sum())
    assert isinstance(table.index, pd.DatetimeIndex) and str(table.index.tz) == "UTC"
    assert table.index.name == "created_at"
    days = (demo_frame["created_at"].max().normalize() - demo_frame["created_at"].min()
            .normalize()).days + 1
    assert len(table) == days  # every day, with or without generations
    total = summary.cost_over_time(demo_frame, freq="W")
    assert total.columns.tolist() == ["total_cost_usd"]
    assert total["total_cost_usd"].sum() == pytest.approx(demo_frame["total_cost"].sum())


def test_cost_over_time_fills_empty_periods_with_zero(demo_frame):
    two = demo_frame.iloc[:2].copy()
    two["created_at"] = pd.to_datetime(["2026-01-01T10:00Z", "2026-01-04T09:00Z"]).as_unit("us")
    table = summary.cost_over_time(two, freq="D", by="model")
    assert len(table) == 4
    assert table.sum(axis=1).tolist()[1:3] == [0.0, 0.0]
    assert "other" not in table.columns  # nothing was folded


@pytest.mark.parametrize("top", [0, -1, 1.5, True], ids=["zero", "negative", "float", "bool"])
def test_cost_over_time_rejects_bad_top(demo_frame, top):
    with pytest.raises(ValueError, match="top"):
        summary.cost_over_time(demo_frame, top=top)


@pytest.mark.parametrize("frame", ["demo", "empty"])
def test_cost_over_time_rejects_unknown_frequency(demo_frame, frame):
    with pytest.raises(ValueError):
        summary.cost_over_time(demo_frame if frame == "demo" else empty_frame(), freq="fortnight")


def test_cost_over_time_several_keys(demo_frame):
    table = summary.cost_over_time(demo_frame, freq="W", by=["provider_name", "api_type"], top=2)
    assert table.columns.name == "provider_name / api_type"
    totals = demo_frame.groupby(["provider_name", "api_type"], dropna=False,
                                observed=True)["total_cost"].sum()
    assert table.columns[0] == " / ".join(totals.idxmax()) and table.columns[-1] == "other"


def test_finish_reasons_shares(demo_frame):
    table = summary.finish_reasons(demo_frame, by="model")
    assert table.columns[-2:].tolist() == ["no_finish_reason_rate", "cancelled_rate"]
    reasons = table.iloc[:, 1:-2]
    assert reasons.columns.tolist() == demo_frame["finish_reason"].value_counts().index.tolist()
    chat = reasons.dropna()
    assert np.allclose(chat.sum(axis=1).to_numpy(dtype=float), 1.0)
    overall = summary.finish_reasons(demo_frame, by=None)
    s = summary.summary(demo_frame)
    assert overall.loc["all", "length"] == pytest.approx(s["truncated_rate"])
    assert overall.loc["all", "error"] == pytest.approx(s["error_rate"])
    assert overall.loc["all", "cancelled_rate"] == pytest.approx(s["cancelled_rate"])
    assert overall.loc["all", "no_finish_reason_rate"] == pytest.approx(
        demo_frame["finish_reason"].isna().mean())
    gpt = demo_frame[demo_frame["model"] == "openai/gpt-4o-mini"]["finish_reason"]
    assert table.loc["openai/gpt-4o-mini", "length"] == pytest.approx(
        (gpt == "length").sum() / gpt.notna().sum())
    embeddings = table.loc["openai/text-embedding-3-small"]
    assert embeddings["no_finish_reason_rate"] == 1.0  # embeddings have no finish reason
    assert reasons.loc["openai/text-embedding-3-small"].isna().all()


def test_tokens_per_second_definition():
    df = pd.DataFrame({
        "native_tokens_completion": pd.array([100, None, 50, 10, None], dtype="Int64"),
        "tokens_completion": pd.array([90, 40, 45, 9, None], dtype="Int64"),
        "generation_time": pd.array([2000.0, 500.0, 0.0, None, 1000.0], dtype="Float64"),
    }, index=[10, 11, 12, 13, 14])
    tps = summary.tokens_per_second(df)
    assert tps.name == "tokens_per_second" and str(tps.dtype) == "Float64"
    assert tps.index.tolist() == [10, 11, 12, 13, 14]
    assert tps.tolist()[:2] == [50.0, 80.0]
    assert tps.iloc[2:].isna().all()  # zero time, NA time, NA tokens: NA, never inf


def test_tokens_per_second_is_na_without_completion_tokens(demo_frame):
    """Issue 21: embedding rows showed 0.0 tokens/s; with no completion there is no speed."""
    embeddings = demo_frame["api_type"] == "embeddings"
    assert embeddings.sum() > 0
    assert summary.tokens_per_second(demo_frame)[embeddings.fillna(False)].isna().all()
    table = summary.latency_summary(demo_frame, by="api_type")
    assert table.loc["embeddings", ["tokens_per_second_p50", "tokens_per_second_p99"]
                     ].isna().all()
    assert (table.loc["completions", "tokens_per_second_p50"] > 0)
    html = demo_frame.orgen.latency_summary(by="api_type")._repr_html_()
    row = html.split("<th>embeddings</th>", 1)[1].split("</tr>", 1)[0]
    assert row.count("&lt;NA&gt;") == 3


def test_tokens_per_second_never_inf(demo_frame):
    tps = summary.tokens_per_second(demo_frame)
    assert not np.isinf(tps.to_numpy(dtype=float, na_value=np.nan)).any()
    zero = demo_frame["generation_time"] == 0
    assert tps[zero.fillna(False)].isna().all()


def test_top(demo_frame):
    worst = summary.top(demo_frame, 5, by="latency")
    assert worst["latency"].tolist() == demo_frame["latency"].dropna().nlargest(5).tolist()
    assert summary.top(demo_frame).index.tolist() == demo_frame["total_cost"].nlargest(
        10).index.tolist()
    fastest = summary.top(demo_frame, 3, by="tokens_per_second")
    assert len(fastest) == 3 and fastest.columns.equals(demo_frame.columns)
    assert summary.top(demo_frame, 0).empty
    everything = summary.top(demo_frame, len(demo_frame) + 5, by="latency")
    assert len(everything) == len(demo_frame) and everything["latency"].iloc[-1:].isna().all()


@pytest.mark.parametrize("n", [-1, 2.5, True], ids=["negative", "float", "bool"])
def test_top_rejects_bad_n(demo_frame, n):
    with pytest.raises(ValueError):
        summary.top(demo_frame, n)


ALL_CALLS = {
    "summary": summary.summary,
    **TABLES,
    "cost_summary_multi": lambda df: summary.cost_summary(df, by=["model", "provider_name"]),
    "cost_summary_none": lambda df: summary.cost_summary(df, by=None),
    "tokens_per_second": summary.tokens_per_second,
    "top": summary.top,
}


@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
@pytest.mark.parametrize("name", list(ALL_CALLS))
def test_empty_frame_gives_empty_results_without_warnings(name, backend, demo_frame):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = ALL_CALLS[name](empty_frame(backend))
        reference = ALL_CALLS[name](demo_frame)
    if name == "summary":
        assert result["generations"] == 0 and result.drop("generations").isna().all()
        assert result.index.equals(reference.index)
    elif name == "cost_summary_none":
        assert result.loc["all", "count"] == 0 and result.iloc[0, 1:].isna().all()
    elif name == "finish_reasons":
        assert result.empty and result.columns.tolist() == [
            "count", "no_finish_reason_rate", "cancelled_rate"]
    elif name == "cost_over_time":
        assert result.empty and isinstance(result.index, pd.DatetimeIndex)
    elif name == "top":
        assert result.empty and result.columns.equals(empty_frame(backend).columns)
    elif isinstance(result, pd.DataFrame):
        assert result.empty and result.columns.equals(reference.columns)
    else:
        assert result.empty


@pytest.mark.parametrize("column", ["latency", "total_cost", "cache_discount", "cancelled",
                                    "finish_reason", "provider_name", "created_at"])
def test_all_na_column_gives_na_without_warnings(demo_frame, column):
    frame = demo_frame.copy()
    frame[column] = pd.Series(pd.NA, index=frame.index).astype(demo_frame[column].dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = summary.summary(frame)
        tables = {name: table(frame) for name, table in TABLES.items()}
    expect_na = {
        "latency": ["latency_p50_ms", "latency_p99_ms"],
        "total_cost": ["total_cost_usd", "mean_cost_usd", "p90_cost_usd", "cost_per_1m_tokens_usd"],
        "cache_discount": ["cache_savings_usd", "cache_write_cost_usd"],
        "cancelled": ["cancelled_rate"],
        "finish_reason": ["truncated_rate", "error_rate"],
        "provider_name": [],
        "created_at": ["first_created_at", "last_created_at"],
    }[column]
    assert all(pd.isna(s[label]) for label in expect_na)
    assert s["generations"] == len(frame)
    if column == "latency":
        assert tables["latency_summary"]["latency_p50_ms"].isna().all()
    if column == "provider_name":
        assert tables["latency_summary"].index.tolist() == ["<NA>"]
    if column == "created_at":
        assert tables["cost_over_time"].empty


MISSING = [
    ("summary", lambda df: summary.summary(df), ["total_cost"], ["total_cost"]),
    ("cost_summary", lambda df: summary.cost_summary(df), ["total_cost", "model"],
     ["total_cost", "model"]),
    ("cost_summary", lambda df: summary.cost_summary(df, by=["app_id", "nope"]), [], ["nope"]),
    ("latency_summary", lambda df: summary.latency_summary(df), ["latency"], ["latency"]),
    ("latency_summary", lambda df: summary.latency_summary(df), ["provider_name"],
     ["provider_name"]),
    ("cost_over_time", lambda df: summary.cost_over_time(df), ["created_at"], ["created_at"]),
    ("finish_reasons", lambda df: summary.finish_reasons(df), ["finish_reason"],
     ["finish_reason"]),
    ("tokens_per_second", summary.tokens_per_second, ["generation_time"], ["generation_time"]),
    ("tokens_per_second", summary.tokens_per_second,
     ["native_tokens_completion", "tokens_completion"],
     ["native_tokens_completion", "tokens_completion"]),
    ("top", lambda df: summary.top(df, by="shoe_size"), [], ["shoe_size"]),
]


@pytest.mark.parametrize(("method", "call", "drop", "missing"), MISSING,
                         ids=[f"{m[0]}-{'-'.join(m[3])}" for m in MISSING])
def test_missing_columns_are_named(demo_frame, method, call, drop, missing):
    with pytest.raises(MissingColumnsError) as info:
        call(demo_frame.drop(columns=drop))
    err = info.value
    assert isinstance(err, KeyError)
    assert err.method == method and list(err.missing) == missing
    assert f"{method}()" in str(err) and all(repr(m) in str(err) for m in missing)


def test_partial_frame_gives_na_for_what_it_lacks(demo_frame):
    part = demo_frame[["id", "model", "total_cost"]]
    table = summary.cost_summary(part, by="model")
    assert table["total_cost_usd"].notna().all()
    assert table["cache_savings_usd"].isna().all() and table["byok_count"].isna().all()
    s = summary.summary(part)
    assert s["total_cost_usd"] == pytest.approx(demo_frame["total_cost"].sum())
    assert pd.isna(s["latency_p50_ms"]) and pd.isna(s["tokens_per_second_p50"])


def test_extra_columns_can_be_keys(demo_frame):
    frame = demo_frame.assign(team=np.where(demo_frame["total_cost"] > 0.001, "a", "b"))
    table = summary.cost_summary(frame, by="team")
    assert set(table.index) == {"a", "b"}
