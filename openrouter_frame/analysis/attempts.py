"""Provider attempts (the fallback chain in ``provider_responses``) and sessions.

``provider_responses`` lists, per generation, every provider OpenRouter tried,
in order: the official ``ProviderResponse`` items (``provider_name``,
``model_permaslug``, ``status``, ``latency``, ``is_byok``, ``endpoint_id``,
``id``, ``routed_service_tier``; only ``status`` is required).  A cell may be a
list of dicts (a fresh fetch), a NumPy array of dicts (after parquet), text
after CSV (JSON, or the Python literal ``DataFrame.to_csv`` writes) or NA (the
service sent null); under ``dtype_backend="pyarrow"`` the column is the Arrow
list of structs :data:`~openrouter_frame.schema.ATTEMPTS_TYPE`, read with
Arrow compute (its ``_extra`` child, when set, item by item).
:func:`provider_attempts` turns the column into one tidy row per attempt; the
summaries here are built on it.  :func:`read_cell`,
:func:`whole_number`, :func:`real_number` and :func:`provider_of` are the one
reading of a cell, its statuses, latencies and provider names: the viewer's
fallback table (:mod:`openrouter_frame.viewer.fallback`) uses them too.

Which attempt served the answer
    The spec does not mark it.  An attempt is ``served`` when its ``id`` (the
    upstream provider's response id) equals the generation's ``upstream_id``;
    for a generation where no attempt matches (or ``upstream_id`` is absent),
    the last attempt with a 2xx ``status`` served it: fallbacks come before the
    provider that answered.  A generation with no 2xx attempt has no served
    attempt.

Examples
--------
>>> import pandas as pd
>>> from openrouter_frame.analysis.attempts import provider_attempts
>>> frame = pd.DataFrame({"id": ["gen-1", "gen-2"], "provider_responses": [
...     [{"provider_name": "Groq", "status": 429, "latency": 80.0},
...      {"provider_name": "Together", "status": 200, "latency": 900.0}], None]})
>>> provider_attempts(frame)[["id", "attempt", "provider_name", "status", "served"]]
      id  attempt provider_name  status  served
0  gen-1        1          Groq     429   False
1  gen-1        2      Together     200    True
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..errors import SchemaWarning
from ..frame.kinds import categorize, json_readback
from ..frame.nested import EXTRA, decode_item, is_encoded_item
from ..schema import is_na
from .groups import By, group_by
from .metrics import (
    check_percentiles,
    float_col,
    floats,
    group,
    int_col,
    pct_label,
    require,
    table,
)
from .partials import Inputs, Reduced, reduce_frame
from .units import float_or_inf

__all__ = ["ATTEMPT_DTYPES", "Unreadable", "attempt_counts", "fallbacks", "provider_attempts",
           "provider_of", "provider_summary", "read_cell", "real_number", "served_attempts",
           "sessions", "whole_number"]

#: The numpy-nullable dtype of each kind (the schema's table): the attempts frame has no
#: ``dtype_backend``, whatever the backend of the frame it reads.
_KIND_DTYPES = schema.kind_dtypes()


def _read_as(field: schema.Field) -> tuple[pa.DataType, Any]:
    """How an attempt key is read: a plain Arrow type (the fast path) and a pandas dtype.

    Both come from the schema's tables by the field's kind; a label is read as
    its dictionary's value type, and a closed set as text (:func:`_tiers` then
    gives it the schema's categorical): the child types of
    :data:`~openrouter_frame.schema.ATTEMPTS_TYPE`.
    """
    kind = "string" if field.kind == "category" else field.kind
    return schema.attempt_arrow_type(field), _KIND_DTYPES[kind]


#: The official ``ProviderResponse`` fields, in the attempts frame's column order (``id``,
#: the provider's response id, becomes ``upstream_response_id``): how each is read.
_FIELDS: dict[str, tuple[pa.DataType, Any]] = {
    name: _read_as(schema.ATTEMPT_FIELDS[name])
    for name in ("provider_name", "model_permaslug", "status", "latency", "is_byok",
                 "endpoint_id", "routed_service_tier")
}
_RESPONSE_ID = _read_as(schema.ATTEMPT_FIELDS["id"])
#: The closed set of ``routed_service_tier``, as :mod:`openrouter_frame.schema` declares it.
_TIER = schema.ATTEMPT_FIELDS["routed_service_tier"]
#: Columns and dtypes of :func:`provider_attempts` (then any unknown item keys, as objects):
#: each the schema's numpy-nullable dtype of its field (``routed_service_tier`` the
#: schema's categorical).
ATTEMPT_DTYPES: dict[str, Any] = {
    "id": schema.dtype("id"), "attempt": _KIND_DTYPES["int"],
    **{name: schema.ATTEMPT_FIELDS[name].dtype() for name in _FIELDS},
    "upstream_response_id": schema.ATTEMPT_FIELDS["id"].dtype(),
    "served": _KIND_DTYPES["bool"],
}
_NEEDS = ["id", "provider_responses"]


class _Irregular(Exception):
    """A cell the vectorised path cannot take; the per-value path handles the column."""


# -- reading the column ---------------------------------------------------------------------
class Unreadable:
    """A ``provider_responses`` cell or item that is not an object (kept, never parsed).

    :func:`read_cell` hands these back in place; :func:`provider_attempts` leaves
    them out with a warning, the viewer shows them as they are.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Unreadable({self.value!r})"


def read_cell(cell: Any) -> list[dict[str, Any] | Unreadable] | None:
    """One ``provider_responses`` cell as its items: the one reading of the column.

    ``None`` for NA (the service sent null, or text ``null``); otherwise the
    items in order.  A list, tuple or NumPy array (parquet) is read as it is
    (an item of the Arrow list of structs, with its ``_extra`` child, as the
    item sent: :mod:`openrouter_frame.frame.nested`),
    text (CSV) as JSON or as the Python literal ``DataFrame.to_csv`` writes,
    empty text as no attempts, a single object as one attempt.  A cell or item
    that is not an object is kept as :class:`Unreadable`.

    >>> read_cell('[{"status": 200}]'), read_cell(None), read_cell("")
    ([{'status': 200}], None, [])
    >>> read_cell([{"status": 503}, 7])
    [{'status': 503}, Unreadable(7)]
    """
    if isinstance(cell, str):
        if not cell.strip():
            return []
        parsed = json_readback(cell)
        if isinstance(parsed, str):  # neither JSON nor the literal to_csv writes
            return [Unreadable(cell)]
        cell = parsed
    if isinstance(cell, Mapping):
        cell = [cell]
    if isinstance(cell, (list, tuple, np.ndarray)):
        items = [decode_item(item) if is_encoded_item(item) else item for item in cell]
        return [dict(item) if isinstance(item, Mapping) else Unreadable(item) for item in items]
    if is_na(cell):
        return None
    return [Unreadable(cell)]


#: Older records name an attempt's provider ``provider``; ``provider_name`` is the official key.
LEGACY_PROVIDER_KEY = "provider"


def provider_of(item: Mapping[str, Any]) -> str | None:
    """An item's provider: ``provider_name``, else the older ``provider`` key, else ``None``.

    >>> provider_of({"provider_name": "Azure"}), provider_of({"provider": "OpenAI"})
    ('Azure', 'OpenAI')
    """
    for key in ("provider_name", LEGACY_PROVIDER_KEY):
        value = item.get(key)
        if not is_na(value):
            return value if isinstance(value, str) else str(value)
    return None


_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1


def whole_number(value: Any) -> int | None:
    """An item's integer value (``status``): ``None`` for NA and for what is not one.

    Text of a number is read; a float counts when it is whole.  Booleans,
    fractions, infinities and values outside int64 are not integers here:
    :func:`provider_attempts` makes them NA with a warning naming them.

    >>> whole_number(200), whole_number("503"), whole_number(200.0), whole_number(None)
    (200, 503, 200, None)
    >>> whole_number(200.5), whole_number(1e30), whole_number(10 ** 30), whole_number(True)
    (None, None, None, None)
    """
    if isinstance(value, (bool, np.bool_)) or is_na(value):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                return None
    if isinstance(value, (int, np.integer)):
        number = int(value)
    elif isinstance(value, (float, np.floating)):
        if not math.isfinite(value) or not float(value).is_integer():
            return None
        number = int(value)
    else:
        return None
    return number if _INT64_MIN <= number <= _INT64_MAX else None


def real_number(value: Any) -> float | None:
    """An item's float value (``latency``): ``None`` for NA and for what is not a number.

    Infinities are numbers (JSON ``1e400`` reads as ``inf``); so is an integer
    too large for a float, as ``inf``.

    >>> real_number(610), real_number("2.5"), real_number(10 ** 400), real_number("abc")
    (610.0, 2.5, inf, None)
    """
    if isinstance(value, (bool, np.bool_)) or is_na(value):
        return None
    if isinstance(value, (int, np.integer)):
        return float_or_inf(value)
    if isinstance(value, (float, np.floating, str)):
        try:
            number = float(value)
        except ValueError:
            return None
        return None if math.isnan(number) else number
    return None


def _fast_cell(cell: Any) -> list[Any] | None:
    if type(cell) is list:
        return cell
    if isinstance(cell, np.ndarray):
        return list(cell)
    if isinstance(cell, (list, tuple)):
        return list(cell)
    if isinstance(cell, str):  # read back from CSV
        value = json_readback(cell)
        if value is None or type(value) is list:
            return value
        raise _Irregular
    if is_na(cell):
        return None
    raise _Irregular


def _list_array(series: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column as an Arrow ``list<struct>`` (raises :class:`_Irregular` if it is not one)."""
    if isinstance(series.dtype, pd.ArrowDtype):
        arr: Any = pa.chunked_array(series.array._pa_array)
    else:
        values = series.to_numpy(dtype=object)
        try:  # lists or NumPy arrays of dicts (fresh or from parquet): Arrow reads them as they are
            arr = pa.array(values, from_pandas=True)
            if not _is_list_of_structs(arr.type):
                raise _Irregular
        except (pa.ArrowException, _Irregular, TypeError, ValueError, OverflowError):
            try:  # text cells (CSV), tuples, ...: one Python pass first
                arr = pa.array([_fast_cell(c) for c in values], from_pandas=True)
            except (pa.ArrowException, _Irregular, TypeError, ValueError,
                    OverflowError) as exc:
                raise _Irregular from exc
    kind = arr.type
    if pa.types.is_null(kind):
        return pa.array([None] * len(series), pa.list_(pa.struct([])))
    if not _is_list_of_structs(kind):
        raise _Irregular
    return arr


def _is_list_of_structs(kind: pa.DataType) -> bool:
    return (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and (
        pa.types.is_struct(kind.value_type) or pa.types.is_null(kind.value_type))


def _cells(series: pd.Series) -> list[list[dict[str, Any]] | None]:
    """Every cell as a list of dicts or ``None`` (the per-value path); see :func:`read_cell`."""
    bad = 0
    out: list[list[dict[str, Any]] | None] = []
    for cell in series.array:
        items = read_cell(cell)
        if items is None:
            out.append(None)
            continue
        kept = [item for item in items if not isinstance(item, Unreadable)]
        bad += len(items) - len(kept)
        whole = len(items) == 1 and isinstance(items[0], Unreadable) and items[0].value is cell
        out.append(None if whole else kept)  # an unreadable cell counts as NA, as null does
    if bad:
        warnings.warn(f"provider_responses: {bad} cell(s) or item(s) that are not lists of "
                      "objects were left out of the attempts", SchemaWarning, stacklevel=4)
    return out


def _shown(values: list[Any], limit: int = 3) -> str:
    """The first few values, as ``repr``, for a warning."""
    text = ", ".join(repr(v) for v in values[:limit])
    return text + (", ..." if len(values) > limit else "")


def _typed(values: list[Any], name: str, target: Any) -> Any:
    """Python values as ``target`` (a pandas dtype); impossible values become NA, counted."""
    series = pd.Series(values, dtype=object)
    known = series.notna()
    if isinstance(target, pd.StringDtype):
        out = series.where(~known, series.map(lambda v: v if isinstance(v, str) else (
            json.dumps(v) if isinstance(v, (dict, list)) else str(v))))
        return pd.array(out.where(known, None).tolist(), dtype=target)
    if isinstance(target, pd.BooleanDtype):
        def flag(v: Any) -> Any:
            if isinstance(v, (bool, np.bool_)):
                return bool(v)
            text = str(v).strip().lower()
            return {"true": True, "false": False}.get(text, None)
        result = pd.array([flag(v) if k else None for v, k in zip(values, known, strict=True)],
                          dtype=target)
    elif isinstance(target, pd.Int64Dtype):
        result = pd.array([whole_number(v) if k else None
                           for v, k in zip(values, known, strict=True)], dtype=target)
    else:
        result = pd.array([real_number(v) if k else None
                           for v, k in zip(values, known, strict=True)], dtype=target)
    lost = known.to_numpy() & np.asarray(pd.isna(result), dtype=bool)
    if lost.any():
        shown = _shown([v for v, gone in zip(values, lost, strict=True) if gone])
        warnings.warn(f"provider_responses: {int(lost.sum())} {name!r} value(s) of an "
                      f"impossible type or out of range became NA: {shown}", SchemaWarning,
                      stacklevel=5)
    return result


def _slow_columns(series: pd.Series) -> tuple[np.ndarray, dict[str, Any]]:
    """Lengths per generation and the attempt columns, one value at a time."""
    cells = _cells(series)
    lengths = np.array([len(c) if c is not None else -1 for c in cells], dtype=np.int64)
    flat = [item for c in cells if c for item in c]
    names = list(dict.fromkeys(k for item in flat for k in item))
    columns: dict[str, Any] = {}
    for name in dict.fromkeys([*_FIELDS, "id", *names]):
        values = [item.get(name) for item in flat]
        if name in _FIELDS:
            columns[name] = _typed(values, name, _FIELDS[name][1])
        elif name == "id":
            columns[name] = _typed(values, "id", _RESPONSE_ID[1])
        else:
            columns[name] = pd.array(values, dtype=object)
    return lengths, columns


def _fast_columns(arr: Any, n: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Lengths per generation (-1 for NA) and the attempt columns, from an Arrow list array."""
    lengths = pc.list_value_length(arr).to_numpy(zero_copy_only=False)
    lengths = np.where(pd.isna(lengths), -1, lengths).astype(np.int64)
    flat = pc.list_flatten(arr)
    if isinstance(flat, pa.ChunkedArray):
        flat = flat.combine_chunks() if flat.num_chunks != 1 else flat.chunk(0)
    kind = flat.type
    present = [kind.field(i).name for i in range(kind.num_fields)] if pa.types.is_struct(
        kind) else []
    if EXTRA in present:  # the library's list of structs: _extra holds what the rest cannot
        if flat.null_count or pc.struct_field(flat, [present.index(EXTRA)]).null_count != len(
                flat):
            raise _Irregular  # an item with more than its typed keys: read item by item
        present.remove(EXTRA)
    columns: dict[str, Any] = {}
    for name in dict.fromkeys([*_FIELDS, "id", *present]):
        target = _FIELDS[name] if name in _FIELDS else _RESPONSE_ID if name == "id" else None
        if name not in present:
            child = pa.nulls(len(flat), target[0] if target else pa.null())
        else:
            child = pc.struct_field(flat, [kind.get_field_index(name)])
        if target is None:
            columns[name] = pd.array(child.to_pylist(), dtype=object)
            continue
        try:
            child = child.cast(target[0])  # ints to double, null to anything, safe casts only
        except (pa.ArrowException, ValueError):
            columns[name] = _typed(child.to_pylist(), name, target[1])
            continue
        columns[name] = target[1].__from_arrow__(child)
    return lengths, columns


def _attempt_columns(frame: pd.DataFrame) -> tuple[np.ndarray, dict[str, Any]]:
    series = frame["provider_responses"]
    try:
        return _fast_columns(_list_array(series), len(series))
    except _Irregular:
        return _slow_columns(series)


def attempt_counts(frame: pd.DataFrame) -> np.ndarray:
    """Attempts per generation as float64: the length of ``provider_responses``, NaN for NA.

    >>> attempt_counts(pd.DataFrame({"provider_responses": [[{"status": 200}], None, "[]"]}))
    array([ 1., nan,  0.])
    """
    if "provider_responses" not in frame.columns:
        return np.full(len(frame), np.nan)
    series = frame["provider_responses"]
    if isinstance(series.dtype, pd.ArrowDtype):
        try:
            lengths = pc.list_value_length(_list_array(series)).to_numpy(zero_copy_only=False)
            return np.asarray(lengths, dtype=np.float64)  # a null list's length is NaN
        except _Irregular:
            pass
    else:
        values = series.to_numpy(dtype=object)
        na = pd.isna(values)
        known = values[~na]
        if set(map(type, known)) <= {list, np.ndarray}:  # fresh or parquet: no parsing
            out = np.full(len(values), np.nan)
            out[~na] = np.fromiter(map(len, known), dtype=np.float64, count=len(known))
            return out
    return np.array([np.nan if c is None else len(c) for c in _cells(series)], dtype=float)


# -- the tidy frame -------------------------------------------------------------------------
def provider_attempts(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per provider attempt of every generation, in generation then attempt order.

    Needs ``id`` and ``provider_responses`` (``upstream_id`` decides
    ``served`` where present, see the module docstring).  Columns:

    ``id`` (``string``)
        The generation's id.
    ``attempt`` (``Int64``)
        1 for the first provider tried, 2 for the first fallback, ...
    ``provider_name``, ``model_permaslug``, ``endpoint_id`` (``string``)
        As the item gives them; an item of an older record that names its
        provider ``provider`` gives that as ``provider_name`` (see
        :func:`provider_of`).
    ``routed_service_tier`` (``category``, the schema's dtype)
        The tier the request was routed to, which may differ from the one
        billed; a value outside the spec's set is kept as an extra category,
        with a :class:`~openrouter_frame.errors.SchemaWarning`.
    ``status`` (``Int64``)
        The provider's HTTP status (NA when the service sent null).
    ``latency`` (``Float64``)
        The attempt's response latency in ms, as the service reports it.
    ``is_byok`` (``boolean``)
        Whether the attempt used the caller's own provider key.
    ``upstream_response_id`` (``string``)
        The item's ``id``: the provider's response id.
    ``served`` (``boolean``)
        Whether this attempt served the answer (never NA).

    Item keys beyond the official ones follow as ``object`` columns in
    first-seen order, so nothing the service sends is dropped.  A generation
    whose ``provider_responses`` is NA or empty has no rows; a single object
    instead of a list counts as one attempt.  Cells that are
    not lists of objects are left out with one
    :class:`~openrouter_frame.errors.SchemaWarning`; so are values of an
    impossible type (a ``status`` of ``"abc"``), which become NA.  The
    columns and dtypes are the same for an empty frame.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": ["gen-1"], "upstream_id": ["up-b"],
    ...     "provider_responses": ['[{"provider_name": "A", "status": 200, "id": "up-a"},'
    ...                            ' {"provider_name": "B", "status": 200, "id": "up-b"}]']})
    >>> provider_attempts(frame)["served"].tolist()
    [False, True]
    """
    require(frame, _NEEDS, "provider_attempts")
    lengths, columns = _attempt_columns(frame)
    if LEGACY_PROVIDER_KEY in columns:  # kept as its own column too: nothing is dropped
        names = columns["provider_name"].copy()
        older = pd.isna(names)
        legacy = _typed(list(columns[LEGACY_PROVIDER_KEY]), LEGACY_PROVIDER_KEY,
                        _FIELDS["provider_name"][1])
        names[older] = legacy[older]
        columns["provider_name"] = names
    columns[_TIER.name] = _tiers(columns[_TIER.name])
    counts = np.maximum(lengths, 0)
    gen = np.repeat(np.arange(len(frame)), counts)
    starts = np.cumsum(counts) - counts
    attempt = np.arange(len(gen)) - np.repeat(starts, counts) + 1
    ids = frame["id"].astype(ATTEMPT_DTYPES["id"]).array.take(gen)
    status = columns["status"]
    ok = np.asarray(((status >= 200) & (status < 300)).fillna(False), dtype=bool)
    upstream = (frame["upstream_id"].to_numpy(dtype=object, na_value=None)
                if "upstream_id" in frame.columns else None)
    served = _served(upstream, gen, ok, columns["id"])
    out: dict[str, Any] = {"id": ids, "attempt": pd.array(attempt, dtype=ATTEMPT_DTYPES["attempt"])}
    out.update((name, columns[name]) for name in _FIELDS)
    out["upstream_response_id"] = columns["id"]
    out["served"] = pd.array(served, dtype=ATTEMPT_DTYPES["served"])
    out.update((name, values) for name, values in columns.items()
               if name not in _FIELDS and name != "id" and name not in out)
    return pd.DataFrame(out, index=pd.RangeIndex(len(gen)))


def _tiers(text: Any) -> pd.Categorical:
    """``routed_service_tier`` as the schema's categorical; a value outside the spec's set
    is kept (an extra category) with one :class:`SchemaWarning` naming it."""
    codes, uniques = pd.factorize(pd.array(text, dtype=_KIND_DTYPES["string"]))  # NA: -1
    named, outside = categorize(list(uniques), _TIER.values)  # the distinct values only
    lookup = np.append(np.asarray(named.codes, dtype=np.int64), -1)
    tiers = pd.Categorical.from_codes(lookup[codes], dtype=named.dtype)
    if outside:
        warnings.warn(f"provider_responses: 'routed_service_tier' value(s) outside the spec's "
                      f"set {list(_TIER.values)} kept as extra categories: {_shown(outside)}",
                      SchemaWarning, stacklevel=3)
    return tiers


def _served(upstream: np.ndarray | None, gen: np.ndarray, ok: np.ndarray,
            response_ids: Any) -> np.ndarray:
    """Which attempt served each generation (see the module docstring).

    ``upstream``: each generation's ``upstream_id`` (``None`` where unknown, or
    no array at all); ``gen``: each attempt's generation; ``ok``: each
    attempt's 2xx status; ``response_ids``: each attempt's ``id``.
    """
    served = np.zeros(len(gen), dtype=bool)
    matched = np.zeros(len(upstream) if upstream is not None else
                       (int(gen.max()) + 1 if len(gen) else 0), dtype=bool)
    if upstream is not None and len(gen):
        theirs = upstream[gen]
        mine = pd.array(response_ids, dtype=_RESPONSE_ID[1]).to_numpy(dtype=object,
                                                                      na_value=None)
        hit = np.asarray((theirs == mine) & pd.notna(theirs), dtype=bool)
        if hit.any():
            last = _last_per_group(gen, hit)
            served[last] = True
            matched[gen[last]] = True
    rest = ok & ~matched[gen]
    served[_last_per_group(gen, rest)] = True
    return served


def served_attempts(statuses: list[int | None], response_ids: list[Any],
                    upstream_id: Any = None) -> list[bool]:
    """Which of one generation's attempts served it: the rule of :func:`provider_attempts`.

    >>> served_attempts([200, 200], ["up-a", "up-b"], "up-a")
    [True, False]
    >>> served_attempts([503, 200, None], [None, None, None])
    [False, True, False]
    """
    ok = np.array([s is not None and 200 <= s < 300 for s in statuses], dtype=bool)
    ids = [None if is_na(v) else str(v) for v in response_ids]
    upstream = np.array([None if is_na(upstream_id)
                         else str(upstream_id)], dtype=object)
    return _served(upstream, np.zeros(len(ok), dtype=np.intp), ok, ids).tolist()


def _last_per_group(gen: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Positions of the last ``True`` of ``mask`` within each run of equal ``gen``."""
    where = np.flatnonzero(mask)
    if not len(where):
        return where
    groups = gen[where]
    return where[np.r_[groups[1:] != groups[:-1], True]]


# -- summaries ------------------------------------------------------------------------------
def provider_summary(frame: pd.DataFrame,
                     percentiles: float | Iterable[float] = (0.5, 0.9, 0.99)) -> pd.DataFrame:
    """Per provider, over every attempt (fallbacks included): reliability and speed.

    Needs ``id`` and ``provider_responses``.  Rows are the attempts'
    ``provider_name`` (``<NA>`` when missing), most attempts first.  Columns:

    ``attempts``
        Attempts on the provider.
    ``failed``, ``failure_rate``
        Attempts with a known non-2xx ``status``, and their share of the
        attempts with a known status (NA when none is known).
    ``latency_p50_ms``, ... (one per percentile)
        Percentiles of the attempts' ``latency`` (ms), failed ones included.
    ``served``, ``share_of_served``
        Generations the provider served (see the module docstring), and that
        count over all served generations.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": ["gen-1", "gen-2"], "provider_responses": [
    ...     [{"provider_name": "A", "status": 503, "latency": 40.0},
    ...      {"provider_name": "B", "status": 200, "latency": 700.0}],
    ...     [{"provider_name": "A", "status": 200, "latency": 500.0}]]})
    >>> table = provider_summary(frame, percentiles=0.5)
    >>> table.index.tolist(), table["failure_rate"].tolist(), table["served"].tolist()
    (['A', 'B'], [0.5, 0.0], [1, 1])
    >>> float(table.loc["B", "latency_p50_ms"])
    700.0
    """
    ps = check_percentiles(percentiles)
    attempts = provider_attempts(frame)
    groups = group_by(attempts, "provider_name")
    return provider_summary_finish(reduce_frame(groups, provider_summary_inputs(attempts)), ps)


def provider_summary_inputs(attempts: pd.DataFrame) -> Inputs:
    """The per-attempt values :func:`provider_summary` reduces, from :func:`provider_attempts`."""
    status = floats(attempts, "status")
    known = ~np.isnan(status)
    failed = known & ~((status >= 200) & (status < 300))
    return Inputs({"status_known": known.astype(float), "failed": failed.astype(float),
                   "served": floats(attempts, "served"), "latency": floats(attempts, "latency")},
                  quantiles=("latency",))


def provider_summary_finish(r: Reduced, ps: tuple[float, ...]) -> pd.DataFrame:
    """:func:`provider_summary` from the reductions of :func:`provider_summary_inputs`."""
    n_known = r.sums("status_known")
    n_failed = r.sums("failed")
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n_known > 0, n_failed / np.maximum(n_known, 1), np.nan)
    served = r.sums("served")
    total_served = np.nansum(served)
    q = r.quantiles("latency", ps)
    counts = r.counts()
    columns: dict[str, Any] = {"attempts": int_col(counts), "failed": int_col(n_failed),
                               "failure_rate": float_col(rate)}
    columns.update((f"latency_{pct_label(p)}_ms", float_col(q[:, i])) for i, p in enumerate(ps))
    columns["served"] = int_col(served)
    with np.errstate(divide="ignore", invalid="ignore"):
        columns["share_of_served"] = float_col(
            served / total_served if total_served else np.full(r.n, np.nan))
    return table(columns, r, [counts])


def fallbacks(frame: pd.DataFrame, by: By = "model") -> pd.DataFrame:
    """How often a provider fell through, per group of generations.

    Needs ``provider_responses`` and the ``by`` columns.  Columns:

    ``generations``
        Rows in the group.
    ``with_attempts``
        Generations with a known, non-empty ``provider_responses``.
    ``fallbacks``, ``fallback_rate``
        Generations with more than one attempt, and their share of
        ``with_attempts`` (NA when that is 0).
    ``mean_attempts``
        Mean attempts per generation with attempts.

    Rows: most generations first.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"model": ["m", "m", "n"], "provider_responses": [
    ...     [{"status": 429}, {"status": 200}], [{"status": 200}], None]})
    >>> table = fallbacks(frame)
    >>> table.index.tolist(), table["fallbacks"].tolist(), table["fallback_rate"].tolist()
    (['m', 'n'], [1, 0], [0.5, <NA>])
    """
    groups = group(frame, by, ["provider_responses"], "fallbacks")
    return fallbacks_finish(reduce_frame(groups, fallbacks_inputs(frame)))


def fell_back(frame: pd.DataFrame) -> np.ndarray:
    """The fallback rule, per generation: 1.0 when more than one provider was tried, 0.0
    when one was, NaN when ``provider_responses`` is unknown or empty.

    >>> fell_back(pd.DataFrame({"provider_responses": [[{}, {}], [{}], [], None]})).tolist()
    [1.0, 0.0, nan, nan]
    """
    counts = attempt_counts(frame)
    return np.where(counts > 0, (counts > 1).astype(float), np.nan)


def fallbacks_inputs(frame: pd.DataFrame) -> Inputs:
    """The per-row values :func:`fallbacks` reduces."""
    counts = attempt_counts(frame)
    return Inputs({"with_attempts": np.where(counts > 0, 1.0, np.where(np.isnan(counts),
                                                                        np.nan, 0.0)),
                   "fell_back": fell_back(frame),
                   "attempts": np.where(counts > 0, counts, np.nan)})


def fallbacks_finish(r: Reduced) -> pd.DataFrame:
    """:func:`fallbacks` from the reductions of :func:`fallbacks_inputs`."""
    with_attempts = np.nan_to_num(r.sums("with_attempts"))
    fell = np.nan_to_num(r.sums("fell_back"))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(with_attempts > 0, fell / np.maximum(with_attempts, 1), np.nan)
    rows = r.counts()
    return table({"generations": int_col(rows), "with_attempts": int_col(with_attempts),
                  "fallbacks": int_col(fell), "fallback_rate": float_col(rate),
                  "mean_attempts": float_col(r.means("attempts"))}, r, [rows])


def sessions(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per ``session_id``: generations, cost, wall span and models, costliest first.

    Needs ``session_id``, ``total_cost`` and ``created_at``; generations with
    no ``session_id`` belong to no session and are left out
    (``cost_summary(by="session_id")`` shows them as ``<NA>``).  Columns:

    ``generations``, ``total_cost_usd``
        Count and sum of ``total_cost`` (USD).
    ``first_created_at``, ``last_end_at`` (``datetime64[us, UTC]``)
        The earliest ``created_at``, and the latest end of a generation.  A
        generation ends at ``created_at`` plus the larger of its known
        ``latency`` and ``generation_time`` (ms); the spec does not say which
        one spans the whole request, and the larger never cuts one short.
    ``wall_span_s``
        ``last_end_at - first_created_at`` in seconds.
    ``n_models``, ``models``
        Distinct models, and their names in order of first use (``", "``-joined).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "session_id": ["s1", "s1", None], "model": ["a", "b", "a"],
    ...     "total_cost": [0.25, 0.5, 1.0], "generation_time": [2000.0, 1000.0, 5.0],
    ...     "created_at": pd.to_datetime(["2026-01-01 00:00:00", "2026-01-01 00:00:10",
    ...                                   "2026-01-01 00:00:00"], utc=True)})
    >>> table = sessions(frame)
    >>> table.index.tolist(), table["total_cost_usd"].tolist(), table["wall_span_s"].tolist()
    (['s1'], [0.75], [11.0])
    >>> table["models"].tolist()
    ['a, b']
    """
    require(frame, ["session_id", "total_cost", "created_at"], "sessions")
    part = session_rows(frame)
    return sessions_finish(reduce_frame(group_by(part, "session_id"), sessions_inputs(part)),
                           "model" in frame.columns)


#: The columns :func:`sessions` reads.
SESSION_COLUMNS = ("session_id", "total_cost", "created_at", "latency", "generation_time",
                   "model")


def session_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The generations that belong to a session (those with a ``session_id``), with the
    columns :func:`sessions` reads (only those are copied)."""
    keep = frame["session_id"].notna().to_numpy(dtype=bool)
    return frame[[c for c in SESSION_COLUMNS if c in frame.columns]].loc[keep]


def sessions_inputs(part: pd.DataFrame) -> Inputs:
    """The per-row values :func:`sessions` reduces, from :func:`session_rows`."""
    start = floats(part, "created_at")  # microseconds since the epoch
    took = np.fmax(floats(part, "latency"), floats(part, "generation_time"))
    end = start + np.nan_to_num(took) * 1000.0  # microseconds
    models = (part["model"].to_numpy(dtype=object, na_value=None) if "model" in part.columns
              else np.full(len(part), None, dtype=object))
    return Inputs({"total_cost": floats(part, "total_cost"), "start": start, "end": end},
                  extremes=("start", "end"), firsts={"model": (models, start)})


def sessions_finish(r: Reduced, has_models: bool) -> pd.DataFrame:
    """:func:`sessions` from the reductions of :func:`sessions_inputs` (``has_models``: the
    frame has a ``model`` column)."""
    first = r.mins("start")
    last = r.maxs("end")
    cost = r.sums("total_cost")
    models = r.firsts("model")
    n_models = np.array([len(m) if has_models else np.nan for m in models], dtype=float)
    names = [", ".join(m) if has_models else pd.NA for m in models]
    return table({"generations": int_col(r.counts()), "total_cost_usd": float_col(cost),
                  "first_created_at": _utc(first), "last_end_at": _utc(last),
                  "wall_span_s": float_col((last - first) / 1e6),
                  "n_models": int_col(n_models),
                  "models": pd.array(names, dtype=_KIND_DTYPES["string"])},
                 r, [cost, r.counts()])


def _utc(micros: np.ndarray) -> pd.arrays.DatetimeArray:
    values = np.where(np.isnan(micros), np.iinfo(np.int64).min, micros).astype(np.int64)
    return pd.array(values.view("datetime64[us]")).tz_localize("UTC")


def served_values(frame: pd.DataFrame, name: str) -> pd.Series:
    """Field ``name`` of each generation's served attempt (NA where none served), by row.

    The served attempt is the one :func:`provider_attempts` marks ``served``;
    ``name`` is one of its columns (``endpoint_id``, ``model_permaslug``,
    ``provider_name``, ...).  The result is aligned with ``frame``'s index.
    A frame without ``provider_responses`` gives all NA.

    >>> df = pd.DataFrame({"id": ["g1", "g2"], "provider_responses": [
    ...     [{"status": 503, "endpoint_id": "ep-a"}, {"status": 200, "endpoint_id": "ep-b"}],
    ...     None]})
    >>> served_values(df, "endpoint_id").tolist()
    ['ep-b', <NA>]
    """
    dtype = ATTEMPT_DTYPES.get(name, ATTEMPT_DTYPES["id"])
    out = pd.Series(pd.array([None] * len(frame), dtype=dtype), index=frame.index, name=name)
    if "provider_responses" not in frame.columns or not len(frame):
        return out
    keep = [c for c in ("upstream_id", "provider_responses") if c in frame.columns]
    # Positions as ids: the frame's own ids may repeat or be NA.
    positions = frame[keep].assign(id=[str(i) for i in range(len(frame))])
    tidy = provider_attempts(positions)
    served = tidy[tidy["served"].to_numpy(dtype=bool)]
    if name not in served.columns:
        return out
    rows = served["id"].astype(int).to_numpy()
    values = out.array.copy()
    values[rows] = served[name].array
    return pd.Series(values, index=frame.index, name=name)
