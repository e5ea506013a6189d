"""What a record store must provide: the small protocol the batch is written against.

Like requests-cache's ``backends/base.py``: :mod:`openrouter_frame.api` talks
to a store only through :class:`RecordStore`, and the SQLite store
(:class:`~openrouter_frame.cache.sqlite.GenerationCache`) is one
implementation.  Accounts are opaque strings the store derives from a key
(:meth:`RecordStore.account`), so no store ever keeps or needs the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class RecordStore(Protocol):
    """Raw generation records by (account, id)."""

    path: Path

    def account(self, api_key: str) -> str:
        """An opaque, stable name for the account of ``api_key`` (never the key)."""
        ...

    def get_raw_many(self, account: str, ids: Iterable[str]) -> dict[str, bytes]:
        """The stored JSON body of each of ``ids`` the account has (missing ones left out)."""
        ...

    def put(self, account: str, id: str, record: Mapping[str, Any]) -> bool:
        """Store one complete record; ``False`` when it cannot be stored."""
        ...

    def info(self) -> CacheInfo:
        """Entries, accounts and size."""
        ...

    def clear(self) -> int:
        """Remove every record; return how many."""
        ...

    def close(self) -> None:
        """Release the store (idempotent)."""
        ...


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
