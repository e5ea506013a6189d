"""The viewer's texts and options: pure functions, tested without any widget."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openrouter_frame.schema import NA_LABEL
from openrouter_frame.viewer import render
from openrouter_frame.viewer.browse import NA_CODE


@pytest.mark.parametrize(("k", "n", "text"), [
    (0, 1, "1 of 1"), (99_999, 100_000, "100000 of 100,000"), (None, 0, "\u2013 of 0"),
    (None, 12_345, "\u2013 of 12,345"),
], ids=["one", "large", "empty", "nothing-selected"])
def test_count_text(k, n, text):
    assert render.count_text(k, n) == text


@pytest.mark.parametrize("label", [None, NA_LABEL, "a/one", "b/two"],
                         ids=["all", "na", "first", "last"])
def test_group_code_and_label_are_inverse(label):
    labels = ["a/one", "b/two"]
    assert render.group_label(render.group_code(label, labels), labels) == label


def test_group_code_of_an_unknown_label_raises():
    with pytest.raises(ValueError):
        render.group_code("c/three", ["a/one"])


@pytest.mark.parametrize(("counts", "selected", "options"), [
    ([2, 3, 0], render.ALL, [("all (5)", render.ALL), ("a (3)", 0), ("<NA> (2)", NA_CODE)]),
    ([0, 3, 0], 1, [("all (3)", render.ALL), ("a (3)", 0), ("b (0)", 1)]),
    ([0, 3, 1], NA_CODE, [("all (4)", render.ALL), ("a (3)", 0), ("b (1)", 1),
                          ("<NA> (0)", NA_CODE)]),
    ([0, 1_234, 0], render.ALL, [("all (1,234)", render.ALL), ("a (1,234)", 0)]),
], ids=["na-last", "selected-without-rows", "na-selected-without-rows", "thousands"])
def test_dropdown_offers_groups_with_rows_and_the_selected_one(counts, selected, options):
    assert render.dropdown_options("all", np.array(counts), ["a", "b"],
                                   selected=selected) == options


@pytest.mark.parametrize(("text", "matches", "status"), [
    ("", 0, ""),
    ("gen-", 50, "50+ ids contain gen-."),
    ("gen-", 7, "7 ids contain gen-."),
    ("<b>", 0, "No id contains &lt;b&gt;."),
], ids=["empty", "capped", "some", "escaped"])
def test_search_status(text, matches, status):
    assert render.search_status(text, matches, 50) == status


@pytest.mark.parametrize(("k", "n", "window"), [
    (0, 500, (0, 50)), (24, 500, (0, 50)), (300, 500, (275, 325)), (499, 500, (450, 500)),
    (0, 1, (0, 1)), (5, 10, (0, 10)),
], ids=["first", "near-start", "middle", "last", "single", "fewer-than-a-window"])
def test_list_window_surrounds_the_row_and_stays_in_range(k, n, window):
    start, stop = render.list_window(k, n)
    assert (start, stop) == window and start <= k < stop


@pytest.mark.parametrize("finish", [None, np.nan, pd.NA], ids=["none", "nan", "pd-na"])
def test_list_row_leaves_a_missing_finish_blank(finish):
    row = render.list_row(2, "gen-0123456789abc", "openai/gpt-4o", float("nan"), 250.0, finish)
    assert row.split() == ["3", "\u20263456789abc", "openai/gpt-4o", "\u2014", "250", "ms"]


def test_list_row_keeps_the_end_of_an_id_and_the_start_of_a_model():
    """Issue 21: models were cut from the left ("ic/claude-sonnet-4")."""
    row = render.list_row(0, "gen-" + "x" * 30 + "END", "vendor/" + "m" * 30 + "-tail", 0.5,
                          1200.0, "stop")
    model = row.split()[2]
    assert "xxxxxxxEND" in row and row.endswith("stop")
    assert model.startswith("vendor/mmm") and model.endswith("\u2026") and len(model) == 22


def test_list_columns_line_up_under_their_headers():
    ids = ["gen-1-aaaaaaaaaaaaaaaa-1", "gen-1-aaaaaaaaaaaaaaaa-2", "gen-2-aaaaaaaaaaaaaaaa-1"]
    widths = render.list_widths(1000, ids)
    header = render.list_header(widths)
    rows = [render.list_row(j, i, m, c, lat, f, widths) for j, (i, m, c, lat, f) in enumerate([
        (ids[0], "a/short", 0.5, 1200.0, "stop"),
        (ids[1], "anthropic/claude-sonnet-4-with-a-long-name", 12.25, 45.0, None),
        (ids[2], "m", float("nan"), float("nan"), "length")])]
    for name in ("cost", "latency"):  # right-aligned: values end where the header ends
        end = header.index(name) + len(name)
        assert all(r[end - 1] != " " and (len(r) == end or r[end] == " ") for r in rows), name
    for name in ("id", "model"):  # left-aligned: values start where the header starts
        assert all(r[header.index(name) - 1] == " " != r[header.index(name)] for r in rows)
    ids_shown = [r.split()[1] for r in rows]
    assert len(set(ids_shown)) == 3  # long enough to tell apart


def test_list_head_names_the_rows_the_order_and_the_columns():
    text = render.list_head_html(275, 325, 1000, "latency", "#  id", ["gen-1 \u00b7 a/b"])
    assert "Rows 276\u2013325 of 1,000, sorted by latency (slowest first)" in text
    assert '<div class="orgen-list-cols" data-titles="[&quot;gen-1 \u00b7 a/b&quot;]">#  id' \
        in text


@pytest.mark.parametrize(("k", "n"), [(0, 9), (0, 10), (5, 100_000), (None, 0)],
                         ids=["one-digit", "two-digits", "large", "empty"])
def test_count_box_is_as_wide_as_its_widest_text(k, n):
    """Issue 21: the next button moved as the counter changed width."""
    text = render.count_html(k, n)
    widest = render.count_text(max(n - 1, 0), n)
    assert f"min-width:{len(widest) + 1}ch" in text and render.count_text(k, n) in text


@pytest.mark.parametrize(("column", "x", "label"), [
    ("latency", 300.0, "this one: 300 ms (75th)"),
    ("effective_cost", 0.5, "this one: $0.50 (25th)"),
    ("latency", float("nan"), "this one: no latency"),
], ids=["ms", "usd", "missing"])
def test_chart_label_formats_the_value_and_its_rank(column, x, label):
    values = np.array([100.0, 200.0, 300.0, 400.0]) if column == "latency" else \
        np.array([0.5, 1.0, 2.0, 3.0])
    assert render.chart_label(column, x, values) == label


def test_chart_title_is_cut_with_an_ellipsis():
    assert render.chart_title("a/short") == "a/short"
    assert len(render.chart_title("x" * 100)) == 44


class NotFound(Exception):
    status = 404


@pytest.mark.parametrize(("result", "state", "text"), [
    ({"stored": True, "completion": "hi"}, "loaded", "hi"),
    ({"stored": None, "completion": "hi"}, "loaded", "hi"),
    ({"stored": False}, "not stored", "zero data retention"),
    (NotFound("gone"), "failed", "Content not found: NotFound: gone"),
    (RuntimeError("boom <x>"), "failed", "could not be loaded: RuntimeError: boom &lt;x&gt;"),
], ids=["loaded", "stored-unknown", "zero-retention", "404", "other-error"])
def test_loaded_content_states(result, state, text):
    value, got = render.loaded_content(result)
    assert got == state and text in value


def test_export_status_lines_escape_what_they_show():
    assert render.export_written(1234, "a<b>.csv") == \
        "Wrote 1,234 rows to <code>a&lt;b&gt;.csv</code>."
    assert render.export_failed(ValueError("no <good>")) == \
        "<b>Export failed:</b> no &lt;good&gt;"


def test_snapshot_html_inlines_the_chart_or_says_why_nothing_is_shown():
    full = render.snapshot_html("3 of 9", head="<h>", detail="<d>", chart_png=b"\x89PNG")
    assert "static snapshot: 3 of 9 after filters" in full
    assert full.index("<h>") < full.index("data:image/png;base64,iVBORw==") < full.index("<d>")
    empty = render.snapshot_html("\u2013 of 0", empty=render.empty_html(render.EMPTY_FILTERS))
    assert render.EMPTY_FILTERS in empty and "<img" not in empty
    assert "<img" not in render.snapshot_html("1 of 1", head="<h>")


def test_generation_html_fills_each_panel_and_shows_attempts_once():
    row = {"id": "gen-9", "model": "a/one", "total_cost": 0.002, "finish_reason": "stop",
           "provider_responses": [{"provider_name": "Azure", "status": 503, "latency": 9},
                                  {"provider_name": "OpenAI", "status": 200, "latency": 6}]}
    panels = render.generation_html(row, paid=0.002)
    assert '<code class="orgen-id">gen-9</code>' in panels.head
    assert "orgen-badge-fell-back" in panels.head
    assert "<td>Azure</td><td>503</td>" in panels.fallback
    assert "provider_responses" not in panels.detail and "orgen-field-model" in panels.detail
    assert "estimate" in panels.cost
