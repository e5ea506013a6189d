"""Turn generation records (dicts) into typed pandas DataFrames.

Columns are the schema's 32 fields in spec order, then any extra fields the
server sent, in first-seen order.  Each column is converted in one vectorised
step when its values have the expected JSON types; only a column holding
something unexpected (``"latency": "fast"``, a string number, a list) takes a
per-value path, which parses what can be parsed and turns the rest into NA
with one :class:`~openrouter_frame.SchemaWarning` per field.

Examples
--------
>>> from openrouter_frame.frame import records_to_frame
>>> df = records_to_frame([{"id": "gen-1", "total_cost": "0.0012", "model": "a/b"}])
>>> df.shape
(1, 32)
>>> df.loc[0, "total_cost"]
np.float64(0.0012)
>>> str(df["model"].dtype), str(df["latency"].dtype)
('category', 'Float64')
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from . import schema
from .errors import SchemaWarning

_NONE = type(None)
_NUMBER_TYPES = {int, float, _NONE}
_TRUE = {"true": True, "false": False}


class _Bad:
    """Collects the rows of one column whose value had an impossible type."""

    def __init__(self) -> None:
        self.rows: list[int] = []

    def __call__(self, row: int) -> None:
        self.rows.append(row)


def _float_or_bad(v: Any, row: int, bad: _Bad) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool):
        bad(row)
        return None
    if isinstance(v, (int, float)):
        f = float(v)
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


def _to_float(values: Sequence[Any], bad: _Bad) -> np.ndarray:
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


def _convert_float(values: Sequence[Any], bad: _Bad) -> pd.api.extensions.ExtensionArray:
    return pd.array(_to_float(values, bad), dtype="Float64")


def _convert_int(values: Sequence[Any], bad: _Bad) -> pd.api.extensions.ExtensionArray:
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


def _bool_or_bad(v: Any, row: int, bad: _Bad) -> bool | None:
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in _TRUE:
        return _TRUE[v.strip().lower()]
    bad(row)
    return None


def _convert_bool(values: Sequence[Any], bad: _Bad) -> pd.api.extensions.ExtensionArray:
    if not set(map(type, values)) <= {bool, _NONE}:
        values = [_bool_or_bad(v, i, bad) for i, v in enumerate(values)]
    return pd.array(values, dtype="boolean")


def _str_or_bad(v: Any, row: int, bad: _Bad) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    bad(row)
    return None


def _clean_strings(values: Sequence[Any], bad: _Bad) -> Sequence[Any]:
    if set(map(type, values)) <= {str, _NONE}:
        return values
    return [_str_or_bad(v, i, bad) for i, v in enumerate(values)]


def _convert_string(values: Sequence[Any], bad: _Bad) -> pd.api.extensions.ExtensionArray:
    return pd.array(_clean_strings(values, bad), dtype=schema.dtype("id"))


def _convert_category(values: Sequence[Any], bad: _Bad) -> pd.Categorical:
    strings = _clean_strings(values, bad)
    codes, uniques = pd.factorize(np.asarray(strings, dtype=object), sort=True)
    categories = pd.Index(np.asarray(uniques, dtype=object), dtype=_category_index_dtype())
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))


def _category_index_dtype() -> object:
    # pandas' own default for an Index of strings: ``str`` on pandas 3, object on 2.2.
    return pd.Index(["x"]).dtype


def _convert_datetime(values: Sequence[Any], bad: _Bad) -> pd.api.extensions.ExtensionArray:
    strings = list(_clean_strings(values, bad)) if not set(map(type, values)) <= {
        str, _NONE} else values
    parsed = pd.to_datetime(
        pd.Series(strings, dtype=object), utc=True, format="ISO8601", errors="coerce"
    )
    present = pd.notna(np.asarray(strings, dtype=object))
    for i in np.flatnonzero(present & parsed.isna().to_numpy()):
        bad(int(i))
    return parsed.dt.as_unit(schema.DATETIME_UNIT).array


_CONVERTERS = {
    "float": _convert_float,
    "int": _convert_int,
    "bool": _convert_bool,
    "string": _convert_string,
    "category": _convert_category,
    "datetime": _convert_datetime,
}


def _to_backend(array: Any, field: schema.Field, dtype_backend: str) -> Any:
    if dtype_backend == "numpy_nullable":
        return array
    target = field.dtype("pyarrow").pyarrow_dtype  # type: ignore[attr-defined]
    if field.kind == "category":
        arr = pa.array(np.asarray(array, dtype=object), type=pa.string(), from_pandas=True)
        arr = arr.dictionary_encode().cast(target)
    else:
        arr = pa.array(array, type=target, from_pandas=True)
    return pd.arrays.ArrowExtensionArray(arr)


def convert_column(name: str, values: Sequence[Any], *, ids: Sequence[Any] | None = None,
                   dtype_backend: str = "numpy_nullable") -> Any:
    """Convert the raw JSON values of schema field ``name`` to its typed array.

    Values of an impossible type become NA and raise one :class:`SchemaWarning`
    naming the field, how many values and the first few ids (``ids``, else row
    numbers).
    """
    field = schema.FIELDS[name]
    bad = _Bad()
    array = _CONVERTERS[field.kind](values, bad)
    if bad.rows:
        where = [ids[i] if ids is not None else i for i in bad.rows[:3]]
        more = f" (+{len(bad.rows) - 3} more)" if len(bad.rows) > 3 else ""
        examples = ", ".join(
            f"{w!r}: {_short(values[i])}" for w, i in zip(where, bad.rows[:3])
        )
        warnings.warn(
            f"field {name!r}: {len(bad.rows)} value(s) of an impossible type became NA "
            f"(id {examples}{more})",
            SchemaWarning,
            stacklevel=3,
        )
    return _to_backend(array, field, dtype_backend)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _extra_column(values: list[Any], dtype_backend: str) -> pd.Series:
    series = pd.Series(values, dtype=object)
    try:
        return series.convert_dtypes(dtype_backend=dtype_backend)  # type: ignore[arg-type]
    except (TypeError, ValueError, pa.ArrowException):
        return series


def records_to_frame(records: Iterable[Mapping[str, Any]], *,
                     dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
    """Build the typed frame of generation ``records`` (the ``data`` objects).

    Parameters
    ----------
    records : iterable of dict
        One dict per generation, as the API returns it.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        ``numpy_nullable``: ``string``, ``Float64``, ``Int64``, ``boolean``,
        ``datetime64[us, UTC]`` and ``category``; ``pyarrow``: the matching
        :class:`pandas.ArrowDtype`.

    Returns
    -------
    pandas.DataFrame
        A RangeIndex, the 32 schema columns in spec order, then extra fields.

    Examples
    --------
    >>> from openrouter_frame.testing import serve
    >>> from openrouter_frame.frame import records_to_frame
    >>> with serve() as sim:
    ...     df = records_to_frame([sim.record(i) for i in sim.ids(3)])
    >>> len(df), list(df.columns[:3])
    (3, ['id', 'upstream_id', 'total_cost'])
    """
    schema._check_backend(dtype_backend)
    records = records if isinstance(records, list) else list(records)
    ids = [r.get("id") for r in records]
    columns: dict[str, Any] = {}
    for name in schema.COLUMNS:
        values = ids if name == "id" else [r.get(name) for r in records]
        columns[name] = convert_column(name, values, ids=ids, dtype_backend=dtype_backend)
    extras = dict.fromkeys(itertools.chain.from_iterable(records))
    for name in extras:
        if name not in schema.FIELDS:
            columns[name] = _extra_column([r.get(name) for r in records], dtype_backend)
    frame = pd.DataFrame(columns, copy=False)
    frame.index = pd.RangeIndex(len(records))
    return frame


def empty_frame(dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
    """A frame with no rows and the 32 typed columns."""
    return records_to_frame([], dtype_backend=dtype_backend)


def coerce(frame: pd.DataFrame, *, dtype_backend: str | None = None) -> pd.DataFrame:
    """Return ``frame`` with every schema column it has cast to the schema's dtype.

    For frames read back from CSV or JSON (where ``created_at`` is text and
    categories are plain strings).  Columns already of the right dtype are
    left alone (no copy); columns the frame lacks are not added.  With
    ``dtype_backend=None`` the backend is guessed from the ``id`` column.
    """
    if dtype_backend is None:
        dtype_backend = _guess_backend(frame)
    schema._check_backend(dtype_backend)
    out = None
    for name in frame.columns:
        if name not in schema.FIELDS:
            continue
        target = schema.dtype(name, dtype_backend)
        col = frame[name]
        if _dtype_matches(col.dtype, target):
            continue
        values = col.astype(object).where(col.notna(), None).tolist()
        if out is None:
            out = frame.copy(deep=False)
        out[name] = pd.Series(convert_column(name, values, dtype_backend=dtype_backend),
                              index=frame.index, name=name)
    return frame if out is None else out


def _dtype_matches(actual: Any, target: Any) -> bool:
    if isinstance(target, str):  # "category"
        return isinstance(actual, pd.CategoricalDtype)
    if isinstance(target, pd.ArrowDtype) and pa.types.is_dictionary(target.pyarrow_dtype):
        return isinstance(actual, pd.ArrowDtype) and pa.types.is_dictionary(
            actual.pyarrow_dtype)
    return bool(actual == target)


def _guess_backend(frame: pd.DataFrame) -> str:
    for name in schema.COLUMNS:
        if name in frame.columns and schema.FIELDS[name].kind != "category":
            return "pyarrow" if isinstance(frame[name].dtype, pd.ArrowDtype) else \
                "numpy_nullable"
    return "numpy_nullable"


def failures_frame(rows: Iterable[tuple[str, int | None, str]], *,
                   dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
    """The typed failures frame: ``id`` (string), ``status`` (Int64), ``error`` (string)."""
    rows = list(rows)
    dtypes = schema.failures_dtypes(dtype_backend)
    data = {
        name: pd.array([r[i] for r in rows], dtype=dtypes[name])  # type: ignore[call-overload]
        for i, name in enumerate(schema.FAILURE_COLUMNS)
    }
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
