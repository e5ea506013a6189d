"""How the API uses a store: what it hands over (never the key) and one write policy.

Issue 18: ``RecordStore.account()`` received the plain key; ``get_generation``
and ``get_content`` wrote the cache under different error policies (one
raised the store's error, the other logged it).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import openrouter_frame as orf
from openrouter_frame import OpenRouterClient
from openrouter_frame.cache import GenerationCache, MemoryStore
from openrouter_frame.fetch import Secret
from openrouter_frame.testing import serve

PROTOCOL = ("account", "get_raw_many", "put_raw", "put", "put_many", "get_many", "info",
            "clear", "close")


class Recording:
    """Records the arguments of every protocol call made on the store."""

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if name not in PROTOCOL:
            return value
        calls = super().__getattribute__("__dict__").setdefault("calls", [])

        def record(*args: Any, **kwargs: Any) -> Any:
            calls.append((name, args, kwargs))
            return value(*args, **kwargs)

        return record


class RecordingSQLite(Recording, GenerationCache):
    pass


class RecordingMemory(Recording, MemoryStore):
    pass


STORES: dict[str, Callable[[Path], Any]] = {
    "sqlite": lambda tmp: RecordingSQLite(tmp / "c.sqlite"),
    "memory": lambda tmp: RecordingMemory()}


def _every_call(client: OpenRouterClient, ids: list[str]) -> None:
    client.fetch(ids[:4], progress=False)
    client.fetch(ids, progress=False)  # partly cached
    client.fetch(ids, progress=False)  # all cached
    client.fetch_contents(ids, progress=False)
    client.get_generation(ids[0])
    client.get_generation(ids[-1])
    client.get_content(ids[0])
    orf.generations_to_frame(ids, client=client, content=True, progress=False)


@pytest.mark.parametrize("store", list(STORES), ids=list(STORES))
def test_the_key_never_reaches_the_store(tmp_path: Path, store: str) -> None:
    cache = STORES[store](tmp_path)
    with serve(api_key="sk-or-v1-" + "k3y" * 16) as s, cache:
        with OpenRouterClient(s.api_key, s.base_url, cache=cache) as client:
            _every_call(client, s.ids(8) + [s.fresh_ids(1)[0]])
        calls = cache.__dict__["calls"]
    assert {name for name, _, _ in calls} >= {"account", "get_raw_many", "put_raw"}
    for name, args, kwargs in calls:
        for arg in (*args, *kwargs.values()):
            text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else repr(arg)
            assert s.api_key not in text and "k3yk3y" not in text, name
            assert not isinstance(arg, str) or "k3y" not in arg
    accounts = [args[0] for name, args, _ in calls if name == "account"]
    assert accounts and all(isinstance(a, Secret) for a in accounts)
    for file in tmp_path.glob("c.sqlite*"):
        assert b"k3yk3y" not in file.read_bytes()


@pytest.mark.parametrize("store", list(STORES), ids=list(STORES))
def test_the_management_key_never_reaches_the_store(tmp_path: Path, store: str) -> None:
    cache = STORES[store](tmp_path)
    management = "sk-or-v1-" + "m6m" * 16
    with serve(management_key=management) as s, cache:
        orf.fetch_activity(api_key=management, base_url=s.base_url, cache=cache)
        orf.fetch_activity(api_key=management, base_url=s.base_url, cache=cache,
                           date=s.history_end)
        orf.fetch_prices(endpoints=True, models="openai/gpt-4o", base_url=s.base_url,
                         api_key=s.api_key, cache=cache)
        calls = cache.__dict__["calls"]
        mine = cache.account(Secret(management))
        assert mine != cache.account(Secret(s.api_key))  # kept apart from the inference key
    tables = {kwargs.get("table") for name, _, kwargs in calls if name == "put_raw"}
    assert tables == {"activity", "prices"}
    for name, args, kwargs in calls:
        for arg in (*args, *kwargs.values()):
            text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else repr(arg)
            assert "m6mm6m" not in text and s.api_key not in text, name
    assert all(args[0] == mine for name, args, kw in calls
               if name in ("put_raw", "get_raw_many") and kw.get("table") == "activity")
    for file in tmp_path.glob("c.sqlite*"):
        assert b"m6mm6m" not in file.read_bytes()


class FullDisk(GenerationCache):
    """A cache whose every write fails, as on a full disk."""

    def _full(self, *args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("database or disk is full")

    put_raw = put = put_many = _full  # type: ignore[assignment]


WRITERS: dict[str, Callable[[OpenRouterClient, list[str]], Any]] = {
    "get_generation": lambda c, ids: c.get_generation(ids[0]),
    "get_content": lambda c, ids: c.get_content(ids[0]),
    "fetch": lambda c, ids: c.fetch(ids, progress=False).records[0],
    "fetch_contents": lambda c, ids: c.fetch_contents(ids, progress=False).records[0],
}


@pytest.mark.parametrize("call", list(WRITERS), ids=list(WRITERS))
def test_one_write_policy_a_failing_cache_never_fails_a_fetch(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, call: str) -> None:
    caplog.set_level(logging.DEBUG, logger="openrouter_frame")
    path = tmp_path / "c.sqlite"
    with serve() as s, FullDisk(path) as cache:
        ids = s.ids(3)
        with OpenRouterClient(s.api_key, s.base_url, cache=cache) as client:
            got = WRITERS[call](client, ids)
            got_again = WRITERS[call](client, ids)  # nothing stored: fetched again
    expected = s.record(ids[0]) if "content" not in call else {**s.content(ids[0]),
                                                                 "id": ids[0]}
    assert got == got_again == expected
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # one per call: the first failure of each
    assert all(str(path) in w and "disk is full" in w for w in warnings)


def test_a_stored_body_without_its_id_is_read_with_it() -> None:
    """A content body stored as received (the endpoint sends no id) reads back with its id."""
    store = MemoryStore()
    with serve() as s, OpenRouterClient(s.api_key, s.base_url, cache=store) as client:
        id = s.ids(1)[0]
        body = json.dumps(s.content(id)).encode()
        store.put_raw(store.account(Secret(s.api_key)), id, body, table="contents")
        got = client.get_content(id)
        frame = client.fetch_contents([id], progress=False).frame
        assert s.stats.requests == 0
    assert got == {**s.content(id), "id": id}
    assert frame["id"].tolist() == [id]


def test_the_write_policy_stores_a_body_handed_over_as_received() -> None:
    """What the fetch layer will hand over with each record: the bytes as received."""
    from openrouter_frame.api import _Store

    store = MemoryStore()
    account = store.account(Secret("sk-a"))
    body = b'{ "id" : "gen-1", "model" : "caf\\u00e9", "latency": 1.50 }'
    _Store(store, account, "generations")("gen-1", json.loads(body), body)
    _Store(store, account, "generations")("gen-2", {"id": "gen-2", "latency": 1.5})
    assert store.get_raw_many(account, ["gen-1", "gen-2"]) == {
        "gen-1": body, "gen-2": b'{"id":"gen-2","latency":1.5}'}
