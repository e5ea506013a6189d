"""The one-pass reading of a 200 body agrees with :func:`json.loads` and cuts out ``data``.

Issue 18, "the data walks one way": the fetch layer hands the cache the
``data`` member's bytes as received; :func:`read_envelope` finds them while
reading the body, so it must read every body exactly as ``json.loads`` does.
Bodies are generated with the spellings a server may use: any whitespace
between tokens, escaped or raw non-ASCII text (lone surrogates too),
``1.50``-style floats, extra and repeated keys.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrouter_frame.fetch.envelope import read_envelope

_WHITESPACE = st.sampled_from(["", "", " ", "  ", "\n", "\r\n\t", " \n  "])
_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=8)
_SCALARS = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
            | st.floats(allow_nan=False) | _TEXT)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.lists(st.tuples(st.sampled_from(["id", "data", "a", "é"]) | _TEXT, inner),
               max_size=4).map(lambda pairs: ("object", pairs)),
    max_leaves=12)


def _spell(value: Any, draw: Any, ascii: bool) -> str:
    """``value`` as JSON text, with whitespace and number spellings drawn by ``draw``.

    ``("object", pairs)`` is an object written with its pairs as they are
    (repeated keys included).
    """
    ws = lambda: draw(_WHITESPACE)  # noqa: E731 - a short local helper
    if isinstance(value, tuple):
        members = [f"{ws()}{json.dumps(k, ensure_ascii=ascii)}{ws()}:{ws()}"
                   f"{_spell(v, draw, ascii)}{ws()}" for k, v in value[1]]
        return "{" + (",".join(members) if members else ws()) + "}"
    if isinstance(value, list):
        items = [f"{ws()}{_spell(v, draw, ascii)}{ws()}" for v in value]
        return "[" + (",".join(items) if items else ws()) + "]"
    if isinstance(value, float) and math.isfinite(value):
        text = repr(value)
        if "e" not in text and draw(st.booleans()):
            text += "0" * draw(st.integers(1, 3))  # 1.5 -> 1.500
        if draw(st.booleans()):
            text = text.replace("e", "E")
        return text
    return json.dumps(value, ensure_ascii=ascii)


@st.composite
def envelopes(draw: Any) -> tuple[bytes, bytes | None]:
    """A body, and the bytes of its last top-level ``data`` member's value (or ``None``)."""
    ascii = draw(st.booleans())
    member: str | None = None
    if draw(st.integers(0, 9)) == 0:  # now and then, not an object at all
        body = _spell(draw(_VALUES.filter(lambda v: not isinstance(v, tuple))), draw, ascii)
    else:
        pairs = draw(st.lists(st.tuples(st.sampled_from(["data", "error", "meta"]) | _TEXT,
                                        _VALUES), max_size=4))
        if draw(st.booleans()):
            pairs.insert(draw(st.integers(0, len(pairs))), ("data", draw(_VALUES)))
        members = []
        for key, value in pairs:
            spelled = _spell(value, draw, ascii)
            member = spelled if key == "data" else member
            members.append(f"{draw(_WHITESPACE)}{json.dumps(key, ensure_ascii=ascii)}"
                           f"{draw(_WHITESPACE)}:{draw(_WHITESPACE)}{spelled}"
                           f"{draw(_WHITESPACE)}")
        body = "{" + (",".join(members) if members else draw(_WHITESPACE)) + "}"
    body = draw(_WHITESPACE) + body + draw(_WHITESPACE)
    return (body.encode("utf-8", "surrogatepass"),
            None if member is None else member.encode("utf-8", "surrogatepass"))


def _same(a: Any, b: Any) -> bool:
    """Equal, in the same order and floats by their spelling (so ``-0.0`` is not ``0.0``)."""
    return json.dumps(a) == json.dumps(b)


@settings(max_examples=200, deadline=None)
@given(envelopes())
def test_the_envelope_reads_as_json_loads_reads_it(case: tuple[bytes, bytes | None]) -> None:
    body, member = case
    expected = json.loads(body)
    envelope, data = read_envelope(body)
    assert _same(envelope, expected)
    assert data == member  # the last "data" member's value, byte for byte
    if data is not None:
        assert _same(json.loads(data), expected["data"])


@settings(max_examples=150, deadline=None)
@given(envelopes(), st.data())
def test_a_cut_or_damaged_body_fails_as_json_loads_fails(case: tuple[bytes, bytes | None],
                                                         data: Any) -> None:
    body = case[0]
    cut = data.draw(st.integers(0, len(body)))
    damaged = body[:cut] + data.draw(st.sampled_from([b"", b"}", b",", b"x", b"\xff"]))
    try:
        expected: Any = json.loads(damaged)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)):
            read_envelope(damaged)
    else:
        assert _same(read_envelope(damaged)[0], expected)


ENCODED = {
    "utf-8-bom": b"\xef\xbb\xbf" + b'{"data": {"id": "gen-1"}}',
    "utf-16": '{"data": {"id": "gen-1"}}'.encode("utf-16"),
    "utf-16-le": '{"data": {"id": "gen-1"}}'.encode("utf-16-le"),
    "utf-32-be": '{"data": {"id": "gen-1"}}'.encode("utf-32-be"),
}


@pytest.mark.parametrize("body", list(ENCODED.values()), ids=list(ENCODED))
def test_a_body_in_another_encoding_is_read_but_not_cut(body: bytes) -> None:
    assert read_envelope(body) == (json.loads(body), None) == ({"data": {"id": "gen-1"}}, None)
