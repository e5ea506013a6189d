"""What the simulator serves at ``GET /generation/content``: a function of the id alone.

Consistent with the id's record (:func:`~.data.make_record`): a generation with
reasoning tokens has reasoning text, an ``error`` finish has a stored error with
its failed upstream attempts, and about one id in eight has zero data retention:
no messages and a null output (``{"messages": []}``, since the spec's ``input``
requires a ``prompt`` or a ``messages`` key).

Examples
--------
>>> from openrouter_frame.testing import Simulator
>>> from openrouter_frame.testing.content import make_content
>>> sim = Simulator()
>>> content = make_content(sim.ids(1)[0])
>>> sorted(content)
['error', 'input', 'output']
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from .data import make_record

#: Share of ids whose content the service did not keep (zero data retention).
ZDR_RATE = 0.125
_TOPICS = (
    ("Summarise the attached meeting notes in three bullet points.",
     "- The launch moves to March.\n- Budget is approved.\n- Ana owns the follow-up."),
    ("Translate 'the invoice is overdue' into French and German.",
     "French: la facture est en retard. German: Die Rechnung ist überfällig."),
    ("Write a SQL query counting orders per customer in 2025.",
     "SELECT customer_id, count(*) FROM orders\nWHERE year = 2025 GROUP BY customer_id;"),
    ("Why does my Python loop print the last value three times?",
     "The lambdas capture the variable, not its value: bind it with a default argument."),
    ("Suggest a name for a cat that likes boxes.", "How about Cardigan, or simply Box?"),
    ("What is the capital of Australia?", "Canberra."),
    ("Explain HTTP 429 and how a client should react.",
     "429 means too many requests: wait for Retry-After, then retry with backoff."),
    ("Rewrite this sentence to be more formal: 'we gotta ship it friday'.",
     "We must release it on Friday."),
)
_SYSTEM = "You are a helpful assistant."


def is_zdr(id: str) -> bool:
    """Whether the simulator kept no content for ``id`` (zero data retention)."""
    digest = hashlib.sha256(b"content:" + id.encode("utf-8", "surrogatepass")).digest()
    return digest[0] < 256 * ZDR_RATE


def make_content(id: str) -> dict[str, Any]:
    """The ``data`` object of ``GET /generation/content?id=`` for a valid ``id``."""
    if is_zdr(id):
        return {"input": {"messages": []}, "output": {"completion": None, "reasoning": None},
                "error": None}
    rec = make_record(id)
    rng = random.Random(hashlib.sha256(b"content:" + id.encode("utf-8", "surrogatepass"))
                        .digest())
    question, answer = rng.choice(_TOPICS)
    kind = rec.get("api_type")
    if kind in ("embeddings", "rerank"):
        inp: dict[str, Any] = {"prompt": question}
        completion = None
    else:
        inp = {"messages": [{"role": "system", "content": _SYSTEM},
                            {"role": "user", "content": question}]}
        completion = answer
    reasoning = None
    if rec.get("native_tokens_reasoning"):
        reasoning = (f"The user asks: {question!r}. Consider what they need, check the "
                     "facts, then answer briefly.")
    error = None
    if rec.get("finish_reason") == "error":
        completion = completion[: rng.randrange(0, 12)] if completion else completion
        provider = rec.get("provider_name")
        error = {"status": 502, "message": "Provider returned error",
                 "provider_name": provider,
                 "raw": '{"error":{"code":502,"message":"upstream connect error"}}',
                 "previous_errors": [
                     {"code": int(r["status"]), "message": "Provider returned error",
                      "provider_name": r.get("provider_name", r.get("provider")), "raw": None}
                     for r in rec.get("provider_responses") or [] if r.get("status") != 200]}
    return {"input": inp, "output": {"completion": completion, "reasoning": reasoning},
            "error": error}
