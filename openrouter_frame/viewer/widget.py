"""An ipywidgets drill-down viewer: pick one generation and see why it is what it is.

:class:`GenerationViewer` is an :class:`ipywidgets.VBox` with an id search
box, model and provider filters that narrow each other, a sort order,
first/previous/next/last buttons (and the arrow keys) walking the filtered
rows, a compact list of them under column headers to click on, and for the
selected generation: a headline as a trace view leads (status badges: ok, failed,
cancelled, truncated, fell back; model, provider, cost really paid, latency,
generation time, tokens in and out; the id with a copy button and a link to
OpenRouter), its conversation (fetched on selection through a function the viewer
is given, in a thread; a stored failure first, as its message), its cost split by
token kind, its provider attempts as a timeline and a table, every field grouped,
its percentile ranks and a small chart of its model's latency or cost
distribution.  The layout wraps: on a narrow page the side column goes under the
generation.

Its state is a set of observable traits: :attr:`~GenerationViewer.selected_id`,
:attr:`~GenerationViewer.sort`, the :attr:`~GenerationViewer.model` and
:attr:`~GenerationViewer.provider` filters, :attr:`~GenerationViewer.chart` and
the read-only :attr:`~GenerationViewer.content_state`.  Setting a trait updates
the view; using a control sets the trait (``viewer.observe(f, "selected_id")``
hears both).  This module holds that state and its handlers; the child widgets
are built in :mod:`.layout`, their texts come from :mod:`.render` (pure
functions) and the threads from :mod:`.background`.

Everything slow is done once in the constructor (sort orders, group codes,
an id index), so changing a filter or moving to the next row on 100,000 rows
costs a few numpy operations and one chart.  Displaying the viewer also writes a
static HTML snapshot of the selected generation (:meth:`GenerationViewer.snapshot_html`)
that saved notebooks and their HTML renderings show.

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

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from traitlets import TraitError, Unicode, observe, validate

from ..frame.build import coerce
from ..frame.io import format_of, write_frame
from ..schema import NA_LABEL
from . import html, render
from .background import ChartPainter, ContentLoader, ContentLoads, ContentResult
from .browse import SORTS, FrameIndex
from .content import CONTENT_FIELDS, LOADING, NO_KEY, content_html, state_html
from .cost import EFFECTIVE_COST, Prices
from .layout import Controls, Panels, arrange, build_controls, build_panels

__all__ = ["CHARTS", "SORTS", "ContentLoader", "GenerationViewer", "UnknownChoice",
           "UnknownValue"]

#: Metrics the chart can show: key -> (column, axis label).
CHARTS: dict[str, tuple[str, str]] = {
    "latency": ("latency", "latency (log scale)"),  # the ticks carry their unit
    "cost": (EFFECTIVE_COST, "cost paid (USD)"),
}


class UnknownValue(TraitError, KeyError):
    """An id, model or provider the viewer's frame does not have (also a ``KeyError``)."""


class UnknownChoice(TraitError, ValueError):
    """A sort order or chart the viewer does not offer (also a ``ValueError``)."""


def _check_choice(name: str, value: Any, choices: Mapping[str, Any]) -> str:
    if value not in choices:
        raise UnknownChoice(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return str(value)


def _check_group(what: str, value: str | None, labels: Sequence[str]) -> str | None:
    if value is None or value == NA_LABEL or value in labels:
        return value
    raise UnknownValue(f"no {what} {value!r} in this frame")


class _SelectedId(Unicode):
    """A str or ``None`` trait whose ``None`` is validated too (``allow_none`` skips the
    viewer's check, and ``None`` is allowed only when no row is shown)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(None, allow_none=False, **kwargs)  # type: ignore[call-overload]

    def validate(self, obj: Any, value: Any) -> Any:
        return None if value is None else super().validate(obj, value)


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
    prices : price table, mapping or callable, optional
        A price table (``orf.fetch_prices()``: the served endpoint's list price
        when it has it, else the model's, labelled "list price as of DATE"),
        ``{model: {"prompt": ..., "completion": ..., ...}}`` in USD per token
        (OpenRouter's ``/models`` ``pricing``) or ``prices(row) -> pricing``:
        the cost panel prices each token kind with them; without them it
        splits the cost in proportion to tokens and says it is an estimate.

    Attributes
    ----------
    selected_id : str or None
        Trait: the id of the generation shown; ``None`` only when no row is
        shown (empty frame, or filters that match nothing).  Setting an id
        shows it and resets a filter that hides it.
    sort : str
        Trait: the sort order, a key of :data:`SORTS`.  Setting it shows the
        new order's first row.
    model, provider : str or None
        Traits: the filters (``None``: all; ``"<NA>"``: rows without one).
        The selection stays when it still matches, else the first match shows.
    chart : str
        Trait: the distribution the chart shows, a key of :data:`CHARTS`.
    content_state : str
        Read-only trait: ``"none"``, ``"no key"``, ``"loading"``, ``"loaded"``,
        ``"not stored"`` or ``"failed"``.
    controls : Controls
        The child widgets a person uses (search box, filters, buttons, list).
    panels : Panels
        The child widgets the viewer writes into.

    Raises
    ------
    KeyError
        If ``selected`` is not an id of ``df``, or ``df`` has no ``id`` column
        (:class:`UnknownValue`, also a ``TraitError``, for the id).
    ValueError
        If ``sort`` or ``chart`` is not one offered (:class:`UnknownChoice`).

    Examples
    --------
    >>> from openrouter_frame import GenerationViewer
    >>> from openrouter_frame.testing import sample_frame
    >>> df = sample_frame(20)
    >>> v = GenerationViewer(df, sort="newest")
    >>> v.selected_id = df["id"].iloc[3]
    >>> v.selected["id"] == df["id"].iloc[3]
    True
    >>> len(v.filtered)
    20
    >>> v.content_state
    'no key'
    """

    selected_id = _SelectedId(help="Id of the generation shown (None: no row is).")
    sort = Unicode("cost", help="Sort order: a key of SORTS.")
    model = Unicode(None, allow_none=True, help="Model filter (None: all models).")
    provider = Unicode(None, allow_none=True, help="Provider filter (None: all providers).")
    chart = Unicode("latency", help="Which distribution the chart shows: a key of CHARTS.")
    content_state = Unicode("none", read_only=True, help="State of the content panel.")

    def __init__(self, df: pd.DataFrame, selected: str | None = None, *, sort: str = "cost",
                 chart: str = "latency", max_matches: int = 50,
                 content: ContentLoader | None = None,
                 prices: Prices | None = None) -> None:
        if "id" not in df.columns:
            raise KeyError("GenerationViewer needs an 'id' column")
        _check_choice("sort", sort, SORTS)
        _check_choice("chart", chart, CHARTS)
        if content is not None and not callable(content):
            raise TypeError(f"content must be a callable or None, not {type(content).__name__}")
        self._syncing = True  # until built: trait changes only record the value
        self._df = coerce(df)
        self._n = len(df)
        self._max_matches = max_matches
        self._index = FrameIndex(self._df)
        self._positions = np.arange(0)
        self._pos: int | None = None
        self._k: int | None = None
        self._prices = prices
        self._has_content = all(c in self._df.columns for c in CONTENT_FIELDS)
        self._finish = (self._df["finish_reason"].astype(object).tolist()
                        if "finish_reason" in self._df.columns else [None] * self._n)
        self._loads = None if content is None else ContentLoads(content, self._on_content)
        self._painter = ChartPainter(self._on_chart_drawn)
        self.controls: Controls = build_controls(
            rows=self._n, sort=sort, chart=chart,
            sorts={key: label for key, (_, label) in SORTS.items()}, charts=CHARTS)
        self.panels: Panels = build_panels(rows=self._n)
        super().__init__(children=arrange(self.controls, self.panels))
        self.add_class("orgen-viewer")
        self.sort, self.chart = sort, chart
        self._sync_filters()
        self._listen()
        self._syncing = False
        self._apply_filters(keep=None)
        if selected is not None:
            self.select(selected)
        elif self._n == 0:
            self._show_empty(render.NO_ROWS)

    def _listen(self) -> None:
        """What the controls do: each sets a trait (or walks the rows)."""
        c = self.controls
        c.search.observe(self._on_search, names="value")
        c.model_filter.observe(self._on_model_picked, names="value")
        c.provider_filter.observe(self._on_provider_picked, names="value")
        c.sort.observe(self._on_sort_picked, names="value")
        c.chart.observe(self._on_chart_picked, names="value")
        c.rows.observe(self._on_row_picked, names="value")
        for button in c.walk:
            button.on_click(self._on_walk)
        c.export.on_click(self._on_export)

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """Trait and control changes made inside only record the value: no handler acts."""
        before, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = before

    # -- traits: validation ------------------------------------------------------------------

    @validate("selected_id")
    def _valid_id(self, proposal: dict[str, Any]) -> str | None:
        value = proposal["value"]
        if value is None:
            if len(self._positions):
                raise TraitError("selected_id is None only when no row is shown; "
                                 f"{len(self._positions):,} rows match the filters")
            return None
        self._position(value)
        return str(value)

    @validate("sort")
    def _valid_sort(self, proposal: dict[str, Any]) -> str:
        return _check_choice("sort", proposal["value"], SORTS)

    @validate("chart")
    def _valid_chart(self, proposal: dict[str, Any]) -> str:
        return _check_choice("chart", proposal["value"], CHARTS)

    @validate("model")
    def _valid_model(self, proposal: dict[str, Any]) -> str | None:
        return _check_group("model", proposal["value"], self._index.models)

    @validate("provider")
    def _valid_provider(self, proposal: dict[str, Any]) -> str | None:
        return _check_group("provider", proposal["value"], self._index.providers)

    # -- traits: what a change does -----------------------------------------------------------

    @observe("selected_id")
    def _on_selected_id(self, change: dict[str, Any]) -> None:
        if not self._syncing and change["new"] is not None:
            self._reveal(self._position(change["new"]))

    @observe("sort")
    def _on_sort(self, change: dict[str, Any]) -> None:
        with self._quiet():
            self.controls.sort.value = change["new"]
        if not self._syncing:
            self._apply_filters(keep=None)  # a new order starts at its first row

    @observe("model", "provider")
    def _on_filter(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._sync_filters()
            self._apply_filters(keep=self._pos)

    @observe("chart")
    def _on_chart(self, change: dict[str, Any]) -> None:
        with self._quiet():
            self.controls.chart.value = change["new"]
        if not self._syncing and self._pos is not None:
            self._render_chart(self._pos)

    # -- controls: what a person does ---------------------------------------------------------

    def _on_search(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        text = str(change["new"]).strip()
        if self._index.position(text) is not None:
            self.select(text)
            return
        matches = self.matching_ids(text)
        with self._quiet():
            self.controls.search.options = tuple(matches)
        self.panels.status.value = render.search_status(text, len(matches), self._max_matches)

    def _on_model_picked(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.model = render.group_label(change["new"], self._index.models)

    def _on_provider_picked(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.provider = render.group_label(change["new"], self._index.providers)

    def _on_sort_picked(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.sort = change["new"]

    def _on_chart_picked(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.chart = change["new"]

    def _on_row_picked(self, change: dict[str, Any]) -> None:
        if not self._syncing and change["new"] is not None:
            self._show(int(change["new"]))  # by row: a duplicated id's later rows too

    def _on_walk(self, button: widgets.Button) -> None:
        c = self.controls
        {c.first: self.first, c.previous: self.previous, c.next: self.next,
         c.last: self.last}[button]()

    def _on_export(self, button: widgets.Button) -> None:
        try:
            path = self.export(self.controls.export_path.value)
        except (ValueError, OSError, ImportError) as exc:
            self.panels.status.value = render.export_failed(exc)
        else:
            self.panels.status.value = render.export_written(len(self._positions), path)

    # -- public state and moves ---------------------------------------------------------------

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
        return render.count_text(self._k, len(self._positions))

    def matching_ids(self, text: str) -> list[str]:
        """Ids containing ``text`` (case-insensitive), frame order, at most ``max_matches``."""
        return self._index.matching_ids(text, self._max_matches)

    def select(self, generation_id: str) -> None:
        """Show generation ``generation_id`` (sets :attr:`selected_id`); filters that hide
        it are reset to "all".

        Raises
        ------
        KeyError
            If no row of the frame has that id (:class:`UnknownValue`).
        """
        gid = str(generation_id)
        if gid == self.selected_id:  # no change to hear: show its first row again
            self._reveal(self._position(gid))
        else:
            self.selected_id = gid

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
        """Wait until every content load started has landed; return :attr:`content_state`."""
        if self._loads is not None:
            self._loads.wait(timeout)
        return str(self.content_state)

    def wait_chart(self, timeout: float = 30.0) -> None:
        """Wait until the chart of the selected generation is drawn (tests, scripts)."""
        self._painter.wait(timeout)

    def snapshot_html(self, timeout: float = 10.0) -> str:
        """A static HTML snapshot of the selected generation (for saved notebooks).

        What the live widget shows, minus the controls: headline, conversation,
        cost, provider attempts, ranks, the chart (inline PNG) and every field.
        Waits up to ``timeout`` seconds for the conversation and the chart.
        """
        p = self.panels
        if self._pos is None:
            return render.snapshot_html(self.count_text, empty=p.detail.value)
        self.wait_content(timeout)
        self.wait_chart(timeout)
        return render.snapshot_html(
            self.count_text, head=p.head.value, content=p.content.value, cost=p.cost.value,
            fallback=p.fallback.value, ranks=p.ranks.value, chart_png=bytes(p.chart.value),
            detail=p.detail.value)

    def _ipython_display_(self, **kwargs: Any) -> None:
        """Two outputs: the live widget, and its static snapshot (:meth:`snapshot_html`)
        as ``text/html`` for whatever shows a saved notebook without running it (a
        plain ``nbconvert --to html``, the committed pages under ``docs/``, GitHub).

        The snapshot hides itself beside a live viewer (a ``:has()`` rule of its
        stylesheet), so JupyterLab and Voila show the widget only.  It is the
        generation selected when the viewer was displayed; the widget shows first,
        and the cell then waits (at most 10 s) for its conversation and chart.
        """
        from IPython.display import display

        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            data, meta = bundle if isinstance(bundle, tuple) else (bundle, {})
            display(data, metadata=meta, raw=True)
        display({"text/html": render.twin_html(self.snapshot_html()),
                 "text/plain": f"<static snapshot: {self.count_text}>"}, raw=True)

    # -- showing the state --------------------------------------------------------------------

    def _codes(self) -> tuple[int, int]:
        """The dropdown codes of the model and provider filters."""
        return (render.group_code(self.model, self._index.models),
                render.group_code(self.provider, self._index.providers))

    def _sync_filters(self) -> None:
        """Each dropdown shows its filter and offers the groups that have rows under the
        other one's filter (and its own group, even without rows)."""
        model, provider = self._codes()
        by_model, by_provider = self._index.counts(
            None if model == render.ALL else model, None if provider == render.ALL else provider)
        c = self.controls
        with self._quiet():
            for dropdown, options, code in (
                    (c.model_filter, render.dropdown_options(
                        "all models", by_model, self._index.models, selected=model), model),
                    (c.provider_filter, render.dropdown_options(
                        "all providers", by_provider, self._index.providers,
                        selected=provider), provider)):
                if options != list(dropdown.options):
                    dropdown.options = options
                dropdown.value = code

    def _position(self, generation_id: str) -> int:
        """The row of an id (its first row); :class:`UnknownValue` if it has none."""
        pos = self._index.position(generation_id)
        if pos is None:
            raise UnknownValue(f"no generation with id {generation_id!r} in this frame")
        return pos

    def _reveal(self, pos: int) -> None:
        """Show row ``pos``, resetting a filter that hides it."""
        model, provider = self._codes()
        with self._quiet():
            if model not in (render.ALL, self._index.model_codes[pos]):
                self.model = None
            if provider not in (render.ALL, self._index.provider_codes[pos]):
                self.provider = None
        self._sync_filters()
        self._apply_filters(keep=pos)

    def _apply_filters(self, keep: int | None) -> None:
        """Recompute the filtered positions; keep row ``keep`` selected when it survives."""
        if self._n == 0:
            return
        model, provider = self._codes()
        self._positions = self._index.positions(
            self.sort, None if model == render.ALL else model,
            None if provider == render.ALL else provider)
        if len(self._positions) == 0:
            self._show_empty(render.EMPTY_FILTERS)
            return
        k = 0
        if keep is not None:
            hit = np.flatnonzero(self._positions == keep)
            k = int(hit[0]) if len(hit) else 0
        self._show(k)

    def _show_empty(self, message: str) -> None:
        """One clear message, nothing else: no chart, list, cost or attempts."""
        self._pos = self._k = None
        c, p = self.controls, self.panels
        for button in c.walk:
            button.disabled = True
        p.count.value = render.count_html(None, 0)
        p.status.value = ""
        p.detail.value = render.empty_html(message)
        for panel in p.text:
            panel.value = ""
        self._painter.cancel()
        p.chart.layout.display = "none"
        c.rows.layout.display = "none"
        with self._quiet():
            c.rows.options = []
            self.selected_id = None

    def _show(self, k: int) -> None:
        """Show row ``k`` of the filtered rows."""
        pos = int(self._positions[k])
        self._pos, self._k = pos, k
        n = len(self._positions)
        c, p = self.controls, self.panels
        c.first.disabled = c.previous.disabled = k == 0
        c.next.disabled = c.last.disabled = k + 1 >= n
        p.count.value = render.count_html(k, n)
        p.status.value = ""
        gid = self._index.ids[pos]
        with self._quiet():
            self.selected_id = gid
            c.search.value = gid
        row = self._df.iloc[pos].to_dict()
        shown = render.generation_html(
            row, paid=float(self._index.metric(EFFECTIVE_COST)[pos]), prices=self._prices)
        p.head.value, p.cost.value = shown.head, shown.cost
        p.fallback.value, p.detail.value = shown.fallback, shown.detail
        self._render_ranks(pos)
        self._render_chart(pos)
        self._render_list(k)
        self._render_content(gid, row)

    def _render_ranks(self, pos: int) -> None:
        code = int(self._index.model_codes[pos])
        value, overall, within, counts = self._index.ranks(pos)
        self.panels.ranks.value = html.ranks_html(value, overall, within, counts=counts,
                                                  model=self._index.model_label(code))

    def _render_chart(self, pos: int) -> None:
        """Ask the chart thread for the chart: a model's first chart takes a while to build
        (its ticks and text), so the rest of the panel never waits for it."""
        column, xlabel = CHARTS[str(self.chart)]
        code = int(self._index.model_codes[pos])
        values = self._index.sorted_values(column, code)
        x = float(self._index.metric(column)[pos])
        self._painter.draw((column, code), values, x, render.chart_label(column, x, values),
                           xlabel=xlabel, title=render.chart_title(self._index.model_label(code)),
                           money=column == EFFECTIVE_COST)

    def _on_chart_drawn(self, png: bytes) -> None:
        """In the chart thread: the latest chart is drawn."""
        self.panels.chart.value = png
        self.panels.chart.layout.display = None

    def _render_list(self, k: int) -> None:
        """The compact list: up to :data:`~.render.LIST_ROWS` filtered rows around row ``k``,
        in aligned columns under their headers (each row's full text is its tooltip)."""
        n = len(self._positions)
        start, stop = render.list_window(k, n)
        cost = self._index.metric(EFFECTIVE_COST)
        latency = self._index.metric("latency")
        shown = [int(self._positions[j]) for j in range(start, stop)]
        ids = [self._index.ids[pos] for pos in shown]
        widths = render.list_widths(n, ids)
        options, titles = [], []
        for j, pos, gid in zip(range(start, stop), shown, ids, strict=True):
            model = self._index.model_label(int(self._index.model_codes[pos]))
            options.append((render.list_row(j, gid, model, cost[pos], latency[pos],
                                            self._finish[pos], widths), j))
            titles.append(render.list_title(gid, model, cost[pos], latency[pos],
                                            self._finish[pos]))
        self.panels.list_head.value = render.list_head_html(
            start, stop, n, self.sort, render.list_header(widths), titles)
        rows = self.controls.rows
        with self._quiet():
            rows.options = options
            rows.value = k
        rows.layout.display = None

    def _render_content(self, gid: str, row: Mapping[str, Any]) -> None:
        if self._has_content:
            self._set_content(content_html(row), "loaded")
        elif self._loads is None:
            self._set_content(state_html(NO_KEY, "no-key"), "no key")
        elif (kept := self._loads.get(gid)) is not None:
            self._set_content(*render.loaded_content(kept))
        else:
            self._set_content(state_html(LOADING, "loading"), "loading")
            self._loads.fetch(gid)

    def _on_content(self, gid: str, result: ContentResult) -> None:
        """In a content thread: a load landed; shown if its generation is still selected."""
        if self.selected_id == gid:
            self._set_content(*render.loaded_content(result))

    def _set_content(self, value: str, state: str) -> None:
        self.panels.content.value = value
        self.set_trait("content_state", state)
