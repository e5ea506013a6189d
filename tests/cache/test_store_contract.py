"""The contract every record store keeps, run against each store (as requests-cache does).

:class:`StoreContract` holds the tests; each store gets a subclass whose
``make`` opens a fresh one.  A store of your own can be checked the same way.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from openrouter_frame import OpenRouterClient
from openrouter_frame.cache import GenerationCache, MemoryStore, RecordStore, open_cache
from openrouter_frame.cache.base import TABLES, CacheInfo
from openrouter_frame.errors import CacheError
from openrouter_frame.fetch import Secret
from openrouter_frame.testing import serve

#: Bodies as a server may send them: each must come back byte for byte.
BODIES = {
    "compact": b'{"id":"gen-1","total_cost":0.5}',
    "spaced": b'{ "id" : "gen-1",\n  "total_cost" : 5e-1 }\n',
    "unicode": '{"id":"gen-1","model":"caf\u00e9/\u6a21\u578b \U0001f600"}'.encode(),
    "escapes": b'{"id":"gen-1","model":"caf\\u00e9 \\ud83d\\ude00","x":"\\/"}',
    "big": b'{"id":"gen-1","text":"' + b"x" * 2_000_000 + b'"}',
    "not-json": b"{not json",  # a store keeps what it is given; reading is the caller's
    "empty": b"",
}


class StoreContract:
    """The tests; a subclass per store provides :meth:`make`."""

    def make(self, tmp_path: Path) -> Any:
        raise NotImplementedError

    @pytest.fixture
    def store(self, tmp_path: Path) -> Any:
        store = self.make(tmp_path)
        yield store
        store.close()

    def test_is_a_record_store_that_open_cache_uses_as_it_is(self, store: Any) -> None:
        assert isinstance(store, RecordStore)
        assert open_cache(store) is store
        assert isinstance(store.path, Path)

    @pytest.mark.parametrize("table", TABLES)
    @pytest.mark.parametrize("body", list(BODIES.values()), ids=list(BODIES))
    def test_bytes_come_back_as_sent(self, store: Any, body: bytes, table: str) -> None:
        a = store.account(Secret("sk-a"))
        assert store.put_raw(a, "gen-1", body, table=table) is True
        got = store.get_raw_many(a, ["gen-1"], table=table)
        assert got == {"gen-1": body} and type(got["gen-1"]) is bytes

    def test_put_replaces_and_missing_ids_are_left_out(self, store: Any) -> None:
        a = store.account(Secret("sk-a"))
        store.put_raw(a, "gen-1", b'{"v":1}')
        store.put_raw(a, "gen-1", b'{"v":2}')
        assert store.get_raw_many(a, ["gen-1", "gen-2", "gen-1"]) == {"gen-1": b'{"v":2}'}
        assert store.get_raw_many(a, []) == {}
        assert store.get_raw_many(a, iter(["gen-1"])) == {"gen-1": b'{"v":2}'}

    def test_tables_are_kept_apart(self, store: Any) -> None:
        a = store.account(Secret("sk-a"))
        store.put_raw(a, "gen-1", b'{"record":1}')
        store.put_raw(a, "gen-1", b'{"content":1}', table="contents")
        assert store.get_raw_many(a, ["gen-1"]) == {"gen-1": b'{"record":1}'}
        assert store.get_raw_many(a, ["gen-1"], table="contents") == {"gen-1": b'{"content":1}'}
        store.put_raw(a, "gen-2", b"{}", table="contents")
        assert store.get_raw_many(a, ["gen-2"]) == {}

    @pytest.mark.parametrize("table", ["records", "generations; DROP TABLE meta", ""])
    def test_an_unknown_table_is_refused(self, store: Any, table: str) -> None:
        a = store.account(Secret("sk-a"))
        with pytest.raises(ValueError, match="table must be one of"):
            store.get_raw_many(a, ["gen-1"], table=table)
        with pytest.raises(ValueError, match="table must be one of"):
            store.put_raw(a, "gen-1", b"{}", table=table)

    def test_accounts_are_kept_apart_stable_and_reveal_nothing(self, store: Any) -> None:
        key = "sk-or-v1-" + "f" * 40
        a, b = store.account(Secret(key)), store.account(Secret(key + "x"))
        assert a == store.account(Secret(key)) and a != b
        assert isinstance(a, str) and len(a) == 32 and "f" * 8 not in a
        store.put_raw(a, "gen-1", b'{"mine":1}')
        assert store.get_raw_many(b, ["gen-1"]) == {}
        assert store.get_raw_many(b, ["gen-1"], table="contents") == {}

    def test_two_stores_name_one_account_differently(self, store: Any,
                                                     tmp_path: Path) -> None:
        other = self.make(tmp_path / "other")
        try:
            assert store.account(Secret("sk-a")) != other.account(Secret("sk-a"))
        finally:
            other.close()

    def test_the_key_string_is_refused(self, store: Any) -> None:
        with pytest.raises(TypeError, match="never the key string"):
            store.account("sk-or-v1-abc")

    def test_info_counts_records_contents_and_accounts(self, store: Any) -> None:
        empty = store.info()
        assert isinstance(empty, CacheInfo) and empty.path == store.path
        assert (empty.entries, empty.accounts, empty.contents) == (0, 0, 0)
        a, b = store.account(Secret("sk-a")), store.account(Secret("sk-b"))
        for i in range(3):
            store.put_raw(a, f"gen-{i}", b'{"id":"x"}')
        store.put_raw(b, "gen-0", b'{"id":"x"}')
        store.put_raw(a, "gen-0", b'{"input":{}}', table="contents")
        info = store.info()
        assert (info.entries, info.accounts, info.contents) == (4, 2, 1)
        assert info.size_bytes > 0 and str(store.path) in str(info)

    def test_clear_removes_every_account_and_table(self, store: Any) -> None:
        a, b = store.account(Secret("sk-a")), store.account(Secret("sk-b"))
        store.put_raw(a, "gen-1", b"{}")
        store.put_raw(b, "gen-1", b"{}")
        store.put_raw(a, "gen-1", b"{}", table="contents")
        assert store.clear() == 3
        assert store.get_raw_many(a, ["gen-1"]) == {} == store.get_raw_many(b, ["gen-1"])
        assert store.info().entries == 0 and store.info().contents == 0
        assert store.clear() == 0
        store.put_raw(a, "gen-2", b"{}")  # still usable
        assert store.get_raw_many(a, ["gen-2"]) == {"gen-2": b"{}"}

    def test_close_is_idempotent_and_a_closed_store_says_so(self, tmp_path: Path) -> None:
        store = self.make(tmp_path)
        a = store.account(Secret("sk-a"))
        store.close()
        store.close()
        with pytest.raises(CacheError, match="closed"):
            store.get_raw_many(a, ["gen-1"])
        with pytest.raises(CacheError, match="closed"):
            store.put_raw(a, "gen-1", b"{}")
        with pytest.raises(CacheError, match="closed"):
            store.info()

    def test_records_as_dicts(self, store: Any) -> None:
        a = store.account(Secret("sk-a"))
        assert store.put(a, "gen-1", {"id": "gen-1", "model": "caf\u00e9"}) is True
        assert store.put(a, "gen-2", {"id": "gen-2", "latency": float("nan")}) is False
        assert store.put(a, "gen-3", {"id": "gen-3", "x": object()}) is False
        store.put_raw(a, "gen-4", b"{not json")
        assert store.get_many(a, ["gen-1", "gen-2", "gen-3", "gen-4"]) == {
            "gen-1": {"id": "gen-1", "model": "caf\u00e9"}}
        assert store.get_raw_many(a, ["gen-1"])["gen-1"] == \
            '{"id":"gen-1","model":"caf\u00e9"}'.encode()

    def test_threads_share_one_store(self, store: Any) -> None:
        a = store.account(Secret("sk-a"))
        errors: list[BaseException] = []

        def work(t: int) -> None:
            try:
                for i in range(50):
                    store.put_raw(a, f"gen-{t}-{i}", b'{"t":%d}' % t)
                    store.get_raw_many(a, [f"gen-{t}-{j}" for j in range(i)])
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and store.info().entries == 300

    @pytest.mark.parametrize("table", ["generations", "contents"])
    def test_an_unreadable_row_is_refetched_and_overwritten(
            self, store: Any, table: str, caplog: pytest.LogCaptureFixture) -> None:
        with serve() as s, OpenRouterClient(s.api_key, s.base_url, cache=store) as client:
            ids = s.ids(4)
            fetch = client.fetch if table == "generations" else client.fetch_contents
            first = fetch(ids, progress=False)
            account = store.account(Secret(s.api_key))
            good = store.get_raw_many(account, ids[:1], table=table)
            store.put_raw(account, ids[0], b"{not json", table=table)
            s.received_ids.clear()
            again = fetch(ids, progress=False)
            assert s.received_ids == ids[:1]
        assert again.records == first.records
        assert store.get_raw_many(account, ids[:1], table=table) == good
        [warning] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert str(store.path) in warning and ids[0] in warning

    def test_a_batch_stores_what_it_fetched(self, store: Any) -> None:
        with serve() as s, OpenRouterClient(s.api_key, s.base_url, cache=store) as client:
            ids = s.ids(30)
            first = client.fetch(ids, progress=False)
            again = client.fetch(ids, progress=False)
            assert s.stats.requests == 30
        assert again.frame.equals(first.frame) and store.info().entries == 30


class TestSQLiteStore(StoreContract):
    def make(self, tmp_path: Path) -> Any:
        tmp_path.mkdir(parents=True, exist_ok=True)
        return GenerationCache(tmp_path / "c.sqlite")


class TestMemoryStore(StoreContract):
    def make(self, tmp_path: Path) -> Any:
        return MemoryStore()


def test_an_object_lacking_part_of_the_protocol_is_named() -> None:
    class OldStore:  # a store written before put_raw
        path = Path("x")

        def account(self, key: Any) -> str: ...
        def get_raw_many(self, *args: Any, **kwargs: Any) -> Any: ...
        def put(self, *args: Any, **kwargs: Any) -> Any: ...
        def info(self) -> Any: ...
        def clear(self) -> Any: ...
        def close(self) -> None: ...

    with pytest.raises(TypeError, match=r"RecordStore .*it lacks put_raw\)"):
        open_cache(OldStore())
    with pytest.raises(TypeError, match=r"not int$"):
        open_cache(3)
