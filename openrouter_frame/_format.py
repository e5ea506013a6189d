"""Pure formatting and ranking helpers behind :class:`~openrouter_frame.GenerationViewer`.

Nothing here needs a kernel or a widget: each function turns values (or a
row as a mapping) into text or HTML, so the viewer only wires them to its
controls.  Missing values (``None``, ``NaN``, ``pd.NA``, ``NaT``) are shown as
an em dash everywhere.

Examples
--------
>>> from openrouter_frame import _format as fmt
>>> fmt.format_usd(0.000345), fmt.format_ms(1020), fmt.format_tokens(12345)
('$0.000345', '1.02 s', '12,345 tokens')
>>> fmt.format_value("latency", None)
'—'
>>> fmt.ordinal(fmt.percentile_rank([1.0, 2.0, 3.0, 4.0], 3.0))
'75th'
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from . import schema

#: Shown for every missing value.
EM_DASH = "\u2014"

#: Titles of the schema's groups, in display order, then the extra fields.
GROUP_TITLES: dict[str, str] = {
    "identity": "Identity",
    "cost": "Cost",
    "timing": "Timing",
    "tokens": "Tokens",
    "media": "Media",
    "flags": "Flags",
    "other": "Other (fields not in the schema)",
}

#: The metrics ranked in the detail panel: (key, label).
RANK_METRICS: tuple[tuple[str, str], ...] = (
    ("total_cost", "cost"),
    ("latency", "latency"),
    ("tokens_per_second", "tokens / second"),
)


def is_na(value: Any) -> bool:
    """Whether ``value`` is missing (``None``, ``NaN``, ``pd.NA``, ``NaT``).

    >>> is_na(None), is_na(float("nan")), is_na(0), is_na("")
    (True, True, False, False)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(value))
    return False


def _trim(text: str, keep: int = 2) -> str:
    """Strip trailing zeros of a fixed-point number, keeping ``keep`` decimals."""
    if "." not in text:
        return text
    whole, frac = text.split(".")
    frac = frac.rstrip("0").ljust(keep, "0")
    return f"{whole}.{frac}" if frac else whole


def format_usd(value: Any) -> str:
    """US dollars: cents from $1 up, three significant digits below.

    >>> format_usd(0.000345), format_usd(0.5), format_usd(1234.5), format_usd(-0.0000123)
    ('$0.000345', '$0.50', '$1,234.50', '-$0.0000123')
    >>> format_usd(0), format_usd(None)
    ('$0.00', '—')
    """
    if is_na(value):
        return EM_DASH
    v = float(value)
    sign = "-" if v < 0 else ""
    v = abs(v)
    if v == 0:
        return "$0.00"
    if round(v, 2) >= 1:
        return f"{sign}${v:,.2f}"
    decimals = max(2, 2 - math.floor(math.log10(v)))
    text = _trim(f"{v:.{decimals}f}")
    if float(text) >= 1:  # 0.9996 rounded up to 1.000
        return f"{sign}${v:,.2f}"
    return f"{sign}${text}"


def format_ms(value: Any) -> str:
    """A duration given in milliseconds: ``345 ms``, ``1.02 s``, ``12.3 s``, ``2 min 05 s``.

    >>> format_ms(345), format_ms(4.5), format_ms(1020), format_ms(12345), format_ms(125000)
    ('345 ms', '4.5 ms', '1.02 s', '12.3 s', '2 min 05 s')
    >>> format_ms(3.9e6), format_ms(float("nan"))
    ('1 h 05 min', '—')
    """
    if is_na(value):
        return EM_DASH
    v = float(value)
    sign = "-" if v < 0 else ""
    v = abs(v)
    if round(v) < 1000:
        return f"{sign}{v:.2g} ms" if v < 10 else f"{sign}{v:.0f} ms"
    s = v / 1000
    if round(s, 2) < 10:
        return f"{sign}{s:.2f} s"
    if round(s, 1) < 60:
        return f"{sign}{s:.1f} s"
    total = round(s)
    if total < 3600:
        return f"{sign}{total // 60} min {total % 60:02d} s"
    minutes = round(s / 60)
    return f"{sign}{minutes // 60} h {minutes % 60:02d} min"


def format_tokens(value: Any) -> str:
    """A token count with thousands separators: ``12,345 tokens``, ``1 token``.

    >>> format_tokens(12345), format_tokens(1), format_tokens(pd.NA)
    ('12,345 tokens', '1 token', '—')
    """
    if is_na(value):
        return EM_DASH
    n = int(value)
    return f"{n:,} token" + ("" if n == 1 else "s")


def format_count(value: Any) -> str:
    """A plain count with thousands separators.

    >>> format_count(3), format_count(12000), format_count(None)
    ('3', '12,000', '—')
    """
    return EM_DASH if is_na(value) else f"{int(value):,}"


def format_bool(value: Any) -> str:
    """``yes`` / ``no`` / em dash.

    >>> format_bool(True), format_bool(False), format_bool(pd.NA)
    ('yes', 'no', '—')
    """
    return EM_DASH if is_na(value) else ("yes" if bool(value) else "no")


_SPANS: tuple[tuple[str, float], ...] = (
    ("year", 365 * 86400.0),
    ("month", 30 * 86400.0),
    ("day", 86400.0),
    ("hour", 3600.0),
    ("minute", 60.0),
    ("second", 1.0),
)


def format_relative(when: Any, now: Any = None) -> str:
    """How long before (or after) ``now`` a moment is: ``3 hours ago``, ``in 2 days``.

    >>> t = pd.Timestamp("2025-01-01T12:00:00Z")
    >>> format_relative(t, t + pd.Timedelta(minutes=90)), format_relative(t, t)
    ('1 hour ago', 'just now')
    >>> format_relative(t, t - pd.Timedelta(days=3))
    'in 3 days'
    """
    if is_na(when):
        return EM_DASH
    seconds = (_utc(now) - _utc(when)).total_seconds()
    span = abs(seconds)
    if span < 1:
        return "just now"
    for name, size in _SPANS:
        if span >= size:
            n = int(span // size)
            text = f"{n} {name}" + ("" if n == 1 else "s")
            return f"{text} ago" if seconds > 0 else f"in {text}"
    return "just now"  # pragma: no cover - span >= 1 always matches "second"


def _utc(when: Any) -> pd.Timestamp:
    if when is None:
        return pd.Timestamp(datetime.now(timezone.utc))
    ts = pd.Timestamp(when)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def format_datetime(when: Any, now: Any = None) -> str:
    """Absolute UTC time and how long ago: ``2025-01-01 12:00:00 UTC (1 hour ago)``.

    >>> t = pd.Timestamp("2025-01-01T12:00:00Z")
    >>> format_datetime(t, now=t + pd.Timedelta(hours=1))
    '2025-01-01 12:00:00 UTC (1 hour ago)'
    """
    if is_na(when):
        return EM_DASH
    ts = _utc(when)
    return f"{ts:%Y-%m-%d %H:%M:%S} UTC ({format_relative(ts, now)})"


def format_other(value: Any) -> str:
    """Any value of a column outside the schema: ``str`` of it, em dash when missing."""
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        return str(value.tolist() if isinstance(value, np.ndarray) else value)
    return EM_DASH if is_na(value) else str(value)


def format_value(name: str, value: Any, now: Any = None) -> str:
    """Format ``value`` of column ``name`` by the schema's kind and unit.

    >>> format_value("total_cost", 0.0012), format_value("generation_time", 2500.0)
    ('$0.0012', '2.50 s')
    >>> format_value("native_tokens_cached", 0), format_value("streamed", True)
    ('0 tokens', 'yes')
    >>> format_value("num_media_prompt", 2), format_value("not_a_field", [1, 2])
    ('2', '[1, 2]')
    """
    field = schema.FIELDS.get(name)
    if field is None:
        return format_other(value)
    if is_na(value):
        return EM_DASH
    if field.unit == "USD":
        return format_usd(value)
    if field.unit == "ms":
        return format_ms(value)
    if field.unit == "tokens":
        return format_tokens(value)
    if field.unit == "count":
        return format_count(value)
    if field.kind == "bool":
        return format_bool(value)
    if field.kind == "datetime":
        return format_datetime(value, now)
    return str(value)


def ordinal(p: float | None) -> str:
    """A percentile rank as an ordinal, rounded and kept within 1..100.

    >>> ordinal(87.2), ordinal(1.0), ordinal(2.0), ordinal(13.0), ordinal(0.1), ordinal(None)
    ('87th', '1st', '2nd', '13th', '1st', '—')
    """
    if p is None or is_na(p):
        return EM_DASH
    n = min(100, max(1, int(round(float(p)))))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def sorted_finite(values: Iterable[Any]) -> np.ndarray:
    """The finite values, as sorted float64 (NA dropped) - the input of :func:`percentile_rank`.

    >>> sorted_finite([3, None, 1.5, float("nan")]).tolist()
    [1.5, 3.0]
    """
    arr = pd.to_numeric(pd.Series(list(values) if not isinstance(values, pd.Series)
                                  else values, dtype=object), errors="coerce")
    out = arr.to_numpy(dtype="float64", na_value=np.nan)
    return np.sort(out[np.isfinite(out)])


def percentile_rank(sorted_values: Sequence[float] | np.ndarray, x: Any) -> float | None:
    """Percent of ``sorted_values`` at or below ``x`` (0-100); ``None`` when undefined.

    The "weak" percentile rank: the most expensive generation is at the 100th
    percentile, the cheapest of ``n`` at ``100 / n``.  ``sorted_values`` must
    be sorted ascending and hold no NaN (see :func:`sorted_finite`).

    >>> percentile_rank([1.0, 2.0, 2.0, 5.0], 2.0)
    75.0
    >>> percentile_rank([1.0, 2.0], None) is None, percentile_rank([], 1.0) is None
    (True, True)
    """
    n = len(sorted_values)
    if n == 0 or is_na(x):
        return None
    return 100.0 * int(np.searchsorted(sorted_values, float(x), side="right")) / n


def tokens_per_second(frame: pd.DataFrame) -> np.ndarray:
    """Completion tokens per second of ``generation_time``, as float64 with NaN when undefined.

    Native completion tokens (the normalized count where native is NA) divided
    by ``generation_time / 1000``; NaN where either is missing or the time is
    not positive (never ``inf``).

    >>> df = pd.DataFrame({"native_tokens_completion": [100, None], "tokens_completion": [90, 50],
    ...                    "generation_time": [2000.0, 0.0]})
    >>> tokens_per_second(df).tolist()
    [50.0, nan]
    """
    from ._metrics import tokens_per_second_values
    from .errors import MissingColumnsError

    try:
        return tokens_per_second_values(frame)
    except MissingColumnsError:  # the viewer shows an em dash instead
        return np.full(len(frame), np.nan)


# -- HTML -----------------------------------------------------------------------------------


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def detail_sections(row: Mapping[str, Any], now: Any = None
                    ) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The fields of one generation grouped for display.

    Returns ``[(group, [(name, formatted value, description), ...]), ...]``:
    the schema's groups in order (fields the row lacks are left out, empty
    groups dropped), then ``"other"`` with every key outside the schema.

    >>> sections = detail_sections({"id": "gen-1", "total_cost": 0.002, "shoe_size": 42})
    >>> [(g, [r[:2] for r in rows]) for g, rows in sections]
    [('identity', [('id', 'gen-1')]), ('cost', [('total_cost', '$0.002')]), \
('other', [('shoe_size', '42')])]
    """
    sections: list[tuple[str, list[tuple[str, str, str]]]] = []
    for group in schema.GROUPS:
        rows = [(name, format_value(name, row[name], now), schema.FIELDS[name].description)
                for name in schema.names(group) if name in row]
        if rows:
            sections.append((group, rows))
    other = [(str(k), format_other(v), "") for k, v in row.items() if k not in schema.FIELDS]
    if other:
        sections.append(("other", other))
    return sections


def detail_html(row: Mapping[str, Any], now: Any = None) -> str:
    """HTML of the detail panel: a headline (id, model, cost) and one table per group.

    Every value is HTML-escaped.  Cells carry CSS classes (``orgen-id``,
    ``orgen-cost``, ``orgen-group-<name>``) that the browser test finds.

    >>> text = detail_html({"id": "gen-<1>", "total_cost": 0.5, "model": "a/b"})
    >>> "gen-&lt;1&gt;" in text and "$0.50" in text
    True
    """
    head = (
        f'<div class="orgen-headline"><code class="orgen-id">{_e(row.get("id", EM_DASH))}</code>'
        f' &middot; <span class="orgen-model">{_e(format_other(row.get("model")))}</span>'
        f' &middot; <b class="orgen-cost">{_e(format_usd(row.get("total_cost")))}</b></div>'
    )
    parts = [head, '<div class="orgen-groups">']
    for group, rows in detail_sections(row, now):
        body = "".join(
            f'<tr title="{_e(desc)}"><th>{_e(name)}</th>'
            f'<td class="orgen-field-{_e(name)}">{_e(value)}</td></tr>'
            for name, value, desc in rows
        )
        parts.append(
            f'<table class="orgen-group orgen-group-{group}"><caption>{GROUP_TITLES[group]}'
            f"</caption>{body}</table>"
        )
    parts.append("</div>")
    return "".join(parts)


def ranks_html(value: Mapping[str, Any], overall: Mapping[str, float | None],
               within: Mapping[str, float | None], *, n_overall: int, n_model: int,
               model: Any) -> str:
    """HTML table of percentile ranks: one row per :data:`RANK_METRICS` entry.

    ``value`` maps each metric key to this generation's value, ``overall`` and
    ``within`` to its percentile rank in the frame and within its model.

    >>> text = ranks_html({"total_cost": 0.01}, {"total_cost": 90.0}, {"total_cost": 50.0},
    ...                   n_overall=10, n_model=4, model="a/b")
    >>> "90th" in text and "50th" in text and "of 4 in its model" in text
    True
    """
    fmts = {"total_cost": format_usd, "latency": format_ms,
            "tokens_per_second": lambda v: EM_DASH if is_na(v) else f"{float(v):,.1f} tok/s"}
    rows = "".join(
        f'<tr class="orgen-rank-{key}"><th>{label}</th>'
        f"<td>{_e(fmts[key](value.get(key)))}</td>"
        f"<td>{ordinal(overall.get(key))}</td><td>{ordinal(within.get(key))}</td></tr>"
        for key, label in RANK_METRICS
    )
    return (
        '<table class="orgen-ranks"><caption>Where it stands: percentile rank (share at or '
        f"below)</caption><tr><th></th><th>value</th><th>of all {n_overall:,}</th>"
        f'<th title="{_e(format_other(model))}">of {n_model:,} in its model</th></tr>'
        f"{rows}</table>"
    )
