"""Raw JSON bodies to an Arrow table, with exact Python values for the extra fields.

The reading half of :func:`openrouter_frame.frame.raw_to_frame`.  The bodies
(one compact JSON ``data`` object each, as the cache stores them) are streamed,
newline-joined a few thousand at a time, into pyarrow's multi-threaded JSON
reader with an explicit type for each schema field; fields the schema
lacks, and its ``json`` ones (``provider_responses``), are inferred.
pyarrow refuses anything that does not fit (a string where a number
belongs, a nested value, a duplicate key, ...): then
:func:`read_table` returns ``None`` and the caller parses every body with
:func:`json.loads` instead, so the result never depends on which path ran.

Arrow's inference loses two things that ``json.loads`` keeps, only inside
extra fields: whether a key of a nested object was absent or ``null``, and
whether a nested number was written ``3`` or ``3.0``; it also turns
date-like strings into timestamps.  :func:`extra_values` rebuilds the
Python values column-wise and re-reads just the rows where one of those
could have happened with :func:`json.loads`.

Examples
--------
>>> from openrouter_frame.frame.rawjson import read_table
>>> table = read_table([b'{"id": "gen-1", "latency": 120, "cost_details": "x"}'])
>>> table.num_rows, table.column_names[-1]
(1, 'cost_details')
>>> read_table([b'{"id": "gen-1", "latency": "fast"}']) is None
True
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.json as pa_json

from .kinds import read_schema

_BATCH = 4096  # bodies joined per read
_SAMPLE = 2000  # bodies read first, to learn the extra fields' types (above 10x as many)
_MIN_BLOCK, _MAX_BLOCK = 1 << 20, 1 << 23  # pyarrow's block: 1/16 of the bytes in this range

_SIMPLE = (pa.string(), pa.bool_(), pa.int64(), pa.float64())
_READ_SCHEMA = read_schema()


class _Joined:
    """A read-only stream of the bodies, one per line, joined a batch at a time.

    ``read`` hands pyarrow views of each joined batch, without another copy.
    ``broken`` turns true (and the stream ends) if a body holds a newline or
    does not start with ``{``: then each body is one line, and each line
    gives at least one row (or an error), so as many rows as bodies means
    one row per body.
    """

    closed = False

    def __init__(self, bodies: Sequence[bytes]) -> None:
        self._bodies = bodies
        self._next = 0
        self._buf = memoryview(b"")
        self.broken = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True

    def read(self, size: int = -1) -> memoryview | bytes:
        if not self._buf:
            if self._next >= len(self._bodies) or self.broken:
                return b""
            batch = self._bodies[self._next:self._next + _BATCH]
            self._next += len(batch)
            joined = b"\n".join(batch) + b"\n"
            # One line per body, each starting with "{": n newlines, n - 1 of them before "{".
            if (joined.count(b"\n") != len(batch) or joined.count(b"\n{") != len(batch) - 1
                    or not joined.startswith(b"{")):
                self.broken = True
                return b""
            self._buf = memoryview(joined)
        out = self._buf[:size] if size >= 0 else self._buf
        self._buf = self._buf[len(out):]
        return out


def read_table(bodies: Sequence[bytes], typed: Sequence[pa.Field] = ()) -> pa.Table | None:
    """The bodies as an Arrow table (typed schema fields, then inferred ones), or ``None``.

    ``None`` when pyarrow cannot read them exactly: a value of an unexpected
    JSON type, invalid JSON, a body that is not one object on one line, or a
    body that is not ``bytes``.

    Of many bodies, the first few thousand are read first, with the extra
    fields' types inferred; those types then speed up reading them all (by a
    sixth).  Should a later body disagree, all are read again with every
    extra inferred.

    ``typed``: fields read with these types rather than inferred (the
    ``pyarrow`` backend's ``provider_responses``).
    """
    if not bodies or not set(map(type, bodies)) <= {bytes}:
        return None
    given = _READ_SCHEMA
    for field in typed:
        index = given.get_field_index(field.name)
        given = given.append(field) if index < 0 else given.set(index, field)
    if len(bodies) <= 10 * _SAMPLE:
        return _read(bodies, given)
    sample = _read(bodies[:_SAMPLE], given)
    if sample is None:
        return None
    known = pa.schema([f for f in sample.schema if not _has_null(f.type)
                       or f.name in given.names])
    table = _read(bodies, known) if len(known) > len(given) else None
    if table is None:
        table = _read(bodies, given)
        if table is None:
            return None
    first_seen = sample.column_names + [c for c in table.column_names
                                        if c not in sample.schema.names]
    return table.select(first_seen)


def _read(bodies: Sequence[bytes], schema: pa.Schema) -> pa.Table | None:
    options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")
    block = min(_MAX_BLOCK, max(_MIN_BLOCK, (sum(map(len, bodies)) + len(bodies)) // 16))
    while True:
        stream = _Joined(bodies)
        try:
            table = pa_json.read_json(stream, read_options=pa_json.ReadOptions(block_size=block),
                                      parse_options=options)
        except (pa.ArrowException, ValueError, TypeError):
            longest = max(map(len, bodies))
            if longest < block // 2:
                return None
            block = 2 * longest + 2  # a body longer than pyarrow's block: retry with larger
            continue
        return None if stream.broken or table.num_rows != len(bodies) else table


def _has_null(kind: pa.DataType) -> bool:
    """Whether a (nested) type has a part pyarrow typed ``null`` for lack of values."""
    if pa.types.is_null(kind):
        return True
    return any(_has_null(kind.field(i).type) for i in range(kind.num_fields))


def load_all(bodies: Sequence[Any], ids: Sequence[Any] | None = None) -> list[dict[str, Any]]:
    """Every body through :func:`json.loads`; ``ValueError`` names a body that is not an object."""
    out = []
    for i, body in enumerate(bodies):
        try:
            record = json.loads(body)
        except ValueError as exc:
            raise ValueError(f"{_which(i, ids)} is not valid JSON: {exc}") from None
        if not isinstance(record, dict):
            raise ValueError(f"{_which(i, ids)} is a JSON {type(record).__name__}, "
                             "not an object")
        out.append(record)
    return out


def _which(i: int, ids: Sequence[Any] | None) -> str:
    return f"the body of id {ids[i]!r}" if ids is not None and i < len(ids) else f"body #{i}"


class Loaded:
    """Bodies parsed with :func:`json.loads` on demand, each at most once."""

    def __init__(self, bodies: Sequence[bytes]) -> None:
        self.bodies = bodies
        self._done: dict[int, dict[str, Any]] = {}

    def __getitem__(self, i: int) -> dict[str, Any]:
        record = self._done.get(i)
        if record is None:
            record = self._done[i] = json.loads(self.bodies[i])
        return record


def extra_values(column: pa.ChunkedArray, name: str, loaded: Loaded) -> list[Any]:
    """The Python values of extra field ``name``, equal to what ``json.loads`` gives."""
    arr = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_null(arr.type):
        return [None] * len(arr)
    if arr.type in _SIMPLE and arr.type != pa.float64():
        return arr.to_pylist()
    try:
        arr.validate(full=True)
    except pa.ArrowInvalid:  # pyarrow 26 can build a list<null> too short for its offsets
        return [loaded[i].get(name) for i in range(len(arr))]
    with no_gc():
        values, unsure, maybe = _pylist(arr)
    if maybe:
        unsure = _drop_absent(maybe, loaded, len(arr), unsure)
    if unsure is not None:
        for i in np.flatnonzero(unsure).tolist():
            values[i] = loaded[i].get(name)
    return values


#: (row, dict, key): a key of a nested object that Arrow read as null, absent or null.
_Maybe = list[tuple[int, dict[str, Any], str]]


def _drop_absent(maybe: _Maybe, loaded: Loaded, n: int, unsure: np.ndarray | None
                 ) -> np.ndarray | None:
    """Delete the keys that were absent; mark unsure the rows where that is not certain.

    A key read as null was absent from its object unless the body writes it
    with a null value somewhere (``"key": null``).  A body with any escape
    (``\\u00e9``, ``\\/``: a key could be spelt with one) is re-read; any
    other body can spell a key only one way, its UTF-8 text.  Each body is
    searched once per key, only for the key's text (a C-level pass), and
    with the pattern only where the key is written at all.
    """
    out = np.zeros(n, dtype=bool) if unsure is None else unsure
    bodies = loaded.bodies
    rows = np.fromiter((m[0] for m in maybe), dtype=np.intp, count=len(maybe))
    keys = [m[2] for m in maybe]
    checked = np.unique(rows)
    out[checked[_contains(bodies, checked, b"\\")]] = True  # memchr
    number = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    codes = np.fromiter(map(number.__getitem__, keys), dtype=np.intp, count=len(keys))
    for key, code in number.items():
        candidates = np.unique(rows[codes == code])
        candidates = candidates[~out[candidates]]
        text = key.encode("utf-8", "surrogatepass")  # as a body without escapes writes it
        written = candidates[_contains(bodies, candidates, b'"' + text + b'"')]
        if len(written):
            pattern = re.compile(rb'"' + re.escape(text) + rb'"\s*:\s*null')
            out[[i for i in written.tolist() if pattern.search(bodies[i])]] = True
    drop = ~out[rows]
    objs = [m[1] for m, d in zip(maybe, drop.tolist(), strict=True) if d]
    list(map(dict.__delitem__, objs, itertools.compress(keys, drop.tolist())))
    return out if out.any() else None


def _contains(bodies: Sequence[bytes], rows: np.ndarray, text: bytes) -> np.ndarray:
    """Whether each of the bodies ``rows`` contains ``text`` (a C-level pass)."""
    found = map(bytes.__contains__, map(bodies.__getitem__, rows.tolist()),
                itertools.repeat(text))
    return np.fromiter(found, dtype=bool, count=len(rows))


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many containers.

    Creating a million lists and dicts otherwise triggers full collections
    that walk every one of them, which costs more than building them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_Result = tuple[list[Any], "np.ndarray | None", _Maybe]


def _pylist(arr: pa.Array) -> _Result:
    """``arr.to_pylist()`` built column-wise, the rows it may have got wrong, and the
    keys read as null that may have been absent (see :func:`_drop_absent`)."""
    kind = arr.type
    if pa.types.is_null(kind):
        return [None] * len(arr), None, []
    if kind in (pa.string(), pa.bool_(), pa.int64()):
        return arr.to_pylist(), None, []
    if kind == pa.float64():
        data = arr.fill_null(0.5).to_numpy(zero_copy_only=False)
        integral = np.isfinite(data) & (data == np.floor(data))  # maybe written as an int
        return arr.to_pylist(), integral if integral.any() else None, []
    if pa.types.is_struct(kind):
        return _struct(arr)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _list(arr)
    # Timestamps inferred from strings, or anything unforeseen: trust json.loads.
    return arr.to_pylist(), arr.is_valid().to_numpy(zero_copy_only=False), []


def _struct(arr: pa.StructArray) -> _Result:
    names = [arr.type.field(i).name for i in range(arr.type.num_fields)]
    children = arr.flatten()
    unsure = np.zeros(len(arr), dtype=bool)
    lists, nulls, maybe = [], [], []
    for child in children:
        values, child_unsure, child_maybe = _pylist(child)
        lists.append(values)
        nulls.append(np.flatnonzero(child.is_null().to_numpy(zero_copy_only=False)).tolist()
                     if child.null_count else [])
        maybe.extend(child_maybe)
        if child_unsure is not None:
            unsure |= child_unsure
    out: list[Any] = [{} for _ in range(len(arr))]
    for name, values in zip(names, lists, strict=True):  # a key at a time: twice as fast
        for record, value in zip(out, values, strict=True):
            record[name] = value
    valid = arr.is_valid().to_numpy(zero_copy_only=False) if arr.null_count else None
    for name, rows in zip(names, nulls, strict=True):  # absent or null: decided later
        maybe.extend((i, out[i], name) for i in rows if valid is None or valid[i])
    if valid is not None:
        unsure &= valid
        maybe = [m for m in maybe if valid[m[0]]]
        for i in np.flatnonzero(~valid).tolist():
            out[i] = None
    return out, unsure if unsure.any() else None, maybe


def _list(arr: pa.ListArray) -> _Result:
    offsets = arr.offsets.to_numpy(zero_copy_only=False)
    child_maybe: _Maybe = []
    if pa.types.is_null(arr.type.value_type):  # lists of nulls: the offsets say it all
        values: list[Any] = [None] * int(offsets[-1]) if len(offsets) else []
        child_unsure = None
    else:
        values, child_unsure, child_maybe = _pylist(arr.values)
    out: list[Any] = list(map(values.__getitem__,
                              map(slice, offsets[:-1].tolist(), offsets[1:].tolist())))
    unsure = None
    if child_unsure is not None:
        rows = np.searchsorted(offsets, np.flatnonzero(child_unsure), side="right") - 1
        unsure = np.zeros(len(arr), dtype=bool)
        unsure[rows[(rows >= 0) & (rows < len(arr))]] = True
    maybe: _Maybe = []
    if child_maybe:
        rows = np.searchsorted(offsets, [m[0] for m in child_maybe], side="right") - 1
        maybe = [(int(r), obj, key) for r, (_, obj, key) in zip(rows, child_maybe, strict=True)
                 if 0 <= r < len(arr)]
    if arr.null_count:
        valid = arr.is_valid().to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(~valid).tolist():
            out[i] = None
        if unsure is not None:
            unsure &= valid
        maybe = [m for m in maybe if valid[m[0]]]
    return out, unsure, maybe

