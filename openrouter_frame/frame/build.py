"""Turn generation records (dicts) or their raw JSON into typed pandas DataFrames.

Columns are the schema's 45 fields in the schema's order, each of the
schema's dtype whatever the batch (one id or a million, all null or not,
either path), then any extra fields the server sent, in first-seen order, as
``object`` columns holding the values exactly as JSON decoding gives them.
Three paths give exactly the same frame:

* :func:`records_to_frame`: the records are read a chunk at a time, every
  column of a chunk in one C-level pass, and each column's values, when they
  have the expected JSON types, converted through Arrow while still in the
  CPU cache (:mod:`openrouter_frame.frame.kinds`);
* a column holding anything unexpected (``"latency": "fast"``, a string
  number, a list) takes the per-value path (also :mod:`openrouter_frame.frame.kinds`),
  which parses what can be parsed and turns the rest into NA with one
  :class:`~openrouter_frame.SchemaWarning` per field naming the ids;
* :func:`raw_to_frame` reads raw JSON bodies (the cache's) with pyarrow's JSON
  reader (:mod:`openrouter_frame.frame.rawjson`), and falls back to
  :func:`json.loads` and the records path for anything pyarrow cannot read
  exactly.

Examples
--------
>>> from openrouter_frame.frame import records_to_frame
>>> df = records_to_frame([{"id": "gen-1", "total_cost": "0.0012", "model": "a/b"}])
>>> df.shape
(1, 45)
>>> df.loc[0, "total_cost"]
np.float64(0.0012)
>>> str(df["model"].dtype), str(df["latency"].dtype), str(df["data_region"].dtype)
('string', 'Float64', 'category')
"""

from __future__ import annotations

import itertools
import operator
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema
from ..errors import SchemaWarning
from . import kinds, nested
from . import rawjson as _fastjson


def convert_column(name: str, values: Sequence[Any], *, ids: Sequence[Any] | None = None,
                   dtype_backend: str = "numpy_nullable") -> Any:
    """Convert the raw JSON values of schema field ``name`` to its typed array.

    Values of an impossible type become NA and raise one :class:`SchemaWarning`
    naming the field, how many values and the first few ids (``ids``, else row
    numbers).
    """
    field = schema.FIELDS[name]
    bad = kinds.Bad()
    array = kinds.KINDS[field.kind].convert(values, bad)
    if field.kind == "category":
        array, outside = kinds.categorize(array, field.values)
        if outside:
            _warn_outside(name, field.values, outside, array, ids)
    if bad.rows:
        where = [ids[i] if ids is not None else i for i in bad.rows[:3]]
        more = f" (+{len(bad.rows) - 3} more)" if len(bad.rows) > 3 else ""
        examples = ", ".join(
            f"{w!r}: {_short(values[i])}" for w, i in zip(where, bad.rows[:3], strict=False)
        )
        warnings.warn(
            f"field {name!r}: {len(bad.rows)} value(s) of an impossible type became NA "
            f"(id {examples}{more})",
            SchemaWarning,
            stacklevel=3,
        )
    if field.kind == "json" and dtype_backend == "pyarrow":
        return attempts_column(array, ids)
    return kinds.to_backend(array, field, dtype_backend)


def _warn_outside(name: str, known: Sequence[str], outside: list[str], array: Any,
                  ids: Sequence[Any] | None) -> None:
    rows = [i for i, v in enumerate(array) if v in set(outside)]
    where = [ids[i] if ids is not None else i for i in rows[:3]]
    more = f" (+{len(rows) - 3} more)" if len(rows) > 3 else ""
    warnings.warn(
        f"field {name!r}: {len(rows)} value(s) outside the spec's set "
        f"({', '.join(known)}) kept as new categories {outside[:5]!r} "
        f"(id {', '.join(map(repr, where))}{more})",
        SchemaWarning,
        stacklevel=4,
    )


def warn_missing_required(frame: pd.DataFrame) -> None:
    """One :class:`SchemaWarning` per field the spec requires non-null that is null or missing.

    Covers :data:`openrouter_frame.schema.MUST_HAVE` (``id``, ``total_cost``,
    ``created_at``, ``model``, ``origin``, ``usage``, ``is_byok``,
    ``data_region``); the message names the field, how many ids and the
    first few.  Called once per fetched batch.

    Examples
    --------
    >>> import warnings
    >>> from openrouter_frame.testing import serve
    >>> with serve() as sim:
    ...     records = [sim.record(i) for i in sim.ids(3)]
    >>> records[0]["usage"] = None
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_missing_required(records_to_frame(records))
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    required field 'usage' is null or missing for 1 of 3 id(s) (gen-...)
    """
    if frame.empty:
        return
    ids = frame["id"] if "id" in frame.columns else None
    for name in schema.MUST_HAVE:
        if name not in frame.columns:
            missing = pd.Series(True, index=frame.index)
        else:
            missing = frame[name].isna()
        count = int(missing.sum())
        if not count:
            continue
        first = [] if ids is None else ids[missing.to_numpy()].head(3).tolist()
        shown = ", ".join(str(i) for i in first) + (" ..." if count > 3 else "")
        warnings.warn(
            f"required field {name!r} is null or missing for {count} of {len(frame)} "
            f"id(s) ({shown})",
            SchemaWarning,
            stacklevel=2,
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _extra_column(values: list[Any]) -> Any:
    """An extra field (not in the schema): its values as JSON decoding gives them.

    One rule whatever the batch: an ``object`` column, never typed from the
    values (a number column of one batch could be text in the next).
    """
    return kinds.json_array(values)


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
        A RangeIndex, the 45 schema columns in the schema's order (dtypes from
        the schema alone), then extra fields as ``object`` columns.

    Notes
    -----
    The records are read a chunk of rows at a time (every column of a chunk in
    one C-level pass) and each column's values, when they have the expected
    JSON types, converted through Arrow while the chunk is in the CPU cache;
    a column holding anything else takes the per-value path of
    :func:`convert_column`.  This costs less than the untyped
    ``pd.DataFrame(records)`` (``benchmarks/records.py``).

    Examples
    --------
    >>> from openrouter_frame.testing import serve
    >>> from openrouter_frame.frame import records_to_frame
    >>> with serve() as sim:
    ...     df = records_to_frame([sim.record(i) for i in sim.ids(3)])
    >>> len(df), list(df.columns[:3])
    (3, ['id', 'upstream_id', 'total_cost'])
    """
    schema.check_backend(dtype_backend)
    return _records_frame(records, dtype_backend)


def _records_frame(records: Iterable[Mapping[str, Any]], dtype_backend: str) -> pd.DataFrame:
    """:func:`records_to_frame` for a backend already checked."""
    records = records if isinstance(records, list) else list(records)
    columns = RecordColumns(records)
    fast = {name: kinds.Chunks(schema.FIELDS[name].kind) for name in schema.COLUMNS}
    extras: dict[str, list[Any]] = {name: [] for name in columns.first_extras()}
    with _fastjson.no_gc():  # the chunks' row tuples would trigger full collections
        columns.feed({**{name: c.add for name, c in fast.items()},
                      **{name: v.extend for name, v in extras.items()}})
    out: dict[str, Any] = {}
    for name, chunks in fast.items():
        field = schema.FIELDS[name]
        array = chunks.finish(dtype_backend, field.values)
        if array is None:
            array = convert_column(name, columns.values(name), ids=columns.values("id"),
                                   dtype_backend=dtype_backend)
        elif field.kind == "json" and dtype_backend == "pyarrow":
            array = attempts_column(array, columns.values("id"))
        out[name] = array
    for name in columns.extra_names():
        out[name] = _extra_column(extras[name] if name in extras else columns.values(name))
    return _assemble(out, len(records))


def attempts_column(values: Any, ids: Sequence[Any] | None = None) -> Any:
    """``provider_responses`` under ``pyarrow``: the Arrow ``list<struct>`` of
    :data:`~openrouter_frame.schema.ATTEMPTS_TYPE`, or the Python objects as they
    are, with one :class:`SchemaWarning` naming the ids, when a cell is not a list.

    ``values``: the cells (any shape :func:`nested.to_arrow` reads).
    """
    arr = nested.to_arrow(values)
    if arr is not None:
        return pd.arrays.ArrowExtensionArray(arr)
    cells = values.tolist() if isinstance(values, pd.Series) else list(values)
    odd = [i for i, c in enumerate(cells) if not (c is None or isinstance(c, list))]
    where = [ids[i] if ids is not None else i for i in odd[:3]]
    warnings.warn(
        f"field 'provider_responses': {len(odd)} cell(s) are not lists of attempts (id "
        f"{', '.join(map(repr, where))}{' ...' if len(odd) > 3 else ''}); the column keeps "
        "Python objects instead of an Arrow list of structs", SchemaWarning, stacklevel=3)
    return kinds.json_array(cells)


def raw_to_frame(bodies: Sequence[bytes], *, ids: Sequence[str] | None = None,
                 dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
    """Build the typed frame straight from raw JSON bodies (one ``data`` object each).

    The same frame as ``records_to_frame([json.loads(b) for b in bodies])``,
    several times faster and in a fraction of the memory: the bodies go
    through pyarrow's JSON reader with the schema's types, and only when
    pyarrow cannot read them exactly (a string number, a nested value where
    a number belongs, invalid JSON, ...) through :func:`json.loads`.

    Parameters
    ----------
    bodies : sequence of bytes
        Compact JSON objects, one per generation, as the cache stores them.
    ids : sequence of str, optional
        The id of each body, to name a body that is not a JSON object.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        As for :func:`records_to_frame`.

    Returns
    -------
    pandas.DataFrame
        Equal (``pd.testing.assert_frame_equal``) to the records path's frame.

    Raises
    ------
    ValueError
        A body is not valid JSON or not a JSON object (the message names its
        id when ``ids`` is given, else its position).

    Examples
    --------
    >>> import json
    >>> from openrouter_frame.testing import serve
    >>> from openrouter_frame.frame import raw_to_frame, records_to_frame
    >>> with serve() as sim:
    ...     records = [sim.record(i) for i in sim.ids(5)]
    >>> bodies = [json.dumps(r).encode() for r in records]
    >>> df = raw_to_frame(bodies)
    >>> df.equals(records_to_frame(records))
    True
    """
    schema.check_backend(dtype_backend)
    bodies = bodies if isinstance(bodies, list) else list(bodies)
    typed = [pa.field(n, nested.read_type()) for n in schema.names(kind="json")] \
        if dtype_backend == "pyarrow" else []
    table = _fastjson.read_table(bodies, typed)
    if table is None:
        return _records_frame(_fastjson.load_all(bodies, ids), dtype_backend)
    out: dict[str, Any] = {}
    row_ids = None
    loaded = _fastjson.Loaded(bodies)
    for name in schema.COLUMNS:
        field = schema.FIELDS[name]
        if field.kind == "json" and dtype_backend == "pyarrow":
            out[name] = pd.arrays.ArrowExtensionArray(
                nested.from_table_column(table.column(name), bodies, loaded)
                if name in table.column_names else pa.nulls(len(bodies), nested.TYPE))
            continue
        if field.kind == "json":  # read as an inferred column, like the extras
            out[name] = kinds.json_array(
                _fastjson.extra_values(table.column(name), name, loaded)
                if name in table.column_names else [None] * len(bodies))
            continue
        column = table.column(name)
        array = kinds.from_arrow(field.kind, column, dtype_backend, field.values)
        if array is None:  # inf, or a date pyarrow and pandas might read differently
            if row_ids is None:
                row_ids = table.column("id").to_pylist()
            array = convert_column(name, column.to_pylist(), ids=row_ids,
                                   dtype_backend=dtype_backend)
        out[name] = array
    for name in table.column_names:
        if name not in schema.FIELDS:
            out[name] = _extra_column(_fastjson.extra_values(table.column(name), name, loaded))
    return _assemble(out, len(bodies))


def _assemble(columns: dict[str, Any], n: int) -> pd.DataFrame:
    for name, array in columns.items():
        if isinstance(array, (pa.Array, pa.ChunkedArray)):
            columns[name] = pd.arrays.ArrowExtensionArray(array)
        elif isinstance(array, np.ndarray):  # object: pandas 3 would infer ``str`` from text
            columns[name] = pd.Series(array, dtype=object, copy=False)
    frame = pd.DataFrame(columns, copy=False)
    frame.index = pd.RangeIndex(n)
    return frame


def empty_frame(dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
    """A frame with no rows and the 45 typed columns."""
    return records_to_frame([], dtype_backend=dtype_backend)


def coerce(frame: pd.DataFrame, *, dtype_backend: str | None = None) -> pd.DataFrame:
    """Return ``frame`` with every schema column it has cast to the schema's dtype.

    For frames read back from parquet, CSV or JSON (where ``created_at`` is
    text, labels are plain strings and ``provider_responses`` is JSON text,
    NumPy arrays of dicts or an Arrow list of structs: it becomes lists of
    dicts again, as the service sent it, under ``numpy_nullable``, and the
    list of structs :data:`~openrouter_frame.schema.ATTEMPTS_TYPE` under
    ``pyarrow``, kept without a copy when a library file gave it).  Columns
    already of the right dtype are left alone (no copy); columns the frame
    lacks are not added; other columns (extras, a user's own) are left as
    they are.  With ``dtype_backend=None`` the backend is
    guessed from the first text or number column.

    Closed sets (``api_type``, ``data_region``) come back as the schema's
    type: under ``pyarrow`` any Arrow dictionary or text becomes
    ``dictionary<int32, string>``; under ``numpy_nullable`` text (what
    ``pd.concat`` of two categoricals with different categories gives) or
    another categorical becomes the categorical of the closed set then the
    values outside it, sorted (:mod:`openrouter_frame.schema`).

    Read-backs, and what each can give back:

    * :func:`~openrouter_frame.frame.io.write_frame` then
      :func:`~openrouter_frame.frame.io.read_frame`: every value and every
      cell as sent, ``""`` included (``provider_responses`` is stored as
      :data:`~openrouter_frame.schema.ATTEMPTS_TYPE`, whose ``_extra`` child
      keeps what its typed children cannot; for the spec's keys ``null`` and
      absent are one state there, see :mod:`openrouter_frame.schema`).
    * ``pd.read_csv`` of a CSV: pandas reads an empty field as missing by
      default, so ``origin=""`` becomes NA.  A file ``write_frame`` wrote
      keeps ``""`` with ``pd.read_csv(path, keep_default_na=False,
      na_values=["<NA>"])`` (``frame.io.CSV_READ_OPTIONS``); one written
      with ``df.to_csv`` cannot tell ``""`` from missing at all.
    * ``df.to_parquet`` then ``pd.read_parquet``: pandas stores
      ``provider_responses`` as a list of structs, which gives every item
      every key any item had.  Here a key the spec says is never ``null``
      (all but ``status``) that reads back as ``None`` is removed again, so
      the cells are as sent; a ``None`` under ``status`` or under a key the
      schema does not know is kept (the struct cannot tell absent from
      ``null`` there).  A ``pyarrow`` frame's column is
      :data:`~openrouter_frame.schema.ATTEMPTS_TYPE` already and comes back
      as it was.
    """
    if dtype_backend is None:
        dtype_backend = _guess_backend(frame)
    targets = schema.dtypes(dtype_backend)  # the one check of dtype_backend
    out = None
    for name in frame.columns:
        if name not in schema.FIELDS:
            continue
        target = targets[name]
        col = frame[name]
        if schema.FIELDS[name].kind == "json":
            column = _json_back(col, dtype_backend)
            if column is not None:
                if out is None:
                    out = frame.copy(deep=False)
                out[name] = column
            continue
        if kinds.dtype_matches(col.dtype, target):
            continue
        if out is None:
            out = frame.copy(deep=False)
        direct = kinds.cast_direct(col, schema.FIELDS[name].kind, target)
        if direct is not None:
            out[name] = direct
            continue
        values = col.astype(object).where(col.notna(), None).tolist()
        out[name] = pd.Series(convert_column(name, values, dtype_backend=dtype_backend),
                              index=frame.index, name=name)
    return frame if out is None else out


def _json_back(col: pd.Series, dtype_backend: str) -> pd.Series | None:
    """A read-back ``provider_responses`` as the backend's shape (``None``: it is already).

    ``pyarrow``: the Arrow list of structs (as it is when a library file gave
    it); ``numpy_nullable``: lists of dicts as sent (JSON text, NumPy arrays
    of dicts and Arrow lists of structs decoded).
    """
    arrow = isinstance(col.dtype, pd.ArrowDtype) and pa.types.is_nested(col.dtype.pyarrow_dtype)
    if dtype_backend == "pyarrow":
        if arrow and col.dtype.pyarrow_dtype == nested.TYPE:
            return None
        if col.dtype == object and not len(col):
            values: Any = col
        else:
            values = col if arrow or col.dtype == object else col.astype(object).where(
                col.notna(), None)
        return pd.Series(attempts_column(values), index=col.index, name=col.name)
    if arrow:
        cells = nested.to_cells(pa.chunked_array(col.array._pa_array))  # type: ignore[attr-defined]
    else:
        values = col.tolist()
        if col.dtype == object and kinds.json_is_plain(values):
            return None
        if kinds.is_struct_readback(values):
            try:
                cells = nested.to_cells(pa.array(values, from_pandas=True))
            except (pa.ArrowException, TypeError, ValueError):
                cells = kinds.json_readback_many(values)
        else:
            cells = kinds.json_readback_many(values)
    return pd.Series(kinds.json_array(cells), dtype=object, index=col.index, name=col.name)


def _guess_backend(frame: pd.DataFrame) -> str:
    for name in schema.COLUMNS:
        if name in frame.columns and schema.FIELDS[name].kind in ("string", "float", "int"):
            return "pyarrow" if isinstance(frame[name].dtype, pd.ArrowDtype) else \
                "numpy_nullable"
    return "numpy_nullable"


#: Records read at a time by :meth:`RecordColumns.feed` (their values stay in the CPU cache).
_CHUNK = 1024


class RecordColumns:
    """Reads the values of the records' keys, a chunk of records at a time, in C-level passes.

    When the records are plain dicts that all have the first record's keys
    (the usual case), the key union is the first record's keys; otherwise it
    is computed over every record, in first-seen order.
    """

    def __init__(self, records: list[Mapping[str, Any]]) -> None:
        self.records = records
        first = records[0] if records else {}
        self.first = first if type(first) is dict else {}
        #: Whether every record read so far is a dict with exactly the first one's keys.
        self.uniform = bool(self.first)
        self._ids: list[Any] | None = None

    def feed(self, adds: Mapping[str, Callable[[Sequence[Any]], object]]) -> None:
        """Pass each chunk of records' values of each key to its ``adds`` callable.

        Chunk by chunk, in row order: every key of a chunk is read (one pass
        over its records for all the first record's keys), then the next
        chunk.  A key the records lack gives ``None``.
        """
        known = [name for name in adds if name in self.first]
        getter = operator.itemgetter(*known) if len(known) > 1 else None
        # The first record's keys all fed, in one getter: it checks every record has them.
        whole = getter is not None and len(known) == len(self.first)
        if not whole:
            self.uniform = False
        width = len(self.first)
        known_adds = [adds[name] for name in known]
        for start in range(0, len(self.records), _CHUNK):
            chunk = self.records[start:start + _CHUNK]
            rows = None
            if getter is not None and set(map(type, chunk)) == {dict}:
                try:
                    rows = list(map(getter, chunk))
                except KeyError:
                    pass
            if rows is None or set(map(len, chunk)) != {width}:
                self.uniform = False
            if rows is not None:
                for add, values in zip(known_adds, zip(*rows, strict=True), strict=True):
                    add(values)
            for name, add in adds.items():
                if rows is None or name not in self.first:
                    add(_get(chunk, name))

    def values(self, name: str) -> list[Any]:
        """Every record's value of key ``name`` (``None`` where it lacks it)."""
        if name == "id" and self._ids is not None:
            return self._ids
        records = self.records
        values = _get(records, name)
        if name == "id":
            self._ids = values
        return values

    def first_extras(self) -> list[str]:
        """The first record's keys that are not schema fields."""
        return [k for k in self.first if k not in schema.FIELDS]

    def extra_names(self) -> list[str]:
        """Every non-schema key, in first-seen order (after :meth:`feed` of the first's keys)."""
        if self.uniform:
            return self.first_extras()
        seen = dict.fromkeys(itertools.chain.from_iterable(self.records))
        return [k for k in seen if k not in schema.FIELDS]


def _get(records: Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    """Each record's value of key ``name``, ``None`` where it lacks it."""
    if set(map(type, records)) == {dict}:
        return list(map(dict.get, records, itertools.repeat(name)))  # type: ignore[arg-type]
    return [r.get(name) for r in records]
