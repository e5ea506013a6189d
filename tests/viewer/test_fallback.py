"""The fallback table: provider_responses cells in every shape a frame can hold."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from openrouter_frame.viewer.fallback import attempts, fallback_html, statuses, timeline_html
from openrouter_frame.viewer.html import escape

CHAIN = [{"provider_name": "Azure", "status": 503, "latency": 2465, "endpoint_id": "e-1"},
         {"provider": "OpenAI", "status": 200, "latency": 610}]


def _array(items: list[dict]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


@pytest.mark.parametrize("cell", [CHAIN, _array(CHAIN), json.dumps(CHAIN), repr(CHAIN),
                                  tuple(CHAIN)],
                         ids=["list", "numpy-array", "json-string", "to-csv-literal", "tuple"])
def test_every_shape_gives_the_same_attempts(cell):
    chain = attempts(cell)
    assert [(a.number, a.provider, a.status, a.latency, a.served) for a in chain] == [
        (1, "Azure", 503, 2465.0, False), (2, "OpenAI", 200, 610.0, True)]
    assert chain[0].other == {"endpoint_id": "e-1"}  # official keys beyond the four: kept
    assert statuses(chain) == ["ok", "fell back"]


@pytest.mark.parametrize("cell", [None, pd.NA, np.nan, "", "[]", "null", [], _array([])],
                         ids=["none", "pd-na", "nan", "empty-str", "empty-json", "json-null",
                              "empty-list", "empty-array"])
def test_missing_cells_have_no_attempts(cell):
    assert attempts(cell) == []
    assert statuses([]) == ["ok"]
    assert "No provider attempts recorded." in fallback_html([])


@pytest.mark.parametrize("text", ["not json {", '"a json string"'], ids=["not-json", "string"])
def test_unreadable_text_is_shown_not_dropped(text):
    chain = attempts(text)
    assert len(chain) == 1 and chain[0].other == {"raw": text}
    assert escape(text) in fallback_html(chain)


_OK = [{"provider": "A", "status": 200}]


@pytest.mark.parametrize(("cell", "finish", "cancelled", "expected"), [
    (_OK, "stop", False, ["ok"]),
    ([{"provider": "A", "status": 502}], None, None, ["failed"]),
    (_OK, "error", False, ["failed"]),
    (_OK, "length", False, ["truncated"]),
    (_OK, None, True, ["cancelled"]),
    ([{"provider": "A", "status": 429}, {"provider": "B", "status": 200}], "stop", None,
     ["ok", "fell back"]),
    ([{"provider": "A", "status": 429}, {"provider": "B", "status": 200}], "length", None,
     ["truncated", "fell back"]),
], ids=["served", "all-failed", "finish-error", "truncated", "cancelled", "fell-back",
        "truncated-fell-back"])
def test_statuses(cell, finish, cancelled, expected):
    assert statuses(attempts(cell), finish, cancelled) == expected


def test_an_error_generation_s_answering_attempt_is_not_served_ok():
    """Issue 21: a failed row's only attempt read "200 served"."""
    chain = attempts(_OK, finish_reason="error")
    assert chain[0].outcome == "error"
    text = fallback_html(chain)
    assert "served the answer" not in text and "answered, then the generation failed" in text


def test_table_marks_served_and_failed_rows_and_escapes():
    text = fallback_html(attempts([{"provider_name": "<Az>", "status": 503, "latency": 2465},
                                   {"provider_name": "OpenAI", "status": 200}]))
    assert ('<tr class="orgen-failed orgen-outcome-failed"><td>1</td><td>&lt;Az&gt;</td>'
            "<td>503</td><td>0 ms</td><td>2.46 s</td><td>failed</td>") in text
    assert ('<tr class="orgen-served orgen-outcome-served"><td>2</td><td>OpenAI</td>'
            "<td>200</td><td>2.46 s</td>") in text
    assert "<th>provider</th><th>status</th><th>start</th><th>latency</th>" in text


def test_other_keys_go_in_a_collapsible_with_their_names():
    text = fallback_html(attempts([{"provider_name": "A", "status": 200,
                                    "endpoint_id": "ep_1", "is_byok": False}]))
    assert '<details class="orgen-extra"><summary>2 more</summary>' in text
    assert "<th>endpoint_id</th><td>ep_1</td>" in text and "<th>is_byok</th><td>false</td>" in text


def test_timeline_places_each_attempt_after_the_earlier_ones():
    """650 ms + 2.19 s + 454 ms: three bars on one axis, the last starting at 2.84 s."""
    chain = attempts([{"provider_name": "A", "status": 502, "latency": 650},
                      {"provider_name": "B", "status": 429, "latency": 2190},
                      {"provider_name": "C", "status": 200, "latency": 454}])
    assert [a.start for a in chain] == [0.0, 650.0, 2840.0]
    text = timeline_html(chain)
    total = 650 + 2190 + 454
    assert f"left:{100 * 2840 / total:.2f}%;width:max({100 * 454 / total:.2f}%,2px)" in text
    assert text.count("orgen-bar-failed") == 2 and text.count("orgen-bar-served") == 1
    assert "3 in 3.29 s" in text and "<span>3.29 s</span>" in text


@pytest.mark.parametrize("cell", [[{"provider": "A", "status": 200}], []],
                         ids=["no-latency", "empty"])
def test_no_timeline_without_latencies(cell):
    assert timeline_html(attempts(cell)) == ""


def test_served_agrees_with_provider_attempts(demo_frame):
    """The viewer's table and the analysis use one rule for which attempt served."""
    from openrouter_frame.analysis.attempts import provider_attempts

    table = provider_attempts(demo_frame)
    expected = table.groupby("id", sort=False)["served"].agg(list).to_dict()
    rows = demo_frame.to_dict("records")
    assert any(sum(v) == 1 and len(v) > 1 for v in expected.values())  # fallbacks exist
    for row in rows:
        chain = attempts(row["provider_responses"], row["upstream_id"])
        assert [a.served for a in chain] == expected.get(row["id"], []), row["id"]


@pytest.mark.parametrize("upstream, expected", [("up-a", [True, False]), ("up-b", [False, True]),
                                                (None, [False, True])],
                         ids=["first-matches", "last-matches", "no-upstream-last-2xx"])
def test_two_answers_one_served(upstream, expected):
    cell = [{"provider_name": "A", "status": 200, "id": "up-a"},
            {"provider_name": "B", "status": 200, "id": "up-b"}]
    assert [a.served for a in attempts(cell, upstream)] == expected


@pytest.mark.parametrize("latency", [float("inf"), float("-inf"), 1e300],
                         ids=["inf", "minus-inf", "1e300"])
def test_an_infinite_latency_builds_the_viewer(latency):
    """Issue 18, defect 7: an attempt latency of inf (JSON 1e400) made the viewer raise."""
    from openrouter_frame.analysis.units import format_ms
    from openrouter_frame.frame import records_to_frame
    from openrouter_frame.viewer.widget import GenerationViewer

    base = {"created_at": "2025-01-01T00:00:00Z", "origin": "x", "usage": 0.0,
            "is_byok": False, "model": "a/one", "provider_name": "P", "generation_time": 10.0}
    chain = [{"provider_name": "P", "status": 200, "latency": latency}]
    frame = records_to_frame([
        base | {"id": "gen-1", "total_cost": 0.01, "provider_responses": chain,
                "latency": 5.0},
        base | {"id": "gen-2", "total_cost": 0.001, "latency": 7.0}])
    viewer = GenerationViewer(frame)
    assert f"<td>{format_ms(latency)}</td>" in viewer.panels.fallback.value


_A = {"provider_name": "A", "status": 503, "latency": 40.0, "id": "up-a"}
_B = {"provider_name": "B", "status": 200, "latency": 900.0, "id": "up-b"}
#: Odd cells the two readers once read differently.
ODD_CELLS = {
    "json-text": json.dumps([_A, _B]),
    "to-csv-literal": repr([_A, _B]),
    "numpy-array": _array([_A, _B]),
    "none": None,
    "pd-na": pd.NA,
    "nan": np.nan,
    "empty-text": "",
    "json-null": "null",
    "one-object": _B,
    "a-number": 5,
    "unreadable-text": "not json {",
    "non-dict-item": [_A, "oops", _B],
    "text-status": [{**_A, "status": "abc"}, _B],
    "status-as-text": [{**_A, "status": "503"}, {**_B, "status": "200"}],
    "huge-status": [{**_A, "status": 1e30}, {**_B, "status": 10 ** 30}],
    "fraction-status": [{**_A, "status": 200.5}, _B],
    "bool-status": [{**_A, "status": True}, _B],
    "inf-latency": [{**_A, "latency": float("inf")}, _B],
    "legacy-provider-key": [{"provider": "OpenAI", "status": 200}],
}


@pytest.mark.parametrize("upstream", [None, "up-a"], ids=["no-upstream", "upstream-a"])
@pytest.mark.parametrize("cell", list(ODD_CELLS.values()), ids=list(ODD_CELLS))
def test_viewer_and_analysis_read_odd_cells_alike(cell, upstream):
    """Issue 18: one reading of provider_responses serves the viewer and the analysis."""
    import warnings

    from openrouter_frame.analysis.attempts import provider_attempts

    frame = pd.DataFrame({"id": ["gen-1"], "upstream_id": [upstream],
                          "provider_responses": pd.Series([cell], dtype=object)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the analysis warns of what it leaves out or NAs
        table = provider_attempts(frame)
    expected = [tuple(None if pd.isna(v) else v for v in row) for row in
                table[["provider_name", "status", "latency", "served"]].itertuples(index=False)]
    chain = attempts(cell, upstream)
    shown = [a for a in chain if not (set(a.other) == {"raw"} and a.provider is None)]
    assert [(a.provider, a.status, a.latency, a.served) for a in shown] == expected
    assert len(chain) >= len(expected)  # what the analysis leaves out, the viewer shows raw


def _arrow_cell(cell):
    """The cell as a ``pyarrow`` frame hands it out: an item of the Arrow list of structs."""
    from openrouter_frame.frame.nested import to_arrow

    return pd.Series(pd.arrays.ArrowExtensionArray(to_arrow([cell]))).iloc[0]


def test_a_cell_of_the_arrow_list_of_structs_gives_the_same_attempts():
    cell = _arrow_cell(CHAIN)
    assert set(cell[0]) > set(CHAIN[0])  # every struct child, _extra included
    chain = attempts(cell)
    assert [(a.number, a.provider, a.status, a.latency, a.served) for a in chain] == [
        (1, "Azure", 503, 2465.0, False), (2, "OpenAI", 200, 610.0, True)]
    assert chain[0].other == {"endpoint_id": "e-1"}  # the struct's empty children: absent


_LISTS = {k: v for k, v in ODD_CELLS.items() if isinstance(v, list)}


@pytest.mark.parametrize("cell", list(_LISTS.values()), ids=list(_LISTS))
def test_the_arrow_shape_reads_as_the_lists_of_dicts(cell):
    import warnings

    from openrouter_frame.analysis.attempts import provider_attempts
    from openrouter_frame.frame.nested import to_arrow

    frames = [pd.DataFrame({"id": ["gen-1"], "upstream_id": ["up-a"], "provider_responses":
                            column}) for column in
              (pd.Series([cell], dtype=object),
               pd.Series(pd.arrays.ArrowExtensionArray(to_arrow([cell]))))]
    assert isinstance(frames[1]["provider_responses"].dtype, pd.ArrowDtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = [provider_attempts(f) for f in frames]
    pd.testing.assert_frame_equal(tables[1], tables[0])
    shown = [[(a.provider, a.status, a.latency, a.served, a.other)
              for a in attempts(f["provider_responses"].iloc[0], "up-a")] for f in frames]
    assert shown[1] == shown[0]
