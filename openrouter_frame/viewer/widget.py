"""An ipywidgets drill-down viewer: pick one generation and see it in context.

:class:`GenerationViewer` is an :class:`ipywidgets.VBox` with an id search
box, model and provider filters, a sort order, previous/next buttons walking
the filtered rows, a detail panel (every field, grouped and formatted), the
generation's percentile ranks and a small chart of its model's latency or
cost distribution.  Formatting lives in :mod:`openrouter_frame.analysis.units`; this
module only wires it to the controls.

Everything slow is done once in the constructor (sort orders, group codes,
an id index), so changing a filter or moving to the next row on 100,000 rows
costs a few numpy operations and one chart.

Examples
--------
>>> from openrouter_frame import GenerationViewer
>>> from openrouter_frame.testing import sample_frame
>>> df = sample_frame(50)
>>> viewer = GenerationViewer(df)
>>> viewer.selected_id == df.loc[df["total_cost"].idxmax(), "id"]  # most expensive first
True
>>> viewer.next()
>>> viewer.count_text
'2 of 50'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from ..analysis import units as fmt
from ..analysis.metrics import percentile_rank
from ..frame.build import coerce
from . import html
from .browse import SORTS, FrameIndex
from .chart import DistributionChart

__all__ = ["CHARTS", "SORTS", "GenerationViewer"]

#: Metrics the chart can show: key -> (column, axis label).
CHARTS: dict[str, tuple[str, str]] = {
    "latency": ("latency", "latency (ms)"),
    "cost": ("total_cost", "cost (USD)"),
}
_MAX_CHARTS = 16  # figures kept for reuse (oldest dropped first)
_ALL = -2  # dropdown value meaning "no filter" (-1 is the NA group)
_NONE_SELECTED = "\u2013"  # k of "k of n" when nothing is selected
_CSS = """<style>
.orgen-viewer .orgen-groups{display:flex;flex-wrap:wrap;gap:4px 16px;align-items:flex-start}
.orgen-viewer table{border-collapse:collapse;font-size:12px;margin:2px 0}
.orgen-viewer caption{text-align:left;font-weight:bold;padding-top:4px}
.orgen-viewer th,.orgen-viewer td{padding:1px 10px 1px 0 !important;line-height:1.35;
  vertical-align:top;text-align:left}
.orgen-viewer th{font-weight:normal;color:#555}
.orgen-viewer td{font-family:monospace;word-break:break-word}
.orgen-viewer .orgen-ranks td,.orgen-viewer .orgen-ranks th{white-space:nowrap}
.orgen-viewer .orgen-headline{font-size:14px;margin:4px 0}
</style>"""


class GenerationViewer(widgets.VBox):
    """Browse a generations frame one generation at a time.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame from :func:`~openrouter_frame.generations_to_frame` (or read
        back from parquet/CSV; schema columns are coerced).  Needs an ``id``
        column; other columns are shown when present.
    selected : str, optional
        Id to open on; default the first row in the sort order (the most
        expensive generation).
    sort : {"cost", "latency", "generation_time", "newest"}
        Initial sort order (descending; NA last).
    chart : {"latency", "cost"}
        Which distribution the chart shows first.
    max_matches : int
        How many matching ids the search box offers at most.

    Raises
    ------
    KeyError
        If ``selected`` is not an id of ``df``, or ``df`` has no ``id`` column.

    Examples
    --------
    >>> from openrouter_frame import GenerationViewer
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(20)
    >>> v = GenerationViewer(df, sort="newest")
    >>> v.select(df["id"].iloc[3])
    >>> v.selected["id"] == df["id"].iloc[3]
    True
    >>> len(v.filtered)
    20
    """

    def __init__(self, df: pd.DataFrame, selected: str | None = None, *, sort: str = "cost",
                 chart: str = "latency", max_matches: int = 50) -> None:
        if "id" not in df.columns:
            raise KeyError("GenerationViewer needs an 'id' column")
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
        if chart not in CHARTS:
            raise ValueError(f"chart must be one of {', '.join(CHARTS)}, got {chart!r}")
        self._df = coerce(df)
        self._n = len(df)
        self._max_matches = max_matches
        self._index = FrameIndex(self._df)
        self._charts: dict[tuple[str, int], DistributionChart] = {}
        self._positions = np.arange(0)
        self._pos: int | None = None
        self._k: int | None = None
        self._syncing = False
        self._build(sort, chart)
        super().__init__(children=self._layout())
        self.add_class("orgen-viewer")
        self._apply_filters(keep=None)
        if selected is not None:
            self.select(selected)
        elif self._n == 0:
            self._show_empty("No generations")

    # -- construction -------------------------------------------------------------------

    def _build(self, sort: str, chart: str) -> None:
        empty = self._n == 0
        self._title = widgets.HTML(
            _CSS + f"<b>Generations</b> &middot; {self._n:,} rows").add_class("orgen-title")
        self._id_box = widgets.Combobox(
            placeholder="search id (type part of it)", description="id",
            ensure_option=False, continuous_update=True, disabled=empty,
            layout=widgets.Layout(width="440px")).add_class("orgen-search")
        self._model_dd = widgets.Dropdown(
            description="model", disabled=empty,
            options=self._group_options("all models", self._index.model_codes,
                                        self._index.models),
            value=_ALL).add_class("orgen-model-filter")
        self._provider_dd = widgets.Dropdown(
            description="provider", disabled=empty,
            options=self._group_options("all providers", self._index.provider_codes,
                                        self._index.providers),
            value=_ALL).add_class("orgen-provider-filter")
        self._sort_dd = widgets.Dropdown(
            description="sort", options=[(label, key) for key, (_, label) in SORTS.items()],
            value=sort, disabled=empty).add_class("orgen-sort")
        self._prev_btn = widgets.Button(description="previous", icon="arrow-left",
                                        disabled=True).add_class("orgen-prev")
        self._next_btn = widgets.Button(description="next", icon="arrow-right",
                                        disabled=True).add_class("orgen-next")
        self._count = widgets.HTML("").add_class("orgen-count")
        self._status = widgets.HTML("").add_class("orgen-status")
        self._detail = widgets.HTML("").add_class("orgen-detail")
        self._ranks = widgets.HTML("").add_class("orgen-ranks-panel")
        self._chart_toggle = widgets.ToggleButtons(
            options=[(key, key) for key in CHARTS], value=chart, disabled=empty,
            style={"button_width": "70px"}).add_class("orgen-chart-toggle")
        self._chart = widgets.Image(format="png", layout=widgets.Layout(
            width="380px")).add_class("orgen-chart")
        self._id_box.observe(self._on_id_typed, names="value")
        self._model_dd.observe(self._on_filter_change, names="value")
        self._provider_dd.observe(self._on_filter_change, names="value")
        self._sort_dd.observe(self._on_sort_change, names="value")
        self._chart_toggle.observe(self._on_chart_change, names="value")
        self._prev_btn.on_click(self._on_prev)
        self._next_btn.on_click(self._on_next)

    def _layout(self) -> list[widgets.Widget]:
        controls = widgets.HBox([self._id_box, self._model_dd, self._provider_dd])
        walk = widgets.HBox([self._sort_dd, self._prev_btn, self._count, self._next_btn])
        side = widgets.VBox([self._ranks, self._chart_toggle, self._chart],
                            layout=widgets.Layout(min_width="390px"))
        body = widgets.HBox([self._detail, side])
        return [self._title, controls, walk, self._status, body]

    @staticmethod
    def _group_options(all_label: str, codes: np.ndarray, labels: list[str]
                       ) -> list[tuple[str, int]]:
        groups = FrameIndex.group_counts(codes, labels)
        return [(f"{all_label} ({len(codes):,})", _ALL)] + [
            (f"{label} ({rows:,})", code) for label, code, rows in groups]

    # -- public state ---------------------------------------------------------------------

    @property
    def selected_id(self) -> str | None:
        """Id of the generation shown, ``None`` when nothing is (empty frame or filters)."""
        return None if self._pos is None else self._index.ids[self._pos]

    @property
    def selected(self) -> pd.Series | None:
        """The selected row as a Series (named by its index label), or ``None``."""
        return None if self._pos is None else self._df.iloc[self._pos]

    @property
    def filtered(self) -> pd.DataFrame:
        """The frame after the model/provider filters, in the current sort order."""
        return self._df.iloc[self._positions]

    @property
    def count_text(self) -> str:
        """The "k of n" text next to the buttons."""
        n = len(self._positions)
        return f"{_NONE_SELECTED if self._k is None else self._k + 1} of {n:,}"

    @property
    def sort(self) -> str:
        """The sort order key (one of :data:`SORTS`); settable."""
        return str(self._sort_dd.value)

    @sort.setter
    def sort(self, value: str) -> None:
        if value not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, got {value!r}")
        self._sort_dd.value = value

    @property
    def model(self) -> str | None:
        """The model filter (``None``: all models); settable to a model in the frame."""
        return self._label(self._model_dd.value, self._index.models)

    @model.setter
    def model(self, value: str | None) -> None:
        self._model_dd.value = self._code(value, self._index.models, "model")

    @property
    def provider(self) -> str | None:
        """The provider filter (``None``: all providers); settable."""
        return self._label(self._provider_dd.value, self._index.providers)

    @provider.setter
    def provider(self, value: str | None) -> None:
        self._provider_dd.value = self._code(value, self._index.providers, "provider")

    @staticmethod
    def _label(code: int, labels: list[str]) -> str | None:
        return None if code == _ALL else ("<NA>" if code == -1 else labels[code])

    @staticmethod
    def _code(value: str | None, labels: list[str], what: str) -> int:
        if value is None:
            return _ALL
        if value == "<NA>":
            return -1
        if value not in labels:
            raise KeyError(f"no {what} {value!r} in this frame")
        return labels.index(value)

    def select(self, generation_id: str) -> None:
        """Show generation ``generation_id``; filters that hide it are reset to "all".

        Raises
        ------
        KeyError
            If no row of the frame has that id.
        """
        pos = self._index.position(str(generation_id))
        if pos is None:
            raise KeyError(f"no generation with id {generation_id!r} in this frame")
        with self._quiet():
            if self._model_dd.value not in (_ALL, self._index.model_codes[pos]):
                self._model_dd.value = _ALL
            if self._provider_dd.value not in (_ALL, self._index.provider_codes[pos]):
                self._provider_dd.value = _ALL
        self._apply_filters(keep=pos)

    def next(self) -> None:
        """Move to the next row of :attr:`filtered` (no-op at the end)."""
        if self._k is not None and self._k + 1 < len(self._positions):
            self._show(self._k + 1)

    def previous(self) -> None:
        """Move to the previous row of :attr:`filtered` (no-op at the start)."""
        if self._k is not None and self._k > 0:
            self._show(self._k - 1)

    # -- handlers -------------------------------------------------------------------------

    def _on_id_typed(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        text = str(change["new"]).strip()
        if self._index.position(text) is not None:
            self.select(text)
            return
        matches = self.matching_ids(text)
        with self._quiet():
            self._id_box.options = tuple(matches)
        if not text:
            self._status.value = ""
        elif not matches:
            self._status.value = f"No id contains {html.escape(text)!s}."
        else:
            more = "+" if len(matches) == self._max_matches else ""
            self._status.value = f"{len(matches)}{more} ids contain {html.escape(text)}."

    def _on_filter_change(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._apply_filters(keep=self._pos)

    def _on_sort_change(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._apply_filters(keep=self._pos)

    def _on_chart_change(self, change: dict[str, Any]) -> None:
        if self._pos is not None:
            self._render_chart(self._pos)

    def _on_prev(self, button: widgets.Button) -> None:
        self.previous()

    def _on_next(self, button: widgets.Button) -> None:
        self.next()

    # -- logic ----------------------------------------------------------------------------

    def matching_ids(self, text: str) -> list[str]:
        """Ids containing ``text`` (case-insensitive), frame order, at most ``max_matches``."""
        return self._index.matching_ids(text, self._max_matches)

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """Widget changes made inside do not trigger the handlers."""
        before, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = before

    def _apply_filters(self, keep: int | None) -> None:
        """Recompute the filtered positions; keep row ``keep`` selected when it survives."""
        if self._n == 0:
            return
        model, provider = self._model_dd.value, self._provider_dd.value
        self._positions = self._index.positions(
            self.sort, None if model == _ALL else model, None if provider == _ALL else provider)
        if len(self._positions) == 0:
            self._show_empty("No generations match these filters.")
            return
        k = 0
        if keep is not None:
            hit = np.flatnonzero(self._positions == keep)
            k = int(hit[0]) if len(hit) else 0
        self._show(k)

    def _show_empty(self, message: str) -> None:
        self._pos = self._k = None
        self._prev_btn.disabled = self._next_btn.disabled = True
        self._count.value = self.count_text
        self._status.value = f"<b>{message}</b>"
        self._detail.value = f'<div class="orgen-empty">{message}</div>'
        self._ranks.value = ""
        self._chart.value = b""

    def _show(self, k: int) -> None:
        pos = int(self._positions[k])
        self._pos, self._k = pos, k
        n = len(self._positions)
        self._prev_btn.disabled = k == 0
        self._next_btn.disabled = k + 1 >= n
        self._count.value = f'<span class="orgen-count-text">{self.count_text}</span>'
        self._status.value = ""
        with self._quiet():
            self._id_box.value = self._index.ids[pos]
        row = self._df.iloc[pos]
        self._detail.value = html.detail_html(row.to_dict())
        self._render_ranks(pos)
        self._render_chart(pos)

    def _render_ranks(self, pos: int) -> None:
        code = int(self._index.model_codes[pos])
        value, overall, within = self._index.ranks(pos)
        self._ranks.value = html.ranks_html(
            value, overall, within, n_overall=self._n, n_model=self._index.model_size(code),
            model=self._index.model_label(code))

    def _render_chart(self, pos: int) -> None:
        column, xlabel = CHARTS[str(self._chart_toggle.value)]
        code = int(self._index.model_codes[pos])
        values = self._index.sorted_values(column, code)
        x = float(self._index.metric(column)[pos])
        model = self._index.model_label(code)
        shown: Callable[[Any], str] = fmt.format_usd if column == "total_cost" else fmt.format_ms
        label = (f"this one: {shown(x)} ({fmt.ordinal(percentile_rank(values, x))})"
                 if np.isfinite(x) else f"this one: no {column}")
        key = (column, code)
        chart = self._charts.get(key)
        if chart is None:
            if len(self._charts) >= _MAX_CHARTS:
                self._charts.pop(next(iter(self._charts)))
            short = model if len(model) <= 44 else model[:43] + "\u2026"
            chart = self._charts[key] = DistributionChart(
                values, xlabel=xlabel, title=f"{short} (n = {len(values):,})")
        self._chart.value = chart.png(None if np.isnan(x) else x, label)
