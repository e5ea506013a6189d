"""The retry policy: which statuses are retried, how long to back off, the shared 429 gate.

Follows urllib3's :class:`~urllib3.util.Retry` semantics: exponential backoff
with jitter for 429, 5xx and connection errors, and ``Retry-After`` (seconds
or an HTTP date) or ``X-RateLimit-Reset`` honoured when the server sends one.
A 429 closes a :class:`Gate` that every worker waits on before its next
request, so one rate limit slows the whole batch; a reset time carried only in
a 429's JSON body (``error.metadata.headers``, see :func:`body_wait`) closes it
the same way.  :func:`may_be_settling` decides which 404s get the fresh-id grace.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from urllib3 import HTTPHeaderDict
from urllib3.util import Retry

#: Statuses retried with backoff (the service's documented transient errors).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 524, 529})
#: Statuses that stop a whole batch: nothing else can succeed with this key.
FATAL_STATUSES = frozenset({401, 402})
#: Default seconds a 404 of a fresh id is retried, from its first 404.
NOT_FOUND_GRACE = 30.0
#: An id is fresh (may still be settling) when its embedded time is this close to now (s).
FRESH_WINDOW = 600.0
#: Longest pause between two tries of a 404 during the grace (s).
NOT_FOUND_MAX_DELAY = 4.0
_EMBEDDED_TIME = re.compile(r"gen-([0-9]{9,11})-")


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


def body_wait(body: Any) -> float | None:
    """Seconds a 429's JSON body asks us to wait, from ``error.metadata.headers``.

    Some 429s carry the upstream rate-limit headers only in the body:
    ``{"error": {"metadata": {"headers": {"X-RateLimit-Reset": "<epoch ms>"}}}}``.
    Those headers are read as :func:`server_wait` reads real ones (names
    case-insensitive); ``None`` when the body holds none.

    >>> body_wait({"error": {"metadata": {"headers": {"retry-after": "3"}}}})
    3.0
    >>> body_wait({"error": {"message": "Rate limit exceeded"}}) is None
    True
    """
    error = body.get("error") if isinstance(body, dict) else None
    metadata = error.get("metadata") if isinstance(error, dict) else None
    headers = metadata.get("headers") if isinstance(metadata, dict) else None
    if not isinstance(headers, dict):
        return None
    return server_wait(HTTPHeaderDict({str(k): str(v) for k, v in headers.items()
                                       if v is not None}))


def embedded_time(id: str) -> int | None:
    """The unix time in a ``gen-<unix seconds>-...`` id, else ``None``.

    >>> embedded_time("gen-1740432000-AbCdEfGhIjKlMnOpQrSt"), embedded_time("gen-3bhGkxlo4X")
    (1740432000, None)
    """
    match = _EMBEDDED_TIME.match(id)
    return int(match.group(1)) if match else None


def may_be_settling(id: str, now: float | None = None, window: float = FRESH_WINDOW) -> bool:
    """Whether a 404 for ``id`` may only mean "not queryable yet": the fresh-id grace rule.

    True when the id embeds a unix time (``gen-<unix seconds>-...``, as the
    service's ids do) within ``window`` seconds of ``now`` (either side, for
    clock skew).  An id without an embedded time, or an older one, is taken as
    truly missing: its 404 fails at once.

    >>> may_be_settling("gen-1740432000-AbCd", now=1740432000 + 5)
    True
    >>> may_be_settling("gen-1740432000-AbCd", now=1740432000 + 3600)
    False
    """
    when = embedded_time(id)
    if when is None:
        return False
    return abs((time.time() if now is None else now) - when) <= window
