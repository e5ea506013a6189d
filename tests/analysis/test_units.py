"""Units as text: money, ms, tokens, counts, flags, dates, ordinals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openrouter_frame import schema
from openrouter_frame.analysis import units as fmt

NA_VALUES = [None, float("nan"), np.nan, pd.NA, pd.NaT, np.datetime64("NaT")]
NA_IDS = ["None", "float-nan", "np-nan", "pd-NA", "NaT", "np-NaT"]


@pytest.mark.parametrize("value", NA_VALUES, ids=NA_IDS)
@pytest.mark.parametrize("func", [fmt.format_usd, fmt.format_ms, fmt.format_tokens,
                                  fmt.format_count, fmt.format_bool, fmt.format_datetime,
                                  fmt.format_relative, fmt.format_other, fmt.ordinal],
                         ids=lambda f: f.__name__)
def test_missing_values_are_an_em_dash(func, value):
    assert func(value) == "\u2014"


@pytest.mark.parametrize("value", [0, 0.0, "", False, "—x"], ids=["0", "0.0", "empty", "False",
                                                                  "text"])
def test_present_values_are_not_na(value):
    assert not schema.is_na(value)


@pytest.mark.parametrize(("value", "text"), [
    (0.000345, "$0.000345"),
    (0.00034512, "$0.000345"),
    (0.0003, "$0.0003"),
    (0.0345, "$0.0345"),
    (0.5, "$0.50"),
    (0.99999, "$1.00"),
    (1, "$1.00"),
    (1234.567, "$1,234.57"),
    (0, "$0.00"),
    (-0.0000123, "-$0.0000123"),
    (-2.5, "-$2.50"),
    (1e-9, "$0.000000001"),
    (np.float64(0.0012), "$0.0012"),
], ids=["issue-example", "rounded-3-sig", "trailing-zeros", "cents-fraction", "half",
        "rounds-up-to-1", "one", "thousands", "zero", "negative-small", "negative",
        "tiny", "numpy-float"])
def test_format_usd(value, text):
    assert fmt.format_usd(value) == text


@pytest.mark.parametrize(("ms", "text"), [
    (0, "0 ms"),
    (4.5, "4.5 ms"),
    (345, "345 ms"),
    (345.6, "346 ms"),
    (999.4, "999 ms"),
    (999.6, "1.00 s"),
    (1020, "1.02 s"),
    (9999, "10.0 s"),
    (12345, "12.3 s"),
    (59990, "1 min 00 s"),
    (125000, "2 min 05 s"),
    (3.9e6, "1 h 05 min"),
], ids=["zero", "sub-10ms", "ms", "ms-rounded", "just-under-1s", "rounds-to-1s",
        "issue-example", "rounds-to-10s", "tens-of-seconds", "rounds-to-a-minute",
        "minutes", "hours"])
def test_format_ms(ms, text):
    assert fmt.format_ms(ms) == text


@pytest.mark.parametrize(("n", "text"), [(12345, "12,345 tokens"), (1, "1 token"),
                                         (0, "0 tokens"), (np.int64(7), "7 tokens")],
                         ids=["issue-example", "singular", "zero", "numpy-int"])
def test_format_tokens(n, text):
    assert fmt.format_tokens(n) == text


NOW = pd.Timestamp("2025-03-10T12:00:00Z")


@pytest.mark.parametrize(("when", "text"), [
    (NOW, "just now"),
    (NOW - pd.Timedelta(seconds=1), "1 second ago"),
    (NOW - pd.Timedelta(seconds=59), "59 seconds ago"),
    (NOW - pd.Timedelta(minutes=5), "5 minutes ago"),
    (NOW - pd.Timedelta(hours=1, minutes=59), "1 hour ago"),
    (NOW - pd.Timedelta(days=3), "3 days ago"),
    (NOW - pd.Timedelta(days=65), "2 months ago"),
    (NOW - pd.Timedelta(days=800), "2 years ago"),
    (NOW + pd.Timedelta(hours=2), "in 2 hours"),
    (pd.Timestamp("2025-03-10T11:00:00"), "1 hour ago"),
    ("2025-03-10T11:59:30+00:00", "30 seconds ago"),
], ids=["now", "second", "seconds", "minutes", "hour-floored", "days", "months", "years",
        "future", "naive-is-utc", "iso-string"])
def test_format_relative(when, text):
    assert fmt.format_relative(when, NOW) == text


def test_format_datetime_shows_absolute_utc_and_relative():
    when = pd.Timestamp("2025-03-10T13:00:00+01:00")  # 12:00 UTC
    assert fmt.format_datetime(when, NOW + pd.Timedelta(days=1)) == \
        "2025-03-10 12:00:00 UTC (1 day ago)"


def test_format_relative_defaults_to_the_current_time():
    assert fmt.format_relative(pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=2)) == "2 days ago"


@pytest.mark.parametrize(("name", "value", "text"), [
    ("total_cost", 0.000345, "$0.000345"),
    ("cache_discount", -0.0001, "-$0.0001"),
    ("latency", 1020.0, "1.02 s"),
    ("tokens_prompt", 12345, "12,345 tokens"),
    ("num_media_prompt", 2, "2"),
    ("streamed", False, "no"),
    ("is_byok", True, "yes"),
    ("model", "openai/gpt-4o", "openai/gpt-4o"),
    ("app_id", 42, "42"),
    ("created_at", NOW - pd.Timedelta(hours=3), "2025-03-10 09:00:00 UTC (3 hours ago)"),
    ("upstream_id", None, "\u2014"),
    ("custom", {"a": 1}, "{'a': 1}"),
    ("custom", np.array([1, 2]), "[1, 2]"),
    ("custom", None, "\u2014"),
], ids=["usd", "negative-usd", "ms", "tokens", "count", "bool-false", "bool-true", "category",
        "int-id", "datetime", "na-string", "extra-dict", "extra-array", "extra-na"])
def test_format_value_dispatches_on_the_schema(name, value, text):
    assert fmt.format_value(name, value, NOW) == text


def test_every_schema_field_formats_a_typical_value():
    samples = {"string": "x", "float": 1.5, "int": 3, "bool": True,
               "datetime": NOW, "category": "c", "label": "c",
               "json": [{"provider_name": "OpenAI", "status": 200}]}
    for name, field in schema.FIELDS.items():
        text = fmt.format_value(name, samples[field.kind], NOW)
        assert text and text != "\u2014", name


@pytest.mark.parametrize(("p", "text"), [(87.2, "87th"), (1, "1st"), (2, "2nd"), (3, "3rd"),
                                         (11, "11th"), (12, "12th"), (13, "13th"),
                                         (21, "21st"), (100, "100th"), (0.01, "1st"),
                                         (99.6, "100th")],
                         ids=["round", "1st", "2nd", "3rd", "11th", "12th", "13th", "21st",
                              "100th", "tiny-is-1st", "rounds-to-100"])
def test_ordinal(p, text):
    assert fmt.ordinal(p) == text


@pytest.mark.parametrize(("func", "value", "text"), [
    (fmt.format_ms, float("inf"), "\u221e ms"),
    (fmt.format_ms, float("-inf"), "-\u221e ms"),
    (fmt.format_ms, np.float64("inf"), "\u221e ms"),
    (fmt.format_ms, 10 ** 400, "\u221e ms"),
    (fmt.format_ms, 1e300, "2.78e+293 h"),
    (fmt.format_usd, float("inf"), "$\u221e"),
    (fmt.format_usd, -(10 ** 400), "-$\u221e"),
    (fmt.format_usd, 1e300, "$1e+300"),
    (fmt.format_tokens, float("inf"), "\u221e tokens"),
    (fmt.format_count, float("-inf"), "-\u221e"),
], ids=["ms-inf", "ms-minus-inf", "ms-np-inf", "ms-huge-int", "ms-1e300", "usd-inf",
        "usd-minus-huge-int", "usd-1e300", "tokens-inf", "count-minus-inf"])
def test_infinite_and_huge_values_are_written_not_raised(func, value, text):
    """Issue 18, defect 7: JSON 1e400 (inf) raised OverflowError in the ms formatter."""
    assert func(value) == text
