"""Activity items and pricing objects as typed frames (frame/account.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import pytest

from openrouter_frame import schema
from openrouter_frame.errors import ResponseError
from openrouter_frame.frame.account import (
    ACTIVITY_COLUMNS,
    PRICE_COLUMNS,
    PRICE_KEYS,
    activity_frame,
    price_row,
    prices_frame,
)

ITEM = {"date": "2026-11-19", "model": "openai/gpt-4o",
        "model_permaslug": "openai/gpt-4o-2024-08-06", "endpoint_id": "ep_1",
        "provider_name": "OpenAI", "usage": 0.5, "byok_usage_inference": 0.0, "requests": 3,
        "prompt_tokens": 100, "completion_tokens": 20, "reasoning_tokens": 0}

EXPECTED = {
    "numpy_nullable": {"date": "datetime64[us]", "requests": "Int64", "usage": "Float64"},
    "pyarrow": {"date": "date32[day][pyarrow]", "requests": "int64[pyarrow]",
                "usage": "double[pyarrow]"},
}


@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
def test_activity_dtypes(backend: str) -> None:
    df = activity_frame([ITEM, ITEM | {"date": "2026-11-18"}], dtype_backend=backend)
    assert tuple(df.columns) == ACTIVITY_COLUMNS
    for name, dtype in EXPECTED[backend].items():
        assert str(df[name].dtype) == dtype, name
    for name in ("model", "model_permaslug", "provider_name", "endpoint_id", "workspace_id"):
        assert df[name].dtype == schema.kind_dtype("string", backend), name
    assert df["workspace_id"].isna().all()
    if backend == "numpy_nullable":
        assert df["date"].tolist() == [pd.Timestamp("2026-11-19"), pd.Timestamp("2026-11-18")]
    else:
        assert df["date"].tolist() == [dt.date(2026, 11, 19), dt.date(2026, 11, 18)]


def test_an_empty_activity_keeps_its_columns_and_dtypes() -> None:
    df = activity_frame([])
    assert tuple(df.columns) == ACTIVITY_COLUMNS and len(df) == 0
    assert str(df["requests"].dtype) == "Int64" and str(df["date"].dtype) == "datetime64[us]"


def test_workspace_fill_and_extra_fields_are_kept() -> None:
    df = activity_frame([ITEM | {"new_field": {"a": 1}}], workspace_id="ws-1")
    assert df["workspace_id"].tolist() == ["ws-1"]
    assert list(df.columns)[-1] == "new_field" and df["new_field"].iloc[0] == {"a": 1}
    given = activity_frame([ITEM | {"workspace_id": "ws-2"}], workspace_id="ws-1")
    assert given["workspace_id"].tolist() == ["ws-2"]


BAD = [
    ({"requests": "3"}, "requests is '3', not a whole number"),
    ({"requests": 2.5}, "requests is 2.5, not a whole number"),
    ({"requests": True}, "requests is True"),
    ({"usage": "0.5"}, "usage is '0.5', not a finite number"),
    ({"usage": float("inf")}, "usage is inf"),
    ({"model": 7}, "model is 7, not a string"),
    ({"date": "19/11/2026"}, "not a YYYY-MM-DD day"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m.split(",")[0] for _, m in BAD])
def test_a_bad_value_is_an_error_naming_it(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ResponseError, match="item 1") as info:
        activity_frame([ITEM, ITEM | change])
    assert message in str(info.value)


def test_a_missing_field_is_an_error_naming_it() -> None:
    item = {k: v for k, v in ITEM.items() if k != "usage"}
    with pytest.raises(ResponseError, match="item 0 lacks usage"):
        activity_frame([item])


PRICING = {"prompt": "0.0000025", "completion": "0.00001", "request": "0",
           "input_cache_read": "0.00000125", "discount": 0.1,
           "overrides": [{"min_prompt_tokens": 200000, "prompt": "0.000005"}],
           "future_key": "0.5"}


@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
def test_price_table(backend: str) -> None:
    rows = [price_row("openai/gpt-4o", PRICING, level="model", where="test"),
            price_row("openai/gpt-4o", {"prompt": "0.000003", "completion": "0.00001"},
                      level="endpoint", where="test", provider_name="Azure",
                      endpoint_tag="azure")]
    df = prices_frame(rows, as_of=dt.date(2026, 12, 5), dtype_backend=backend)
    assert tuple(df.columns) == (*PRICE_COLUMNS, "future_key")
    float_dtype = "Float64" if backend == "numpy_nullable" else "double[pyarrow]"
    for name in (*PRICE_KEYS, "discount", "future_key"):
        assert str(df[name].dtype) == float_dtype, name
    for name in ("model", "level", "provider_name", "endpoint_tag", "overrides"):
        assert df[name].dtype == schema.kind_dtype("string", backend), name
    assert df["prompt"].tolist() == [2.5e-06, 3e-06]
    assert df["image"].isna().all() and df["discount"].iloc[0] == 0.1
    assert json.loads(df["overrides"].iloc[0]) == PRICING["overrides"]
    assert pd.isna(df["overrides"].iloc[1]) and pd.isna(df["provider_name"].iloc[0])
    assert df.attrs["as_of"] == "2026-12-05"
    assert df["future_key"].tolist()[0] == 0.5


@pytest.mark.parametrize("value", ["free", "nan", True, [1]],
                         ids=["text", "nan-text", "bool", "list"])
def test_a_price_that_is_not_a_number_is_an_error(value: Any) -> None:
    with pytest.raises(ResponseError, match="pricing.prompt"):
        price_row("m/x", {"prompt": value, "completion": "0"}, level="model", where="test")


def test_pricing_that_is_not_an_object_is_an_error() -> None:
    with pytest.raises(ResponseError, match="'pricing' of 'm/x' is not an object"):
        price_row("m/x", None, level="model", where="test")
