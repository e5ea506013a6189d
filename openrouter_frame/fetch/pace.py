"""The pace: how many requests per second a batch may send, learned from the server.

Until the server first answers 429 a fetcher is unpaced: its workers send as
fast as they can (nothing is known to limit them, and a server without a rate
limit is never slowed).  The first 429 shows that a limit binds; from then on,
when the server tells its limit, :class:`Pace` spaces the requests of every
worker evenly (one slot every ``1 / rate`` seconds, a token bucket of size
one) at the rate it says: answers that carry ``X-RateLimit-Limit``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (epoch ms, or seconds)
tell a token bucket's state, and ``(Limit - Remaining) / (Reset - now)`` is
its refill rate.  The pace is :data:`SAFETY` times the median of the recent
readings (only readings of a bucket at least half spent are kept: the
rounding of ``Remaining`` and of ``Reset`` weighs less there).

Later 429s are AIMD's multiplicative decrease (the rate times
:data:`BACK_OFF`, once per 429 episode: a 429 to a request sent before the
last decrease is part of the same episode), and each success its additive
increase (:data:`INCREASE` of the rate per second), never above the rate the
server's headers give.

A server that sends no such headers on its answers leaves the batch unpaced:
its 429s are only waited out.  (Learning a rate from 429s alone cannot tell a
rate limit from 429s that come whatever the rate: cutting the rate on each
makes a batch crawl.)  The pace never replaces the 429 gate
(:class:`~.retry.Gate`): a request waits for both, the gate last.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from typing import Any

from .retry import Gate

#: Share of the server's refill rate the pace aims at (what it says is not exact).
SAFETY = 0.97
#: On a later 429: the new rate, as a share of the old.
BACK_OFF = 0.9
#: Additive increase: the rate grows by this share of itself per second of successes.
INCREASE = 0.01
#: Readings of the server's refill rate the median is taken of.
READINGS = 15
#: The slowest pace (requests per second).
FLOOR = 0.5


class Pace:
    """The rate a batch's requests are sent at, shared by its workers.

    Parameters
    ----------
    adaptive : bool
        ``False`` never paces (every 429 still holds the gate): the plain
        client, kept to compare against.

    Attributes
    ----------
    rate : float or None
        Requests per second now; ``None`` while unpaced.
    server_rate : float or None
        The refill rate the server's ``X-RateLimit-*`` headers give (median of
        recent readings), ``None`` when they were never sent.
    throttled : int
        429s seen.
    decreases : int
        Times the rate was cut (429 episodes).

    Examples
    --------
    >>> pace = Pace()
    >>> full = str(round((time.time() + 0.1) * 1000))  # an empty bucket of 20, full in 0.1 s
    >>> pace.observe(200, {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0",
    ...                    "X-RateLimit-Reset": full}, time.monotonic())
    >>> pace.rate is None  # unpaced until a 429
    True
    >>> pace.observe(429, {"Retry-After": "1"}, time.monotonic())
    >>> pace.throttled, pace.decreases, 150 < pace.rate < 200
    (1, 1, True)
    """

    def __init__(self, adaptive: bool = True) -> None:
        self.adaptive = adaptive
        self.rate: float | None = None
        self.server_rate: float | None = None
        self.throttled = self.decreases = 0
        self._lock = threading.Lock()
        self._next = 0.0  # the next free slot (monotonic time)
        self._cut_at = float("-inf")  # when the rate was last cut
        self._readings: deque[float] = deque(maxlen=READINGS)

    def __repr__(self) -> str:
        rate = "unpaced" if self.rate is None else f"{self.rate:.1f}/s"
        return f"Pace({rate}, throttled={self.throttled}, decreases={self.decreases})"

    def acquire(self, gate: Gate, stop: threading.Event) -> None:
        """Wait for the gate, then for this request's slot (returns at once if ``stop``).

        A slot is given up when the gate closes meanwhile: the request waits
        for the gate again and takes a fresh slot after it (so the requests
        held by a 429 do not all leave together when it opens).
        """
        while True:
            gate.wait(stop)
            if stop.is_set():
                return
            with self._lock:
                if self.rate is None:
                    return
                now = time.monotonic()
                slot = max(now, self._next)
                self._next = slot + 1.0 / self.rate
            if slot > now and stop.wait(slot - now):
                return
            if gate.remaining() == 0.0:
                return

    def observe(self, status: int | None, headers: Any, sent: float,
                wait: float | None = None) -> None:
        """Learn from one answer: its ``status`` and ``headers``, when it was ``sent``
        (monotonic), and for a 429 the seconds the gate now holds (``wait``, unused:
        the gate waits it out)."""
        now = time.monotonic()
        reading = _refill_rate(headers) if status == 200 else None
        with self._lock:
            if reading is not None:
                self._readings.append(reading)
                self.server_rate = statistics.median(self._readings)
            if status == 429:
                self.throttled += 1
                if self.adaptive and sent >= self._cut_at:
                    self._cut(now)
            elif status == 200:
                if self.rate is not None:  # per success: INCREASE * rate per second
                    self.rate = min(self.rate + INCREASE, self._ceiling())

    def _ceiling(self) -> float:
        return float("inf") if self.server_rate is None else SAFETY * self.server_rate

    def _cut(self, now: float) -> None:
        """A new 429 episode: the first rate (the server's), or the multiplicative decrease."""
        if self.server_rate is None:  # the server never said: only wait out its 429s
            return
        self._cut_at, self.decreases = now, self.decreases + 1
        if self.rate is None or self.rate > self._ceiling():
            self.rate = self._ceiling()
        else:
            self.rate = max(FLOOR, BACK_OFF * self.rate)


def _refill_rate(headers: Any) -> float | None:
    """``(Limit - Remaining) / (Reset - now)`` from ``X-RateLimit-*`` headers, or ``None``.

    ``None`` when a header is missing or unreadable, the bucket is less than
    half spent, or the reset is not in the future.

    >>> reset = (time.time() + 0.1) * 1000
    >>> round(_refill_rate({"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0",
    ...                     "X-RateLimit-Reset": str(reset)}), -1)
    200.0
    >>> _refill_rate({"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "19",
    ...               "X-RateLimit-Reset": str(reset)}) is None
    True
    """
    try:
        limit = float(headers["X-RateLimit-Limit"])
        remaining = float(headers["X-RateLimit-Remaining"])
        reset = float(headers["X-RateLimit-Reset"])
    except (KeyError, TypeError, ValueError):
        return None
    if limit - remaining < max(2.0, limit / 2):
        return None
    spent = limit - remaining - 0.5  # Remaining is whole tokens: tokens are in [r, r + 1)
    if reset > 1e11:  # epoch ms (as OpenRouter sends)
        left = reset / 1000.0 - time.time()
    else:  # epoch seconds, or seconds from now
        left = reset - time.time() if reset > 1e9 else reset
    return spent / left if left > 0 else None
