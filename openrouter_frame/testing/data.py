"""Record and id generation for the loopback simulator (:mod:`openrouter_frame.testing`).

Everything here is a pure function of its inputs: :func:`make_record` depends on
the id alone (seeded from ``sha256(id)``), so a record is identical across
processes, and :func:`make_id` / :func:`check_id` let the server tell a valid,
other-account or unknown id apart without storing any set of ids.

Records have the 45 fields of the current ``GenerationResponse`` in the
schema's order, with the service's shapes: ``provider_responses`` lists the
official ``ProviderResponse`` items (fallback chains included, e.g. Azure 503
after about 2,400 ms, then OpenAI 200), ``data_region`` is ``global``,
``europe`` or ``us``.  Sessions: an account's ids come in runs (:func:`make_id`);
about one run in twenty is an agent run of 2-20 generations, minutes apart,
whose ids carry a shared session key, so their records share a
``session_id`` (and mostly a model) while each stays a function of its id.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from .. import schema

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: Records are created over the six weeks before this instant (UTC).
END = int(datetime(2026, 11, 20, tzinfo=timezone.utc).timestamp())
SPAN = 42 * 86_400
_ID_RE = re.compile(r"gen-([0-9]{10})-([0-9A-Za-z]{14})([0-9A-Za-z]{3})([0-9A-Za-z]{3})")
# Relative traffic per UTC hour (a working-day curve, peaking in the US afternoon).
_HOURS = (3, 2, 2, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 9, 9, 8, 7, 6, 5, 4)


@dataclass(frozen=True)
class Model:
    """A simulated model: prices in USD per million tokens, timings in ms."""

    slug: str
    providers: tuple[str, ...]
    prompt: float
    completion: float
    weight: float
    ttft: float
    tps: float
    family: str
    kind: str = "chat"  # chat, reasoning, embeddings, rerank, search, image, audio
    ratio: float = 1.0  # native tokens per normalized token
    cache: str | None = None  # openai, anthropic, google, deepseek
    request_fee: float = 0.0  # USD per call
    image_price: float = 0.0  # USD per million image tokens


_M = Model
MODELS: tuple[Model, ...] = (
    _M("openai/gpt-4o-mini", ("OpenAI", "Azure"), 0.15, 0.6, 22, 450, 85, "openai",
       cache="openai"),
    _M("openai/gpt-4o", ("OpenAI", "Azure"), 2.5, 10.0, 7, 550, 70, "openai", cache="openai"),
    _M("openai/o3-mini", ("OpenAI",), 1.1, 4.4, 3, 2500, 140, "openai", "reasoning",
       cache="openai"),
    _M("openai/gpt-4o-audio-preview", ("OpenAI",), 2.5, 10.0, 0.7, 600, 60, "openai", "audio"),
    _M("openai/text-embedding-3-small", ("OpenAI",), 0.02, 0.0, 6, 90, 0, "openai",
       "embeddings"),
    _M("anthropic/claude-3.5-haiku", ("Anthropic", "Amazon Bedrock", "Google"), 0.8, 4.0, 7,
       700, 60, "anthropic", ratio=1.12, cache="anthropic"),
    _M("anthropic/claude-sonnet-4", ("Anthropic", "Amazon Bedrock", "Google"), 3.0, 15.0, 6,
       1400, 55, "anthropic", ratio=1.12, cache="anthropic"),
    _M("google/gemini-2.0-flash-001", ("Google AI Studio", "Google"), 0.1, 0.4, 14, 380, 160,
       "google", ratio=0.95, cache="google"),
    _M("google/gemini-2.5-pro", ("Google AI Studio", "Google"), 1.25, 10.0, 3, 3500, 90,
       "google", "reasoning", ratio=0.95, cache="google"),
    _M("google/gemini-2.5-flash-image-preview", ("Google AI Studio", "Google"), 0.3, 2.5, 1,
       4000, 120, "google", "image", ratio=0.95, image_price=30.0),
    _M("meta-llama/llama-3.3-70b-instruct", ("Together", "DeepInfra", "Fireworks", "Groq",
       "Lambda"), 0.13, 0.4, 10, 420, 120, "open", ratio=1.04),
    _M("deepseek/deepseek-r1", ("DeepSeek", "Together", "Fireworks", "DeepInfra"), 0.55, 2.19,
       4, 4500, 35, "deepseek", "reasoning", ratio=1.02, cache="deepseek"),
    _M("mistralai/mistral-small", ("Mistral",), 0.2, 0.6, 4, 330, 110, "mistral", ratio=1.08),
    _M("mistralai/mistral-embed", ("Mistral",), 0.1, 0.0, 1, 120, 0, "mistral", "embeddings",
       ratio=1.08),
    _M("qwen/qwen-2.5-72b-instruct", ("DeepInfra", "Together", "Fireworks", "Hyperbolic"), 0.35,
       0.4, 4, 500, 60, "open", ratio=1.06),
    _M("x-ai/grok-3-mini", ("xAI",), 0.3, 0.5, 1.5, 900, 150, "openai", "reasoning"),
    _M("cohere/command-r-08-2024", ("Cohere",), 0.15, 0.6, 1.5, 400, 70, "cohere", ratio=1.1),
    _M("cohere/rerank-v3.5", ("Cohere",), 0.0, 0.0, 1.5, 180, 0, "cohere", "rerank",
       request_fee=0.002),
    _M("perplexity/sonar", ("Perplexity",), 1.0, 1.0, 1.5, 1200, 80, "openai", "search",
       request_fee=0.005),
)
#: Models by slug.
BY_SLUG: dict[str, Model] = {m.slug: m for m in MODELS}
_WEIGHTS = [m.weight for m in MODELS]

#: Provider endpoints priced apart from their model: (model, provider) -> (prompt,
#: completion) in USD per million tokens.  Generations they serve are billed at these
#: prices, so they match the endpoint's list price, not the model-level one.
ENDPOINT_PRICES: dict[tuple[str, str], tuple[float, float]] = {
    ("meta-llama/llama-3.3-70b-instruct", "Groq"): (0.59, 0.79),
    ("deepseek/deepseek-r1", "Together"): (3.0, 7.0),
}
#: Models the account used that ``GET /models`` no longer lists (retired): no list price.
RETIRED: frozenset[str] = frozenset({"cohere/command-r-08-2024"})
#: Providers that served generations but whose endpoints ``GET /models/.../endpoints``
#: no longer lists (they are not in the spec's ``ProviderName``): the model's price applies.
UNLISTED_PROVIDERS: frozenset[str] = frozenset({"Lambda", "Hyperbolic"})
#: Why a generation's ``total_cost`` is not the list-price cost of its tokens at the price
#: of the endpoint that served it (see :func:`priced_otherwise`), in the order checked.
PRICED_OTHERWISE: dict[str, str] = {
    "missing_price": "its model is retired: GET /models lists no price for it",
    "byok": "BYOK: total_cost is OpenRouter's 5% fee on upstream_inference_cost, the "
            "list-price cost billed by the provider",
    "cache_write": "prompt tokens written to the cache are billed at input_cache_write; the "
                   "record gives no count of them (cache_discount < 0)",
    "endpoint_price": "the serving endpoint's price differs from the model-level price "
                      "(the cost matches the endpoint's list price)",
}
#: Cache pricing per family: (read price, write price) as fractions of the prompt price.
CACHE_PRICING: dict[str, tuple[float, float | None]] = {
    "openai": (0.5, None), "anthropic": (0.1, 1.25), "google": (0.25, None),
    "deepseek": (0.25, None),
}
FINISH_REASONS = ("stop", "tool_calls", "length", "content_filter", "error")
_FINISH_WEIGHTS = (80, 9, 7, 2, 2)
# Each provider family's own finish-reason strings (alternatives picked at random).
_NATIVE: dict[str, dict[str, tuple[str | None, ...]]] = {
    "openai": {"stop": ("stop",), "length": ("length",), "tool_calls": ("tool_calls",),
               "content_filter": ("content_filter",), "error": ("error", None)},
    "anthropic": {"stop": ("end_turn", "end_turn", "stop_sequence"), "length": ("max_tokens",),
                  "tool_calls": ("tool_use",), "content_filter": ("refusal",),
                  "error": (None,)},
    "google": {"stop": ("STOP",), "length": ("MAX_TOKENS",), "tool_calls": ("STOP",),
               "content_filter": ("SAFETY", "PROHIBITED_CONTENT"),
               "error": ("MALFORMED_FUNCTION_CALL", "OTHER")},
    "open": {"stop": ("stop", "eos"), "length": ("length",), "tool_calls": ("tool_calls",),
             "content_filter": ("content_filter",), "error": ("error",)},
    "deepseek": {"stop": ("stop",), "length": ("length",), "tool_calls": ("tool_calls",),
                 "content_filter": ("content_filter",),
                 "error": ("insufficient_system_resource",)},
    "mistral": {"stop": ("stop",), "length": ("length", "model_length"),
                "tool_calls": ("tool_calls",), "content_filter": ("content_filter",),
                "error": ("error",)},
    "cohere": {"stop": ("COMPLETE",), "length": ("MAX_TOKENS",), "tool_calls": ("TOOL_CALL",),
               "content_filter": ("ERROR_TOXIC",), "error": ("ERROR",)},
}
_PROVIDER_SPEED = {"Groq": 0.35, "Fireworks": 0.7, "Together": 0.85, "Azure": 1.1,
                   "Amazon Bedrock": 1.2, "Hyperbolic": 1.3}
_APPS = (5124, 128375, 449203, 902211)
_ORIGINS = ("", "", "https://openrouter.ai/", "https://chat.example.com/",
            "http://localhost:3000/", "https://notebook.example.org/")
_WORKSPACES = ("3f1c2a9e-51d8-4b6a-9e0f-7c2d1b3a4e5f", "0b1c4e8d-2a7f-4903-8c5d-6e7f8a9b0c1d",
               "c95d13ab-40e2-47c8-b1a2-d3e4f5a6b7c8")
_PRESETS = ("a9e8d400-592a-494f-908c-375efa66cafd", "5d0b7e2c-1f3a-4c8e-9b6d-2e4f6a8c0b1d")
_USER_AGENTS = ("OpenAI/Python 1.54.3", "OpenAI/Python 1.99.1", "python-requests/2.32.3",
                "OpenAI/JS 4.73.0", "ai-sdk/openai-compatible 0.2.4", "httpx/0.28.1",
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, "
                "like Gecko) Chrome/131.0.0.0 Safari/537.36", "curl/8.7.1")
_USER_AGENT_WEIGHTS = (30, 15, 10, 12, 8, 8, 10, 2)
_SEARCH_ENGINES = ("exa", "firecrawl", "parallel")
_FAILED = (429, 500, 502, 503, 504)
#: Ids per block; a block is cut into runs (single calls and agent runs).
_BLOCK = 64


def _alnum(digest: bytes, n: int) -> str:
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(n):
        number, rest = divmod(number, 62)
        chars.append(ALNUM[rest])
    return "".join(chars)


def account_secret(api_key: str, *, salt: str = "account") -> bytes:
    """The secret that signs the ids of the account behind ``api_key``."""
    return hashlib.sha256(f"orf-sim-{salt}\0{api_key}".encode()).digest()


def _global_check(stem: str) -> str:
    return _alnum(hashlib.sha256(b"orf-sim-id\0" + stem.encode()).digest(), 3)


def _account_check(secret: bytes, stem: str) -> str:
    return _alnum(hmac.new(secret, stem.encode(), hashlib.sha256).digest(), 3)


def _session_check(key: str) -> str:
    return _alnum(hashlib.sha256(b"orf-sim-session\0" + key.encode()).digest(), 1)


@lru_cache(maxsize=256)
def _runs(secret: bytes, block: int) -> tuple[tuple[int, int], ...]:
    """The runs of a block of ids: (first position, length); agent runs are 2-20 long."""
    rng = random.Random(hmac.new(secret, f"block:{block}".encode(), hashlib.sha256).digest())
    runs, start = [], 0
    while start < _BLOCK:
        length = 1 if rng.random() < 0.95 else rng.randint(2, 20)
        length = min(length, _BLOCK - start)
        runs.append((start, length))
        start += length
    return tuple(runs)


def make_id(secret: bytes, index: int) -> str:
    """The ``index``-th id of the account signed by ``secret``.

    ``gen-<10-digit unix ts>-<20 alnum>``: 14 random characters, then 3 characters
    that any account's ids share (a well-formed check) and 3 that only this
    account's ids carry.  The ids of an agent run (consecutive indexes) are
    seconds to minutes apart and share their first 6 random characters, a
    session key whose last character checks the first five.
    """
    rng = random.Random(hmac.new(secret, f"id:{index}".encode(), hashlib.sha256).digest())
    block, position = divmod(index, _BLOCK)
    first, length = next(r for r in _runs(secret, block) if r[0] <= position < r[0] + r[1])
    run = random.Random(hmac.new(secret, f"run:{block}:{first}".encode(),
                                 hashlib.sha256).digest())
    day = run.randrange(SPAN // 86_400)
    hour = run.choices(range(24), weights=_HOURS)[0]
    ts = END - SPAN + day * 86_400 + hour * 3600 + run.randrange(3600)
    key = "".join(run.choice(ALNUM) for _ in range(5))
    if length > 1:  # an agent run: a shared, checked session key, steps seconds apart
        key += _session_check(key)
        ts += sum(run.randint(4, 90) for _ in range(position - first))
        ts = min(ts, END - 1)
    else:
        key += rng.choice(ALNUM)
    stem = f"gen-{ts}-{key}" + "".join(rng.choice(ALNUM) for _ in range(8))
    stem += _global_check(stem)
    return stem + _account_check(secret, stem)


def check_id(id: str, secret: bytes) -> str:
    """``"valid"`` for this account's ids, ``"foreign"`` for another's, else ``"unknown"``."""
    match = _ID_RE.fullmatch(id)
    if match is None:
        return "unknown"
    stem = id[:-6]
    if not hmac.compare_digest(_global_check(stem), match.group(3)):
        return "unknown"
    if hmac.compare_digest(_account_check(secret, stem + match.group(3)), match.group(4)):
        return "valid"
    return "foreign"


def _created_at(ts: int, rng: random.Random) -> str:
    micros = rng.randrange(1_000_000)
    base = datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if rng.random() < 0.5:
        return f"{base}.{micros // 1000:03d}Z"
    return f"{base}.{micros:06d}+00:00"


def _ms(value: float, rng: random.Random) -> float:
    """A duration in ms as the service sends it: usually an int, sometimes a float."""
    value = max(0.0, value)
    return round(value, 1) if rng.random() < 0.05 else int(round(value))


def _upstream_id(provider: str | None, rng: random.Random) -> str | None:
    if provider is None or rng.random() < 0.03:
        return None
    if provider in ("OpenAI", "Azure"):
        return "chatcmpl-" + "".join(rng.choice(ALNUM) for _ in range(29))
    if provider in ("Anthropic", "Amazon Bedrock", "Google"):
        return "msg_01" + "".join(rng.choice(ALNUM) for _ in range(22))
    return "".join(rng.choice(ALNUM[:16].lower()) for _ in range(32))


def _tokens(rng: random.Random, median: float, sigma: float, lo: int, hi: int) -> int:
    return min(hi, max(lo, int(rng.lognormvariate(0.0, sigma) * median)))


def served_prices(model: Model, provider: str | None) -> Model:
    """``model`` with the prices of the endpoint of ``provider`` that served it."""
    prices = ENDPOINT_PRICES.get((model.slug, provider or ""))
    if prices is None:
        return model
    return replace(model, prompt=prices[0], completion=prices[1])


def list_cost(rec: dict[str, Any]) -> float:
    """What a record's tokens cost at the served endpoint's list price, before any cache
    discount, in USD.

    The one pricing rule of the simulator, in the terms of ``GET /models``
    ``pricing`` (:mod:`openrouter_frame.testing.prices` serves these prices)::

        native_tokens_prompt * prompt
        + (native_tokens_completion - native_tokens_reasoning
           - native_tokens_completion_images) * completion
        + native_tokens_reasoning * internal_reasoning     (= completion here)
        + native_tokens_completion_images * image_output
        + request

    ``native_tokens_completion`` includes the reasoning and image tokens, and
    ``native_tokens_prompt`` the cached ones: ``total_cost`` is this minus
    ``cache_discount``, i.e. cached prompt tokens at ``input_cache_read``
    (``native_tokens_cached * (prompt - input_cache_read)`` off), unless
    :func:`priced_otherwise` gives a reason.  An absent count is 0.
    """
    model = served_prices(BY_SLUG[rec["model"]], rec["provider_name"])
    prompt = rec["native_tokens_prompt"] or 0
    completion = rec["native_tokens_completion"] or 0
    images = rec["native_tokens_completion_images"] or 0
    return (prompt * model.prompt + (completion - images) * model.completion
            + images * model.image_price) / 1e6 + model.request_fee


def priced_otherwise(rec: dict[str, Any]) -> str | None:
    """Why ``rec["total_cost"]`` is not :func:`list_cost` minus the cache-read discount at
    the list price a price table gives, else ``None``.

    One key of :data:`PRICED_OTHERWISE` (the first that applies, in its order):
    ``missing_price`` (a :data:`RETIRED` model), ``byok``, ``cache_write``, or
    ``endpoint_price`` (served by an endpoint of :data:`ENDPOINT_PRICES`: the
    cost is the endpoint's list price, which differs from the model-level one).
    """
    if rec["model"] in RETIRED:
        return "missing_price"
    if rec["is_byok"]:
        return "byok"
    if (rec["cache_discount"] or 0) < 0:
        return "cache_write"
    if (rec["model"], rec["provider_name"]) in ENDPOINT_PRICES:
        return "endpoint_price"
    return None


def make_record(id: str) -> dict[str, Any]:
    """The ``data`` object the simulator serves for ``id``: a function of ``id`` alone."""
    rng = random.Random(hashlib.sha256(id.encode("utf-8", "surrogatepass")).digest())
    match = _ID_RE.fullmatch(id)
    ts = int(match.group(1)) if match else END - SPAN + rng.randrange(SPAN)
    created_at = _created_at(ts, rng)
    model = rng.choices(MODELS, weights=_WEIGHTS)[0]
    session = _session_of(match.group(2)[:6]) if match else None
    if session is not None and rng.random() < 0.85:
        model = session[1]  # an agent run mostly sticks to one model
    kind = model.kind
    legacy = rng.random() < 0.02  # older rows lack the newer counters
    provider: str | None = model.providers[0] if rng.random() < 0.6 else rng.choice(
        model.providers)
    if rng.random() < 0.01:
        provider = None
    byok = kind != "rerank" and rng.random() < 0.05
    chat = kind not in ("embeddings", "rerank")
    streamed: bool | None = chat and rng.random() < 0.6
    cancelled: bool | None = bool(streamed) and rng.random() < 0.03
    finish: str | None = None
    native_finish: str | None = None
    if chat and not cancelled:
        finish = rng.choices(FINISH_REASONS, weights=_FINISH_WEIGHTS)[0]
        native_finish = rng.choice(_NATIVE[model.family][finish])
    if rng.random() < 0.01:
        streamed = cancelled = None

    # Tokens, in the model's own tokenizer first.
    images = media_prompt = audio = searches = 0
    reasoning = 0
    if kind == "rerank":
        prompt = _tokens(rng, 2500, 0.8, 50, 60_000)
    elif kind == "embeddings":
        prompt = _tokens(rng, 300, 1.2, 1, 8000)
    else:
        prompt = _tokens(rng, 900, 1.3, 5, 190_000)
    completion = 0
    if chat:
        completion = _tokens(rng, 280, 1.0, 1, 16_000)
        thinks = kind == "reasoning" or (
            model.slug == "anthropic/claude-sonnet-4" and rng.random() < 0.25)
        if thinks:
            reasoning = _tokens(rng, 1500, 0.9, 64, 32_000)
        if finish == "length":
            completion = rng.choice((256, 512, 1024, 2048, 4096))
            reasoning = min(reasoning, completion // 2)
            completion -= reasoning
        elif finish == "error":
            completion, reasoning = rng.randrange(0, 20), 0
        elif cancelled:
            completion = rng.randrange(0, completion + 1)
            reasoning = rng.randrange(0, reasoning + 1)
        if kind == "image" and finish in ("stop", "length"):
            images = 1290 * rng.choice((1, 1, 2))
            completion += images
        if kind == "audio":
            audio = rng.choice((1, 1, 2))
            prompt += 1500 * audio
        if kind == "search":
            searches = rng.randrange(3, 11)
        if model.slug.split("/")[0] in ("openai", "anthropic", "google") and rng.random() < 0.08:
            media_prompt = rng.randrange(1, 5)
            prompt += 765 * media_prompt
        completion += reasoning
    norm_prompt = max(1, round(prompt / model.ratio))
    norm_completion = round((completion - reasoning) / model.ratio) + reasoning

    # Prompt caching: positive discounts for cache reads, negative for cache writes.
    cached = 0
    discount: float | None = None
    priced = served_prices(model, provider)
    if model.cache and chat:
        discount = 0.0
        read, write = CACHE_PRICING[model.cache]
        if not legacy and prompt >= 1024 and rng.random() < 0.3:
            if write is not None and rng.random() < 0.4:
                written = int(prompt * rng.uniform(0.5, 0.95))
                discount = -written * priced.prompt * (write - 1) / 1e6
            else:
                cached = int(prompt * rng.uniform(0.5, 0.97))
                if model.cache == "openai":
                    cached = max(1024, cached // 128 * 128)
                discount = cached * priced.prompt * (1 - read) / 1e6

    # Timings.
    speed = _PROVIDER_SPEED.get(provider or "", 1.0)
    latency = model.ttft * speed * rng.lognormvariate(0.0, 0.45)
    generation: float | None
    if chat:
        if reasoning and not streamed:
            latency += reasoning / model.tps * 1000 * 0.8
        generation = latency + completion / model.tps * 1000 * speed * rng.uniform(0.8, 1.3)
    else:
        generation = None if rng.random() < 0.5 else latency * rng.uniform(0.0, 0.3)
    moderation = None
    if model.family in ("openai", "anthropic") and not byok and rng.random() < 0.35:
        moderation = _ms(rng.lognormvariate(0.0, 0.5) * 120, rng)

    rec: dict[str, Any] = {
        "id": id,
        "upstream_id": _upstream_id(provider, rng),
        "total_cost": 0.0,
        "cache_discount": None if discount is None else round(discount, 9),
        "upstream_inference_cost": None,
        "created_at": created_at,
        "model": model.slug,
        "app_id": None if rng.random() < 0.55 else rng.choice(_APPS),
        "streamed": streamed,
        "cancelled": cancelled,
        "provider_name": provider,
        "latency": None if rng.random() < 0.01 else _ms(latency, rng),
        "moderation_latency": moderation,
        "generation_time": None if generation is None else _ms(generation, rng),
        "finish_reason": finish,
        "tokens_prompt": norm_prompt,
        "tokens_completion": norm_completion,
        "native_tokens_prompt": prompt,
        "native_tokens_completion": completion,
        "native_tokens_completion_images": images,
        "native_tokens_reasoning": reasoning,
        "native_tokens_cached": cached,
        "num_media_prompt": media_prompt,
        "num_input_audio_prompt": audio,
        "num_media_completion": images // 1290,
        "num_search_results": searches,
        "origin": rng.choice(_ORIGINS),
        "usage": 0.0,
        "is_byok": byok,
        "native_finish_reason": native_finish,
        "external_user": None if rng.random() < 0.85 else f"user-{rng.randrange(10**6):06d}",
        "api_type": {"embeddings": "embeddings", "rerank": "rerank"}.get(
            kind, None if rng.random() < 0.03 else "completions"),
    }
    if legacy:
        for name in ("native_tokens_completion_images", "native_tokens_reasoning",
                     "native_tokens_cached", "num_media_prompt", "num_input_audio_prompt",
                     "num_media_completion", "num_search_results"):
            rec[name] = None
    cost = list_cost(rec) - (discount or 0.0)
    if byok:
        rec["upstream_inference_cost"] = round(cost, 9)
        cost *= 0.05  # OpenRouter's BYOK fee
    elif rng.random() < 0.3:
        rec["upstream_inference_cost"] = 0.0
    rec["total_cost"] = rec["usage"] = round(cost, 9)
    rec.update(_newer_fields(rec, model, legacy, latency, ts, session, rng))
    _spec_example_shapes(rec, id)
    return {name: rec[name] for name in schema.COLUMNS}


def _spec_example_shapes(rec: dict[str, Any], id: str) -> None:
    """Shapes the spec's own example has and the draws above never give, now and then.

    The example record of ``GenerationResponse`` has ``latency`` 1250 above
    ``generation_time`` 1200, and ``upstream_inference_cost`` 0.0012 on a
    record that is not BYOK (``total_cost`` 0.0015): about one record in ten
    gets each.  Drawn from a generator of their own, so every other value of
    a record stays what it was.
    """
    rng = random.Random(hashlib.sha256(b"orf-sim-shapes\0" + id.encode(
        "utf-8", "surrogatepass")).digest())
    latency, generation = rec["latency"], rec["generation_time"]
    if rng.random() < 0.1 and latency is not None and generation is not None and latency > 1:
        rec["generation_time"] = _ms(latency * rng.uniform(0.5, 0.97), rng)
    if rng.random() < 0.1 and not rec["is_byok"] and rec["total_cost"] > 0:
        rec["upstream_inference_cost"] = round(rec["total_cost"] * rng.uniform(0.6, 0.9), 9)


def _session_of(key: str) -> tuple[str, Model] | None:
    """The session id and main model of an agent run's session key, else ``None``."""
    if _session_check(key[:5]) != key[5:]:
        return None
    digest = hashlib.sha256(b"orf-sim-session-id\0" + key.encode()).hexdigest()
    chat = [m for m in MODELS if m.kind in ("chat", "reasoning")]
    model = random.Random(digest).choices(chat, weights=[m.weight for m in chat])[0]
    return (f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-{'89ab'[int(digest[16], 16) % 4]}"
            f"{digest[17:20]}-{digest[20:32]}"), model


def _permaslug(model: Model) -> str:
    """The canonical, dated slug of a model (``ProviderResponse.model_permaslug``)."""
    day = int(hashlib.sha256(model.slug.encode()).hexdigest()[:4], 16) % 300
    stamp = datetime.fromtimestamp(END - 400 * 86_400 + day * 86_400, timezone.utc)
    return f"{model.slug}-{stamp:%Y-%m-%d}"


def _endpoint_id(provider: str, model: Model) -> str:
    return "ep_" + hashlib.sha256(f"{provider}\0{model.slug}".encode()).hexdigest()[:20]


def _attempts(rec: dict[str, Any], model: Model, latency: float, tier: str | None,
              rng: random.Random) -> list[dict[str, Any]] | None:
    """``provider_responses``: failed attempts (if any), then the one that answered."""
    provider = rec["provider_name"]
    if provider is None:
        return None
    others = [p for p in model.providers if p != provider]
    failed: list[str] = []
    if others and rng.random() < 0.07:
        failed = rng.sample(others, k=1 if len(others) == 1 or rng.random() < 0.8 else 2)
    out = []
    for name in failed:
        if name == "Azure" and provider == "OpenAI":  # the classic: Azure times out first
            status, took = 503, rng.gauss(2400, 150)
        else:
            status = rng.choice(_FAILED)
            took = rng.uniform(60, 400) if status == 429 else rng.uniform(300, 3000)
        item: dict[str, Any] = {"provider_name": name, "status": status,
                                "latency": int(max(1.0, took)),
                                "endpoint_id": _endpoint_id(name, model),
                                "model_permaslug": _permaslug(model),
                                "is_byok": rec["is_byok"]}
        out.append(item)
    took = int(round(rec["latency"] if rec["latency"] is not None else latency))
    served: dict[str, Any] = {"provider_name": provider, "status": 200, "latency": took,
                              "endpoint_id": _endpoint_id(provider, model)}
    if rec["upstream_id"] is not None:
        served["id"] = rec["upstream_id"]
    served.update(model_permaslug=_permaslug(model), is_byok=rec["is_byok"])
    if tier in ("flex", "priority"):
        served["routed_service_tier"] = tier
    out.append(served)
    return out


def _newer_fields(rec: dict[str, Any], model: Model, legacy: bool, latency: float, ts: int,
                  session: tuple[str, Model] | None, rng: random.Random) -> dict[str, Any]:
    """The 13 fields of the 2026-08 record, with realistic values and nulls."""
    openai_served = rec["provider_name"] in ("OpenAI", "Azure")
    tier = None
    if openai_served:
        tier = rng.choices(("default", "flex", "priority", None), weights=(80, 6, 6, 8))[0]
    search = model.kind in ("chat", "reasoning") and rng.random() < 0.04
    engine = rng.choices(_SEARCH_ENGINES, weights=(70, 20, 10))[0] if search else None
    if search:
        rec["num_search_results"] = rng.randrange(3, 11)
    origin = rec["origin"]
    referer = origin or None
    if referer is not None and rng.random() < 0.1:
        referer = referer.rstrip("/") + "/chat"
    cache_hit = rng.random() < 0.015
    return {
        "service_tier": tier,
        "num_fetches": None if legacy else (rng.randrange(0, 6) if search else 0),
        "web_search_engine": engine,
        "preset_id": rng.choice(_PRESETS) if rng.random() < 0.04 else None,
        "router": "openrouter/auto" if rng.random() < 0.07 else None,
        "provider_responses": None if legacy else _attempts(rec, model, latency, tier, rng),
        "user_agent": None if rng.random() < 0.08 else rng.choices(
            _USER_AGENTS, weights=_USER_AGENT_WEIGHTS)[0],
        "http_referer": referer,
        "data_region": rng.choices(("global", "us", "europe"), weights=(88, 8, 4))[0],
        "workspace_id": None if rng.random() < 0.25 else rng.choice(_WORKSPACES),
        "request_id": None if legacy or rng.random() < 0.05 else
        f"req-{ts}-" + "".join(rng.choice(ALNUM) for _ in range(20)),
        "response_cache_source_id": None if not cache_hit else
        f"gen-{ts - rng.randrange(60, 86_400)}-" + "".join(rng.choice(ALNUM) for _ in range(20)),
        "session_id": None if session is None else session[0],
    }
