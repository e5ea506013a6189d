"""Run a batch of ids through a fetcher's worker pool: records and failure rows, never frames."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import UNTRIED, OpenRouterError
from .client import Received
from .pool import Pool
from .retry import FATAL_STATUSES, Gate, Stopped

#: After an interrupt, seconds to let in-flight requests land before returning.
DRAIN_SECONDS = 1.5
#: How often the progress bar looks at the 429 gate (seconds).
GATE_POLL_SECONDS = 0.2
#: The progress bar's postfix key while a rate limit holds the batch.
RATE_LIMITED = "rate-limited"

logger = logging.getLogger("openrouter_frame")


class Progress(Protocol):
    """What a batch tells of its progress: ids done, and a status note.

    The caller hands one down (the API hands a tqdm bar, which is one); this
    layer never draws anything itself.
    """

    def update(self, n: int = 1) -> Any:
        """``n`` more ids are done (fetched or failed)."""
        ...

    def set_postfix(self, postfix: dict[str, Any], refresh: bool = True) -> Any:
        """The batch's status: ``cached``, ``failed`` and ``rate-limited`` counts or notes."""
        ...


class _Silent:
    """The progress of a batch nobody watches."""

    disable = True

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, postfix: dict[str, Any], refresh: bool = True) -> None:
        pass


class Fetcher(Protocol):
    """What a batch needs of a fetcher (:class:`~.client.GenerationFetcher` is one)."""

    max_workers: int

    def require_key(self) -> Any:
        """Raise before any request when there is no key."""
        ...

    def receive(self, id: str, stop: threading.Event) -> Received:
        """One id's record and its bytes as received, with retries; raise its error;
        :class:`Stopped` when stopped."""
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


class BarStatus:
    """The progress's postfix (``cached``, ``failed``, ``rate-limited``), shared by two threads.

    The main thread counts failures; a watcher thread shows, every
    :data:`GATE_POLL_SECONDS`, how long the 429 gate still holds the batch
    (``rate-limited: wait 1.8 s``), so the bar never freezes silently during
    a backoff.  When the batch ends the note says how long the batch waited
    in all (``rate-limited: waited 12.6 s``), or goes if it never waited.

    >>> class Bar:
    ...     def set_postfix(self, postfix, refresh=True): print(postfix)
    >>> gate = Gate()
    >>> status = BarStatus(Bar(), gate, {"cached": 3})
    >>> gate.hold(2.0)
    >>> status.tick()
    {'cached': 3, 'rate-limited': 'wait 2.0 s'}
    """

    def __init__(self, bar: Any, gate: Gate | None, postfix: dict[str, Any]) -> None:
        self.bar, self.gate, self.postfix = bar, gate, postfix
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        #: Seconds the gate held the batch, as seen by :meth:`tick`.
        self.waited = 0.0
        self._last: tuple[float, float] | None = None

    def set(self, key: str, value: Any, refresh: bool = False) -> None:
        """Set one postfix entry and redraw the postfix."""
        with self._lock:
            self.postfix[key] = value
            self.bar.set_postfix(self.postfix, refresh=refresh)

    def tick(self) -> None:
        """Show how long the gate still holds (or drop the note once it is open)."""
        if self.gate is None:
            return
        wait = self.gate.remaining()
        now = time.monotonic()
        with self._lock:
            if self._last is not None:  # held since the last tick: count the time, up to now
                self.waited += min(now - self._last[0], self._last[1])
            self._last = (now, wait) if wait > 0 else None
            if wait > 0:
                self.postfix[RATE_LIMITED] = f"wait {max(wait, 0.1):.1f} s"  # never "0.0 s"
            elif self.postfix.pop(RATE_LIMITED, None) is None:
                return
            self.bar.set_postfix(self.postfix, refresh=True)

    def start(self) -> None:
        """Watch the gate in a daemon thread until :meth:`stop`."""
        if self.gate is None or getattr(self.bar, "disable", False):
            return

        def watch() -> None:
            while not self._done.wait(GATE_POLL_SECONDS):
                self.tick()

        self._thread = threading.Thread(target=watch, name="orf-bar", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; the note becomes the total wait (or goes)."""
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        self.tick()
        with self._lock:
            if self._last is not None:
                self.waited += min(time.monotonic() - self._last[0], self._last[1])
                self._last = None
            self.postfix.pop(RATE_LIMITED, None)
            if self.waited > 0:
                self.postfix[RATE_LIMITED] = f"waited {self.waited:.1f} s"
            self.bar.set_postfix(self.postfix, refresh=True)


def run_batch(fetcher: Fetcher, ids: list[str], *, on_progress: Progress | None = None,
              on_record: Callable[[str, dict[str, Any], bytes | None], None] | None = None,
              done: int = 0) -> Batch:
    """Fetch ``ids`` (already normalised) concurrently through ``fetcher``.

    Per-id failures (403, 404, exhausted retries, bad bodies) land in
    ``Batch.failures``; a 401 or 402 stops the batch (no new request starts)
    and is kept as ``Batch.fatal``, every untried id failing with status
    ``None``.  ``on_record(id, data, body)`` runs in the worker the moment a
    record arrives, ``body`` being its bytes as received or ``None`` (see
    :class:`~.client.Received`): the cache stores them there, as they are, so
    nothing fetched is lost even if the caller is interrupted.  ``on_progress``
    (a :class:`Progress`, such as the tqdm bar the API makes) is told of each
    id done, in the caller's thread, and its postfix counts the ``done`` ids
    fetched earlier (cached) and the failures; while a 429 holds the batch,
    the postfix says so and for how long (``rate-limited: 1.8 s``; see
    :class:`BarStatus`).  The caller closes it.

    On ``KeyboardInterrupt`` (or any other exception in the caller's thread)
    no new request starts; requests already in flight get
    :data:`DRAIN_SECONDS` to land, then the exception propagates.
    """
    fetcher.require_key()
    batch = Batch()
    stop = threading.Event()

    def work(id: str) -> dict[str, Any]:
        data, body = fetcher.receive(id, stop)
        if on_record is not None:
            on_record(id, data, body)
        return data

    postfix = {"cached": done} if done else {}
    bar: Any = on_progress if on_progress is not None else _Silent()
    status = BarStatus(bar, getattr(fetcher, "gate", None), postfix)
    pool = Pool(work, ids, fetcher.max_workers, stop)
    interrupted = False
    try:
        status.start()
        pool.start()
        for id, data, exc in pool.results():
            if isinstance(exc, Stopped):
                continue
            if isinstance(exc, OpenRouterError):
                batch.failures[id] = (exc.status, exc.message)
                if exc.status in FATAL_STATUSES and batch.fatal is None:
                    batch.fatal = exc
                    stop.set()
                status.set("failed", len(batch.failures))
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
        status.stop()
        if interrupted:
            logger.info("batch interrupted after %d of %d record(s)",
                        len(batch.records) + done, len(ids) + done)
    if batch.fatal is not None:
        reason = f"{UNTRIED} at HTTP {batch.fatal.status}"
        for i in ids:
            if i not in batch.records and i not in batch.failures:
                batch.failures[i] = (None, reason)
    return batch
