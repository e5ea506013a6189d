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
=========  ==================================================  ===============

Timestamps show by period (``2026-11-15`` for daily rows, ``2026-11`` for
monthly ones), percentile columns of one measure share a header
(``latency (ms)`` over ``p50 p90 p99``) so :func:`~.summary.latency_summary`
fits a 1,280 px screen, and missing values show as ``<NA>``.

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
from .units import format_count, format_ms, format_usd

__all__ = ["RichFrame", "RichSeries", "format_cell", "format_index", "rich", "unit_of"]

_PERCENTILE = re.compile(r"^(?P<name>.+)_(?P<p>p\d+(?:\.\d+)?)(?P<unit>_ms)?$")


def unit_of(label: Hashable) -> str | None:
    """The unit of a summary label, from its suffix (``None``: shown as is).

    >>> unit_of("mean_cost_usd"), unit_of("latency_p99_ms"), unit_of("cancelled_rate")
    ('usd', 'ms', 'share')
    >>> unit_of("tokens_per_second_p50"), unit_of("total_prompt_tokens"), unit_of("model")
    ('per_s', 'count', None)
    """
    if not isinstance(label, str):
        return None
    if label.endswith("_usd"):
        return "usd"
    if label.endswith("_ms"):
        return "ms"
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
}


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


_STYLE = (
    "<style>"
    ".orgen-table table{border-collapse:collapse;font-variant-numeric:tabular-nums}"
    ".orgen-table th,.orgen-table td{padding:2px 8px;white-space:nowrap}"
    ".orgen-table td{text-align:right}"
    ".orgen-table th{text-align:left}"
    ".orgen-table thead th{text-align:center;border-bottom:1px solid #ccc}"
    "</style>"
)


def _cell(tag: str, text: str, **attrs: Any) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items() if v not in (None, 1))
    return f"<{tag}{extra}>{escape(text)}</{tag}>"


def _rows_shown(n: int) -> tuple[list[int], bool]:
    """Row positions to draw and whether an ellipsis row goes in the middle."""
    limit = pd.get_option("display.max_rows") or n
    if n <= limit:
        return list(range(n)), False
    half = max(1, limit // 2)
    return [*range(half), *range(n - half, n)], True


def _header(columns: pd.Index, index_name: str) -> str:
    """One header row, or two when percentile columns share a measure."""
    labels = list(columns)
    parts = [_PERCENTILE.match(c) if isinstance(c, str) else None for c in labels]
    grouped = sum(p is not None for p in parts) >= 2
    if not grouped:
        return "<tr>" + _cell("th", index_name) + "".join(
            _cell("th", label_text(c)) for c in labels) + "</tr>"
    top = [_cell("th", index_name, rowspan=2)]
    bottom = []
    i = 0
    while i < len(labels):
        m = parts[i]
        if m is None:
            top.append(_cell("th", label_text(labels[i]), rowspan=2))
            i += 1
            continue
        j = i
        while j < len(labels) and parts[j] is not None and \
                parts[j].group("name") == m.group("name"):  # type: ignore[union-attr]
            bottom.append(_cell("th", parts[j].group("p")))  # type: ignore[union-attr]
            j += 1
        unit = " (ms)" if m.group("unit") else (" (tokens/s)" if m.group("name") ==
                                                 "tokens_per_second" else "")
        title = "speed" if m.group("name") == "tokens_per_second" else _name(m.group("name"))
        top.append(_cell("th", title + unit, colspan=j - i))
        i = j
    return "<tr>" + "".join(top) + "</tr><tr>" + "".join(bottom) + "</tr>"


def frame_html(frame: pd.DataFrame, units: Mapping[Hashable, str | None] | None = None,
               default: str | None = None) -> str:
    """A frame as a formatted HTML table (see the module docstring)."""
    units = units or {}
    cols = list(frame.columns)
    col_units = [units.get(c, unit_of(c) or default) for c in cols]
    index_name = " / ".join(str(n) for n in frame.index.names if n is not None)
    rows, cut = _rows_shown(len(frame))
    labels = format_index(frame.index)
    body = []
    for k, r in enumerate(rows):
        if cut and k == len(rows) // 2:
            body.append("<tr>" + _cell("th", "…") + "".join(
                _cell("td", "…") for _ in cols) + "</tr>")
        values = frame.iloc[r]
        body.append("<tr>" + _cell("th", labels[r]) + "".join(
            _cell("td", format_cell(values.iloc[j], col_units[j]))
            for j in range(len(cols))) + "</tr>")
    shape = f"<p>{len(frame):,} rows × {len(cols):,} columns</p>" if cut else ""
    return (f'<div class="orgen-table">{_STYLE}<table><thead>'
            f"{_header(frame.columns, index_name)}</thead><tbody>{''.join(body)}"
            f"</tbody></table>{shape}</div>")


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
