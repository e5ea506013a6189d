"""DistributionChart: the viewer's small histogram with one generation marked."""

from __future__ import annotations

import numpy as np

from openrouter_frame.viewer.chart import DistributionChart

PNG = b"\x89PNG"


def test_distribution_chart_marks_the_value_and_handles_na():
    chart = DistributionChart(np.array([1.0, 2.0, 2.5, np.nan, 40.0]), xlabel="latency (ms)",
                              title="m: 4 generations")
    assert chart.png(2.0, "this one: 2 ms").startswith(PNG)
    assert list(chart._line.get_xdata()) == [2.0, 2.0] and chart._line.get_visible()
    assert chart.axes.get_title() == "m: 4 generations\nthis one: 2 ms"
    assert chart.png(None, "this one: no latency").startswith(PNG)
    assert not chart._line.get_visible()
    assert chart.axes.get_title() == "m: 4 generations\nthis one: no latency"
    assert chart.axes.get_xlabel() == "latency (ms)"
    empty = DistributionChart(np.array([]), xlabel="cost (USD)", title="none")
    assert empty.png(1.0).startswith(PNG)


def test_log_axis_for_values_spanning_decades():
    assert DistributionChart(np.geomspace(1, 1e5, 50), xlabel="x", title="t"
                             ).axes.get_xscale() == "log"
    assert DistributionChart(np.linspace(1, 50, 50), xlabel="x", title="t"
                             ).axes.get_xscale() == "linear"
