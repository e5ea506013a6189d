"""Summaries that read at a glance in Jupyter and stay plain numbers for code.

:func:`rich` wraps any Series or DataFrame the summaries return in a
:class:`RichSeries` / :class:`RichFrame`: ordinary pandas subclasses (indexing,
arithmetic, ``to_numpy`` and every value unchanged) whose ``_repr_html_``
draws a formatted table.  Each value is formatted by the *unit* of its label,
read from the label's suffix (the summaries' labels carry their unit) unless
given explicitly:

=========  ==================================================  ===============
unit       labels                                              shown as
=========  ==================================================  ===============
``usd``    ``*_usd``                                           ``$0.00525``
``ms``     ``*_ms``                                            ``1.02 s``
``share``  ``*_rate``, ``*_share``, ``share_*``                ``1.6%``
``per_s``  ``tokens_per_second*``                              ``84.2``
``count``  ``count``, ``generations``, ``*_count``, tokens     ``12,345``
``s``      ``*_s`` (a duration in seconds)                     ``1.02 s``
``mean``   ``mean_*`` (not money): a mean of counts            ``1.08``
=========  ==================================================  ===============

In a table each column is written alike: a money column with one precision
(:func:`~.units.shared_decimals`: ``$0.630`` beside ``$0.603``, never ``$0.63``),
a duration column in one unit chosen by its values (:func:`~.units.duration_unit`:
ms, s or min) named in its header, its cells plain numbers in that unit.
Headers drop the label's unit suffix (``total_cost_usd`` -> ``total cost``,
``latency_p50_ms`` -> ``latency p50 (s)``) and wrap between words, so a
summary of ten columns fits a 1,000 px notebook column; long text cells are
cut (the whole text in their tooltip) and a frame wider than
``display.max_columns`` shows its first and last columns around ``…``.
Timestamps show by period (``2026-11-15`` for daily rows, ``2026-11`` for
monthly ones), percentile columns of one measure share a header
(``latency (s)`` over ``p50 p90 p99``), and missing values show as ``<NA>``.

Examples
--------
>>> import pandas as pd
>>> from openrouter_frame.analysis.display import rich
>>> s = rich(pd.Series({"total_cost_usd": 1234.5, "cancelled_rate": 0.0162}, dtype=object))
>>> s["total_cost_usd"] * 2
2469.0
>>> html = s._repr_html_()
>>> "$1,234.50" in html, "1.6%" in html
(True, True)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..schema import NA_LABEL, is_na
from .groups import label_text
from .markup import escape
from .units import (
    INFINITY,
    duration_unit,
    format_count,
    format_ms,
    format_usd,
    format_usd_fixed,
    shared_decimals,
)

__all__ = ["RichFrame", "RichSeries", "column_format", "format_cell", "format_index", "rich",
           "schema_units", "unit_of"]

_PERCENTILE = re.compile(r"^(?P<name>.+)_(?P<p>p\d+(?:\.\d+)?)(?P<unit>_ms)?$")


def unit_of(label: Hashable) -> str | None:
    """The unit of a summary label, from its suffix (``None``: shown as is).

    >>> unit_of("mean_cost_usd"), unit_of("latency_p99_ms"), unit_of("cancelled_rate")
    ('usd', 'ms', 'share')
    >>> unit_of("tokens_per_second_p50"), unit_of("total_prompt_tokens"), unit_of("model")
    ('per_s', 'count', None)
    >>> unit_of("wall_span_s"), unit_of("mean_attempts")
    ('s', 'mean')
    """
    if not isinstance(label, str):
        return None
    if label.endswith("_usd"):
        return "usd"
    if label.endswith("_ms"):
        return "ms"
    if label.endswith("_s") and not label.endswith("_per_s"):
        return "s"
    if label.startswith("mean_"):
        return "mean"
    if label.startswith("tokens_per_second"):
        return "per_s"
    if label.endswith(("_rate", "_share")) or label.startswith("share_"):
        return "share"
    if label in ("count", "generations") or label.endswith(("_count", "_tokens")):
        return "count"
    return None


def _share(v: float) -> str:
    if v != 0 and abs(v) < 0.001:
        return "<0.1%" if v > 0 else "-<0.1%"
    return f"{v:.1%}"


_FORMATS: dict[str, Callable[[Any], str]] = {
    "usd": format_usd,
    "ms": lambda v: f"{float(v):,.0f} ms" if abs(float(v)) < 1000 else format_ms(v),
    "share": lambda v: _share(float(v)),
    "per_s": lambda v: f"{float(v):,.1f}",
    "count": format_count,
    "s": lambda v: format_ms(float(v) * 1000.0),
    "mean": lambda v: f"{float(v):,.2f}",
}
#: Longest text shown in a table cell; longer ones are cut (whole in the tooltip).
CELL_CHARS = 40


def format_cell(value: Any, unit: str | None) -> str:
    """One value as text by its unit; ``<NA>`` when missing.

    >>> format_cell(0.00524719, "usd"), format_cell(30683.1, "ms"), format_cell(0.234106, "share")
    ('$0.00525', '30.7 s', '23.4%')
    >>> format_cell(pd.NA, "usd"), format_cell(pd.Timestamp("2026-11-15", tz="UTC"), None)
    ('<NA>', '2026-11-15 00:00 UTC')
    """
    if is_na(value):
        return NA_LABEL
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        ts = pd.Timestamp(value)
        return f"{ts:%Y-%m-%d %H:%M}" + (" UTC" if ts.tzinfo is not None else "")
    if unit in _FORMATS and isinstance(value, (int, float, np.number)) and \
            not isinstance(value, (bool, np.bool_)):
        return _FORMATS[unit](value)
    if isinstance(value, (float, np.floating)):
        return f"{value:,.6g}"
    return label_text(value)


def _floats(values: pd.Series) -> np.ndarray:
    """A column's numbers as float64, NaN for NA (and for anything not a number)."""
    return pd.to_numeric(pd.Series(values).astype(object), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan)


def _duration_cell(value: Any, per: float, decimals: int) -> str:
    if is_na(value):
        return NA_LABEL
    v = float(value) / per
    if np.isinf(v):
        return f"{'-' if v < 0 else ''}{INFINITY}"
    return f"{v:,.{decimals}f}"


def _duration_decimals(values: np.ndarray, unit: str) -> int:
    """One precision for durations in ``unit``: whole ms, up to 2 decimals of s or min."""
    return shared_decimals(values, significant=3, minimum=0, maximum=0 if unit == "ms" else 2)


def column_format(values: pd.Series, unit: str | None,
                  duration: tuple[str, float] | None = None, decimals: int | None = None
                  ) -> tuple[Callable[[Any], str], str | None]:
    """How to write one column of a table: a cell formatter and the unit its header names.

    Money: one precision for the whole column (:func:`~.units.shared_decimals`,
    2 to 6 decimals), ``$`` in each cell.  Durations (``ms``; ``s`` for
    ``*_s`` labels): the column's :func:`~.units.duration_unit` (or
    ``duration``, shared by the percentile columns of one measure, with their
    ``decimals``), returned for the header, cells plain numbers with one
    precision.  Speeds:
    ``tokens/s`` in the header.  Other units: :func:`format_cell`.

    >>> fmt, header = column_format(pd.Series([0.63, 0.603, None]), "usd")
    >>> [fmt(v) for v in (0.63, 0.603, pd.NA)], header
    (['$0.630', '$0.603', '<NA>'], None)
    >>> fmt, header = column_format(pd.Series([650.0, 2190.0, 19900.0]), "ms")
    >>> [fmt(v) for v in (650.0, 2190.0, 19900.0)], header
    (['0.65', '2.19', '19.90'], 's')
    """
    if unit == "usd":
        decimals = shared_decimals(_floats(values), minimum=2, maximum=6)
        return (lambda v: NA_LABEL if is_na(v) else format_usd_fixed(v, decimals)), None
    if unit in ("ms", "s"):
        scale = 1000.0 if unit == "s" else 1.0
        ms = _floats(values) * scale
        name, per = duration or duration_unit(ms)
        places = _duration_decimals(ms / per, name) if decimals is None else decimals
        return (lambda v: _duration_cell(v if is_na(v) else float(v) * scale, per,
                                         places)), name
    if unit == "per_s":
        return (lambda v: format_cell(v, unit)), "tokens/s"
    if isinstance(values.dtype, pd.DatetimeTZDtype):  # one zone: named once, in the header
        return (lambda v: NA_LABEL if is_na(v) else f"{pd.Timestamp(v):%Y-%m-%d %H:%M}"), \
            str(values.dtype.tz)
    return (lambda v: format_cell(v, unit)), None


def _period_format(index: pd.DatetimeIndex) -> str:
    """strftime pattern showing a timestamp index by its period (day, month, year, hour)."""
    freq = getattr(index, "freqstr", None) or ""
    base = re.sub(r"^\d+", "", freq).split("-")[0]
    if base in ("YS", "YE", "Y", "AS", "A", "BYS", "BYE"):
        return "%Y"
    if base in ("MS", "ME", "M", "BMS", "BME", "SMS", "SME", "QS", "QE", "Q"):
        return "%Y-%m" if base[0] != "Q" else "%Y-%m-%d"
    if base in ("D", "W", "B", "C") or base.startswith("W"):
        return "%Y-%m-%d"
    if base and base[0] in "hHT" or base in ("min", "s", "S"):
        return "%Y-%m-%d %H:%M"
    values = index[~index.isna()]
    if len(values) and (values == values.normalize()).all():
        return "%Y-%m-%d"
    return "%Y-%m-%d %H:%M"


def format_index(index: pd.Index) -> list[str]:
    """Row labels as text: timestamps by period, tuples joined with `` / ``, NA as ``<NA>``.

    >>> days = pd.date_range("2026-11-14", periods=2, freq="D", tz="UTC")
    >>> format_index(days)
    ['2026-11-14', '2026-11-15']
    >>> format_index(pd.date_range("2026-01-01", periods=2, freq="MS", tz="UTC"))
    ['2026-01', '2026-02']
    """
    if isinstance(index, pd.DatetimeIndex):
        pattern = _period_format(index)
        return [NA_LABEL if pd.isna(t) else t.strftime(pattern) for t in index]
    return [NA_LABEL if is_na(x) else label_text(x) for x in index]


def _name(label: Hashable) -> str:
    """A readable header: ``latency`` -> ``latency``, ``generation_time`` -> ``generation time``."""
    return label_text(label).replace("_", " ")


_SUFFIXES = {"usd": "_usd", "ms": "_ms", "s": "_s"}


def _title(label: Hashable, unit: str | None, shown: str | None) -> str:
    """A column's header: its label without the unit suffix, plus the unit its cells are in.

    >>> _title("total_cost_usd", "usd", None), _title("latency_p50_ms", "ms", "s")
    ('total cost', 'latency p50 (s)')
    >>> _title("wall_span_s", "s", "min"), _title("count", "count", None)
    ('wall span (min)', 'count')
    """
    text = label_text(label)
    suffix = _SUFFIXES.get(unit or "")
    if isinstance(label, str) and suffix and text.endswith(suffix) and len(text) > len(suffix):
        text = text[: -len(suffix)]
    text = text.replace("_", " ")
    return f"{text} ({shown})" if shown else text


_STYLE = (
    "<style>"
    ".orgen-table table{border-collapse:collapse;font-variant-numeric:tabular-nums}"
    ".orgen-table th,.orgen-table td{padding:2px 6px;white-space:nowrap}"
    ".orgen-table td{text-align:right}"
    ".orgen-table th{text-align:left}"
    ".orgen-table thead th{text-align:center;border-bottom:1px solid #ccc;white-space:normal;"
    "vertical-align:bottom;min-width:3em;max-width:8em}"
    "</style>"
)


def _cell(tag: str, text: str, **attrs: Any) -> str:
    extra = "".join(f' {k}="{escape(str(v))}"' for k, v in attrs.items() if v not in (None, 1))
    return f"<{tag}{extra}>{escape(text)}</{tag}>"


def _data_cell(text: str) -> str:
    """A ``<td>``; a text longer than :data:`CELL_CHARS` is cut, whole in its tooltip."""
    if len(text) <= CELL_CHARS:
        return _cell("td", text)
    return _cell("td", text[: CELL_CHARS - 1] + "…", title=text)


def _rows_shown(n: int) -> tuple[list[int], bool]:
    """Row positions to draw and whether an ellipsis row goes in the middle."""
    limit = pd.get_option("display.max_rows") or n
    if n <= limit:
        return list(range(n)), False
    half = max(1, limit // 2)
    return [*range(half), *range(n - half, n)], True


def _cols_shown(n: int) -> tuple[list[int], int | None]:
    """Column positions to draw and where an ellipsis column goes (``None``: nowhere)."""
    limit = pd.get_option("display.max_columns")
    limit = n if limit is None else (limit or 20)  # 0: fit a terminal, meaningless in HTML
    if n <= limit:
        return list(range(n)), None
    half = max(1, limit // 2)
    return [*range(half), *range(n - half, n)], half


def _header(columns: pd.Index, index_name: str, titles: list[str],
            shown: list[str | None], cut: int | None = None) -> str:
    """One header row, or two when percentile columns share a measure."""
    labels = list(columns)
    parts = [_PERCENTILE.match(c) if isinstance(c, str) else None for c in labels]
    grouped = sum(p is not None for p in parts) >= 2
    if not grouped:
        cells = [_cell("th", t) for t in titles]
        if cut is not None:
            cells.insert(cut, _cell("th", "…"))
        return "<tr>" + _cell("th", index_name) + "".join(cells) + "</tr>"
    top = [_cell("th", index_name, rowspan=2)]
    bottom = []
    i = 0
    while i < len(labels):
        if cut is not None and i == cut:
            top.append(_cell("th", "…", rowspan=2))
        m = parts[i]
        if m is None:
            top.append(_cell("th", titles[i], rowspan=2))
            i += 1
            continue
        j = i
        while j < len(labels) and parts[j] is not None and \
                parts[j].group("name") == m.group("name") and (  # type: ignore[union-attr]
                    cut is None or j != cut or j == i):
            bottom.append(_cell("th", parts[j].group("p")))  # type: ignore[union-attr]
            j += 1
        unit = f" ({shown[i]})" if shown[i] else ""
        title = "speed" if m.group("name") == "tokens_per_second" else _name(m.group("name"))
        top.append(_cell("th", title + unit, colspan=j - i))
        i = j
    return "<tr>" + "".join(top) + "</tr><tr>" + "".join(bottom) + "</tr>"


def _formats(frame: pd.DataFrame, cols: list[int], rows: list[int],
             units: list[str | None]) -> list[tuple[Callable[[Any], str], str | None]]:
    """Each shown column's cell formatter and header unit, from the rows shown.

    The percentile columns of one duration measure (``latency_p50_ms`` ..
    ``latency_p99_ms``) share one unit, named once over them, and one precision.
    """
    measure: dict[str, list[int]] = {}
    for k, j in enumerate(cols):
        label = frame.columns[j]
        m = _PERCENTILE.match(label) if isinstance(label, str) else None
        if m is not None and units[k] == "ms":
            measure.setdefault(m.group("name"), []).append(k)
    shared: dict[int, tuple[tuple[str, float], int]] = {}
    for members in measure.values():
        values = np.concatenate([_floats(frame.iloc[rows, cols[k]]) for k in members])
        unit = duration_unit(values)
        places = _duration_decimals(values / unit[1], unit[0])
        shared.update((k, (unit, places)) for k in members)
    return [column_format(frame.iloc[rows, j], units[k], *shared.get(k, (None, None)))
            for k, j in enumerate(cols)]


def frame_html(frame: pd.DataFrame, units: Mapping[Hashable, str | None] | None = None,
               default: str | None = None) -> str:
    """A frame as a formatted HTML table (see the module docstring)."""
    units = units or {}
    cols, cut_col = _cols_shown(len(frame.columns))
    col_units = [units.get(frame.columns[j], unit_of(frame.columns[j]) or default)
                 for j in cols]
    index_name = " / ".join(str(n) for n in frame.index.names if n is not None)
    rows, cut = _rows_shown(len(frame))
    labels = format_index(frame.index)
    formats = _formats(frame, cols, rows, col_units)
    titles = [_title(frame.columns[j], u, f[1])
              for j, u, f in zip(cols, col_units, formats, strict=True)]
    gap = _cell("td", "…")
    body = []
    for k, r in enumerate(rows):
        if cut and k == len(rows) // 2:
            body.append("<tr>" + _cell("th", "…") + "".join(
                _cell("td", "…") for _ in range(len(cols) + (cut_col is not None))) + "</tr>")
        values = frame.iloc[r]
        cells = [_data_cell(formats[i][0](values.iloc[j])) for i, j in enumerate(cols)]
        if cut_col is not None:
            cells.insert(cut_col, gap)
        body.append("<tr>" + _cell("th", labels[r]) + "".join(cells) + "</tr>")
    shape = (f"<p>{len(frame):,} rows × {len(frame.columns):,} columns</p>"
             if cut or cut_col is not None else "")
    return (f'<div class="orgen-table">{_STYLE}<table><thead>'
            f"{_header(frame.columns[cols], index_name, titles, [f[1] for f in formats], cut_col)}"
            f"</thead><tbody>{''.join(body)}</tbody></table>{shape}</div>")


def series_html(series: pd.Series, units: Mapping[Hashable, str | None] | None = None,
                default: str | None = None) -> str:
    """A Series as a two-column HTML table: label, formatted value."""
    units = units or {}
    labels = format_index(series.index)
    rows, cut = _rows_shown(len(series))
    body = []
    for k, r in enumerate(rows):
        if cut and k == len(rows) // 2:
            body.append("<tr>" + _cell("th", "…") + _cell("td", "…") + "</tr>")
        label = series.index[r]
        unit = units.get(label, unit_of(label) or default)
        body.append("<tr>" + _cell("th", labels[r]) +
                    _cell("td", format_cell(series.iloc[r], unit)) + "</tr>")
    head = ""
    if series.name is not None:
        head = f"<thead><tr><th></th>{_cell('th', label_text(series.name))}</tr></thead>"
    return (f'<div class="orgen-table">{_STYLE}<table>{head}<tbody>{"".join(body)}'
            f"</tbody></table></div>")


class _Rich:
    """What :class:`RichSeries` and :class:`RichFrame` share: the ``units`` and
    ``default_unit`` metadata, and a Jupyter display through :meth:`_html`."""

    _metadata = ["units", "default_unit"]
    units: dict[Hashable, str | None]
    default_unit: str | None

    def _html(self, units: Mapping[Hashable, str | None] | None,
              default_unit: str | None) -> str:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self._html(getattr(self, "units", None), getattr(self, "default_unit", None))


class RichSeries(_Rich, pd.Series):
    """A :class:`pandas.Series` that renders as a formatted table in Jupyter.

    ``units`` maps labels to a unit of :func:`unit_of`'s (overriding the
    suffix); ``default_unit`` is the unit of labels with no known suffix.
    """

    @property
    def _constructor(self) -> Callable[..., pd.Series]:
        return RichSeries

    @property
    def _constructor_expanddim(self) -> Callable[..., pd.DataFrame]:
        return pd.DataFrame

    def _html(self, units: Mapping[Hashable, str | None] | None,
              default_unit: str | None) -> str:
        return series_html(self, units, default_unit)


class RichFrame(_Rich, pd.DataFrame):
    """A :class:`pandas.DataFrame` that renders as a formatted table in Jupyter.

    Columns taken out of it are plain Series; ``units`` and ``default_unit``
    as for :class:`RichSeries`, keyed by column.
    """

    @property
    def _constructor(self) -> Callable[..., pd.DataFrame]:
        return RichFrame

    @property
    def _constructor_sliced(self) -> Callable[..., pd.Series]:
        return pd.Series

    def _html(self, units: Mapping[Hashable, str | None] | None,
              default_unit: str | None) -> str:
        return frame_html(self, units, default_unit)


def schema_units(columns: Any) -> dict[Hashable, str | None]:
    """The display unit of each schema column among ``columns`` (by its :class:`~.schema.Field`).

    For a frame of whole generations (:func:`~.summary.top`): ``total_cost`` is
    money, ``latency`` a duration, token and count fields counts.

    >>> schema_units(["total_cost", "latency", "native_tokens_prompt", "model", "x"])
    {'total_cost': 'usd', 'latency': 'ms', 'native_tokens_prompt': 'count'}
    """
    from .. import schema

    kinds = {"USD": "usd", "ms": "ms", "tokens": "count", "count": "count"}
    out: dict[Hashable, str | None] = {}
    for name in columns:
        field = schema.FIELDS.get(name) if isinstance(name, str) else None
        if field is not None and field.unit in kinds:
            out[name] = kinds[field.unit]
    return out


def rich(obj: pd.Series | pd.DataFrame, units: Mapping[Hashable, str | None] | None = None,
         default: str | None = None) -> Any:
    """``obj`` as a :class:`RichSeries`/:class:`RichFrame`: same values, formatted display.

    Generic over any summary: labels with a unit suffix format themselves;
    ``units`` names the others (``{"stop": "share"}``) and ``default`` is the
    unit of every label with no suffix.  No copy of the data is made.

    >>> import pandas as pd
    >>> t = rich(pd.DataFrame({"stop": [0.5]}, index=["m"]), default="share")
    >>> "50.0%" in t._repr_html_(), float(t["stop"].iloc[0])
    (True, 0.5)
    """
    if isinstance(obj, pd.DataFrame):
        out: Any = RichFrame(obj, copy=False)
    elif isinstance(obj, pd.Series):
        out = RichSeries(obj, copy=False)
    else:
        raise TypeError(f"rich() takes a pandas Series or DataFrame, got {type(obj).__name__}")
    out.units = dict(units or {})
    out.default_unit = default
    return out


# -- <NA> for missing categories in a frame's display ---------------------------------------
def na_display(obj: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """``obj`` for display: categorical columns show a missing value as ``<NA>``, not ``NaN``.

    pandas draws a missing category as ``NaN`` unless the categories have the
    ``string`` dtype (whose missing value is ``pd.NA``).  This is a
    display-level fix: only the categories' dtype of the copy shown changes
    (codes shared, values equal); the frame itself is left alone, so a
    Parquet round trip still gives back exactly its dtypes.

    >>> s = pd.Series(["a", None], dtype="category")
    >>> na_display(s).tolist()
    ['a', <NA>]
    >>> na_display(pd.Series([1.5])).dtype
    dtype('float64')
    """
    def fix(column: pd.Series) -> pd.Series:
        dtype = column.dtype
        if not isinstance(dtype, pd.CategoricalDtype) or \
                isinstance(dtype.categories.dtype, pd.StringDtype) and \
                dtype.categories.dtype.na_value is pd.NA:
            return column
        try:
            categories = dtype.categories.astype(pd.StringDtype())
        except (TypeError, ValueError):  # non-text categories: shown as they are
            return column
        codes = column.cat.codes.to_numpy()
        return pd.Series(pd.Categorical.from_codes(
            codes, dtype=pd.CategoricalDtype(categories, dtype.ordered)),
            index=column.index, name=column.name)

    if isinstance(obj, pd.Series):
        return fix(obj)
    cats = [i for i, dtype in enumerate(obj.dtypes) if isinstance(dtype, pd.CategoricalDtype)]
    if not cats:
        return obj
    out = obj.copy(deep=False)
    for i in cats:
        out.isetitem(i, fix(obj.iloc[:, i]))
    return out


def _needs_na_display(obj: Any) -> bool:
    from .. import schema

    if type(obj) not in (pd.DataFrame, pd.Series):
        return False
    names = obj.columns if isinstance(obj, pd.DataFrame) else [obj.name]
    if not any(isinstance(n, str) and n in schema.FIELDS for n in names):
        return False  # not a frame of generations: pandas' own display
    dtypes = obj.dtypes if isinstance(obj, pd.DataFrame) else [obj.dtype]
    return any(isinstance(d, pd.CategoricalDtype) for d in dtypes)


def install_na_display(shell: Any = None) -> bool:
    """Make IPython draw generations frames' missing categories as ``<NA>`` (text and HTML).

    Registers formatters for :class:`pandas.DataFrame` and :class:`pandas.Series`
    with the running IPython shell (or ``shell``) that apply :func:`na_display`
    to frames with a column of the schema and a categorical column; every
    other object is drawn exactly as pandas draws it.  Called when
    ``openrouter_frame`` is imported; a no-op outside IPython.  Returns whether
    it installed.
    """
    import sys

    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    formatters = shell.display_formatter.formatters

    def as_html(obj: Any) -> str | None:
        shown = na_display(obj) if _needs_na_display(obj) else obj
        method = getattr(shown, "_repr_html_", None)
        return method() if method is not None else None

    def as_text(obj: Any, printer: Any, cycle: bool) -> None:
        printer.text(repr(na_display(obj) if _needs_na_display(obj) else obj))

    for kind in (pd.DataFrame, pd.Series):
        formatters["text/html"].for_type(kind, as_html)
        formatters["text/plain"].for_type(kind, as_text)
    return True
