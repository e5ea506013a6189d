"""The simulator's fault settings and counters (see :mod:`openrouter_frame.testing`).

Examples
--------
>>> from openrouter_frame.testing import Faults
>>> Faults.coerce({"rate_limit": 0.1, "retry_after": 0.2}).rate_limit
0.1
>>> Faults(rate_limit=0.7, drop=0.5)
Traceback (most recent call last):
...
ValueError: fault rates must be in [0, 1] and sum to <= 1, got [0.7, 0.0, 0.0, 0.0, 0.0, 0.5]
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

#: Seconds of slack when judging whether a request ignored a ``Retry-After``.  The
#: server stamps a request when its handler thread reads it; with 40 client threads
#: in the same process that read can lag the send by 100-200 ms.
EARLY_TOLERANCE = 0.25
#: Random faults, drawn in this order from one uniform number per attempt.
RANDOM_FAULTS = ("rate_limit", "server_error", "bad_gateway", "truncated", "html", "drop")


@dataclass
class Faults:
    """What the simulator gets wrong, and how often.

    Rates are probabilities per attempt, drawn from a hash of ``(seed, id,
    attempt number for that id)`` so a run is reproducible whatever the thread
    scheduling.  They must sum to at most 1.

    Attributes
    ----------
    rate_limit : float
        429 with ``Retry-After`` (and ``X-RateLimit-Reset`` in epoch ms).
    server_error : float
        500 with a JSON error body.
    bad_gateway : float
        502 with a JSON error body.
    truncated : float
        The normal answer (200 for a valid id) with its body cut mid-JSON;
        ``Content-Length`` matches the cut body.
    html : float
        An HTML error page (``text/html``), half the time as 502, half as 200.
    drop : float
        The connection is closed without any response.
    retry_after : float
        Seconds announced on a 429.  A whole number is sent as-is; a fraction
        (handy for fast tests) is sent as a decimal ``Retry-After`` too.
    status_for : dict
        ``{id: status}``: that id always answers ``status`` (after auth).
    body_for : dict
        ``{id: bytes | str | jsonable}``: that id answers 200 with this body.
    revoke_after : int, optional
        Requests after the first ``revoke_after`` (in total) all get 401.
    credits_after : int, optional
        Requests after the first ``credits_after`` (in total) all get 402.
    fresh_for : float
        A valid id answers 404 until ``fresh_for`` seconds after the first
        request for it (fresh generations are not queryable at once).
    reset_in_body : bool
        A 429 carries its reset time only in the JSON body, as
        ``error.metadata.headers["X-RateLimit-Reset"]`` (epoch ms, a string),
        with no ``Retry-After`` or ``X-RateLimit-*`` header.
    rate_limit_rps : float
        A real rate limit (0: none): a token bucket per key (per
        ``Authorization`` header) refilled at ``rate_limit_rps`` tokens per
        second, holding at most ``rate_limit_burst`` tokens, full at start.
        Each authenticated request takes a token; one that finds none gets a
        429 whose ``Retry-After`` is the time until a token is free, rounded
        up to a multiple of ``retry_after_unit``.  Every answer in this mode
        carries ``X-RateLimit-Limit`` (the bucket's size),
        ``X-RateLimit-Remaining`` (whole tokens left) and
        ``X-RateLimit-Reset`` (epoch ms when the bucket is full again), so
        ``(Limit - Remaining) / (Reset - now)`` is the refill rate.
    rate_limit_burst : float
        The bucket's size (0: a tenth of a second's worth, at least 1).
    retry_after_unit : float
        A rate-limit 429's ``Retry-After`` is a whole number of these seconds
        (default 1: whole seconds, as the service sends; a fraction, sent as
        a decimal, for fast tests).
    """

    rate_limit: float = 0.0
    server_error: float = 0.0
    bad_gateway: float = 0.0
    truncated: float = 0.0
    html: float = 0.0
    drop: float = 0.0
    retry_after: float = 1.0
    status_for: Mapping[str, int] = field(default_factory=dict)
    body_for: Mapping[str, Any] = field(default_factory=dict)
    revoke_after: int | None = None
    credits_after: int | None = None
    fresh_for: float = 0.0
    reset_in_body: bool = False
    rate_limit_rps: float = 0.0
    rate_limit_burst: float = 0.0
    retry_after_unit: float = 1.0

    def __post_init__(self) -> None:
        rates = [getattr(self, name) for name in RANDOM_FAULTS]
        if any(not 0.0 <= r <= 1.0 for r in rates) or sum(rates) > 1.0 + 1e-9:
            raise ValueError(f"fault rates must be in [0, 1] and sum to <= 1, got {rates}")
        if self.retry_after < 0 or self.fresh_for < 0:
            raise ValueError("retry_after and fresh_for must be >= 0")
        if self.rate_limit_rps < 0 or self.rate_limit_burst < 0 or self.retry_after_unit <= 0:
            raise ValueError("rate_limit_rps and rate_limit_burst must be >= 0, "
                             "retry_after_unit > 0")

    @property
    def burst(self) -> float:
        """The rate limit's bucket size: ``rate_limit_burst``, else a tenth of a second's worth.

        >>> Faults(rate_limit_rps=200).burst, Faults(rate_limit_rps=5).burst
        (20.0, 1.0)
        """
        return self.rate_limit_burst or max(1.0, self.rate_limit_rps / 10)
        self.status_for = dict(self.status_for)
        self.body_for = dict(self.body_for)

    @classmethod
    def coerce(cls, value: Faults | Mapping[str, Any] | None) -> Faults:
        """A :class:`Faults` from ``None``, a mapping of its fields, or itself."""
        if value is None:
            return cls()
        if isinstance(value, Faults):
            return value
        unknown = set(value) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown fault(s): {', '.join(sorted(map(str, unknown)))}")
        return cls(**value)


class Stats:
    """Counters of what the simulator saw; read them at any time, :meth:`reset` to zero.

    Attributes
    ----------
    requests : int
        Requests received (every method and path, dropped ones included).
    by_status : collections.Counter
        Responses by status code; ``0`` counts dropped connections.
    max_in_flight : int
        Most requests being handled at once.
    early_requests : int
        Requests that arrived while their client (identified by its
        ``Authorization`` header) was told by a 429 to wait: a retry of the
        429's id at once, any other request once :data:`EARLY_TOLERANCE` has
        passed (earlier ones may have been in flight), and never within
        :data:`EARLY_TOLERANCE` of the end of the wait.
    connections : int
        TCP connections accepted (keep-alive reuses one for many requests).
    in_flight : int
        Requests being handled right now.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0
        self.requests = self.max_in_flight = self.early_requests = self.connections = 0
        self.by_status: Counter[int] = Counter()

    def reset(self) -> None:
        """Zero every counter (``in_flight`` stays live)."""
        with self._lock:
            self.requests = self.early_requests = self.connections = 0
            self.max_in_flight = self.in_flight
            self.by_status = Counter()

    def __repr__(self) -> str:
        return (f"Stats(requests={self.requests}, by_status={dict(self.by_status)}, "
                f"max_in_flight={self.max_in_flight}, early_requests={self.early_requests})")
