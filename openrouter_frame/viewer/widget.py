"""An ipywidgets drill-down viewer: pick one generation and see why it is what it is.

:class:`GenerationViewer` is an :class:`ipywidgets.VBox` with an id search
box, model and provider filters that narrow each other, a sort order,
first/previous/next/last buttons (and the arrow keys) walking the filtered
rows, a compact list of them to click on, and for the selected generation: a
headline (copy-id button, link to OpenRouter, cost really paid, a badge when it
fell back or failed), its conversation (fetched on selection through a function
the viewer is given, in a thread), its cost split by token kind, its provider
attempts, every field grouped, its percentile ranks and a small chart of its
model's latency or cost distribution.  Formatting lives in
:mod:`openrouter_frame.analysis.units`; this module only wires it to the controls.

Everything slow is done once in the constructor (sort orders, group codes,
an id index), so changing a filter or moving to the next row on 100,000 rows
costs a few numpy operations and one chart.  Saved notebooks show a static
HTML snapshot of the selected generation (:meth:`GenerationViewer.snapshot_html`).

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
>>> viewer.last(); viewer.count_text
'50 of 50'
"""

from __future__ import annotations

import base64
import concurrent.futures
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from ..analysis import units as fmt
from ..analysis.metrics import percentile_rank
from ..frame.build import coerce
from ..frame.io import format_of, write_frame
from ..schema import NA_LABEL, is_na
from . import html
from .browse import SORTS, FrameIndex
from .chart import DistributionChart
from .content import CONTENT_FIELDS, LOADING, NO_KEY, content_html, state_html
from .cost import EFFECTIVE_COST, cost_breakdown, cost_html
from .fallback import attempts, badge, fallback_html

__all__ = ["CHARTS", "SORTS", "GenerationViewer"]

#: Metrics the chart can show: key -> (column, axis label).
CHARTS: dict[str, tuple[str, str]] = {
    "latency": ("latency", "latency (ms, log scale)"),
    "cost": (EFFECTIVE_COST, "cost paid (USD)"),
}
#: The function that loads one generation's content: ``load(id) -> row`` (a mapping with
#: ``prompt``, ``messages``, ``completion``, ``reasoning``, ``stored``), raising on failure.
ContentLoader = Callable[[str], Mapping[str, Any]]
_MAX_CHARTS = 16  # figures kept for reuse (oldest dropped first)
_MAX_CONTENTS = 256  # contents kept in memory (oldest dropped first)
_LIST_ROWS = 50  # rows of the compact list around the selection
_ALL = -2  # dropdown value meaning "no filter" (-1 is the NA group)
_NONE_SELECTED = "\u2013"  # k of "k of n" when nothing is selected
_EMPTY_FILTERS = "No generations match these filters."
# Arrow keys (and Home/End) press the walking buttons of the viewer that has the focus.
# An HTML widget's <script> never runs, an <img> error handler does: it installs the
# listener once per viewer element.  Keys typed into the id box are left alone.
_KEYS_JS = (
    "this.onerror=null;(function f(img,tries){var v=img.closest('.orgen-viewer');"
    "if(!v){if(tries<100)setTimeout(function(){f(img,tries+1)},100);return;}"
    "if(v.dataset.orgenKeys)return;v.dataset.orgenKeys='1';v.tabIndex=0;"
    "v.addEventListener('keydown',function(e){var t=e.target&&e.target.tagName;"
    "if(t==='INPUT'||t==='TEXTAREA')return;"
    "var c={ArrowLeft:'.orgen-prev',ArrowRight:'.orgen-next',Home:'.orgen-first',"
    "End:'.orgen-last'}[e.key];if(!c)return;var b=v.querySelector('button'+c);"
    "if(b&&!b.disabled){b.click();e.preventDefault();}});})(this,0)"
)
_KEYS = f'<img src="data:," alt="" style="display:none" onerror="{_KEYS_JS}">'


class GenerationViewer(widgets.VBox):
    """Browse a generations frame one generation at a time.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame from :func:`~openrouter_frame.generations_to_frame` (or read
        back from parquet/CSV; schema columns are coerced).  Needs an ``id``
        column; other columns are shown when present.  A frame fetched with
        ``content=True`` carries each generation's conversation.
    selected : str, optional
        Id to open on; default the first row in the sort order (the most
        expensive generation).
    sort : {"cost", "latency", "generation_time", "newest"}
        Initial sort order (descending; NA last).  Cost is what was really paid
        (BYOK: the upstream cost included).
    chart : {"latency", "cost"}
        Which distribution the chart shows first.
    max_matches : int
        How many matching ids the search box offers at most.
    content : callable, optional
        ``content(id) -> mapping`` loading the selected generation's prompt and
        answer (``df.orgen.view()`` builds it from ``$OPENROUTER_API_KEY`` or
        ``client=``).  Called in a thread; the panel says "loading" until it
        lands, and an answer for a generation no longer selected is kept but not
        shown.  ``None``: the panel says no key was given.
    prices : mapping, optional
        ``{model: {"prompt": ..., "completion": ..., ...}}`` in USD per token
        (OpenRouter's ``/models`` ``pricing``): the cost panel prices each token
        kind with them; without them it splits the cost in proportion to tokens
        and says it is an estimate.

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
    >>> v.content_state
    'no key'
    """

    def __init__(self, df: pd.DataFrame, selected: str | None = None, *, sort: str = "cost",
                 chart: str = "latency", max_matches: int = 50,
                 content: ContentLoader | None = None,
                 prices: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        if "id" not in df.columns:
            raise KeyError("GenerationViewer needs an 'id' column")
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
        if chart not in CHARTS:
            raise ValueError(f"chart must be one of {', '.join(CHARTS)}, got {chart!r}")
        if content is not None and not callable(content):
            raise TypeError(f"content must be a callable or None, not {type(content).__name__}")
        self._df = coerce(df)
        self._n = len(df)
        self._max_matches = max_matches
        self._index = FrameIndex(self._df)
        self._charts: dict[tuple[str, int], DistributionChart] = {}
        self._positions = np.arange(0)
        self._pos: int | None = None
        self._k: int | None = None
        self._syncing = False
        self._loader = content
        self._prices = prices
        self._has_content = all(c in self._df.columns for c in CONTENT_FIELDS)
        self._contents: OrderedDict[str, Mapping[str, Any] | BaseException] = OrderedDict()
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pending: concurrent.futures.Future[Any] | None = None
        self._chart_pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._chart_future: concurrent.futures.Future[Any] | None = None
        self._chart_job: tuple[int, str] | None = None
        self._lock = threading.Lock()
        self.content_state = "none"
        self._finish = (self._df["finish_reason"].astype(object).tolist()
                        if "finish_reason" in self._df.columns else [None] * self._n)
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
            html.CSS + _KEYS + f"<b>Generations</b> &middot; {self._n:,} rows "
            '<span class="orgen-muted">(\u2190/\u2192 keys walk the rows)</span>'
        ).add_class("orgen-title")
        self._id_box = widgets.Combobox(
            placeholder="search id (type part of it)", description="id",
            ensure_option=False, continuous_update=True, disabled=empty,
            layout=widgets.Layout(width="440px")).add_class("orgen-search")
        self._model_dd = widgets.Dropdown(
            description="model", disabled=empty, options=[("all models", _ALL)],
            value=_ALL).add_class("orgen-model-filter")
        self._provider_dd = widgets.Dropdown(
            description="provider", disabled=empty, options=[("all providers", _ALL)],
            value=_ALL).add_class("orgen-provider-filter")
        self._refresh_options()
        self._sort_dd = widgets.Dropdown(
            description="sort", options=[(label, key) for key, (_, label) in SORTS.items()],
            value=sort, disabled=empty).add_class("orgen-sort")
        small = widgets.Layout(width="auto")
        self._first_btn = widgets.Button(description="first", icon="angle-double-left",
                                         disabled=True, layout=small).add_class("orgen-first")
        self._prev_btn = widgets.Button(description="previous", icon="arrow-left",
                                        disabled=True, layout=small).add_class("orgen-prev")
        self._next_btn = widgets.Button(description="next", icon="arrow-right",
                                        disabled=True, layout=small).add_class("orgen-next")
        self._last_btn = widgets.Button(description="last", icon="angle-double-right",
                                        disabled=True, layout=small).add_class("orgen-last")
        self._count = widgets.HTML("").add_class("orgen-count")
        self._status = widgets.HTML("").add_class("orgen-status")
        self._head = widgets.HTML("").add_class("orgen-head")
        self._content = widgets.HTML("").add_class("orgen-content-panel")
        self._cost = widgets.HTML("").add_class("orgen-cost-panel")
        self._fallback = widgets.HTML("").add_class("orgen-fallback-panel")
        self._detail = widgets.HTML("").add_class("orgen-detail")
        self._ranks = widgets.HTML("").add_class("orgen-ranks-panel")
        self._chart_toggle = widgets.ToggleButtons(
            options=[(key, key) for key in CHARTS], value=chart, disabled=empty,
            style={"button_width": "70px"}).add_class("orgen-chart-toggle")
        self._chart = widgets.Image(format="png", layout=widgets.Layout(
            width="380px")).add_class("orgen-chart")
        self._list_head = widgets.HTML("").add_class("orgen-list-head")
        self._list = widgets.Select(options=[], rows=10, disabled=empty, layout=widgets.Layout(
            width="440px")).add_class("orgen-list")
        self._export_path = widgets.Text(value="generations_filtered.csv", disabled=empty,
                                         layout=widgets.Layout(width="210px"),
                                         tooltip="a .csv or .parquet file")
        self._export_btn = widgets.Button(description="export filtered", icon="download",
                                          disabled=empty, layout=small).add_class("orgen-export")
        self._id_box.observe(self._on_id_typed, names="value")
        self._model_dd.observe(self._on_filter_change, names="value")
        self._provider_dd.observe(self._on_filter_change, names="value")
        self._sort_dd.observe(self._on_sort_change, names="value")
        self._chart_toggle.observe(self._on_chart_change, names="value")
        self._list.observe(self._on_list_pick, names="value")
        self._first_btn.on_click(lambda _: self.first())
        self._prev_btn.on_click(lambda _: self.previous())
        self._next_btn.on_click(lambda _: self.next())
        self._last_btn.on_click(lambda _: self.last())
        self._export_btn.on_click(self._on_export)

    def _layout(self) -> list[widgets.Widget]:
        controls = widgets.HBox([self._id_box, self._model_dd, self._provider_dd])
        walk = widgets.HBox([self._sort_dd, self._first_btn, self._prev_btn, self._count,
                             self._next_btn, self._last_btn, self._export_path,
                             self._export_btn])
        why = widgets.HBox([self._cost, self._fallback],
                           layout=widgets.Layout(flex_flow="row wrap"))
        main = widgets.VBox([self._head, self._content, why, self._detail],
                            layout=widgets.Layout(flex="1 1 auto"))
        side = widgets.VBox([self._ranks, self._chart_toggle, self._chart, self._list_head,
                             self._list], layout=widgets.Layout(min_width="450px"))
        body = widgets.HBox([main, side])
        return [self._title, controls, walk, self._status, body]

    def _refresh_options(self) -> None:
        """Each dropdown offers the groups that have rows under the other one's filter."""
        model, provider = self._model_dd.value, self._provider_dd.value
        by_model, by_provider = self._index.counts(
            None if model == _ALL else model, None if provider == _ALL else provider)
        with self._quiet():
            self._set_options(self._model_dd, "all models", by_model, self._index.models)
            self._set_options(self._provider_dd, "all providers", by_provider,
                              self._index.providers)

    @staticmethod
    def _set_options(dropdown: widgets.Dropdown, all_label: str, counts: np.ndarray,
                     labels: list[str]) -> None:
        value = dropdown.value
        groups = [(label, i, int(counts[i + 1])) for i, label in enumerate(labels)]
        if counts[0]:
            groups.append((NA_LABEL, -1, int(counts[0])))
        options = [(f"{all_label} ({int(counts.sum()):,})", _ALL)] + [
            (f"{label} ({rows:,})", code) for label, code, rows in groups
            if rows or code == value]
        if options != list(dropdown.options):
            dropdown.options = options
        dropdown.value = value

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
        """The sort order key (one of :data:`SORTS`); settable (then the first row shows)."""
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
        self._set_filter(self._model_dd, self._code(value, self._index.models, "model"))

    @property
    def provider(self) -> str | None:
        """The provider filter (``None``: all providers); settable."""
        return self._label(self._provider_dd.value, self._index.providers)

    @provider.setter
    def provider(self, value: str | None) -> None:
        self._set_filter(self._provider_dd,
                         self._code(value, self._index.providers, "provider"))

    def _set_filter(self, dropdown: widgets.Dropdown, code: int) -> None:
        if code not in [v for _, v in dropdown.options]:  # narrowed away: offer it again
            with self._quiet():
                dropdown.options = [*dropdown.options, (self._group_label(dropdown, code), code)]
        dropdown.value = code

    def _group_label(self, dropdown: widgets.Dropdown, code: int) -> str:
        labels = self._index.models if dropdown is self._model_dd else self._index.providers
        return f"{self._label(code, labels)} (0)"

    @staticmethod
    def _label(code: int, labels: list[str]) -> str | None:
        return None if code == _ALL else (NA_LABEL if code == -1 else labels[code])

    @staticmethod
    def _code(value: str | None, labels: list[str], what: str) -> int:
        if value is None:
            return _ALL
        if value == NA_LABEL:
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

    def first(self) -> None:
        """Move to the first row of :attr:`filtered`."""
        if len(self._positions):
            self._show(0)

    def last(self) -> None:
        """Move to the last row of :attr:`filtered`."""
        if len(self._positions):
            self._show(len(self._positions) - 1)

    def export(self, path: str | Path, format: str | None = None) -> Path:
        """Write :attr:`filtered` (in its order) to ``path``: CSV or parquet by its suffix.

        Returns the path written.  Raises ``ValueError`` for another suffix.
        """
        path = Path(path).expanduser()
        kind = format_of(path, format)
        if kind not in ("csv", "parquet"):
            raise ValueError(f"export writes .csv or .parquet files, not {kind}")
        write_frame(self.filtered.reset_index(drop=True), path, kind)
        return path

    def wait_content(self, timeout: float = 10.0) -> str:
        """Wait for the selected generation's content to land; return :attr:`content_state`."""
        pending = self._pending
        if pending is not None:
            concurrent.futures.wait([pending], timeout=timeout)
        return self.content_state

    def snapshot_html(self) -> str:
        """A static HTML snapshot of the selected generation (for saved notebooks).

        What the live widget shows, minus the controls: headline, conversation,
        cost, provider attempts, ranks, the chart (inline PNG) and every field.
        """
        head = (f'<div class="orgen-static">{html.CSS}<div class="orgen-muted">Generation viewer'
                f" (static snapshot: {self.count_text} after filters; run the notebook for"
                " the live viewer)</div>")
        if self._pos is None:
            return head + f'<div class="orgen-empty">{self._detail.value}</div></div>'
        self.wait_chart()
        png = bytes(self._chart.value)
        chart = (f'<img class="orgen-chart" alt="distribution" style="width:380px" '
                 f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'
                 if png else "")
        return (head + self._head.value + self._content.value
                + '<div style="display:flex;gap:24px;flex-wrap:wrap">'
                + self._cost.value + self._fallback.value + self._ranks.value + "</div>"
                + chart + self._detail.value + "</div>")

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        """The widget view plus a ``text/html`` snapshot that static renderers show."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, meta = bundle if isinstance(bundle, tuple) else (bundle, None)
        data = {**data, "text/html": self.snapshot_html()}
        return data if meta is None else (data, meta)  # type: ignore[return-value]

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
            self._status.value = f"No id contains {html.escape(text)}."
        else:
            more = "+" if len(matches) == self._max_matches else ""
            self._status.value = f"{len(matches)}{more} ids contain {html.escape(text)}."

    def _on_filter_change(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._refresh_options()
            self._apply_filters(keep=self._pos)

    def _on_sort_change(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._apply_filters(keep=None)  # a new order starts at its first row

    def _on_chart_change(self, change: dict[str, Any]) -> None:
        if self._pos is not None:
            self._render_chart(self._pos)

    def _on_list_pick(self, change: dict[str, Any]) -> None:
        if not self._syncing and change["new"] is not None:
            self._show(int(change["new"]))

    def _on_export(self, button: widgets.Button) -> None:
        try:
            path = self.export(self._export_path.value)
        except (ValueError, OSError, ImportError) as exc:
            self._status.value = f"<b>Export failed:</b> {html.escape(exc)}"
        else:
            self._status.value = (f"Wrote {len(self._positions):,} rows to "
                                  f"<code>{html.escape(path)}</code>.")

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
            self._show_empty(_EMPTY_FILTERS)
            return
        k = 0
        if keep is not None:
            hit = np.flatnonzero(self._positions == keep)
            k = int(hit[0]) if len(hit) else 0
        self._show(k)

    def _show_empty(self, message: str) -> None:
        """One clear message, nothing else: no chart, list, cost or attempts."""
        self._pos = self._k = None
        for button in (self._first_btn, self._prev_btn, self._next_btn, self._last_btn):
            button.disabled = True
        self._count.value = self.count_text
        self._status.value = ""
        self._detail.value = f'<div class="orgen-empty">{message}</div>'
        for panel in (self._head, self._content, self._cost, self._fallback, self._ranks,
                      self._list_head):
            panel.value = ""
        self._chart_job = None
        self._chart.layout.display = "none"
        self._list.layout.display = "none"
        with self._quiet():
            self._list.options = []

    def _show(self, k: int) -> None:
        pos = int(self._positions[k])
        self._pos, self._k = pos, k
        n = len(self._positions)
        self._first_btn.disabled = self._prev_btn.disabled = k == 0
        self._next_btn.disabled = self._last_btn.disabled = k + 1 >= n
        self._count.value = f'<span class="orgen-count-text">{self.count_text}</span>'
        self._status.value = ""
        with self._quiet():
            self._id_box.value = self._index.ids[pos]
        row = self._df.iloc[pos].to_dict()
        paid = float(self._index.metric(EFFECTIVE_COST)[pos])
        chain = attempts(row.get("provider_responses"), row.get("upstream_id"))
        self._head.value = html.headline_html(
            row, paid=paid, badge=badge(chain, row.get("finish_reason")))
        self._cost.value = cost_html(cost_breakdown(row, self._prices))
        self._fallback.value = fallback_html(chain)
        shown = {k: v for k, v in row.items() if k != "provider_responses"}  # the table has it
        self._detail.value = html.detail_html(shown, headline=False)
        self._render_ranks(pos)
        self._render_chart(pos)
        self._render_list(k)
        self._render_content(pos, row)

    def _render_ranks(self, pos: int) -> None:
        code = int(self._index.model_codes[pos])
        value, overall, within, counts = self._index.ranks(pos)
        self._ranks.value = html.ranks_html(value, overall, within, counts=counts,
                                            model=self._index.model_label(code))

    def _render_chart(self, pos: int) -> None:
        """Draw the chart in the chart thread: a model's first chart takes a while to build
        (its ticks and text), so the rest of the panel never waits for it."""
        column, xlabel = CHARTS[str(self._chart_toggle.value)]
        code = int(self._index.model_codes[pos])
        values = self._index.sorted_values(column, code)
        x = float(self._index.metric(column)[pos])
        job = (pos, column)
        self._chart_job = job
        if self._chart_pool is None:  # one thread: matplotlib is only ever used from it
            self._chart_pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="orgen-chart")
        self._chart_future = self._chart_pool.submit(
            self._draw_chart, job, code, values, x, xlabel)

    def _draw_chart(self, job: tuple[int, str], code: int, values: np.ndarray, x: float,
                    xlabel: str) -> None:
        """In the chart thread: build (or reuse) the model's chart, mark ``x``, show it
        unless the selection moved on meanwhile."""
        if self._chart_job != job:
            return  # superseded before it started
        column = job[1]
        money = column == EFFECTIVE_COST
        shown: Callable[[Any], str] = fmt.format_usd if money else fmt.format_ms
        label = (f"this one: {shown(x)} ({fmt.ordinal(percentile_rank(values, x))})"
                 if np.isfinite(x) else f"this one: no {column.replace('_', ' ')}")
        key = (column, code)
        chart = self._charts.get(key)
        if chart is None:
            if len(self._charts) >= _MAX_CHARTS:
                self._charts.pop(next(iter(self._charts)))
            model = self._index.model_label(code)
            short = model if len(model) <= 44 else model[:43] + "\u2026"
            chart = self._charts[key] = DistributionChart(
                values, xlabel=xlabel, title=short, log=None if money else True, money=money)
        png = chart.png(None if np.isnan(x) else x, label)
        if self._chart_job == job:
            self._chart.value = png
            self._chart.layout.display = None

    def wait_chart(self, timeout: float = 30.0) -> None:
        """Wait until the chart of the selected generation is drawn (tests, scripts)."""
        future = self._chart_future
        if future is not None:
            future.result(timeout=timeout)

    def _render_list(self, k: int) -> None:
        """The compact list: up to :data:`_LIST_ROWS` filtered rows around row ``k``."""
        n = len(self._positions)
        start = max(0, min(k - _LIST_ROWS // 2, n - _LIST_ROWS))
        stop = min(n, start + _LIST_ROWS)
        cost = self._index.metric(EFFECTIVE_COST)
        latency = self._index.metric("latency")
        options = []
        for j in range(start, stop):
            pos = int(self._positions[j])
            model = self._index.model_label(int(self._index.model_codes[pos]))
            finish = self._finish[pos]
            options.append((
                f"{j + 1:>5} {self._index.ids[pos][-10:]:>10} {model[-18:]:<18} "
                f"{fmt.format_usd(cost[pos]):>9} {fmt.format_ms(latency[pos]):>8} "
                f"{'' if is_na(finish) else finish}", j))
        self._list_head.value = (
            f'<div class="orgen-muted" style="font-size:11px">Rows {start + 1:,}\u2013'
            f"{stop:,} of {n:,} (sorted by {SORTS[self.sort][1]}): #, id (end), model, "
            "cost, latency, finish. Click one to show it.</div>")
        with self._quiet():
            self._list.options = options
            self._list.value = k
        self._list.layout.display = None

    # -- content --------------------------------------------------------------------------

    def _render_content(self, pos: int, row: Mapping[str, Any]) -> None:
        gid = self._index.ids[pos]
        if self._has_content:
            self._set_content(content_html(row), "loaded")
            return
        if self._loader is None:
            self._set_content(state_html(NO_KEY, "no-key"), "no key")
            return
        with self._lock:
            hit = self._contents.get(gid)
        if hit is not None:
            self._show_loaded(gid, hit)
            return
        self._set_content(state_html(LOADING, "loading"), "loading")
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=2, thread_name_prefix="orgen-content")
        self._pending = self._pool.submit(self._load, gid)

    def _load(self, gid: str) -> None:
        """In a worker thread: fetch, keep, and show it if still selected."""
        assert self._loader is not None
        try:
            result: Mapping[str, Any] | BaseException = self._loader(gid)
        except Exception as exc:  # noqa: BLE001 - shown in the panel, never raised in a thread
            result = exc
        with self._lock:
            self._contents[gid] = result
            while len(self._contents) > _MAX_CONTENTS:
                self._contents.popitem(last=False)
        if self.selected_id == gid:  # a late answer for another generation is not shown
            self._show_loaded(gid, result)

    def _show_loaded(self, gid: str, result: Mapping[str, Any] | BaseException) -> None:
        if isinstance(result, BaseException):
            status = getattr(result, "status", None)
            what = "not found" if status == 404 else "could not be loaded"
            message = f"Content {what}: {type(result).__name__}: {result}"
            self._set_content(state_html(message, "failed"), "failed")
        else:
            stored = result.get("stored")
            ok = is_na(stored) or bool(stored)
            self._set_content(content_html(result), "loaded" if ok else "not stored")

    def _set_content(self, value: str, state: str) -> None:
        self._content.value = value
        self.content_state = state
