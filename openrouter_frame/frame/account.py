"""The account endpoints' records as typed frames: activity per day, and list prices.

:func:`activity_frame` types the items of ``GET /activity``; :func:`prices_frame`
flattens ``GET /models`` (and a model's ``/endpoints``) into one price table.
Dtypes depend on the backend only (``numpy_nullable`` or ``pyarrow``): labels are
the schema's ``string`` kind, tokens and requests ``int`` (``Int64``), money and
prices ``float`` (``Float64``, USD), dates a day (``datetime64[us]`` at midnight,
or ``date32[pyarrow]``).  A value of the wrong type is an error naming the item
and field, never silently NA; fields the service adds later are kept after the
known ones, as sent.

Examples
--------
>>> from openrouter_frame.frame.account import activity_frame
>>> df = activity_frame([{"date": "2026-11-19", "model": "openai/gpt-4o",
...     "model_permaslug": "openai/gpt-4o-2024-08-06", "endpoint_id": "ep_1",
...     "provider_name": "OpenAI", "usage": 0.5, "byok_usage_inference": 0.0,
...     "requests": 3, "prompt_tokens": 100, "completion_tokens": 20,
...     "reasoning_tokens": 0}])
>>> df[["date", "requests", "usage"]].dtypes.astype(str).tolist()
['datetime64[us]', 'Int64', 'Float64']
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date as _date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema
from ..errors import ResponseError

#: The label columns of an activity frame (the schema's ``string`` kind).
ACTIVITY_LABELS = ("model", "model_permaslug", "provider_name", "endpoint_id", "workspace_id")
#: Its counts (``Int64``).
ACTIVITY_COUNTS = ("requests", "prompt_tokens", "completion_tokens", "reasoning_tokens")
#: Its money, in USD (``Float64``): ``usage`` is the OpenRouter credits spent (for BYOK
#: the fee), ``byok_usage_inference`` what the provider billed the user's own key.
ACTIVITY_MONEY = ("usage", "byok_usage_inference")
#: The columns of an activity frame, in order.
ACTIVITY_COLUMNS = ("date", *ACTIVITY_LABELS, *ACTIVITY_COUNTS, *ACTIVITY_MONEY)

#: The price keys of the spec's ``PublicPricing``, USD per token (``request`` per call,
#: ``image`` per input image, ``image_output`` per output image, ``web_search`` per search).
PRICE_KEYS = ("prompt", "completion", "request", "image", "web_search", "internal_reasoning",
              "input_cache_read", "input_cache_write", "input_cache_write_1h", "audio",
              "audio_output", "image_output", "image_token", "input_audio_cache")
#: The columns of a price table, in order (then any price key the service adds later).
PRICE_COLUMNS = ("model", "level", "provider_name", "endpoint_tag", *PRICE_KEYS, "discount",
                 "overrides", "as_of")


def day_dtype(dtype_backend: str) -> Any:
    """The dtype of a UTC day: ``datetime64[us]`` (midnight) or ``date32[pyarrow]``."""
    if schema.check_backend(dtype_backend) == "pyarrow":
        return pd.ArrowDtype(pa.date32())
    return np.dtype(f"datetime64[{schema.DATETIME_UNIT}]")


def days(values: Sequence[Any], dtype_backend: str, what: str = "date") -> Any:
    """``YYYY-MM-DD`` texts (or dates) as a day column of ``dtype_backend``."""
    parsed: list[_date | None] = []
    for i, value in enumerate(values):
        if value is None:
            parsed.append(None)
            continue
        try:
            parsed.append(value if isinstance(value, _date) else _date.fromisoformat(value))
        except (TypeError, ValueError):
            raise ResponseError(f"{what} {i}: not a YYYY-MM-DD day: {value!r}") from None
    arr = pa.array(parsed, type=pa.date32())
    if dtype_backend == "pyarrow":
        return pd.array(arr, dtype=day_dtype("pyarrow"))
    return pd.Series(arr.to_pandas(date_as_object=False)).to_numpy().astype(
        day_dtype("numpy_nullable"))


_WHAT = {"int": "a whole number", "float": "a finite number", "string": "a string"}


def _checked(values: list[Any], kind: str, where: str, name: str) -> list[Any]:
    """``values`` unchanged when each is of ``kind`` (or ``None``), else a clear error."""
    for i, v in enumerate(values):
        if v is None:
            continue
        ok = {"int": isinstance(v, int) and not isinstance(v, bool),
              "float": isinstance(v, (int, float)) and not isinstance(v, bool)
              and math.isfinite(v),
              "string": isinstance(v, str)}[kind]
        if not ok:
            raise ResponseError(f"{where} item {i}: {name} is {v!r}, not {_WHAT[kind]}")
    return values


def _typed(name: str, values: list[Any], kind: str, dtype_backend: str, where: str) -> Any:
    target = schema.kind_dtype(kind, dtype_backend)
    return pd.array(_checked(values, kind, where, name), dtype=target)  # type: ignore[arg-type]


def activity_frame(items: Iterable[Mapping[str, Any]], *,
                   dtype_backend: str = "numpy_nullable",
                   workspace_id: str | None = None) -> pd.DataFrame:
    """The items of ``GET /activity`` as a typed frame, one row per item, in order.

    Parameters
    ----------
    items : iterable of mapping
        The ``data`` list of ``GET /activity``.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        As for :func:`openrouter_frame.generations_to_frame`.
    workspace_id : str, optional
        The workspace the items were filtered to: fills ``workspace_id`` where an
        item does not give one (the service names it only with ``group_by=workspace``).

    Returns
    -------
    pandas.DataFrame
        :data:`ACTIVITY_COLUMNS` (``workspace_id`` NA when the items are
        aggregated across workspaces), then any other key the service sent.
    """
    schema.check_backend(dtype_backend)
    rows = [dict(item) for item in items]
    for i, row in enumerate(rows):
        missing = [name for name in ACTIVITY_COLUMNS
                   if name != "workspace_id" and name not in row]
        if missing:
            raise ResponseError(f"GET /activity item {i} lacks {', '.join(missing)}")
    columns: dict[str, Any] = {"date": days([r["date"] for r in rows], dtype_backend,
                                             "GET /activity item")}
    for name in ACTIVITY_LABELS:
        fill = workspace_id if name == "workspace_id" else None
        columns[name] = _typed(name, [r.get(name, fill) for r in rows], "string",
                               dtype_backend, "GET /activity")
    for names, kind in ((ACTIVITY_COUNTS, "int"), (ACTIVITY_MONEY, "float")):
        for name in names:
            columns[name] = _typed(name, [r[name] for r in rows], kind, dtype_backend,
                                   "GET /activity")
    extra = dict.fromkeys(k for r in rows for k in r if k not in ACTIVITY_COLUMNS)
    for name in extra:
        columns[name] = pd.array([r.get(name) for r in rows], dtype=object)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def _price(value: Any, where: str, key: str) -> float | None:
    """A ``PublicPricing`` value (a decimal string; a number is taken too) in USD."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ResponseError(f"{where}: pricing.{key} is {value!r}, not a price")
    try:
        number = float(value)
    except ValueError:
        raise ResponseError(f"{where}: pricing.{key} is {value!r}, not a price") from None
    if not math.isfinite(number):
        raise ResponseError(f"{where}: pricing.{key} is {value!r}, not a finite price")
    return number


def price_row(model: str, pricing: Any, *, level: str, where: str,
              provider_name: str | None = None, endpoint_tag: str | None = None
              ) -> dict[str, Any]:
    """One row of a price table from a ``pricing`` object (prices parsed to floats,
    ``overrides`` kept as JSON text, other keys kept as they are).

    >>> row = price_row("openai/gpt-4o", {"prompt": "0.0000025", "completion": "0.00001"},
    ...                 level="model", where="GET /models")
    >>> row["prompt"], row["image"], row["overrides"]
    (2.5e-06, None, None)
    """
    if not isinstance(pricing, Mapping):
        raise ResponseError(f"{where}: 'pricing' of {model!r} is not an object")
    row: dict[str, Any] = {"model": model, "level": level, "provider_name": provider_name,
                           "endpoint_tag": endpoint_tag}
    for key in PRICE_KEYS:
        row[key] = _price(pricing.get(key), f"{where} ({model})", key)
    row["discount"] = _price(pricing.get("discount"), f"{where} ({model})", "discount")
    overrides = pricing.get("overrides")
    row["overrides"] = None if overrides is None else json.dumps(
        overrides, ensure_ascii=False, separators=(",", ":"))
    for key, value in pricing.items():
        if key not in row:  # a price key the service added later: kept
            try:
                row[key] = _price(value, f"{where} ({model})", key)
            except ResponseError:
                row[key] = value
    return row


def prices_frame(rows: Sequence[Mapping[str, Any]], *, as_of: _date,
                 dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
    """Rows of :func:`price_row` as a typed price table fetched on ``as_of``.

    Returns
    -------
    pandas.DataFrame
        :data:`PRICE_COLUMNS` (``model``, ``level``, ``provider_name``,
        ``endpoint_tag``, ``overrides`` as ``string``; prices and ``discount``
        ``Float64``; ``as_of`` a day), then any other pricing key the service
        sent (``Float64`` when every value is a price, else as sent).
        ``df.attrs["as_of"]`` is ``as_of`` too, as ``YYYY-MM-DD`` text.
    """
    schema.check_backend(dtype_backend)
    columns: dict[str, Any] = {}
    for name in ("model", "level", "provider_name", "endpoint_tag"):
        columns[name] = _typed(name, [r[name] for r in rows], "string", dtype_backend,
                               "price table")
    for name in (*PRICE_KEYS, "discount"):
        columns[name] = _typed(name, [r[name] for r in rows], "float", dtype_backend,
                               "price table")
    columns["overrides"] = _typed("overrides", [r["overrides"] for r in rows], "string",
                                  dtype_backend, "price table")
    columns["as_of"] = days([as_of] * len(rows), dtype_backend)
    extra = dict.fromkeys(k for r in rows for k in r if k not in PRICE_COLUMNS)
    for name in extra:
        values = [r.get(name) for r in rows]
        numeric = all(v is None or (isinstance(v, float)) for v in values)
        columns[name] = _typed(name, values, "float", dtype_backend, "price table") \
            if numeric else pd.array(values, dtype=object)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    frame.attrs["as_of"] = as_of.isoformat()  # text: parquet keeps attrs as JSON
    return frame


__all__ = ["ACTIVITY_COLUMNS", "PRICE_COLUMNS", "PRICE_KEYS", "activity_frame", "day_dtype",
           "days", "price_row", "prices_frame"]
