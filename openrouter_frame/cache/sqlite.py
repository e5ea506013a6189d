"""The SQLite store behind :class:`~openrouter_frame.cache.base.RecordStore`.

A generation record never changes once the service returns it, so a record
fetched once need never be fetched again.  The store keeps the raw JSON of
each record's ``data`` object, keyed by an *account* (an HMAC of the API key
with a random per-file salt, from :meth:`GenerationCache.account`: never the
key) and the generation id, so two accounts sharing one file never see each
other's records.

* Only complete ``200`` records are stored, one by one as they arrive, so an
  interrupted batch resumes where it stopped.
* One file is safe for the worker threads of a batch and for several
  processes at once (WAL journal, a busy timeout, one lock per connection).
* The file (and SQLite's ``-wal``/``-shm`` companions, which inherit its mode)
  is created readable by its owner only (``0600``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .base import CacheInfo

logger = logging.getLogger("openrouter_frame")

_FORMAT = "openrouter_frame.generations/1"
#: Ids per SELECT: few large queries are fastest, within SQLite's bound-parameter limit
#: (32,766 since SQLite 3.32, 999 before).
_CHUNK = 30_000 if sqlite3.sqlite_version_info >= (3, 32) else 900

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS generations (
    account TEXT NOT NULL,
    id TEXT NOT NULL,
    body BLOB NOT NULL,
    fetched_at REAL NOT NULL,
    UNIQUE (account, id)
);
CREATE TABLE IF NOT EXISTS contents (
    account TEXT NOT NULL,
    id TEXT NOT NULL,
    body BLOB NOT NULL,
    fetched_at REAL NOT NULL,
    UNIQUE (account, id)
);
"""
#: The tables of raw bodies: records (``GET /generation``) and, only when asked for,
#: stored prompts and outputs (``GET /generation/content``: may hold personal data).
TABLES = ("generations", "contents")


def encode(record: Mapping[str, Any]) -> bytes:
    """The compact UTF-8 JSON stored for a record (``ValueError`` for NaN/inf)."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def _create_private(path: Path) -> None:
    """Create ``path`` (and its directory) readable by its owner only, if missing."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)


class GenerationCache:
    """Generation records on disk, keyed by (account fingerprint, id).

    Usually created for you by ``cache=``; use one directly to share an open
    file between clients.  Thread-safe; several processes may use one file.

    Parameters
    ----------
    path : str or path
        The SQLite file; created (mode ``0600``) if missing.
    timeout : float
        Seconds to wait for another process's write lock.

    Examples
    --------
    >>> import tempfile
    >>> with GenerationCache(tempfile.mkdtemp() + "/c.sqlite") as cache:
    ...     a, b = cache.account("sk-a"), cache.account("sk-b")
    ...     stored = cache.put(a, "gen-1", {"id": "gen-1", "total_cost": 0.5})
    ...     mine = cache.get_many(a, ["gen-1", "gen-2"])
    ...     theirs = cache.get_many(b, ["gen-1"])
    >>> stored, mine, theirs
    (True, {'gen-1': {'id': 'gen-1', 'total_cost': 0.5}}, {})
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        _create_private(self.path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None,
                                     check_same_thread=False)
        getlimit = getattr(self._conn, "getlimit", None)  # Python 3.11+
        self._max_variables = (getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # type: ignore[attr-defined]
                               if getlimit is not None else _CHUNK + 1)
        try:
            self._salt = self._setup_when_unlocked(timeout)
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise ValueError(f"{self.path} is not a usable openrouter_frame cache ({exc}); "
                             "choose another file or delete this one") from None

    def _setup_when_unlocked(self, timeout: float) -> bytes:
        """Run :meth:`_setup`, retrying while another process holds the file.

        Switching a new file to WAL answers "database is locked" at once, without
        waiting out ``busy_timeout``, when another process is setting it up too;
        every step of the setup is idempotent, so it is simply run again.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._setup(timeout)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def _setup(self, timeout: float) -> bytes:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and not {"meta", "generations"} <= tables:
            raise sqlite3.DatabaseError("it holds other tables")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")  # persistent; set once per file
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA journal_size_limit = 1048576")  # keep the -wal file small
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (_FORMAT,))
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (os.urandom(32),))
            meta = dict(conn.execute("SELECT name, value FROM meta"))
        if meta.get("format") != _FORMAT:
            raise sqlite3.DatabaseError(f"unknown format {meta.get('format')!r}")
        return bytes(meta["salt"])

    def _transaction(self) -> Any:
        return _Transaction(self._conn, self._lock)

    def account(self, api_key: str) -> str:
        """The fingerprint stored for ``api_key``: 128 bits of an HMAC with this file's salt.

        Identifies the account in this file; reveals nothing of the key.
        """
        return hmac.new(self._salt, api_key.encode(), hashlib.sha256).hexdigest()[:32]

    # -- reading --------------------------------------------------------------
    def get_raw_many(self, account: str, ids: Iterable[str], *, table: str = "generations"
                     ) -> dict[str, bytes]:
        """The stored JSON bytes of each of ``ids`` this account has cached.

        ``table="contents"`` reads stored contents instead of records.
        """
        _check_table(table)
        ids = list(ids)
        out: dict[str, bytes] = {}
        chunk_size = min(_CHUNK, self._max_variables - 1)
        with self._lock, _named(self.path):
            for start in range(0, len(ids), chunk_size):
                chunk = ids[start:start + chunk_size]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT id, body FROM {table} WHERE account = ? AND id IN ({marks})",
                    (account, *chunk))
                out.update(rows)
        return out

    def get_many(self, account: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The cached records (``data`` objects) of ``ids`` for this account."""
        return {id: json.loads(body) for id, body in self.get_raw_many(account, ids).items()}

    # -- writing --------------------------------------------------------------
    def put(self, account: str, id: str, record: Mapping[str, Any], *,
            table: str = "generations") -> bool:
        """Store one complete record (or content, ``table="contents"``); False if it cannot."""
        return self.put_many(account, [(id, record)], table=table) == 1

    def put_many(self, account: str, items: Iterable[tuple[str, Mapping[str, Any]]], *,
                 table: str = "generations") -> int:
        """Store ``(id, record)`` pairs in one transaction; return how many.

        A record that is not JSON-serialisable with finite numbers is skipped
        (logged at DEBUG): it is returned to the caller but fetched again next time.
        """
        _check_table(table)
        rows = []
        for id, record in items:
            try:
                rows.append((id, encode(record)))
            except (TypeError, ValueError) as exc:
                logger.debug("not caching %r: %s", id, exc)
        if rows:
            now = time.time()
            with _named(self.path), self._transaction():
                self._conn.executemany(
                    f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?, ?)",
                    [(account, id, body, now) for id, body in rows])
        return len(rows)

    # -- administration -------------------------------------------------------
    def info(self) -> CacheInfo:
        """Entries, accounts and bytes on disk (see :func:`cache_info`)."""
        with self._lock, _named(self.path):
            entries, accounts = self._conn.execute(
                "SELECT count(*), count(DISTINCT account) FROM generations").fetchone()
            contents = self._conn.execute("SELECT count(*) FROM contents").fetchone()[0]
        return CacheInfo(path=self.path, entries=entries, accounts=accounts,
                         size_bytes=_size_on_disk(self.path), contents=contents)

    def clear(self) -> int:
        """Delete every record and content (all accounts), shrink the file; return how many."""
        with _named(self.path), self._transaction():
            removed = sum(self._conn.execute(f"DELETE FROM {table}").rowcount
                          for table in TABLES)
        with self._lock, _named(self.path):
            self._conn.execute("VACUUM")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(removed)

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> GenerationCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"GenerationCache({str(self.path)!r})"


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` under the cache's lock (rollback on error)."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock) -> None:
        self._conn, self._lock = conn, lock

    def __enter__(self) -> None:
        self._lock.acquire()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            self._conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
        finally:
            self._lock.release()


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}, got {table!r}")


@contextlib.contextmanager
def _named(path: Path) -> Iterator[None]:
    """Re-raise a "damaged file" ``sqlite3.DatabaseError`` naming the file and the cure."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        # Only SQLite's own "corrupt" / "not a database" (the base class itself); its
        # subclasses (locked, read-only, a closed connection) are not damage.
        if type(exc) is not sqlite3.DatabaseError:
            raise
        raise damaged(path, exc) from None


def damaged(path: Path, exc: BaseException) -> sqlite3.DatabaseError:
    """The error for a damaged cache file: which file, and how to start afresh.

    >>> error = damaged(Path("/tmp/c.sqlite"), sqlite3.DatabaseError("malformed"))
    >>> str(error)[:60]
    'the cache file /tmp/c.sqlite is damaged (malformed): delete '
    >>> "rm /tmp/c.sqlite /tmp/c.sqlite-wal /tmp/c.sqlite-shm" in str(error)
    True
    """
    return sqlite3.DatabaseError(
        f"the cache file {path} is damaged ({exc}): delete it and its -wal and -shm files "
        f"(rm {path} {path}-wal {path}-shm) or pass another cache path; its records are "
        "fetched again when needed")


def _size_on_disk(path: Path) -> int:
    total = 0
    for p in (path, path.with_name(path.name + "-wal")):
        try:
            total += p.stat().st_size
        except OSError:
            pass
    return total
