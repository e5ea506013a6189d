"""Stored contents (``GET /generation/content``) as a typed frame: one row per id.

The service answers ``{"input": {"prompt": ...} | {"messages": [...]}, "output":
{"completion": ..., "reasoning": ...}, "error": ...}``; under zero data retention
the input is empty and the output null.  A bare string input is the prompt and
a bare string output the completion.  :func:`contents_to_frame` flattens that
into ``id``, ``prompt``, ``messages`` (a list of ``{"role", "content"}`` per row),
``completion``, ``reasoning``, ``error`` (the stored failure as JSON text) and
``stored`` (whether anything was kept).  No value the service sends is dropped:
message dicts keep every key, and keys outside the spec land in ``extra`` as
JSON text.

Examples
--------
>>> from openrouter_frame.frame.contents import contents_to_frame
>>> df = contents_to_frame([
...     {"id": "gen-1", "input": {"messages": [{"role": "user", "content": "Hi"}]},
...      "output": {"completion": "Hello!", "reasoning": None}, "error": None},
...     {"id": "gen-2", "input": {}, "output": {"completion": None, "reasoning": None},
...      "error": None},
... ])
>>> df["completion"].iloc[0], df["completion"].isna().tolist(), df["stored"].tolist()
('Hello!', [False, True], [True, False])
>>> df["messages"].iloc[0]
[{'role': 'user', 'content': 'Hi'}]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..schema import is_na

#: The columns of a contents frame, in order.
CONTENT_COLUMNS = ("id", "prompt", "messages", "completion", "reasoning", "error", "extra",
                   "stored")
_TEXT = ("id", "prompt", "completion", "reasoning", "error", "extra")


def _text(value: Any) -> Any:
    """A string as it is; any other non-NA value as JSON text (nothing dropped)."""
    if is_na(value):
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def content_row(data: Mapping[str, Any], id: str | None = None) -> dict[str, Any]:
    """One content ``data`` object flattened into the columns of :data:`CONTENT_COLUMNS`.

    >>> row = content_row({"input": {"prompt": "2+2?"}, "output": {"completion": "4"}},
    ...                   id="gen-9")
    >>> row["id"], row["prompt"], row["messages"], row["stored"]
    ('gen-9', '2+2?', None, True)
    """
    inp, inp_other = _part(data.get("input"), "prompt", "messages")
    out, out_other = _part(data.get("output"), "completion")
    messages = inp.get("messages")
    if messages is not None and not isinstance(messages, list):
        messages = [messages]
    if messages is not None:
        messages = [dict(m) if isinstance(m, Mapping) else {"role": None, "content": m}
                    for m in messages]
    extra = {f"input.{k}": v for k, v in inp.items() if k not in ("prompt", "messages")}
    extra.update({f"output.{k}": v for k, v in out.items()
                  if k not in ("completion", "reasoning")})
    extra.update({k: v for k, v in data.items()
                  if k not in ("id", "input", "output", "error")})
    extra.update({k: v for k, v in (("input", inp_other), ("output", out_other))
                  if v is not None})
    row = {
        "id": id if id is not None else data.get("id"),
        "prompt": _text(inp.get("prompt")),
        "messages": messages or None,
        "completion": _text(out.get("completion")),
        "reasoning": _text(out.get("reasoning")),
        "error": _text(data.get("error")),
        "extra": _text(extra) if extra else None,
    }
    row["stored"] = any(row[k] is not None and row[k] != ""
                        for k in ("prompt", "messages", "completion", "reasoning")) or \
        inp_other is not None or out_other is not None
    return row


def _part(value: Any, text: str, many: str | None = None
          ) -> tuple[Mapping[str, Any], Any]:
    """The object form of a content's ``input`` or ``output``, and what fits no key.

    An object is used as it is; a string is its ``text`` (the prompt, the
    completion); a list is its ``many`` (the messages), when it has one; null
    is an empty object.  Any other value fits no key: it is returned second,
    to be kept in ``extra``, so nothing the service sends is dropped.

    >>> _part("2+2?", "prompt", "messages")
    ({'prompt': '2+2?'}, None)
    >>> _part(42, "completion")
    ({}, 42)
    """
    if isinstance(value, Mapping):
        return value, None
    if is_na(value):
        return {}, None
    if isinstance(value, str):
        return {text: value}, None
    if many is not None and isinstance(value, list):
        return {many: value}, None
    return {}, value


def contents_to_frame(contents: Iterable[Mapping[str, Any]], *,
                      ids: Sequence[str] | None = None,
                      dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
    """A typed frame of content ``data`` objects (see the module docs).

    Parameters
    ----------
    contents : iterable of mapping
        ``data`` objects of ``GET /generation/content`` (with ``"id"``, or give ``ids``).
    ids : sequence of str, optional
        The id of each object, in the same order.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        Text columns are ``string`` (``string[pyarrow]`` with ``"pyarrow"``),
        ``stored`` is ``boolean`` (``bool[pyarrow]``); ``messages`` is ``object``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CONTENT_COLUMNS`, a RangeIndex.
    """
    table = schema.kind_dtypes(dtype_backend)  # the one check of dtype_backend
    text, flag = table["string"], table["bool"]
    items = list(contents)
    if ids is not None and len(ids) != len(items):
        raise ValueError(f"got {len(ids)} ids for {len(items)} contents")
    rows = [content_row(c, None if ids is None else ids[i]) for i, c in enumerate(items)]
    columns: dict[str, Any] = {}
    for name in CONTENT_COLUMNS:
        values = [r[name] for r in rows]
        if name in _TEXT:
            columns[name] = pd.array(values, dtype=text)
        elif name == "stored":
            columns[name] = pd.array(values, dtype=flag)
        else:
            cells = np.empty(len(values), dtype=object)
            for i, value in enumerate(values):  # one list per cell, never broadcast
                cells[i] = value
            columns[name] = cells
    return pd.DataFrame(columns, columns=list(CONTENT_COLUMNS))


__all__ = ["CONTENT_COLUMNS", "content_row", "contents_to_frame"]
