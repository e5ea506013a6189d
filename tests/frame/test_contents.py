"""contents_to_frame: the content endpoint's data objects as a typed frame."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrouter_frame.frame.contents import CONTENT_COLUMNS, content_row, contents_to_frame
from tests._strategies import json_values

SPEC_EXAMPLE = {"error": None,
                "input": {"messages": [{"content": "What is the meaning of life?",
                                        "role": "user"}]},
                "output": {"completion": "The meaning of life is a philosophical question...",
                           "reasoning": None}}


def test_the_spec_example():
    df = contents_to_frame([SPEC_EXAMPLE], ids=["gen-1"])
    assert list(df.columns) == list(CONTENT_COLUMNS)
    row = df.iloc[0]
    assert row["messages"] == SPEC_EXAMPLE["input"]["messages"]
    assert row["completion"].startswith("The meaning") and bool(row["stored"])
    assert pd.isna(row["reasoning"]) and pd.isna(row["prompt"]) and pd.isna(row["extra"])


@pytest.mark.parametrize("data", [
    {"input": {}, "output": {"completion": None, "reasoning": None}, "error": None},
    {"input": None, "output": None, "error": None},
    {},
], ids=["empty-input", "nulls", "nothing"])
def test_zero_retention_is_not_stored(data):
    assert content_row(data, id="g")["stored"] is False


def test_stored_error_and_unknown_keys_are_kept_as_json_text():
    data = {"input": {"prompt": "p", "attachments": [1]}, "output": {"completion": "c",
            "refusal": "no"}, "error": {"status": 504, "previous_errors": []}, "trace": 7}
    row = content_row(data, id="g")
    assert json.loads(row["error"]) == data["error"]
    assert json.loads(row["extra"]) == {"input.attachments": [1], "output.refusal": "no",
                                        "trace": 7}


def test_ids_must_match_the_contents():
    with pytest.raises(ValueError, match="2 ids for 1 contents"):
        contents_to_frame([SPEC_EXAMPLE], ids=["a", "b"])


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["input", "output", "error", "other"]),
                       json_values | st.dictionaries(
                           st.sampled_from(["prompt", "messages", "completion", "reasoning",
                                            "x"]), json_values, max_size=4), max_size=4))
def test_any_json_object_gives_one_typed_row(data):
    df = contents_to_frame([data], ids=["gen-x"])
    assert df.shape == (1, len(CONTENT_COLUMNS))
    assert str(df["completion"].dtype) == "string" and str(df["stored"].dtype) == "boolean"
    messages = df["messages"].iloc[0]
    assert messages is None or all(isinstance(m, dict) for m in messages)
