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

# Arrow keys (and Home/End) press the walking buttons of the viewer a person last clicked
# into.  An HTML widget's <script> never runs, an <img> error handler does: it installs the
# listeners once per viewer element.  The key listener sits on the document (capture
# phase) because a click on the list re-renders it and the focus can drop to the page
# body; it acts while the last click was inside this viewer and the focus is in it or
# nowhere.  Keys typed into the id box, and into the filter dropdowns, are left alone;
# on the list, up/down walk the rows (the kernel moves the selection).  The same
# handler gives each list row its full text as a tooltip (``data-titles`` of the
# column headers, see render.list_head_html).
_KEYS_JS = (
    "this.onerror=null;(function f(img,tries){var v=img.closest('.orgen-viewer');"
    "if(!v){if(tries<100)setTimeout(function(){f(img,tries+1)},100);return;}"
    "if(v.dataset.orgenKeys)return;v.dataset.orgenKeys='1';v.tabIndex=0;var on=false;"
    "var keys={ArrowLeft:'.orgen-prev',ArrowRight:'.orgen-next',ArrowUp:'.orgen-prev',"
    "ArrowDown:'.orgen-next',Home:'.orgen-first',End:'.orgen-last'};"
    "document.addEventListener('pointerdown',function(e){on=v.contains(e.target);},true);"
    "document.addEventListener('keydown',function(e){if(!on||e.altKey||e.ctrlKey||e.metaKey)"
    "return;var t=e.target||document.body;if(t!==document.body&&!v.contains(t))return;"
    "var n=t.tagName;if(n==='INPUT'||n==='TEXTAREA')return;"
    "if(n==='SELECT'&&!t.closest('.orgen-list'))return;var c=keys[e.key];if(!c)return;"
    "var b=v.querySelector('button'+c);e.preventDefault();e.stopPropagation();"
    "if(b&&!b.disabled)b.click();},true);"
    "function titles(){var h=v.querySelector('.orgen-list-cols');"
    "var s=v.querySelector('.orgen-list select');if(!h||!s)return;var t;"
    "try{t=JSON.parse(h.dataset.titles||'[]')}catch(x){return}"
    "for(var i=0;i<s.options.length;i++){var o=s.options[i];var w=t[i]||o.text;"
    "if(o.title!==w)o.title=w;}}"
    "new MutationObserver(titles).observe(v,{childList:true,subtree:true,"
    "characterData:true,attributes:true,attributeFilter:['data-titles']});titles();"
    "})(this,0)"
)
#: The keyboard bridge, installed with the title.
KEYS = f'<img src="data:," alt="" style="display:none" onerror="{_KEYS_JS}">'
_WRAP = "row wrap"
#: Width the main column grows from, and the side column's width (px).
MAIN_PX = 480
SIDE_PX = 490


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
    """A button as wide as its label (it never shrinks into an ellipsis)."""
    return widgets.Button(description=description, icon=icon, disabled=disabled,
                          layout=widgets.Layout(width="auto", flex="0 0 auto")).add_class(css)


def _grows(basis: str, least: str, most: str = "none") -> widgets.Layout:
    """A control that takes a share of its row between ``least`` and ``most`` wide."""
    return widgets.Layout(width="auto", flex=f"1 1 {basis}", min_width=least, max_width=most)


_LABEL = {"description_width": "initial"}  # labels as wide as their text


def build_controls(*, rows: int, sort: str, chart: str, sorts: Mapping[str, str],
                   charts: Iterable[str]) -> Controls:
    """The controls, disabled when the frame has no ``rows``; ``sorts`` maps each sort
    key to its label.  The filters offer "all" only: the viewer fills them in."""
    empty = rows == 0
    return Controls(
        search=widgets.Combobox(
            placeholder="search id (type part of it)", description="id",
            ensure_option=False, continuous_update=True, disabled=empty, style=_LABEL,
            layout=_grows("340px", "240px", "520px")).add_class("orgen-search"),
        model_filter=widgets.Dropdown(
            description="model", disabled=empty, options=[("all models", -2)],
            value=-2, style=_LABEL,
            layout=_grows("260px", "200px", "420px")).add_class("orgen-model-filter"),
        provider_filter=widgets.Dropdown(
            description="provider", disabled=empty, options=[("all providers", -2)],
            value=-2, style=_LABEL,
            layout=_grows("220px", "200px", "360px")).add_class("orgen-provider-filter"),
        sort=widgets.Dropdown(
            description="sort", options=[(label, key) for key, label in sorts.items()],
            value=sort, disabled=empty, style=_LABEL,
            layout=widgets.Layout(width="250px", flex="0 0 auto")).add_class("orgen-sort"),
        first=_button("first", "angle-double-left", "orgen-first"),
        previous=_button("previous", "arrow-left", "orgen-prev"),
        next=_button("next", "arrow-right", "orgen-next"),
        last=_button("last", "angle-double-right", "orgen-last"),
        chart=widgets.ToggleButtons(
            options=[(key, key) for key in charts], value=chart, disabled=empty,
            style={"button_width": "70px"}).add_class("orgen-chart-toggle"),
        rows=widgets.Select(options=[], rows=10, disabled=empty, layout=widgets.Layout(
            width="100%")).add_class("orgen-list"),
        export_path=widgets.Text(value="generations_filtered.csv", disabled=empty,
                                 layout=widgets.Layout(width="210px", flex="0 1 auto",
                                                       min_width="140px"),
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
        count=widgets.HTML("", layout=widgets.Layout(flex="0 0 auto")).add_class("orgen-count"),
        status=widgets.HTML("").add_class("orgen-status"),
        head=widgets.HTML("").add_class("orgen-head"),
        content=widgets.HTML("").add_class("orgen-content-panel"),
        cost=widgets.HTML("").add_class("orgen-cost-panel"),
        fallback=widgets.HTML("").add_class("orgen-fallback-panel"),
        detail=widgets.HTML("").add_class("orgen-detail"),
        ranks=widgets.HTML("").add_class("orgen-ranks-panel"),
        chart=widgets.Image(format="png", layout=widgets.Layout(
            width="378px", max_width="100%")).add_class("orgen-chart"),
        list_head=widgets.HTML("").add_class("orgen-list-head"),
    )


def _row(children: list[widgets.Widget], css: str, **layout: str) -> widgets.HBox:
    """A row that wraps; ``css`` names it (the stylesheet sets its gaps)."""
    return widgets.HBox(children, layout=widgets.Layout(flex_flow=_WRAP, **layout)
                        ).add_class("orgen-row").add_class(css)


def arrange(controls: Controls, panels: Panels) -> list[widgets.Widget]:
    """The viewer's children: title, search and filters, walking, status, then the
    generation (main column) beside its ranks, chart and list (side column).

    Every row wraps.  The main column grows from :data:`MAIN_PX` and the side
    column is :data:`SIDE_PX` wide, so on a narrower page the side column goes
    under the main one; both keep their widths from row to row (their content
    wraps or scrolls inside them, it never widens them).
    """
    c, p = controls, panels
    search = _row([c.search, c.model_filter, c.provider_filter], "orgen-filters")
    walk = _row([c.sort, c.first, c.previous, p.count, c.next, c.last, c.export_path, c.export],
                "orgen-walk", align_items="center")
    why = _row([p.cost, p.fallback], "orgen-why")
    main = widgets.VBox([p.head, p.content, why, p.detail],
                        layout=widgets.Layout(flex=f"1 1 {MAIN_PX}px", min_width="0")
                        ).add_class("orgen-main")
    side = widgets.VBox([p.ranks, c.chart, p.chart, p.list_head, c.rows],
                        layout=widgets.Layout(flex=f"0 1 {SIDE_PX}px", min_width="0",
                                              max_width="100%")).add_class("orgen-side")
    body = _row([main, side], "orgen-body")
    return [p.title, search, walk, p.status, body]
