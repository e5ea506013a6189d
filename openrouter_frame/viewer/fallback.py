"""A generation's provider attempts (``provider_responses``) as a small fallback table.

The cell is read by :func:`~openrouter_frame.analysis.attempts.read_cell`, the
one reading :func:`~openrouter_frame.analysis.attempts.provider_attempts` uses
too: a list of dicts, a numpy array of dicts (parquet read-back), text (CSV
read-back) or NA; statuses, latencies and the provider's name follow the same
rules.  Every other key is kept and shown, and what is not an object is shown
as it is (``raw``), so nothing the service sends is dropped.

Examples
--------
>>> cell = [{"provider_name": "Azure", "status": 503, "latency": 2465},
...         {"provider": "OpenAI", "status": 200, "latency": 610}]
>>> [(a.number, a.provider, a.status, a.served) for a in attempts(cell)]
[(1, 'Azure', 503, False), (2, 'OpenAI', 200, True)]
>>> badge(attempts(cell))
'fell back'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..analysis.attempts import (
    Unreadable,
    provider_of,
    read_cell,
    real_number,
    served_attempts,
    whole_number,
)
from ..analysis.units import EM_DASH, format_ms
from .html import escape

_KNOWN = ("provider_name", "provider", "status", "latency")


@dataclass(frozen=True)
class Attempt:
    """One provider attempt: its number (from 1), provider, HTTP status, latency (ms)."""

    number: int
    provider: str | None
    status: int | None
    latency: float | None
    served: bool
    other: dict[str, Any] = field(default_factory=dict)


def attempts(cell: Any, upstream_id: Any = None) -> list[Attempt]:
    """The attempts of one ``provider_responses`` cell, in order (see the module docs).

    Which attempt served the answer follows :func:`provider_attempts
    <openrouter_frame.analysis.attempts.provider_attempts>`' rule: the one whose
    ``id`` is the generation's ``upstream_id``, else the last 2xx.

    >>> two = [{"provider_name": "A", "status": 200, "id": "up-a"},
    ...        {"provider_name": "B", "status": 200, "id": "up-b"}]
    >>> [a.served for a in attempts(two, upstream_id="up-a")]
    [True, False]
    """
    items = [{"raw": item.value} if isinstance(item, Unreadable) else item
             for item in read_cell(cell) or []]
    statuses = [whole_number(item.get("status")) for item in items]
    served = served_attempts(statuses, [item.get("id") for item in items], upstream_id)
    out = []
    for i, (item, status, was_served) in enumerate(zip(items, statuses, served, strict=True),
                                                   start=1):
        other = {str(k): v for k, v in item.items() if k not in _KNOWN}
        out.append(Attempt(i, provider_of(item), status, real_number(item.get("latency")),
                           was_served, other))
    return out


def badge(chain: list[Attempt], finish_reason: Any = None) -> str | None:
    """``"failed"`` (no attempt served, or finish ``error``), ``"fell back"`` (an attempt
    failed before one served) or ``None``."""
    if finish_reason == "error" or (chain and not any(a.served for a in chain)):
        return "failed"
    if any(not a.served for a in chain):
        return "fell back"
    return None


def _other(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def fallback_html(chain: list[Attempt]) -> str:
    """The table: attempt, provider, status, latency, served (and any other keys).

    >>> "orgen-fallback" in fallback_html(attempts([{"provider": "X", "status": 200}]))
    True
    >>> fallback_html([])
    '<div class="orgen-fallback orgen-muted">No provider attempts recorded.</div>'
    """
    if not chain:
        return '<div class="orgen-fallback orgen-muted">No provider attempts recorded.</div>'
    rows = []
    for a in chain:
        extra = ", ".join(f"{k}={_other(v)}" for k, v in a.other.items())
        cls = "orgen-served" if a.served else "orgen-failed"
        rows.append(
            f'<tr class="{cls}"><td>{a.number}</td><td>{escape(a.provider or EM_DASH)}</td>'
            f"<td>{EM_DASH if a.status is None else a.status}</td>"
            f"<td>{format_ms(a.latency)}</td><td>{'served' if a.served else 'no'}</td>"
            f"<td>{escape(extra)}</td></tr>")
    return ('<table class="orgen-fallback"><caption>Provider attempts</caption>'
            "<tr><th>attempt</th><th>provider</th><th>status</th><th>latency</th>"
            f"<th>served</th><th></th></tr>{''.join(rows)}</table>")
