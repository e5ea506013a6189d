"""A persistent cache of generation records, layered on top of fetching.

The batch needs a few things of a store (:class:`~.base.RecordStore`): an
account for a key's holder, the stored bodies of many ids, put one body as
received, info, clear and close.  The SQLite store
(:class:`~.sqlite.GenerationCache`) provides them, and so does
:class:`~.memory.MemoryStore` (one session, no file); :func:`open_cache` picks
the store ``cache=`` designates.

A generation record never changes once the service returns it, so a record
fetched once need never be fetched again.  The cache keeps the raw JSON of
each record's ``data`` object, keyed by a *fingerprint* of the API key (an
HMAC with a random per-file salt: never the key) and the generation id, so
two accounts sharing one file never see each other's records.

* Only complete ``200`` records are stored, one by one as they arrive, so an
  interrupted batch resumes where it stopped.
* A stored body that cannot be read (a damaged row) is a miss: fetched again
  and overwritten, with one warning naming the file and the ids.
* A file that cannot be used (not a cache, damaged, read-only, locked) raises
  :class:`~openrouter_frame.errors.CacheError`, naming it and what to do.
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

import os
from pathlib import Path
from typing import Any

from .base import CacheInfo, RecordStore
from .memory import MemoryStore
from .sqlite import GenerationCache

#: Environment variable naming the cache when ``cache=None``.
ENV_VAR = "OPENROUTER_FRAME_CACHE"
#: File name inside the user cache directory (or a directory given as ``cache=``).
FILE_NAME = "generations.sqlite"
_APP_NAME = "openrouter_frame"
_TRUE = {"1", "true", "yes", "on"}
#: What a store must have (see :class:`RecordStore`), named when an object lacks some.
_PROTOCOL = ("path", "account", "get_raw_many", "put_raw", "info", "clear", "close")
_FALSE = {"", "0", "false", "no", "off"}


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
    missing = [name for name in _PROTOCOL if not hasattr(cache, name)]
    raise TypeError(
        f"cache must be None, True, False, a path or a RecordStore (a GenerationCache, a "
        f"MemoryStore or your own), not {type(cache).__name__}"
        + (f" (it lacks {', '.join(missing)})" if len(missing) < len(_PROTOCOL) else ""))


def open_cache(cache: Any) -> RecordStore | None:
    """Open the store ``cache=`` designates; ``None`` when there is none.

    An object implementing :class:`RecordStore` (a :class:`GenerationCache` or
    your own) is used as it is.
    """
    if isinstance(cache, RecordStore):
        return cache
    path = resolve_path(cache)
    return None if path is None else GenerationCache(path)


def _admin_path(cache: Any) -> Path:
    if isinstance(cache, RecordStore):
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
    if isinstance(cache, RecordStore):
        return cache.info()
    path = _admin_path(cache)
    if not path.exists():
        return CacheInfo(path=path, entries=0, accounts=0, size_bytes=0)
    with GenerationCache(path) as opened:
        return opened.info()


def clear_cache(cache: Any = None) -> int:
    """Empty a cache (every account, records and contents), shrink its file; return rows removed.

    ``cache`` is resolved as in :func:`cache_info`.  A missing file is left
    missing (0 removed).  Safe while another process uses the file.
    """
    if isinstance(cache, RecordStore):
        return cache.clear()
    path = _admin_path(cache)
    if not path.exists():
        return 0
    with GenerationCache(path) as opened:
        return opened.clear()


__all__ = ["CacheInfo", "GenerationCache", "MemoryStore", "RecordStore", "cache_info",
           "clear_cache", "default_path", "open_cache", "resolve_path"]
