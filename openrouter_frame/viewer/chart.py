"""The small distribution chart of the viewer: one model's values, one generation marked.

Examples
--------
>>> import numpy as np
>>> from openrouter_frame.viewer.chart import DistributionChart
>>> chart = DistributionChart(np.array([100.0, 250.0, 400.0]), xlabel="latency (ms)",
...                           title="a/b", log=True)
>>> chart.png(250.0, "this one: 250 ms").startswith(b"\\x89PNG")
True
>>> chart.n, chart.axes.get_xscale()
(3, 'log')
"""

from __future__ import annotations

import io

import numpy as np

from ..analysis.units import format_usd

#: Colours readable on a light and on a dark background (the PNG is transparent).
INK = "#8a8f98"
BARS = "#4f8fd6"
MARK = "#e4572e"


class DistributionChart:
    """A small histogram of one model's values; :meth:`png` marks one value on it.

    The figure (bins, axes, layout) is built once; each :meth:`png` call only
    moves the marker line and renders, so stepping through rows stays cheap.
    ``log=True`` puts the x axis on a log scale (latency: one slow outlier no
    longer squashes the rest); ``None`` does so when the positive values span
    over two decades.  ``money=True`` labels ticks in dollars.  The title ends
    with ``n = ...``, the count of finite values drawn (:attr:`n`).  The PNG has
    a transparent background and grey ink, readable on light and dark themes.
    Uses a standalone :class:`matplotlib.figure.Figure` (no pyplot state).
    """

    def __init__(self, values: np.ndarray, *, xlabel: str, title: str,
                 log: bool | None = None, money: bool = False) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        self.figure = Figure(figsize=(4.2, 2.3), dpi=90)
        FigureCanvasAgg(self.figure)
        ax = self.figure.add_subplot()
        self.figure.subplots_adjust(left=0.15, right=0.97, bottom=0.2, top=0.8)
        self.figure.patch.set_alpha(0.0)
        ax.set_facecolor("none")
        vals = values[np.isfinite(values)]
        self.n = len(vals)
        if len(vals):
            lo, hi = float(vals.min()), float(vals.max())
            use_log = (lo > 0 and hi / lo > 100) if log is None else bool(log) and lo > 0
            if use_log and hi > lo:
                edges = np.geomspace(lo, hi, 31)
            else:
                edges = np.histogram_bin_edges(vals, 30)
            counts, edges = np.histogram(vals, bins=edges)
            ax.stairs(counts, edges, fill=True, color=BARS, alpha=0.55, edgecolor=BARS)
            if use_log:
                ax.set_xscale("log")
        else:
            ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes,
                    color=INK)
        if money:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: format_usd(x)))
            ax.xaxis.set_minor_formatter(FuncFormatter(lambda x, _: ""))
        self._line = ax.axvline(np.nan, color=MARK, linewidth=2)
        self._title = f"{title} (n = {self.n:,})"
        ax.set_xlabel(xlabel, fontsize=8, color=INK)
        ax.set_ylabel("generations", fontsize=8, color=INK)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(self._title, fontsize=9, color=INK)
        ax.tick_params(labelsize=7, colors=INK)
        for spine in ax.spines.values():
            spine.set_color(INK)
        self.axes = ax

    def png(self, marked: float | None, label: str = "this one") -> bytes:
        """The chart as PNG: a vertical line at ``marked`` (none when NA), ``label`` under
        the title."""
        x = np.nan if marked is None else float(marked)
        visible = bool(np.isfinite(x))
        self._line.set_xdata([x, x])
        self._line.set_visible(visible)
        self.axes.set_title(f"{self._title}\n{label}", fontsize=9, color=INK)
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", transparent=True)
        return buf.getvalue()
