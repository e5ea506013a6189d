"""Units as text: money, milliseconds, tokens, counts, flags, dates and ranks.

Shared by the summaries, the plots' tick labels and the viewer: each function
turns one value into text, so nothing here needs a kernel or a widget.
Missing values (``None``, ``NaN``, ``pd.NA``, ``NaT``) are shown as an em
dash everywhere.

Examples
--------
>>> from openrouter_frame.analysis import units as fmt
>>> fmt.format_usd(0.000345), fmt.format_ms(1020), fmt.format_tokens(12345)
('$0.000345', '1.02 s', '12,345 tokens')
>>> fmt.format_value("latency", None)
'—'
>>> fmt.ordinal(75.0)
'75th'
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..schema import is_na

#: Shown for every missing value.
EM_DASH = "\u2014"
#: Shown for an infinite value (JSON ``1e400`` reads as ``inf``).
INFINITY = "\u221e"
#: From here on a duration or an amount is written in scientific notation.
_HUGE = 1e15


def float_or_inf(value: Any) -> float:
    """``float(value)``; an integer too large for a float is an infinity, never an error.

    The one rule for such integers (JSON ``10**400``): the formatters here and
    :func:`~openrouter_frame.analysis.attempts.real_number` use it.

    >>> float_or_inf(610), float_or_inf(10 ** 400), float_or_inf(-(10 ** 400))
    (610.0, inf, -inf)
    """
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _signed(value: Any) -> tuple[str, float] | None:
    """``("-" or "", magnitude)`` of a number (:func:`float_or_inf`); ``None`` when NA.

    >>> _signed(-2), _signed(pd.NA)
    (('-', 2.0), None)
    """
    if is_na(value):
        return None
    v = float_or_inf(value)
    return ("-" if v < 0 else ""), abs(v)


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
    signed = _signed(value)
    if signed is None:
        return EM_DASH
    sign, v = signed
    if v == 0:
        return "$0.00"
    if math.isinf(v):
        return f"{sign}${INFINITY}"
    if v >= _HUGE:
        return f"{sign}${v:.3g}"
    if round(v, 2) >= 1:
        return f"{sign}${v:,.2f}"
    decimals = max(2, 2 - math.floor(math.log10(v)))
    text = _trim(f"{v:.{decimals}f}")
    if float(text) >= 1:  # 0.9996 rounded up to 1.000
        return f"{sign}${v:,.2f}"
    return f"{sign}${text}"


def shared_decimals(values: Any, significant: int = 3, minimum: int = 0,
                    maximum: int = 6) -> int:
    """Decimals that write every value of a column alike: one precision per column.

    Enough for the median non-zero magnitude to keep ``significant``
    significant digits and for the smallest to keep one (never a false
    zero), within ``minimum`` .. ``maximum``; NA, zero and infinite values
    are ignored.  ``$0.63`` beside ``$0.603`` is then ``$0.630`` beside
    ``$0.603``.

    >>> shared_decimals([0.63, 0.603, 12.5], minimum=2), shared_decimals([1234.5, 200.0])
    (3, 0)
    >>> shared_decimals([0.05, 0.04, 0.0003]), shared_decimals([0.0000123], maximum=6)
    (4, 6)
    >>> shared_decimals([None, 0.0], minimum=2)
    2
    """
    known = np.asarray([float_or_inf(v) for v in values if not is_na(v)], dtype=np.float64)
    known = np.abs(known[np.isfinite(known) & (known != 0)])
    if not len(known):
        return minimum
    middle = significant - 1 - math.floor(math.log10(float(np.median(known))))
    smallest = -math.floor(math.log10(float(known.min())))
    return int(min(maximum, max(minimum, middle, smallest)))


def format_usd_fixed(value: Any, decimals: int) -> str:
    """US dollars with exactly ``decimals`` decimals (a column's :func:`shared_decimals`).

    A non-zero amount too small to show is ``<$0.000001`` (so never a false
    ``$0.000000``).

    >>> format_usd_fixed(0.63, 3), format_usd_fixed(1234.5, 3), format_usd_fixed(-0.0000001, 6)
    ('$0.630', '$1,234.500', '-<$0.000001')
    >>> format_usd_fixed(0, 2), format_usd_fixed(None, 2), format_usd_fixed(float("inf"), 2)
    ('$0.00', '—', '$∞')
    """
    signed = _signed(value)
    if signed is None:
        return EM_DASH
    sign, v = signed
    if math.isinf(v) or v >= _HUGE:
        return f"{sign}{format_usd(v)}"
    if 0 < v < 0.5 * 10.0 ** -decimals:
        return f"{sign}<${10.0 ** -decimals:.{decimals}f}"
    return f"{sign}${v:,.{decimals}f}"


#: Units a column of durations is written in: name, milliseconds per unit.
DURATION_UNITS: tuple[tuple[str, float], ...] = (("ms", 1.0), ("s", 1000.0), ("min", 60000.0))


def duration_unit(values_ms: Any) -> tuple[str, float]:
    """The one unit for a column of durations (ms): by its median magnitude.

    ``ms`` under a second, ``s`` under two minutes, ``min`` beyond; the
    column's header names the unit and its cells are plain numbers in it, so
    the header never says ms over values in seconds.

    >>> duration_unit([345.0, 800.0]), duration_unit([650.0, 2190.0, 19900.0])
    (('ms', 1.0), ('s', 1000.0))
    >>> duration_unit([300000.0]), duration_unit([])
    (('min', 60000.0), ('ms', 1.0))
    """
    known = np.asarray([float_or_inf(v) for v in values_ms if not is_na(v)], dtype=np.float64)
    known = np.abs(known[np.isfinite(known)])
    middle = float(np.median(known)) if len(known) else 0.0
    if middle < 1000:
        return DURATION_UNITS[0]
    return DURATION_UNITS[1] if middle < 120_000 else DURATION_UNITS[2]


def format_ms(value: Any) -> str:
    """A duration given in milliseconds: ``345 ms``, ``1.02 s``, ``12.3 s``, ``2 min 05 s``.

    >>> format_ms(345), format_ms(4.5), format_ms(1020), format_ms(12345), format_ms(125000)
    ('345 ms', '4.5 ms', '1.02 s', '12.3 s', '2 min 05 s')
    >>> format_ms(3.9e6), format_ms(float("nan"))
    ('1 h 05 min', '—')
    >>> format_ms(float("inf")), format_ms(float("-inf")), format_ms(1e300)
    ('∞ ms', '-∞ ms', '2.78e+293 h')
    """
    signed = _signed(value)
    if signed is None:
        return EM_DASH
    sign, v = signed
    if math.isinf(v):
        return f"{sign}{INFINITY} ms"
    if v >= _HUGE:
        return f"{sign}{v / 3.6e6:.3g} h"
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

    >>> format_tokens(12345), format_tokens(1), format_tokens(pd.NA), format_tokens(float("inf"))
    ('12,345 tokens', '1 token', '—', '∞ tokens')
    """
    if is_na(value):
        return EM_DASH
    if isinstance(value, (float, np.floating)) and math.isinf(value):
        return f"{'-' if value < 0 else ''}{INFINITY} tokens"
    n = int(value)
    return f"{n:,} token" + ("" if n == 1 else "s")


def format_count(value: Any) -> str:
    """A plain count with thousands separators.

    >>> format_count(3), format_count(12000), format_count(None), format_count(float("-inf"))
    ('3', '12,000', '—', '-∞')
    """
    if isinstance(value, (float, np.floating)) and math.isinf(value):
        return f"{'-' if value < 0 else ''}{INFINITY}"
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


def ordinal(p: Any) -> str:
    """A percentile rank as an ordinal, rounded and kept within 1..100.

    >>> ordinal(87.2), ordinal(1.0), ordinal(2.0), ordinal(13.0), ordinal(0.1), ordinal(None)
    ('87th', '1st', '2nd', '13th', '1st', '—')
    """
    if is_na(p):
        return EM_DASH
    n = min(100, max(1, int(round(float(p)))))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
