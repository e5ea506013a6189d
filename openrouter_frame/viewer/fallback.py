"""A generation's provider attempts (``provider_responses``): a timeline and a table.

The cell is read by :func:`~openrouter_frame.analysis.attempts.read_cell`, the
one reading :func:`~openrouter_frame.analysis.attempts.provider_attempts` uses
too: a list of dicts, a numpy array of dicts (parquet read-back), text (CSV
read-back) or NA; statuses, latencies and the provider's name follow the same
rules.  Every other key is kept and shown (in a collapsible under the table),
and what is not an object is shown as it is (``raw``), so nothing the service
sends is dropped.

Examples
--------
>>> cell = [{"provider_name": "Azure", "status": 503, "latency": 2465},
...         {"provider": "OpenAI", "status": 200, "latency": 610}]
>>> [(a.number, a.provider, a.status, a.served, a.start) for a in attempts(cell)]
[(1, 'Azure', 503, False, 0.0), (2, 'OpenAI', 200, True, 2465.0)]
>>> statuses(attempts(cell), "stop")
['ok', 'fell back']
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
from ..schema import is_na
from .html import escape

__all__ = ["OUTCOMES", "STATUSES", "Attempt", "attempts", "fallback_html", "statuses",
           "timeline_html"]

_KNOWN = ("provider_name", "provider", "status", "latency")

#: What became of an attempt: the words the table and the timeline's colours use.
OUTCOMES = {
    "served": "served the answer",
    "failed": "failed",
    "error": "answered, then the generation failed",
}
#: The headline's status badges, in the order they show.
STATUSES = ("ok", "failed", "cancelled", "truncated", "fell back")


@dataclass(frozen=True)
class Attempt:
    """One provider attempt: its number (from 1), provider, HTTP status, latency (ms).

    ``start`` is when it began, in ms after the first attempt began: the spec
    gives no start times, and OpenRouter tries providers one after another, so
    it is the sum of the earlier attempts' latencies (``None`` once one is
    unknown).  ``outcome`` is a key of :data:`OUTCOMES`.
    """

    number: int
    provider: str | None
    status: int | None
    latency: float | None
    served: bool
    other: dict[str, Any] = field(default_factory=dict)
    start: float | None = None
    outcome: str = "failed"


def attempts(cell: Any, upstream_id: Any = None, finish_reason: Any = None) -> list[Attempt]:
    """The attempts of one ``provider_responses`` cell, in order (see the module docs).

    Which attempt served the answer follows :func:`provider_attempts
    <openrouter_frame.analysis.attempts.provider_attempts>`' rule: the one whose
    ``id`` is the generation's ``upstream_id``, else the last 2xx.  When the
    generation's ``finish_reason`` is ``error``, the attempt that answered has
    the outcome ``"error"``: its 200 did not make a good answer.

    >>> two = [{"provider_name": "A", "status": 200, "id": "up-a"},
    ...        {"provider_name": "B", "status": 200, "id": "up-b"}]
    >>> [a.served for a in attempts(two, upstream_id="up-a")]
    [True, False]
    >>> [a.outcome for a in attempts(two[:1], finish_reason="error")]
    ['error']
    """
    items = [{"raw": item.value} if isinstance(item, Unreadable) else item
             for item in read_cell(cell) or []]
    statuses_ = [whole_number(item.get("status")) for item in items]
    served = served_attempts(statuses_, [item.get("id") for item in items], upstream_id)
    out = []
    start: float | None = 0.0
    for i, (item, status, was_served) in enumerate(zip(items, statuses_, served, strict=True),
                                                   start=1):
        other = {str(k): v for k, v in item.items() if k not in _KNOWN}
        latency = real_number(item.get("latency"))
        outcome = ("error" if finish_reason == "error" else "served") if was_served else "failed"
        out.append(Attempt(i, provider_of(item), status, latency, was_served, other,
                           start=start, outcome=outcome))
        start = None if start is None or latency is None else start + latency
    return out


def statuses(chain: list[Attempt], finish_reason: Any = None, cancelled: Any = None
             ) -> list[str]:
    """The headline's badges (:data:`STATUSES`): how the generation ended, then
    ``"fell back"`` when an attempt failed before one served.

    How it ended: ``"failed"`` (finish ``error``, or no attempt served),
    ``"cancelled"``, ``"truncated"`` (finish ``length``: the token limit cut it)
    or ``"ok"``.

    >>> statuses([], "length"), statuses([], "stop", cancelled=True), statuses([], "error")
    (['truncated'], ['cancelled'], ['failed'])
    """
    if finish_reason == "error" or (chain and not any(a.served for a in chain)):
        first = "failed"
    elif not is_na(cancelled) and bool(cancelled):
        first = "cancelled"
    elif finish_reason == "length":
        first = "truncated"
    else:
        first = "ok"
    fell_back = any(a.served for a in chain) and any(not a.served for a in chain)
    return [first, "fell back"] if fell_back else [first]


def _other(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def timeline_html(chain: list[Attempt]) -> str:
    """One bar per attempt on a shared time axis: where it starts, how long it took,
    its outcome's colour and its provider (plain HTML and CSS, so it scales with
    the panel).  Empty when no attempt has a latency.

    >>> text = timeline_html(attempts([{"provider": "A", "status": 502, "latency": 650},
    ...                                {"provider": "B", "status": 200, "latency": 454}]))
    >>> text.count('class="orgen-bar '), "1.10 s" in text
    (2, True)
    """
    known = [a for a in chain if a.latency is not None and a.start is not None]
    if not known:
        return ""
    total = max(a.start + a.latency for a in known)  # type: ignore[operator]
    total = total if total > 0 else 1.0
    rows = []
    for a in known:
        left = 100 * a.start / total  # type: ignore[operator]
        width = 100 * a.latency / total  # type: ignore[operator]
        name = escape(a.provider or EM_DASH)
        tip = escape(f"attempt {a.number}: {a.provider or EM_DASH}, status "
                     f"{EM_DASH if a.status is None else a.status}, starts "
                     f"{format_ms(a.start)}, takes {format_ms(a.latency)}, "
                     f"{OUTCOMES[a.outcome]}")
        rows.append(
            f'<div class="orgen-lane" title="{tip}"><span class="orgen-lane-name">{name}</span>'
            f'<span class="orgen-track"><span class="orgen-bar orgen-bar-{a.outcome}" '
            f'style="left:{left:.2f}%;width:max({width:.2f}%,2px)"></span></span>'
            f'<span class="orgen-lane-time">{format_ms(a.latency)}</span></div>')
    axis = (f'<div class="orgen-lane orgen-axis"><span class="orgen-lane-name"></span>'
            f'<span class="orgen-track"><span>0</span><span>{format_ms(total / 2)}</span>'
            f'<span>{format_ms(total)}</span></span><span class="orgen-lane-time">'
            "</span></div>")
    return (f'<div class="orgen-timeline"><div class="orgen-caption">Provider attempts: '
            f"{len(chain)} in {format_ms(total)} "
            '<span class="orgen-muted">(one after another)</span></div>'
            + "".join(rows) + axis + "</div>")


def _extra(a: Attempt) -> str:
    if not a.other:
        return ""
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(_other(v))}</td></tr>"
                   for k, v in a.other.items())
    return (f'<details class="orgen-extra"><summary>{len(a.other)} more</summary>'
            f"<table>{rows}</table></details>")


def fallback_html(chain: list[Attempt]) -> str:
    """The timeline (:func:`timeline_html`) and a table under it: attempt, provider,
    status, start, latency, outcome, and each attempt's other keys in a collapsible.

    >>> "orgen-fallback" in fallback_html(attempts([{"provider": "X", "status": 200}]))
    True
    >>> fallback_html([])
    '<div class="orgen-fallback orgen-muted">No provider attempts recorded.</div>'
    """
    if not chain:
        return '<div class="orgen-fallback orgen-muted">No provider attempts recorded.</div>'
    rows = []
    for a in chain:
        cls = "orgen-served" if a.served else "orgen-failed"
        rows.append(
            f'<tr class="{cls} orgen-outcome-{a.outcome}"><td>{a.number}</td>'
            f"<td>{escape(a.provider or EM_DASH)}</td>"
            f"<td>{EM_DASH if a.status is None else a.status}</td>"
            f"<td>{format_ms(a.start)}</td><td>{format_ms(a.latency)}</td>"
            f"<td>{OUTCOMES[a.outcome]}</td><td>{_extra(a)}</td></tr>")
    return (f'<div class="orgen-attempts">{timeline_html(chain)}<div class="orgen-scroll">'
            '<table class="orgen-fallback"><caption>Provider attempts</caption>'
            "<tr><th>#</th><th>provider</th><th>status</th><th>start</th><th>latency</th>"
            f"<th>outcome</th><th>other fields</th></tr>{''.join(rows)}</table></div></div>")
