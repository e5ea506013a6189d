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
from typing import Any

import numpy as np

from ..analysis.plotting import plain_text
from ..analysis.units import format_usd

#: Colours readable on a light and on a dark background (the PNG is transparent).
INK = "#8a8f98"
BARS = "#4f8fd6"
MARK = "#e4572e"


def tick_ms(value: float) -> str:
    """A duration tick in its own unit, no needless digits: ``10 ms``, ``1 s``, ``2 min``.

    >>> tick_ms(10.0), tick_ms(200.0), tick_ms(1000.0), tick_ms(2500.0), tick_ms(120000.0)
    ('10 ms', '200 ms', '1 s', '2.5 s', '2 min')
    """
    if value < 1000:
        return f"{value:g} ms"
    if value < 60_000:
        return f"{value / 1000:g} s"
    return f"{value / 60_000:.3g} min" if value < 3_600_000 else f"{value / 3_600_000:.3g} h"


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
        from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

        self.figure = Figure(figsize=(4.2, 2.3), dpi=90)
        self._canvas = FigureCanvasAgg(self.figure)
        ax = self.figure.add_subplot()
        self.figure.subplots_adjust(left=0.15, right=0.9, bottom=0.2, top=0.8)
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
                decades = np.log10(hi / lo) if hi > lo else 0.0
                subs = (1.0,) if money or decades > 2 else (1.0, 2.0, 5.0)
                ax.xaxis.set_major_locator(LogLocator(subs=subs, numticks=8))
                ax.xaxis.set_minor_locator(NullLocator())  # each tick costs a redraw
                if not money:  # each tick carries its unit (ms, s, min)
                    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: tick_ms(x)))
        else:
            ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes,
                    color=INK)
        if money:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: format_usd(x)))
        self._line = ax.axvline(np.nan, color=MARK, linewidth=2)
        self._title = f"{plain_text(title)} (n = {self.n:,})"
        ax.set_xlabel(plain_text(xlabel), fontsize=8, color=INK)
        ax.set_ylabel("generations", fontsize=8, color=INK)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.set_title(self._title, fontsize=9, color=INK, pad=14)
        #: The line under the title naming the marked value (redrawn on each :meth:`png`).
        self.label = ax.text(0.5, 1.02, "", transform=ax.transAxes, ha="center",
                             va="bottom", fontsize=9, color=INK)
        self._background: Any = None
        ax.tick_params(labelsize=7, colors=INK)
        for spine in ax.spines.values():
            spine.set_color(INK)
        self.axes = ax

    def png(self, marked: float | None, label: str = "this one") -> bytes:
        """The chart as PNG: a vertical line at ``marked`` (none when NA), ``label`` under
        the title.

        The histogram, axes and title are rendered once and kept as a bitmap; each
        call restores it and draws only the marker and the label (blitting), so a
        step costs a few milliseconds whatever the ticks and text.
        """
        from PIL import Image

        x = np.nan if marked is None else float(marked)
        canvas = self._canvas
        if self._background is None:
            self._line.set_visible(False)
            self.label.set_visible(False)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        self._line.set_xdata([x, x])
        self._line.set_visible(bool(np.isfinite(x)))
        self.label.set_text(plain_text(label))
        self.label.set_visible(True)
        self.axes.draw_artist(self._line)
        self.axes.draw_artist(self.label)
        width, height = canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw",
                                 "RGBA", 0, 1)
        buf = io.BytesIO()
        image.save(buf, format="png", compress_level=1)
        return buf.getvalue()
