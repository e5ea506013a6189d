"""df.orgen on a Dask DataFrame: every method equals the pandas accessor on the same rows.

Counts, sums, means and shares to float rounding; percentiles within the sketch's
stated bound (ALPHA relative of pandas' exact percentile).  The fast tests run
Dask's synchronous scheduler on a small frame; the ``cluster`` ones a real
two-process LocalCluster on a 100,000-row dataset (opt-in: ``-m cluster``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import openrouter_frame as orf
import openrouter_frame.analysis.dask  # noqa: F401  (registers df.orgen on Dask frames)
from openrouter_frame import MissingColumnsError
from openrouter_frame.analysis.partials import ALPHA
from openrouter_frame.testing import sample_frame

#: A percentile label: ``latency_p90_ms``, ``median_cost_usd``, ``tokens_per_second_p99.9``.
PERCENTILE = re.compile(r"(^|_)(p\d+(\.\d+)?|median)(_|$)")

METHODS: dict[str, Callable[[Any], Any]] = {
    "summary": lambda o: o.summary(),
    "cost_summary": lambda o: o.cost_summary(),
    "cost_summary-two-keys": lambda o: o.cost_summary(by=["model", "provider_name"]),
    "cost_summary-all": lambda o: o.cost_summary(by=None),
    "latency_summary": lambda o: o.latency_summary(percentiles=[0.5, 0.9, 0.99, 0.999]),
    "cost_over_time": lambda o: o.cost_over_time(),
    "cost_over_time-weekly-top-3": lambda o: o.cost_over_time(freq="W", by="model", top=3),
    "cost_over_time-6h-by-provider": lambda o: o.cost_over_time(freq="6h",
                                                                by="provider_name"),
    "finish_reasons": lambda o: o.finish_reasons(),
    "top": lambda o: o.top(),
    "top-latency": lambda o: o.top(25, by="latency"),
    "provider_summary": lambda o: o.provider_summary(),
    "fallbacks": lambda o: o.fallbacks(),
    "fallbacks-by-provider": lambda o: o.fallbacks(by="provider_name"),
    "sessions": lambda o: o.sessions(),
}


def _values(column: pd.Series) -> np.ndarray:
    return column.to_numpy(dtype="float64", na_value=np.nan)


def assert_within_sketch_bound(got: np.ndarray, exact: np.ndarray, what: str) -> None:
    """``got`` is within ALPHA relative of ``exact`` (NA where it is NA)."""
    assert np.array_equal(np.isnan(got), np.isnan(exact)), what
    known = ~np.isnan(exact)
    error = np.abs(got[known] - exact[known])
    bound = ALPHA * np.abs(exact[known]) * (1 + 1e-9)
    assert (error <= bound).all(), f"{what}: {got[known][error > bound]} vs " \
                                   f"{exact[known][error > bound]}"


def assert_same(got: Any, expected: Any) -> None:
    """The Dask result equals the pandas one: labels, dtypes, exact figures, bounded
    percentiles."""
    assert type(got) is type(expected)
    if isinstance(expected, pd.Series):
        pd.testing.assert_index_equal(got.index, expected.index)
        assert got.dtype == expected.dtype
        for label in expected.index:
            a, b = got[label], expected[label]
            if PERCENTILE.search(label):
                assert_within_sketch_bound(np.array([np.nan if pd.isna(a) else a]),
                                           np.array([np.nan if pd.isna(b) else b]), label)
            elif isinstance(b, float):
                np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=label)
            else:
                assert str(a) == str(b) and type(a) is type(b), label
        return
    pd.testing.assert_index_equal(got.index, expected.index)
    pd.testing.assert_index_equal(got.columns, expected.columns)
    pd.testing.assert_series_equal(got.dtypes, expected.dtypes)
    for name in expected.columns:
        if PERCENTILE.search(str(name)):
            assert_within_sketch_bound(_values(got[name]), _values(expected[name]), name)
        else:
            pd.testing.assert_series_equal(got[name], expected[name], check_exact=False,
                                           rtol=1e-12, obj=str(name))


def _same_method(lazy: dd.DataFrame, frame: pd.DataFrame, method: str) -> None:
    got, expected = METHODS[method](lazy.orgen), METHODS[method](frame.orgen)
    if method.startswith("top"):  # the same rows; the index is each partition's own
        got, expected = got.reset_index(drop=True), expected.reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected)
        return
    if method.startswith("latency_summary"):
        # slowest first by the median: the sketch's may swap groups within ALPHA of each other
        assert sorted(got.index) == sorted(expected.index)
        slowest = lazy.orgen.latency_summary(percentiles=0.5)["latency_p50_ms"]
        assert slowest.fillna(-np.inf).is_monotonic_decreasing
        expected = expected.loc[got.index]
    assert_same(got, expected)


# -- fast: the synchronous scheduler on a small frame -------------------------------------------
def _small(dtype_backend: str) -> tuple[pd.DataFrame, dd.DataFrame]:
    frame = sample_frame(800, dtype_backend=dtype_backend)
    with dask.config.set({"dataframe.convert-string": False}):
        lazy = dd.from_pandas(frame, npartitions=3)
    return frame, lazy


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, dd.DataFrame]:
    return _small("numpy_nullable")


@pytest.fixture(scope="module")
def small_arrow() -> tuple[pd.DataFrame, dd.DataFrame]:
    return _small("pyarrow")


@pytest.fixture()
def synchronous() -> Any:
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.mark.parametrize("method", list(METHODS), ids=list(METHODS))
def test_each_method_equals_pandas_on_a_small_frame(small, synchronous, method):
    frame, lazy = small
    _same_method(lazy, frame, method)


@pytest.mark.parametrize("method", list(METHODS), ids=list(METHODS))
def test_each_method_equals_pandas_on_the_pyarrow_backend(small_arrow, synchronous, method):
    frame, lazy = small_arrow
    _same_method(lazy, frame, method)


def _edge(name: str) -> tuple[pd.DataFrame, dd.DataFrame]:
    frame = sample_frame(60)
    na = {"undated": "created_at", "no-latency": "latency", "no-sessions": "session_id"}
    if name == "empty":
        frame = frame.iloc[:0]
    elif name in na:
        column = na[name]
        frame[column] = pd.Series(None, index=frame.index, dtype=frame[column].dtype)
    with dask.config.set({"dataframe.convert-string": False}):
        lazy = dd.from_pandas(frame, npartitions=3)
        if name == "an-empty-partition":
            lazy = dd.concat([lazy, dd.from_pandas(frame.iloc[:0], npartitions=1)])
    return frame, lazy


EDGES = ["empty", "undated", "no-latency", "no-sessions", "an-empty-partition"]
EDGE_METHODS = ["summary", "cost_summary-two-keys", "latency_summary",
                "cost_over_time-weekly-top-3", "sessions", "fallbacks"]


@pytest.mark.parametrize("edge", EDGES, ids=EDGES)
def test_edge_frames_give_the_pandas_results(synchronous, edge):
    frame, lazy = _edge(edge)
    for method in EDGE_METHODS:
        _same_method(lazy, frame, method)


def test_provider_attempts_stays_lazy_and_equals_pandas(small, synchronous):
    frame, lazy = small
    attempts = lazy.orgen.provider_attempts()
    assert isinstance(attempts, dd.DataFrame)
    pd.testing.assert_frame_equal(attempts.compute().reset_index(drop=True),
                                  frame.orgen.provider_attempts())


def _bars(ax: Any) -> list[list[float]]:
    return [[p.get_height() for p in c] for c in ax.containers]


def _legend(ax: Any) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def assert_same_plots(lazy: dd.DataFrame, frame: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    try:
        got = lazy.orgen.plot_cost_over_time(by="model", top=3)
        expected = frame.orgen.plot_cost_over_time(by="model", top=3)
        np.testing.assert_allclose(_bars(got), _bars(expected), rtol=1e-12)
        assert _legend(got) == _legend(expected) and got.get_xlabel() == expected.get_xlabel()

        got, expected = lazy.orgen.plot_cost_by(top=4), frame.orgen.plot_cost_by(top=4)
        np.testing.assert_allclose([p.get_width() for p in got.patches],
                                   [p.get_width() for p in expected.patches], rtol=1e-12)
        assert [t.get_text() for t in got.get_yticklabels()] == \
            [t.get_text() for t in expected.get_yticklabels()]
        assert got.get_title() == expected.get_title()

        for kind in ("ecdf", "box"):
            got = lazy.orgen.plot_latency(kind=kind, top=4)
            expected = frame.orgen.plot_latency(kind=kind, top=4)
            assert got.get_title() == expected.get_title()
            if kind == "ecdf":  # the legends carry the exact counts
                assert _legend(got) == _legend(expected)
                for a, b in zip(got.lines, expected.lines, strict=True):
                    assert a.get_ydata()[-1] == b.get_ydata()[-1] == 1.0
                    assert_within_sketch_bound(np.array([a.get_xdata()[-1]]),
                                               np.array([b.get_xdata()[-1]]), "ecdf max")
            else:
                medians = [[line.get_xdata()[0] for line in ax.lines if line.get_gid() == "median"]
                           for ax in (got, expected)]
                assert_within_sketch_bound(np.array(medians[0]), np.array(medians[1]), "median")
                assert [t.get_text() for t in got.get_yticklabels()] == \
                    [t.get_text() for t in expected.get_yticklabels()]

        got = lazy.orgen.plot_tokens_vs_cost(top=3, max_points=500)
        expected = frame.orgen.plot_tokens_vs_cost(top=3, max_points=500)
        assert got.get_title() == expected.get_title()  # "a sample of 500 of N"
        assert sum(len(c.get_offsets()) for c in got.collections) == 500
        assert set(_legend(got)) <= set(_legend(expected)) | {"other"}
    finally:
        plt.close("all")


def test_plots_draw_the_same_tables(small, synchronous):
    frame, lazy = small
    assert_same_plots(lazy, frame)


def assert_same_report(lazy: dd.DataFrame, frame: pd.DataFrame) -> None:
    got, expected = lazy.orgen.report(), frame.orgen.report()
    assert_same(got.headline, expected.headline)
    for part in (r"<svg.*</svg>", r'<div class="orgen-tops">.*'):
        assert re.search(part, got.html).group(0) == re.search(part, expected.html).group(0)


def test_report_card_has_the_same_parts(small, synchronous):
    assert_same_report(small[1], small[0])


def test_a_frame_without_the_schema_has_no_accessor_and_missing_columns_are_named():
    with dask.config.set({"dataframe.convert-string": False}):
        other = dd.from_pandas(pd.DataFrame({"x": [1, 2]}), npartitions=1)
        ids = dd.from_pandas(pd.DataFrame({"id": ["a", "b"]}), npartitions=1)
    with pytest.raises(AttributeError, match="none of the schema's columns"):
        other.orgen  # noqa: B018
    with pytest.raises(MissingColumnsError, match="total_cost"):
        ids.orgen.cost_summary()
    with pytest.raises(ValueError, match="percentiles"):
        ids.orgen.latency_summary(percentiles=[1.5])


def test_read_dataset_with_dask_registers_the_accessor(history_300, monkeypatch):
    import openrouter_frame.analysis as analysis

    monkeypatch.delattr(dd.DataFrame, "orgen")  # as in a process that never imported it
    monkeypatch.delitem(sys.modules, "openrouter_frame.analysis.dask")
    monkeypatch.delattr(analysis, "dask")
    assert not hasattr(dd.from_pandas(sample_frame(5), npartitions=1), "orgen")
    lazy = orf.read_dataset(history_300, engine="dask")
    with dask.config.set(scheduler="synchronous"):
        assert lazy.orgen.summary()["generations"] == 300


# -- on a cluster: the 100,000-row dataset --------------------------------------------------------
@pytest.fixture(scope="module")
def history(history_100k, dask_client) -> tuple[pd.DataFrame, dd.DataFrame]:
    frame = orf.read_dataset(history_100k)
    lazy = orf.read_dataset(history_100k, engine="dask")
    assert len(frame) == 100_000 and frame["id"].is_unique and lazy.npartitions > 10
    assert frame["created_at"].dt.date.nunique() > 30
    return frame, lazy


@pytest.mark.cluster
@pytest.mark.parametrize("method", list(METHODS), ids=list(METHODS))
def test_each_method_equals_pandas_on_the_100k_dataset(history, method):
    frame, lazy = history
    _same_method(lazy, frame, method)


@pytest.mark.cluster
def test_provider_attempts_plots_and_report_on_the_100k_dataset(history):
    frame, lazy = history
    pd.testing.assert_frame_equal(
        lazy.orgen.provider_attempts().compute().reset_index(drop=True),
        frame.orgen.provider_attempts())
    assert_same_plots(lazy, frame)
    assert_same_report(lazy, frame)
