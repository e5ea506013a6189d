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

    def get_raw_many(self, account: str, ids: Iterable[str], *, table: str = "generations"
                     ) -> dict[str, bytes]:
        """The stored JSON body of each of ``ids`` the account has (missing ones left out).

        ``table`` is ``"generations"`` (records) or ``"contents"`` (stored prompts and
        outputs of ``GET /generation/content``, kept apart: fetched only when asked).
        """
        ...

    def put(self, account: str, id: str, record: Mapping[str, Any], *,
            table: str = "generations") -> bool:
        """Store one complete record (or content); ``False`` when it cannot be stored."""
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
