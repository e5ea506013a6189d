"""The per-value path: JSON values of one field to its typed array, value by value.

Used for a column holding anything the fast path (:mod:`openrouter_frame._columns`)
does not take: string numbers are parsed (``"0.0012"``, ``"42"``, ``"true"``),
integral floats become ints, numbers become strings where text is expected,
and values of an impossible type (``"fast"`` for a latency, a list, ``inf``)
become NA, their rows noted in a :class:`Bad` for one warning per field.

Examples
--------
>>> from openrouter_frame._values import CONVERTERS, Bad
>>> bad = Bad()
>>> CONVERTERS["float"](["0.5", 2, "fast", None], bad)
<FloatingArray>
[0.5, 2.0, <NA>, <NA>]
Length: 4, dtype: Float64
>>> bad.rows
[2]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import schema
from ._columns import category_index_dtype

_NONE = type(None)
_NUMBER_TYPES = {int, float, _NONE}
_TRUE = {"true": True, "false": False}


class Bad:
    """Collects the rows of one column whose value had an impossible type."""

    def __init__(self) -> None:
        self.rows: list[int] = []

    def __call__(self, row: int) -> None:
        self.rows.append(row)


def _float_or_bad(v: Any, row: int, bad: Bad) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool):
        bad(row)
        return None
    if isinstance(v, (int, float)):
        try:
            f = float(v)
        except OverflowError:  # an integer beyond any float
            bad(row)
            return None
    elif isinstance(v, str):
        try:
            f = float(v.strip())
        except ValueError:
            bad(row)
            return None
    else:
        bad(row)
        return None
    if not math.isfinite(f):
        bad(row)
        return None
    return f


def _to_float(values: Sequence[Any], bad: Bad) -> np.ndarray:
    """Float64 values with NaN for missing/impossible; ``bad`` notes the impossible."""
    types = set(map(type, values))
    if types <= _NUMBER_TYPES:
        try:
            arr = np.array(values, dtype=np.float64)
        except OverflowError:
            arr = None
        if arr is not None and arr.ndim == 1:
            if not np.isfinite(arr[~np.isnan(arr)]).all():
                for i in np.flatnonzero(np.isinf(arr)):
                    bad(int(i))
                arr[np.isinf(arr)] = np.nan
            return arr
    return np.array(
        [_float_or_bad(v, i, bad) for i, v in enumerate(values)], dtype=np.float64
    )


def _convert_float(values: Sequence[Any], bad: Bad) -> pd.api.extensions.ExtensionArray:
    return pd.array(_to_float(values, bad), dtype="Float64")


def _convert_int(values: Sequence[Any], bad: Bad) -> pd.api.extensions.ExtensionArray:
    types = set(map(type, values))
    if types <= {int, _NONE}:
        try:
            return pd.array(values, dtype="Int64")
        except (OverflowError, TypeError, ValueError):
            pass
    arr = _to_float(values, bad)
    ok = ~np.isnan(arr)
    nonint = ok & ((arr != np.round(arr)) | (np.abs(arr) >= 2.0**63))
    for i in np.flatnonzero(nonint):
        bad(int(i))
    mask = ~ok | nonint
    data = np.where(mask, 0, arr).astype(np.int64)
    return pd.arrays.IntegerArray(data, mask)


def _bool_or_bad(v: Any, row: int, bad: Bad) -> bool | None:
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in _TRUE:
        return _TRUE[v.strip().lower()]
    bad(row)
    return None


def _convert_bool(values: Sequence[Any], bad: Bad) -> pd.api.extensions.ExtensionArray:
    if not set(map(type, values)) <= {bool, _NONE}:
        values = [_bool_or_bad(v, i, bad) for i, v in enumerate(values)]
    return pd.array(values, dtype="boolean")


def _str_or_bad(v: Any, row: int, bad: Bad) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    bad(row)
    return None


def _clean_strings(values: Sequence[Any], bad: Bad) -> Sequence[Any]:
    if set(map(type, values)) <= {str, _NONE}:
        return values
    return [_str_or_bad(v, i, bad) for i, v in enumerate(values)]


def _convert_string(values: Sequence[Any], bad: Bad) -> pd.api.extensions.ExtensionArray:
    return pd.array(_clean_strings(values, bad), dtype=schema.dtype("id"))


def _convert_category(values: Sequence[Any], bad: Bad) -> pd.Categorical:
    strings = _clean_strings(values, bad)
    codes, uniques = pd.factorize(np.asarray(strings, dtype=object), sort=True)
    categories = pd.Index(np.asarray(uniques, dtype=object),
                          dtype=category_index_dtype())
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))


def _convert_datetime(values: Sequence[Any], bad: Bad) -> pd.api.extensions.ExtensionArray:
    strings = list(_clean_strings(values, bad)) if not set(map(type, values)) <= {
        str, _NONE} else values
    parsed = pd.to_datetime(
        pd.Series(strings, dtype=object), utc=True, format="ISO8601", errors="coerce"
    )
    present = pd.notna(np.asarray(strings, dtype=object))
    for i in np.flatnonzero(present & parsed.isna().to_numpy()):
        bad(int(i))
    return parsed.dt.as_unit(schema.DATETIME_UNIT).array


#: The per-value converter of each kind; each notes impossible values in a Bad.
CONVERTERS = {
    "float": _convert_float,
    "int": _convert_int,
    "bool": _convert_bool,
    "string": _convert_string,
    "category": _convert_category,
    "datetime": _convert_datetime,
}
