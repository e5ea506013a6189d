"""Field kinds: what ``float``, ``int``, ``bool``, ``string``, ``category`` and ``datetime`` mean.

The one module that knows each kind of field (:data:`KINDS`): which plain
JSON values it takes on the fast path, the Arrow type it is read as, how a
list of values, an Arrow array or an already-typed pandas column (a JSON or
CSV read-back) becomes the kind's dtype, and how each backend stores it.
The dtype itself is declared in :mod:`openrouter_frame.schema`.

Two paths give the same result:

* the fast path (:func:`from_values`, :func:`from_arrow`) takes only clean
  values and converts them in C; it returns ``None`` for anything unusual (a
  string number, a bool where a number belongs, ``inf``, a date in another
  form, ...);
* the per-value path (:func:`Kind.convert`) parses what can be parsed
  (``"0.0012"``, ``"42"``, ``"true"``, integral floats as ints, numbers as
  text) and turns values of an impossible type into NA, their rows noted in a
  :class:`Bad` for one warning per field.

Examples
--------
>>> from openrouter_frame.frame.kinds import KINDS, Bad, from_values
>>> from_values("int", [1, None, 3], "numpy_nullable")
<IntegerArray>
[1, <NA>, 3]
Length: 3, dtype: Int64
>>> from_values("int", ["1"], "numpy_nullable") is None
True
>>> bad = Bad()
>>> KINDS["float"].convert(["0.5", 2, "fast", None], bad)
<FloatingArray>
[0.5, 2.0, <NA>, <NA>]
Length: 4, dtype: Float64
>>> bad.rows
[2]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema

_NONE = type(None)
_ARROW_ERRORS = (pa.ArrowException, OverflowError, TypeError, ValueError)

# The service's two forms (and other offsets), restricted to what Arrow and
# pandas parse identically: a real calendar date in 1900-2099, at most
# microseconds, an explicit zone.  Anything else goes to pandas.
_ISO = (r"^(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
        r"(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$")
_TIMESTAMP = pa.timestamp(schema.DATETIME_UNIT, tz="UTC")


def read_schema() -> pa.Schema:
    """The Arrow schema the raw JSON reader applies to the 32 fields."""
    return pa.schema([pa.field(f.name, KINDS[f.kind].read) for f in schema.FIELDS.values()])


def from_values(kind: str, values: Sequence[Any], dtype_backend: str) -> Any:
    """The typed array of clean ``values`` of a ``kind`` field, else ``None``."""
    if not set(map(type, values)) <= KINDS[kind].clean:
        return None
    try:
        arr = pa.array(values, type=KINDS[kind].read)
    except _ARROW_ERRORS:
        return None
    if kind == "datetime":
        return _datetime_from_list(values, arr, dtype_backend)
    return from_arrow(kind, arr, dtype_backend)


def from_arrow(kind: str, arr: pa.Array | pa.ChunkedArray, dtype_backend: str) -> Any:
    """The typed array of an Arrow array of ``KINDS[kind].read``, else ``None``."""
    if kind == "float":
        return _float(arr, dtype_backend)
    if kind == "int":
        return _masked(arr, 0, pd.arrays.IntegerArray, dtype_backend)
    if kind == "bool":
        return _masked(arr, False, pd.arrays.BooleanArray, dtype_backend)
    if kind == "string":
        if dtype_backend == "pyarrow":
            return pd.arrays.ArrowExtensionArray(arr)
        return schema.dtype("id").__from_arrow__(arr)  # type: ignore[attr-defined]
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if kind == "category":
        return _category(arr, dtype_backend)
    return _datetime_from_arrow(arr, dtype_backend)


def _numpy(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A writable NumPy copy of a null-free Arrow array."""
    if isinstance(arr, pa.ChunkedArray):
        out = arr.to_numpy()
        return out if out.flags.writeable else out.copy()
    return arr.to_numpy(zero_copy_only=False, writable=True)


def _float(arr: pa.Array | pa.ChunkedArray, dtype_backend: str) -> Any:
    data = _numpy(arr.fill_null(np.nan))
    if np.isinf(data).any():
        return None  # the per-value path warns about infinities
    mask = np.isnan(data)  # null, or a NaN literal: both NA, as on the per-value path
    if dtype_backend == "pyarrow":
        return pd.arrays.ArrowExtensionArray(pa.array(data, mask=mask, type=pa.float64()))
    return pd.arrays.FloatingArray(data, mask)


def _masked(arr: pa.Array | pa.ChunkedArray, fill: Any, cls: Any, dtype_backend: str) -> Any:
    if dtype_backend == "pyarrow":
        return pd.arrays.ArrowExtensionArray(arr)
    return cls(_numpy(arr.fill_null(fill)), _null_mask(arr))


def _null_mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if arr.null_count == 0:
        return np.zeros(len(arr), dtype=bool)
    return _numpy(arr.is_null())


def _category(arr: pa.Array, dtype_backend: str) -> Any:
    return _from_encoded(arr.dictionary_encode(), dtype_backend)


def category_if_repeated(arr: pa.Array, dtype_backend: str) -> Any:
    """Text ``arr`` as a category column when its values repeat, else ``None``.

    Repeat means at most one distinct value per two non-null values (a region,
    a tier, a workspace: not an id); the categories are as for the schema's
    category fields.

    >>> category_if_repeated(pa.array(["us", "eu", "us", None]), "numpy_nullable") is None
    True
    >>> list(category_if_repeated(pa.array(["us", "eu", "us", "us"]), "numpy_nullable"))
    ['us', 'eu', 'us', 'us']
    """
    encoded = arr.dictionary_encode()
    valid = len(arr) - arr.null_count
    if valid == 0 or 2 * len(encoded.dictionary) > valid:
        return None
    return _from_encoded(encoded, dtype_backend)


def _from_encoded(encoded: pa.DictionaryArray, dtype_backend: str) -> Any:
    # ``encoded``: categories in order of first appearance.
    if dtype_backend == "pyarrow":
        return pd.arrays.ArrowExtensionArray(
            encoded.cast(schema.dtype("model", "pyarrow").pyarrow_dtype))  # type: ignore
    # numpy_nullable: sorted categories, as pd.factorize(sort=True) gives them.
    uniques = encoded.dictionary.to_pylist()
    order = sorted(range(len(uniques)), key=uniques.__getitem__)
    rank = np.empty(len(uniques) + 1, dtype=np.int64)
    rank[order] = np.arange(len(uniques))
    rank[-1] = -1  # nulls
    indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    codes = rank[indices]
    categories = pd.Index(np.asarray([uniques[i] for i in order], dtype=object),
                          dtype=category_index_dtype())
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories),
                                     validate=False)


def category_index_dtype() -> object:
    """pandas' default dtype for an Index of strings (``str`` on pandas 3, object on 2.2)."""
    return pd.Index(["x"]).dtype


def _datetime_from_list(values: Sequence[Any], arr: pa.Array, dtype_backend: str) -> Any:
    # pandas parses a Python list faster than pyarrow can check and cast it.
    parsed = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601",
                            errors="coerce")
    if int(parsed.isna().sum()) != arr.null_count:
        return None  # something did not parse: the per-value path names it
    out = parsed.dt.as_unit(schema.DATETIME_UNIT).array
    if dtype_backend == "pyarrow":
        return pd.arrays.ArrowExtensionArray(pa.array(out, type=_TIMESTAMP, from_pandas=True))
    return out


def _datetime_from_arrow(arr: pa.Array, dtype_backend: str) -> Any:
    stamps = None
    if arr.null_count == len(arr) or pc.all(pc.match_substring_regex(arr, _ISO)).as_py():
        try:
            stamps = arr.cast(_TIMESTAMP)
        except _ARROW_ERRORS:
            stamps = None
    if stamps is None:
        return _datetime_from_list(arr.to_pylist(), arr, dtype_backend)
    if dtype_backend == "pyarrow":
        return pd.arrays.ArrowExtensionArray(stamps)
    naive = stamps.cast(pa.timestamp(schema.DATETIME_UNIT)).to_numpy(zero_copy_only=False)
    return pd.array(naive).tz_localize("UTC")


_EXTRA_STRING: dict[str, Any] = {}


def extra_strings(values: Sequence[Any], dtype_backend: str) -> Any:
    """An extra field of strings (and nulls) as :func:`extra_text` types it, else ``None``."""
    types = set(map(type, values))
    if str not in types or not types <= KINDS["string"].clean:
        return None
    try:
        arr = pa.array(values, type=pa.string())
    except _ARROW_ERRORS:
        return None
    return _extra_string_array(arr, dtype_backend)


def extra_strings_from_arrow(arr: pa.ChunkedArray, dtype_backend: str) -> Any:
    """As :func:`extra_strings`, for an Arrow column; ``None`` unless strings, not all null."""
    if arr.type != pa.string() or arr.null_count == len(arr):
        return None
    return _extra_string_array(arr.combine_chunks(), dtype_backend)


def extra_text(column: Any, dtype_backend: str) -> Any:
    """An extra column ``convert_dtypes`` typed: text that repeats as a category."""
    if not pd.api.types.is_string_dtype(column.dtype) or column.dtype == object:
        return column
    try:
        arr = pa.array(column, type=pa.string(), from_pandas=True)
    except _ARROW_ERRORS:
        return column
    category = category_if_repeated(arr, dtype_backend)
    return column if category is None else category


def _extra_string_array(arr: pa.Array, dtype_backend: str) -> Any:
    category = category_if_repeated(arr, dtype_backend)
    if category is not None:
        return category
    dtype = _EXTRA_STRING.get(dtype_backend)
    if dtype is None:
        dtype = pd.Series(["x"], dtype=object).convert_dtypes(
            dtype_backend=dtype_backend).dtype  # type: ignore[arg-type]
        _EXTRA_STRING[dtype_backend] = dtype
    if isinstance(dtype, pd.ArrowDtype):
        return pd.arrays.ArrowExtensionArray(arr.cast(dtype.pyarrow_dtype))
    return dtype.__from_arrow__(arr)


# -- the per-value path ---------------------------------------------------------------
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


# -- backends and read-backs ----------------------------------------------------------
def to_backend(array: Any, field: schema.Field, dtype_backend: str) -> Any:
    """A per-value result (numpy-nullable) as ``field``'s dtype under ``dtype_backend``."""
    if dtype_backend == "numpy_nullable":
        return array
    target = field.dtype("pyarrow").pyarrow_dtype  # type: ignore[attr-defined]
    if field.kind == "category":
        arr = pa.array(np.asarray(array, dtype=object), type=pa.string(), from_pandas=True)
        arr = arr.dictionary_encode().cast(target)
    else:
        arr = pa.array(array, type=target, from_pandas=True)
    return pd.arrays.ArrowExtensionArray(arr)


def cast_direct(col: pd.Series, kind: str, target: Any) -> pd.Series | None:
    """Cast what ``pd.read_json`` and friends already typed, without a text round trip.

    Datetimes of any unit or time zone (naive ones are taken as UTC) and 0/1
    flags; ``None`` means the value-by-value conversion must decide.
    """
    if kind == "datetime" and pd.api.types.is_datetime64_any_dtype(col.dtype):
        stamps = pd.to_datetime(col, utc=True)
        return stamps.dt.as_unit(schema.DATETIME_UNIT).astype(target)
    if kind == "bool" and pd.api.types.is_numeric_dtype(col.dtype) \
            and not pd.api.types.is_bool_dtype(col.dtype):
        numbers = pd.to_numeric(col).astype("Float64")
        if numbers.dropna().isin([0, 1]).all():
            return numbers.astype("boolean").astype(target)
    return None


def dtype_matches(actual: Any, target: Any) -> bool:
    if isinstance(target, str):  # "category"
        return isinstance(actual, pd.CategoricalDtype)
    if isinstance(target, pd.ArrowDtype) and pa.types.is_dictionary(target.pyarrow_dtype):
        return isinstance(actual, pd.ArrowDtype) and pa.types.is_dictionary(
            actual.pyarrow_dtype)
    return bool(actual == target)


# -- the table ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Kind:
    """One field kind: its clean JSON types, its Arrow read type, its per-value converter."""

    name: str
    #: The Python types the fast path takes (anything else: the per-value path).
    clean: frozenset[type]
    #: The Arrow type the raw JSON reader reads it as (categories and dates as strings).
    read: pa.DataType
    #: The per-value converter; notes impossible values in a :class:`Bad`.
    convert: Callable[[Sequence[Any], Bad], Any]


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("float", frozenset({float, int, _NONE}), pa.float64(), _convert_float),
    Kind("int", frozenset({int, _NONE}), pa.int64(), _convert_int),
    Kind("bool", frozenset({bool, _NONE}), pa.bool_(), _convert_bool),
    Kind("string", frozenset({str, _NONE}), pa.string(), _convert_string),
    Kind("category", frozenset({str, _NONE}), pa.string(), _convert_category),
    Kind("datetime", frozenset({str, _NONE}), pa.string(), _convert_datetime),
)}
