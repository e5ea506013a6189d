"""A deadline for the whole of a response: one watchdog thread for every request.

A socket read timeout bounds each ``recv``, not a response: a server that
trickles its body a few bytes at a time never trips it.  :data:`WATCHDOG`
holds each response's socket with its deadline and shuts the socket down
when the deadline passes, so the read in the worker fails at once (and is
retried like any other timeout).

Examples
--------
>>> import socket, time
>>> a, b = socket.socketpair()
>>> token = WATCHDOG.arm(time.monotonic() + 0.05, a)
>>> a.recv(10)  # blocks until the watchdog shuts the socket down
b''
>>> WATCHDOG.disarm(token)  # True: the deadline passed
True
>>> a.close(); b.close()
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from typing import Any


class Watchdog:
    """Shuts down sockets whose deadline passed; arm before reading, disarm after."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int]] = []
        self._live: dict[int, Any] = {}
        self._fired: set[int] = set()
        self._count = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: float, sock: Any) -> int:
        """Shut ``sock`` down at ``deadline`` (``time.monotonic()``) unless disarmed first."""
        with self._cond:
            token = next(self._count)
            heapq.heappush(self._heap, (deadline, token))
            self._live[token] = sock
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="orf-response-deadline")
                self._thread.start()
            elif self._heap[0][1] == token:  # the earliest now: wake the watchdog
                self._cond.notify()
        return token

    def disarm(self, token: int) -> bool:
        """Stop watching; ``True`` if the deadline had already passed (the socket is shut)."""
        with self._cond:
            self._live.pop(token, None)
            if token in self._fired:
                self._fired.discard(token)
                return True
            return False

    def _run(self) -> None:
        with self._cond:
            while True:
                heap = self._heap
                while heap and heap[0][1] not in self._live:
                    heapq.heappop(heap)
                if not heap:
                    self._cond.wait()
                    continue
                delay = heap[0][0] - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                _, token = heapq.heappop(heap)
                sock = self._live.pop(token)
                self._fired.add(token)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:  # already closed
                    pass


#: The process's one watchdog (a daemon thread, started on first use).
WATCHDOG = Watchdog()


def socket_of(raw: Any) -> Any:
    """The socket under a urllib3 response still being read, or ``None``.

    The socket the body is read from (``http.client``'s file over it): a
    connection that will close hands its socket to the response alone, so
    ``raw.connection.sock`` is then ``None``.
    """
    file = getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None)
    sock = getattr(file, "_sock", None)
    if sock is None:
        sock = getattr(getattr(raw, "connection", None), "sock", None)
    return sock
