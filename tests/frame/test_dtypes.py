"""Dtypes are a function of the schema, never of the data.

The same columns and dtypes whatever the batch (1, 4, 400 or 10,000 ids, all
null, different models), either backend, the records, raw-body and cache
paths, after ``pd.concat`` and after parquet and CSV round trips; a required
field that is null gets one warning; a body with no record is a failure.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from openrouter_frame import OpenRouterClient, SchemaWarning, schema
from openrouter_frame.frame import coerce, raw_to_frame, records_to_frame
from openrouter_frame.frame.io import read_frame, write_frame
from openrouter_frame.testing import Simulator, serve

BACKENDS = pytest.mark.parametrize("backend", schema.DTYPE_BACKENDS)


def _assert_schema_dtypes(frame: pd.DataFrame, backend: str) -> None:
    assert list(frame.columns) == list(schema.COLUMNS)
    assert frame.dtypes.to_dict() == schema.dtypes(backend)


@pytest.fixture(scope="module")
def fetched(sim: Simulator) -> dict[tuple[int, str], pd.DataFrame]:
    """Frames of the first 1, 4 and 400 ids, fetched over HTTP, per backend."""
    out = {}
    with OpenRouterClient(sim.api_key, sim.base_url, cache=False) as client:
        for n in (1, 4, 400):
            for backend in schema.DTYPE_BACKENDS:
                result = client.fetch(sim.ids(n), dtype_backend=backend)
                assert result.ok
                out[n, backend] = result.frame
    return out


@BACKENDS
@pytest.mark.parametrize("n", [1, 4, 400], ids=["1-id", "4-ids", "400-ids"])
def test_fetched_frames_have_the_schemas_dtypes(fetched: dict[tuple[int, str], pd.DataFrame],
                                                n: int, backend: str) -> None:
    frame = fetched[n, backend]
    assert len(frame) == n
    _assert_schema_dtypes(frame, backend)


def test_the_400_ids_hold_every_kind_of_value(fetched: dict[tuple[int, str], pd.DataFrame]
                                              ) -> None:
    """Not a vacuous check: the big batch has values (and nulls) in the newer fields."""
    frame = fetched[400, "numpy_nullable"]
    for name in ("session_id", "request_id", "service_tier", "web_search_engine",
                 "preset_id", "router", "workspace_id", "user_agent", "http_referer",
                 "response_cache_source_id", "provider_responses", "num_fetches"):
        assert frame[name].notna().any() and frame[name].isna().any(), name
    assert set(frame["data_region"].dropna()) == {"global", "europe", "us"}


@BACKENDS
def test_cache_path_gives_the_fetched_frame(sim: Simulator, tmp_path: Path,
                                            backend: str) -> None:
    ids = sim.ids(60)
    with OpenRouterClient(sim.api_key, sim.base_url, cache=tmp_path / "c.sqlite") as client:
        first = client.fetch(ids, dtype_backend=backend).frame  # fetched, then cached
        requests = sim.stats.requests
        again = client.fetch(ids, dtype_backend=backend).frame  # raw bodies from the cache
    assert sim.stats.requests == requests
    _assert_schema_dtypes(again, backend)
    pd.testing.assert_frame_equal(again, first)


@BACKENDS
def test_10000_records_and_their_bodies(sim: Simulator, backend: str) -> None:
    records = [sim.record(i) for i in sim.ids(10_000)]
    frame = records_to_frame(records, dtype_backend=backend)
    _assert_schema_dtypes(frame, backend)
    raw = raw_to_frame([json.dumps(r).encode() for r in records], dtype_backend=backend)
    pd.testing.assert_frame_equal(raw, frame)


@BACKENDS
@pytest.mark.parametrize("n", [1, 3], ids=["one", "three"])
def test_all_null_columns_keep_their_dtypes(backend: str, n: int) -> None:
    records: list[dict[str, Any]] = [dict.fromkeys(schema.COLUMNS) | {"id": f"gen-{i}"}
                                     for i in range(n)]
    frame = records_to_frame(records, dtype_backend=backend)
    _assert_schema_dtypes(frame, backend)
    assert frame.drop(columns="id").isna().all().all()
    only_ids = records_to_frame([{"id": f"gen-{i}"} for i in range(n)], dtype_backend=backend)
    pd.testing.assert_frame_equal(only_ids, frame)
    raw = raw_to_frame([json.dumps(r).encode() for r in records], dtype_backend=backend)
    pd.testing.assert_frame_equal(raw, frame)


@BACKENDS
def test_concat_of_two_fetches_with_different_models_keeps_every_dtype(
        sim: Simulator, backend: str) -> None:
    ids = sim.ids(300)
    by_model: dict[str, list[str]] = {}
    for id in ids:
        by_model.setdefault(sim.record(id)["model"], []).append(id)
    today, tomorrow = by_model["openai/gpt-4o-mini"], by_model["anthropic/claude-sonnet-4"]
    with OpenRouterClient(sim.api_key, sim.base_url, cache=False) as client:
        first = client.fetch(today, dtype_backend=backend).frame
        second = client.fetch(tomorrow, dtype_backend=backend).frame
    assert set(first["provider_name"].dropna()).isdisjoint(set(second["provider_name"]
                                                               .dropna()))
    both = pd.concat([first, second], ignore_index=True)
    assert both.dtypes.to_dict() == first.dtypes.to_dict() == schema.dtypes(backend)
    assert list(both["model"].astype(object)) == (
        ["openai/gpt-4o-mini"] * len(today) + ["anthropic/claude-sonnet-4"] * len(tomorrow))


@BACKENDS
@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_file_round_trips_keep_dtypes_and_values(sim: Simulator, tmp_path: Path, fmt: str,
                                                 backend: str) -> None:
    frame = records_to_frame([sim.record(i) for i in sim.ids(300)], dtype_backend=backend)
    path = tmp_path / f"g.{fmt}"
    write_frame(frame, path, fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = coerce(read_frame(path, fmt), dtype_backend=backend)
    _assert_schema_dtypes(back, backend)
    pd.testing.assert_frame_equal(back, frame, check_exact=fmt == "parquet")
    # "" stays "" (168 of 503 origins are empty in a real export), NA stays NA
    assert (frame["origin"] == "").any() and frame["http_referer"].isna().any()
    assert back["origin"].eq("").tolist() == frame["origin"].eq("").tolist()
    assert back["http_referer"].isna().tolist() == frame["http_referer"].isna().tolist()
    # provider_responses: the very lists of dicts the service sent, not arrays.
    assert back["provider_responses"].tolist() == frame["provider_responses"].tolist()
    assert all(type(v) is list for v in back["provider_responses"].dropna())


@pytest.mark.parametrize(
    "text",
    ['[{"provider_name": "Azure", "status": 503, "latency": 2400, "is_byok": false}]',
     "[{'provider_name': 'Azure', 'status': 503, 'latency': 2400, 'is_byok': False}]"],
    ids=["json-text", "python-repr"],
)
def test_coerce_parses_provider_responses_text(text: str) -> None:
    back = coerce(pd.DataFrame({"id": ["gen-1", "gen-2"], "provider_responses": [text, None]}))
    assert back["provider_responses"].tolist() == [
        [{"provider_name": "Azure", "status": 503, "latency": 2400, "is_byok": False}], None]


# -- warnings and failures of a fetched batch ----------------------------------------------
def test_required_fields_null_or_missing_warn_once_per_field(sim: Simulator) -> None:
    with serve(seed=3) as s:
        ids = s.ids(20)
        bodies = s.faults.body_for  # type: ignore[misc]
        for id in ids[2:5]:
            bodies[id] = {"data": {**s.record(id), "usage": None}}
        record = s.record(ids[9])
        del record["model"]
        bodies[ids[9]] = {"data": record}
        with OpenRouterClient(s.api_key, s.base_url, cache=False) as client, \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = client.fetch(ids)
    messages = sorted(str(w.message) for w in caught if w.category is SchemaWarning)
    assert len(messages) == 2
    assert messages[0].startswith("required field 'model' is null or missing for 1 of 20 id(s)")
    assert ids[9] in messages[0]
    assert messages[1].startswith("required field 'usage' is null or missing for 3 of 20 id(s)")
    assert all(id in messages[1] for id in ids[2:5])
    assert len(result.frame) == 20  # nothing is lost


@pytest.mark.parametrize(
    "data",
    [{}, {"object": "generation", "status": "pending"}, {"id": "ECHO"}],
    ids=["empty", "unknown-keys", "only-the-id"],
)
def test_a_data_object_without_a_record_is_a_per_id_failure(data: dict[str, Any]) -> None:
    with serve(seed=4) as s:
        ids = s.ids(6)
        s.faults.body_for[ids[2]] = {"data": {k: ids[2] if v == "ECHO" else v  # type: ignore
                                              for k, v in data.items()}}
        with OpenRouterClient(s.api_key, s.base_url, cache=False) as client:
            result = client.fetch(ids)
    assert list(result.frame["id"]) == ids[:2] + ids[3:]
    row = result.failures.iloc[0]
    assert (row["id"], row["status"]) == (ids[2], 200)
    assert "no generation record in the body" in row["error"]
