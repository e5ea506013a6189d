"""The simulator's fault additions: 429s with the reset only in the body, fresh ids."""

from __future__ import annotations

import time

import pytest
import requests

from openrouter_frame.testing import Faults, serve


def _get(sim, id: str) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.get(f"{sim.base_url}/generation", params={"id": id},
                        headers={"Authorization": f"Bearer {sim.api_key}"}, timeout=5)


@pytest.mark.parametrize("in_body", [False, True], ids=["in-headers", "in-body"])
def test_a_429_carries_its_reset_in_headers_or_body(in_body: bool) -> None:
    with serve(faults={"status_for": {"x": 429}, "retry_after": 2, "reset_in_body": in_body}
               ) as s:
        response = _get(s, "x")
        early = s.stats.early_requests
        _get(s, "x")  # at once: the simulator counts it as early either way
        assert s.stats.early_requests == early + 1
    assert response.status_code == 429
    names = {h.lower() for h in response.headers}
    error = response.json()["error"]
    if in_body:
        assert not {"retry-after", "x-ratelimit-reset"} & names
        reset = error["metadata"]["headers"]["X-RateLimit-Reset"]
    else:
        assert "metadata" not in error
        reset = response.headers["X-RateLimit-Reset"]
    assert 0 < int(reset) / 1000 - time.time() <= 2.5
    assert error["code"] == 429 and error["message"]


def test_reset_in_body_is_a_fault_option() -> None:
    assert Faults.coerce({"reset_in_body": True}).reset_in_body is True
    assert Faults().reset_in_body is False


def test_fresh_ids_are_valid_recent_and_deterministic() -> None:
    with serve(seed=4) as s:
        fresh = s.fresh_ids(5, age=30)
        again = s.fresh_ids(5, age=30)
        old = s.ids(5)
        records = [s.record(i) for i in fresh]  # KeyError if not this account's
        bodies = [_get(s, i).json()["data"] for i in fresh[:2]]
    assert len(set(fresh)) == 5 and not set(fresh) & set(old)
    if again[0].split("-")[1] == fresh[0].split("-")[1]:  # made within the same second
        assert again == fresh
    for id, record in zip(fresh, records, strict=True):
        stamp = int(id.split("-")[1])
        assert abs(stamp - (time.time() - 30)) < 10
        assert record["id"] == id
    assert bodies == records[:2]
    with serve(seed=5) as other:
        with pytest.raises(KeyError):
            other.record(fresh[0])


def test_fresh_ids_404_until_fresh_for_has_passed() -> None:
    with serve(faults={"fresh_for": 0.3}) as s:
        id = s.fresh_ids(1)[0]
        assert _get(s, id).status_code == 404
        time.sleep(0.35)
        assert _get(s, id).json()["data"] == s.record(id)
