"""openrouter_frame: OpenRouter generation records as typed pandas DataFrames.

>>> import openrouter_frame as orf
>>> from openrouter_frame.testing import serve
>>> with serve() as sim:
...     df = orf.generations_to_frame(sim.ids(5), api_key=sim.api_key, base_url=sim.base_url)
>>> len(df)
5
"""

from __future__ import annotations

from . import schema
from ._batch import FetchResult
from .api import fetch_generations, generations_to_frame
from .client import OpenRouterClient
from .errors import (
    AuthenticationError,
    FetchError,
    FetchWarning,
    GenerationNotFoundError,
    InputWarning,
    InsufficientCreditsError,
    OpenRouterError,
    OpenRouterWarning,
    PermissionDeniedError,
    RateLimitError,
    ResponseError,
    SchemaWarning,
    UpstreamError,
)

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "FetchError",
    "FetchResult",
    "FetchWarning",
    "GenerationNotFoundError",
    "InputWarning",
    "InsufficientCreditsError",
    "OpenRouterClient",
    "OpenRouterError",
    "OpenRouterWarning",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseError",
    "SchemaWarning",
    "UpstreamError",
    "fetch_generations",
    "generations_to_frame",
    "schema",
]
