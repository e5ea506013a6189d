"""Fast typed columns: plain JSON values or Arrow arrays to the schema's pandas arrays.

The fast path of :mod:`openrouter_frame.frame`.  Each function returns the
typed array, or ``None`` when the values hold anything unusual (a string
number, a bool where a number belongs, ``inf``, a date in another form, a
``bytes`` object, ...); the caller then takes the per-value path of
:func:`openrouter_frame.frame.convert_column`, which parses what it can and
warns about the rest.  So the fast path never decides anything the per-value
path would decide differently: it only handles the clean case, in C.

Examples
--------
>>> from openrouter_frame._columns import from_values
>>> from_values("int", [1, None, 3], "numpy_nullable")
<IntegerArray>
[1, <NA>, 3]
Length: 3, dtype: Int64
>>> from_values("int", ["1"], "numpy_nullable") is None
True
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema

_NONE = type(None)
#: The Python types each kind takes on the fast path (anything else: per-value path).
_CLEAN: dict[str, frozenset[type]] = {
    "float": frozenset({float, int, _NONE}),
    "int": frozenset({int, _NONE}),
    "bool": frozenset({bool, _NONE}),
    "string": frozenset({str, _NONE}),
    "category": frozenset({str, _NONE}),
    "datetime": frozenset({str, _NONE}),
}
#: The Arrow type each kind is read as (categories and dates are parsed from strings).
READ_TYPES: dict[str, pa.DataType] = {
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "string": pa.string(),
    "category": pa.string(),
    "datetime": pa.string(),
}
_ARROW_ERRORS = (pa.ArrowException, OverflowError, TypeError, ValueError)

# The service's two forms (and other offsets), restricted to what Arrow and
# pandas parse identically: a real calendar date in 1900-2099, at most
# microseconds, an explicit zone.  Anything else goes to pandas.
_ISO = (r"^(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
        r"(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$")
_TIMESTAMP = pa.timestamp(schema.DATETIME_UNIT, tz="UTC")


def read_schema() -> pa.Schema:
    """The Arrow schema the raw JSON reader applies to the 32 fields."""
    return pa.schema([pa.field(f.name, READ_TYPES[f.kind]) for f in schema.FIELDS.values()])


def from_values(kind: str, values: Sequence[Any], dtype_backend: str) -> Any:
    """The typed array of clean ``values`` of a ``kind`` field, else ``None``."""
    if not set(map(type, values)) <= _CLEAN[kind]:
        return None
    try:
        arr = pa.array(values, type=READ_TYPES[kind])
    except _ARROW_ERRORS:
        return None
    if kind == "datetime":
        return _datetime_from_list(values, arr, dtype_backend)
    return from_arrow(kind, arr, dtype_backend)


def from_arrow(kind: str, arr: pa.Array | pa.ChunkedArray, dtype_backend: str) -> Any:
    """The typed array of an Arrow array of :data:`READ_TYPES` ``[kind]``, else ``None``."""
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
    if str not in types or not types <= _CLEAN["string"]:
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


class RecordColumns:
    """Reads the values of one key out of every record, in a C-level pass.

    When the records are plain dicts that all have the first record's keys
    (the usual case), the key union is the first record's keys; otherwise it
    is computed over every record, in first-seen order.
    """

    def __init__(self, records: list[Mapping[str, Any]]) -> None:
        self.records = records
        self.plain = bool(records) and set(map(type, records)) == {dict}
        first = records[0] if self.plain else {}
        self.first = first
        self.uniform = self.plain and set(map(len, records)) == {len(first)}
        self.done: set[str] = set()

    def values(self, name: str) -> list[Any]:
        records = self.records
        if not self.plain:
            return [r.get(name) for r in records]
        if name in self.first:
            self.done.add(name)
            try:
                return list(map(operator.itemgetter(name), records))
            except KeyError:
                self.uniform = False
        return list(map(dict.get, records, itertools.repeat(name)))  # type: ignore[arg-type]

    def first_extras(self) -> list[str]:
        """The first record's keys that are not schema fields."""
        return [k for k in self.first if k not in schema.FIELDS]

    def extra_names(self) -> list[str]:
        """Every non-schema key, in first-seen order (call after reading the first's keys)."""
        if self.uniform and len(self.done) == len(self.first):
            return self.first_extras()
        seen = dict.fromkeys(itertools.chain.from_iterable(self.records))
        return [k for k in seen if k not in schema.FIELDS]
