"""HTTP: fetch generation records (dicts) and failure rows, never frames.

* :mod:`.client`: :class:`GenerationFetcher`, one id with retries.
* :mod:`.envelope`: a 200 body read once, with its ``data`` bytes as received (what a
  cache stores).
* :mod:`.retry`: statuses retried, backoff, the shared 429 gate.
* :mod:`.auth`: the key holder that never prints itself, bearer auth, the base-URL rule.
* :mod:`.ids`: normalising the ids a user passes in; :func:`ids_from` finds them.
* :mod:`.pool`, :mod:`.batch`: the worker pool and the batch runner.
* :mod:`.account`: the account endpoints (``/activity`` with a management key,
  ``/models`` and a model's ``/endpoints``, ``/credits``, ``/key``).
"""

from __future__ import annotations

from .auth import Secret, conceal
from .batch import Batch, Progress, run_batch
from .client import DEFAULT_BASE_URL, GenerationFetcher
from .ids import ids_from, normalize_ids

__all__ = ["DEFAULT_BASE_URL", "Batch", "GenerationFetcher", "Secret", "conceal",
           "Progress", "ids_from", "normalize_ids", "run_batch"]
