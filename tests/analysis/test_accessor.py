"""df.orgen: registration, validation, coercion of read-back frames, delegation, errors."""

from __future__ import annotations

import inspect
import subprocess
import sys

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.axes import Axes

from openrouter_frame import MissingColumnsError
from openrouter_frame.analysis import plotting, summary
from openrouter_frame.analysis.accessor import GenerationsAccessor
from openrouter_frame.analysis.colors import color_for
from openrouter_frame.analysis.units import format_usd
from openrouter_frame.frame import coerce

METHODS = {
    "summary": ((), summary.summary),
    "cost_summary": ((), summary.cost_summary),
    "cost_summary_by_list": ((["provider_name", "api_type"],), summary.cost_summary),
    "latency_summary": (("model", (0.5, 0.95)), summary.latency_summary),
    "cost_over_time": (("W", "model", 3), summary.cost_over_time),
    "finish_reasons": ((), summary.finish_reasons),
    "tokens_per_second": ((), summary.tokens_per_second),
    "top": ((5, "latency"), summary.top),
}


def test_registered_on_import_without_matplotlib():
    code = ("import sys, pandas as pd, openrouter_frame\n"
            "df = pd.DataFrame({'id': ['gen-1'], 'total_cost': [0.5]})\n"
            "print(type(df.orgen).__name__, df.orgen.summary()['total_cost_usd'],\n"
            "      'matplotlib' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert out == ["GenerationsAccessor", "0.5", "False"]


@pytest.mark.parametrize("frame", [pd.DataFrame({"a": [1]}), pd.DataFrame()],
                         ids=["foreign-columns", "no-columns"])
def test_frames_without_schema_columns_have_no_accessor(frame):
    assert not hasattr(frame, "orgen")
    with pytest.raises(AttributeError, match="none of the schema's columns"):
        frame.orgen  # noqa: B018


def test_any_schema_column_is_enough():
    frame = pd.DataFrame({"latency": [100.0, 250.0], "generation_time": [900.0, 1200.0],
                          "provider_name": ["A", None]})
    table = frame.orgen.latency_summary()
    assert table.loc["<NA>", "latency_p50_ms"] == 250.0
    assert table["tokens_per_second_p50"].isna().all()  # no token columns: NA, not an error
    assert isinstance(frame.orgen, GenerationsAccessor)


@pytest.mark.parametrize("name", list(METHODS))
def test_methods_delegate_to_the_pure_functions(demo_frame, name):
    args, func = METHODS[name]
    method = name.replace("_by_list", "")
    got = getattr(demo_frame.orgen, method)(*args)
    expected = func(demo_frame, *args)
    # The accessor's summaries are display subclasses (RichSeries/RichFrame): same values.
    if isinstance(got, pd.Series):
        pd.testing.assert_series_equal(got, expected, check_series_type=False)
    else:
        pd.testing.assert_frame_equal(got, expected, check_frame_type=False)


@pytest.mark.parametrize("name", list(METHODS))
def test_csv_read_back_is_coerced_on_the_fly(demo_frame, tmp_path, name):
    path = tmp_path / "generations.csv"
    demo_frame.to_csv(path, index=False)
    raw = pd.read_csv(path)  # text created_at, plain-string categories, float ints
    assert raw["created_at"].dtype != demo_frame["created_at"].dtype
    args, _ = METHODS[name]
    method = name.replace("_by_list", "")
    got = getattr(raw.orgen, method)(*args)
    expected = getattr(demo_frame.orgen, method)(*args)
    if name == "top":  # whole rows: compare the schema columns as typed
        got, expected = coerce(got).iloc[:, :32], expected.iloc[:, :32]
        got.index = expected.index
        # CSV cannot tell an empty string from a missing value.
        expected = expected.assign(origin=expected["origin"].mask(expected["origin"] == ""))
    if isinstance(got, pd.Series):
        pd.testing.assert_series_equal(got, expected, check_index=name != "tokens_per_second")
    else:
        pd.testing.assert_frame_equal(got, expected, check_index_type=False)


def test_accessor_leaves_the_frame_alone(demo_frame, tmp_path):
    path = tmp_path / "generations.csv"
    demo_frame.to_csv(path, index=False)
    raw = pd.read_csv(path)
    before = raw.dtypes.copy()
    raw.orgen.summary()
    pd.testing.assert_series_equal(raw.dtypes, before)


@pytest.mark.parametrize(("method", "kwargs", "drop", "missing"), [
    ("cost_summary", {}, ["total_cost"], "'total_cost'"),
    ("latency_summary", {"by": "workspace"}, [], "'workspace'"),
    ("finish_reasons", {}, ["finish_reason", "model"], "'finish_reason', 'model'"),
    ("plot_cost_by", {}, ["model"], "'model'"),
], ids=["cost_summary", "latency_summary-by", "finish_reasons", "plot_cost_by"])
def test_missing_columns_name_the_method(demo_frame, method, kwargs, drop, missing):
    frame = demo_frame.drop(columns=drop)
    with pytest.raises(KeyError) as info:
        getattr(frame.orgen, method)(**kwargs)
    assert isinstance(info.value, MissingColumnsError)
    assert str(info.value).startswith(f"{method}() needs the column(s) {missing}")


@pytest.mark.parametrize("name", ["plot_cost_over_time", "plot_cost_by", "plot_latency",
                                  "plot_tokens_vs_cost"])
def test_plot_methods_return_axes(demo_frame, name):
    fig, ax = plt.subplots()
    try:
        got = getattr(demo_frame.orgen, name)(ax=ax)
        assert got is ax and isinstance(got, Axes)
        assert ax.get_xlabel() and ax.get_ylabel()
        own = getattr(demo_frame.orgen, name)()
        assert own is not ax and own.figure is not fig
    finally:
        plt.close("all")


def test_plot_methods_pass_their_options(demo_frame):
    ax = demo_frame.orgen.plot_latency(by="model", kind="box", metric="generation_time", top=3)
    assert len(ax.patches) == 4
    assert ax.get_xlabel().startswith(plotting.METRIC_LABELS["generation_time"])
    plt.close("all")


@pytest.mark.parametrize("name", ["plot_cost_over_time", "plot_cost_by", "plot_latency",
                                  "plot_tokens_vs_cost"])
def test_plot_methods_take_exactly_the_plot_functions_keywords(name):
    method = inspect.signature(getattr(GenerationsAccessor, name))
    func = inspect.signature(getattr(plotting, name))
    got = [(p.name, p.default, p.kind) for p in list(method.parameters.values())[1:]]
    expected = [(p.name, p.default, p.kind) for p in list(func.parameters.values())[1:]]
    assert got == expected


@pytest.mark.parametrize(("analysis", "plot"), [
    ("cost_over_time", "plot_cost_over_time"), ("cost_summary", "plot_cost_by"),
    ("latency_summary", "plot_latency")], ids=["cost_over_time", "cost_by", "latency"])
def test_analysis_and_plot_defaults_agree(analysis, plot):
    a = inspect.signature(getattr(summary, analysis)).parameters
    p = inspect.signature(getattr(plotting, plot)).parameters
    shared = (set(a) & set(p)) - {"frame", "top"}
    assert shared and all(a[k].default == p[k].default for k in shared), shared


def test_plot_latency_passes_log(demo_frame):
    ax = demo_frame.orgen.plot_latency(log=False)
    assert ax.get_xscale() == "linear"
    plt.close("all")


def test_report_card(demo_frame):
    card = demo_frame.orgen.report(top=3)
    markup = card._repr_html_()
    total = demo_frame["total_cost"].sum()
    assert format_usd(total) in markup and "<svg" in markup
    assert "top models" in markup and "top providers" in markup
    top_model = summary.cost_summary(demo_frame, by="model").index[0]
    assert top_model in markup and color_for(top_model, "model") in markup
    assert card.headline["total_cost_usd"] == pytest.approx(total)
    assert repr(card).startswith("Report(total cost: $")


def test_report_leaves_out_what_the_frame_lacks():
    card = pd.DataFrame({"id": ["g", "h"], "total_cost": [0.5, None]}).orgen.report()
    assert "<svg" not in card.html and "top models" not in card.html
    assert "$0.50" in card.html and "&lt;NA&gt;" in card.html  # latency unknown, escaped


def test_report_with_activity_heads_the_card_with_coverage():
    import pandas as pd

    df = pd.DataFrame({"created_at": pd.to_datetime(["2026-11-01 10:00Z", "2026-11-02 10:00Z"]),
                       "model": ["a/x", "a/x"], "total_cost": [0.5, 0.25]})
    activity = pd.DataFrame({"date": ["2026-11-01", "2026-11-02"], "model": ["a/x", "a/x"],
                             "requests": [2, 1], "usage": [1.0, 0.25]})
    html = df.orgen.report(activity=activity)._repr_html_()
    assert ('<div class="orgen-coverage">the frame covers 60.0% of billed spend over the 2 days '
            "it spans; 1 request on 1 day is missing</div>") in html
    assert 'class="orgen-coverage"' not in df.orgen.report()._repr_html_()


def test_reconcile_and_prices_on_the_pyarrow_backend(account_sim):
    import openrouter_frame as orf

    ids = account_sim.listed_ids()[:100]
    df = orf.generations_to_frame(ids, api_key=account_sim.api_key, progress=False,
                                  base_url=account_sim.base_url, dtype_backend="pyarrow")
    activity = orf.fetch_activity(api_key=account_sim.management_key,
                                  base_url=account_sim.base_url, dtype_backend="pyarrow")
    prices = orf.fetch_prices(endpoints=True, base_url=account_sim.base_url,
                              dtype_backend="pyarrow")
    table = df.orgen.reconcile(activity, by=("date", "endpoint_id"))
    assert int(table["generations"].sum()) == len(df)
    otherwise = account_sim.priced_otherwise()
    flagged = set(df.orgen.price_check(prices)["id"])
    assert flagged == {i for i in ids if i in otherwise and otherwise[i] != "endpoint_price"}
    assert "calls" in df.orgen.reprice(prices, to="openai/gpt-4o-mini").headline
