"""The viewer's HTML: the detail panel (every field, grouped and formatted) and the ranks.

Pure functions of a row (a mapping), testable without a kernel; values are
formatted by :mod:`openrouter_frame.analysis.units`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from .. import schema
from ..analysis.units import EM_DASH, format_ms, format_other, format_usd, format_value, ordinal
from ..schema import is_na

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


def escape(text: Any) -> str:
    """``text`` escaped for HTML (quotes too)."""
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
    id_ = escape(row.get("id", EM_DASH))
    head = (
        f'<div class="orgen-headline"><code class="orgen-id">{id_}</code>'
        f' &middot; <span class="orgen-model">{escape(format_other(row.get("model")))}</span>'
        f' &middot; <b class="orgen-cost">{escape(format_usd(row.get("total_cost")))}</b></div>'
    )
    parts = [head, '<div class="orgen-groups">']
    for group, rows in detail_sections(row, now):
        body = "".join(
            f'<tr title="{escape(desc)}"><th>{escape(name)}</th>'
            f'<td class="orgen-field-{escape(name)}">{escape(value)}</td></tr>'
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
        f"<td>{escape(fmts[key](value.get(key)))}</td>"
        f"<td>{ordinal(overall.get(key))}</td><td>{ordinal(within.get(key))}</td></tr>"
        for key, label in RANK_METRICS
    )
    return (
        '<table class="orgen-ranks"><caption>Where it stands: percentile rank (share at or '
        f"below)</caption><tr><th></th><th>value</th><th>of all {n_overall:,}</th>"
        f'<th title="{escape(format_other(model))}">of {n_model:,} in its model</th></tr>'
        f"{rows}</table>"
    )
