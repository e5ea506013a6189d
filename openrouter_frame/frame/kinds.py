"""Field kinds: what ``float``, ``int``, ``bool``, ``string``, ``label``, ``category``,
``datetime`` and ``json`` mean.

The one module that knows each kind of field (:data:`KINDS`): which plain
JSON values it takes on the fast path, the Arrow type it is read as, how a
list of values, an Arrow array or an already-typed pandas column (a JSON or
CSV read-back) becomes the kind's dtype, and how each backend stores it.
The dtype and the Arrow type of each kind are declared in
:mod:`openrouter_frame.schema` (:func:`~openrouter_frame.schema.kind_dtype`,
:func:`~openrouter_frame.schema.closed_set_dtype`,
:data:`~openrouter_frame.schema.ARROW_TYPES`); this module uses them.

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

import ast
import json
import math
import re
import warnings
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
_TIMESTAMP = schema.ARROW_TYPES["datetime"]
_TEXT = schema.ARROW_TYPES["string"]
#: Each kind's numpy-nullable dtype (the schema's table): what the per-value path gives.
_NUMPY: dict[str, Any] = schema.kind_dtypes()
_STRING = _NUMPY["string"]  # the ``string`` kind's numpy-nullable dtype
_LABEL = _NUMPY["label"]  # the ``label`` kind's: string[pyarrow]
_DICTIONARY = schema.ARROW_TYPES["category"]  # labels and closed sets under ``pyarrow``


def read_schema() -> pa.Schema:
    """The Arrow schema the raw JSON reader applies (every field but ``json`` ones)."""
    return pa.schema([pa.field(f.name, KINDS[f.kind].read) for f in schema.FIELDS.values()
                      if KINDS[f.kind].read is not None])


def json_array(values: Sequence[Any]) -> np.ndarray:
    """``values`` as a 1-d ``object`` array, each value as it is (lists stay lists).

    The ``json`` kind's column and every extra field's.

    >>> json_array([[{"status": 200}], None]).tolist()
    [[{'status': 200}], None]
    """
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)  # a list of lists would otherwise become a 2-d array
    return out


def from_values(kind: str, values: Sequence[Any], dtype_backend: str,
                categories: Sequence[str] = ()) -> Any:
    """The typed array of clean ``values`` of a ``kind`` field, else ``None``.

    ``categories``: a ``category`` field's closed set; a value outside it
    returns ``None`` (the per-value path keeps it and warns).
    """
    chunks = Chunks(kind)
    chunks.add(values)
    return chunks.finish(dtype_backend, categories)


class Chunks:
    """The fast path of one field's values, given a chunk of rows at a time.

    Each chunk is checked (only the kind's clean JSON types) and converted to
    Arrow as it comes, so a caller reading many columns out of the same rows
    can do it while those rows are in the CPU cache; :meth:`finish` gives what
    :func:`from_values` of all the values together gives.

    >>> chunks = Chunks("int")
    >>> chunks.add([1, None])
    >>> chunks.add((3,))
    >>> chunks.finish("numpy_nullable")
    <IntegerArray>
    [1, <NA>, 3]
    Length: 3, dtype: Int64
    >>> chunks.add(["4"])  # not clean: the per-value path decides
    >>> chunks.finish("numpy_nullable") is None
    True
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._clean = KINDS[kind].clean
        self._read = KINDS[kind].read
        #: The Arrow array of each chunk so far; ``None`` once a value was not clean.
        self.arrays: list[pa.Array] | None = []
        #: The values themselves, for the kinds that need them (``json``, ``datetime``).
        self.values: list[Any] | None = [] if kind in ("json", "datetime") else None

    def add(self, values: Sequence[Any]) -> None:
        """Check and convert the next chunk of values."""
        if self.arrays is None:
            return
        if self._read is not None:
            if not set(map(type, values)) <= self._clean:
                self.arrays = None
                return
            try:
                self.arrays.append(pa.array(values, type=self._read))
            except _ARROW_ERRORS:
                self.arrays = None
                return
        if self.values is not None:
            self.values.extend(values)

    def finish(self, dtype_backend: str, categories: Sequence[str] = ()) -> Any:
        """The typed array of every value added, else ``None`` (as :func:`from_values`)."""
        if self.arrays is None:
            return None
        if self.kind == "json":
            return json_array(self.values or [])
        arr = _joined(self.arrays, self._read)
        if self.kind == "datetime":
            return _datetime_from_list(self.values or [], arr, dtype_backend)
        return from_arrow(self.kind, arr, dtype_backend, categories)


def _joined(arrays: list[pa.Array], kind: pa.DataType) -> pa.Array | pa.ChunkedArray:
    """The chunks as one array; as a chunked one when they cannot be one (over 2 GB of
    text overflows a ``string`` array's 32-bit offsets, as :func:`pyarrow.array` would
    chunk it)."""
    if not arrays:
        return pa.array([], type=kind)
    if len(arrays) == 1:
        return arrays[0]
    try:
        return pa.concat_arrays(arrays)
    except (pa.ArrowInvalid, pa.ArrowCapacityError):
        return pa.chunked_array(arrays, type=kind)


def from_arrow(kind: str, arr: pa.Array | pa.ChunkedArray, dtype_backend: str,
               categories: Sequence[str] = ()) -> Any:
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
        return _STRING.__from_arrow__(arr)  # type: ignore[attr-defined]
    if kind == "label":
        if dtype_backend == "pyarrow":
            return _dictionary(arr)
        return _LABEL.__from_arrow__(arr)  # type: ignore[attr-defined]
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if kind == "category":
        return _category(arr, categories, dtype_backend)
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
        return pd.arrays.ArrowExtensionArray(pa.array(data, mask=mask,
                                                      type=schema.ARROW_TYPES["float"]))
    return pd.arrays.FloatingArray(data, mask)


def _masked(arr: pa.Array | pa.ChunkedArray, fill: Any, cls: Any, dtype_backend: str) -> Any:
    if dtype_backend == "pyarrow":
        return pd.arrays.ArrowExtensionArray(arr)
    return cls(_numpy(arr.fill_null(fill)), _null_mask(arr))


def _null_mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if arr.null_count == 0:
        return np.zeros(len(arr), dtype=bool)
    return _numpy(arr.is_null())


def _dictionary(arr: pa.Array | pa.ChunkedArray) -> Any:
    """Text as an Arrow dictionary column (the ``pyarrow`` backend's labels and categories)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pd.arrays.ArrowExtensionArray(arr.dictionary_encode().cast(_DICTIONARY))


def _category(arr: pa.Array, categories: Sequence[str], dtype_backend: str) -> Any:
    """A closed set's column; ``None`` when a value is outside ``categories``."""
    encoded = arr.dictionary_encode()
    uniques = encoded.dictionary.to_pylist()
    position = {c: i for i, c in enumerate(categories)}
    if not set(uniques) <= position.keys():
        return None
    if dtype_backend == "pyarrow":
        return pd.arrays.ArrowExtensionArray(encoded.cast(_DICTIONARY))
    lookup = np.array([position[u] for u in uniques] + [-1], dtype=np.int64)
    codes = lookup[encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)]
    return pd.Categorical.from_codes(codes, dtype=schema.closed_set_dtype(categories),
                                     validate=False)


def categorize(strings: Sequence[Any], categories: Sequence[str]
               ) -> tuple[pd.Categorical, list[str]]:
    """Text (and ``None``) as a categorical of ``categories`` plus any value outside them.

    Returns the categorical and the outside values (sorted), appended to the
    categories so that no value becomes NA: the rule of
    :mod:`openrouter_frame.schema` (*Values outside a closed set*), so the
    same values give the same dtype whatever the batch or its order.

    >>> cat, outside = categorize(["us", "mars", None], ("global", "europe", "us"))
    >>> list(cat.categories), outside
    (['global', 'europe', 'us', 'mars'], ['mars'])
    """
    present = {s for s in strings if s is not None}
    outside = sorted(present - set(categories))
    dtype = schema.closed_set_dtype([*categories, *outside])
    return pd.Categorical(np.asarray(strings, dtype=object), dtype=dtype), outside


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
    return pd.array(_to_float(values, bad), dtype=_NUMPY["float"])


def _convert_int(values: Sequence[Any], bad: Bad) -> pd.api.extensions.ExtensionArray:
    types = set(map(type, values))
    if types <= {int, _NONE}:
        try:
            return pd.array(values, dtype=_NUMPY["int"])
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
    return pd.array(values, dtype=_NUMPY["bool"])


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
    return pd.array(_clean_strings(values, bad), dtype=_STRING)


def _convert_label(values: Sequence[Any], bad: Bad) -> pd.api.extensions.ExtensionArray:
    return pd.array(_clean_strings(values, bad), dtype=_LABEL)


def _convert_category(values: Sequence[Any], bad: Bad) -> list[Any]:
    """The text of a closed set's values; :func:`categorize` makes the categorical."""
    return list(_clean_strings(values, bad))


def _convert_json(values: Sequence[Any], bad: Bad) -> np.ndarray:
    return json_array(values)


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
    if dtype_backend == "numpy_nullable" or field.kind == "json":
        return array
    target = schema.ARROW_TYPES[field.kind]
    if field.kind in ("category", "label"):
        arr = pa.array(np.asarray(array, dtype=object), type=_TEXT, from_pandas=True)
        return _dictionary(arr)
    return pd.arrays.ArrowExtensionArray(pa.array(array, type=target, from_pandas=True))


def cast_direct(col: pd.Series, kind: str, target: Any) -> pd.Series | None:
    """Cast what ``pd.read_json`` and friends already typed, without a text round trip.

    Datetimes of any unit or time zone (naive ones are taken as UTC), 0/1
    flags, and Arrow text or dictionaries of any index or value width (a
    parquet read-back gives ``dictionary<int8, large_string>``) to the
    schema's ``dictionary<int32, string>``; ``None`` means the value-by-value
    conversion must decide.
    """
    if isinstance(target, pd.ArrowDtype) and pa.types.is_dictionary(target.pyarrow_dtype) \
            and isinstance(col.dtype, pd.ArrowDtype):
        arrow = col.dtype.pyarrow_dtype
        text = arrow.value_type if pa.types.is_dictionary(arrow) else arrow
        # (a closed set's plain text takes the per-value path, which names outside values)
        if (pa.types.is_string(text) or pa.types.is_large_string(text)) and (
                kind == "label" or pa.types.is_dictionary(arrow)):
            chunks = pa.chunked_array(pa.array(col.array))
            if not pa.types.is_dictionary(arrow):
                chunks = chunks.dictionary_encode()
            try:
                cast = chunks.cast(target.pyarrow_dtype)
            except _ARROW_ERRORS:
                return None
            return pd.Series(pd.arrays.ArrowExtensionArray(cast), index=col.index,
                             name=col.name)
    if kind == "datetime" and pd.api.types.is_datetime64_any_dtype(col.dtype):
        stamps = pd.to_datetime(col, utc=True)
        return stamps.dt.as_unit(schema.DATETIME_UNIT).astype(target)
    if kind == "bool" and pd.api.types.is_numeric_dtype(col.dtype) \
            and not pd.api.types.is_bool_dtype(col.dtype):
        numbers = pd.to_numeric(col).astype("Float64")
        if numbers.dropna().isin([0, 1]).all():
            return numbers.astype("boolean").astype(target)
    return None


_PLAIN_JSON = frozenset({list, dict, str, int, float, bool, _NONE})


def json_is_plain(values: Sequence[Any]) -> bool:
    """Whether a ``json`` column holds decoded JSON already (lists, dicts, ``None``).

    Not so after a parquet read (NumPy arrays of dicts) or a CSV read (text).
    """
    return set(map(type, values)) <= _PLAIN_JSON - {str, float}


_NUMPY_ITEMS = re.compile(r"}\s*\n\s*{")


def json_readback(value: Any) -> Any:
    """One ``json`` value read back from a file, as JSON decoding gives it.

    NumPy arrays (parquet's lists) become lists, NumPy scalars Python ones,
    NaN and ``pd.NA`` ``None``; text (CSV) is parsed as JSON, or as the
    Python ``repr`` that ``DataFrame.to_csv`` writes for a list; text that
    is neither stays text.  Only the cell itself is parsed: text inside a
    list or dict is a value and stays text.

    >>> json_readback(np.array([{"status": np.int64(503), "id": "123"}], dtype=object))
    [{'status': 503, 'id': '123'}]
    >>> json_readback('[{"status": 200, "is_byok": false}]')
    [{'status': 200, 'is_byok': False}]
    >>> json_readback("[{'status': 200, 'is_byok': False}]")
    [{'status': 200, 'is_byok': False}]
    >>> json_readback("[{'status': 503}\\n {'status': 200}]")
    [{'status': 503}, {'status': 200}]
    """
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError, MemoryError):
            pass
        if value.lstrip()[:1] in ("[", "{"):
            # the literal DataFrame.to_csv writes for a list, or for an Arrow list column
            # (a NumPy array's repr: its dicts separated by a newline, no comma)
            for text in (value, _NUMPY_ITEMS.sub("}, {", value)):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", SyntaxWarning)
                    try:
                        return ast.literal_eval(text)
                    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                        pass
        return value
    return _plain(value)


def _plain(value: Any) -> Any:
    """``value`` with NumPy containers and scalars as Python ones, NA as ``None``."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        value = value.item()
    if schema.is_na(value):
        return None
    return value


def json_texts(values: Sequence[Any]) -> list[str | None]:
    """Each ``json`` cell as compact JSON text, a missing one (:func:`schema.is_na`) as ``None``.

    The inverse of :func:`json_readback`, for files that store JSON cells as text
    (:func:`~openrouter_frame.frame.io.write_frame`, the parquet dataset).

    >>> json_texts([[{"status": 200, "provider_name": "Été"}], None, float("nan")])
    ['[{"status":200,"provider_name":"Été"}]', None, None]
    """
    return [None if schema.is_na(v) else json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            for v in values]


def json_readback_many(values: Sequence[Any]) -> list[Any]:
    """:func:`json_readback` of each value, in one Arrow conversion for a parquet read.

    A column ``read_parquet`` gave back (NumPy arrays of dicts, or ``None``)
    already has one Arrow type, so Arrow rebuilds the Python values about 14x
    faster than a walk per value; anything else takes the walk.

    >>> json_readback_many([np.array([{"status": 503}], dtype=object), None])
    [[{'status': 503}], None]
    """
    if values and all(v is None or isinstance(v, np.ndarray) for v in values):
        try:
            return list(pa.array(list(values), from_pandas=True).to_pylist())
        except (pa.ArrowException, TypeError, ValueError):
            pass
    return [json_readback(v) for v in values]


def is_struct_readback(values: Sequence[Any]) -> bool:
    """Whether a ``json`` column's values are what ``read_parquet`` gives for a list of
    structs (NumPy arrays of dicts, or ``None``) rather than decoded or textual JSON."""
    return bool(values) and all(v is None or isinstance(v, np.ndarray) for v in values) \
        and any(v is not None for v in values)


def dtype_matches(actual: Any, target: Any) -> bool:
    """Whether a column of dtype ``actual`` already has the schema's dtype ``target``.

    A closed set's categorical matches when its categories are the closed
    set then values outside it, sorted (what :func:`categorize` gives); an
    Arrow dictionary only when it is exactly the schema's
    ``dictionary<int32, string>``.
    """
    if isinstance(target, pd.CategoricalDtype):
        known = list(target.categories)
        if not (isinstance(actual, pd.CategoricalDtype) and not actual.ordered
                and actual.categories.dtype == target.categories.dtype):
            return False
        categories = list(actual.categories)
        outside = categories[len(known):]
        return categories[:len(known)] == known and outside == sorted(outside)
    return bool(actual == target)


# -- the table ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Kind:
    """One field kind: its clean JSON types, its Arrow read type, its per-value converter."""

    name: str
    #: The Python types the fast path takes (anything else: the per-value path).
    clean: frozenset[type]
    #: The Arrow type the raw JSON reader reads it as (categories and dates as strings;
    #: ``None``: inferred, then rebuilt as Python values, like an extra field).
    read: pa.DataType | None
    #: The per-value converter; notes impossible values in a :class:`Bad`.
    convert: Callable[[Sequence[Any], Bad], Any]


_ARROW = schema.ARROW_TYPES
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("float", frozenset({float, int, _NONE}), _ARROW["float"], _convert_float),
    Kind("int", frozenset({int, _NONE}), _ARROW["int"], _convert_int),
    Kind("bool", frozenset({bool, _NONE}), _ARROW["bool"], _convert_bool),
    Kind("string", frozenset({str, _NONE}), _TEXT, _convert_string),
    # read as text, then dictionary-encoded or parsed:
    Kind("label", frozenset({str, _NONE}), _TEXT, _convert_label),
    Kind("category", frozenset({str, _NONE}), _TEXT, _convert_category),
    Kind("json", frozenset(), None, _convert_json),
    Kind("datetime", frozenset({str, _NONE}), _TEXT, _convert_datetime),
)}
