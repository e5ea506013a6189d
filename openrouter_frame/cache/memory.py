"""A record store in memory: for one notebook session, nothing written to disk.

Same semantics as the SQLite store (:class:`~openrouter_frame.cache.sqlite.GenerationCache`):
bodies kept as given, by (account, id), in the ``generations`` and ``contents``
tables, accounts derived from the key's holder with a random per-store salt
(never the key), thread-safe.  Everything is gone when the store is.

Examples
--------
>>> import openrouter_frame as orf
>>> from openrouter_frame.cache import MemoryStore
>>> from openrouter_frame.testing import serve
>>> store = MemoryStore()
>>> with serve() as sim:
...     ids = sim.ids(10)
...     first = orf.fetch_generations(ids, api_key=sim.api_key, base_url=sim.base_url,
...                                   cache=store)
...     again = orf.fetch_generations(ids, api_key=sim.api_key, base_url=sim.base_url,
...                                   cache=store)
...     requests_sent = sim.stats.requests
>>> requests_sent, store.info().entries, again.frame.equals(first.frame)
(10, 10, True)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

from ..errors import CacheError
from .base import TABLES, CacheInfo, Key, StoreMixin, check_table, fingerprint


class MemoryStore(StoreMixin):
    """Generation records in memory, keyed by (account fingerprint, id).

    Pass one as ``cache=`` to keep records for as long as the object lives
    (a notebook session) without a file.  ``path`` is ``Path(":memory:")``,
    the name SQLite gives such a database.

    Examples
    --------
    >>> from openrouter_frame.fetch import Secret
    >>> with MemoryStore() as store:
    ...     a = store.account(Secret("sk-a"))
    ...     stored = store.put_raw(a, "gen-1", b'{"id":"gen-1"}')
    ...     mine = store.get_raw_many(a, ["gen-1", "gen-2"])
    ...     theirs = store.get_raw_many(store.account(Secret("sk-b")), ["gen-1"])
    >>> stored, mine, theirs
    (True, {'gen-1': b'{"id":"gen-1"}'}, {})
    """

    def __init__(self) -> None:
        self.path = Path(":memory:")
        self._salt = os.urandom(32)
        self._lock = threading.Lock()
        self._tables: dict[str, dict[tuple[str, str], bytes]] = {t: {} for t in TABLES}
        self._closed = False

    def account(self, key: Key) -> str:
        """The fingerprint kept for ``key`` (see :func:`~.base.fingerprint`); never the key."""
        return fingerprint(self._salt, key)

    def get_raw_many(self, account: str, ids: Iterable[str], *, table: str = "generations"
                     ) -> dict[str, bytes]:
        """The stored bytes of each of ``ids`` this account has (missing ones left out)."""
        check_table(table)
        rows = self._rows(table)
        with self._lock:
            return {id: rows[account, id] for id in ids if (account, id) in rows}

    def put_raw(self, account: str, id: str, body: bytes, *,
                table: str = "generations") -> bool:
        """Keep ``body`` as given for (account, id) in ``table``."""
        check_table(table)
        rows = self._rows(table)
        with self._lock:
            rows[account, id] = bytes(body)
        return True

    def info(self) -> CacheInfo:
        """Entries, accounts and the bytes of the bodies held."""
        self._check_open()
        with self._lock:
            records, contents = self._tables["generations"], self._tables["contents"]
            return CacheInfo(path=self.path, entries=len(records),
                             accounts=len({account for account, _ in records}),
                             size_bytes=sum(len(b) for t in TABLES
                                            for b in self._tables[t].values()),
                             contents=len(contents))

    def clear(self) -> int:
        """Forget every record and content (all accounts); return how many."""
        self._check_open()
        with self._lock:
            removed = sum(len(rows) for rows in self._tables.values())
            for rows in self._tables.values():
                rows.clear()
        return removed

    def close(self) -> None:
        """Forget everything; later reads and writes raise :class:`CacheError` (idempotent)."""
        with self._lock:
            self._closed = True
            for rows in self._tables.values():
                rows.clear()

    def _rows(self, table: str) -> dict[tuple[str, str], bytes]:
        self._check_open()
        return self._tables[table]

    def _check_open(self) -> None:
        if self._closed:
            raise CacheError("the in-memory cache is closed: make a new MemoryStore()",
                             path=self.path)

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "MemoryStore()"
