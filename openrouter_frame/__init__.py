"""openrouter_frame: OpenRouter generation records as typed pandas DataFrames.

>>> import openrouter_frame as orf
>>> from openrouter_frame.testing import serve
>>> with serve() as sim:
...     df = orf.generations_to_frame(sim.ids(5), api_key=sim.api_key, base_url=sim.base_url)
>>> len(df)
5
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import schema
from .analysis import accessor as _accessor  # noqa: F401  (registers df.orgen)
from .api import (
    OpenRouterClient,
    fetch_activity,
    fetch_contents,
    fetch_generations,
    fetch_prices,
    generations_to_frame,
)
from .cache import CacheInfo, GenerationCache, MemoryStore, RecordStore, cache_info, clear_cache
from .dataset import DatasetResult, fetch_to_dataset, read_dataset, write_dataset
from .errors import (
    AuthenticationError,
    CacheError,
    FetchError,
    FetchWarning,
    GenerationNotFoundError,
    InputWarning,
    InsufficientCreditsError,
    ManagementKeyRequiredError,
    MissingColumnsError,
    OpenRouterError,
    OpenRouterWarning,
    PermissionDeniedError,
    RateLimitError,
    ResponseError,
    SchemaWarning,
    UpstreamError,
)
from .fetch.ids import ids_from
from .frame import FetchResult

if TYPE_CHECKING:
    from .viewer import GenerationViewer

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """Import :class:`GenerationViewer` (and so ipywidgets) only when it is asked for."""
    if name == "GenerationViewer":
        from .viewer import GenerationViewer

        return GenerationViewer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AuthenticationError",
    "CacheError",
    "CacheInfo",
    "DatasetResult",
    "FetchError",
    "FetchResult",
    "FetchWarning",
    "GenerationCache",
    "GenerationNotFoundError",
    "GenerationViewer",
    "InputWarning",
    "InsufficientCreditsError",
    "ManagementKeyRequiredError",
    "MemoryStore",
    "MissingColumnsError",
    "OpenRouterClient",
    "OpenRouterError",
    "OpenRouterWarning",
    "PermissionDeniedError",
    "RateLimitError",
    "RecordStore",
    "ResponseError",
    "SchemaWarning",
    "UpstreamError",
    "cache_info",
    "clear_cache",
    "fetch_activity",
    "fetch_contents",
    "fetch_generations",
    "fetch_prices",
    "fetch_to_dataset",
    "generations_to_frame",
    "ids_from",
    "read_dataset",
    "schema",
    "write_dataset",
]
