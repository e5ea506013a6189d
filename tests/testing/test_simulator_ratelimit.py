"""The simulator's rate-limited mode: a token bucket of R requests/s per key."""

from __future__ import annotations

import time

import pytest
import requests

from openrouter_frame.testing import Faults, Simulator, serve


def _burst(sim: Simulator, n: int) -> list[requests.Response]:
    """``n`` requests back to back on one connection."""
    with requests.Session() as session:
        return [session.get(f"{sim.base_url}/generation", params={"id": id},
                            headers={"Authorization": f"Bearer {sim.api_key}"}, timeout=5)
                for id in sim.ids(n)]


def test_a_burst_beyond_the_bucket_gets_429s_with_the_wait_and_the_buckets_state() -> None:
    rate = 20.0  # 2 tokens at most in the bucket: 30 quick requests cannot all get one
    with serve(faults={"rate_limit_rps": rate}) as s:
        start = time.monotonic()
        replies = _burst(s, 30)
        elapsed = time.monotonic() - start
        statuses = [r.status_code for r in replies]
        assert s.stats.by_status[429] == statuses.count(429)
    served = statuses.count(200)
    assert statuses[:2] == [200, 200]  # the bucket starts full (2 tokens)
    assert 2 <= served <= 2 + rate * elapsed + 1  # never more than the bucket allows
    assert 429 in statuses
    for r in replies:  # every answer tells the bucket's state
        assert r.headers["X-RateLimit-Limit"] == "2"
        assert 0 <= int(r.headers["X-RateLimit-Remaining"]) <= 2
        assert int(r.headers["X-RateLimit-Reset"]) > 1e12  # epoch milliseconds
    limited = replies[statuses.index(429)]
    assert limited.headers["Retry-After"] == "1"  # whole seconds by default
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.json()["error"]["code"] == 429


@pytest.mark.parametrize(("unit", "expected"), [(1.0, "1"), (0.1, "0.1"), (0.02, "0.06")],
                         ids=["whole-seconds", "tenths", "rounded-up"])
def test_retry_after_is_the_time_until_a_token_rounded_up_to_the_unit(unit: float,
                                                                       expected: str) -> None:
    # 20 tokens/s: a token every 50 ms, so an empty bucket is at most 50 ms from one.
    with serve(faults={"rate_limit_rps": 20, "rate_limit_burst": 1,
                       "retry_after_unit": unit}) as s:
        replies = _burst(s, 6)
    waits = [r.headers["Retry-After"] for r in replies if r.status_code == 429]
    assert waits, [r.status_code for r in replies]
    if unit == 0.02:
        assert set(waits) <= {"0.02", "0.04", "0.06"}
    else:
        assert set(waits) == {expected}


def test_after_the_retry_after_a_request_is_served_and_not_early() -> None:
    with serve(faults={"rate_limit_rps": 20, "rate_limit_burst": 1,
                       "retry_after_unit": 0.5}) as s:
        first, second = _burst(s, 2)
        assert (first.status_code, second.status_code) == (200, 429)
        time.sleep(float(second.headers["Retry-After"]))
        (third,) = _burst(s, 1)
        assert third.status_code == 200
        assert s.stats.early_requests == 0


def test_remaining_falls_by_one_per_request_and_reset_says_when_the_bucket_is_full() -> None:
    with serve(faults={"rate_limit_rps": 10, "rate_limit_burst": 5}) as s:
        before = time.time()
        replies = _burst(s, 3)
    assert [r.status_code for r in replies] == [200, 200, 200]
    remaining = [int(r.headers["X-RateLimit-Remaining"]) for r in replies]
    assert remaining[0] == 4 and remaining[1] in (3, 4) and remaining[2] in (2, 3, 4)
    reset = int(replies[-1].headers["X-RateLimit-Reset"]) / 1000
    assert before < reset <= time.time() + 3 / 10 + 0.01  # at most 3 tokens to refill


def test_without_a_rate_limit_no_ratelimit_headers_are_sent() -> None:
    with serve() as s:
        (reply,) = _burst(s, 1)
    assert not {h.lower() for h in reply.headers} & {"x-ratelimit-limit", "retry-after"}


@pytest.mark.parametrize("faults", [{"rate_limit_rps": -1}, {"rate_limit_burst": -1},
                                    {"retry_after_unit": 0}],
                         ids=["negative-rate", "negative-burst", "zero-unit"])
def test_bad_rate_limit_settings_are_refused(faults: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        Faults.coerce(faults)


def test_the_default_bucket_holds_a_tenth_of_a_second() -> None:
    assert Faults(rate_limit_rps=200).burst == 20
    assert Faults(rate_limit_rps=3).burst == 1
    assert Faults(rate_limit_rps=200, rate_limit_burst=50).burst == 50
