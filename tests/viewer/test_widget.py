"""GenerationViewer: controls driven by value changes and clicks; public state and panels."""

from __future__ import annotations

import re
import subprocess
import sys

import ipywidgets as widgets
import pandas as pd
import pytest

from openrouter_frame import schema
from openrouter_frame.analysis import metrics
from openrouter_frame.analysis import units as fmt
from openrouter_frame.frame import records_to_frame
from openrouter_frame.viewer.widget import SORTS, GenerationViewer

PNG = b"\x89PNG"


@pytest.fixture()
def viewer(demo_frame):
    return GenerationViewer(demo_frame)


def _expected_order(df: pd.DataFrame, sort: str) -> list[str]:
    column = SORTS[sort][0]
    return df.sort_values(column, ascending=False, na_position="last", kind="stable")[
        "id"].tolist()


def _code(dropdown: widgets.Dropdown, label: str) -> int:
    return next(v for text, v in dropdown.options if text.startswith(f"{label} ("))


def _small_frame() -> pd.DataFrame:
    """Six hand-made generations: two models, two providers, NA latency, an extra field."""
    base = {"created_at": "2025-01-01T00:00:00Z", "origin": "x", "usage": 0.0, "is_byok": False}
    rows = [
        {"id": "gen-a1", "model": "a/one", "provider_name": "P", "total_cost": 0.003,
         "latency": 100.0, "generation_time": 1000.0, "native_tokens_completion": 50},
        {"id": "gen-a2", "model": "a/one", "provider_name": "Q", "total_cost": 0.001,
         "latency": None, "generation_time": 2000.0, "native_tokens_completion": 10},
        {"id": "gen-a3", "model": "a/one", "provider_name": "P", "total_cost": 0.002,
         "latency": 300.0, "generation_time": None, "native_tokens_completion": 10},
        {"id": "gen-b1", "model": "b/two", "provider_name": "P", "total_cost": 0.010,
         "latency": 50.0, "generation_time": 500.0, "native_tokens_completion": 100,
         "shoe_size": 42},
        {"id": "gen-b2", "model": "b/two", "provider_name": None, "total_cost": 0.0005,
         "latency": 400.0, "generation_time": 100.0, "native_tokens_completion": 1},
        {"id": "gen-a1-dup", "model": "a/one", "provider_name": "P", "total_cost": 0.0001,
         "latency": 1.0, "generation_time": 1.0, "native_tokens_completion": 1},
    ]
    return records_to_frame([base | r for r in rows])


def test_is_a_vbox_opening_on_the_most_expensive_generation(viewer, demo_frame):
    assert isinstance(viewer, widgets.VBox)
    top = demo_frame.loc[demo_frame["total_cost"].idxmax()]
    assert viewer.selected_id == top["id"]
    pd.testing.assert_series_equal(viewer.selected, top)
    assert viewer.count_text == "1 of 500"
    html = viewer._detail.value
    assert f'<code class="orgen-id">{top["id"]}</code>' in html
    assert f'<b class="orgen-cost">{fmt.format_usd(top["total_cost"])}</b>' in html
    assert viewer._prev_btn.disabled and not viewer._next_btn.disabled


def test_package_exports_the_viewer_lazily():
    code = ("import sys, openrouter_frame as orf; assert 'ipywidgets' not in sys.modules; "
            "from openrouter_frame import GenerationViewer; "
            "assert GenerationViewer is orf.viewer.GenerationViewer; "
            "assert 'ipywidgets' in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


def test_next_and_previous_buttons_walk_the_sorted_rows(viewer, demo_frame):
    order = _expected_order(demo_frame, "cost")
    viewer._next_btn.click()
    viewer._next_btn.click()
    assert viewer.selected_id == order[2]
    assert viewer.count_text == "3 of 500"
    assert order[2] in viewer._detail.value and order[2] == viewer._id_box.value
    viewer._prev_btn.click()
    assert viewer.selected_id == order[1]
    assert '<span class="orgen-count-text">2 of 500</span>' == viewer._count.value
    assert not viewer._prev_btn.disabled


def test_next_stops_at_the_last_row(viewer, demo_frame):
    last = _expected_order(demo_frame, "cost")[-1]
    viewer.select(last)
    assert viewer.count_text == "500 of 500" and viewer._next_btn.disabled
    viewer.next()
    viewer._next_btn.click()
    assert viewer.selected_id == last


@pytest.mark.parametrize("sort", list(SORTS), ids=list(SORTS))
def test_sort_orders_descending_with_na_last(demo_frame, sort):
    viewer = GenerationViewer(demo_frame)
    viewer._sort_dd.value = sort
    assert viewer.filtered["id"].tolist() == _expected_order(demo_frame, sort)
    assert viewer.sort == sort


def test_changing_the_sort_keeps_the_selected_generation(viewer, demo_frame):
    chosen = demo_frame["id"].iloc[123]
    viewer.select(chosen)
    viewer.sort = "latency"
    assert viewer.selected_id == chosen
    position = _expected_order(demo_frame, "latency").index(chosen)
    assert viewer.count_text == f"{position + 1} of 500"


def test_model_filter_narrows_rows_and_moves_selection_into_them(viewer, demo_frame):
    model = "openai/gpt-4o-mini"
    viewer._model_dd.value = _code(viewer._model_dd, model)
    expected = _expected_order(demo_frame[demo_frame["model"] == model], "cost")
    assert viewer.filtered["id"].tolist() == expected
    assert viewer.model == model
    assert viewer.selected_id == expected[0]
    assert viewer.count_text == f"1 of {len(expected)}"
    assert f'<th title="{model}">of {len(expected)} in its model</th>' in viewer._ranks.value


def test_filter_keeps_the_selection_when_it_still_matches(viewer, demo_frame):
    row = demo_frame.iloc[77]
    viewer.select(row["id"])
    viewer.provider = row["provider_name"]
    assert viewer.selected_id == row["id"]
    assert set(viewer.filtered["provider_name"]) == {row["provider_name"]}


def test_provider_filter_has_an_na_group(viewer, demo_frame):
    viewer._provider_dd.value = _code(viewer._provider_dd, "<NA>")
    assert viewer.provider == "<NA>"
    assert len(viewer.filtered) == demo_frame["provider_name"].isna().sum() > 0
    assert viewer.filtered["provider_name"].isna().all()


def test_filters_with_no_match_show_a_message_and_disable_walking():
    viewer = GenerationViewer(_small_frame())
    viewer.model = "b/two"
    viewer.provider = "Q"
    assert viewer.selected_id is None and viewer.selected is None
    assert len(viewer.filtered) == 0
    assert "No generations match these filters." in viewer._detail.value
    assert viewer._next_btn.disabled and viewer._prev_btn.disabled
    assert viewer.count_text == "\u2013 of 0"
    viewer.model = None
    assert viewer.selected_id == "gen-a2" and viewer.count_text == "1 of 1"


def test_selecting_an_id_hidden_by_a_filter_resets_that_filter():
    viewer = GenerationViewer(_small_frame())
    viewer.model = "b/two"
    viewer.provider = "P"
    viewer.select("gen-a2")  # model a/one, provider Q
    assert (viewer.model, viewer.provider) == (None, None)
    assert viewer.selected_id == "gen-a2"
    viewer.model = "a/one"
    viewer.select("gen-a3")  # same model: the model filter stays
    assert viewer.model == "a/one" and viewer.count_text == "2 of 4"


@pytest.mark.parametrize("bad", ["gen-nope", "", "GEN-A1"], ids=["unknown", "empty", "case"])
def test_selecting_an_unknown_id_raises_keyerror_naming_it(viewer, bad):
    before = viewer.selected_id
    with pytest.raises(KeyError, match=re.escape(repr(bad))):
        viewer.select(bad)
    assert viewer.selected_id == before


def test_unknown_filter_values_raise(viewer):
    with pytest.raises(KeyError, match="no model 'x/y'"):
        viewer.model = "x/y"
    with pytest.raises(ValueError, match="sort must be one of"):
        viewer.sort = "price"


@pytest.mark.parametrize("kwargs", [{"sort": "price"}, {"chart": "tokens"}],
                         ids=["sort", "chart"])
def test_bad_constructor_arguments_raise(demo_frame, kwargs):
    with pytest.raises(ValueError):
        GenerationViewer(demo_frame, **kwargs)


def test_frame_without_ids_raises():
    with pytest.raises(KeyError, match="'id' column"):
        GenerationViewer(pd.DataFrame({"total_cost": [1.0]}))


def test_selected_argument_opens_on_that_id(demo_frame):
    chosen = demo_frame["id"].iloc[9]
    viewer = GenerationViewer(demo_frame, selected=chosen, sort="newest")
    assert viewer.selected_id == chosen
    with pytest.raises(KeyError, match="gen-missing"):
        GenerationViewer(demo_frame, selected="gen-missing")


def test_typing_part_of_an_id_offers_capped_matches(viewer, demo_frame):
    viewer._id_box.value = "gen-"
    assert len(viewer._id_box.options) == 50
    assert "50+ ids contain gen-." in viewer._status.value
    target = demo_frame["id"].iloc[42]
    part = target[-7:].lower()
    viewer._id_box.value = part
    expected = [i for i in demo_frame["id"] if part in i.lower()]
    assert list(viewer._id_box.options) == expected[:50] and target in expected
    assert viewer.selected_id != target  # a fragment only narrows the choices
    viewer._id_box.value = target
    assert viewer.selected_id == target and viewer._status.value == ""


def test_typing_text_no_id_contains_says_so(viewer):
    before = viewer.selected_id
    viewer._id_box.value = "zzz<"
    assert viewer._id_box.options == ()
    assert viewer._status.value == "No id contains zzz&lt;."
    assert viewer.selected_id == before


def test_no_control_lists_every_row():
    n = 300
    records = [{"id": f"gen-{i:05d}", "model": "m/x", "total_cost": i / 1000} for i in range(n)]
    viewer = GenerationViewer(records_to_frame(records))
    viewer._id_box.value = "gen"
    stack: list[widgets.Widget] = [viewer]
    while stack:
        w = stack.pop()
        stack.extend(getattr(w, "children", ()))
        assert len(getattr(w, "options", ())) <= 50, type(w).__name__


def test_detail_panel_lists_every_field_grouped_with_other_last(demo_frame):
    frame = demo_frame.assign(future_field="x")  # a field the schema does not list
    html = GenerationViewer(frame)._detail.value
    for name in schema.COLUMNS:
        assert f'class="orgen-field-{name}"' in html, name
    positions = [html.index(f"orgen-group-{g}") for g in (*schema.GROUPS, "other")]
    assert positions == sorted(positions)
    extras = [c for c in frame.columns if c not in schema.FIELDS]
    other = html[html.index("orgen-group-other"):]
    assert extras and all(f"<th>{name}</th>" in other for name in extras)


def test_detail_panel_formats_units_and_na(demo_frame):
    row = demo_frame[demo_frame["latency"].isna()].iloc[0]
    viewer = GenerationViewer(demo_frame, selected=row["id"])
    html = viewer._detail.value
    assert '<td class="orgen-field-latency">\u2014</td>' in html
    tokens = fmt.format_tokens(row["native_tokens_prompt"])
    assert f'<td class="orgen-field-native_tokens_prompt">{tokens}</td>' in html
    assert tokens.endswith(" tokens")
    assert re.search(r'orgen-field-created_at">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(.+\)<', html)
    assert "latency" in viewer._ranks.value


def test_percentile_ranks_match_a_brute_force_count(demo_frame):
    row = demo_frame.iloc[200]
    viewer = GenerationViewer(demo_frame, selected=row["id"])
    same = demo_frame[demo_frame["model"] == row["model"]]
    tps = pd.Series(metrics.tokens_per_second_values(demo_frame, missing_ok=True),
                    index=demo_frame.index)
    for key, values in (("total_cost", demo_frame["total_cost"]),
                        ("latency", demo_frame["latency"]), ("tokens_per_second", tps)):
        x = values.iloc[200]
        overall = fmt.ordinal(100 * (values.dropna() <= x).mean())
        within = fmt.ordinal(100 * (values[same.index].dropna() <= x).mean())
        cells = re.search(rf'orgen-rank-{key}"><th>[^<]+</th><td>[^<]*</td>'
                          r"<td>(\w+)</td><td>(\w+)</td>", viewer._ranks.value)
        assert cells and cells.groups() == (overall, within), key


def test_most_expensive_is_at_the_100th_cost_percentile(viewer):
    assert re.search(r'orgen-rank-total_cost"><th>cost</th><td>[^<]+</td><td>100th</td>'
                     r"<td>100th</td>", viewer._ranks.value)


def test_chart_is_a_png_and_the_toggle_switches_metric(viewer):
    latency_png = bytes(viewer._chart.value)
    assert latency_png.startswith(PNG)
    viewer._chart_toggle.value = "cost"
    assert bytes(viewer._chart.value).startswith(PNG) and bytes(viewer._chart.value) != latency_png
    viewer.next()
    assert bytes(viewer._chart.value).startswith(PNG)


@pytest.mark.parametrize("frame", ["empty-typed", "empty-bare"])
def test_empty_frame_shows_no_generations_and_disabled_controls(frame):
    df = records_to_frame([]) if frame == "empty-typed" else pd.DataFrame({"id": []})
    viewer = GenerationViewer(df)
    assert viewer.selected_id is None and viewer.selected is None
    assert len(viewer.filtered) == 0
    assert "No generations" in viewer._detail.value
    assert viewer.count_text == "\u2013 of 0"
    for control in (viewer._id_box, viewer._model_dd, viewer._provider_dd, viewer._sort_dd,
                    viewer._prev_btn, viewer._next_btn, viewer._chart_toggle):
        assert control.disabled
    with pytest.raises(KeyError):
        viewer.select("gen-1")


@pytest.mark.parametrize("backend", ["pyarrow", "csv"])
def test_pyarrow_and_csv_frames(demo_frame, backend, tmp_path):
    if backend == "pyarrow":
        df = demo_frame.convert_dtypes(dtype_backend="pyarrow")
    else:
        demo_frame.to_csv(tmp_path / "g.csv", index=False)
        df = pd.read_csv(tmp_path / "g.csv")
    viewer = GenerationViewer(df, sort="newest")
    assert viewer.filtered["id"].tolist() == _expected_order(demo_frame, "newest")
    viewer.model = "openai/gpt-4o"
    assert viewer.count_text == f"1 of {(demo_frame['model'] == 'openai/gpt-4o').sum()}"
    assert "UTC (" in viewer._detail.value


def test_duplicate_ids_select_the_first_row():
    viewer = GenerationViewer(pd.concat([_small_frame(), _small_frame()], ignore_index=True))
    viewer.select("gen-b1")
    assert viewer.selected.name == 3


def test_extra_fields_appear_under_other():
    viewer = GenerationViewer(_small_frame(), selected="gen-b1")
    assert '<th>shoe_size</th><td class="orgen-field-shoe_size">42</td>' in viewer._detail.value
    viewer.select("gen-a1")
    assert '<td class="orgen-field-shoe_size">\u2014</td>' in viewer._detail.value


def test_accessor_view_returns_a_viewer(demo_frame):
    chosen = demo_frame["id"].iloc[5]
    viewer = demo_frame.orgen.view(selected=chosen)
    assert isinstance(viewer, GenerationViewer) and viewer.selected_id == chosen
