"""retry.py: 429 resets carried in the body, and the fresh-id grace for 404s."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

import openrouter_frame as orf
from openrouter_frame import GenerationNotFoundError, OpenRouterClient
from openrouter_frame.fetch import client as client_module
from openrouter_frame.fetch.retry import (
    FRESH_WINDOW,
    NOT_FOUND_GRACE,
    body_wait,
    embedded_time,
    may_be_settling,
)
from openrouter_frame.testing import Simulator, serve


def _client(sim: Simulator, **kw: Any) -> OpenRouterClient:
    kw.setdefault("backoff_factor", 0.01)
    return OpenRouterClient(sim.api_key, sim.base_url, **kw)


# -- body_wait ----------------------------------------------------------------------------
def _body(headers: Any) -> dict[str, Any]:
    return {"error": {"code": 429, "message": "Rate limit exceeded",
                      "metadata": {"headers": headers}}}


@pytest.mark.parametrize(
    ("body", "expected"),
    [(_body({"Retry-After": "2"}), 2.0),
     (_body({"retry-after": "1"}), 1.0),
     (_body({"X-RateLimit-Reset": "7"}), 7.0),
     (_body({"X-RateLimit-Limit": "20"}), None),
     (_body({"X-RateLimit-Reset": "soon"}), None),
     (_body({"X-RateLimit-Reset": None}), None),
     (_body("X-RateLimit-Reset: 5"), None),
     ({"error": {"metadata": None}}, None),
     ({"error": "Rate limit exceeded"}, None),
     ([1, 2], None), (None, None)],
    ids=["retry-after", "lower-case-name", "reset-seconds", "no-reset", "unparsable",
         "null-value", "headers-not-object", "null-metadata", "error-is-text", "not-object",
         "no-body"],
)
def test_body_wait_reads_the_headers_in_the_body(body: Any, expected: float | None) -> None:
    assert body_wait(body) == expected


def test_body_wait_reads_epoch_milliseconds_as_a_time_to_wait() -> None:
    reset = str(int((time.time() + 10) * 1000))
    wait = body_wait(_body({"X-RateLimit-Reset": reset}))
    assert wait is not None and 8 <= wait <= 10.5
    assert body_wait(_body({"X-RateLimit-Reset": str(int((time.time() - 5) * 1000))})) == 0.0


# -- the grace rule -----------------------------------------------------------------------
NOW = 1_796_000_000


@pytest.mark.parametrize(
    ("id", "expected"),
    [(f"gen-{NOW}-AbCdEfGhIjKlMnOpQrSt", True),
     (f"gen-{NOW - int(FRESH_WINDOW) + 1}-AbCd", True),
     (f"gen-{NOW + 30}-AbCd", True),
     (f"gen-{NOW - int(FRESH_WINDOW) - 1}-AbCd", False),
     (f"gen-{NOW - 86_400}-AbCd", False),
     ("gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG", False),
     (f"gen{NOW}-AbCd", False),
     (f"chatcmpl-{NOW}-AbCd", False)],
    ids=["now", "edge-of-window", "clock-skew", "just-too-old", "a-day-old", "no-time",
         "malformed", "not-a-generation"],
)
def test_may_be_settling(id: str, expected: bool) -> None:
    assert may_be_settling(id, now=NOW) is expected


def test_embedded_time_is_the_ids_unix_seconds() -> None:
    with serve() as s:
        old, fresh = s.ids(1)[0], s.fresh_ids(1, age=5)[0]
        record_time = s.record(old)["created_at"]
    assert abs(embedded_time(fresh) - (time.time() - 5)) < 5  # type: ignore[operator]
    assert str(embedded_time(old)) == old.split("-")[1]
    assert record_time.startswith(time.strftime("%Y-%m-%d", time.gmtime(embedded_time(old))))


def test_grace_is_on_by_default() -> None:
    with serve() as s, _client(s) as c:
        assert c.not_found_grace == NOT_FOUND_GRACE == 30.0


# -- 429 with the reset only in the body ----------------------------------------------------
def _fetch_with_body_resets(seed: int = 3) -> tuple[orf.FetchResult, Counter[int], int,
                                                     list[str]]:
    faults = {"rate_limit": 0.2, "retry_after": 0.6, "reset_in_body": True}
    with serve(faults=faults, seed=seed) as s:
        ids = s.ids(30)
        with _client(s, max_workers=4, max_retries=10) as c:
            result = c.fetch(ids)
        return result, s.stats.by_status, s.stats.early_requests, ids


def test_a_reset_in_the_429_body_holds_every_worker() -> None:
    result, by_status, early, ids = _fetch_with_body_resets()
    assert by_status[429] > 0
    assert early == 0  # no request came before the reset the body announced
    assert result.ok and list(result.frame["id"]) == ids


def test_ignoring_the_body_would_retry_too_early(monkeypatch: pytest.MonkeyPatch) -> None:
    # The control: with the body unread the client backs off its own 10 ms, and the
    # simulator sees it come back early.  So the test above can fail.
    monkeypatch.setattr(client_module, "body_wait", lambda body: None)
    _, by_status, early, _ = _fetch_with_body_resets()
    assert by_status[429] > 0 and early > 0


# -- 404 grace for fresh ids --------------------------------------------------------------
def test_a_fresh_id_that_404s_for_a_while_is_fetched_with_the_defaults() -> None:
    with serve(faults={"fresh_for": 0.6}) as s:
        id = s.fresh_ids(1, age=2)[0]
        with _client(s, max_retries=0) as c:
            record = c.get_generation(id)
        assert record == s.record(id)
        assert s.stats.by_status[404] >= 2 and s.stats.by_status[200] == 1


def test_an_old_missing_id_fails_at_once() -> None:
    with serve(faults={"fresh_for": 60}) as s:
        old = s.ids(1)[0]  # valid but weeks old: a 404 means missing
        with _client(s) as c, pytest.raises(GenerationNotFoundError):
            c.get_generation(old)
        assert s.stats.requests == 1


def test_a_batch_of_old_missing_ids_is_not_slowed_by_fresh_ones() -> None:
    with serve(faults={"fresh_for": 0.5}) as s:
        old, fresh = s.ids(20), s.fresh_ids(3)
        missing = ["gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG", "gen-1600000000-AbCdEfGhIjKlMnOpQrSt"]
        with _client(s, max_workers=4) as c:
            result = c.fetch(old + missing + fresh)
        seen = Counter(s.received_ids)
    assert sorted(result.failures["id"]) == sorted(old + missing)
    assert set(result.failures["status"]) == {404}
    assert all(seen[i] == 1 for i in old + missing)  # each asked once
    assert list(result.frame["id"]) == fresh
    assert all(seen[i] >= 2 for i in fresh)


def test_the_grace_ends_and_the_404_is_reported() -> None:
    with serve(faults={"fresh_for": 60}) as s:
        id = s.fresh_ids(1)[0]
        with _client(s, not_found_grace=0.3) as c, pytest.raises(GenerationNotFoundError):
            c.get_generation(id)
        assert s.stats.requests >= 2 and s.stats.by_status[404] == s.stats.requests
