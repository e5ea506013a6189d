"""The worker pool: plain threads taking ids from a queue and posting their outcome."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

#: Name prefix of the worker threads.
THREAD_PREFIX = "openrouter_frame"
#: How often the caller's thread wakes to notice Ctrl-C while waiting.
POLL_SECONDS = 0.1
#: What a worker posts as it exits (after its last outcome).
_EXITED: Any = object()


class Pool:
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
        try:
            while not self._stop.is_set():
                try:
                    id = self._todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    self._done.put((id, self._work(id), None))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                    self._done.put((id, None, exc))
        finally:
            self._done.put((_EXITED, None, None))

    def results(self) -> Iterator[tuple[str, Any, BaseException | None]]:
        """Each finished id as it lands, until every worker has exited.

        Returns as soon as the last worker posts that it exited (no wait after
        the last id).  Wakes every :data:`POLL_SECONDS` so Ctrl-C is seen
        promptly on every platform even while nothing finishes.
        """
        running = sum(t.ident is not None for t in self._threads)
        while running:
            try:
                item = self._done.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not any(t.is_alive() for t in self._threads) and self._done.empty():
                    return
                continue
            if item[0] is _EXITED:
                running -= 1
            else:
                yield item

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
