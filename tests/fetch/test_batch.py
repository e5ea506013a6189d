"""The batch's progress bar says when a rate limit holds it, and for how long."""

from __future__ import annotations

import threading
import time

import pytest

from openrouter_frame import OpenRouterClient, api
from openrouter_frame.fetch import GenerationFetcher, run_batch
from openrouter_frame.fetch.batch import RATE_LIMITED, BarStatus
from openrouter_frame.fetch.retry import Gate
from openrouter_frame.testing import serve


def seconds(note: object, word: str) -> float:
    """``"wait 1.8 s"`` -> 1.8, checking the word."""
    text = str(note)
    assert text.startswith(word + " ") and text.endswith(" s"), text
    return float(text[len(word) + 1:-2])


class RecordingBar:
    """Every postfix the batch showed, as copies, in order."""

    disable = False

    def set_postfix(self, postfix: dict[str, object], refresh: bool = True) -> None:
        self.shown.append(dict(postfix))

    def __init__(self) -> None:
        self.shown: list[dict[str, object]] = []
        self.done = 0
        self.closed = False

    def update(self, n: int = 1) -> None:
        self.done += n

    def close(self) -> None:
        self.closed = True


def test_status_counts_down_and_drops_the_note_when_the_gate_opens():
    bar, gate = RecordingBar(), Gate()
    status = BarStatus(bar, gate, {})
    status.tick()
    assert bar.shown == []  # open gate, nothing to say
    gate.hold(0.3)
    status.tick()
    first = seconds(bar.shown[-1][RATE_LIMITED], "wait")
    assert 0.0 < first <= 0.3
    time.sleep(0.35)
    status.tick()
    assert RATE_LIMITED not in bar.shown[-1]
    status.set("failed", 2)
    assert bar.shown[-1] == {"failed": 2}
    status.stop()
    assert 0.25 <= seconds(bar.shown[-1][RATE_LIMITED], "waited") <= 0.3
    assert status.waited == pytest.approx(first, abs=0.05)


def test_no_wait_no_note():
    bar = RecordingBar()
    status = BarStatus(bar, Gate(), {"failed": 1})
    status.tick()
    status.stop()
    assert bar.shown[-1] == {"failed": 1} and status.waited == 0


def test_watcher_thread_shows_a_hold_while_nothing_lands():
    bar, gate = RecordingBar(), Gate()
    status = BarStatus(bar, gate, {"cached": 1})
    gate.hold(1.0)
    status.start()
    try:
        deadline = time.monotonic() + 5
        while not any(RATE_LIMITED in p for p in bar.shown) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        status.stop()
    notes = [p for p in bar.shown if RATE_LIMITED in p]
    assert notes and notes[0]["cached"] == 1 and notes[0][RATE_LIMITED].startswith("wait ")
    assert bar.shown[-1][RATE_LIMITED].startswith("waited ")  # stop(): the total
    assert not any(t.name == "orf-bar" for t in threading.enumerate())


@pytest.mark.parametrize("gate", [None, Gate()], ids=["no-gate", "disabled-bar"])
def test_no_watcher_without_a_gate_or_a_bar(gate):
    bar = RecordingBar()
    bar.disable = gate is not None
    status = BarStatus(bar, gate, {})
    status.start()
    assert status._thread is None
    status.stop()


def test_rate_limited_fetch_shows_the_wait(monkeypatch):
    """On the simulator: every id's first answer a 429 with Retry-After 0.6 s."""
    bars: list[RecordingBar] = []

    def recording_bar(progress, total, done=0):
        bars.append(RecordingBar())
        return bars[-1]

    monkeypatch.setattr(api, "progress_bar", recording_bar)
    with serve(seed=5, faults={"rate_limit": 0.5, "retry_after": 0.6}) as sim, \
            OpenRouterClient(api_key=sim.api_key, base_url=sim.base_url, max_workers=4) as c:
        result = c.fetch(sim.ids(12), progress=True)
    assert len(result.frame) == 12
    shown = bars[0].shown
    live = [seconds(p[RATE_LIMITED], "wait") for p in shown[:-1] if RATE_LIMITED in p]
    assert live and all(0.0 < n <= 0.6 for n in live), shown
    assert seconds(shown[-1][RATE_LIMITED], "waited") >= 0.2


def test_the_batch_reports_to_the_progress_it_is_handed():
    """fetch/ draws nothing: it tells the object the caller handed down, and leaves it open."""
    bar = RecordingBar()
    with serve(seed=6) as sim, GenerationFetcher(sim.api_key, sim.base_url) as fetcher:
        ids = [*sim.ids(6), "gen-0000000000-missing0000000000"]
        result = run_batch(fetcher, ids, on_progress=bar, done=2)
    assert len(result.records) == 6 and len(result.failures) == 1
    assert bar.done == 7 and not bar.closed
    assert bar.shown[-1] == {"cached": 2, "failed": 1}


@pytest.mark.parametrize("progress,total,shown", [(None, 99, False), (None, 100, True),
                                                   (True, 1, True), (False, 500, False)],
                         ids=["auto-small", "auto-large", "always", "never"])
def test_the_api_makes_the_bar(progress, total, shown):
    bar = api.progress_bar(progress, total, done=3)
    try:
        assert bar.disable is (not shown) and bar.total == total
        assert bar.n == (3 if shown else 0)  # advanced past the cached ids when shown
    finally:
        bar.close()
