"""``df.orgen.report()``: the frame on one HTML card, read at a glance.

The card holds the headline numbers of :func:`~.summary.summary` (spend,
generations, cost per million tokens, latency percentiles, error, truncation
and cancellation rates, the date range), a sparkline of the daily cost
(inline SVG: no image file, no matplotlib) and the top models and providers
by cost, each with its colour from :mod:`.colors` (the colour the plots and
the viewer give it).  Sections whose columns the frame lacks are left out.

Examples
--------
>>> from openrouter_frame.analysis.report import report
>>> from openrouter_frame.testing import sample_frame
>>> card = report(sample_frame(80))
>>> html = card._repr_html_()
>>> "total cost" in html and "<svg" in html and "top models" in html
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import check_whole
from . import summary as _summary
from .colors import colors_for
from .display import column_format, format_cell
from .groups import label_text
from .markup import escape

__all__ = ["Report", "report", "sparkline"]

#: The headline figures: summary label, caption.
HEADLINES: tuple[tuple[str, str], ...] = (
    ("total_cost_usd", "total cost"),
    ("generations", "generations"),
    ("cost_per_1m_tokens_usd", "per 1M tokens"),
    ("latency_p50_ms", "latency p50"),
    ("latency_p90_ms", "latency p90"),
    ("error_rate", "errors"),
    ("truncated_rate", "truncated"),
    ("cancelled_rate", "cancelled"),
)
_UNITS = {"generations": "count", "error_rate": "share", "truncated_rate": "share",
          "cancelled_rate": "share"}


def sparkline(values: np.ndarray, width: int = 240, height: int = 40,
              color: str = "#1f77b4") -> str:
    """An inline SVG line of ``values`` (NaN as 0), filled below; empty for no values.

    >>> svg = sparkline(np.array([0.0, 2.0, 1.0]))
    >>> svg.startswith("<svg") and "polyline" in svg
    True
    """
    v = np.nan_to_num(np.asarray(values, dtype="float64"), nan=0.0)
    if not len(v):
        return ""
    top = v.max() if v.max() > 0 else 1.0
    xs = np.linspace(1, width - 1, len(v)) if len(v) > 1 else np.array([width / 2])
    ys = height - 2 - (v / top) * (height - 4)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    area = f"{xs[0]:.1f},{height} {points} {xs[-1]:.1f},{height}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="daily cost">'
            f'<polygon points="{area}" fill="{color}" fill-opacity="0.15"/>'
            f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.5"/>'
            "</svg>")


@dataclass(frozen=True)
class Report:
    """The card: ``html`` for a browser or a file, rendered by Jupyter as is.

    Attributes
    ----------
    html : str
        The whole card, self-contained (inline style and SVG).
    headline : pandas.Series
        The :func:`~.summary.summary` figures on the card, unformatted.
    """

    html: str
    headline: pd.Series

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        lines = [f"{caption}: {format_cell(self.headline.get(label), _unit(label))}"
                 for label, caption in HEADLINES if label in self.headline.index]
        return "Report(" + ", ".join(lines) + ")"


def _unit(label: str) -> str | None:
    from .display import unit_of

    return _UNITS.get(label, unit_of(label))


def _top_table(table: pd.DataFrame, by: str, top: int, title: str) -> str:
    table = table.head(top)
    rows = []
    texts = [label_text(label) for label in table.index]
    money, _ = column_format(table["total_cost_usd"], "usd")  # one precision for the column
    for text, color, (_, row) in zip(texts, colors_for(texts, by), table.iterrows(),
                                     strict=True):
        swatch = (f'<span style="display:inline-block;width:10px;height:10px;'
                  f'background:{color};margin-right:6px"></span>')
        rows.append(f"<tr><td>{swatch}{escape(text)}</td>"
                    f"<td>{escape(money(row['total_cost_usd']))}</td>"
                    f"<td>{escape(format_cell(row['share_of_cost'], 'share'))}</td>"
                    f"<td>{escape(format_cell(row['count'], 'count'))}</td></tr>")
    return (f'<div class="orgen-top"><h4>{escape(title)}</h4><table>'
            "<tr><th></th><th>cost</th><th>share</th><th>generations</th></tr>"
            f"{''.join(rows)}</table></div>")


def report(frame: pd.DataFrame, top: int = 5, activity: pd.DataFrame | None = None) -> Report:
    """The frame's headline numbers, daily-cost sparkline and top ``top`` models/providers.

    With ``activity`` (the account's billed activity), a line saying how much
    of the billed spend the frame covers
    (:func:`~.reconcile.coverage_summary`) heads the card.

    Needs ``total_cost``; the sparkline needs ``created_at`` and the tables
    ``model`` / ``provider_name`` (each is left out when its column is absent).

    Examples
    --------
    >>> from openrouter_frame.testing import sample_frame
    >>> card = report(sample_frame(40), top=3)
    >>> card.html.count("<tr><td>") <= 6, "generations" in card.html
    (True, True)
    """
    check_whole("top", top, minimum=1)
    dated = "created_at" in frame.columns and bool(frame["created_at"].notna().any())
    coverage = None
    if activity is not None:
        from .reconcile import coverage_summary

        coverage = str(coverage_summary(frame, activity))
    return draw_report(
        _summary.summary(frame),
        _summary.cost_over_time(frame, freq="D", by=None)["total_cost_usd"] if dated else None,
        {by: _summary.cost_summary(frame, by=by) for by in TOP_BY if by in frame.columns},
        top=top, coverage=coverage)


#: The groups of the top tables, and their titles.
TOP_BY = {"model": "top models", "provider_name": "top providers"}


def draw_report(figures: pd.Series, daily: pd.Series | None, tables: dict[str, pd.DataFrame],
                top: int = 5, coverage: str | None = None) -> Report:
    """:func:`report` of its computed parts: the ``summary()``, the daily cost (``None``
    when nothing is dated), the ``cost_summary`` of each of :data:`TOP_BY` present and
    the coverage line heading the card (``None``: none)."""
    cells = [f'<div class="orgen-kpi"><div class="orgen-value">'
             f"{escape(format_cell(figures[label], _unit(label)))}</div>"
             f'<div class="orgen-caption">{escape(caption)}</div></div>'
             for label, caption in HEADLINES]
    parts = ['<div class="orgen-kpis">' + "".join(cells) + "</div>"]
    if coverage is not None:
        parts.insert(0, f'<div class="orgen-coverage">{escape(coverage)}</div>')
    if daily is not None:
        first, last = (format_cell(t, None)[:10] for t in (daily.index[0], daily.index[-1]))
        parts.append(f'<div class="orgen-spark"><div class="orgen-caption">daily cost, {first} to '
                     f"{last} (UTC), peak {escape(format_cell(daily.max(), 'usd'))}"
                     f"</div>{sparkline(daily.to_numpy())}</div>")
    tops = [_top_table(tables[by], by, top, title) for by, title in TOP_BY.items()
            if by in tables]
    if tops:
        parts.append('<div class="orgen-tops">' + "".join(tops) + "</div>")
    style = ("<style>.orgen-card{font-family:sans-serif;border:1px solid #ddd;border-radius:6px;"
             "padding:10px 14px;max-width:900px}.orgen-kpis{display:flex;flex-wrap:wrap;gap:18px}"
             ".orgen-value{font-size:1.3em;font-weight:600}.orgen-caption{color:#666;"
             "font-size:0.85em}.orgen-spark{margin-top:10px}.orgen-tops{display:flex;gap:30px;"
             "flex-wrap:wrap;margin-top:8px}.orgen-top h4{margin:4px 0}.orgen-top td{padding:1px "
             "8px;text-align:right;white-space:nowrap}.orgen-top td:first-child{text-align:left}"
             ".orgen-coverage{margin-bottom:8px;font-weight:600}</style>")
    body = f'<div class="orgen-card">{style}' + "".join(parts) + "</div>"
    return Report(html=body, headline=figures[[label for label, _ in HEADLINES]])
