"""Run a batch of ids through a client's worker pool; collect records and failures."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import schema
from ._ids import normalize_ids
from .errors import OpenRouterError
from .frame import failures_frame, raw_to_frame, records_to_frame

if TYPE_CHECKING:
    from ._security import Secret
    from .cache import GenerationCache
    from .client import OpenRouterClient

#: ``progress=None`` shows a bar for batches at least this large.
PROGRESS_THRESHOLD = 100
#: Name prefix of the worker threads.
THREAD_PREFIX = "openrouter_frame"
#: After an interrupt, seconds to let in-flight requests land before returning.
DRAIN_SECONDS = 1.5
#: How often the caller's thread wakes to notice Ctrl-C while waiting.
POLL_SECONDS = 0.1

logger = logging.getLogger("openrouter_frame")


class FetchResult:
    """What a batch fetched: ``frame`` (typed records) and ``failures``.

    ``failures`` has columns ``id`` (string), ``status`` (Int64, NA for
    network errors and ids a stopped batch never tried) and ``error``.
    Every input id is in exactly one of the two.  ``records`` holds the raw
    ``data`` objects in the frame's order (decoded on first use when the
    whole batch came from the cache).
    """

    def __init__(self, frame: pd.DataFrame, failures: pd.DataFrame,
                 records: list[dict[str, Any]] | None = None, *,
                 raw: list[bytes] | None = None) -> None:
        self.frame = frame
        self.failures = failures
        self._records = records
        self._raw = raw

    @property
    def records(self) -> list[dict[str, Any]]:
        """The ``data`` objects behind :attr:`frame`, in its order."""
        if self._records is None:
            self._records = [json.loads(body) for body in self._raw or []]
        return self._records

    def __repr__(self) -> str:
        return f"FetchResult({len(self.frame)} records, {len(self.failures)} failures)"

    @property
    def ok(self) -> bool:
        """True when no id failed."""
        return self.failures.empty

    def describe_failures(self, limit: int = 3) -> str:
        """One line per status: count and the first ``limit`` ids."""
        lines = []
        statuses = self.failures["status"].astype(object).where(
            self.failures["status"].notna(), None)
        for status, group in self.failures.groupby(statuses.map(str), sort=True):
            ids = list(group["id"].astype(object)[:limit])
            more = f" (+{len(group) - limit} more)" if len(group) > limit else ""
            label = "network/none" if status == "None" else f"HTTP {status}"
            first_error = group["error"].iloc[0]
            lines.append(f"{label}: {len(group)} id(s) {ids}{more}: {first_error}")
        return "\n".join(lines)


def _progress_bar(progress: bool | None, total: int, postfix: dict[str, int]) -> Any:
    """A bar over ``total`` ids, already advanced past the cached ones in ``postfix``."""
    show = progress if progress is not None else total >= PROGRESS_THRESHOLD
    from tqdm.auto import tqdm

    bar = tqdm(total=total, disable=not show, desc="generations", unit="id")
    if postfix.get("cached"):
        bar.set_postfix(postfix, refresh=False)
        bar.update(postfix["cached"])
    return bar


def run_batch(client: OpenRouterClient, ids: Any, *, progress: bool | None,
              dtype_backend: str) -> FetchResult:
    """Fetch ``ids`` through ``client``; see :meth:`OpenRouterClient.fetch`.

    Cached records are read first and never requested.  Each worker writes
    its record to the cache the moment it arrives, so nothing fetched is lost
    even if the caller is interrupted.  On ``KeyboardInterrupt`` (or any other
    exception in the caller's thread) no new request starts; requests already
    in flight get :data:`DRAIN_SECONDS` to land in the cache, then control
    returns with the exception.
    """
    from .client import FATAL_STATUSES, _Stopped

    schema._check_backend(dtype_backend)
    todo = normalize_ids(ids)
    key = client._require_key()
    cache = client.cache
    cached = cache.get_raw_many(key, todo) if cache is not None and todo else {}
    if cached and len(cached) == len(todo):  # a re-run: no request, the fast reader
        raw = [cached[i] for i in todo]
        _progress_bar(progress, len(todo), {"cached": len(raw)}).close()
        return FetchResult(raw_to_frame(raw, ids=todo, dtype_backend=dtype_backend),
                           failures_frame([], dtype_backend=dtype_backend), raw=raw)
    records = {i: json.loads(body) for i, body in cached.items()}
    pending = [i for i in todo if i not in records]
    failures: dict[str, tuple[int | None, str]] = {}
    fatal: OpenRouterError | None = None
    stop = threading.Event()
    store = _Store(cache, key)

    def work(id: str) -> dict[str, Any]:
        data = client._get(id, stop)
        store(id, data)
        return data

    postfix = {"cached": len(records)} if records else {}
    bar = _progress_bar(progress, len(todo), postfix)
    pool = _Pool(work, pending, client.max_workers, stop)
    interrupted = False
    try:
        pool.start()
        for id, data, exc in pool.results():
            if isinstance(exc, _Stopped):
                continue
            if isinstance(exc, OpenRouterError):
                failures[id] = (exc.status, exc.message)
                if exc.status in FATAL_STATUSES and fatal is None:
                    fatal = exc
                    stop.set()
                postfix["failed"] = len(failures)
                bar.set_postfix(postfix, refresh=False)
            elif exc is not None:
                raise exc
            else:
                records[id] = data
            bar.update(1)
    except BaseException:
        interrupted = True
        stop.set()
        raise
    finally:
        pool.join(DRAIN_SECONDS if interrupted else None)
        if interrupted:
            logger.info("batch interrupted after %d of %d record(s)%s", len(records),
                        len(todo), f"; every record fetched is in {cache.path}"
                        if cache is not None else "")
        bar.close()
    if fatal is not None:
        reason = f"not fetched: the batch stopped at HTTP {fatal.status}"
        for i in pending:
            if i not in records and i not in failures:
                failures[i] = (None, reason)
    ordered = [records[i] for i in todo if i in records]
    result = FetchResult(
        frame=records_to_frame(ordered, dtype_backend=dtype_backend),
        failures=failures_frame(
            ((i, *failures[i]) for i in todo if i in failures), dtype_backend=dtype_backend),
        records=ordered,
    )
    if fatal is not None:
        raise type(fatal)(
            f"{fatal.message} (batch stopped: {len(result.frame)} fetched, "
            f"{len(result.failures)} not; see .result)",
            status=fatal.status, id=fatal.id, result=result,
        )
    return result


class _Store:
    """Write each arriving record to the cache; a failing cache never fails a fetch."""

    def __init__(self, cache: GenerationCache | None, key: Secret) -> None:
        self._cache, self._key = cache, key
        self._warned = False

    def __call__(self, id: str, data: dict[str, Any]) -> None:
        if self._cache is None:
            return
        try:
            self._cache.put(self._key, id, data)
        except Exception as exc:  # noqa: BLE001 - disk full, locked too long, closed
            level = logging.DEBUG if self._warned else logging.WARNING
            self._warned = True
            logger.log(level, "could not write %r to the cache %s: %s: %s", id,
                       self._cache.path, type(exc).__name__, exc)


class _Pool:
    """Worker threads taking ids from a queue and posting ``(id, data, error)``.

    Plain threads and :class:`queue.SimpleQueue` rather than a
    ``ThreadPoolExecutor``: a Ctrl-C that lands in the caller's thread while it
    is inside the executor's ``submit`` can leave the executor's internal lock
    held, so its workers, and the interpreter's exit, hang.  Here the caller
    only ever waits on a ``SimpleQueue``, which an interrupt cannot corrupt.
    """

    def __init__(self, work: Callable[[str], dict[str, Any]], ids: list[str],
                 max_workers: int, stop: threading.Event) -> None:
        self._work, self._stop = work, stop
        self._todo: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[tuple[str, Any, BaseException | None]] = \
            queue.SimpleQueue()
        for id in ids:
            self._todo.put(id)
        self._size = min(max_workers, len(ids))
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the workers (inside the caller's ``try``: an interrupt may land here)."""
        for n in range(self._size):
            thread = threading.Thread(target=self._run, name=f"{THREAD_PREFIX}_{n}",
                                      daemon=True)
            self._threads.append(thread)  # before start(): an interrupt may land inside it
            thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                id = self._todo.get_nowait()
            except queue.Empty:
                return
            try:
                self._done.put((id, self._work(id), None))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                self._done.put((id, None, exc))

    def results(self) -> Iterator[tuple[str, Any, BaseException | None]]:
        """Each finished id as it lands, until every worker has exited.

        Wakes every :data:`POLL_SECONDS` so Ctrl-C is seen promptly on every
        platform even while nothing finishes.
        """
        while True:
            try:
                yield self._done.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not any(t.is_alive() for t in self._threads) and self._done.empty():
                    return

    def join(self, timeout: float | None) -> None:
        """Wait for the workers (at most ``timeout`` seconds in all).

        Workers never start a new request once the batch is stopped; a request
        still in flight after the deadline ends within the client's ``timeout``
        and its worker then exits.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            if thread.ident is None:  # interrupted before it was started
                continue
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
