"""The small distribution chart of the viewer: one model's values, one generation marked.

Examples
--------
>>> import numpy as np
>>> from openrouter_frame.viewer.chart import DistributionChart
>>> chart = DistributionChart(np.array([100.0, 250.0, 400.0]), xlabel="latency (ms)",
...                           title="a/b (3 generations)")
>>> chart.png(250.0, "this one: 250 ms").startswith(b"\\x89PNG")
True
"""

from __future__ import annotations

import io

import numpy as np


class DistributionChart:
    """A small histogram of one model's values; :meth:`png` marks one value on it.

    The figure (bins, axes, layout) is built once; each :meth:`png` call only
    moves the marker line and renders, so stepping through rows stays cheap.
    Uses a log x axis when all values are positive and span over two decades,
    and a standalone :class:`matplotlib.figure.Figure` (no pyplot state).
    """

    def __init__(self, values: np.ndarray, *, xlabel: str, title: str) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        self.figure = Figure(figsize=(4.2, 2.3), dpi=90)
        FigureCanvasAgg(self.figure)
        ax = self.figure.add_subplot()
        self.figure.subplots_adjust(left=0.15, right=0.97, bottom=0.2, top=0.8)
        vals = values[np.isfinite(values)]
        if len(vals):
            lo, hi = float(vals.min()), float(vals.max())
            log = lo > 0 and hi / lo > 100
            edges = np.geomspace(lo, hi, 31) if log else np.histogram_bin_edges(vals, 30)
            counts, edges = np.histogram(vals, bins=edges)
            ax.stairs(counts, edges, fill=True, color="#8fb3d9", edgecolor="#5b86b5")
            if log:
                ax.set_xscale("log")
        else:
            ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes)
        self._line = ax.axvline(np.nan, color="#d62728", linewidth=2)
        self._title = title
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel("generations", fontsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        self.axes = ax

    def png(self, marked: float | None, label: str = "this one") -> bytes:
        """The chart as PNG: a vertical line at ``marked`` (none when NA), ``label`` under
        the title."""
        x = np.nan if marked is None else float(marked)
        visible = bool(np.isfinite(x))
        self._line.set_xdata([x, x])
        self._line.set_visible(visible)
        self.axes.set_title(f"{self._title}\n{label}", fontsize=9)
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png")
        return buf.getvalue()
