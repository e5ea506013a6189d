"""Placeholder: the persistent cache arrives with the reliability work."""

from __future__ import annotations

import os
from typing import Any


def open_cache(cache: Any) -> Any:
    """Resolve ``cache=``; until the cache lands only ``None``/``False`` are accepted."""
    if cache is None:
        cache = os.environ.get("OPENROUTER_FRAME_CACHE") or False
    if cache is False:
        return None
    raise NotImplementedError("the on-disk cache is not available yet")
