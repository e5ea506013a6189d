"""matplotlib plots of a generations frame, built on :mod:`openrouter_frame.analysis.summary`.

Every function takes ``ax=None`` (a new figure is created when none is
given), draws on that Axes and returns it.  Axis labels carry units; groups
beyond the ``top`` first (by cost, or for :func:`plot_latency` by the median
shown, slowest first) are merged into one ``other`` group (grey) so a frame
with fifty models stays readable.  Each model, provider or other group label
keeps its colour across plots (:func:`~.colors.color_for`) and no two groups
of one plot share a colour (:func:`~.colors.colors_for`), legends sit
outside the axes (right of them) so they never cover data, and labels name
columns as people say them (``provider``, not ``provider_name``).  An empty
frame gives an empty,
labelled plot rather than an exception.  Large frames are reduced before
drawing (ECDFs to at most 512 steps per group, scatter plots to a random
sample), so plotting a million rows takes well under a second.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from openrouter_frame.analysis.plotting import plot_cost_by
>>> from openrouter_frame.testing import sample_frame
>>> df = sample_frame(60)
>>> ax = plot_cost_by(df, by="model", top=5)
>>> ax.get_xlabel(), len(ax.patches)
('total cost (USD)', 6)
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import check_whole
from . import summary as _summary
from .colors import OTHER_COLOR, colors_for
from .groups import OTHER_LABEL, By, Groups, group_by, label_text, normalize_by
from .metrics import floats, native_tokens, require, tokens_per_second_values
from .units import duration_unit, format_usd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["OTHER_COLOR", "column_label", "plain_text", "plot_cost_by", "plot_cost_over_time",
           "plot_latency", "plot_tokens_vs_cost"]

#: Axis label of each metric :func:`plot_latency` can show; the unit follows in brackets.
METRIC_LABELS = {
    "latency": "total latency",
    "generation_time": "generation time",
    "tokens_per_second": "completion tokens per second",
}
KINDS = ("ecdf", "box")
#: What the parts of a box show (:func:`plot_latency` with ``kind="box"``).
BOX_CAPTION = "box: 25th to 75th percentile, line: median, whiskers: 5th to 95th percentile"
#: Most steps drawn per ECDF line.
ECDF_POINTS = 512
#: The percentiles a box shows: whiskers, quartiles, median.
BOX_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: :func:`plot_cost_over_time` draws bars up to this many periods, a stacked step area beyond.
BAR_PERIODS = 48


def plain_text(text: str) -> str:
    """Text for a matplotlib label, shown as it is: never parsed as mathtext.

    matplotlib reads text between two ``$`` as mathtext, so a model or provider
    named ``evil/$\\undefinedcmd{x}$`` would fail to draw.  Every ``$`` is
    escaped (matplotlib shows ``\\$`` as ``$``); every plot here and the
    viewer's chart pass their labels through this one function.

    >>> plain_text("evil/$x$"), plain_text("openai/gpt-4o")
    ('evil/\\\\$x\\\\$', 'openai/gpt-4o')
    """
    return text.replace("$", "\\$")


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    return ax


def _colors(labels: Sequence[str], by: By) -> list[str]:
    """Each label's colour, the same in every plot; ``other`` is grey."""
    return colors_for(labels, " / ".join(normalize_by(by)))


def column_label(name: str) -> str:
    """A column as people name it: ``provider_name`` -> ``provider``, ``api_type`` -> ``api type``.

    >>> column_label("provider_name"), column_label("model"), column_label("finish_reason")
    ('provider', 'model', 'finish reason')
    """
    if name.endswith("_name") and name != "_name":
        name = name[: -len("_name")]
    return name.replace("_", " ")


def _period_name(freq: str) -> str:
    """A pandas frequency in words: ``D`` -> ``day``, ``2h`` -> ``2 hours``, ``MS`` -> ``month``.

    >>> _period_name("D"), _period_name("W"), _period_name("MS"), _period_name("6h")
    ('day', 'week', 'month', '6 hours')
    """
    from pandas.tseries.frequencies import to_offset

    offset = to_offset(freq)
    kind = type(offset).__name__
    words = {"Day": "day", "Hour": "hour", "Minute": "minute", "Second": "second",
             "Week": "week", "MonthBegin": "month", "MonthEnd": "month",
             "YearBegin": "year", "YearEnd": "year", "QuarterBegin": "quarter",
             "QuarterEnd": "quarter", "BusinessDay": "business day"}
    word = words.get(kind)
    if word is None:
        return f"period of {freq}"
    return word if offset.n == 1 else f"{offset.n} {word}s"


def _log_axis(axis: Any) -> None:
    """Log scale with plain numbers (``1,000``, ``20``) rather than powers of ten."""
    from matplotlib.ticker import LogFormatter

    class _Plain(LogFormatter):
        def _num_to_string(self, x: float, vmin: float, vmax: float) -> str:
            return f"{x:,.0f}" if x >= 1 and float(x).is_integer() else f"{x:,.6g}"

    axis.set_major_formatter(_Plain())
    axis.set_minor_formatter(_Plain(labelOnlyBase=False, minor_thresholds=(2, 0.5)))


def _usd_axis(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: format_usd(v)))
    axis.set_minor_formatter(NullFormatter())


def _empty(ax: Axes, what: str = "no generations to plot") -> None:
    ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center", va="center", color="grey")


def _by_name(by: By) -> str:
    keys = normalize_by(by)
    return plain_text(" / ".join(column_label(k) for k in keys)) if keys else "all generations"


def _legend(ax: Axes, title: str, reverse: bool = False, **kwargs: Any) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    if reverse:
        handles, labels = handles[::-1], labels[::-1]
    # Outside the axes, right of them: a legend never covers data, and a figure with
    # constrained layout (the default here) makes room for it.
    legend = ax.legend(handles, labels, title=title, fontsize="small", title_fontsize="small",
                       loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                       **kwargs)
    for handle in legend.legend_handles:  # full colour in the legend, even for faint points
        if handle is not None:
            handle.set_alpha(1.0)


def plot_cost_over_time(frame: pd.DataFrame, freq: str = "D", by: By = None, top: int = 8,
                        ax: Axes | None = None) -> Axes:
    """Stacked cost per period, one layer per group (``top`` groups plus ``other``).

    The layers are :func:`~openrouter_frame.analysis.summary.cost_over_time`
    (USD per period of ``freq``, UTC), so the stack's height over a period is
    that period's cost and the heights sum to the total cost of the frame's
    dated generations.  ``by=None`` (the default, as for ``cost_over_time``)
    draws one layer; ``by="model"`` one per model.

    Up to :data:`BAR_PERIODS` periods each layer is a bar container (one bar
    per period); beyond, bars would be too thin to read and slow to draw, so
    each layer is a filled step area (one
    :class:`~matplotlib.collections.PolyCollection`, flat over each period):
    a thousand hourly periods draw as fast as a dozen days.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(60)
    >>> ax = plot_cost_over_time(df, freq="W", by="model", top=3)
    >>> len(ax.containers), ax.get_ylabel(), ax.get_title()
    (4, 'cost per week (USD)', 'Cost per week by model')
    >>> ax = plot_cost_over_time(df, freq="h")
    >>> len(ax.containers), len(ax.collections), ax.get_title()
    (0, 1, 'Cost per hour')
    """
    check_whole("top", top)
    require(frame, ["created_at", "total_cost", *normalize_by(by)], "plot_cost_over_time")
    return draw_cost_over_time(_summary.cost_over_time(frame, freq=freq, by=by, top=top),
                               freq=freq, by=by, ax=ax)


def draw_cost_over_time(table: pd.DataFrame, freq: str = "D", by: By = None,
                        ax: Axes | None = None) -> Axes:
    """:func:`plot_cost_over_time` of its computed table (a ``cost_over_time`` result)."""
    import matplotlib.dates as mdates
    from pandas.tseries.frequencies import to_offset

    ax = _axes(ax)
    period = _period_name(freq)
    bars = len(table) <= BAR_PERIODS
    ax.set_xlabel(f"created (UTC), one {'bar' if bars else 'step'} per {period}")
    ax.set_ylabel(f"cost per {period} (USD)")
    ax.set_title(f"Cost per {period}" + (f" by {_by_name(by)}" if by is not None else ""))
    _usd_axis(ax.yaxis)
    if table.empty:
        _empty(ax)
        return ax
    when = table.index.tz_localize(None)
    step = to_offset(freq)
    x = mdates.date2num(when.to_numpy())
    labels = [str(c) for c in table.columns]
    colors = _colors(labels, by)
    heights = table.to_numpy(dtype="float64").T  # one row per layer
    if bars:
        span = (when[1:] - when[:-1]).min() if len(when) > 1 else (when[0] + step) - when[0]
        width = 0.8 * (span / pd.Timedelta(days=1))
        bottom = np.zeros(len(table))
        for label, color, layer in zip(labels, colors, heights, strict=True):
            ax.bar(x, layer, width=width, bottom=bottom, label=plain_text(label), color=color,
                   align="center", linewidth=0)
            bottom = bottom + layer
    else:
        # Each period flat from its start to the next one's: one more edge at the end.
        edges = np.append(x, mdates.date2num((when[-1] + step).to_datetime64()))
        ax.stackplot(edges, np.concatenate([heights, heights[:, -1:]], axis=1),
                     labels=[plain_text(label) for label in labels], colors=colors,
                     step="post", linewidth=0)
        ax.set_xlim(edges[0], edges[-1])
        ax.set_ylim(bottom=0)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    # No offset text (it collided with the x label): the label names the year(s) instead.
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    years = sorted({when[0].year, when[-1].year})
    ax.set_xlabel(f"{ax.get_xlabel()}, {'-'.join(map(str, years))}")
    if by is not None:
        _legend(ax, _by_name(by), reverse=True)
    return ax


def plot_cost_by(frame: pd.DataFrame, by: By = "model", top: int = 15,
                 ax: Axes | None = None) -> Axes:
    """Horizontal bars of total cost per group, largest on top, dollars on the bars.

    The ``top`` groups of :func:`~openrouter_frame.analysis.summary.cost_summary`
    each get a bar; the rest are summed into one ``other`` bar (last), so
    the bar lengths sum to the frame's total cost.  Each bar is labelled
    with its cost and share of the total.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(60)
    >>> ax = plot_cost_by(df, by="provider_name", top=3)
    >>> [t.get_text() for t in ax.get_yticklabels()][-1]
    'other'
    """
    check_whole("top", top)
    require(frame, ["total_cost", *normalize_by(by)], "plot_cost_by")
    return draw_cost_by(_summary.cost_summary(frame, by=by), by=by, top=top, ax=ax)


def draw_cost_by(table: pd.DataFrame, by: By = "model", top: int = 15,
                 ax: Axes | None = None) -> Axes:
    """:func:`plot_cost_by` of its computed table (a ``cost_summary`` result)."""
    ax = _axes(ax)
    ax.set_xlabel("total cost (USD)")
    ax.set_ylabel(_by_name(by))
    rows = int(table["count"].sum())
    ax.set_title(f"Total cost by {_by_name(by)} ({rows:,} generations)")
    _usd_axis(ax.xaxis)
    if table.empty:
        _empty(ax)
        return ax
    totals = table["total_cost_usd"].to_numpy(dtype="float64", na_value=np.nan)
    totals = np.nan_to_num(totals, nan=0.0)
    labels = [label_text(x) for x in table.index]
    if len(labels) > top:
        totals = np.append(totals[:top], totals[top:].sum())
        labels = [*labels[:top], OTHER_LABEL]
    grand = totals.sum()
    positions = np.arange(len(labels))
    bars = ax.barh(positions, totals, color=_colors(labels, by), height=0.7)
    ax.set_yticks(positions, [plain_text(label) for label in labels])
    ax.invert_yaxis()
    texts = [f"{format_usd(v)} ({v / grand:.0%})" if grand > 0 else format_usd(v)
             for v in totals]
    ax.bar_label(bars, labels=texts, padding=3, fontsize="small")
    ax.margins(x=0.18)
    return ax


def _metric_values(frame: pd.DataFrame, metric: str) -> np.ndarray:
    if metric == "tokens_per_second":
        return tokens_per_second_values(frame, "plot_latency")
    require(frame, [metric], "plot_latency")
    return floats(frame, metric)


def slowness_of(median: np.ndarray, metric: str) -> np.ndarray:
    """How slow each group is, larger is slower: its ``median`` (negated for a speed).

    A group with no known value is ``-inf``: last.
    """
    slow = -median if metric == "tokens_per_second" else median
    return np.where(np.isnan(slow), -np.inf, slow)


def _sorted_by_group(values: np.ndarray, groups: Groups) -> tuple[np.ndarray, np.ndarray]:
    """Known values sorted by (group, value), and each group's start offset."""
    known = ~np.isnan(values)
    v, c = values[known], groups.codes[known]
    order = np.lexsort((v, c))
    counts = np.bincount(c, minlength=groups.n)
    return v[order], np.concatenate(([0], np.cumsum(counts)))


def plot_latency(frame: pd.DataFrame, by: By = "provider_name", kind: str = "ecdf",
                 metric: str = "latency", top: int | None = 8, log: bool = True,
                 ax: Axes | None = None) -> Axes:
    """Distribution of latency, generation time or speed per group: ECDF lines or boxes.

    Answers "which group is slow?": groups are chosen and ordered by the
    median of the values drawn, slowest first (highest ``latency`` or
    ``generation_time``, lowest ``tokens_per_second``), never by how many
    generations they have, so a slow provider with few generations is drawn
    under its own name.

    Parameters
    ----------
    by : str, list of str or None
        Groups; the ``top`` slowest by median are drawn (legend and boxes
        slowest first), the rest (the faster ones) together as ``other``.
        Groups with no known value are not drawn.
    top : int or None
        How many groups keep a line or box of their own; ``None``: every group.
    kind : {"ecdf", "box"}
        ``ecdf``: one step line per group, the share of generations at or
        below each value (exact up to 512 values per group, evenly spaced
        order statistics beyond).  ``box``: one horizontal box per group,
        quartiles and median, whiskers at the 5th and 95th percentiles, no
        fliers (the x label says so: :data:`BOX_CAPTION`).
    metric : {"latency", "generation_time", "tokens_per_second"}
        ``latency`` (total latency) and ``generation_time``, drawn in ms, s
        or min (:func:`~.units.duration_unit` of the values drawn: the axis
        label names the unit its tick labels are in), or
        :func:`~openrouter_frame.analysis.summary.tokens_per_second` (tokens/s).
    log : bool
        Logarithmic value axis (values <= 0 are then not drawn).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(60)
    >>> ax = plot_latency(df, by=None, kind="ecdf")
    >>> len(ax.lines), ax.get_xlabel()
    (1, 'total latency (ms)')
    """
    check_latency_args(kind, metric, top)
    require(frame, normalize_by(by), "plot_latency")
    values = latency_values(frame, metric, log)
    unit, per = latency_unit(values, metric)
    values = values / per
    groups = group_by(frame, by)
    slowness = slowness_of(groups.quantiles(values, (0.5,))[:, 0], metric)
    folded = groups.fold(slowness, groups.n if top is None else top)
    ordered, bounds = _sorted_by_group(values, folded)
    counts = np.diff(bounds)
    curves: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    boxes = None
    if kind == "ecdf":
        for g in np.flatnonzero(counts):
            part = ordered[bounds[g]:bounds[g + 1]]
            curves[int(g)] = ecdf_steps(part, np.arange(1, len(part) + 1))
    else:
        boxes = folded.quantiles(values, BOX_QUANTILES)
    return draw_latency([str(x) for x in folded.index], counts, curves, boxes, by=by,
                        kind=kind, metric=metric, unit=unit, log=log, ax=ax)


def check_latency_args(kind: str, metric: str, top: int | None) -> None:
    """``ValueError`` for a ``kind``, ``metric`` or ``top`` :func:`plot_latency` cannot draw."""
    if kind not in KINDS:
        raise ValueError(f"kind must be 'ecdf' or 'box', got {kind!r}")
    if metric not in METRIC_LABELS:
        raise ValueError(f"metric must be one of {', '.join(METRIC_LABELS)}, got {metric!r}")
    if top is not None:
        check_whole("top", top)


def latency_values(frame: pd.DataFrame, metric: str, log: bool) -> np.ndarray:
    """The values :func:`plot_latency` draws, per row, in ms or tokens/s (NaN where not
    drawn: NA, and values <= 0 on a log axis)."""
    values = _metric_values(frame, metric)
    return np.where(values > 0, values, np.nan) if log else values


def latency_unit(values: np.ndarray, metric: str) -> tuple[str, float]:
    """The axis unit of :func:`plot_latency` and its size in ``values``' unit: one unit
    for the axis, by the values drawn (:func:`~.units.duration_unit`; tick labels read
    in it)."""
    if metric == "tokens_per_second":
        return "tokens/s", 1.0
    return duration_unit(values)


def ecdf_steps(ordered: np.ndarray, ranks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The steps of an ECDF line: sorted values and how many values are at or below each
    (the last is the total), thinned to at most :data:`ECDF_POINTS` evenly spaced ones."""
    n = len(ordered)
    idx = np.unique(np.round(np.linspace(0, n - 1, min(n, ECDF_POINTS))).astype(int))
    return ordered[idx], ranks[idx] / ranks[-1]


def draw_latency(labels: list[str], counts: np.ndarray,
                 curves: dict[int, tuple[np.ndarray, np.ndarray]], boxes: np.ndarray | None,
                 by: By = "provider_name", kind: str = "ecdf", metric: str = "latency",
                 unit: str = "ms", log: bool = True, ax: Axes | None = None) -> Axes:
    """:func:`plot_latency` of its computed distributions, in ``unit``.

    ``labels`` and ``counts`` (known values) of the groups, slowest first;
    ``curves[g]`` the :func:`ecdf_steps` of group ``g`` (``kind="ecdf"``),
    ``boxes[g]`` its :data:`BOX_QUANTILES` (``kind="box"``).
    """
    drawn = [g for g in range(len(labels)) if counts[g] > 0]
    ax = _axes(ax)
    value_label = f"{METRIC_LABELS[metric]} ({unit})"
    ax.set_title(f"{METRIC_LABELS[metric].capitalize()} by {_by_name(by)}")
    if kind == "ecdf":
        ax.set_xlabel(value_label)
        ax.set_ylabel("share of generations at or below (0-1)")
    else:
        ax.set_xlabel(f"{value_label}\n{BOX_CAPTION}")
        ax.set_ylabel(_by_name(by))
    if not drawn:
        _empty(ax)
        return ax
    if log:
        ax.set_xscale("log")
        _log_axis(ax.xaxis)
    colors = _colors(labels, by)
    if kind == "ecdf":
        for g in drawn:
            x, y = curves[g]
            ax.step(x, y, where="post", color=colors[g],
                    label=f"{plain_text(labels[g])} (n={int(counts[g]):,})")
        ax.set_ylim(0, 1.02)
        _legend(ax, f"{_by_name(by)}, slowest first")
        return ax
    assert boxes is not None
    stats = [{"whislo": boxes[g, 0], "q1": boxes[g, 1], "med": boxes[g, 2], "q3": boxes[g, 3],
              "whishi": boxes[g, 4], "fliers": [],
              "label": f"{plain_text(labels[g])} (n={int(counts[g]):,})"}
             for g in drawn]
    horizontal: dict[str, Any] = (
        {"orientation": "horizontal"}
        if "orientation" in inspect.signature(ax.bxp).parameters else {"vert": False})
    artists = ax.bxp(stats, positions=np.arange(len(drawn)), showfliers=False,
                     patch_artist=True, **horizontal)
    for box, g in zip(artists["boxes"], drawn, strict=True):
        box.set_facecolor(colors[g])
        box.set_alpha(0.6)
    for median in artists["medians"]:
        median.set_color("black")
        median.set_gid("median")
    ax.invert_yaxis()
    return ax


def plot_tokens_vs_cost(frame: pd.DataFrame, by: By = "model", top: int = 8,
                        max_points: int = 20_000, ax: Axes | None = None) -> Axes:
    """Scatter of cost against tokens, log-log, one colour per group (``top`` plus ``other``).

    x is ``native_tokens_prompt + native_tokens_completion`` (an NA part
    counts as 0), y is ``total_cost`` in USD.  Generations where either is
    NA or not positive cannot sit on log axes and are left out.  Groups are
    ranked by total cost.  At most ``max_points`` generations are drawn, a
    reproducible random sample (the title says so).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(60)
    >>> ax = plot_tokens_vs_cost(df, top=3)
    >>> len(ax.collections) <= 4, ax.get_xscale(), ax.get_yscale()
    (True, 'log', 'log')
    """
    check_whole("top", top)
    check_whole("max_points", max_points)
    require(frame, ["total_cost", "native_tokens_prompt", "native_tokens_completion",
                    *normalize_by(by)], "plot_tokens_vs_cost")
    cost = floats(frame, "total_cost")
    tokens = native_tokens(frame)
    groups = group_by(frame, by)
    folded = groups.fold(groups.sums(cost), top)
    labels = [str(x) for x in folded.index]
    rows = np.flatnonzero(scatter_rows(tokens, cost))
    total = len(rows)
    if total > max_points:
        rows = np.sort(np.random.default_rng(0).choice(rows, size=max_points, replace=False))
    return draw_tokens_vs_cost(tokens[rows], cost[rows], folded.codes[rows], labels, total,
                               by=by, ax=ax)


def scatter_rows(tokens: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Which generations :func:`plot_tokens_vs_cost` can draw: positive tokens and cost."""
    return (tokens > 0) & (cost > 0)


def draw_tokens_vs_cost(tokens: np.ndarray, cost: np.ndarray, codes: np.ndarray,
                        labels: list[str], total: int, by: By = "model",
                        ax: Axes | None = None) -> Axes:
    """:func:`plot_tokens_vs_cost` of its sample: each point's tokens, cost and group
    (``codes`` into ``labels``), out of ``total`` drawable generations."""
    ax = _axes(ax)
    ax.set_xlabel("native tokens, prompt + completion (tokens)")
    ax.set_ylabel("cost (USD)")
    sample = f", a sample of {len(tokens):,} of {total:,}" if len(tokens) < total else ""
    ax.set_title(f"Cost against tokens by {_by_name(by)}{sample}")
    if not len(tokens):
        _empty(ax)
        return ax
    ax.set_xscale("log")
    ax.set_yscale("log")
    _log_axis(ax.xaxis)
    for g, (label, color) in enumerate(zip(labels, _colors(labels, by), strict=True)):
        mine = codes == g
        if mine.any():
            ax.scatter(tokens[mine], cost[mine], s=8, alpha=0.6, color=color,
                       label=plain_text(label),
                       linewidths=0, zorder=1 if label == OTHER_LABEL else 2)
    _usd_axis(ax.yaxis)
    if by is not None:
        _legend(ax, _by_name(by), markerscale=2)
    return ax
