"""The viewer's threads: content loads and chart drawing, without any widget."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from openrouter_frame.viewer import background
from openrouter_frame.viewer.background import ChartPainter, ContentLoads
from openrouter_frame.viewer.chart import DistributionChart

VALUES = np.array([1.0, 2.0, 3.0, 4.0])


@pytest.fixture()
def labels(monkeypatch):
    """The label of every PNG drawn from this module's VALUES, in order.

    The spy is global: a chart thread another test's viewer left running may draw
    while it is installed, so only charts of this module's data are recorded.
    """
    drawn: list[str] = []
    real = DistributionChart.png

    def spy(chart, x=None, label=None):
        if label in {"first", "second", "third"}:
            drawn.append(label)
        return real(chart, x, label)

    monkeypatch.setattr(DistributionChart, "png", spy)
    return drawn


def _blocking_show(shown: list[bytes], gate: threading.Event, started: threading.Event):
    def show(png: bytes) -> None:
        shown.append(png)
        started.set()
        gate.wait(10)
    return show


def test_a_chart_superseded_before_it_starts_is_never_drawn(labels):
    shown: list[bytes] = []
    gate, started = threading.Event(), threading.Event()
    painter = ChartPainter(_blocking_show(shown, gate, started))
    painter.draw("m", VALUES, 1.0, "first", xlabel="x", title="t", money=False)
    assert started.wait(10)  # the first is being shown: the thread is busy
    painter.draw("m", VALUES, 2.0, "second", xlabel="x", title="t", money=False)
    painter.draw("m", VALUES, 3.0, "third", xlabel="x", title="t", money=False)
    gate.set()
    painter.wait()
    assert labels == ["first", "third"] and len(shown) == 2
    assert all(png.startswith(b"\x89PNG") for png in shown)


def test_cancel_shows_nothing_more(labels):
    shown: list[bytes] = []
    gate, started = threading.Event(), threading.Event()
    painter = ChartPainter(_blocking_show(shown, gate, started))
    painter.draw("m", VALUES, 1.0, "first", xlabel="x", title="t", money=False)
    assert started.wait(10)
    painter.draw("m", VALUES, 2.0, "second", xlabel="x", title="t", money=False)
    painter.cancel()
    gate.set()
    painter.wait()
    assert labels == ["first"] and len(shown) == 1


def test_drawing_happens_in_the_chart_thread_and_errors_reach_wait(monkeypatch):
    names: list[str] = []
    painter = ChartPainter(lambda png: names.append(threading.current_thread().name))
    painter.draw("m", VALUES, float("nan"), "none", xlabel="x", title="t", money=True)
    painter.wait()
    assert names and names[0].startswith("orgen-chart")

    def broken(chart, x=None, label=None):
        raise RuntimeError("cannot draw")

    monkeypatch.setattr(DistributionChart, "png", broken)
    painter.draw("m", VALUES, 1.0, "x", xlabel="x", title="t", money=False)
    with pytest.raises(RuntimeError, match="cannot draw"):
        painter.wait()


def test_content_loads_keep_results_and_errors_and_land_in_a_worker():
    landed: list[tuple[str, object, str]] = []

    def load(gid: str) -> dict:
        if gid == "bad":
            raise LookupError("gone")
        return {"completion": gid}

    loads = ContentLoads(load, lambda gid, result: landed.append(
        (gid, result, threading.current_thread().name)))
    assert loads.get("good") is None
    loads.fetch("good")
    loads.fetch("bad")
    loads.wait()
    assert loads.get("good") == {"completion": "good"}
    assert isinstance(loads.get("bad"), LookupError)
    assert sorted(gid for gid, *_ in landed) == ["bad", "good"]
    assert all(name.startswith("orgen-content") for *_, name in landed)


def test_content_loads_keep_only_the_latest(monkeypatch):
    monkeypatch.setattr(background, "_MAX_CONTENTS", 3)
    loads = ContentLoads(lambda gid: {"completion": gid}, lambda gid, result: None)
    for i in range(5):
        loads.fetch(f"gen-{i}")
        loads.wait()
    assert [loads.get(f"gen-{i}") is not None for i in range(5)] == [False, False, True, True,
                                                                     True]
