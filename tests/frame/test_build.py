"""frame.py: records -> typed frames, for both dtype backends."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _strategies import json_values
from hypothesis import given, settings
from hypothesis import strategies as st

from openrouter_frame import SchemaWarning, schema
from openrouter_frame.frame import (
    coerce,
    empty_frame,
    failures_frame,
    kinds,
    raw_to_frame,
    records_to_frame,
)
from openrouter_frame.testing import Simulator

BACKENDS = pytest.mark.parametrize("backend", schema.DTYPE_BACKENDS)


@BACKENDS
def test_every_column_has_its_exact_dtype(sim: Simulator, backend: str) -> None:
    df = records_to_frame([sim.record(i) for i in sim.ids(300)], dtype_backend=backend)
    assert list(df.columns) == list(schema.COLUMNS)
    assert df.dtypes.to_dict() == schema.dtypes(backend)
    assert isinstance(df.index, pd.RangeIndex)


def test_values_survive_typing(sim: Simulator) -> None:
    ids = sim.ids(50)
    df = records_to_frame([sim.record(i) for i in ids])
    assert len(df) == len(ids) == 50
    for row, id in zip(df.itertuples(index=False), ids, strict=True):
        rec = sim.record(id)
        assert row.id == id
        assert math.isclose(row.total_cost, rec["total_cost"])
        assert row.model == rec["model"]
        if rec["tokens_prompt"] is None:
            assert row.tokens_prompt is pd.NA
        else:
            assert row.tokens_prompt == rec["tokens_prompt"]
        assert row.created_at == pd.Timestamp(rec["created_at"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-02-24T21:19:33.705Z", "2026-02-24 21:19:33.705+00:00"),
        ("2024-07-15T23:33:19.433273+00:00", "2024-07-15 23:33:19.433273+00:00"),
        ("2024-07-15T23:33:19+02:00", "2024-07-15 21:33:19+00:00"),
    ],
    ids=["z-millis", "offset-micros", "other-offset"],
)
def test_created_at_forms(text: str, expected: str) -> None:
    df = records_to_frame([{"id": "a", "created_at": text}])
    assert df.loc[0, "created_at"] == pd.Timestamp(expected)
    assert df["created_at"].dtype == pd.DatetimeTZDtype("us", "UTC")


def test_mixed_created_at_forms_in_one_column() -> None:
    df = records_to_frame([
        {"id": "a", "created_at": "2026-02-24T21:19:33.705Z"},
        {"id": "b", "created_at": "2024-07-15T23:33:19.433273+00:00"},
    ])
    assert df["created_at"].notna().all()


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("total_cost", "0.0012", 0.0012),
        ("latency", "350", 350.0),
        ("tokens_prompt", "42", 42),
        ("tokens_prompt", 42.0, 42),
        ("is_byok", "true", True),
        ("external_user", 17, "17"),
        ("cache_discount", -0.25, -0.25),
    ],
    ids=["str-cost", "str-latency", "str-int", "float-int", "str-bool", "int-to-str",
         "negative-discount"],
)
def test_parsable_values_are_parsed(field: str, raw: Any, expected: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = records_to_frame([{"id": "a", field: raw}])
    assert df.loc[0, field] == expected


@pytest.mark.parametrize(
    ("field", "raw"),
    [("latency", "fast"), ("tokens_prompt", 1.5), ("total_cost", [1]), ("is_byok", 3),
     ("created_at", "yesterday"), ("model", {"a": 1}), ("latency", True),
     ("total_cost", 10**400), ("tokens_prompt", 10**400)],
    ids=["word-float", "fraction-int", "list", "int-bool", "bad-date", "dict-category",
         "bool-float", "huge-int-float", "huge-int-int"],
)
def test_impossible_values_become_na_with_one_warning(field: str, raw: Any) -> None:
    with pytest.warns(SchemaWarning, match=f"field '{field}'.*'gen-x'") as record:
        df = records_to_frame([{"id": "gen-x", field: raw}, {"id": "gen-y", field: raw}])
    assert len([w for w in record if issubclass(w.category, SchemaWarning)]) == 1
    assert df[field].isna().all()


@BACKENDS
def test_api_type_values_beyond_spec_are_kept_with_one_warning(backend: str) -> None:
    records = [{"id": f"gen-{i}", "api_type": t} for i, t in
               enumerate(["completions", "batch", "image", None, "batch"])]
    with pytest.warns(SchemaWarning, match=r"'api_type': 2 value\(s\) outside the spec's set"
                      r".*\['batch'\].*'gen-1', 'gen-4'") as caught:
        df = records_to_frame(records, dtype_backend=backend)
    assert len(caught) == 1
    assert list(df["api_type"].astype(object).fillna("NA")) == [
        "completions", "batch", "image", "NA", "batch"]
    if backend == "numpy_nullable":  # the spec's categories, then the new one
        assert list(df["api_type"].cat.categories) == [*schema.FIELDS["api_type"].values,
                                                       "batch"]
    with pytest.warns(SchemaWarning, match="outside the spec's set"):
        raw = raw_to_frame([json.dumps(r).encode() for r in records], dtype_backend=backend)
    pd.testing.assert_frame_equal(raw, df)


def test_extra_fields_are_kept_after_schema_columns() -> None:
    df = records_to_frame([
        {"id": "a", "cost_details": {"upstream": 0.1}, "billing_region": "us"},
        {"id": "b", "tier_v2": "flex", "billing_region": None},
    ])
    assert list(df.columns[len(schema.COLUMNS):]) == ["cost_details", "billing_region",
                                                      "tier_v2"]
    assert df.loc[0, "cost_details"] == {"upstream": 0.1}
    assert df.loc[1, "billing_region"] is None and df.loc[0, "tier_v2"] is None


_EXTRA_BATCHES = [
    pytest.param(["us", "eu", "us", "us"], id="repeats"),
    pytest.param(["a", "b", "c", "a"], id="mostly-distinct"),
    pytest.param([None, None, None, None], id="all-null"),
    pytest.param([1, 2, None, 4], id="ints"),
    pytest.param([1, 2.5, None, True], id="mixed"),
    pytest.param([[1], {"a": None}, None, "x"], id="nested"),
]


@BACKENDS
@pytest.mark.parametrize("values", _EXTRA_BATCHES)
def test_extra_fields_are_object_columns_of_the_json_values(backend: str,
                                                            values: list[Any]) -> None:
    """One rule whatever the batch: the values exactly as json.loads gives them."""
    records = [{"id": str(i), "future_field": v} for i, v in enumerate(values)]
    df = records_to_frame(records, dtype_backend=backend)
    assert df["future_field"].dtype == object
    assert df["future_field"].tolist() == values
    bodies = [json.dumps(r).encode() for r in records]
    pd.testing.assert_frame_equal(raw_to_frame(bodies, dtype_backend=backend), df)


@BACKENDS
def test_empty_frame_has_all_typed_columns(backend: str) -> None:
    df = empty_frame(backend)
    assert df.shape == (0, 45)
    assert list(df.columns) == list(schema.COLUMNS)
    assert str(df["total_cost"].dtype) in ("Float64", "double[pyarrow]")


@BACKENDS
def test_parquet_round_trip_keeps_every_dtype(sim: Simulator, tmp_path: Path,
                                              backend: str) -> None:
    df = records_to_frame([sim.record(i) for i in sim.ids(200)], dtype_backend=backend)
    path = tmp_path / "g.parquet"
    df.to_parquet(path)
    back = coerce(pd.read_parquet(path, dtype_backend=backend))
    _assert_same_after_plain_parquet(back, df)


def _assert_same_after_plain_parquet(back: pd.DataFrame, df: pd.DataFrame) -> None:
    """Equal, but Arrow's list of structs gives each dict every other item's keys (null);
    under ``pyarrow`` the column is that list of structs already, and comes back equal."""
    if isinstance(df["provider_responses"].dtype, pd.ArrowDtype):
        pd.testing.assert_frame_equal(back, df)
        return
    pd.testing.assert_frame_equal(back.drop(columns="provider_responses"),
                                  df.drop(columns="provider_responses"))
    assert back["provider_responses"].dtype == object
    for got, sent in zip(back["provider_responses"], df["provider_responses"], strict=True):
        assert (got is None) == (sent is None)
        if sent is not None:
            assert type(got) is list and len(got) == len(sent)
            for g, s in zip(got, sent, strict=True):
                assert type(g) is dict and {k: v for k, v in g.items() if k in s} == s
                assert all(g[k] is None for k in g.keys() - s.keys())


def test_parquet_round_trip_without_dtype_backend_argument(sim: Simulator,
                                                           tmp_path: Path) -> None:
    df = records_to_frame([sim.record(i) for i in sim.ids(100)])
    df.to_parquet(tmp_path / "g.parquet")
    _assert_same_after_plain_parquet(coerce(pd.read_parquet(tmp_path / "g.parquet")), df)


def test_coerce_restores_dtypes_after_csv(sim: Simulator, tmp_path: Path) -> None:
    df = records_to_frame([sim.record(i) for i in sim.ids(100)])
    df.to_csv(tmp_path / "g.csv", index=False)  # provider_responses as Python's repr
    back = coerce(pd.read_csv(tmp_path / "g.csv"))
    assert back.dtypes.to_dict() == df.dtypes.to_dict()
    # CSV cannot tell an empty string from a missing value.
    expected = df.replace({"origin": {"": pd.NA}, "external_user": {"": pd.NA}})
    pd.testing.assert_frame_equal(back, expected, check_categorical=False, check_exact=False)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("text", ["123", "null", "[1]", "1e5", "true"],
                         ids=["int", "null", "list", "float", "bool"])
def test_text_inside_an_attempt_stays_text_after_a_round_trip(tmp_path: Path, fmt: str,
                                                               text: str) -> None:
    attempts = [[{"provider_name": "P", "status": 200, "id": text, "endpoint_id": "e"}], None]
    df = records_to_frame([{"id": "gen-1", "provider_responses": attempts[0]},
                           {"id": "gen-2", "provider_responses": attempts[1]}])
    path = tmp_path / f"g.{fmt}"
    if fmt == "parquet":
        df.to_parquet(path)
        back = coerce(pd.read_parquet(path))
    else:
        df.to_csv(path, index=False)
        back = coerce(pd.read_csv(path))
    assert back["provider_responses"].tolist() == attempts


def test_coerce_leaves_typed_frame_alone(sim: Simulator) -> None:
    df = records_to_frame([sim.record(i) for i in sim.ids(5)])
    assert coerce(df) is df


def test_failures_frame_dtypes() -> None:
    f = failures_frame([("a", 404, "not found"), ("b", None, "ConnectionError")])
    assert list(f.columns) == ["id", "status", "error"]
    assert f["status"].dtype == pd.Int64Dtype()
    assert f.loc[1, "status"] is pd.NA


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries({}, optional={n: json_values for n in schema.COLUMNS}),
                min_size=1, max_size=5))
def test_random_json_never_breaks_the_parser(records: list[dict[str, Any]]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaWarning)
        df = records_to_frame(records)
        arrow = records_to_frame(records, dtype_backend="pyarrow")
    assert len(df) == len(records) == len(arrow)
    for name, expected in schema.dtypes().items():
        assert kinds.dtype_matches(df[name].dtype, expected), name
    for i, rec in enumerate(records):
        value = rec.get("total_cost")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and \
                math.isfinite(float(value)):
            assert df.loc[i, "total_cost"] == float(value)
        if value is None:
            assert df.loc[i, "total_cost"] is pd.NA
    na_numpy = df[list(schema.COLUMNS)].isna().to_numpy()
    na_arrow = arrow[list(schema.COLUMNS)].isna().to_numpy()
    assert np.array_equal(na_numpy, na_arrow)


@pytest.mark.parametrize(
    "read",
    [lambda p: pd.read_json(p, lines=True),
     lambda p: pd.read_json(p, lines=True).assign(
         created_at=lambda d: pd.to_datetime(d["created_at"], format="ISO8601"))],
    ids=["json-lines", "json-lines-dates"],
)
def test_coerce_restores_dtypes_after_json(sim: Simulator, tmp_path: Path, read: Any) -> None:
    df = records_to_frame([sim.record(i) for i in sim.ids(100)])
    df.to_json(tmp_path / "g.jsonl", orient="records", lines=True, date_format="iso",
               date_unit="us")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = coerce(read(tmp_path / "g.jsonl"))
    assert dict(back.dtypes.astype(str)) == dict(df.dtypes.astype(str))
    pd.testing.assert_series_equal(back["created_at"], df["created_at"])
    pd.testing.assert_series_equal(back["is_byok"], df["is_byok"])


@pytest.mark.parametrize(
    ("values", "expected"),
    [(pd.Series(pd.to_datetime(["2026-01-01 12:00"]).tz_localize("Europe/Paris")),
      pd.Timestamp("2026-01-01 11:00", tz="UTC")),
     (pd.Series(pd.to_datetime(["2026-01-01 12:00"])), pd.Timestamp("2026-01-01 12:00",
                                                                     tz="UTC"))],
    ids=["other-zone", "naive-as-utc"],
)
def test_coerce_converts_parsed_datetimes_to_utc(values: pd.Series, expected: Any) -> None:
    back = coerce(pd.DataFrame({"id": ["a"], "created_at": values}))
    assert back["created_at"].dtype == pd.DatetimeTZDtype("us", "UTC")
    assert back.loc[0, "created_at"] == expected
