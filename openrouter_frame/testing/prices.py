"""The simulated models' prices, shaped like OpenRouter's ``GET /models`` ``pricing``.

For the viewer's cost panel (``GenerationViewer(df, prices=model_prices())``):
USD per token as decimal strings, as the live ``/models`` endpoint sends them.

Examples
--------
>>> from openrouter_frame.testing.prices import model_prices
>>> model_prices()["openai/gpt-4o"]["completion"]
'0.00001'
"""

from __future__ import annotations

from .data import CACHE_PRICING, MODELS


def _per_token(per_million: float) -> str:
    return f"{per_million / 1e6:.12f}".rstrip("0").rstrip(".") or "0"


def model_prices() -> dict[str, dict[str, str]]:
    """``{model: {"prompt", "completion", "internal_reasoning", "input_cache_read",
    "request"}}`` in USD per token (``request`` per call), as strings."""
    out: dict[str, dict[str, str]] = {}
    for m in MODELS:
        prices = {"prompt": _per_token(m.prompt), "completion": _per_token(m.completion),
                  "internal_reasoning": _per_token(m.completion),
                  "request": _per_token(m.request_fee * 1e6)}
        if m.cache:
            prices["input_cache_read"] = _per_token(m.prompt * CACHE_PRICING[m.cache][0])
        out[m.slug] = prices
    return out
