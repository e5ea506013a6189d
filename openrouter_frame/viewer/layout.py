"""The viewer's child widgets and how they are laid out; no state, no handlers.

:func:`build_controls` makes what a person acts on (:class:`Controls`),
:func:`build_panels` what the viewer writes into (:class:`Panels`), each with
the CSS class the browser tests and the stylesheet (:data:`~.html.CSS`) find it
by; :func:`arrange` puts them in rows that wrap (``flex-flow: row wrap``), so
the viewer reflows in a notebook 800 px wide: the side column (ranks, chart,
list) moves under the generation instead of overflowing.

Examples
--------
>>> controls = build_controls(rows=3, sort="cost", chart="latency", sorts={"cost": "cost"},
...                           charts=["latency", "cost"])
>>> panels = build_panels(rows=3)
>>> rows = arrange(controls, panels)
>>> [row.layout.flex_flow for row in rows if hasattr(row, "children")]
['row wrap', 'row wrap', 'row wrap']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import ipywidgets as widgets

from . import html

__all__ = ["KEYS", "Controls", "Panels", "arrange", "build_controls", "build_panels"]

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
#: The keyboard bridge, installed with the title.
KEYS = f'<img src="data:," alt="" style="display:none" onerror="{_KEYS_JS}">'
_WRAP = "row wrap"


@dataclass(eq=False)
class Controls:
    """What a person acts on; each sets one of the viewer's traits (or walks its rows)."""

    #: Type part of an id: offers matching ids; a whole id selects it.
    search: widgets.Combobox
    #: Model filter; its values are group codes, its labels carry row counts.
    model_filter: widgets.Dropdown
    #: Provider filter, as :attr:`model_filter`.
    provider_filter: widgets.Dropdown
    #: Sort order (a key of :data:`~.browse.SORTS`).
    sort: widgets.Dropdown
    first: widgets.Button
    previous: widgets.Button
    next: widgets.Button
    last: widgets.Button
    #: Which distribution the chart shows.
    chart: widgets.ToggleButtons
    #: The compact list of filtered rows around the selection; its values are row numbers.
    rows: widgets.Select
    export_path: widgets.Text
    export: widgets.Button

    @property
    def walk(self) -> tuple[widgets.Button, ...]:
        """The first/previous/next/last buttons."""
        return (self.first, self.previous, self.next, self.last)


@dataclass(eq=False)
class Panels:
    """What the viewer writes into: HTML panels and the chart image."""

    title: widgets.HTML
    count: widgets.HTML
    status: widgets.HTML
    head: widgets.HTML
    content: widgets.HTML
    cost: widgets.HTML
    fallback: widgets.HTML
    detail: widgets.HTML
    ranks: widgets.HTML
    chart: widgets.Image
    list_head: widgets.HTML

    @property
    def text(self) -> tuple[widgets.HTML, ...]:
        """Every panel that shows the selected generation (cleared when nothing is)."""
        return (self.head, self.content, self.cost, self.fallback, self.ranks, self.list_head)


def _button(description: str, icon: str, css: str, disabled: bool = True) -> widgets.Button:
    return widgets.Button(description=description, icon=icon, disabled=disabled,
                          layout=widgets.Layout(width="auto")).add_class(css)


def build_controls(*, rows: int, sort: str, chart: str, sorts: Mapping[str, str],
                   charts: Iterable[str]) -> Controls:
    """The controls, disabled when the frame has no ``rows``; ``sorts`` maps each sort
    key to its label.  The filters offer "all" only: the viewer fills them in."""
    empty = rows == 0
    return Controls(
        search=widgets.Combobox(
            placeholder="search id (type part of it)", description="id",
            ensure_option=False, continuous_update=True, disabled=empty,
            layout=widgets.Layout(width="440px")).add_class("orgen-search"),
        model_filter=widgets.Dropdown(
            description="model", disabled=empty, options=[("all models", -2)],
            value=-2).add_class("orgen-model-filter"),
        provider_filter=widgets.Dropdown(
            description="provider", disabled=empty, options=[("all providers", -2)],
            value=-2).add_class("orgen-provider-filter"),
        sort=widgets.Dropdown(
            description="sort", options=[(label, key) for key, label in sorts.items()],
            value=sort, disabled=empty).add_class("orgen-sort"),
        first=_button("first", "angle-double-left", "orgen-first"),
        previous=_button("previous", "arrow-left", "orgen-prev"),
        next=_button("next", "arrow-right", "orgen-next"),
        last=_button("last", "angle-double-right", "orgen-last"),
        chart=widgets.ToggleButtons(
            options=[(key, key) for key in charts], value=chart, disabled=empty,
            style={"button_width": "70px"}).add_class("orgen-chart-toggle"),
        rows=widgets.Select(options=[], rows=10, disabled=empty, layout=widgets.Layout(
            width="440px", max_width="100%")).add_class("orgen-list"),
        export_path=widgets.Text(value="generations_filtered.csv", disabled=empty,
                                 layout=widgets.Layout(width="210px"),
                                 tooltip="a .csv or .parquet file"),
        export=_button("export filtered", "download", "orgen-export", disabled=empty),
    )


def build_panels(*, rows: int) -> Panels:
    """The panels, empty; the title says how many ``rows`` the frame has."""
    return Panels(
        title=widgets.HTML(
            html.CSS + KEYS + f"<b>Generations</b> &middot; {rows:,} rows "
            '<span class="orgen-muted">(\u2190/\u2192 keys walk the rows)</span>'
        ).add_class("orgen-title"),
        count=widgets.HTML("").add_class("orgen-count"),
        status=widgets.HTML("").add_class("orgen-status"),
        head=widgets.HTML("").add_class("orgen-head"),
        content=widgets.HTML("").add_class("orgen-content-panel"),
        cost=widgets.HTML("").add_class("orgen-cost-panel"),
        fallback=widgets.HTML("").add_class("orgen-fallback-panel"),
        detail=widgets.HTML("").add_class("orgen-detail"),
        ranks=widgets.HTML("").add_class("orgen-ranks-panel"),
        chart=widgets.Image(format="png", layout=widgets.Layout(
            width="380px", max_width="100%")).add_class("orgen-chart"),
        list_head=widgets.HTML("").add_class("orgen-list-head"),
    )


def _row(children: list[widgets.Widget], **layout: str) -> widgets.HBox:
    return widgets.HBox(children, layout=widgets.Layout(flex_flow=_WRAP, **layout))


def arrange(controls: Controls, panels: Panels) -> list[widgets.Widget]:
    """The viewer's children: title, search and filters, walking, status, then the
    generation (main column) beside its ranks, chart and list (side column).

    Every row wraps.  The main column grows from 400 px and the side column is
    450 px, so below about 850 px the side column goes under the main one.
    """
    c, p = controls, panels
    search = _row([c.search, c.model_filter, c.provider_filter])
    walk = _row([c.sort, c.first, c.previous, p.count, c.next, c.last, c.export_path, c.export],
                align_items="center")
    why = _row([p.cost, p.fallback])
    main = widgets.VBox([p.head, p.content, why, p.detail],
                        layout=widgets.Layout(flex="1 1 400px", min_width="0"))
    side = widgets.VBox([p.ranks, c.chart, p.chart, p.list_head, c.rows],
                        layout=widgets.Layout(flex="0 1 450px", min_width="0"))
    body = _row([main, side])
    return [p.title, search, walk, p.status, body]
