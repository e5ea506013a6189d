"""Input rules for ids: any iterable, strip, skip NA/blank, dedupe, TypeError."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrouter_frame import InputWarning
from openrouter_frame.fetch.ids import normalize_ids

IDS = ["gen-1", "gen-2", "gen-3"]


@pytest.mark.parametrize(
    "container",
    [list, tuple, lambda x: (i for i in x), np.array, pd.Series, pd.Index,
     lambda x: pd.Series(x, dtype="string"), lambda x: pd.array(x, dtype="string")],
    ids=["list", "tuple", "generator", "ndarray", "series", "index", "string-series",
         "string-array"],
)
def test_any_iterable(container: Any) -> None:
    assert normalize_ids(container(IDS)) == IDS


def test_set_input() -> None:
    assert sorted(normalize_ids(set(IDS))) == IDS


def test_single_string_is_one_id() -> None:
    assert normalize_ids("gen-1\n") == ["gen-1"]


def test_strip_and_dedupe_keep_first_seen_order() -> None:
    assert normalize_ids(["b\n", " a", "b", "a ", "c"]) == ["b", "a", "c"]


@pytest.mark.parametrize("na", [None, float("nan"), pd.NA, np.nan, pd.NaT, "", "  \n"],
                         ids=["none", "nan", "pd-na", "np-nan", "nat", "empty", "blank"])
def test_na_and_blank_are_skipped_with_a_counting_warning(na: Any) -> None:
    with pytest.warns(InputWarning, match="skipped 2 id"):
        assert normalize_ids(["a", na, "b", na]) == ["a", "b"]


@pytest.mark.parametrize("bad", [5, b"gen", ["gen"], 3.5],
                         ids=["int", "bytes", "list", "float"])
def test_non_string_entry_names_position_and_value(bad: Any) -> None:
    with pytest.raises(TypeError, match=r"ids\[1\] is"):
        normalize_ids(["a", bad])


@pytest.mark.parametrize("bad", [5, None, b"gen"], ids=["int", "none", "bytes"])
def test_non_iterable_input(bad: Any) -> None:
    with pytest.raises(TypeError, match="ids must be"):
        normalize_ids(bad)


@given(st.lists(st.text(min_size=1).filter(lambda s: s.strip() != "")))
def test_normalize_is_stripped_unique_subset(ids: list[str]) -> None:
    out = normalize_ids(ids)
    assert len(out) == len(set(out))
    assert out == list(dict.fromkeys(s.strip() for s in ids))
