"""The simulated account behind the simulator's keys: its history, activity and prices.

The bodies of ``GET /activity``, ``/models``, ``/models/{author}/{slug}/endpoints``,
``/credits`` and ``/key`` in the official shapes (the account OpenAPI excerpt),
all pure functions of the account and consistent with the generations it serves.

* **Today** is :data:`TODAY` (the day after the last simulated generation), fixed so
  a run is reproducible.  ``/activity`` covers the :data:`DAYS` completed UTC days
  before it.
* **The history** is every generation among the account's first
  :data:`HISTORY_INDEXES` ids (``sim.ids(HISTORY_INDEXES)``) created in those days
  whose record names the endpoint that served it (a ``provider_responses``
  attempt with status 200); the few legacy records without attempts are not
  billed there.
* **Activity** sums the history per UTC day of ``created_at`` x ``model`` x served
  endpoint (``endpoint_id``, ``provider_name`` and ``model_permaslug`` of the
  served attempt): ``requests`` (count), ``usage`` (sum of ``total_cost``: the
  OpenRouter credits spent, for BYOK the fee), ``byok_usage_inference`` (sum of
  ``upstream_inference_cost`` of BYOK rows: what the provider billed the user's own
  key), ``prompt_tokens``, ``completion_tokens``, ``reasoning_tokens`` (sums of the
  native counts; completion includes reasoning, as in the record; absent = 0).
  With ``group_by=workspace`` each item is split per ``workspace_id`` (a record
  without one is the account's default workspace, :data:`DEFAULT_WORKSPACE`).

Examples
--------
>>> from openrouter_frame.testing import Simulator
>>> sim = Simulator()
>>> items = sim.activity()
>>> sum(i["requests"] for i in items) == len(sim.history_ids())
True
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from .data import (
    _WORKSPACES,
    BY_SLUG,
    END,
    MODELS,
    RETIRED,
    UNLISTED_PROVIDERS,
    Model,
    _permaslug,
    make_id,
    make_record,
)
from .prices import public_pricing

#: The simulated "today" (UTC): the day after the last simulated generation.
TODAY: date = datetime.fromtimestamp(END, timezone.utc).date()
#: Completed UTC days ``/activity`` covers, ending the day before :data:`TODAY`.
DAYS = 30
#: The history is drawn from the account's ids of these indexes (``sim.ids(n)``).
HISTORY_INDEXES = 2000
#: Where activity without a ``workspace_id`` is attributed.
DEFAULT_WORKSPACE = _WORKSPACES[0]
FORBIDDEN = "Only management keys can perform this operation"

_TOKENIZER = {"openai": "GPT", "anthropic": "Claude", "google": "Gemini",
              "meta-llama": "Llama3", "deepseek": "DeepSeek", "mistralai": "Mistral",
              "qwen": "Qwen", "x-ai": "Grok", "cohere": "Cohere", "perplexity": "Other"}
_CONTEXT = {"openai": 128_000, "anthropic": 200_000, "google": 1_048_576}
_PARAMETERS = {"chat": ["temperature", "top_p", "max_tokens", "stop", "tools", "tool_choice",
                        "response_format", "seed"],
               "embeddings": [], "rerank": []}


@dataclass(frozen=True)
class Billed:
    """One generation of the history, as the activity counts it."""

    id: str
    date: str
    model: str
    model_permaslug: str
    endpoint_id: str
    provider_name: str
    workspace_id: str
    usage: float
    byok_usage_inference: float
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int


def first_day() -> date:
    """The first UTC day of the history (inclusive)."""
    return TODAY - timedelta(days=DAYS)


def last_day() -> date:
    """The last UTC day of the history (inclusive): the day before :data:`TODAY`."""
    return TODAY - timedelta(days=1)


def served_attempt(rec: dict[str, Any]) -> dict[str, Any] | None:
    """The ``provider_responses`` attempt that answered (status 200), else ``None``."""
    for attempt in reversed(rec.get("provider_responses") or []):
        if attempt.get("status") == 200:
            return attempt
    return None


def _billed(rec: dict[str, Any]) -> Billed | None:
    served = served_attempt(rec)
    day = rec["created_at"][:10]
    if served is None or not first_day().isoformat() <= day <= last_day().isoformat():
        return None
    byok = bool(rec["is_byok"])
    return Billed(
        id=rec["id"], date=day, model=rec["model"],
        model_permaslug=served["model_permaslug"], endpoint_id=served["endpoint_id"],
        provider_name=served["provider_name"],
        workspace_id=rec["workspace_id"] or DEFAULT_WORKSPACE,
        usage=rec["total_cost"],
        byok_usage_inference=(rec["upstream_inference_cost"] or 0.0) if byok else 0.0,
        prompt_tokens=rec["native_tokens_prompt"] or 0,
        completion_tokens=rec["native_tokens_completion"] or 0,
        reasoning_tokens=rec["native_tokens_reasoning"] or 0)


@lru_cache(maxsize=8)
def history(secret: bytes) -> tuple[tuple[Billed, ...], dict[str, dict[str, Any]]]:
    """The account's history (in id order) and the records of its generations."""
    rows, records = [], {}
    for index in range(HISTORY_INDEXES):
        rec = make_record(make_id(secret, index))
        row = _billed(rec)
        if row is not None:
            rows.append(row)
            records[row.id] = rec
    return tuple(rows), records


def held_back(ids: Sequence[str], share: float, seed: int) -> frozenset[str]:
    """The ``round(share * len(ids))`` ids a user's logs missed, chosen by a hash."""
    if not (isinstance(share, (int, float)) and 0 <= share <= 1):
        raise ValueError(f"unlisted_share must be a number in [0, 1], got {share!r}")
    k = round(share * len(ids))

    def rank(id: str) -> bytes:
        return hashlib.sha256(f"orf-sim-unlisted\0{seed}\0{id}".encode()).digest()

    return frozenset(sorted(ids, key=rank)[:k])


def activity(rows: Iterable[Billed], *, day: str | None = None,
             workspace_id: str | None = None, by_workspace: bool = False
             ) -> list[dict[str, Any]]:
    """The ``data`` items of ``GET /activity``, sorted by date, model, endpoint."""
    groups: dict[tuple[str, ...], list[Billed]] = {}
    key: tuple[str, ...]
    for row in rows:
        if (day is not None and row.date != day) or (
                workspace_id is not None and row.workspace_id != workspace_id):
            continue
        key = (row.date, row.model, row.model_permaslug, row.endpoint_id, row.provider_name)
        if by_workspace:
            key += (row.workspace_id,)
        groups.setdefault(key, []).append(row)
    out = []
    for key in sorted(groups):
        members = groups[key]
        item: dict[str, Any] = {
            "date": key[0], "model": key[1], "model_permaslug": key[2], "endpoint_id": key[3],
            "provider_name": key[4],
            "usage": math.fsum(r.usage for r in members),
            "byok_usage_inference": math.fsum(r.byok_usage_inference for r in members),
            "requests": len(members),
            "prompt_tokens": sum(r.prompt_tokens for r in members),
            "completion_tokens": sum(r.completion_tokens for r in members),
            "reasoning_tokens": sum(r.reasoning_tokens for r in members)}
        if by_workspace:
            item["workspace_id"] = key[5]
        out.append(item)
    return out


def workspaces() -> tuple[str, ...]:
    """The account's workspace ids."""
    return _WORKSPACES


# -- /models and /models/{author}/{slug}/endpoints ----------------------------------------
def _architecture(m: Model) -> dict[str, Any]:
    inputs = {"image": ["text", "image"], "audio": ["text", "audio"]}.get(m.kind, ["text"])
    outputs = {"image": ["text", "image"], "embeddings": ["embeddings"],
               "rerank": ["rerank"]}.get(m.kind, ["text"])
    return {"modality": f"{'+'.join(inputs)}->{'+'.join(outputs)}",
            "input_modalities": inputs, "output_modalities": outputs,
            "tokenizer": _TOKENIZER[m.slug.split("/")[0]], "instruct_type": None}


def _name(m: Model) -> str:
    author, slug = m.slug.split("/", 1)
    return f"{author.title()}: {slug.replace('-', ' ').title()}"


def _created(m: Model) -> int:
    return END - 400 * 86_400 + int(hashlib.sha256(m.slug.encode()).hexdigest()[:4], 16) % 300


def _context(m: Model) -> int:
    if m.kind == "embeddings":
        return 8192
    if m.kind == "rerank":
        return 4096
    return _CONTEXT.get(m.family, 131_072)


def _parameters(m: Model) -> list[str]:
    params = list(_PARAMETERS.get(m.kind, _PARAMETERS["chat"]))
    if m.kind == "reasoning":
        params += ["reasoning", "include_reasoning"]
    return params


def listed_models() -> list[Model]:
    """The models ``GET /models`` lists: every simulated one but the retired."""
    return [m for m in MODELS if m.slug not in RETIRED]


def model_item(m: Model) -> dict[str, Any]:
    """One ``Model`` of ``GET /models``."""
    return {
        "id": m.slug, "canonical_slug": _permaslug(m), "hugging_face_id": None,
        "name": _name(m), "created": _created(m),
        "description": f"{_name(m)}, as the loopback simulator serves it.",
        "context_length": _context(m), "architecture": _architecture(m),
        "pricing": public_pricing(m),
        "top_provider": {"context_length": _context(m),
                         "max_completion_tokens": None if m.kind in ("embeddings", "rerank")
                         else 16_384,
                         "is_moderated": m.family in ("openai", "anthropic")},
        "per_request_limits": None, "supported_parameters": _parameters(m),
        "default_parameters": None, "supported_voices": None,
        "knowledge_cutoff": None, "expiration_date": None,
        "links": {"details": f"/api/v1/models/{m.slug}/endpoints"},
    }


def models_body(*, output_modalities: str | None = None, offset: int | None = None,
                limit: int | None = None) -> dict[str, Any]:
    """The body of ``GET /models`` (``output_modalities`` defaults to ``"text"``, as the
    service's does: embeddings and rerank models need ``"all"`` or their own)."""
    wanted = {s.strip() for s in (output_modalities or "text").split(",") if s.strip()}
    items = [model_item(m) for m in listed_models()]
    if "all" not in wanted:
        items = [i for i in items if wanted & set(i["architecture"]["output_modalities"])]
    total = len(items)
    nxt = None
    if offset is not None or limit is not None:
        start, size = offset or 0, limit or 500
        items = items[start:start + size]
        if start + size < total:
            nxt = f"/api/v1/models?offset={start + size}&limit={size}"
    return {"data": items, "total_count": total, "links": {"next": nxt}}


def endpoint_tag(provider: str) -> str:
    """The ``tag`` of a provider's endpoint (``Google`` is Vertex)."""
    return {"Google": "google-vertex"}.get(provider, provider.lower().replace(" ", "-"))


def _endpoint(m: Model, provider: str) -> dict[str, Any]:
    rng = random.Random(f"orf-sim-endpoint\0{m.slug}\0{provider}")
    ttft = m.ttft * rng.uniform(0.8, 1.2)
    tps = m.tps * rng.uniform(0.8, 1.2)
    return {
        "name": f"{provider} | {m.slug}", "model_id": _permaslug(m), "model_name": _name(m),
        "context_length": _context(m), "pricing": public_pricing(m, provider),
        "provider_name": provider, "tag": endpoint_tag(provider),
        "quantization": "fp8" if m.family == "open" and provider != "Groq" else None,
        "max_completion_tokens": None if m.kind in ("embeddings", "rerank") else 16_384,
        "max_prompt_tokens": None, "supported_parameters": _parameters(m), "status": 0,
        "uptime_last_30m": round(rng.uniform(97, 100), 2), "uptime_last_5m": 100.0,
        "uptime_last_1d": round(rng.uniform(98, 100), 2),
        "supports_implicit_caching": m.cache in ("openai", "google", "deepseek"),
        "latency_last_30m": {"p50": round(ttft, 1), "p75": round(ttft * 1.3, 1),
                             "p90": round(ttft * 1.8, 1), "p99": round(ttft * 3.0, 1)},
        "throughput_last_30m": None if not tps else {
            "p50": round(tps, 1), "p75": round(tps * 0.85, 1), "p90": round(tps * 0.7, 1),
            "p99": round(tps * 0.4, 1)},
    }


def endpoints_body(slug: str) -> dict[str, Any] | None:
    """The body of ``GET /models/{slug}/endpoints``, or ``None`` for an unknown model.

    Endpoints of :data:`~openrouter_frame.testing.data.UNLISTED_PROVIDERS` are not
    listed."""
    m = BY_SLUG.get(slug)
    if m is None or slug in RETIRED:
        return None
    item = model_item(m)
    return {"data": {
        "id": m.slug, "name": item["name"], "created": item["created"],
        "description": item["description"], "architecture": item["architecture"],
        "endpoints": [_endpoint(m, p) for p in m.providers if p not in UNLISTED_PROVIDERS]}}


# -- /credits and /key -------------------------------------------------------------------
def credits_body(rows: Sequence[Billed]) -> dict[str, Any]:
    """``GET /credits``: purchased credits and what the history used of them."""
    used = math.fsum(r.usage for r in rows)
    return {"data": {"total_credits": float(math.ceil(used / 50) * 50 + 100),
                     "total_usage": used}}


def key_body(rows: Sequence[Billed], key: str, *, management: bool) -> dict[str, Any]:
    """``GET /key`` for ``key`` (its label is a hash of it, never a piece of it)."""
    digest = hashlib.sha256(f"orf-sim-label\0{key}".encode()).hexdigest()

    def since(start: date) -> tuple[float, float]:
        picked = [r for r in rows if r.date >= start.isoformat()]
        return (math.fsum(r.usage for r in picked),
                math.fsum(r.byok_usage_inference for r in picked))

    week = TODAY - timedelta(days=TODAY.weekday())
    usage, byok = since(date.min)
    daily, byok_daily = since(TODAY)
    weekly, byok_weekly = since(week)
    monthly, byok_monthly = since(TODAY.replace(day=1))
    return {"data": {
        "label": f"sk-or-v1-{digest[:3]}...{digest[-3:]}", "limit": None,
        "limit_remaining": None, "limit_reset": None, "include_byok_in_limit": False,
        "usage": usage, "usage_daily": daily, "usage_weekly": weekly, "usage_monthly": monthly,
        "byok_usage": byok, "byok_usage_daily": byok_daily, "byok_usage_weekly": byok_weekly,
        "byok_usage_monthly": byok_monthly, "is_free_tier": False,
        "is_management_key": management, "is_provisioning_key": management,
        "creator_user_id": "user_" + digest[8:34], "expires_at": None,
        "rate_limit": {"requests": -1, "interval": "10s",
                       "note": "This field is deprecated and safe to ignore."}}}
