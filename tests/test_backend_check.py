"""``dtype_backend`` is checked once, where a public call takes it (issue 18).

Every public function with a ``dtype_backend=`` argument refuses an unknown
backend with the one message of :func:`openrouter_frame.schema.check_backend`,
and checks it exactly once: the helpers it calls (the schema's tables, the
frame builder's per-column paths, the records path behind ``raw_to_frame``)
do not check it again.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from openrouter_frame import schema
from openrouter_frame.frame import (
    coerce,
    contents_to_frame,
    empty_frame,
    raw_to_frame,
    records_to_frame,
)
from openrouter_frame.frame.result import failures_frame
from openrouter_frame.testing import sample_frame

RECORD: dict[str, Any] = {"id": "gen-1", "total_cost": 0.5, "model": "openai/gpt-4o",
                          "created_at": "2026-01-02T03:04:05.123456Z", "api_type": "completions"}
#: A body pyarrow's reader cannot take (a string where a number belongs): the records path.
ODD = {**RECORD, "total_cost": "0.5"}
CONTENT = {"id": "gen-1", "input": {"prompt": "2+2?"}, "output": {"completion": "4"}}

PUBLIC: dict[str, Callable[[Any], object]] = {
    "records_to_frame": lambda b: records_to_frame([RECORD], dtype_backend=b),
    "records_to_frame per value": lambda b: records_to_frame([ODD], dtype_backend=b),
    "raw_to_frame": lambda b: raw_to_frame([json.dumps(RECORD).encode()], dtype_backend=b),
    "raw_to_frame records path": lambda b: raw_to_frame([json.dumps(ODD).encode()],
                                                        dtype_backend=b),
    "raw_to_frame empty": lambda b: raw_to_frame([], dtype_backend=b),
    "empty_frame": lambda b: empty_frame(b),
    "coerce": lambda b: coerce(pd.DataFrame({"id": ["gen-1"], "total_cost": [0.5],
                                             "data_region": ["us"]}), dtype_backend=b),
    "contents_to_frame": lambda b: contents_to_frame([CONTENT], dtype_backend=b),
    "sample_frame": lambda b: sample_frame(3, dtype_backend=b),
    "failures_frame": lambda b: failures_frame([("gen-1", 404, "not found")],
                                               dtype_backend=b),
    "schema.dtypes": lambda b: schema.dtypes(b),
    "schema.dtype": lambda b: schema.dtype("api_type", b),
    "Field.dtype": lambda b: schema.FIELDS["model"].dtype(b),
    "schema.kind_dtype": lambda b: schema.kind_dtype("int", b),
    "schema.kind_dtypes": lambda b: schema.kind_dtypes(b),
    "schema.failures_dtypes": lambda b: schema.failures_dtypes(b),
}


def _quietly(call: Callable[[Any], object], backend: Any) -> object:
    with warnings.catch_warnings():  # the odd record's SchemaWarning is not the point here
        warnings.simplefilter("ignore")
        return call(backend)


@pytest.mark.parametrize("call", PUBLIC.values(), ids=PUBLIC)
@pytest.mark.parametrize("bad", ["numpy", "arrow", "PyArrow"])
def test_an_unknown_backend_is_refused(call: Callable[[Any], object], bad: Any) -> None:
    with pytest.raises(ValueError, match="'numpy_nullable' or 'pyarrow', got"):
        _quietly(call, bad)


@pytest.mark.parametrize("call", PUBLIC.values(), ids=PUBLIC)
@pytest.mark.parametrize("backend", schema.DTYPE_BACKENDS)
def test_the_backend_is_checked_once(call: Callable[[Any], object], backend: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = schema.check_backend

    def counted(dtype_backend: str) -> str:
        seen.append(dtype_backend)
        return real(dtype_backend)

    monkeypatch.setattr(schema, "check_backend", counted)
    _quietly(call, backend)
    assert seen == [backend]
