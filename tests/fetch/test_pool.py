"""pool.py: every outcome handed back; the pool ends as soon as its last worker exits."""

from __future__ import annotations

import threading

import pytest

from openrouter_frame.fetch import pool as pool_module
from openrouter_frame.fetch.pool import Pool


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("ids", "workers"), [(1, 1), (5, 32), (200, 8)],
                         ids=["one", "fewer-ids-than-workers", "many"])
def test_results_end_when_the_last_worker_exits_not_at_the_next_poll(
        monkeypatch: pytest.MonkeyPatch, ids: int, workers: int) -> None:
    # With a poll interval of an hour, a pool that notices the end only by polling
    # would hang here; it must end on the workers' own word.
    monkeypatch.setattr(pool_module, "POLL_SECONDS", 3600.0)

    def work(id: str) -> dict[str, str]:
        if id.endswith("7"):
            raise ValueError(id)
        return {"id": id}

    names = [f"gen-{i}" for i in range(ids)]
    pool = Pool(work, names, workers, threading.Event())
    pool.start()
    outcomes = list(pool.results())
    pool.join(None)
    assert sorted(id for id, _, _ in outcomes) == sorted(names)
    for id, data, exc in outcomes:
        if id.endswith("7"):
            assert data is None and isinstance(exc, ValueError)
        else:
            assert data == {"id": id} and exc is None


@pytest.mark.timeout(30)
def test_a_stopped_pool_still_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool_module, "POLL_SECONDS", 3600.0)
    stop = threading.Event()

    def work(id: str) -> str:
        stop.set()  # the first id stops the batch: no worker takes another
        return id

    pool = Pool(work, [f"gen-{i}" for i in range(100)], 4, stop)
    pool.start()
    outcomes = list(pool.results())
    assert 1 <= len(outcomes) <= 4
