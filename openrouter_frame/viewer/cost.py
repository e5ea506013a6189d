"""Why a generation cost what it did: its tokens, their share of the cost, BYOK, caching.

:func:`~openrouter_frame.analysis.metrics.effective_cost` is what was really
paid per row (the BYOK rule lives there, shared with ``df.orgen.effective_cost()``):
``total_cost``, plus the upstream provider's bill (``upstream_inference_cost``)
for a BYOK generation, where OpenRouter only charges a small fee and the
provider bills the caller's own key.  :func:`cost_breakdown` splits one
generation's cost by token kind, priced from list prices when they are given
(:data:`Prices`: a price table from ``orf.fetch_prices()``, where the served
endpoint's price wins over the model's and the panel says "list price as of
DATE"; a ``{model: pricing}`` mapping in the ``/models`` shape; or a function of
the row), otherwise in proportion to the token counts and labelled as an
estimate.  :func:`cost_html` renders it.

Examples
--------
>>> row = {"model": "a/b", "total_cost": 0.0011, "native_tokens_prompt": 1000,
...        "native_tokens_cached": 0, "native_tokens_completion": 300,
...        "native_tokens_reasoning": 200, "cache_discount": 0.0, "is_byok": False}
>>> bd = cost_breakdown(row, {"a/b": {"prompt": "0.0000005", "completion": "0.000002"}})
>>> [(line.label, line.tokens, round(line.share, 3)) for line in bd.lines]
[('prompt', 1000, 0.455), ('completion', 100, 0.182), ('reasoning', 200, 0.364)]
>>> bd.estimate, bd.paid
(False, 0.0011)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from ..analysis.metrics import EFFECTIVE_COST, effective_cost, paid_amount
from ..analysis.pricing import PRICE_KEYS, row_prices
from ..analysis.units import EM_DASH, format_tokens, format_usd
from ..schema import is_na

__all__ = ["EFFECTIVE_COST", "CostBreakdown", "CostLine", "Prices", "cost_breakdown",
           "cost_html", "effective_cost", "row_pricing"]

#: What the viewer prices a generation with: a price table (``orf.fetch_prices()``),
#: ``{model: pricing}`` in the ``/models`` shape, or ``prices(row) -> pricing | None``.
Prices: TypeAlias = (pd.DataFrame | Mapping[str, Mapping[str, Any]]
                     | Callable[[Mapping[str, Any]], Mapping[str, Any] | None])

@dataclass(frozen=True)
class CostLine:
    """One kind of token: its count, cost and share of the priced total."""

    label: str
    tokens: int
    cost: float
    share: float
    #: USD per token when priced from the model's prices, else ``None`` (an estimate).
    price: float | None = None


@dataclass
class CostBreakdown:
    """One generation's cost explained (see :func:`cost_breakdown`)."""

    lines: list[CostLine] = field(default_factory=list)
    #: True when split in proportion to token counts (no prices for the model).
    estimate: bool = True
    #: Where the prices came from ("list price as of 2026-11-20", ...); "" for an estimate.
    source: str = ""
    charged: float = float("nan")
    upstream: float = float("nan")
    byok: bool = False
    paid: float = float("nan")
    cache_discount: float = float("nan")
    request_fee: float = 0.0


def _num(row: Mapping[str, Any], name: str) -> float:
    value: Any = row.get(name)
    return float("nan") if is_na(value) else float(value)


def _count(row: Mapping[str, Any], *names: str) -> int:
    for name in names:
        value = _num(row, name)
        if np.isfinite(value):
            return int(value)
    return 0


def _price(prices: Mapping[str, Any], *keys: str) -> float | None:
    for key in keys:
        value: Any = prices.get(key)
        if not is_na(value):
            try:
                return float(value)
            except (TypeError, ValueError):
                continue
    return None


def _as_of(table: pd.DataFrame) -> str | None:
    value: Any = table.attrs.get("as_of")
    if is_na(value) and "as_of" in table.columns and table["as_of"].notna().any():
        value = table["as_of"].dropna().iloc[0]
    return None if is_na(value) else str(value)[:10]


def row_pricing(row: Mapping[str, Any], prices: Prices | None
                ) -> tuple[Mapping[str, Any] | None, str]:
    """The prices for ``row`` and their label, or ``(None, "")`` when there are none.

    A price table is looked up by :func:`~openrouter_frame.analysis.pricing.row_prices`
    (the served endpoint's price, else the model's): labelled "list price as of
    DATE" (the table's ``as_of``), "endpoint list price ..." for an endpoint's.

    >>> from openrouter_frame.analysis.pricing import price_table
    >>> table = price_table({"a/b": {"prompt": "0.000001", "completion": "0.000002"}})
    >>> table.attrs["as_of"] = "2026-11-20"
    >>> pricing, label = row_pricing({"model": "a/b", "provider_name": "P"}, table)
    >>> pricing["prompt"], label
    (1e-06, 'list price as of 2026-11-20')
    """
    if prices is None:
        return None, ""
    if isinstance(prices, pd.DataFrame):
        one = pd.DataFrame({"model": [row.get("model")],
                            "provider_name": [row.get("provider_name")]}, dtype="string")
        found = row_prices(one, prices).iloc[0]
        if is_na(found["price_level"]):
            return None, ""
        values = {k: float(found[k]) for k in PRICE_KEYS if not is_na(found[k])}
        date = _as_of(prices)
        label = "list price" + (f" as of {date}" if date else " (date unknown)")
        if found["price_level"] == "endpoint":
            label = f"{row.get('provider_name')} endpoint's {label}"
        return values, label
    if callable(prices):
        got = prices(row)
        return (got, "list price") if got else (None, "")
    got = prices.get(str(row.get("model")))
    return (got, "from the model's prices per token") if got else (None, "")


def cost_breakdown(row: Mapping[str, Any], prices: Prices | None = None) -> CostBreakdown:
    """Split one generation's cost over prompt, cached prompt, completion, reasoning, images.

    Parameters
    ----------
    row : mapping
        The generation's fields (a frame row as a dict).
    prices : price table, mapping or callable, optional
        See :data:`Prices` and :func:`row_pricing`: USD per token (numbers or
        decimal strings, as ``GET /models`` sends them); ``internal_reasoning``,
        ``input_cache_read``, ``image_token`` / ``image_output`` and ``request``
        are used when present.

    Returns
    -------
    CostBreakdown
        Lines with token counts, costs and shares; ``estimate`` is ``True`` when
        there were no prices for the model and the cost that was billed for the
        tokens (the upstream cost for BYOK) is split in proportion to tokens.
    """
    charged = _num(row, "total_cost")
    upstream = _num(row, "upstream_inference_cost")
    byok = bool(row.get("is_byok")) if not is_na(row.get("is_byok")) else False
    paid = float(paid_amount(charged, upstream, byok))
    prompt = _count(row, "native_tokens_prompt", "tokens_prompt")
    cached = min(_count(row, "native_tokens_cached"), prompt)
    completion = _count(row, "native_tokens_completion", "tokens_completion")
    reasoning = min(_count(row, "native_tokens_reasoning"), completion)
    images = min(_count(row, "native_tokens_completion_images"), completion - reasoning)
    counts = [("prompt", prompt - cached), ("cached prompt", cached),
              ("completion", completion - reasoning - images), ("reasoning", reasoning),
              ("images", images)]
    model_prices, source = row_pricing(row, prices)
    out = CostBreakdown(charged=charged, upstream=upstream, byok=byok, paid=paid,
                        cache_discount=_num(row, "cache_discount"), source=source)
    if model_prices:
        p_prompt = _price(model_prices, "prompt") or 0.0
        p_completion = _price(model_prices, "completion") or 0.0
        unit = {
            "prompt": p_prompt,
            "cached prompt": _price(model_prices, "input_cache_read", "prompt") or 0.0,
            "completion": p_completion,
            "reasoning": _price(model_prices, "internal_reasoning", "completion") or 0.0,
            "images": _price(model_prices, "image_token", "image_output", "completion")
            or 0.0,
        }
        costs = [(label, n, n * unit[label]) for label, n in counts]
        prices_of: dict[str, float | None] = dict(unit)
        out.request_fee = _price(model_prices, "request") or 0.0
        out.estimate = False
    else:
        base = upstream if byok and np.isfinite(upstream) else charged
        total_tokens = sum(n for _, n in counts)
        base = base if np.isfinite(base) else 0.0
        costs = [(label, n, base * n / total_tokens if total_tokens else 0.0)
                 for label, n in counts]
        prices_of = {}
    total = sum(c for _, _, c in costs) + out.request_fee
    out.lines = [CostLine(label, n, c, c / total if total > 0 else 0.0, prices_of.get(label))
                 for label, n, c in costs if n > 0 or label in ("prompt", "completion")]
    return out


def _per_million(price: float | None) -> str:
    return EM_DASH if price is None else format_usd(price * 1e6)


def cost_html(bd: CostBreakdown) -> str:
    """The cost panel: one row per token kind, then caching and BYOK notes.

    >>> bd = cost_breakdown({"total_cost": 0.01, "native_tokens_prompt": 10,
    ...                      "native_tokens_completion": 30})
    >>> text = cost_html(bd)
    >>> "estimate" in text and "75%" in text
    True
    """
    how = ("estimate: split in proportion to tokens (no prices for this model)"
           if bd.estimate else bd.source or "from the model's prices per token")
    rows = "".join(
        f'<tr class="orgen-cost-{line.label.replace(" ", "-")}"><th>{line.label}</th>'
        f"<td>{format_tokens(line.tokens)}</td><td>{_per_million(line.price)}</td>"
        f"<td>{format_usd(line.cost)}</td><td>{line.share:.0%}</td></tr>" for line in bd.lines)
    if bd.request_fee:
        rows += (f'<tr class="orgen-cost-request"><th>request fee</th><td>{EM_DASH}</td>'
                 f"<td>{EM_DASH}</td><td>{format_usd(bd.request_fee)}</td><td></td></tr>")
    notes = []
    if np.isfinite(bd.cache_discount) and bd.cache_discount > 0:
        notes.append(f"prompt caching saved {format_usd(bd.cache_discount)}")
    elif np.isfinite(bd.cache_discount) and bd.cache_discount < 0:
        notes.append(f"writing the prompt cache cost {format_usd(-bd.cache_discount)} extra")
    if bd.byok:
        upstream = format_usd(bd.upstream) if np.isfinite(bd.upstream) else "unknown"
        notes.append(f'<span class="orgen-byok">BYOK: really paid <b>{format_usd(bd.paid)}</b>'
                     f" = upstream provider {upstream} (billed to your own key) + "
                     f"OpenRouter fee {format_usd(bd.charged)}</span>")
    note = "".join(f'<div class="orgen-cost-note">{n}</div>' for n in notes)
    return (f'<table class="orgen-costs"><caption>Cost: {format_usd(bd.paid)}'
            f' <span class="orgen-muted">({how})</span></caption>'
            "<tr><th></th><th>tokens</th><th>price / 1M</th><th>cost</th><th>share</th></tr>"
            f"{rows}</table>{note}")
