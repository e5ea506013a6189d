"""The reference frame builder the fast paths are checked against (tests only).

Every column through :func:`openrouter_frame.frame.build.convert_column`, the
per-value path: slower and obviously right.  ``records_to_frame`` and
``raw_to_frame`` must give exactly this frame, and the same warnings.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from openrouter_frame import schema
from openrouter_frame.frame import build, kinds


def records_to_frame_simple(records: Iterable[Mapping[str, Any]], *,
                            dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
    """The typed frame of ``records``, each column through the per-value path."""
    schema.check_backend(dtype_backend)
    records = records if isinstance(records, list) else list(records)
    ids = [r.get("id") for r in records]
    columns: dict[str, Any] = {}
    for name in schema.COLUMNS:
        values = ids if name == "id" else [r.get(name) for r in records]
        columns[name] = build.convert_column(name, values, ids=ids,
                                             dtype_backend=dtype_backend)
    for name in dict.fromkeys(itertools.chain.from_iterable(records)):
        if name not in schema.FIELDS:
            columns[name] = kinds.json_array([r.get(name) for r in records])
    return build._assemble(columns, len(records))
