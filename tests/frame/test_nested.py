"""provider_responses as an Arrow list of structs: nothing the service sends is lost, on
every path (records, raw bodies, write_frame, coerce of a read-back), odd cells included."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrouter_frame import schema
from openrouter_frame.errors import SchemaWarning
from openrouter_frame.frame import coerce, raw_to_frame, records_to_frame
from openrouter_frame.frame.io import read_frame, write_frame
from openrouter_frame.frame.nested import to_arrow, to_cells
from openrouter_frame.testing import Simulator
from tests._strategies import json_values

BACKENDS = pytest.mark.parametrize("backend", schema.DTYPE_BACKENDS)

_OK = {"provider_name": "Azure", "status": 503, "latency": 2465.0, "endpoint_id": "ep_1",
       "model_permaslug": "openai/gpt-4o-2026-01-01", "is_byok": False}
#: Cells the typed children alone cannot hold: each must come back as sent.
ODD = {
    "clean": [[_OK, {**_OK, "status": 200, "id": "up-1", "routed_service_tier": "flex"}]],
    "key-outside-the-spec": [[{**_OK, "region": "eu", "cost": {"usd": 0.1}}]],
    "string-status": [[{**_OK, "status": "503"}]],
    "float-status": [[{**_OK, "status": 200.0}]],
    "bool-latency": [[{**_OK, "latency": True}]],
    "int-latency": [[{**_OK, "latency": 610}]],
    "huge-status": [[{**_OK, "status": 10 ** 30}]],
    "null-status": [[{**_OK, "status": None}]],
    "number-as-provider": [[{**_OK, "provider_name": 42}]],
    "unknown-tier": [[{**_OK, "routed_service_tier": "turbo"}]],
    "item-not-an-object": [[7, "x", None, [1, 2], _OK]],
    "empty-list-and-null": [[{"status": None}], [], None],
    "key-named-extra": [[{**_OK, "_extra": "mine"}]],
    "unicode": [[{**_OK, "provider_name": "Été\u2028", "zone": "日本"}]],
}


def _records(cells: list[Any]) -> list[dict[str, Any]]:
    return [{"id": f"gen-{i}", "provider_responses": c} for i, c in enumerate(cells)]


def _arrow_cells(frame: pd.DataFrame) -> list[Any]:
    column = frame["provider_responses"]
    assert column.dtype == pd.ArrowDtype(schema.ATTEMPTS_TYPE)
    return to_cells(pa.chunked_array(column.array._pa_array))


@pytest.mark.parametrize("case", list(ODD), ids=list(ODD))
def test_every_path_gives_the_cells_as_sent(case: str) -> None:
    cells = ODD[case]
    records = _records(cells)
    assert to_cells(to_arrow(cells)) == cells
    fresh = records_to_frame(records, dtype_backend="pyarrow")
    raw = raw_to_frame([json.dumps(r).encode() for r in records], dtype_backend="pyarrow")
    pd.testing.assert_frame_equal(raw, fresh)
    assert _arrow_cells(fresh) == cells
    assert records_to_frame(records)["provider_responses"].tolist() == cells  # numpy: as sent


@pytest.mark.parametrize("case", list(ODD), ids=list(ODD))
@BACKENDS
def test_write_frame_stores_a_list_of_structs_and_reads_back_as_sent(
        case: str, backend: str, tmp_path: Path) -> None:
    cells = ODD[case]
    frame = records_to_frame(_records(cells), dtype_backend=backend)
    path = tmp_path / "g.parquet"
    write_frame(frame, path, "parquet")
    assert pq.read_schema(path).field("provider_responses").type == schema.ATTEMPTS_TYPE
    back = coerce(read_frame(path, "parquet"), dtype_backend="numpy_nullable")
    assert back["provider_responses"].tolist() == cells
    arrow = coerce(pd.read_parquet(path, dtype_backend="pyarrow"), dtype_backend="pyarrow")
    assert _arrow_cells(arrow) == cells


@pytest.mark.parametrize("backend", ["records", "raw"])
def test_null_and_absent_are_one_state_for_the_spec_keys(backend: str) -> None:
    # the one thing a struct child cannot tell: a never-null key sent as null reads back
    # absent, and status (required, nullable) absent reads back as null
    cells = [[{"provider_name": "A", "latency": None}, {}], [{**_OK, "id": None}]]
    expected = [[{"provider_name": "A", "status": None}, {"status": None}], [_OK]]
    records = _records(cells)
    frame = records_to_frame(records, dtype_backend="pyarrow") if backend == "records" else \
        raw_to_frame([json.dumps(r).encode() for r in records], dtype_backend="pyarrow")
    assert _arrow_cells(frame) == expected


_ITEM_KEYS = st.sampled_from([*schema.ATTEMPT_FIELDS, "provider", "zone", "_extra"])
_VALUES = st.one_of(json_values, st.sampled_from(["OpenAI", 200, 429, 610.5, True]))
_ITEMS = st.one_of(st.dictionaries(_ITEM_KEYS, _VALUES, max_size=5), json_values)
_CELLS = st.lists(st.none() | st.lists(_ITEMS, max_size=3), min_size=1, max_size=6)


_NEVER_NULL = {name for name, f in schema.ATTEMPT_FIELDS.items() if not f.nullable}


def _status_filled(cell: Any) -> Any:
    """What a cell comes back as: in a dict item, ``status`` absent is ``None``, and a
    never-null key sent as ``None`` is absent."""
    if cell is None:
        return None
    return [{"status": None, **{k: v for k, v in item.items()
                                if v is not None or k not in _NEVER_NULL}}
            if isinstance(item, dict) else item for item in cell]


@given(cells=_CELLS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_json_in_any_cell_survives_every_path(cells: list[Any]) -> None:
    expected = [_status_filled(c) for c in cells]
    assert to_cells(to_arrow(cells)) == expected
    records = _records(cells)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaWarning)  # numbers of other types elsewhere
        fresh = records_to_frame(records, dtype_backend="pyarrow")
        raw = raw_to_frame([json.dumps(r).encode() for r in records], dtype_backend="pyarrow")
    pd.testing.assert_frame_equal(raw, fresh)
    assert _arrow_cells(fresh) == expected


@pytest.mark.parametrize("cell", [{"status": 200}, "text", 7], ids=["object", "text", "number"])
def test_a_cell_that_is_not_a_list_keeps_python_objects_with_a_warning(
        cell: Any, tmp_path: Path) -> None:
    cells = [[_OK], cell]
    with pytest.warns(SchemaWarning, match=r"1 cell\(s\) are not lists.*'gen-1'"):
        frame = records_to_frame(_records(cells), dtype_backend="pyarrow")
    assert frame["provider_responses"].dtype == object
    assert frame["provider_responses"].tolist() == cells
    path = tmp_path / "g.parquet"
    with pytest.warns(SchemaWarning, match="written as JSON text"):
        write_frame(frame, path, "parquet")
    back = coerce(read_frame(path, "parquet"), dtype_backend="numpy_nullable")
    assert back["provider_responses"].tolist() == cells


@BACKENDS
def test_json_text_files_of_older_versions_still_read_back(backend: str, tmp_path: Path,
                                                           sim: Simulator) -> None:
    records = [sim.record(i) for i in sim.ids(50)]
    frame = records_to_frame(records)
    old = frame.assign(provider_responses=[None if c is None else json.dumps(c)
                                           for c in frame["provider_responses"]])
    path = tmp_path / "old.parquet"
    old.to_parquet(path, index=False)
    back = coerce(read_frame(path, "parquet"), dtype_backend=backend)
    sent = [r["provider_responses"] for r in records]
    if backend == "pyarrow":
        assert _arrow_cells(back) == sent
    else:
        assert back["provider_responses"].tolist() == sent


def test_a_pyarrow_frame_reads_back_with_no_conversion(sim: Simulator, tmp_path: Path) -> None:
    frame = records_to_frame([sim.record(i) for i in sim.ids(50)], dtype_backend="pyarrow")
    path = tmp_path / "g.parquet"
    write_frame(frame, path, "parquet")
    back = pd.read_parquet(path, dtype_backend="pyarrow")
    assert back["provider_responses"].dtype == frame["provider_responses"].dtype
    typed = coerce(back)
    assert typed["provider_responses"].array is back["provider_responses"].array  # kept
    pd.testing.assert_frame_equal(typed, frame)
