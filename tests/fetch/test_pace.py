"""pace.py: fetching at the account's rate limit without tripping it (issue 19, item 5)."""

from __future__ import annotations

import threading
import time

import pytest

from openrouter_frame.fetch import GenerationFetcher, run_batch
from openrouter_frame.fetch.pace import BACK_OFF, FLOOR, SAFETY, Pace, _refill_rate
from openrouter_frame.fetch.retry import Gate
from openrouter_frame.testing import serve

RATE = 200.0


def _fetch(n: int, workers: int, adaptive: bool, unit: float
           ) -> tuple[tuple[int, int, int, int, int], Pace]:
    """Fetch ``n`` ids under a limit of :data:`RATE`/s: (records, failures, requests, 429s,
    early requests) and the fetcher's pace."""
    with serve(faults={"rate_limit_rps": RATE, "retry_after_unit": unit}) as s, \
            GenerationFetcher(s.api_key, s.base_url, max_workers=workers, max_retries=30,
                              adaptive=adaptive) as fetcher:
        batch = run_batch(fetcher, s.ids(n))
        stats = s.stats
        assert fetcher.pace.throttled == stats.by_status[429]  # it saw every 429
        return (len(batch.records), len(batch.failures), stats.requests,
                stats.by_status[429], stats.early_requests), fetcher.pace


def test_the_adaptive_client_trips_the_limit_far_less_than_the_plain_one() -> None:
    # Same server settings for both: 200 requests/s, a 20-token bucket, Retry-After
    # rounded up to 0.1 s (so the plain client, which bursts 32 requests each time the
    # gate opens, finishes in a few seconds too).
    (records, failures, requests, limited, early), pace = _fetch(400, 32, True, 0.1)
    (plain_records, _, plain_requests, plain_limited, plain_early), plain = \
        _fetch(400, 32, False, 0.1)
    assert (records, failures, plain_records) == (400, 0, 400)
    assert early == plain_early == 0
    assert plain.rate is None and plain.decreases == 0  # the plain client never paces
    assert pace.rate is not None and pace.decreases >= 1
    share, plain_share = limited / requests, plain_limited / plain_requests
    assert share < plain_share / 2, (share, plain_share)
    assert share <= 0.10, (limited, requests)


def test_at_the_rate_limit_every_record_arrives_and_no_request_is_early() -> None:
    # Whole-second Retry-After (as the service sends): a request inside it is counted.
    (records, failures, requests, limited, early), pace = _fetch(600, 32, True, 1.0)
    assert (records, failures, early) == (600, 0, 0)
    assert limited <= 0.05 * requests, (limited, requests)
    assert pace.server_rate is not None  # learned from the X-RateLimit-* headers
    assert 0.8 * RATE < pace.server_rate < 1.25 * RATE
    assert pace.rate is not None and pace.rate <= SAFETY * pace.server_rate + 1e-9


def test_a_server_without_a_rate_limit_is_never_paced() -> None:
    with serve(latency_ms=1) as s, GenerationFetcher(s.api_key, s.base_url) as fetcher:
        batch = run_batch(fetcher, s.ids(200))
    assert len(batch.records) == 200
    assert fetcher.pace.rate is None and fetcher.pace.throttled == 0


# -- Pace alone ---------------------------------------------------------------------------
def _headers(limit: int, remaining: int, seconds: float) -> dict[str, str]:
    return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(round((time.time() + seconds) * 1000))}


@pytest.mark.parametrize(("headers", "expected"), [
    ((20, 0, 0.1), 195.0),           # (20 - 0 - 0.5) / 0.1 s
    ((20, 10, 0.05), 190.0),
    ((20, 15, 0.025), None),          # less than half spent: too coarse
    ((20, 0, -1.0), None),            # the reset is past
    ({"X-RateLimit-Limit": "20"}, None),
    ({"X-RateLimit-Limit": "x", "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset": "1"}, None),
], ids=["empty", "half", "barely-spent", "past-reset", "missing", "unreadable"])
def test_refill_rate_reads_the_bucket_the_headers_describe(
        headers: dict[str, str] | tuple[int, int, float], expected: float | None) -> None:
    got = _refill_rate(_headers(*headers) if isinstance(headers, tuple) else headers)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, rel=0.1)


def test_one_cut_per_429_episode_and_the_headers_set_the_rate() -> None:
    pace = Pace()
    sent = time.monotonic()
    pace.observe(200, _headers(20, 0, 0.1), sent)
    assert pace.rate is None  # the headers alone never pace: no limit has bound yet
    pace.observe(429, {}, sent, 1.0)
    assert pace.decreases == 1
    assert pace.rate == pytest.approx(SAFETY * pace.server_rate)  # type: ignore[operator]
    first = pace.rate
    pace.observe(429, {}, sent, 1.0)  # sent before the cut: the same episode
    assert (pace.decreases, pace.rate, pace.throttled) == (1, first, 2)
    pace.observe(429, {}, time.monotonic(), 1.0)  # sent after it: a new episode
    assert pace.decreases == 2
    assert pace.rate == pytest.approx(BACK_OFF * first)  # type: ignore[operator]


def test_without_headers_429s_are_only_waited_out() -> None:
    pace = Pace()
    for _ in range(50):
        pace.observe(200, {}, time.monotonic())
    pace.observe(429, {"Retry-After": "1"}, time.monotonic(), 1.0)
    assert (pace.rate, pace.throttled, pace.decreases) == (None, 1, 0)


def test_random_429s_without_headers_never_slow_the_batch_to_a_crawl() -> None:
    # 429s that come whatever the rate (the simulator's random fault: no X-RateLimit-*
    # headers on its 200s) give no rate to learn; cutting on each would crawl.
    with serve(seed=3, faults={"rate_limit": 0.2, "retry_after": 0.05}) as s, \
            GenerationFetcher(s.api_key, s.base_url, max_workers=8, max_retries=20) as f:
        batch = run_batch(f, s.ids(200))
        assert len(batch.records) == 200 and s.stats.early_requests == 0
    assert f.pace.throttled > 10 and f.pace.rate is None


def test_the_plain_pace_counts_429s_but_never_paces() -> None:
    pace = Pace(adaptive=False)
    pace.observe(200, _headers(20, 0, 0.1), time.monotonic())
    pace.observe(429, {}, time.monotonic(), 1.0)
    assert (pace.rate, pace.throttled, pace.decreases) == (None, 1, 0)


def test_the_rate_never_falls_below_the_floor() -> None:
    pace = Pace()
    pace.observe(200, _headers(20, 0, 0.1), time.monotonic())
    for _ in range(100):
        pace.observe(429, {}, time.monotonic(), 0.0)
    assert pace.rate == FLOOR


def test_a_slot_is_taken_only_once_the_gate_is_open() -> None:
    pace, gate, stop = Pace(), Gate(), threading.Event()
    pace.observe(200, _headers(20, 0, 0.1), time.monotonic())
    pace.observe(429, {}, time.monotonic(), 0.3)
    assert pace.rate is not None
    gate.hold(0.3)
    pace.acquire(gate, stop)
    assert gate.remaining() == 0.0  # it waited out the gate before its slot
    stop.set()
    gate.hold(60)
    pace.acquire(gate, stop)  # a stopped batch does not wait the minute
