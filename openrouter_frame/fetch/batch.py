"""Run a batch of ids through a fetcher's worker pool: records and failure rows, never frames."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import OpenRouterError
from .pool import Pool
from .retry import FATAL_STATUSES, Stopped

#: ``progress=None`` shows a bar for batches at least this large.
PROGRESS_THRESHOLD = 100
#: After an interrupt, seconds to let in-flight requests land before returning.
DRAIN_SECONDS = 1.5
#: How the failure of an id a stopped batch never tried begins.
UNTRIED = "not fetched: the batch stopped"

logger = logging.getLogger("openrouter_frame")


class Fetcher(Protocol):
    """What a batch needs of a fetcher (:class:`~.client.GenerationFetcher` is one)."""

    max_workers: int

    def require_key(self) -> Any:
        """Raise before any request when there is no key."""
        ...

    def get(self, id: str, stop: threading.Event) -> dict[str, Any]:
        """One id's record, with retries; raise its error; :class:`Stopped` when stopped."""
        ...


@dataclass
class Batch:
    """What one batch fetched.

    Attributes
    ----------
    records : dict
        ``id -> data`` for every id fetched, in the order they arrived.
    failures : dict
        ``id -> (status, message)`` for every id that failed; ``status`` is
        ``None`` for network errors and for ids a stopped batch never tried.
    fatal : OpenRouterError or None
        The 401/402 that stopped the batch, if one did.
    """

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, tuple[int | None, str]] = field(default_factory=dict)
    fatal: OpenRouterError | None = None


def progress_bar(progress: bool | None, total: int, done: int = 0) -> Any:
    """A tqdm bar over ``total`` ids, already advanced past ``done`` (cached) ones."""
    show = progress if progress is not None else total >= PROGRESS_THRESHOLD
    from tqdm.auto import tqdm

    bar = tqdm(total=total, disable=not show, desc="generations", unit="id")
    if done:
        bar.set_postfix({"cached": done}, refresh=False)
        bar.update(done)
    return bar


def run_batch(fetcher: Fetcher, ids: list[str], *, progress: bool | None = None,
              on_record: Callable[[str, dict[str, Any]], None] | None = None,
              done: int = 0) -> Batch:
    """Fetch ``ids`` (already normalised) concurrently through ``fetcher``.

    Per-id failures (403, 404, exhausted retries, bad bodies) land in
    ``Batch.failures``; a 401 or 402 stops the batch (no new request starts)
    and is kept as ``Batch.fatal``, every untried id failing with status
    ``None``.  ``on_record(id, data)`` runs in the worker the moment a record
    arrives (the cache writes it there, so nothing fetched is lost even if the
    caller is interrupted).  ``done`` ids fetched earlier (cached) are counted
    on the progress bar.

    On ``KeyboardInterrupt`` (or any other exception in the caller's thread)
    no new request starts; requests already in flight get
    :data:`DRAIN_SECONDS` to land, then the exception propagates.
    """
    fetcher.require_key()
    batch = Batch()
    stop = threading.Event()

    def work(id: str) -> dict[str, Any]:
        data = fetcher.get(id, stop)
        if on_record is not None:
            on_record(id, data)
        return data

    postfix = {"cached": done} if done else {}
    bar = progress_bar(progress, len(ids) + done, done)
    pool = Pool(work, ids, fetcher.max_workers, stop)
    interrupted = False
    try:
        pool.start()
        for id, data, exc in pool.results():
            if isinstance(exc, Stopped):
                continue
            if isinstance(exc, OpenRouterError):
                batch.failures[id] = (exc.status, exc.message)
                if exc.status in FATAL_STATUSES and batch.fatal is None:
                    batch.fatal = exc
                    stop.set()
                postfix["failed"] = len(batch.failures)
                bar.set_postfix(postfix, refresh=False)
            elif exc is not None:
                raise exc
            else:
                batch.records[id] = data
            bar.update(1)
    except BaseException:
        interrupted = True
        stop.set()
        raise
    finally:
        pool.join(DRAIN_SECONDS if interrupted else None)
        if interrupted:
            logger.info("batch interrupted after %d of %d record(s)",
                        len(batch.records) + done, len(ids) + done)
        bar.close()
    if batch.fatal is not None:
        reason = f"{UNTRIED} at HTTP {batch.fatal.status}"
        for i in ids:
            if i not in batch.records and i not in batch.failures:
                batch.failures[i] = (None, reason)
    return batch
