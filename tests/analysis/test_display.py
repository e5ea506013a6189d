"""Rich display: summaries keep their values for code and render formatted HTML tables."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from openrouter_frame.analysis import summary
from openrouter_frame.analysis.display import (
    RichFrame,
    RichSeries,
    format_cell,
    format_index,
    rich,
    unit_of,
)
from openrouter_frame.schema import NA_LABEL

MONEY = re.compile(r"^-?\$\d{1,3}(,\d{3})*(\.\d+)?$")
PERCENT = re.compile(r"^(\d+\.\d%|<0\.1%)$")


def cells(markup: str) -> dict[str, list[str]]:
    """Row header -> the texts of that row's data cells, from a rendered table."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", markup):
        head = re.findall(r"<th[^>]*>(.*?)</th>", row)
        data = re.findall(r"<td[^>]*>(.*?)</td>", row)
        if head and data:
            rows[html.unescape(head[0])] = [html.unescape(d) for d in data]
    return rows


def test_summary_html_formats_money_and_rates_and_keeps_the_values(demo_frame):
    got = demo_frame.orgen.summary()
    plain = summary.summary(demo_frame)
    assert isinstance(got, RichSeries) and isinstance(got, pd.Series)
    pd.testing.assert_series_equal(got, plain, check_series_type=False)
    assert got["total_cost_usd"] == plain["total_cost_usd"]
    assert got["total_cost_usd"] * 2 == pytest.approx(2 * plain["total_cost_usd"])
    table = cells(got._repr_html_())
    for label in ("total_cost_usd", "mean_cost_usd", "p90_cost_usd", "cost_per_1m_tokens_usd"):
        assert MONEY.match(table[label][0]), (label, table[label])
    for label in ("cancelled_rate", "error_rate", "streamed_share"):
        assert PERCENT.match(table[label][0]), (label, table[label])
    assert table["cancelled_rate"][0] == f"{plain['cancelled_rate']:.1%}"
    assert table["generations"][0] == f"{len(demo_frame):,}"
    assert re.match(r"^[\d,.]+ (ms|s)$|^\d+ min \d\d s$", table["latency_p99_ms"][0])
    assert table["first_created_at"][0].endswith(" UTC")


def test_cost_summary_html_formats_money_and_share(demo_frame):
    got = demo_frame.orgen.cost_summary(by="model")
    plain = summary.cost_summary(demo_frame, by="model")
    assert isinstance(got, RichFrame)
    pd.testing.assert_frame_equal(got, plain, check_frame_type=False)
    assert type(got["share_of_cost"]) is pd.Series  # a column is a plain Series
    table = cells(got._repr_html_())
    columns = list(plain.columns)
    first = table[str(plain.index[0])]
    assert MONEY.match(first[columns.index("total_cost_usd")])
    assert first[columns.index("share_of_cost")] == f"{plain['share_of_cost'].iloc[0]:.1%}"
    assert all(PERCENT.match(table[str(m)][columns.index("share_of_cost")])
               for m in plain.index)
    assert first[columns.index("count")] == f"{plain['count'].iloc[0]:,}"


def test_slices_stay_rich(demo_frame):
    by_model = demo_frame.orgen.cost_summary(by="model")
    assert isinstance(by_model.head(3), RichFrame)
    assert isinstance(demo_frame.orgen.summary().filter(like="cache"), RichSeries)


def test_latency_summary_fits_1280_px(demo_frame):
    """Estimated at 8 px a character plus 16 px padding a cell (a generous 14 px font)."""
    table = demo_frame.orgen.latency_summary(by="provider_name")
    markup = table._repr_html_()
    rows = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in
            re.findall(r"<tr>(.*?)</tr>", markup.split("<tbody>")[1])]
    widths = [max(len(html.unescape(r[i])) for r in rows) for i in range(len(rows[0]))]
    sub_headers = re.findall(r"<th>(p\d+)</th>", markup)
    assert len(sub_headers) == 9  # p50/p90/p99 under latency, generation time, speed
    assert "latency (ms)" in markup and "generation time (ms)" in markup
    assert sum(8 * w + 16 for w in widths) <= 1280, widths


@pytest.mark.parametrize(("freq", "pattern"), [
    ("D", r"^\d{4}-\d\d-\d\d$"), ("W", r"^\d{4}-\d\d-\d\d$"), ("MS", r"^\d{4}-\d\d$"),
    ("h", r"^\d{4}-\d\d-\d\d \d\d:\d\d$")], ids=["daily", "weekly", "monthly", "hourly"])
def test_cost_over_time_rows_show_their_period(demo_frame, freq, pattern):
    table = demo_frame.orgen.cost_over_time(freq=freq, by="model", top=3)
    rows = {k: v for k, v in cells(table._repr_html_()).items() if k != "…"}  # long: cut
    assert rows and all(re.match(pattern, label) for label in rows), list(rows)[:3]
    assert all(MONEY.match(v) for row in rows.values() for v in row)
    pd.testing.assert_frame_equal(table, summary.cost_over_time(demo_frame, freq, "model", 3),
                                  check_frame_type=False)


def test_finish_reasons_are_percentages(demo_frame):
    table = demo_frame.orgen.finish_reasons(by="model")
    rows = cells(table._repr_html_())
    shares = [v for row in rows.values() for v in row[1:] if v != NA_LABEL]
    assert shares and all(PERCENT.match(v) for v in shares)


@pytest.mark.parametrize(("value", "unit", "text"), [
    (0.00524719, "usd", "$0.00525"), (1234.5, "usd", "$1,234.50"), (0.0161616, "share", "1.6%"),
    (0.00001, "share", "<0.1%"), (0.0, "share", "0.0%"), (30683.1, "ms", "30.7 s"),
    (472.4, "ms", "472 ms"), (125000.0, "ms", "2 min 05 s"), (12345, "count", "12,345"),
    (84.21, "per_s", "84.2"), (pd.NA, "usd", "<NA>"), (np.nan, "share", "<NA>"),
    (None, None, "<NA>"), (1.84707, None, "1.84707")],
    ids=["usd-small", "usd-large", "share", "share-tiny", "share-zero", "ms-s", "ms", "ms-min",
         "count", "per-s", "na", "nan", "none", "plain"])
def test_format_cell(value, unit, text):
    assert format_cell(value, unit) == text


@pytest.mark.parametrize(("label", "unit"), [
    ("total_cost_usd", "usd"), ("latency_p99.9_ms", "ms"), ("byok_share", "share"),
    ("share_of_cost", "share"), ("no_finish_reason_rate", "share"), ("byok_count", "count"),
    ("total_cached_tokens", "count"), ("tokens_per_second_p90", "per_s"), ("stop", None),
    (("a", "b"), None)], ids=lambda x: str(x))
def test_unit_of(label, unit):
    assert unit_of(label) == unit


def test_index_na_and_tuples():
    index = pd.MultiIndex.from_tuples([("OpenAI", "chat"), ("<NA>", "chat")])
    assert format_index(index) == ["OpenAI / chat", "<NA> / chat"]
    assert format_index(pd.Index(["a", None], dtype=object)) == ["a", NA_LABEL]


def test_long_tables_are_cut_to_max_rows():
    frame = rich(pd.DataFrame({"total_cost_usd": np.arange(500.0)}))
    with pd.option_context("display.max_rows", 10):
        markup = frame._repr_html_()
    assert markup.count("<tr>") == 1 + 10 + 1 and "500 rows" in markup


def test_rich_rejects_other_objects():
    with pytest.raises(TypeError, match="Series or DataFrame"):
        rich([1, 2])  # type: ignore[arg-type]


# -- <NA>, not NaN, for missing categories ----------------------------------------------
@pytest.fixture()
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    from openrouter_frame.analysis.display import install_na_display

    assert install_na_display(shell)
    yield shell
    InteractiveShell.clear_instance()


@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
def test_missing_categories_display_as_na_in_ipython(shell, demo_frame, backend):
    frame = demo_frame.iloc[:, :32]
    if backend == "pyarrow":
        frame = frame.convert_dtypes(dtype_backend="pyarrow")
    before = frame["api_type"].dtype  # a closed set: a categorical under both backends
    missing = frame[frame["api_type"].isna()].head(5)
    assert len(missing)
    data, _ = shell.display_formatter.format(missing[["model", "api_type", "latency"]])
    for text in (data["text/plain"], html.unescape(data["text/html"])):
        assert "<NA>" in text and "NaN" not in text
    data, _ = shell.display_formatter.format(missing["api_type"])
    assert "<NA>" in data["text/plain"] and "NaN" not in data["text/plain"]
    assert frame["api_type"].dtype == before  # left alone


def test_other_frames_keep_pandas_display(shell):
    other = pd.DataFrame({"a": pd.Series(["x", None], dtype="category")})
    data, _ = shell.display_formatter.format(other)
    assert data["text/html"] == other._repr_html_() and "NaN" in data["text/plain"]


def test_na_display_keeps_values_and_codes(demo_frame):
    from openrouter_frame.analysis.display import na_display

    shown = na_display(demo_frame)
    assert demo_frame["api_type"].isna().any()
    assert shown["api_type"].cat.codes.equals(demo_frame["api_type"].cat.codes)
    assert shown["api_type"].astype(object).where(shown["api_type"].notna(), None).tolist() == \
        demo_frame["api_type"].astype(object).where(demo_frame["api_type"].notna(), None).tolist()
    assert "category" in str(demo_frame["api_type"].dtype) and demo_frame is not shown


def test_install_outside_ipython_is_a_no_op():
    import subprocess
    import sys

    code = ("import openrouter_frame, sys\n"
            "from openrouter_frame.analysis.display import install_na_display\n"
            "print(install_na_display(), 'IPython' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert out == ["False", "False"]
