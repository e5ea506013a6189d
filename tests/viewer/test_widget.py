"""GenerationViewer: its traits drive the view, its controls set its traits, panels show it.

Tests set the public traits (``selected_id``, ``sort``, ``model``, ``provider``,
``chart``) or use the public child widgets (``viewer.controls``) where the test
is about what a person clicks, and read ``viewer.panels``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading

import ipywidgets as widgets
import pandas as pd
import pytest
from traitlets import TraitError

from openrouter_frame import schema
from openrouter_frame.analysis import metrics
from openrouter_frame.analysis import units as fmt
from openrouter_frame.frame import records_to_frame
from openrouter_frame.viewer import render
from openrouter_frame.viewer.chart import DistributionChart
from openrouter_frame.viewer.render import ALL
from openrouter_frame.viewer.widget import SORTS, GenerationViewer

PNG = b"\x89PNG"


@pytest.fixture()
def viewer(demo_frame):
    return GenerationViewer(demo_frame)


def _paid(df: pd.DataFrame) -> pd.Series:
    """What each row really cost: BYOK rows add the upstream provider's bill."""
    upstream = df["upstream_inference_cost"].where(df["is_byok"].fillna(False), 0.0)
    return df["total_cost"] + upstream.fillna(0.0)


def _expected_order(df: pd.DataFrame, sort: str) -> list[str]:
    column = SORTS[sort][0]
    if column == "effective_cost":
        df = df.assign(effective_cost=_paid(df))
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
    top = demo_frame.loc[_paid(demo_frame).idxmax()]
    assert viewer.selected_id == top["id"]
    pd.testing.assert_series_equal(viewer.selected, top)
    assert viewer.count_text == "1 of 500"
    head = viewer.panels.head.value
    assert f'<code class="orgen-id">{top["id"]}</code>' in head
    assert f'<b class="orgen-cost">{fmt.format_usd(_paid(demo_frame).max())}</b>' in head
    assert viewer.controls.previous.disabled and not viewer.controls.next.disabled


def test_package_exports_the_viewer_lazily():
    code = ("import sys, openrouter_frame as orf; assert 'ipywidgets' not in sys.modules; "
            "from openrouter_frame import GenerationViewer; "
            "assert GenerationViewer is orf.viewer.GenerationViewer; "
            "assert 'ipywidgets' in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


# -- the traits: observable, validated, two-way with the controls -------------------------


def test_traits_are_observable_and_hear_clicks_and_assignments(viewer, demo_frame):
    order = _expected_order(demo_frame, "cost")
    heard: list[tuple[str, object]] = []
    viewer.observe(lambda c: heard.append((c["name"], c["new"])),
                   names=["selected_id", "sort", "model", "provider", "chart"])
    viewer.controls.next.click()
    assert heard == [("selected_id", order[1])]
    viewer.selected_id = order[5]
    assert heard[-1] == ("selected_id", order[5])
    heard.clear()
    viewer.controls.sort.value = "latency"  # a new order shows its first row
    assert sorted(heard) == [("selected_id", _expected_order(demo_frame, "latency")[0]),
                             ("sort", "latency")]
    heard.clear()
    viewer.controls.chart.value = "cost"
    assert heard == [("chart", "cost")]
    heard.clear()
    viewer.model = "openai/gpt-4o-mini"
    assert ("model", "openai/gpt-4o-mini") in heard
    assert ("selected_id", viewer.selected_id) in heard  # moved into the model's rows


def test_setting_a_trait_updates_its_control(viewer):
    viewer.sort = "newest"
    viewer.chart = "cost"
    viewer.model = "openai/gpt-4o-mini"
    viewer.provider = None
    c = viewer.controls
    assert (c.sort.value, c.chart.value) == ("newest", "cost")
    assert c.model_filter.value == _code(c.model_filter, "openai/gpt-4o-mini")
    assert c.provider_filter.value == ALL
    assert c.search.value == viewer.selected_id


def test_selecting_by_the_trait_shows_that_generation(viewer, demo_frame):
    chosen = demo_frame["id"].iloc[123]
    viewer.selected_id = chosen
    assert viewer.selected["id"] == chosen
    assert f'<code class="orgen-id">{chosen}</code>' in viewer.panels.head.value
    k = _expected_order(demo_frame, "cost").index(chosen)
    assert viewer.count_text == f"{k + 1} of 500"


@pytest.mark.parametrize(("name", "value", "error", "message"), [
    ("selected_id", "gen-nope", KeyError, "no generation with id 'gen-nope'"),
    ("model", "x/y", KeyError, "no model 'x/y'"),
    ("provider", "Nowhere", KeyError, "no provider 'Nowhere'"),
    ("sort", "price", ValueError, "sort must be one of cost, latency"),
    ("chart", "tokens", ValueError, "chart must be one of latency, cost"),
    ("selected_id", None, TraitError, "None only when no row is shown"),
], ids=["unknown-id", "unknown-model", "unknown-provider", "sort", "chart", "deselect"])
def test_a_value_not_allowed_raises_traiterror_and_changes_nothing(viewer, name, value,
                                                                   error, message):
    before = {n: getattr(viewer, n) for n in ("selected_id", "sort", "model", "provider",
                                               "chart")}
    with pytest.raises(TraitError, match=message) as info:
        setattr(viewer, name, value)
    assert isinstance(info.value, error)
    assert {n: getattr(viewer, n) for n in before} == before


def test_content_state_is_read_only(viewer):
    with pytest.raises(TraitError, match="read-only"):
        viewer.content_state = "loaded"
    assert viewer.content_state == "no key"


# -- walking, sorting, filtering ------------------------------------------------------------


def test_next_and_previous_buttons_walk_the_sorted_rows(viewer, demo_frame):
    order = _expected_order(demo_frame, "cost")
    c, p = viewer.controls, viewer.panels
    c.next.click()
    c.next.click()
    assert viewer.selected_id == order[2]
    assert viewer.count_text == "3 of 500"
    assert order[2] in p.detail.value and order[2] == c.search.value
    c.previous.click()
    assert viewer.selected_id == order[1]
    assert p.count.value == render.count_html(1, 500)
    assert not c.previous.disabled


def test_next_stops_at_the_last_row(viewer, demo_frame):
    last = _expected_order(demo_frame, "cost")[-1]
    viewer.select(last)
    assert viewer.count_text == "500 of 500" and viewer.controls.next.disabled
    viewer.next()
    viewer.controls.next.click()
    assert viewer.selected_id == last


@pytest.mark.parametrize("sort", list(SORTS), ids=list(SORTS))
def test_sort_orders_descending_with_na_last(demo_frame, sort):
    viewer = GenerationViewer(demo_frame)
    viewer.controls.sort.value = sort  # the dropdown sets the trait
    assert viewer.filtered["id"].tolist() == _expected_order(demo_frame, sort)
    assert viewer.sort == sort


def test_changing_the_sort_goes_to_its_first_row(viewer, demo_frame):
    viewer.select(demo_frame["id"].iloc[123])
    viewer.sort = "latency"
    assert viewer.selected_id == _expected_order(demo_frame, "latency")[0]
    assert viewer.count_text == "1 of 500" and viewer.controls.first.disabled


def test_model_filter_narrows_rows_and_moves_selection_into_them(viewer, demo_frame):
    model = "openai/gpt-4o-mini"
    dropdown = viewer.controls.model_filter
    dropdown.value = _code(dropdown, model)  # the dropdown sets the trait
    expected = _expected_order(demo_frame[demo_frame["model"] == model], "cost")
    assert viewer.filtered["id"].tolist() == expected
    assert viewer.model == model
    assert viewer.selected_id == expected[0]
    assert viewer.count_text == f"1 of {len(expected)}"
    assert f'<th title="{model}">in its model</th>' in viewer.panels.ranks.value
    assert f"of {len(expected)}</td>" in viewer.panels.ranks.value
    dropdown.value = ALL
    assert viewer.model is None and len(viewer.filtered) == 500


def test_filter_keeps_the_selection_when_it_still_matches(viewer, demo_frame):
    row = demo_frame.iloc[77]
    viewer.select(row["id"])
    viewer.provider = row["provider_name"]
    assert viewer.selected_id == row["id"]
    assert set(viewer.filtered["provider_name"]) == {row["provider_name"]}


def test_provider_filter_has_an_na_group(viewer, demo_frame):
    dropdown = viewer.controls.provider_filter
    dropdown.value = _code(dropdown, schema.NA_LABEL)
    assert viewer.provider == schema.NA_LABEL
    assert len(viewer.filtered) == demo_frame["provider_name"].isna().sum() > 0
    assert viewer.filtered["provider_name"].isna().all()


def test_filters_with_no_match_show_a_message_and_disable_walking():
    viewer = GenerationViewer(_small_frame())
    viewer.model = "b/two"
    viewer.provider = "Q"
    assert viewer.selected_id is None and viewer.selected is None
    assert len(viewer.filtered) == 0
    assert "No generations match these filters." in viewer.panels.detail.value
    assert viewer.controls.next.disabled and viewer.controls.previous.disabled
    assert viewer.count_text == "\u2013 of 0"
    viewer.model = None
    assert viewer.selected_id == "gen-a2" and viewer.count_text == "1 of 1"


@pytest.mark.parametrize("how", ["trait", "select"])
def test_selecting_an_id_hidden_by_a_filter_resets_that_filter(how):
    viewer = GenerationViewer(_small_frame())

    def choose(gid: str) -> None:
        if how == "trait":
            viewer.selected_id = gid
        else:
            viewer.select(gid)

    viewer.model = "b/two"
    viewer.provider = "P"
    choose("gen-a2")  # model a/one, provider Q
    assert (viewer.model, viewer.provider) == (None, None)
    assert viewer.controls.model_filter.value == viewer.controls.provider_filter.value == ALL
    assert viewer.selected_id == "gen-a2"
    viewer.model = "a/one"
    choose("gen-a3")  # same model: the model filter stays
    assert viewer.model == "a/one" and viewer.count_text == "2 of 4"


@pytest.mark.parametrize("bad", ["gen-nope", "", "GEN-A1"], ids=["unknown", "empty", "case"])
def test_selecting_an_unknown_id_raises_keyerror_naming_it(viewer, bad):
    before = viewer.selected_id
    with pytest.raises(KeyError, match=re.escape(repr(bad))):
        viewer.select(bad)
    with pytest.raises(TraitError, match=re.escape(repr(bad))):
        viewer.selected_id = bad
    assert viewer.selected_id == before


def test_unknown_filter_values_raise(viewer):
    with pytest.raises(KeyError, match="no model 'x/y'"):
        viewer.model = "x/y"
    with pytest.raises(ValueError, match="sort must be one of"):
        viewer.sort = "price"


@pytest.mark.parametrize("kwargs", [{"sort": "price"}, {"chart": "tokens"}],
                         ids=["sort", "chart"])
def test_bad_constructor_arguments_raise(demo_frame, kwargs):
    with pytest.raises(ValueError, match=f"{next(iter(kwargs))} must be one of"):
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
    search, status = viewer.controls.search, viewer.panels.status
    search.value = "gen-"
    assert len(search.options) == 50
    assert "50+ ids contain gen-." in status.value
    target = demo_frame["id"].iloc[42]
    part = target[-7:].lower()
    search.value = part
    expected = [i for i in demo_frame["id"] if part in i.lower()]
    assert list(search.options) == expected[:50] and target in expected
    assert viewer.selected_id != target  # a fragment only narrows the choices
    search.value = target
    assert viewer.selected_id == target and status.value == ""


def test_typing_text_no_id_contains_says_so(viewer):
    before = viewer.selected_id
    viewer.controls.search.value = "zzz<"
    assert viewer.controls.search.options == ()
    assert viewer.panels.status.value == "No id contains zzz&lt;."
    assert viewer.selected_id == before


def test_no_control_lists_every_row():
    n = 300
    records = [{"id": f"gen-{i:05d}", "model": "m/x", "total_cost": i / 1000} for i in range(n)]
    viewer = GenerationViewer(records_to_frame(records))
    viewer.controls.search.value = "gen"
    stack: list[widgets.Widget] = [viewer]
    while stack:
        w = stack.pop()
        stack.extend(getattr(w, "children", ()))
        assert len(getattr(w, "options", ())) <= 50, type(w).__name__


def test_every_row_container_wraps_so_the_viewer_reflows_at_800px(viewer):
    """Rows wrap; the main and side columns together need more than 800 px, so at
    800 px the side column (ranks, chart, list) goes under the generation."""
    boxes, stack = [], list(viewer.children)
    while stack:
        w = stack.pop()
        if isinstance(w, widgets.HBox):
            boxes.append(w)
        stack.extend(getattr(w, "children", ()))
    assert len(boxes) >= 4 and all(b.layout.flex_flow == "row wrap" for b in boxes)
    body = next(b for b in boxes if viewer.panels.detail in b.children[0].children)
    main, side = body.children
    assert viewer.controls.rows in side.children and viewer.panels.chart in side.children
    basis = [int(re.search(r"(\d+)px", w.layout.flex).group(1)) for w in (main, side)]
    assert sum(basis) > 800 and max(basis) < 800


# -- the panels ----------------------------------------------------------------------------


def test_detail_panel_lists_every_field_grouped_with_other_last(demo_frame):
    frame = demo_frame.assign(future_field="x")  # a field the schema does not list
    viewer = GenerationViewer(frame)
    html = viewer.panels.detail.value
    for name in schema.COLUMNS:
        if name != "provider_responses":  # shown as the attempts table instead
            assert f'class="orgen-field-{name}"' in html, name
    positions = [html.index(f"orgen-group-{g}") for g in (*schema.GROUPS, "other")]
    assert positions == sorted(positions)
    extras = [c for c in frame.columns if c not in schema.FIELDS]
    other = html[html.index("orgen-group-other"):]
    assert extras and all(f"<th>{name}</th>" in other for name in extras)
    assert "provider_responses" not in html  # shown as the attempts table instead
    assert "Provider attempts" in viewer.panels.fallback.value


def test_detail_panel_formats_units_and_na(demo_frame):
    row = demo_frame[demo_frame["latency"].isna()].iloc[0]
    viewer = GenerationViewer(demo_frame, selected=row["id"])
    html = viewer.panels.detail.value
    assert '<td class="orgen-field-latency">\u2014</td>' in html
    tokens = fmt.format_tokens(row["native_tokens_prompt"])
    assert f'<td class="orgen-field-native_tokens_prompt">{tokens}</td>' in html
    assert tokens.endswith(" tokens")
    assert re.search(r'orgen-field-created_at">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(.+\)<', html)
    assert "latency" in viewer.panels.ranks.value


def test_percentile_ranks_match_a_brute_force_count(demo_frame):
    row = demo_frame.iloc[200]
    viewer = GenerationViewer(demo_frame, selected=row["id"])
    same = demo_frame[demo_frame["model"] == row["model"]]
    tps = pd.Series(metrics.tokens_per_second_values(demo_frame, missing_ok=True),
                    index=demo_frame.index)
    for key, values in (("effective_cost", _paid(demo_frame)),
                        ("latency", demo_frame["latency"]), ("tokens_per_second", tps)):
        x = values.iloc[200]
        overall = fmt.ordinal(100 * (values.dropna() <= x).mean())
        within = fmt.ordinal(100 * (values[same.index].dropna() <= x).mean())
        cells = re.search(rf'orgen-rank-{key}"><th>[^<]+</th><td>[^<]*</td>'
                          r"<td>(\w+) of ([\d,]+)</td><td>(\w+) of ([\d,]+)</td>",
                          viewer.panels.ranks.value)
        assert cells, key
        assert cells.groups() == (overall, f"{values.notna().sum():,}", within,
                                  f"{values[same.index].notna().sum():,}"), key


def test_most_expensive_is_at_the_100th_cost_percentile(viewer):
    assert re.search(r'orgen-rank-effective_cost"><th>cost \(paid\)</th><td>[^<]+</td>'
                     r"<td>100th of 500</td><td>100th of \d+</td>", viewer.panels.ranks.value)


def test_chart_is_a_png_and_the_toggle_switches_metric(viewer):
    image = viewer.panels.chart
    viewer.wait_chart()
    latency_png = bytes(image.value)
    assert latency_png.startswith(PNG)
    viewer.controls.chart.value = "cost"  # the toggle sets the trait
    assert viewer.chart == "cost"
    viewer.wait_chart()
    assert bytes(image.value).startswith(PNG) and bytes(image.value) != latency_png
    viewer.next()
    viewer.wait_chart()
    assert bytes(image.value).startswith(PNG)
    viewer.chart = "latency"  # the trait sets the toggle and redraws
    viewer.wait_chart()
    assert viewer.controls.chart.value == "latency" and bytes(image.value).startswith(PNG)


def test_the_chart_is_drawn_off_the_caller_thread_and_only_the_last_one_shows(
        demo_frame, monkeypatch):
    viewer = GenerationViewer(demo_frame)
    viewer.wait_chart()
    calls: list[tuple[str, float | None, str, bytes]] = []
    real = DistributionChart.png

    def spy(chart, x=None, label=None):
        png = real(chart, x, label)
        calls.append((threading.current_thread().name, x, label, png))
        return png

    monkeypatch.setattr(DistributionChart, "png", spy)
    for _ in range(5):
        viewer.next()
    viewer.wait_chart()
    assert calls and all(name.startswith("orgen-chart") for name, *_ in calls)
    latency = viewer.selected["latency"]
    _, x, label, png = calls[-1]
    assert x == (None if pd.isna(latency) else float(latency))
    assert label.startswith("this one: ")
    assert bytes(viewer.panels.chart.value) == png


@pytest.mark.parametrize("frame", ["empty-typed", "empty-bare"])
def test_empty_frame_shows_no_generations_and_disabled_controls(frame):
    df = records_to_frame([]) if frame == "empty-typed" else pd.DataFrame({"id": []})
    viewer = GenerationViewer(df)
    assert viewer.selected_id is None and viewer.selected is None
    assert len(viewer.filtered) == 0
    assert "No generations" in viewer.panels.detail.value
    assert viewer.count_text == "\u2013 of 0"
    c = viewer.controls
    for control in (c.search, c.model_filter, c.provider_filter, c.sort, c.previous, c.next,
                    c.chart):
        assert control.disabled
    with pytest.raises(KeyError):
        viewer.select("gen-1")
    with pytest.raises(TraitError):
        viewer.selected_id = "gen-1"


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
    assert "UTC (" in viewer.panels.detail.value


def test_duplicate_ids_select_the_first_row_and_the_list_reaches_the_others():
    viewer = GenerationViewer(pd.concat([_small_frame(), _small_frame()], ignore_index=True))
    viewer.select("gen-b1")
    assert viewer.selected.name == 3
    viewer.next()  # the same id again, its second row: the id stays, the row moves
    assert viewer.selected_id == "gen-b1" and viewer.selected.name == 9
    viewer.select("gen-b1")
    assert viewer.selected.name == 3


def test_extra_fields_appear_under_other():
    viewer = GenerationViewer(_small_frame(), selected="gen-b1")
    assert ('<th>shoe_size</th><td class="orgen-field-shoe_size">42</td>'
            in viewer.panels.detail.value)
    viewer.select("gen-a1")
    assert '<td class="orgen-field-shoe_size">\u2014</td>' in viewer.panels.detail.value


def test_accessor_view_returns_a_viewer(demo_frame):
    chosen = demo_frame["id"].iloc[5]
    viewer = demo_frame.orgen.view(selected=chosen)
    assert isinstance(viewer, GenerationViewer) and viewer.selected_id == chosen


# -- the drill-down: content, cost, attempts, navigation, static snapshot ----------------


def _content(gid: str) -> dict:
    return {"id": gid, "prompt": None, "completion": f"answer of {gid}", "reasoning": None,
            "messages": [{"role": "user", "content": f"question of {gid}"}], "stored": True}


def test_no_loader_says_no_key_and_fetches_nothing(viewer):
    assert viewer.content_state == "no key"
    assert "No key: content not loaded" in viewer.panels.content.value


def test_content_is_loaded_in_a_thread_and_shown(demo_frame):
    threads: list[str] = []

    def load(gid: str) -> dict:
        threads.append(threading.current_thread().name)
        return _content(gid)

    viewer = GenerationViewer(demo_frame, content=load)
    states: list[str] = []
    viewer.observe(lambda c: states.append(c["new"]), names="content_state")
    assert viewer.wait_content() == "loaded"
    assert f"answer of {viewer.selected_id}" in viewer.panels.content.value
    assert threads and threads[0] != threading.current_thread().name
    viewer.next()
    viewer.previous()  # the first one again: from memory, no second call
    assert viewer.content_state == "loaded"
    viewer.wait_content()  # the second generation's load: landed, not shown
    assert len(threads) == 2 and f"answer of {viewer.selected_id}" in viewer.panels.content.value
    assert "loading" in states and states[-1] == "loaded"


def test_a_late_answer_for_another_generation_is_not_shown(demo_frame):
    release = threading.Event()

    def slow(gid: str) -> dict:
        release.wait(10)
        return _content(gid)

    viewer = GenerationViewer(demo_frame, content=slow)
    first = viewer.selected_id
    assert viewer.content_state == "loading"
    viewer.next()
    second = viewer.selected_id
    release.set()
    viewer.wait_content()  # both loads have landed
    assert f"answer of {second}" in viewer.panels.content.value
    assert f"answer of {first}" not in viewer.panels.content.value


@pytest.mark.parametrize(("result", "state", "text"), [
    ({"stored": False, "messages": None, "completion": None}, "not stored",
     "zero data retention"),
    (RuntimeError("HTTP 404: Generation not found"), "failed", "could not be loaded"),
], ids=["zero-retention", "error"])
def test_content_states(demo_frame, result, state, text):
    def load(gid: str) -> dict:
        if isinstance(result, Exception):
            raise result
        return result

    viewer = GenerationViewer(demo_frame, content=load)
    assert viewer.wait_content() == state
    assert text in viewer.panels.content.value


def test_frame_with_content_columns_needs_no_loader():
    frame = _small_frame().assign(prompt=None, messages=None, reasoning=None, stored=True,
                                  completion="the stored answer")
    viewer = GenerationViewer(frame)
    assert viewer.content_state == "loaded"
    assert "the stored answer" in viewer.panels.content.value


def test_fallback_table_and_badge_in_the_header():
    frame = _small_frame()
    frame["provider_responses"] = pd.Series([
        [{"provider_name": "Azure", "status": 503, "latency": 2465},
         {"provider": "OpenAI", "status": 200, "latency": 600}],
        None, "[]", None, None, None], dtype=object)
    viewer = GenerationViewer(frame, selected="gen-a1")
    assert "orgen-badge-fell-back" in viewer.panels.head.value
    assert "<td>Azure</td><td>503</td>" in viewer.panels.fallback.value
    viewer.select("gen-a2")
    assert "orgen-badge-fell-back" not in viewer.panels.head.value
    assert "orgen-badge-ok" in viewer.panels.head.value
    assert "No provider attempts recorded." in viewer.panels.fallback.value


def test_cost_panel_uses_prices_when_given(demo_frame):
    from openrouter_frame.testing.prices import model_prices

    assert "estimate" in GenerationViewer(demo_frame).panels.cost.value
    priced = GenerationViewer(demo_frame, prices=model_prices()).panels.cost.value
    assert "from the model&#x27;s prices" in priced or "from the model's prices" in priced


def test_first_and_last_buttons(viewer, demo_frame):
    order = _expected_order(demo_frame, "cost")
    c = viewer.controls
    c.last.click()
    assert viewer.selected_id == order[-1] and c.next.disabled
    assert c.last.disabled and not c.first.disabled
    c.first.click()
    assert viewer.selected_id == order[0] and c.first.disabled


def test_list_shows_a_window_around_the_selection_and_a_click_selects(viewer, demo_frame):
    order = _expected_order(demo_frame, "cost")
    rows = viewer.controls.rows
    assert len(rows.options) == 50 and rows.value == 0
    assert order[0][-10:] in rows.options[0][0]
    head = viewer.panels.list_head.value
    assert "orgen-list-cols" in head and order[0] in head  # headers, full ids as tooltips
    rows.value = 7  # a click on the eighth row
    assert viewer.selected_id == order[7] and viewer.count_text == "8 of 500"
    viewer.select(order[300])
    values = [v for _, v in rows.options]
    assert values[0] <= 300 <= values[-1] and rows.value == 300
    assert "Rows 276\u2013325 of 500, sorted by cost" in viewer.panels.list_head.value


def test_dropdowns_narrow_each_other():
    viewer = GenerationViewer(_small_frame())
    models, providers = viewer.controls.model_filter, viewer.controls.provider_filter
    assert [t for t, _ in providers.options] == [
        "all providers (6)", "P (4)", "Q (1)", "<NA> (1)"]
    viewer.model = "b/two"
    assert [t for t, _ in providers.options] == ["all providers (2)", "P (1)", "<NA> (1)"]
    viewer.model = None
    viewer.provider = "Q"
    assert [t for t, _ in models.options] == ["all models (1)", "a/one (1)"]
    viewer.model = "b/two"  # narrowed away, still settable: offered with no rows
    assert [t for t, _ in models.options] == ["all models (1)", "a/one (1)", "b/two (0)"]
    assert models.value == _code(models, "b/two")


def test_an_empty_filter_result_is_one_message_without_chart_or_list():
    viewer = GenerationViewer(_small_frame())
    viewer.model = "b/two"
    viewer.provider = "Q"
    p = viewer.panels
    panels = [p.status, p.head, p.content, p.cost, p.fallback, p.ranks, p.detail]
    assert sum("No generations match" in panel.value for panel in panels) == 1
    assert p.chart.layout.display == "none" and viewer.controls.rows.layout.display == "none"
    viewer.model = None
    viewer.wait_chart()
    assert p.chart.layout.display is None and bytes(p.chart.value).startswith(PNG)


def test_keyboard_bridge_is_installed_with_the_title(viewer):
    value = viewer.panels.title.value
    assert "onerror=" in value and "ArrowRight" in value and "'.orgen-next'" in value


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_export_writes_the_filtered_rows_in_order(viewer, demo_frame, tmp_path, suffix):
    from openrouter_frame.frame.io import read_frame

    viewer.model = "openai/gpt-4o-mini"
    path = viewer.export(tmp_path / f"out.{suffix}")
    back = read_frame(path, suffix)
    assert back["id"].tolist() == viewer.filtered["id"].tolist()
    viewer.controls.export_path.value = str(tmp_path / "button.csv")
    viewer.controls.export.click()
    assert "Wrote" in viewer.panels.status.value and (tmp_path / "button.csv").exists()
    with pytest.raises(ValueError, match="csv or .parquet"):
        viewer.export(tmp_path / "out.jsonl")
    viewer.controls.export_path.value = str(tmp_path / "out.jsonl")
    viewer.controls.export.click()
    assert "Export failed:" in viewer.panels.status.value


def test_display_writes_the_widget_and_a_static_snapshot(viewer, demo_frame, monkeypatch):
    """Two outputs: the widget view, then its snapshot as text/html that hides itself
    beside a live viewer (nbconvert shows only the first mime type it prefers)."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display",
                        lambda data, **kw: shown.append((data, kw)))
    viewer._ipython_display_()
    (widget, kw), (twin, _) = shown
    assert "application/vnd.jupyter.widget-view+json" in widget and kw["raw"]
    assert "text/html" not in widget
    static = twin["text/html"]
    assert static.startswith('<div class="orgen-twin">')
    assert viewer.selected_id in static and "orgen-static" in static
    assert fmt.format_usd(_paid(demo_frame).max()) in static
    assert "data:image/png;base64," in static and "Provider attempts" in static


def test_snapshot_of_an_empty_selection_says_why():
    viewer = GenerationViewer(_small_frame())
    viewer.model = "b/two"
    viewer.provider = "Q"
    static = viewer.snapshot_html()
    assert "\u2013 of 0 after filters" in static and "No generations match" in static
    assert "data:image/png" not in static


def test_cost_panel_with_a_price_table_says_list_price_as_of(demo_frame, account_prices):
    table = account_prices[True]
    viewer = demo_frame.orgen.view(prices=table)
    assert f"list price as of {table.attrs['as_of']}" in viewer.panels.cost.value
