"""What the viewer's controls say: pure functions from its state to text and options.

No widgets here: each function takes plain values (positions, counts, labels,
numbers) and returns the string, HTML or option list one control of
:class:`~openrouter_frame.viewer.widget.GenerationViewer` shows, so all of it is
tested without a kernel.  A filter's value is a label (a model, a provider or
:data:`~openrouter_frame.schema.NA_LABEL`, ``None`` for all); its dropdown's
value is the group's code in :class:`~openrouter_frame.viewer.browse.FrameIndex`
(:data:`ALL` for all, :data:`~openrouter_frame.viewer.browse.NA_CODE` for NA).

Examples
--------
>>> count_text(0, 500), count_text(None, 0)
('1 of 500', '\u2013 of 0')
>>> group_code("b", ["a", "b"]), group_label(1, ["a", "b"]), group_label(ALL, ["a"])
(1, 'b', None)
>>> import numpy as np
>>> dropdown_options("all models", np.array([1, 0, 3]), ["a", "b"], selected=ALL)
[('all models (4)', -2), ('b (3)', 1), ('<NA> (1)', -1)]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..analysis import units as fmt
from ..analysis.metrics import percentile_rank
from ..schema import NA_LABEL, is_na
from . import html
from .browse import NA_CODE, SORTS
from .content import content_html, state_html
from .cost import EFFECTIVE_COST, Prices, cost_breakdown, cost_html
from .fallback import attempts, fallback_html, statuses

__all__ = [
    "ALL", "EMPTY_FILTERS", "LIST_COLUMNS", "LIST_ROWS", "NO_ROWS", "GenerationHtml",
    "chart_label", "chart_title", "count_html", "count_text", "cut_end", "dropdown_options",
    "empty_html", "export_failed", "export_written", "generation_html", "group_code",
    "group_label", "id_chars", "list_head_html", "list_header", "list_row", "list_title",
    "list_widths", "list_window", "loaded_content", "search_status", "snapshot_html",
    "twin_html",
]

#: Dropdown value meaning "no filter" (:data:`~.browse.NA_CODE` is the NA group).
ALL = -2
#: Rows of the compact list around the selection.
LIST_ROWS = 50
#: What the viewer says when the frame has no rows.
NO_ROWS = "No generations"
#: What the viewer says when the filters leave no rows.
EMPTY_FILTERS = "No generations match these filters."
_NONE_SELECTED = "\u2013"  # k of "k of n" when nothing is selected
_TITLE_CHARS = 44  # a chart title longer than this is cut with an ellipsis


def count_text(k: int | None, n: int) -> str:
    """The "k of n" text next to the buttons (``k`` 0-based, ``None``: nothing selected).

    >>> count_text(1234, 100_000)
    '1235 of 100,000'
    """
    return f"{_NONE_SELECTED if k is None else k + 1} of {n:,}"


def group_label(code: int, labels: Sequence[str]) -> str | None:
    """The filter value of a dropdown code: ``None`` for :data:`ALL`, ``"<NA>"`` for NA.

    >>> group_label(-1, ["a"])
    '<NA>'
    """
    if code == ALL:
        return None
    return NA_LABEL if code == NA_CODE else labels[code]


def group_code(label: str | None, labels: Sequence[str]) -> int:
    """The dropdown code of a filter value (the inverse of :func:`group_label`).

    Raises ``ValueError`` for a label not in ``labels``.
    """
    if label is None:
        return ALL
    if label == NA_LABEL:
        return NA_CODE
    return labels.index(label)


def dropdown_options(all_label: str, counts: np.ndarray, labels: Sequence[str], *,
                     selected: int) -> list[tuple[str, int]]:
    """A filter dropdown's options: "all" first, then each group that has rows (labels
    in order, NA last) or is the ``selected`` one, each with its row count.

    ``counts[code + 1]`` is a group's rows (``counts[0]`` the NA group's), as
    :meth:`~.browse.FrameIndex.counts` gives them.

    >>> dropdown_options("all", np.array([0, 0, 2]), ["a", "b"], selected=0)
    [('all (2)', -2), ('a (0)', 0), ('b (2)', 1)]
    """
    groups = [(label, code) for code, label in enumerate(labels)] + [(NA_LABEL, NA_CODE)]
    return [(f"{all_label} ({int(counts.sum()):,})", ALL)] + [
        (f"{label} ({int(counts[code + 1]):,})", code) for label, code in groups
        if counts[code + 1] or code == selected]


class GenerationHtml(NamedTuple):
    """The panels of one generation: headline, cost split, provider attempts, fields."""

    head: str
    cost: str
    fallback: str
    detail: str


def generation_html(row: Mapping[str, Any], *, paid: float,
                    prices: Prices | None = None) -> GenerationHtml:
    """What the panels show for one row (a mapping of its fields); ``paid`` is its cost
    really paid, ``prices`` the models' prices for the cost split (``None``: estimate).

    >>> panels = generation_html({"id": "gen-1", "total_cost": 0.5}, paid=0.5)
    >>> "gen-1" in panels.head, "No provider attempts recorded." in panels.fallback
    (True, True)
    """
    chain = attempts(row.get("provider_responses"), row.get("upstream_id"),
                     row.get("finish_reason"))
    fields = {k: v for k, v in row.items() if k != "provider_responses"}  # the table has it
    return GenerationHtml(
        head=html.headline_html(row, paid=paid, statuses=statuses(
            chain, row.get("finish_reason"), row.get("cancelled"))),
        cost=cost_html(cost_breakdown(row, prices)),
        fallback=fallback_html(chain),
        detail=html.detail_html(fields, headline=False))


def search_status(text: str, matches: int, limit: int) -> str:
    """The status line while an id is typed: how many ids contain ``text``.

    >>> search_status("gen-", 50, 50), search_status("x<", 0, 50)
    ('50+ ids contain gen-.', 'No id contains x&lt;.')
    """
    if not text:
        return ""
    if not matches:
        return f"No id contains {html.escape(text)}."
    more = "+" if matches == limit else ""
    return f"{matches}{more} ids contain {html.escape(text)}."


def list_window(k: int, n: int, rows: int = LIST_ROWS) -> tuple[int, int]:
    """``(start, stop)``: up to ``rows`` of ``n`` filtered rows around row ``k``.

    >>> list_window(0, 500), list_window(300, 500), list_window(499, 500), list_window(2, 3)
    ((0, 50), (275, 325), (450, 500), (0, 3))
    """
    start = max(0, min(k - rows // 2, n - rows))
    return start, min(n, start + rows)


#: The compact list's columns: (header, width in characters, right-aligned); ``#`` and
#: ``id`` widths are set per list (:func:`list_widths`).
LIST_COLUMNS: tuple[tuple[str, int, bool], ...] = (
    ("#", 3, True), ("id", 12, False), ("model", 22, False), ("cost", 9, True),
    ("latency", 8, True), ("finish", 10, False))
_ELLIPSIS = "\u2026"


def id_chars(ids: Sequence[str], least: int = 10, most: int = 24) -> int:
    """How many trailing characters tell ``ids`` apart (at least ``least``, at most
    ``most``): the compact list shows that many.

    >>> id_chars(["gen-1-aaaaaaaaaaXY", "gen-2-aaaaaaaaaaXY"], least=4)
    14
    >>> id_chars(["a", "b"])
    10
    """
    for k in range(least, most + 1):
        if len({i[-k:] for i in ids}) == len(set(ids)):
            return k
    return most


def cut_end(text: str, width: int) -> str:
    """``text`` cut at its end to ``width`` characters, an ellipsis marking the cut.

    >>> cut_end("anthropic/claude-sonnet-4", 12), cut_end("a/b", 12)
    ('anthropic/c\u2026', 'a/b')
    """
    return text if len(text) <= width else text[:width - 1] + _ELLIPSIS


def _tail(text: str, width: int) -> str:
    return text if len(text) <= width else _ELLIPSIS + text[-(width - 1):]


def list_widths(n: int, ids: Sequence[str]) -> dict[str, int]:
    """The column widths of a list of ``n`` rows showing ``ids``.

    >>> list_widths(100_000, ["gen-1", "gen-2"])["#"], list_widths(5, ["x"])["id"]
    (7, 11)
    """
    widths = {name: width for name, width, _ in LIST_COLUMNS}
    widths["#"] = max(widths["#"], len(f"{n:,}"))
    widths["id"] = id_chars(ids) + 1  # room for the leading ellipsis
    return widths


def _line(cells: Mapping[str, str], widths: Mapping[str, int]) -> str:
    return " ".join(
        (cells[name].rjust(widths[name]) if right else cells[name].ljust(widths[name]))
        for name, _, right in LIST_COLUMNS).rstrip()


def list_row(j: int, generation_id: str, model: str, cost: float, latency: float,
             finish: Any, widths: Mapping[str, int] | None = None) -> str:
    """One line of the compact list, in the columns of :func:`list_header`: #, id (its
    end), model (cut at its end), cost, latency, finish.

    >>> list_row(0, "gen-123456789012", "openai/gpt-4o", 0.5, 1200.0, None).split()
    ['1', '\u20263456789012', 'openai/gpt-4o', '$0.50', '1.20', 's']
    """
    widths = widths or list_widths(j + 1, [generation_id])
    return _line({"#": f"{j + 1:,}", "id": _tail(generation_id, widths["id"]),
                  "model": cut_end(model, widths["model"]), "cost": fmt.format_usd(cost),
                  "latency": fmt.format_ms(latency),
                  "finish": "" if is_na(finish) else cut_end(str(finish), widths["finish"])},
                 widths)


def list_header(widths: Mapping[str, int]) -> str:
    """The column headers over the compact list, aligned with :func:`list_row`.

    >>> list_header(list_widths(500, ["gen-1"])).split()
    ['#', 'id', 'model', 'cost', 'latency', 'finish']
    """
    return _line({name: name for name, _, _ in LIST_COLUMNS}, widths)


def list_title(generation_id: str, model: str, cost: float, latency: float,
               finish: Any) -> str:
    """A list row in full (its tooltip): the whole id and model name.

    >>> list_title("gen-1", "openai/gpt-4o", 0.5, 1200.0, "stop")
    'gen-1 \u00b7 openai/gpt-4o \u00b7 $0.50 \u00b7 1.20 s \u00b7 stop'
    """
    parts = [generation_id, model, fmt.format_usd(cost), fmt.format_ms(latency)]
    return " \u00b7 ".join(parts + ([] if is_na(finish) else [str(finish)]))


def list_head_html(start: int, stop: int, n: int, sort: str, header: str = "",
                   titles: Sequence[str] = ()) -> str:
    """Above the compact list: which rows it shows in which order, then its column
    headers; ``titles`` (each row in full) ride along for the rows' tooltips."""
    import json

    data = html.escape(json.dumps(list(titles), ensure_ascii=False))
    return (f'<div class="orgen-muted" style="font-size:11px">Rows {start + 1:,}\u2013'
            f"{stop:,} of {n:,}, sorted by {SORTS[sort][1]}. Click one to show it; "
            "\u2191/\u2193 walk the rows.</div>"
            f'<div class="orgen-list-cols" data-titles="{data}">{html.escape(header)}</div>')


def count_html(k: int | None, n: int) -> str:
    """The "k of n" text in a box as wide as the widest it can get, so the buttons
    beside it never move.

    >>> count_html(0, 500)
    '<span class="orgen-count-text" style="min-width:11ch">1 of 500</span>'
    """
    widest = len(count_text(max(n - 1, 0), n)) + 1
    return (f'<span class="orgen-count-text" style="min-width:{widest}ch">'
            f"{count_text(k, n)}</span>")


def empty_html(message: str) -> str:
    """The one message shown instead of a generation (empty frame, filters match nothing)."""
    return f'<div class="orgen-empty">{message}</div>'


def chart_title(model: str) -> str:
    """A model's name as a chart title, cut to fit.

    >>> chart_title("m" * 50) == "m" * 43 + "\u2026"
    True
    """
    return model if len(model) <= _TITLE_CHARS else model[:_TITLE_CHARS - 1] + "\u2026"


def chart_label(column: str, x: float, values: np.ndarray) -> str:
    """The marker's label: the generation's value and its percentile among ``values``.

    >>> chart_label("latency", 250.0, np.array([100.0, 200.0, 300.0, 400.0]))
    'this one: 250 ms (50th)'
    >>> chart_label("generation_time", float("nan"), np.array([1.0]))
    'this one: no generation time'
    """
    if not np.isfinite(x):
        return f"this one: no {column.replace('_', ' ')}"
    shown: Callable[[Any], str] = fmt.format_usd if column == EFFECTIVE_COST else fmt.format_ms
    return f"this one: {shown(x)} ({fmt.ordinal(percentile_rank(values, x))})"


def loaded_content(result: Mapping[str, Any] | BaseException) -> tuple[str, str]:
    """``(html, state)`` of a content load: its conversation, or why there is none.

    ``state`` is what :attr:`GenerationViewer.content_state` says: ``"loaded"``,
    ``"not stored"`` (zero data retention) or ``"failed"``.

    >>> loaded_content(LookupError("gone"))[1], loaded_content({"stored": False})[1]
    ('failed', 'not stored')
    """
    if isinstance(result, BaseException):
        status = getattr(result, "status", None)
        what = "not found" if status == 404 else "could not be loaded"
        message = f"Content {what}: {type(result).__name__}: {result}"
        return state_html(message, "failed"), "failed"
    stored = result.get("stored")
    ok = is_na(stored) or bool(stored)
    return content_html(result), "loaded" if ok else "not stored"


def export_written(rows: int, path: Any) -> str:
    """The status line after the export button wrote ``rows`` rows to ``path``."""
    return f"Wrote {rows:,} rows to <code>{html.escape(path)}</code>."


def export_failed(exc: BaseException) -> str:
    """The status line when the export button could not write."""
    return f"<b>Export failed:</b> {html.escape(exc)}"


def twin_html(snapshot: str) -> str:
    """The snapshot as the viewer's second output: hidden beside a live viewer (see
    :data:`~.html.CSS`), shown wherever the widget cannot run.

    >>> twin_html("<p>x</p>")
    '<div class="orgen-twin"><p>x</p></div>'
    """
    return f'<div class="orgen-twin">{snapshot}</div>'


def snapshot_html(count: str, *, empty: str | None = None, head: str = "", content: str = "",
                  cost: str = "", fallback: str = "", ranks: str = "", chart_png: bytes = b"",
                  detail: str = "") -> str:
    """The static HTML of the viewer (what saved notebooks show): its panels, no controls.

    ``empty`` is the message shown instead of a generation, when nothing is selected.
    """
    import base64

    top = (f'<div class="orgen-static">{html.CSS}<div class="orgen-muted">Generation viewer'
           f" (static snapshot: {count} after filters; run the notebook for"
           " the live viewer)</div>")
    if empty is not None:
        return top + empty + "</div>"
    chart = (f'<img class="orgen-chart" alt="distribution" style="width:378px;max-width:100%" '
             f'src="data:image/png;base64,{base64.b64encode(chart_png).decode()}">'
             if chart_png else "")
    return (top + head + content + '<div style="display:flex;gap:4px 28px;flex-wrap:wrap">'
            + cost + fallback + ranks + "</div>" + chart + detail + "</div>")
