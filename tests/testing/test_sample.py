"""sample_frame: a typed frame with no HTTP, the same generations serve() answers with."""

from __future__ import annotations

import pandas as pd
import pytest

import openrouter_frame as orf
from openrouter_frame import schema
from openrouter_frame.testing import sample_frame, serve


@pytest.mark.parametrize("backend", schema.DTYPE_BACKENDS)
def test_schema_columns_have_the_schema_dtypes(backend: str) -> None:
    df = sample_frame(40, dtype_backend=backend)
    assert len(df) == 40 and df["id"].is_unique
    assert df.dtypes.to_dict() == schema.dtypes(backend)


def test_same_generations_as_the_simulator_serves() -> None:
    with serve(seed=3) as sim:
        fetched = orf.generations_to_frame(sim.ids(25), api_key=sim.api_key,
                                           base_url=sim.base_url, progress=False)
    sample = sample_frame(25, seed=3)
    columns = list(schema.COLUMNS)
    pd.testing.assert_frame_equal(sample[columns], fetched[columns], check_categorical=False)


def test_seed_changes_the_generations_and_n_zero_is_empty() -> None:
    assert set(sample_frame(5, seed=1)["id"]).isdisjoint(sample_frame(5, seed=2)["id"])
    empty = sample_frame(0)
    assert len(empty) == 0 and list(empty.columns) == list(schema.COLUMNS)


@pytest.mark.parametrize("n", [-1, 2.5, True], ids=["negative", "float", "bool"])
def test_bad_n_is_a_clear_error(n: object) -> None:
    with pytest.raises(ValueError, match="n must be a whole number"):
        sample_frame(n)  # type: ignore[arg-type]
