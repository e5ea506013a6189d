"""DistributionChart: the viewer's small histogram with one generation marked."""

from __future__ import annotations

import numpy as np
import pytest

from openrouter_frame.viewer.chart import DistributionChart

PNG = b"\x89PNG"


def test_distribution_chart_marks_the_value_and_handles_na():
    chart = DistributionChart(np.array([1.0, 2.0, 2.5, np.nan, 40.0]), xlabel="latency (ms)",
                              title="m")
    assert chart.png(2.0, "this one: 2 ms").startswith(PNG)
    assert list(chart._line.get_xdata()) == [2.0, 2.0] and chart._line.get_visible()
    assert (chart.axes.get_title(), chart.label.get_text()) == ("m (n = 4)", "this one: 2 ms")
    assert chart.png(None, "this one: no latency").startswith(PNG)
    assert not chart._line.get_visible()
    assert chart.label.get_text() == "this one: no latency"
    assert chart.axes.get_xlabel() == "latency (ms)"
    empty = DistributionChart(np.array([]), xlabel="cost (USD)", title="none")
    assert empty.png(1.0).startswith(PNG)


def test_log_axis_for_values_spanning_decades():
    assert DistributionChart(np.geomspace(1, 1e5, 50), xlabel="x", title="t"
                             ).axes.get_xscale() == "log"
    assert DistributionChart(np.linspace(1, 50, 50), xlabel="x", title="t"
                             ).axes.get_xscale() == "linear"


def test_log_axis_forced_for_latency_and_dollar_ticks_for_cost():
    latency = DistributionChart(np.linspace(100, 200, 50), xlabel="x", title="t", log=True)
    assert latency.axes.get_xscale() == "log"
    cost = DistributionChart(np.array([0.00001, 0.00002, 0.00003]), xlabel="x", title="t",
                             money=True)
    cost.png(0.00002)
    cost.figure.canvas.draw()
    labels = [t.get_text() for t in cost.axes.get_xticklabels() if t.get_text()]
    assert labels and all(label.startswith("$") for label in labels), labels
    assert not any("e-" in label or "10" in label.split("$")[0] for label in labels)


def test_png_is_transparent_for_dark_themes():
    import io

    from matplotlib import image

    png = DistributionChart(np.array([1.0, 2.0]), xlabel="x", title="t").png(1.5)
    pixels = image.imread(io.BytesIO(png))
    assert pixels.shape[2] == 4 and pixels[0, 0, 3] == 0.0  # a corner is see-through


def test_each_png_shows_only_its_own_marker():
    import io

    from matplotlib import image

    chart = DistributionChart(np.linspace(1, 100, 50), xlabel="x", title="t")
    first = image.imread(io.BytesIO(chart.png(10.0, "a")))
    chart.png(90.0, "b")
    again = image.imread(io.BytesIO(chart.png(10.0, "a")))
    assert (first == again).all()  # the 90 marker left no trace
    fresh = DistributionChart(np.linspace(1, 100, 50), xlabel="x", title="t")
    assert (image.imread(io.BytesIO(fresh.png(10.0, "a"))) == first).all()


def _drawn_tick_labels(chart):
    """The x tick labels inside the view limits, with their extents in pixels."""
    chart.png(None)
    chart.figure.canvas.draw()
    renderer = chart.figure.canvas.get_renderer()
    lo, hi = sorted(chart.axes.get_xlim())
    return [(t.get_text(), t.get_window_extent(renderer)) for t, x in
            zip(chart.axes.get_xticklabels(), chart.axes.get_xticks(), strict=True)
            if t.get_text() and lo <= x <= hi]


@pytest.mark.parametrize(("values", "money"), [
    (np.random.default_rng(0).lognormal(7, 1, 500), False),
    (np.random.default_rng(1).lognormal(7, 0.3, 500), False),
    (np.random.default_rng(2).lognormal(-6, 1.5, 500), True),
], ids=["latency-decades", "latency-narrow", "cost"])
def test_tick_labels_fit_the_figure_and_never_overlap(values, money):
    """Issue 21: the last tick was cut off, and "ms" sat over ticks in seconds."""
    chart = DistributionChart(values, xlabel="latency (log scale)", title="m",
                              log=None if money else True, money=money)
    labels = _drawn_tick_labels(chart)
    width = chart.figure.bbox.x1
    assert len(labels) >= 2
    assert all(0 <= box.x0 and box.x1 <= width for _, box in labels), labels
    boxes = sorted(box.x0 for _, box in labels)
    ends = sorted(box.x1 for _, box in labels)
    assert all(end <= start for end, start in zip(ends, boxes[1:], strict=False)), labels
    if not money:
        assert all(text.endswith((" ms", " s", " min")) for text, _ in labels), labels
