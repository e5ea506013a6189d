"""A 200 body read once: the envelope as :func:`json.loads` reads it, and the bytes of
its ``data`` member exactly as the server sent them.

The cache stores those bytes as they are (``RecordStore.put_raw``), so a record
is never decoded, encoded again and decoded once more: the data walks one way.
One pass over the body gives both: the top-level object is walked here, each
member's value is read by :mod:`json`'s own decoder (the C scanner), and the
span of the ``data`` value is cut out of the body.

Examples
--------
>>> envelope, data = read_envelope(b'{"data": {"id": "gen-1",  "latency": 1.50}}')
>>> envelope
{'data': {'id': 'gen-1', 'latency': 1.5}}
>>> data
b'{"id": "gen-1",  "latency": 1.50}'
>>> read_envelope(b'[1, 2]')
([1, 2], None)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from json.decoder import JSONDecodeError
from typing import Any

_DECODER = json.JSONDecoder()
#: JSON's string reader (the C one when there is one), as :mod:`json` reads keys.
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
#: JSON's whitespace (what :mod:`json` skips between tokens).
_WS = re.compile(r"[ \t\n\r]*")
#: The member whose bytes are kept.
DATA = "data"


def read_envelope(content: bytes) -> tuple[Any, bytes | None]:
    """``content`` read as :func:`json.loads` reads it, and the bytes of its top-level
    ``"data"`` member exactly as received.

    Parameters
    ----------
    content : bytes
        A response body.

    Returns
    -------
    value : Any
        Equal to ``json.loads(content)`` (a repeated key: the last one wins).
    data : bytes or None
        The bytes of the value of the (last) ``"data"`` member, whitespace
        around it excluded; ``None`` when the body is not a JSON object, has
        no ``"data"`` member, or is not UTF-8 (then :func:`json.loads` reads it).

    Raises
    ------
    ValueError, RecursionError, MemoryError
        Whatever :func:`json.loads` raises for ``content``.
    """
    if json.detect_encoding(content) != "utf-8":  # UTF-16/32, or a BOM
        return json.loads(content), None
    text = content.decode("utf-8", "surrogatepass")  # as json.loads decodes bytes
    i = _skip(text, 0)
    if not text.startswith("{", i):
        return json.loads(text), None
    envelope: dict[str, Any] = {}
    span: tuple[int, int] | None = None
    i = _skip(text, i + 1)
    if text.startswith("}", i):
        i += 1
    else:
        while True:
            if not text.startswith('"', i):
                raise JSONDecodeError("Expecting property name enclosed in double quotes",
                                      text, i)
            key, i = _scanstring(text, i + 1)
            i = _skip(text, i)
            if not text.startswith(":", i):
                raise JSONDecodeError("Expecting ':' delimiter", text, i)
            i = _skip(text, i + 1)
            value, end = _DECODER.raw_decode(text, i)
            if key == DATA:
                span = (i, end)
            envelope[key] = value
            i = _skip(text, end)
            if text.startswith(",", i):
                i = _skip(text, i + 1)
                continue
            if text.startswith("}", i):
                i += 1
                break
            raise JSONDecodeError("Expecting ',' delimiter", text, i)
    if _skip(text, i) != len(text):
        raise JSONDecodeError("Extra data", text, i)
    if span is None:
        return envelope, None
    start, end = span
    if len(text) == len(content):  # ASCII: a character is a byte
        return envelope, content[start:end]
    return envelope, text[start:end].encode("utf-8", "surrogatepass")


def _skip(text: str, i: int) -> int:
    """The index of the first non-whitespace character of ``text`` from ``i``."""
    match = _WS.match(text, i)
    assert match is not None  # the pattern matches the empty string
    return match.end()


__all__ = ["DATA", "read_envelope"]
