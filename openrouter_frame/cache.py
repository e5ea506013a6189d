"""A persistent cache of generation records: SQLite, standard library only.

A generation record never changes once the service returns it, so a record
fetched once need never be fetched again.  The cache keeps the raw JSON of
each record's ``data`` object, keyed by a *fingerprint* of the API key (an
HMAC with a random per-file salt: never the key) and the generation id, so
two accounts sharing one file never see each other's records.

* Only complete ``200`` records are stored, one by one as they arrive, so an
  interrupted batch resumes where it stopped.
* One file is safe for the worker threads of a batch and for several
  processes at once (WAL journal, a busy timeout, one lock per connection).
* The file (and SQLite's ``-wal``/``-shm`` companions, which inherit its mode)
  is created readable by its owner only (``0600``).

Choosing the cache (``cache=`` on :func:`~openrouter_frame.generations_to_frame`,
:func:`~openrouter_frame.fetch_generations` and
:class:`~openrouter_frame.OpenRouterClient`; ``--cache`` on the CLI):

``None`` (default)
    ``$OPENROUTER_FRAME_CACHE`` if set (a path; ``1``/``true`` for the default
    location; ``0``/``false`` or empty for none), else no cache.
``True``
    ``generations.sqlite`` in the platform's user cache directory
    (``platformdirs.user_cache_dir("openrouter_frame")``).
``str`` or path
    That file (``~`` expanded); an existing directory gets ``generations.sqlite``
    inside it.
``False``
    No cache, even when the variable is set.

Examples
--------
>>> import tempfile, openrouter_frame as orf
>>> from openrouter_frame.testing import serve
>>> path = tempfile.mkdtemp() + "/generations.sqlite"
>>> with serve() as sim:
...     ids = sim.ids(20)
...     first = orf.generations_to_frame(ids, api_key=sim.api_key, base_url=sim.base_url,
...                                      cache=path)
...     again = orf.generations_to_frame(ids, api_key=sim.api_key, base_url=sim.base_url,
...                                      cache=path)
...     requests_sent = sim.stats.requests
>>> requests_sent, first.equals(again)
(20, True)
>>> orf.cache_info(path).entries
20
>>> orf.clear_cache(path)
20
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._security import Secret

logger = logging.getLogger("openrouter_frame")

#: Environment variable naming the cache when ``cache=None``.
ENV_VAR = "OPENROUTER_FRAME_CACHE"
#: File name inside the user cache directory (or a directory given as ``cache=``).
FILE_NAME = "generations.sqlite"
_APP_NAME = "openrouter_frame"
_FORMAT = "openrouter_frame.generations/1"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
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
"""


def default_path() -> Path:
    """Where ``cache=True`` keeps its file: the platform's user cache directory."""
    import platformdirs

    return Path(platformdirs.user_cache_dir(_APP_NAME, appauthor=False)) / FILE_NAME


def resolve_path(cache: Any) -> Path | None:
    """The file ``cache=`` designates, or ``None`` for no cache (see module docs).

    >>> resolve_path(False) is None
    True
    >>> resolve_path("~/x.sqlite").name
    'x.sqlite'
    """
    if cache is None:
        value = os.environ.get(ENV_VAR, "").strip()
        if value.lower() in _FALSE:
            return None
        cache = True if value.lower() in _TRUE else value
    if cache is True:
        return default_path()
    if cache is False:
        return None
    if isinstance(cache, (str, os.PathLike)):
        if not os.fspath(cache):
            raise ValueError("cache= got an empty path")
        path = Path(cache).expanduser()
        return path / FILE_NAME if path.is_dir() else path
    raise TypeError(
        f"cache must be None, True, False, a path or a GenerationCache, "
        f"not {type(cache).__name__}")


def open_cache(cache: Any) -> GenerationCache | None:
    """Open the cache ``cache=`` designates; ``None`` when there is none."""
    if isinstance(cache, GenerationCache):
        return cache
    path = resolve_path(cache)
    return None if path is None else GenerationCache(path)


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
    >>> from openrouter_frame._security import Secret
    >>> with GenerationCache(tempfile.mkdtemp() + "/c.sqlite") as cache:
    ...     stored = cache.put(Secret("sk-a"), "gen-1", {"id": "gen-1", "total_cost": 0.5})
    ...     mine = cache.get_many(Secret("sk-a"), ["gen-1", "gen-2"])
    ...     theirs = cache.get_many(Secret("sk-b"), ["gen-1"])
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

    def _account(self, key: Secret) -> str:
        """The stored fingerprint of ``key``: 128 bits of a salted HMAC."""
        return key.fingerprint(self._salt)[:32]

    # -- reading --------------------------------------------------------------
    def get_raw_many(self, key: Secret, ids: Iterable[str]) -> dict[str, bytes]:
        """The stored JSON bytes of each of ``ids`` this account has cached."""
        account = self._account(key)
        ids = list(ids)
        out: dict[str, bytes] = {}
        chunk_size = min(_CHUNK, self._max_variables - 1)
        with self._lock:
            for start in range(0, len(ids), chunk_size):
                chunk = ids[start:start + chunk_size]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT id, body FROM generations WHERE account = ? AND id IN ({marks})",
                    (account, *chunk))
                out.update(rows)
        return out

    def get_many(self, key: Secret, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The cached records (``data`` objects) of ``ids`` for this account."""
        return {id: json.loads(body) for id, body in self.get_raw_many(key, ids).items()}

    # -- writing --------------------------------------------------------------
    def put(self, key: Secret, id: str, record: Mapping[str, Any]) -> bool:
        """Store one complete record; return False if it cannot be stored."""
        return self.put_many(key, [(id, record)]) == 1

    def put_many(self, key: Secret, items: Iterable[tuple[str, Mapping[str, Any]]]) -> int:
        """Store ``(id, record)`` pairs in one transaction; return how many.

        A record that is not JSON-serialisable with finite numbers is skipped
        (logged at DEBUG): it is returned to the caller but fetched again next time.
        """
        rows = []
        for id, record in items:
            try:
                rows.append((id, encode(record)))
            except (TypeError, ValueError) as exc:
                logger.debug("not caching %r: %s", id, exc)
        if rows:
            account, now = self._account(key), time.time()
            with self._transaction():
                self._conn.executemany(
                    "INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?)",
                    [(account, id, body, now) for id, body in rows])
        return len(rows)

    # -- administration -------------------------------------------------------
    def info(self) -> CacheInfo:
        """Entries, accounts and bytes on disk (see :func:`cache_info`)."""
        with self._lock:
            entries, accounts = self._conn.execute(
                "SELECT count(*), count(DISTINCT account) FROM generations").fetchone()
        return CacheInfo(path=self.path, entries=entries, accounts=accounts,
                         size_bytes=_size_on_disk(self.path))

    def clear(self) -> int:
        """Delete every record (all accounts) and shrink the file; return how many."""
        with self._transaction():
            removed = self._conn.execute("DELETE FROM generations").rowcount
        with self._lock:
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


@dataclass(frozen=True)
class CacheInfo:
    """What :func:`cache_info` reports.

    Attributes
    ----------
    path : pathlib.Path
        The cache file.
    entries : int
        Records stored (all accounts).
    accounts : int
        Distinct API-key fingerprints among them.
    size_bytes : int
        Bytes on disk, counting SQLite's ``-wal`` file.
    """

    path: Path
    entries: int
    accounts: int
    size_bytes: int

    def __str__(self) -> str:
        return (f"{self.entries:,} record(s) from {self.accounts} account(s), "
                f"{self.size_bytes / 1e6:.1f} MB in {self.path}")


def _size_on_disk(path: Path) -> int:
    total = 0
    for p in (path, path.with_name(path.name + "-wal")):
        try:
            total += p.stat().st_size
        except OSError:
            pass
    return total


def _admin_path(cache: Any) -> Path:
    if isinstance(cache, GenerationCache):
        return cache.path
    if cache is False:
        raise ValueError("cache=False names no cache")
    path = resolve_path(cache)
    return default_path() if path is None else path


def cache_info(cache: Any = None) -> CacheInfo:
    """Report a cache's entries and size without creating it.

    Parameters
    ----------
    cache : None, True, str, path or GenerationCache
        As ``cache=`` elsewhere, except that ``None`` with no
        ``$OPENROUTER_FRAME_CACHE`` means the default location (``True``).

    Returns
    -------
    CacheInfo
        ``path``, ``entries``, ``accounts`` and ``size_bytes`` (all 0 when the
        file does not exist).

    Examples
    --------
    >>> import tempfile
    >>> info = cache_info(tempfile.mkdtemp() + "/none-yet.sqlite")
    >>> info.entries, info.size_bytes
    (0, 0)
    """
    if isinstance(cache, GenerationCache):
        return cache.info()
    path = _admin_path(cache)
    if not path.exists():
        return CacheInfo(path=path, entries=0, accounts=0, size_bytes=0)
    with GenerationCache(path) as opened:
        return opened.info()


def clear_cache(cache: Any = None) -> int:
    """Empty a cache (every account) and shrink its file; return records removed.

    ``cache`` is resolved as in :func:`cache_info`.  A missing file is left
    missing (0 removed).  Safe while another process uses the file.
    """
    if isinstance(cache, GenerationCache):
        return cache.clear()
    path = _admin_path(cache)
    if not path.exists():
        return 0
    with GenerationCache(path) as opened:
        return opened.clear()


__all__ = ["CacheInfo", "GenerationCache", "cache_info", "clear_cache", "default_path",
           "open_cache", "resolve_path"]
