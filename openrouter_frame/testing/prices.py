"""The simulated models' list prices, shaped like OpenRouter's ``PublicPricing``.

USD per token (``request`` per call, ``image_output`` per output image token) as
decimal strings, as the live ``/models`` and ``/models/{author}/{slug}/endpoints``
send them.  They are the prices :func:`openrouter_frame.testing.data.list_cost`
bills: ``internal_reasoning`` equals ``completion``, ``input_cache_read`` is the
family's share of ``prompt``, ``input_cache_write`` (Anthropic) its premium, and
a provider endpoint of ``data.ENDPOINT_PRICES`` has its own ``prompt`` and
``completion``.  ``google/gemini-2.5-pro`` carries the long-context
``overrides`` entry the service lists (above 200,000 prompt tokens); no
simulated prompt is that long, so it never applies.

Also for the viewer's cost panel (``GenerationViewer(df, prices=model_prices())``).

Examples
--------
>>> from openrouter_frame.testing.prices import model_prices, public_pricing
>>> model_prices()["openai/gpt-4o"]["completion"]
'0.00001'
>>> from openrouter_frame.testing.data import BY_SLUG
>>> public_pricing(BY_SLUG["meta-llama/llama-3.3-70b-instruct"], "Groq")["prompt"]
'0.00000059'
"""

from __future__ import annotations

from typing import Any

from .data import CACHE_PRICING, MODELS, Model, served_prices

#: Long-context price overrides per model (``PublicPricing.overrides``).
OVERRIDES: dict[str, list[dict[str, Any]]] = {
    "google/gemini-2.5-pro": [{"min_prompt_tokens": 200_000, "prompt": "0.0000025",
                               "completion": "0.000015", "input_cache_read": "0.000000625"}],
}


def _per_token(per_million: float) -> str:
    return f"{per_million / 1e6:.12f}".rstrip("0").rstrip(".") or "0"


def public_pricing(model: Model, provider: str | None = None) -> dict[str, Any]:
    """The ``pricing`` object of ``model`` (of its endpoint at ``provider`` when given).

    Keys: ``prompt``, ``completion``, ``internal_reasoning``, ``request``, and,
    where they apply, ``input_cache_read``, ``input_cache_write``,
    ``image_output`` and ``overrides``; endpoint pricing adds ``discount`` (0).
    """
    m = served_prices(model, provider)
    prices: dict[str, Any] = {
        "prompt": _per_token(m.prompt), "completion": _per_token(m.completion),
        "internal_reasoning": _per_token(m.completion),
        "request": _per_token(m.request_fee * 1e6)}
    if m.cache:
        read, write = CACHE_PRICING[m.cache]
        prices["input_cache_read"] = _per_token(m.prompt * read)
        if write is not None:
            prices["input_cache_write"] = _per_token(m.prompt * write)
    if m.image_price:
        prices["image_output"] = _per_token(m.image_price)
    if m.slug in OVERRIDES:
        prices["overrides"] = [dict(entry) for entry in OVERRIDES[m.slug]]
    if provider is not None:
        prices["discount"] = 0
    return prices


def model_prices() -> dict[str, dict[str, Any]]:
    """``{model: pricing}`` for every simulated model (retired ones included), at the
    model level (:func:`public_pricing`)."""
    return {m.slug: public_pricing(m) for m in MODELS}
