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


def _estimated_width(markup: str) -> int:
    """Pixels at 8 a character plus 12 padding a cell (a generous 14 px font; the table's
    style pads each cell 6 px a side, checked here); a header
    cell wraps between words, so it needs its longest word (single-column headers only)."""
    rows = [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", markup.split("<tbody>")[1])]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    head = markup.split("<tbody>")[0]
    if "rowspan" not in head:
        titles = [html.unescape(t) for t in re.findall(r"<th[^>]*>(.*?)</th>", head)]
        widths = [max(w, *(len(word) for word in t.split()), 0) if t else w
                  for w, t in zip(widths, titles, strict=True)]
    assert "padding:2px 6px" in markup
    return sum(8 * w + 12 for w in widths)


def test_latency_summary_shares_headers(demo_frame):
    table = demo_frame.orgen.latency_summary(by="provider_name")
    markup = table._repr_html_()
    sub_headers = re.findall(r"<th>(p\d+)</th>", markup)
    assert len(sub_headers) == 9  # p50/p90/p99 under latency, generation time, speed
    assert re.search(r">latency \((ms|s|min)\)<", markup)
    assert re.search(r">generation time \((ms|s|min)\)<", markup)
    assert "speed (tokens/s)" in markup


@pytest.mark.parametrize("name", ["cost_summary", "latency_summary", "finish_reasons",
                                  "fallbacks", "provider_summary"])
def test_summaries_fit_a_1000_px_notebook_column(demo_frame, name):
    """Issue 21: cost_summary was about 1,800 px wide; page 02 scrolled sideways."""
    markup = getattr(demo_frame.orgen, name)()._repr_html_()
    assert _estimated_width(markup) <= 1000


UNIT_MS = {"ms": 1.0, "s": 1000.0, "min": 60000.0}


@pytest.mark.parametrize("name", ["latency_summary", "provider_summary"])
def test_duration_headers_name_the_unit_of_their_cells(demo_frame, name):
    """Issue 21: headers said ms over values in s and min."""
    plain = getattr(demo_frame.orgen, name)()
    markup = plain._repr_html_()
    unit = re.search(r">latency \((ms|s|min)\)<", markup).group(1)
    rows = cells(markup)
    column = list(plain.columns).index("latency_p50_ms")
    for label, value in zip(plain.index, plain["latency_p50_ms"], strict=True):
        text = rows[str(label)][column]
        if pd.isna(value):
            assert text == NA_LABEL
            continue
        assert re.match(r"^[\d,]+(\.\d+)?$", text), text  # a plain number in that unit
        assert float(text.replace(",", "")) == pytest.approx(value / UNIT_MS[unit], abs=0.01)


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def test_one_precision_per_money_column(demo_frame):
    """Issue 21: "$0.63" beside "$0.603" in one column."""
    plain = demo_frame.orgen.cost_summary(by="model")
    rows = cells(plain._repr_html_())
    money = [i for i, c in enumerate(plain.columns) if c.endswith("_usd")]
    assert len(money) >= 5
    for i in money:
        texts = [row[i] for row in rows.values() if row[i] != NA_LABEL]
        assert all(MONEY.match(t) for t in texts), texts
        assert len({_decimals(t) for t in texts}) == 1, (plain.columns[i], texts)
        values = plain.iloc[:, i].dropna()
        assert all(float(t.replace("$", "").replace(",", "")) > 0  # never a false zero
                   for t, v in zip(texts, values, strict=True) if v > 0)


def test_headers_drop_the_suffix_and_name_the_unit(demo_frame):
    markup = demo_frame.orgen.cost_summary(by="model")._repr_html_()
    head = markup.split("<tbody>")[0]
    assert "<th>total cost</th>" in head and "_usd" not in head and "_" not in head


@pytest.mark.parametrize(("name", "label", "pattern"), [
    ("fallbacks", "mean_attempts", r"^\d+\.\d\d$"),
    ("sessions", "wall_span_s", r"^[\d,]+(\.\d+)?$"),
], ids=["fallbacks-mean_attempts", "sessions-wall_span_s"])
def test_every_summary_column_is_formatted(demo_frame, name, label, pattern):
    plain = getattr(demo_frame.orgen, name)()
    markup = plain._repr_html_()
    column = list(plain.columns).index(label)
    texts = [row[column] for row in cells(markup).values()]
    assert texts and all(re.match(pattern, t) or t == NA_LABEL for t in texts), texts[:5]
    if label == "wall_span_s":
        assert re.search(r">wall span \((ms|s|min)\)<", markup)
        assert re.search(r">first created at \(UTC\)<", markup)


def test_top_is_formatted_by_the_schema_units(demo_frame):
    got = demo_frame.orgen.top(3)
    pd.testing.assert_frame_equal(got, summary.top(demo_frame, 3), check_frame_type=False)
    with pd.option_context("display.max_columns", 60):
        markup = got._repr_html_()
    rows = list(cells(markup).values())
    columns = list(got.columns)
    assert all(MONEY.match(r[columns.index("total_cost")]) for r in rows)
    assert re.search(r">latency \((ms|s|min)\)<", markup)
    assert re.search(r">created at \(UTC\)<", markup)
    tokens = [r[columns.index("native_tokens_prompt")] for r in rows]
    assert all(re.match(r"^[\d,]+$", t) for t in tokens)


def test_wide_frames_show_first_and_last_columns():
    frame = rich(pd.DataFrame({f"c{i}": [i] for i in range(30)}))
    with pd.option_context("display.max_columns", 10):
        markup = frame._repr_html_()
    head = re.findall(r"<th[^>]*>(.*?)</th>", markup.split("<tbody>")[0])
    assert head[1:] == ["c0", "c1", "c2", "c3", "c4", "…", "c25", "c26", "c27", "c28", "c29"]
    assert "1 rows × 30 columns" in markup or "30 columns" in markup


def test_long_text_is_cut_whole_in_the_tooltip():
    text = "word " * 30
    markup = rich(pd.DataFrame({"note": [text]}))._repr_html_()
    assert f'title="{text}"' in markup and "…</td>" in markup


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
