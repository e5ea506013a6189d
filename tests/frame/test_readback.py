"""Frames that come back: concatenated batches, parquet and CSV read-backs, then ``coerce``.

The rules are in :mod:`openrouter_frame.schema` (*Values outside a closed
set*) and :func:`openrouter_frame.frame.coerce` (what each read-back gives).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from openrouter_frame import OpenRouterClient, SchemaWarning, schema
from openrouter_frame.frame import coerce, records_to_frame
from openrouter_frame.frame.io import CSV_READ_OPTIONS, read_frame, write_frame
from openrouter_frame.frame.nested import to_cells
from openrouter_frame.testing import Simulator

BACKENDS = pytest.mark.parametrize("backend", schema.DTYPE_BACKENDS)
CLOSED = schema.names(kind="category")


def _values(column: pd.Series) -> list[Any]:
    """The column's values as Python objects, every missing one as ``None``."""
    return [None if schema.is_na(v) else v for v in column.astype(object).tolist()]


def _records(sim: Simulator, n: int, start: int = 0) -> list[dict[str, Any]]:
    return [sim.record(i) for i in sim.ids(n, start=start)]


def _fresh_fetch(sim: Simulator, n: int, backend: str) -> pd.DataFrame:
    with OpenRouterClient(sim.api_key, sim.base_url, cache=False) as client:
        result = client.fetch(sim.ids(n, start=900), dtype_backend=backend)
    assert result.ok
    return result.frame


@BACKENDS
def test_concat_with_a_batch_holding_a_newer_api_type_keeps_the_dtype(
        sim: Simulator, backend: str) -> None:
    """``decisions`` (the official SDK's) is in the closed set: no warning, one dtype."""
    newer = [dict(r, api_type="decisions") for r in _records(sim, 3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SchemaWarning)
        first = records_to_frame(newer, dtype_backend=backend)
    second = records_to_frame(_records(sim, 20, start=3), dtype_backend=backend)
    both = pd.concat([first, second], ignore_index=True)
    assert both["api_type"].dtype == first["api_type"].dtype == schema.dtype("api_type",
                                                                              backend)
    assert _values(both["api_type"])[:3] == ["decisions"] * 3
    assert both.dtypes.to_dict() == schema.dtypes(backend)


@BACKENDS
@pytest.mark.parametrize("order", ["outside-first", "outside-last"])
def test_concat_with_a_value_outside_the_closed_set_keeps_every_value(
        sim: Simulator, backend: str, order: str) -> None:
    odd = [dict(r, api_type="zz-new") for r in _records(sim, 2)]
    with pytest.warns(SchemaWarning, match="outside the spec's set"):
        outside = records_to_frame(odd, dtype_backend=backend)
    plain = records_to_frame(_records(sim, 10, start=2), dtype_backend=backend)
    parts = [outside, plain] if order == "outside-first" else [plain, outside]
    both = pd.concat(parts, ignore_index=True)
    expected = [v for p in parts for v in _values(p["api_type"])]
    assert "zz-new" in expected
    assert _values(both["api_type"]) == expected  # every value
    if backend == "pyarrow":  # one Arrow dictionary type whatever the values
        assert both["api_type"].dtype == schema.dtype("api_type", "pyarrow")
    if backend == "pyarrow":  # already the schema's type: nothing to re-type, no warning
        typed = coerce(both, dtype_backend=backend)
    else:
        with pytest.warns(SchemaWarning, match="outside the spec's set"):
            typed = coerce(both, dtype_backend=backend)
    assert _values(typed["api_type"]) == expected
    if backend == "pyarrow":
        assert typed["api_type"].dtype == schema.dtype("api_type", "pyarrow")
    else:  # the closed set, then the outside values sorted: the same whatever the order
        assert typed["api_type"].dtype == pd.CategoricalDtype(
            [*schema.FIELDS["api_type"].values, "zz-new"])


def test_coerce_sorts_the_values_outside_a_closed_set() -> None:
    spec = list(schema.FIELDS["data_region"].values)
    column = pd.Series(pd.Categorical(["mars", "us", "venus"],
                                      categories=[*spec, "venus", "mars"]))
    with pytest.warns(SchemaWarning):
        typed = coerce(pd.DataFrame({"data_region": column}), dtype_backend="numpy_nullable")
    assert list(typed["data_region"].cat.categories) == [*spec, "mars", "venus"]
    assert typed["data_region"].tolist() == ["mars", "us", "venus"]


def _pandas_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)


def _library_parquet(frame: pd.DataFrame, path: Path) -> None:
    write_frame(frame, path, "parquet")


WRITERS = pytest.mark.parametrize("write", [_pandas_parquet, _library_parquet],
                                  ids=["df.to_parquet", "write_frame"])


@WRITERS
def test_numpy_frame_read_back_with_the_pyarrow_backend_coerces_to_the_schema(
        sim: Simulator, tmp_path: Path, write: Any) -> None:
    frame = records_to_frame(_records(sim, 60))
    path = tmp_path / "g.parquet"
    write(frame, path)
    back = pd.read_parquet(path, dtype_backend="pyarrow")
    assert any(pa.types.is_dictionary(back[n].dtype.pyarrow_dtype)
               and back[n].dtype != schema.dtype(n, "pyarrow") for n in CLOSED)  # int8 keys
    typed = coerce(back)
    assert typed.dtypes.to_dict() == schema.dtypes("pyarrow")
    both = pd.concat([typed, _fresh_fetch(sim, 5, "pyarrow")], ignore_index=True)
    assert both.dtypes.to_dict() == schema.dtypes("pyarrow")
    for name in CLOSED:
        assert _values(both[name])[:60] == _values(frame[name])


@BACKENDS
@WRITERS
def test_parquet_read_back_gives_the_cells_as_sent(sim: Simulator, tmp_path: Path,
                                                   backend: str, write: Any) -> None:
    records = _records(sim, 503)
    frame = records_to_frame(records)
    assert any(len(set(map(frozenset, r["provider_responses"] or []))) > 1 for r in records)
    path = tmp_path / "g.parquet"
    write(frame, path)
    back = coerce(pd.read_parquet(path, dtype_backend=backend))
    column = back["provider_responses"]
    if backend == "pyarrow":  # the list of structs, decoded by its one reader
        assert column.dtype == pd.ArrowDtype(schema.ATTEMPTS_TYPE)
        cells = to_cells(pa.chunked_array(column.array._pa_array))
    else:
        cells = column.tolist()
    assert len(cells) == len(records)
    for cell, record in zip(cells, records, strict=True):  # keys absent stay absent
        assert cell == record["provider_responses"], record["id"]


def test_a_null_status_read_back_from_a_struct_stays_null(tmp_path: Path) -> None:
    sent = [[{"status": None, "provider_name": "Azure"}, {"status": 200, "latency": 900}]]
    frame = pd.DataFrame({"id": ["gen-1"], "provider_responses": sent})
    frame.to_parquet(tmp_path / "g.parquet")
    back = coerce(pd.read_parquet(tmp_path / "g.parquet"))
    assert back["provider_responses"].tolist() == sent


@BACKENDS
def test_pandas_read_csv_with_the_documented_options_keeps_empty_strings(
        sim: Simulator, tmp_path: Path, backend: str) -> None:
    frame = records_to_frame(_records(sim, 503), dtype_backend=backend)
    empty = frame["origin"].eq("").fillna(False)
    assert empty.sum() > 100
    path = tmp_path / "g.csv"
    write_frame(frame, path, "csv")
    for back in (coerce(pd.read_csv(path, **CSV_READ_OPTIONS), dtype_backend=backend),
                 coerce(read_frame(path, "csv"), dtype_backend=backend)):
        assert back["origin"].eq("").fillna(False).tolist() == empty.tolist()
        assert back["origin"].isna().tolist() == frame["origin"].isna().tolist()
        assert back["http_referer"].isna().tolist() == frame["http_referer"].isna().tolist()
    plain = pd.read_csv(path)  # pandas' default: both "" and <NA> are missing
    assert plain["origin"].isna().sum() == empty.sum() + frame["origin"].isna().sum()
