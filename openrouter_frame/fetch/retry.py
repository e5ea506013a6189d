"""The retry policy: which statuses are retried, how long to back off, the shared 429 gate.

Follows urllib3's :class:`~urllib3.util.Retry` semantics: exponential backoff
with jitter for 429, 5xx and connection errors, and ``Retry-After`` (seconds
or an HTTP date) or ``X-RateLimit-Reset`` honoured when the server sends one.
A 429 closes a :class:`Gate` that every worker waits on before its next
request, so one rate limit slows the whole batch.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

from urllib3.util import Retry

#: Statuses retried with backoff (the service's documented transient errors).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 524, 529})
#: Statuses that stop a whole batch: nothing else can succeed with this key.
FATAL_STATUSES = frozenset({401, 402})


class Stopped(Exception):
    """A worker gave up because its batch was stopped (fatal status or interrupt)."""


@dataclass(frozen=True)
class Backoff:
    """Backoff before retry *n*: ``factor * 2**(n-1)`` seconds, at most ``max``, jittered.

    >>> Backoff(factor=1.0, max=4.0).base(5)
    4.0
    """

    factor: float = 0.5
    max: float = 30.0

    def base(self, attempt: int) -> float:
        """The un-jittered delay before retry ``attempt`` (1-based)."""
        return min(self.max, self.factor * 2 ** max(attempt - 1, 0))

    def __call__(self, attempt: int) -> float:
        """The delay before retry ``attempt``, times a random jitter in [0.5, 1]."""
        return self.base(attempt) * random.uniform(0.5, 1.0)


class Gate:
    """A shared "not before" time: a 429 seen by one worker holds back all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._not_before = 0.0

    def hold(self, seconds: float) -> None:
        """Let no request start for ``seconds`` from now (never shortens a hold)."""
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def remaining(self) -> float:
        """Seconds until the gate opens: ``0.0`` when it is open.

        >>> gate = Gate()
        >>> gate.remaining()
        0.0
        >>> gate.hold(30.0)
        >>> 29.0 < gate.remaining() <= 30.0
        True
        """
        with self._lock:
            return max(0.0, self._not_before - time.monotonic())

    def wait(self, stop: threading.Event) -> None:
        """Block until the gate opens or ``stop`` is set."""
        while True:
            with self._lock:
                delay = self._not_before - time.monotonic()
            if delay <= 0 or stop.wait(delay):
                return


def server_wait(headers: Any) -> float | None:
    """Seconds the server asked us to wait (``Retry-After``, then ``X-RateLimit-Reset``).

    ``X-RateLimit-Reset`` is read as epoch milliseconds (what OpenRouter
    sends), epoch seconds, or a number of seconds, by its size.

    >>> server_wait({"Retry-After": "2"})
    2.0
    >>> server_wait({}) is None
    True
    """
    value = headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(Retry.parse_retry_after(Retry(), value)))
        except Exception:  # noqa: BLE001 - an unparsable header is ignored
            pass
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        try:
            number = float(reset)
        except ValueError:
            return None
        if number > 1e11:  # epoch milliseconds (what OpenRouter sends)
            return max(0.0, number / 1000.0 - time.time())
        if number > 1e9:  # epoch seconds
            return max(0.0, number - time.time())
        return max(0.0, number)
    return None
