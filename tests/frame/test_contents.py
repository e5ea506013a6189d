"""contents_to_frame: the content endpoint's data objects as a typed frame."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

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


# -- defect 4: an input or output that is not an object is kept, never read as "not stored" --
@pytest.mark.parametrize(("data", "expected"), [
    ({"input": "What is 2+2?", "output": {"completion": "4"}},
     {"prompt": "What is 2+2?", "completion": "4"}),
    ({"input": {"prompt": "p"}, "output": "The answer is 4."},
     {"prompt": "p", "completion": "The answer is 4."}),
    ({"input": "q", "output": "a", "error": None}, {"prompt": "q", "completion": "a"}),
    ({"input": [{"role": "user", "content": "hi"}, "bare"], "output": None},
     {"messages": [{"role": "user", "content": "hi"}, {"role": None, "content": "bare"}]}),
], ids=["string-input", "string-output", "both-strings", "list-input"])
def test_string_input_or_output_is_the_prompt_or_completion(data, expected):
    row = content_row(data, id="g")
    assert {k: row[k] for k in expected} == expected
    assert row["stored"] is True and row["extra"] is None


@pytest.mark.parametrize("data", [
    {"input": 42, "output": None}, {"input": {}, "output": True},
    {"input": {}, "output": ["a", "b"]},
], ids=["number-input", "bool-output", "list-output"])
def test_any_other_input_or_output_is_kept_in_extra(data):
    row = content_row(data, id="g")
    kept = {k: v for k, v in data.items() if v not in (None, {})}
    assert json.loads(row["extra"]) == kept and row["stored"] is True


def test_string_contents_over_http_reach_the_frame():
    import openrouter_frame as orf
    from tests._loopback import loopback_server, reply

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            reply(self, 200, json.dumps({"data": {"input": "the prompt",
                                                  "output": "the answer"}}).encode())

        def log_message(self, *args):
            pass

    with loopback_server(Handler) as url:
        df = orf.fetch_contents(["gen-1"], api_key="sk-test", base_url=url + "/api/v1",
                                cache=False, progress=False)
    assert df[["prompt", "completion"]].iloc[0].tolist() == ["the prompt", "the answer"]
    assert bool(df["stored"].iloc[0])
