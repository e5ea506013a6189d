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
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import CacheError
from .base import TABLES, CacheInfo, Key, StoreMixin, check_table, fingerprint

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
CREATE TABLE IF NOT EXISTS activity (
    account TEXT NOT NULL,
    id TEXT NOT NULL,
    body BLOB NOT NULL,
    fetched_at REAL NOT NULL,
    UNIQUE (account, id)
);
CREATE TABLE IF NOT EXISTS prices (
    account TEXT NOT NULL,
    id TEXT NOT NULL,
    body BLOB NOT NULL,
    fetched_at REAL NOT NULL,
    UNIQUE (account, id)
);
"""


def _create_private(path: Path) -> None:
    """Create ``path`` (and its directory) readable by its owner only, if missing."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)


class GenerationCache(StoreMixin):
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
    >>> from openrouter_frame.fetch import Secret
    >>> with GenerationCache(tempfile.mkdtemp() + "/c.sqlite") as cache:
    ...     a, b = cache.account(Secret("sk-a")), cache.account(Secret("sk-b"))
    ...     stored = cache.put(a, "gen-1", {"id": "gen-1", "total_cost": 0.5})
    ...     mine = cache.get_many(a, ["gen-1", "gen-2"])
    ...     theirs = cache.get_many(b, ["gen-1"])
    >>> stored, mine, theirs
    (True, {'gen-1': {'id': 'gen-1', 'total_cost': 0.5}}, {})
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        try:
            _create_private(self.path)
        except OSError as exc:
            raise CacheError(f"cannot create the cache file {self.path} ({exc}): pass another "
                             "cache path, or cache=False for none", path=self.path) from None
        self._lock = threading.RLock()
        with _named(self.path):
            self._conn = sqlite3.connect(str(self.path), timeout=timeout,
                                         isolation_level=None, check_same_thread=False)
        getlimit = getattr(self._conn, "getlimit", None)  # Python 3.11+
        self._max_variables = (getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # type: ignore[attr-defined]
                               if getlimit is not None else _CHUNK + 1)
        try:
            with _named(self.path, opening=True):
                self._salt = self._setup_when_unlocked(timeout)
        except BaseException:
            self._conn.close()
            raise

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
            raise _NotOurs("it holds another program's tables")
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
            raise _NotOurs(f"it is in another format ({meta.get('format')!r}, this version "
                           f"reads {_FORMAT!r})")
        return bytes(meta["salt"])

    def _transaction(self) -> Any:
        return _Transaction(self._conn, self._lock)

    def account(self, key: Key) -> str:
        """The fingerprint stored for ``key`` (a :class:`~openrouter_frame.fetch.Secret`):
        128 bits of an HMAC with this file's salt (:func:`~.base.fingerprint`).

        Identifies the account in this file; reveals nothing of the key.
        """
        return fingerprint(self._salt, key)

    # -- reading --------------------------------------------------------------
    def get_raw_many(self, account: str, ids: Iterable[str], *, table: str = "generations"
                     ) -> dict[str, bytes]:
        """The stored JSON bytes of each of ``ids`` this account has cached.

        ``table="contents"`` reads stored contents instead of records.
        """
        check_table(table)
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

    # -- writing --------------------------------------------------------------
    def put_raw(self, account: str, id: str, body: bytes, *,
                table: str = "generations") -> bool:
        """Store one record's JSON ``body`` as given (``table="contents"``: a content)."""
        return self.put_raw_many(account, [(id, body)], table=table) == 1

    def put_raw_many(self, account: str, items: Iterable[tuple[str, bytes]], *,
                     table: str = "generations") -> int:
        """Store ``(id, body)`` pairs in one transaction, bodies as given; return how many."""
        check_table(table)
        rows = [(account, id, bytes(body), time.time()) for id, body in items]
        if rows:
            with _named(self.path), self._transaction():
                self._conn.executemany(
                    f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?, ?)", rows)
        return len(rows)

    def put_many(self, account: str, items: Iterable[tuple[str, Mapping[str, Any]]], *,
                 table: str = "generations") -> int:
        """Store ``(id, record)`` pairs in one transaction; return how many.

        A record that is not JSON-serialisable with finite numbers is skipped
        (see :meth:`put`).
        """
        encoded = ((id, self._encoded(id, record)) for id, record in items)
        return self.put_raw_many(account, ((id, body) for id, body in encoded
                                           if body is not None), table=table)

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


class _NotOurs(sqlite3.DatabaseError):
    """A readable SQLite file that is not an openrouter_frame cache (of this format)."""


@contextlib.contextmanager
def _named(path: Path, opening: bool = False) -> Iterator[None]:
    """Re-raise SQLite's errors as a :class:`~openrouter_frame.CacheError` naming the file
    and the cure (``opening``: while the file is being opened)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise unusable(path, exc, opening=opening) from None


def unusable(path: Path, exc: BaseException, *, opening: bool = False) -> CacheError:
    """The error for a cache file SQLite cannot use: which file, why, and what to do.

    >>> error = unusable(Path("/tmp/c.sqlite"), sqlite3.DatabaseError("malformed"))
    >>> str(error)[:60]
    'the cache file /tmp/c.sqlite is damaged (malformed): delete '
    >>> "rm /tmp/c.sqlite /tmp/c.sqlite-wal /tmp/c.sqlite-shm" in str(error)
    True
    """
    why = str(exc)
    fresh = (f"delete it and its -wal and -shm files (rm {path} {path}-wal {path}-shm) or pass "
             "another cache path; its records are fetched again when needed")
    if isinstance(exc, _NotOurs) or (opening and "not a database" in why):
        message = (f"the file {path} is not a usable openrouter_frame cache ({why}): pass "
                   "another cache path, or delete this file if it is an old cache")
    elif type(exc) is sqlite3.DatabaseError:  # SQLite's "malformed", "not a database"
        message = f"the cache file {path} is damaged ({why}): {fresh}"
    elif "readonly" in why or "read-only" in why:
        message = (f"the cache file {path} is read-only ({why}): make it and its directory "
                   "writable, or pass another cache path (cache=False for none)")
    elif "locked" in why or "busy" in why:
        message = (f"the cache file {path} is locked by another process ({why}): try again "
                   "once it is done, or pass another cache path")
    elif "closed" in why:
        message = (f"the cache {path} is closed ({why}): open it again "
                   "(GenerationCache(path)) or pass cache=path")
    else:
        message = (f"the cache file {path} cannot be used ({type(exc).__name__}: {why}): "
                   f"free disk space or check its permissions, or {fresh}")
    return CacheError(message, path=path)


def _size_on_disk(path: Path) -> int:
    total = 0
    for p in (path, path.with_name(path.name + "-wal")):
        try:
            total += p.stat().st_size
        except OSError:
            pass
    return total
