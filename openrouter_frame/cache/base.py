"""What a record store must provide: the small protocol the batch is written against.

Like requests-cache's ``backends/base.py``: :mod:`openrouter_frame.api` talks
to a store only through :class:`RecordStore`, and the SQLite store
(:class:`~openrouter_frame.cache.sqlite.GenerationCache`) is one
implementation, :class:`~openrouter_frame.cache.memory.MemoryStore` another.
Accounts are opaque strings the store derives from the key's holder
(:meth:`RecordStore.account` gets the :class:`~openrouter_frame.fetch.Secret`,
never the key string; :func:`fingerprint` derives them), so no store ever keeps
or needs the key.

Bodies walk one way: a store keeps the bytes it is given as they are
(:meth:`RecordStore.put_raw`) and hands back exactly those
(:meth:`RecordStore.get_raw_many`); reading them is the caller's business
(:func:`loads`, the one reading of a stored body, for which an unreadable body
is a miss).  A store that cannot be used raises
:class:`~openrouter_frame.errors.CacheError`, naming where it is and what to do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

logger = logging.getLogger("openrouter_frame")

#: The tables of raw bodies: records (``GET /generation``) and, only when asked for,
#: stored prompts and outputs (``GET /generation/content``: may hold personal data);
#: a completed UTC day of ``GET /activity`` (under the management key's account) and
#: the list prices of a day (``GET /models`` and a model's ``/endpoints``).
TABLES = ("generations", "contents", "activity", "prices")


class Key(Protocol):
    """What a store is given for an account: a key holder such as
    :class:`~openrouter_frame.fetch.Secret` (its ``value`` is read, never kept)."""

    @property
    def value(self) -> str: ...


@runtime_checkable
class RecordStore(Protocol):
    """Raw generation records by (account, id)."""

    path: Path

    def account(self, key: Key) -> str:
        """An opaque, stable name for the account of ``key`` (a key holder, never a ``str``).

        Derive it with :func:`fingerprint`; never keep the key.
        """
        ...

    def get_raw_many(self, account: str, ids: Iterable[str], *, table: str = "generations"
                     ) -> dict[str, bytes]:
        """The stored JSON body of each of ``ids`` the account has (missing ones left out).

        ``table`` is ``"generations"`` (records) or ``"contents"`` (stored prompts and
        outputs of ``GET /generation/content``, kept apart: fetched only when asked).
        """
        ...

    def put_raw(self, account: str, id: str, body: bytes, *,
                table: str = "generations") -> bool:
        """Store one complete record's (or content's) JSON ``body`` as given; ``True`` once stored.

        ``get_raw_many`` gives back these very bytes.  Replaces what the account
        had for ``id`` in ``table``.
        """
        ...

    def info(self) -> CacheInfo:
        """Entries, accounts and size."""
        ...

    def clear(self) -> int:
        """Remove every record and content; return how many."""
        ...

    def close(self) -> None:
        """Release the store (idempotent)."""
        ...


class StoreMixin:
    """What every store offers on top of the protocol, written once: records as dicts.

    A store class provides :meth:`RecordStore.put_raw` and
    :meth:`RecordStore.get_raw_many`; this adds :meth:`put` (encode, then
    ``put_raw``) and :meth:`get_many` (``get_raw_many``, then :func:`loads`).
    """

    def put_raw(self, account: str, id: str, body: bytes, *,
                table: str = "generations") -> bool:
        raise NotImplementedError

    def get_raw_many(self, account: str, ids: Iterable[str], *, table: str = "generations"
                     ) -> dict[str, bytes]:
        raise NotImplementedError

    def put(self, account: str, id: str, record: Mapping[str, Any], *,
            table: str = "generations") -> bool:
        """Store one record (compact JSON, :func:`encode`); ``False`` when it cannot be.

        A record that is not JSON-serialisable with finite numbers is not
        stored (logged at DEBUG): the caller has it, and it is fetched again
        next time.
        """
        body = self._encoded(id, record)
        return body is not None and self.put_raw(account, id, body, table=table)

    def get_many(self, account: str, ids: Iterable[str], *, table: str = "generations"
                 ) -> dict[str, dict[str, Any]]:
        """The stored records of ``ids`` for this account, read (unreadable ones left out)."""
        out = {}
        for id, body in self.get_raw_many(account, ids, table=table).items():
            record = loads(body)
            if record is not None:
                out[id] = record
        return out

    @staticmethod
    def _encoded(id: str, record: Mapping[str, Any]) -> bytes | None:
        try:
            return encode(record)
        except (TypeError, ValueError) as exc:
            logger.debug("not caching %r: %s", id, exc)
            return None


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
    contents : int
        Stored contents (prompts and outputs), all accounts.
    """

    path: Path
    entries: int
    accounts: int
    size_bytes: int
    contents: int = 0

    def __str__(self) -> str:
        stored = f" and {self.contents:,} content(s)" if self.contents else ""
        return (f"{self.entries:,} record(s){stored} from {self.accounts} account(s), "
                f"{self.size_bytes / 1e6:.1f} MB in {self.path}")


def check_table(table: str) -> None:
    """Raise ``ValueError`` unless ``table`` is one of :data:`TABLES`."""
    if table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}, got {table!r}")


def fingerprint(salt: bytes, key: Key) -> str:
    """The account name of ``key`` under ``salt``: 128 bits of an HMAC-SHA256 (never the key).

    Reveals nothing of the key; two salts give unrelated names.  A plain
    ``str`` is refused, so no store ever receives the key itself.

    >>> class Held:
    ...     value = "sk-or-v1-abc"
    >>> name = fingerprint(b"salt", Held())
    >>> len(name), name == fingerprint(b"pepper", Held())
    (32, False)
    >>> fingerprint(b"salt", "sk-or-v1-abc")
    Traceback (most recent call last):
    ...
    TypeError: a store takes the key's holder (openrouter_frame.fetch.Secret), never the key string
    """
    if isinstance(key, str) or not isinstance(getattr(key, "value", None), str):
        raise TypeError("a store takes the key's holder (openrouter_frame.fetch.Secret), "
                        "never the key string")
    return hmac.new(salt, key.value.encode(), hashlib.sha256).hexdigest()[:32]


def encode(record: Mapping[str, Any]) -> bytes:
    """The compact UTF-8 JSON of a record (``ValueError`` for NaN/inf, ``TypeError`` for
    what JSON cannot hold)."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def loads(body: bytes) -> dict[str, Any] | None:
    """A stored body read back: its JSON object, or ``None`` when it cannot be read.

    The one reading of a stored body.  A body that is not JSON, not a JSON
    object or too deeply nested is unreadable (a damaged row, another
    program's write): the caller treats its id as never stored.

    >>> loads(b'{"id":"gen-1"}'), loads(b'{"id":'), loads(b'[1]')
    ({'id': 'gen-1'}, None, None)
    """
    try:
        value = json.loads(body)
    except (ValueError, TypeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
