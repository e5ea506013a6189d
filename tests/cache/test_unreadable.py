"""A stored body that cannot be read is a miss: fetched again over HTTP and overwritten.

Issue 18, defect 5: one corrupt row made every later call over the cache fail
(records said "not valid JSON" as if the server had sent it; contents raised a
raw ``JSONDecodeError``/``AttributeError``), nothing named the file and nothing
was refetched.  Every test here talks to the loopback simulator.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import openrouter_frame as orf
from openrouter_frame import OpenRouterClient
from openrouter_frame.testing import serve

#: Bodies a damaged row may hold: none is a JSON object.
UNREADABLE = [b"{not json", b'{"id": "gen-', b"[1, 2]", b'"text"', b"null", b"",
              b"\xff\xfe\x00", b"[" * 100_000]
UNREADABLE_IDS = ["not-json", "cut-short", "array", "string", "null", "empty", "not-utf8",
                  "too-deep"]


def _damage(path: Path, table: str, id: str, body: bytes) -> None:
    """Overwrite one stored row with ``body``, as a damaged file or another writer would."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute(f"UPDATE {table} SET body = ? WHERE id = ?", (body, id)).rowcount == 1


def _stored(path: Path, table: str, id: str) -> bytes:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        [(body,)] = conn.execute(f"SELECT body FROM {table} WHERE id = ?", (id,)).fetchall()
    return bytes(body)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def _records_all_cached(c: OpenRouterClient, ids: list[str]) -> Any:
    return c.fetch(ids, progress=False)


def _records_partly_cached(c: OpenRouterClient, ids: list[str]) -> Any:
    return c.fetch(ids + [c._extra], progress=False)  # type: ignore[attr-defined]


def _one_record(c: OpenRouterClient, ids: list[str]) -> Any:
    return c.get_generation(ids[0])


RECORD_CALLS: dict[str, Callable[[OpenRouterClient, list[str]], Any]] = {
    "fetch-all-cached": _records_all_cached, "fetch-partly-cached": _records_partly_cached,
    "get_generation": _one_record}


@pytest.mark.parametrize("body", UNREADABLE, ids=UNREADABLE_IDS)
def test_an_unreadable_record_is_fetched_again_and_overwritten(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, body: bytes) -> None:
    path = tmp_path / "c.sqlite"
    with serve() as s:
        ids = s.ids(6)
        with OpenRouterClient(s.api_key, s.base_url, cache=path) as c:
            c.fetch(ids, progress=False)
        good = _stored(path, "generations", ids[0])
        _damage(path, "generations", ids[0], body)
        s.stats.reset()
        s.received_ids.clear()
        with OpenRouterClient(s.api_key, s.base_url, cache=path) as c:
            result = c.fetch(ids, progress=False)
        assert s.received_ids == [ids[0]]  # the damaged one only, over HTTP
    assert result.ok and result.records == [s.record(i) for i in ids]
    assert _stored(path, "generations", ids[0]) == good  # overwritten
    [warning] = _warnings(caplog)
    assert str(path) in warning and ids[0] in warning and "server" not in warning


@pytest.mark.parametrize("call", list(RECORD_CALLS), ids=list(RECORD_CALLS))
def test_every_record_call_survives_an_unreadable_row(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, call: str) -> None:
    path = tmp_path / "c.sqlite"
    with serve() as s:
        ids = s.ids(7)
        with OpenRouterClient(s.api_key, s.base_url, cache=path) as c:
            c.fetch(ids[:6], progress=False)
            fresh = c.fetch(ids[:6], progress=False).frame
        _damage(path, "generations", ids[0], b"{not json")
        with OpenRouterClient(s.api_key, s.base_url, cache=path) as c:
            c._extra = ids[6]  # type: ignore[attr-defined]
            got = RECORD_CALLS[call](c, ids[:6])
    if call == "get_generation":
        assert got == s.record(ids[0])
    else:
        assert got.ok
        pd.testing.assert_frame_equal(got.frame.iloc[:6], fresh)
    assert len(_warnings(caplog)) == 1


CONTENT_CALLS = ["fetch_contents", "get_content", "generations_to_frame-content"]


@pytest.mark.parametrize("call", CONTENT_CALLS, ids=CONTENT_CALLS)
@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff"],
                         ids=["not-json", "array", "not-utf8"])
def test_an_unreadable_content_is_fetched_again_and_overwritten(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, call: str, body: bytes) -> None:
    path = tmp_path / "c.sqlite"
    with serve() as s:
        ids = s.ids(5)
        kw: dict[str, Any] = dict(api_key=s.api_key, base_url=s.base_url, cache=path,
                                  progress=False)
        first = orf.fetch_contents(ids, **kw)
        good = _stored(path, "contents", ids[0])
        _damage(path, "contents", ids[0], body)
        s.received_ids.clear()
        if call == "fetch_contents":
            pd.testing.assert_frame_equal(orf.fetch_contents(ids, **kw), first)
        elif call == "get_content":
            with OpenRouterClient(s.api_key, s.base_url, cache=path) as c:
                assert c.get_content(ids[0]) == {**s.content(ids[0]), "id": ids[0]}
        else:
            frame = orf.generations_to_frame(ids, content=True, **kw)
            assert frame["completion"].tolist() == first["completion"].tolist()
        assert ids[0] in s.received_ids
    assert _stored(path, "contents", ids[0]) == good
    [warning] = _warnings(caplog)
    assert str(path) in warning and ids[0] in warning and "content" in warning
