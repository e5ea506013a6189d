"""A ready typed generations frame, built without any HTTP: for doctests and examples."""

from __future__ import annotations

import pandas as pd

from .. import schema
from ..errors import check_whole
from .data import make_record
from .simulator import Simulator


def sample_frame(n: int = 200, seed: int = 0, *,
                 dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
    """Return ``n`` simulated generations as a typed frame (schema dtypes), no HTTP.

    The records are the ones ``serve(seed=seed)`` serves for ``sim.ids(n)``,
    each drawn independently from its id, so the frame is deterministic.  Columns are cast to the
    schema's dtypes with the same rules as a fetched frame.

    Parameters
    ----------
    n : int
        Number of generations (rows).
    seed : int
        Selects another set of ids (as ``serve(seed=...)`` does).
    dtype_backend : {"numpy_nullable", "pyarrow"}
        As for :func:`openrouter_frame.generations_to_frame`.

    Examples
    --------
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(50)
    >>> len(df), str(df["total_cost"].dtype), str(df["model"].dtype)
    (50, 'Float64', 'string')
    """
    check_whole("n", n, minimum=0)
    targets = schema.dtypes(dtype_backend)  # the one check of dtype_backend
    records = [make_record(id) for id in Simulator(seed=seed).ids(n)]
    frame = pd.DataFrame.from_records(records, columns=_columns(records)) if records else \
        pd.DataFrame(columns=list(schema.COLUMNS))
    return _typed(frame, targets)


def _columns(records: list[dict]) -> list[str]:
    seen = dict.fromkeys(schema.COLUMNS)
    for record in records:
        seen.update(dict.fromkeys(record))
    return list(seen)


def _typed(frame: pd.DataFrame, targets: dict[str, object]) -> pd.DataFrame:
    """Cast each schema column to its dtype with plain ``astype``.

    The simulator's values are always clean JSON of the right type, so pandas'
    own casts suffice (``testing`` sits beside ``frame``, not above it).
    """
    out = {}
    for name in frame.columns:
        col = frame[name]
        if name in schema.FIELDS:
            if schema.FIELDS[name].kind == "datetime":
                col = pd.to_datetime(col, utc=True, format="ISO8601").dt.as_unit(
                    schema.DATETIME_UNIT)
            col = col.astype(targets[name])  # type: ignore[call-overload]
        out[name] = col
    return pd.DataFrame(out)
