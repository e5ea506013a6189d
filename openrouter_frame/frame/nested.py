"""``provider_responses`` as an Arrow ``list<struct<...>>``
(:data:`~openrouter_frame.schema.ATTEMPTS_TYPE`).

The one home of the encoding described in :mod:`openrouter_frame.schema`
(*Provider attempts in Arrow*): each item's spec keys in typed children, and
everything else (keys outside the spec, values of another type, an item
that is not an object) as JSON text in the ``_extra`` child, so no value the
service sends is lost.  For the spec's keys, ``null`` and absent are one
state: an item rebuilt from the struct lacks a never-null key that was
``null`` or absent, and has ``status: None`` when ``status`` (the one
nullable, required key) was ``null`` or absent.

* :func:`to_arrow`: cells (lists of dicts, ``None``; NumPy arrays, text or
  Arrow arrays of a file read back) to the Arrow array, or ``None`` when a
  cell is not a list (a single object, a number): the caller keeps the
  Python objects then.  Clean cells take one Arrow conversion, the rest one
  Python pass per item.
* :func:`from_table_column`: the column pyarrow's JSON reader gave for raw
  bodies (read with :func:`read_type`), to the Arrow array; bodies whose items
  it cannot tell exactly (a key outside the spec, a null item) are parsed
  with :func:`json.loads`.
* :func:`to_cells`: the Arrow array back to the lists of dicts as sent (the
  ``numpy_nullable`` backend, the viewer); :func:`is_encoded_item` and
  :func:`decode_item` read one item of a cell pandas hands out.

Examples
--------
>>> from openrouter_frame.frame.nested import to_arrow, to_cells
>>> cells = [[{"provider_name": "A", "status": 503, "latency": 40.0, "region": "eu"}], None]
>>> arr = to_arrow(cells)
>>> arr.type == schema.ATTEMPTS_TYPE, arr[0][0]["_extra"].as_py()
(True, '{"region":"eu"}')
>>> to_cells(arr) == cells
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from .kinds import json_readback_many

EXTRA = schema.ATTEMPT_EXTRA
TYPE = schema.ATTEMPTS_TYPE
_STRUCT = schema.ATTEMPT_STRUCT
_FIELDS = schema.ATTEMPT_FIELDS
#: The keys of an encoded item (what ``to_pylist`` of the struct gives).
_KEYS = frozenset([*_FIELDS, EXTRA])
#: Keys whose ``null`` the struct keeps as ``null`` (the rest: a null child is an absent key).
_NULLABLE = frozenset(name for name, f in _FIELDS.items() if f.nullable)
_NEVER_NULL = tuple(name for name in _FIELDS if name not in _NULLABLE)
_INT64 = (-(2 ** 63), 2 ** 63 - 1)
_EXACT_FLOAT = 2 ** 53
_ARROW_ERRORS = (pa.ArrowException, OverflowError, TypeError, ValueError)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _fits(kind: str, value: Any) -> bool:
    """Whether ``value`` is exactly representable in the child of a ``kind`` key."""
    if kind in ("string", "label", "category"):
        return type(value) is str
    if kind == "int":
        return type(value) is int and _INT64[0] <= value <= _INT64[1]
    if kind == "float":
        return type(value) is float or (type(value) is int and abs(value) <= _EXACT_FLOAT)
    if kind == "bool":
        return type(value) is bool
    return False


_KIND = {name: f.kind for name, f in _FIELDS.items()}


def encode_item(item: Any) -> dict[str, Any]:
    """One item as a struct value (its typed keys, then ``_extra``): the per-item path.

    >>> encode_item({"status": "503", "latency": 40, "zone": 1})
    {'latency': 40, '_extra': '{"status":"503","zone":1}'}
    >>> encode_item(7)
    {'_extra': '7'}
    """
    if not isinstance(item, Mapping):
        return {EXTRA: _dumps(item)}  # not an object: ``_extra`` is the item itself
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in item.items():
        kind = _KIND.get(key)
        if kind is not None and value is None:
            if key in _NULLABLE:
                out[key] = None  # (a never-null key sent as null: absent, see the docs)
        elif kind is not None and _fits(kind, value):
            out[key] = value
        else:
            extra[key] = value
    if extra:
        out[EXTRA] = _dumps(extra)
    return out


def is_encoded_item(item: Any) -> bool:
    """Whether ``item`` is a struct value of :data:`TYPE` (every typed key and ``_extra``)."""
    return isinstance(item, Mapping) and item.keys() == _KEYS


def decode_item(item: Mapping[str, Any]) -> Any:
    """A struct value back to the item as sent (null children of never-null keys dropped).

    >>> decode_item(encode_item({"status": "503", "latency": 40, "zone": 1}) | dict.fromkeys(
    ...     ["provider_name", "status", "endpoint_id", "id", "model_permaslug", "is_byok",
    ...      "routed_service_tier"]))
    {'latency': 40, 'status': '503', 'zone': 1}
    """
    extra = item.get(EXTRA)
    out = {k: v for k, v in item.items()
           if k != EXTRA and (v is not None or k in _NULLABLE)}
    if extra is None:
        return out
    parsed = json.loads(extra)
    if not isinstance(parsed, dict):
        return parsed  # an item that was not an object
    out.update(parsed)
    return out


def _decode_cell(cell: Any) -> Any:
    if cell is None:
        return None
    return [decode_item(item) if isinstance(item, dict) else item for item in cell]


def to_cells(arr: pa.Array | pa.ChunkedArray) -> list[Any]:
    """The lists of dicts as sent, from an array of :data:`TYPE`.

    A list of structs without ``_extra`` (``df.to_parquet`` of lists of
    dicts) reads as one: its never-null keys read back as ``None`` were
    absent, and are removed; ``status`` and unknown keys keep their ``None``.
    """
    values = arr.to_pylist()
    kind = arr.type.value_type if _is_list(arr.type) else None
    if kind is not None and pa.types.is_struct(kind) and kind.get_field_index(EXTRA) < 0:
        never = frozenset(_NEVER_NULL)
        return [None if cell is None else
                [{k: v for k, v in item.items() if v is not None or k not in never}
                 if isinstance(item, dict) else item for item in cell] for cell in values]
    return [_decode_cell(cell) for cell in values]


def _is_list(kind: pa.DataType) -> bool:
    return pa.types.is_list(kind) or pa.types.is_large_list(kind)


# -- cells to Arrow -----------------------------------------------------------------------------
def to_arrow(values: Any) -> pa.Array | pa.ChunkedArray | None:
    """Cells as an array of :data:`TYPE`; ``None`` when a cell is not a list (or NA).

    ``values``: a Series or sequence of cells as :func:`json` decoding gives
    them, or as a file gives them back (NumPy arrays of dicts, JSON text, an
    Arrow list of structs, with or without ``_extra``).
    """
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.ArrowDtype):
            return from_arrow(pa.chunked_array(values.array._pa_array))  # type: ignore[attr-defined]
        values = values.tolist()
    cells = list(values)
    types = set(map(type, cells))
    if not types <= {list, type(None)}:
        if types <= {np.ndarray, type(None)}:
            try:
                return from_arrow(pa.array(cells, from_pandas=True))
            except _ARROW_ERRORS:
                pass
        cells = [None if schema.is_na(c) else c for c in json_readback_many(cells)]
        if not set(map(type, cells)) <= {list, type(None)}:
            return None
    fast = _clean_cells(cells)
    if fast is not None:
        return fast
    try:
        return pa.array([None if c is None else list(map(encode_item, c)) for c in cells],
                        type=TYPE)
    except _ARROW_ERRORS:  # a value JSON cannot write (a Python object put there by hand)
        return None


def from_arrow(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray | None:
    """An Arrow list of structs (a file's) as :data:`TYPE`: as it is when it has the type."""
    if arr.type == TYPE:
        return arr
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), TYPE)
    if not _is_list(arr.type):
        return None
    return to_arrow(to_cells(arr))


def _clean_cells(cells: list[Any]) -> pa.Array | None:
    """The cells in one Arrow conversion when every item is a dict of the spec's keys with
    values of their types; else ``None``."""
    try:
        inferred = pa.array(cells)
    except _ARROW_ERRORS:
        return None
    if pa.types.is_null(inferred.type):
        return pa.nulls(len(cells), TYPE)
    kind = inferred.type.value_type if _is_list(inferred.type) else None
    if kind is None or not (pa.types.is_struct(kind) or pa.types.is_null(kind)):
        return None
    if pa.types.is_null(kind):  # empty lists and nulls only
        return inferred.cast(TYPE)
    flat = inferred.values  # the items, in order (null cells hold none)
    if flat.null_count:  # a null item: the per-item path keeps it (as ``_extra`` "null")
        return None
    children = []
    for name in _STRUCT.names:
        index = kind.get_field_index(name)
        target = _STRUCT.field(name).type
        if name == EXTRA or index < 0:
            children.append(pa.nulls(len(flat), target))
            continue
        child = flat.field(index)
        if not (child.type == target or pa.types.is_null(child.type)
                or (target == pa.float64() and child.type == pa.int64()
                    and _exact_floats(child))):
            return None
        children.append(child.cast(target))
    if any(kind.field(i).name not in _FIELDS for i in range(kind.num_fields)):
        return None  # a key outside the spec: the per-item path keeps it in _extra
    items = pa.StructArray.from_arrays(children, fields=list(_STRUCT))
    return pa.ListArray.from_arrays(inferred.offsets, items, type=TYPE,
                                    mask=inferred.is_null() if inferred.null_count else None)


def _exact_floats(child: pa.Array) -> bool:
    if child.null_count == len(child):
        return True
    low, high = pc.min_max(child).values()
    return abs(low.as_py()) <= _EXACT_FLOAT and abs(high.as_py()) <= _EXACT_FLOAT


# -- the raw JSON reader's column ---------------------------------------------------------------
def read_type() -> pa.DataType:
    """The type pyarrow's JSON reader is given for ``provider_responses``: the typed keys
    (keys outside them are inferred, and :func:`from_table_column` deals with them)."""
    return pa.list_(pa.struct([f for f in _STRUCT if f.name != EXTRA]))


def from_table_column(column: pa.ChunkedArray, bodies: Sequence[bytes], loaded: Any
                      ) -> pa.Array:
    """The JSON reader's ``provider_responses`` (read as :func:`read_type`) as :data:`TYPE`.

    A body is re-read with :func:`json.loads` (``loaded[i]``) when its items
    may not be what the struct says: a null item, or a key outside the spec
    (inferred children; the body writes the key, or has an escape that could
    spell it).  Every clean body (no key outside the spec) is taken as the
    reader gives it, with no search of its bytes.
    """
    arr = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    n = len(arr)
    if pa.types.is_null(arr.type):
        return pa.nulls(n, TYPE)
    kind = arr.type.value_type
    flat = arr.values
    offsets = arr.offsets
    if arr.offset or len(flat) != offsets[-1].as_py() - offsets[0].as_py():
        flat = pc.list_flatten(arr)
        offsets = pc.subtract(offsets, offsets[0])
    children = [flat.field(kind.get_field_index(f.name)) for f in _STRUCT if f.name != EXTRA]
    items = pa.StructArray.from_arrays([*children, pa.nulls(len(flat), pa.string())],
                                       fields=list(_STRUCT))
    out = pa.ListArray.from_arrays(offsets, items, type=TYPE,
                                   mask=arr.is_null() if arr.null_count else None)
    unsure = np.zeros(n, dtype=bool)
    if flat.null_count:  # a null item: read again, the per-item path keeps it
        owner = np.repeat(np.arange(n), np.diff(offsets.to_numpy(zero_copy_only=False)))
        unsure[owner[flat.is_null().to_numpy(zero_copy_only=False)]] = True
    outside = [re.escape(b'"' + name.encode("utf-8", "surrogatepass") + b'"')
               for name in kind.names if name not in _FIELDS]
    if outside:  # a key outside the spec (rare): the bodies that write it are read again
        for hit in _rows_matching(bodies, [*outside, rb"\\"]):
            unsure |= hit
    again = np.flatnonzero(unsure)
    if not len(again):
        return out
    redone = to_arrow([loaded[i].get("provider_responses") for i in again.tolist()])
    if redone is None:  # cannot happen: the reader read these cells as lists
        raise ValueError("provider_responses: a cell the JSON reader read as a list is not one")
    take = np.arange(n)
    take[again] = n + np.arange(len(again))
    return pa.concat_arrays([out, _one(redone)]).take(pa.array(take))


_SEARCH_BATCH = 4096  # bodies joined per search (bounded memory)


def _rows_matching(bodies: Sequence[bytes], patterns: list[bytes]) -> list[np.ndarray]:
    """For each regular expression, whether each body matches it: one search per batch of
    joined bodies (most patterns are rare, so a C-level scan finds them)."""
    n = len(bodies)
    compiled = [re.compile(p) for p in patterns]
    out = [np.zeros(n, dtype=bool) for _ in patterns]
    for first in range(0, n, _SEARCH_BATCH):
        batch = bodies[first:first + _SEARCH_BATCH]
        joined = b"\n".join(batch)
        starts = np.cumsum(np.fromiter(map(len, batch), dtype=np.int64, count=len(batch)) + 1)
        for pattern, hits in zip(compiled, out, strict=True):
            at = [m.start() for m in pattern.finditer(joined)]
            if at:
                hits[first + np.searchsorted(starts, at, side="right")] = True
    return out


def _one(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
