"""Provider attempts, fallbacks and sessions: official ProviderResponse shapes, every cell form."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import openrouter_frame as orf  # noqa: F401  (registers df.orgen)
from openrouter_frame import MissingColumnsError, SchemaWarning, schema
from openrouter_frame.analysis import attempts
from openrouter_frame.analysis.attempts import (
    ATTEMPT_DTYPES,
    attempt_counts,
    fallbacks,
    provider_attempts,
)
from openrouter_frame.testing import sample_frame


def _item(provider: str, status: int | None, latency: float | None = 100.0, *,
          id: str | None = None, model: str = "openai/gpt-4o", byok: bool = False,
          tier: str | None = None) -> dict[str, Any]:
    """A ``ProviderResponse`` as the official spec shapes it."""
    item: dict[str, Any] = {"endpoint_id": f"ep_{provider.lower()}", "is_byok": byok,
                            "latency": latency, "model_permaslug": model,
                            "provider_name": provider, "status": status}
    if id is not None:
        item["id"] = id
    if tier is not None:
        item["routed_service_tier"] = tier
    return item


#: Four generations: a fallback chain, a single attempt, null, and one where nothing worked.
CHAINS: list[list[dict[str, Any]] | None] = [
    [_item("Groq", 429, 35.0), _item("Together", 502, 80.0),
     _item("DeepInfra", 200, 1200.0, id="chatcmpl-3", tier="priority")],
    [_item("OpenAI", 200, 900.0, id="chatcmpl-4", byok=True)],
    None,
    [_item("Groq", 503, 20.0), _item("Together", None, None)],
]
IDS = ["gen-1", "gen-2", "gen-3", "gen-4"]


def _frame(cells: list[Any] | None = None, **extra: Any) -> pd.DataFrame:
    return pd.DataFrame({"id": pd.array(IDS, dtype="string"),
                         "provider_responses": pd.Series(CHAINS if cells is None else cells,
                                                         dtype=object), **extra})


def _as_python_literal(cell: Any) -> Any:
    return None if cell is None else str(cell)


CELL_FORMS = {
    "list": lambda c: c,
    "ndarray": lambda c: None if c is None else np.array(c, dtype=object),
    "json": lambda c: None if c is None else json.dumps(c),
    "python-literal": _as_python_literal,
    "tuple": lambda c: None if c is None else tuple(c),
}


@pytest.mark.parametrize("form", list(CELL_FORMS), ids=list(CELL_FORMS))
@pytest.mark.parametrize("na", [None, np.nan, pd.NA], ids=["None", "nan", "pd.NA"])
def test_every_cell_form_gives_the_same_tidy_frame(form: str, na: Any) -> None:
    expected = provider_attempts(_frame())
    cells = [CELL_FORMS[form](c) for c in CHAINS]
    cells[2] = na
    got = provider_attempts(_frame(cells))
    pd.testing.assert_frame_equal(got, expected)


#: The attempts frame's columns and the schema fields whose numpy-nullable dtype each has.
SCHEMA_DTYPES: dict[str, Any] = {
    "id": schema.FIELDS["id"].dtype(), "attempt": schema.kind_dtype("int"),
    **{name: schema.ATTEMPT_FIELDS[name].dtype()
       for name in ("provider_name", "model_permaslug", "status", "latency", "is_byok",
                    "endpoint_id", "routed_service_tier")},
    "upstream_response_id": schema.ATTEMPT_FIELDS["id"].dtype(),
    "served": schema.kind_dtype("bool"),
}


@pytest.mark.parametrize("backend", schema.DTYPE_BACKENDS)
@pytest.mark.parametrize("path", ["fast", "per value"])
def test_dtypes_are_the_schemas_whatever_the_backend(backend: str, path: str) -> None:
    """Each column has the schema's dtype for its kind (a label is ``string[pyarrow]``
    under pandas 2.2 too), equal, not merely printed alike, from either reading path."""
    frame = sample_frame(40, dtype_backend=backend)
    if path == "per value":  # text cells (a CSV read-back) take the per-value reader
        frame = frame.assign(provider_responses=pd.Series(
            [json.dumps(c) for c in frame["provider_responses"].tolist()], dtype=object))
    got = provider_attempts(frame)
    assert len(got)
    assert dict(got.dtypes) == SCHEMA_DTYPES
    assert ATTEMPT_DTYPES == SCHEMA_DTYPES


def test_one_row_per_attempt_in_order() -> None:
    got = provider_attempts(_frame())
    assert {k: str(v) for k, v in got.dtypes.items()} == {
        k: str(v) for k, v in ATTEMPT_DTYPES.items()}
    assert got["id"].tolist() == ["gen-1"] * 3 + ["gen-2"] + ["gen-4"] * 2
    assert got["attempt"].tolist() == [1, 2, 3, 1, 1, 2]
    assert got["provider_name"].tolist() == ["Groq", "Together", "DeepInfra", "OpenAI", "Groq",
                                             "Together"]
    assert got["status"].tolist() == [429, 502, 200, 200, 503, pd.NA]
    assert got["latency"].tolist() == [35.0, 80.0, 1200.0, 900.0, 20.0, pd.NA]
    assert got["is_byok"].tolist() == [False, False, False, True, False, False]
    assert got["routed_service_tier"].isna().tolist() == [True, True, False, True, True, True]
    assert got["routed_service_tier"].tolist()[2] == "priority"
    assert got["upstream_response_id"].tolist()[2:4] == ["chatcmpl-3", "chatcmpl-4"]
    assert got["served"].tolist() == [False, False, True, True, False, False]


@pytest.mark.parametrize(
    ("upstream_id", "served"),
    [(["up-a", None], [True, False]),
     (["up-b", None], [False, True]),
     ([None, None], [False, True]),
     (["elsewhere", None], [False, True])],
    ids=["matches-first", "matches-last", "no-upstream-id", "no-match-falls-back-to-2xx"],
)
def test_served_follows_upstream_id_then_the_last_2xx(upstream_id: list[Any],
                                                      served: list[bool]) -> None:
    # Both attempts answered 200 (say the first was too slow and was dropped).
    chain = [_item("A", 200, id="up-a"), _item("B", 200, id="up-b")]
    frame = pd.DataFrame({"id": ["gen-1", "gen-2"], "upstream_id": upstream_id,
                          "provider_responses": [chain, [_item("C", 500)]]})
    got = provider_attempts(frame)
    assert got["served"].tolist() == [*served, False]


@pytest.mark.parametrize(
    "cells",
    [[], [None, None], [[], []], [np.nan]],
    ids=["empty-frame", "all-null", "all-empty-lists", "nan"],
)
def test_empty_results_keep_columns_and_dtypes(cells: list[Any]) -> None:
    frame = pd.DataFrame({"id": pd.array([f"gen-{i}" for i in range(len(cells))],
                                         dtype="string"),
                          "provider_responses": pd.Series(cells, dtype=object)})
    got = provider_attempts(frame)
    assert len(got) == 0
    assert {k: str(v) for k, v in got.dtypes.items()} == {
        k: str(v) for k, v in ATTEMPT_DTYPES.items()}


def test_unknown_item_keys_become_extra_columns() -> None:
    cells = [[{**_item("A", 200), "new_field": {"x": 1}}], [_item("B", 200)]]
    got = provider_attempts(pd.DataFrame({"id": ["gen-1", "gen-2"],
                                          "provider_responses": cells}))
    assert list(got.columns) == [*ATTEMPT_DTYPES, "new_field"]
    assert got["new_field"].tolist() == [{"x": 1}, None]


@pytest.mark.parametrize(
    ("cells", "status", "warns"),
    [([[{"status": "200"}], [{"status": 404}]], [200, 404], False),
     ([[{"status": "200"}], [{"status": "503"}]], [200, 503], False),
     ([[{"status": 200.0}], [{"status": 404}]], [200, 404], False),
     ([[{"status": "abc"}], [{"status": 404}]], [pd.NA, 404], True),
     ([[{"status": 200.5}], [{"status": 404}]], [pd.NA, 404], True),
     ([[{"status": True}], [{"status": 404}]], [pd.NA, 404], True)],
    ids=["text-and-int", "all-text", "float", "not-a-number", "fraction", "bool"],
)
def test_values_of_another_type(cells: list[Any], status: list[Any], warns: bool) -> None:
    frame = pd.DataFrame({"id": ["gen-1", "gen-2"], "provider_responses": cells})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = provider_attempts(frame)
    assert got["status"].tolist() == status
    schema_warnings = [w for w in caught if issubclass(w.category, SchemaWarning)]
    assert len(schema_warnings) == (1 if warns else 0)
    if warns:
        assert "'status'" in str(schema_warnings[0].message)


@pytest.mark.parametrize(
    "cell",
    [5, "not json", [_item("A", 200), "oops"], {"status": 200, "provider_name": "A"}],
    ids=["number", "bad-text", "non-dict-item", "one-dict"],
)
def test_irregular_cells(cell: Any) -> None:
    frame = pd.DataFrame({"id": ["gen-1", "gen-2"],
                          "provider_responses": pd.Series([cell, [_item("B", 200)]],
                                                          dtype=object)})
    if isinstance(cell, dict):  # one object: one attempt, no warning
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = provider_attempts(frame)
        assert got["provider_name"].tolist() == ["A", "B"]
        return
    with pytest.warns(SchemaWarning, match="left out"):
        got = provider_attempts(frame)
    assert got["provider_name"].tolist()[-1] == "B"
    assert got["id"].tolist() == (["gen-1", "gen-2"] if isinstance(cell, list) else ["gen-2"])


def test_an_arrow_list_column_is_read_directly() -> None:
    arrow = pd.Series(pa.array(CHAINS), dtype=pd.ArrowDtype(pa.array(CHAINS).type))
    frame = pd.DataFrame({"id": pd.array(IDS, dtype="string"), "provider_responses": arrow})
    pd.testing.assert_frame_equal(provider_attempts(frame), provider_attempts(_frame()))


@pytest.mark.parametrize("how", ["parquet", "parquet-as-arrow", "csv"],
                         ids=["parquet", "parquet-as-arrow", "csv"])
def test_read_backs_give_the_same_attempts(how: str, tmp_path: Any) -> None:
    frame = _frame()
    if how == "csv":
        frame.to_csv(tmp_path / "g.csv", index=False)
        back = pd.read_csv(tmp_path / "g.csv")
    else:
        frame.to_parquet(tmp_path / "g.parquet")
        back = pd.read_parquet(tmp_path / "g.parquet", dtype_backend=(
            "pyarrow" if how == "parquet-as-arrow" else "numpy_nullable"))
    pd.testing.assert_frame_equal(back.orgen.provider_attempts(), provider_attempts(frame))


def test_missing_columns_are_named() -> None:
    with pytest.raises(MissingColumnsError, match="provider_responses"):
        pd.DataFrame({"id": ["gen-1"]}).orgen.provider_attempts()
    with pytest.raises(MissingColumnsError, match="session_id"):
        pd.DataFrame({"id": ["gen-1"], "total_cost": [1.0]}).orgen.sessions()


# -- invariants over random chains ----------------------------------------------------------
_STATUS = st.one_of(st.none(), st.sampled_from([200, 201, 400, 429, 500, 502, 503]))
_ITEM = st.builds(lambda p, s, lat: {"provider_name": p, "status": s, "latency": lat},
                  st.sampled_from(["A", "B", "C"]), _STATUS,
                  st.one_of(st.none(), st.floats(0, 1e5, allow_nan=False)))
_CHAIN = st.one_of(st.none(), st.lists(_ITEM, max_size=4))


@settings(max_examples=60, deadline=None)
@given(st.lists(_CHAIN, max_size=12))
def test_attempts_match_a_hand_count(chains: list[Any]) -> None:
    frame = pd.DataFrame({"id": [f"gen-{i}" for i in range(len(chains))],
                          "provider_responses": pd.Series(chains, dtype=object)})
    got = provider_attempts(frame)
    assert len(got) == sum(len(c) for c in chains if c)
    flat = [(f"gen-{i}", k + 1, item) for i, c in enumerate(chains) for k, item in
            enumerate(c or [])]
    assert got["id"].tolist() == [i for i, _, _ in flat]
    assert got["attempt"].tolist() == [k for _, k, _ in flat]
    assert got["status"].fillna(-1).tolist() == [
        -1 if it["status"] is None else it["status"] for _, _, it in flat]
    for i, chain in enumerate(chains):
        rows = got[got["id"] == f"gen-{i}"]
        ok = [k for k, it in enumerate(chain or []) if it["status"] in (200, 201)]
        assert rows["served"].tolist() == [k == (ok[-1] if ok else None)
                                           for k in range(len(chain or []))]
    summary = attempts.provider_summary(frame)
    assert int(summary["attempts"].sum()) == len(got)
    assert int(summary["served"].sum()) == int(got["served"].sum())
    fb = attempts.fallbacks(frame.assign(model="m"), by="model")
    assert int(fb["fallbacks"].sum()) == sum(1 for c in chains if c and len(c) > 1)


# -- summaries ------------------------------------------------------------------------------
def test_provider_summary_by_hand() -> None:
    table = _frame().orgen.provider_summary(percentiles=(0.5, 0.9))
    assert table.index.tolist() == ["Groq", "Together", "DeepInfra", "OpenAI"]
    assert table["attempts"].tolist() == [2, 2, 1, 1]
    assert table["failed"].tolist() == [2, 1, 0, 0]
    # Together: one 502 and one unknown status: 1 failure of 1 known.
    assert table["failure_rate"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert table.loc["Groq", "latency_p50_ms"] == pytest.approx(27.5)
    assert table.loc["Groq", "latency_p90_ms"] == pytest.approx(20 + 0.9 * 15)
    assert table["served"].tolist() == [0, 0, 1, 1]
    assert table["share_of_served"].tolist() == [0.0, 0.0, 0.5, 0.5]
    assert list(table.columns) == ["attempts", "failed", "failure_rate", "latency_p50_ms",
                                   "latency_p90_ms", "served", "share_of_served"]


def test_fallbacks_and_summary_fallback_rate() -> None:
    frame = _frame(model=pd.Series(["m1", "m2", "m1", "m1"], dtype="category"),
                   total_cost=[1.0, 2.0, 3.0, 4.0])
    table = frame.orgen.fallbacks(by="model")
    assert table.index.tolist() == ["m1", "m2"]
    assert table["generations"].tolist() == [3, 1]
    assert table["with_attempts"].tolist() == [2, 1]
    assert table["fallbacks"].tolist() == [2, 0]
    assert table["fallback_rate"].tolist() == [1.0, 0.0]
    assert table["mean_attempts"].tolist() == [2.5, 1.0]
    assert frame.orgen.summary()["fallback_rate"] == pytest.approx(2 / 3)
    assert pd.isna(frame.drop(columns="provider_responses").orgen.summary()["fallback_rate"])


SESSIONS = pd.DataFrame({
    "id": [f"gen-{i}" for i in range(6)],
    "session_id": pd.array(["s1", "s2", "s1", None, "s2", "s1"], dtype="string"),
    "request_id": ["r1", "r2", "r3", "r4", "r5", "r6"],
    "model": pd.Series(["b", "a", "a", "a", "a", "b"], dtype="category"),
    "total_cost": pd.array([0.1, 0.5, 0.2, 9.0, None, 0.3], dtype="Float64"),
    "latency": pd.array([500.0, 100.0, None, 1.0, 300.0, 4000.0], dtype="Float64"),
    "generation_time": pd.array([2000.0, 50.0, 1000.0, 1.0, None, 1000.0], dtype="Float64"),
    "created_at": pd.to_datetime(["2026-11-01 10:00:00", "2026-11-01 09:00:00",
                                  "2026-11-01 10:00:30", "2026-11-01 08:00:00",
                                  "2026-11-01 09:01:00", "2026-11-01 10:01:00"], utc=True
                                 ).astype("datetime64[us, UTC]"),
})


def test_sessions_by_hand() -> None:
    table = SESSIONS.orgen.sessions()
    assert table.index.tolist() == ["s1", "s2"]  # by cost; the session-less row left out
    assert table["generations"].tolist() == [3, 2]
    assert table["total_cost_usd"].tolist() == pytest.approx([0.6, 0.5])
    first = pd.Timestamp("2026-11-01 10:00:00", tz="UTC")
    # s1 ends with its last generation: 10:01:00 plus max(4000, 1000) ms.
    assert table.loc["s1", "first_created_at"] == first
    assert table.loc["s1", "last_end_at"] == pd.Timestamp("2026-11-01 10:01:04", tz="UTC")
    assert table.loc["s1", "wall_span_s"] == pytest.approx(64.0)
    # s2: 09:00:00 to 09:01:00 + 300 ms (latency known, generation_time not).
    assert table.loc["s2", "wall_span_s"] == pytest.approx(60.3)
    assert table["n_models"].tolist() == [2, 1]
    assert table["models"].tolist() == ["b, a", "a"]
    assert {k: str(v) for k, v in table.dtypes.items()} == {
        "generations": "Int64", "total_cost_usd": "Float64",
        "first_created_at": "datetime64[us, UTC]", "last_end_at": "datetime64[us, UTC]",
        "wall_span_s": "Float64", "n_models": "Int64", "models": "string"}


def test_sessions_of_no_session_keep_their_dtypes() -> None:
    empty = SESSIONS.assign(session_id=pd.array([None] * 6, dtype="string")).orgen.sessions()
    assert len(empty) == 0
    assert list(empty.dtypes.astype(str)) == list(SESSIONS.orgen.sessions().dtypes.astype(str))


def test_cost_summary_by_session() -> None:
    table = SESSIONS.orgen.cost_summary(by="session_id")
    assert table.index.tolist() == ["<NA>", "s1", "s2"]
    assert table["count"].tolist() == [1, 3, 2]
    assert table.loc["s1", "total_cost_usd"] == pytest.approx(0.6)


# -- against the simulator ------------------------------------------------------------------
def test_simulator_frame_matches_a_hand_count(demo_frame: pd.DataFrame, sim: Any) -> None:
    records = [sim.record(i) for i in demo_frame["id"]]
    got = demo_frame.orgen.provider_attempts()
    raw = [(r["id"], item) for r in records for item in (r.get("provider_responses") or [])]
    assert len(got) == len(raw) > len(records) * 0.5
    assert got["id"].tolist() == [i for i, _ in raw]
    keys = {k for _, item in raw for k in item}
    for key in keys:
        column = "upstream_response_id" if key == "id" else key
        values = [None if pd.isna(v) else v for v in got[column].astype(object)]
        assert values == [item.get(key) for _, item in raw], key
    fb = demo_frame.orgen.fallbacks(by=None)
    assert int(fb["fallbacks"].iloc[0]) == sum(
        1 for r in records if len(r.get("provider_responses") or []) > 1)


@pytest.mark.parametrize("form", ["list", "json"], ids=["list", "json-text"])
@pytest.mark.parametrize(
    "status",
    [1e30, 10 ** 30, -(10 ** 30), float("inf"), "1e30", "abc", 200.5, 2 ** 63],
    ids=["float-1e30", "int-10**30", "int-minus-10**30", "inf", "text-1e30", "text",
         "fraction", "int64-max-plus-1"],
)
def test_a_status_out_of_range_becomes_na_with_a_warning_naming_it(status: Any,
                                                                   form: str) -> None:
    """Issue 18, defect 6: a status of 1e30 or 10**30 raised; the documented rule is NA."""
    chain = [_item("A", 200), {**_item("B", 200), "status": status}]
    cell = chain if form == "list" else json.dumps(chain)
    frame = pd.DataFrame({"id": ["gen-1", "gen-2"],
                          "provider_responses": [cell, [_item("C", 503)]]})
    with pytest.warns(SchemaWarning, match="'status'") as caught:
        got = provider_attempts(frame)
    shown = json.loads(json.dumps(chain))[1]["status"] if form == "json" else status
    assert repr(shown) in str(caught[0].message)
    assert got["status"].tolist() == [200, pd.NA, 503]
    assert got["provider_name"].tolist() == ["A", "B", "C"]  # the attempt itself is kept
    with pytest.warns(SchemaWarning, match="'status'"):
        table = attempts.provider_summary(frame, percentiles=0.5)
    assert table.loc["B", "attempts"] == 1 and pd.isna(table.loc["B", "failure_rate"])


@pytest.mark.parametrize("form", ["list", "json"], ids=["list", "json-text"])
def test_routed_service_tier_has_the_schemas_dtype(form: str) -> None:
    """Issue 18: provider_attempts gave routed_service_tier as string; the schema: category."""
    cells = [CELL_FORMS[form](c) for c in CHAINS]
    got = provider_attempts(_frame(cells))["routed_service_tier"]
    assert got.dtype == schema.ATTEMPT_FIELDS["routed_service_tier"].dtype()
    assert got.cat.categories.tolist() == list(schema.ATTEMPT_FIELDS["routed_service_tier"].values)


def test_a_tier_outside_the_spec_is_kept_with_a_warning() -> None:
    cells = [[_item("A", 200, tier="warp-speed")], [_item("B", 200, tier="flex")]]
    with pytest.warns(SchemaWarning, match="'warp-speed'"):
        got = provider_attempts(_frame(cells + [None, None]))
    assert got["routed_service_tier"].tolist() == ["warp-speed", "flex"]
    assert "warp-speed" in got["routed_service_tier"].cat.categories


def _shapes(frame: pd.DataFrame, tmp_path: Any) -> dict[str, pd.DataFrame]:
    """The frame's provider_responses in every shape the library gives: lists of dicts,
    the Arrow list of structs, and both read back from the library's parquet."""
    from openrouter_frame.frame.io import write_frame
    from openrouter_frame.frame.nested import to_arrow

    arrow = frame.assign(provider_responses=pd.Series(
        pd.arrays.ArrowExtensionArray(to_arrow(frame["provider_responses"])),
        index=frame.index))
    path = tmp_path / "g.parquet"
    write_frame(frame, path, "parquet")
    return {"lists": frame, "arrow": arrow,
            "parquet-numpy": pd.read_parquet(path),  # NumPy arrays of struct dicts
            "parquet-arrow": pd.read_parquet(path, dtype_backend="pyarrow")}


_ODD_ITEMS = [[{"provider_name": "A", "status": "503", "latency": 40, "zone": "eu"},
               {"provider_name": "B", "status": 200, "latency": 900.0, "id": "up-1"}],
              None, [], [{"provider": "Legacy", "status": 200}]]


@pytest.mark.parametrize("odd", [False, True], ids=["official-items", "odd-items"])
def test_both_shapes_give_the_same_attempts_and_counts(odd: bool, tmp_path: Any) -> None:
    frame = sample_frame(60)[["id", "upstream_id", "model", "provider_responses"]]
    if odd:  # keys outside the spec and values of other types: the _extra child
        cells = frame["provider_responses"].tolist()
        cells[:len(_ODD_ITEMS)] = _ODD_ITEMS
        frame = frame.assign(provider_responses=pd.Series(cells, dtype=object))
    shapes = _shapes(frame, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaWarning)  # "503" as text: NA with a warning
        expected = provider_attempts(frame)
        for name, shaped in shapes.items():
            pd.testing.assert_frame_equal(provider_attempts(shaped), expected, obj=name)
            np.testing.assert_array_equal(attempt_counts(shaped), attempt_counts(frame))
            pd.testing.assert_frame_equal(fallbacks(shaped), fallbacks(frame), obj=name)
    if odd:
        assert "zone" in expected.columns and expected["zone"].iloc[0] == "eu"
