"""The two entry points: :func:`generations_to_frame` and :func:`fetch_generations`."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import pandas as pd
import requests

from ._batch import FetchResult
from ._security import conceal
from .client import OpenRouterClient
from .errors import FetchError, FetchWarning

_ERRORS = ("raise", "warn")


def fetch_generations(
    ids: str | Iterable[Any],
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    client: OpenRouterClient | None = None,
    max_workers: int = 16,
    progress: bool | None = None,
    dtype_backend: str = "numpy_nullable",
    cache: Any = None,
    session: requests.Session | None = None,
) -> FetchResult:
    """Fetch generation records; per-id failures are returned, never raised.

    Parameters
    ----------
    ids : str or iterable of str
        Generation ids (list, tuple, set, generator, array, Series, Index);
        a single ``str`` is one id.  Stripped, deduplicated, NA/blank skipped.
    api_key, base_url : str, optional
        Default to ``$OPENROUTER_API_KEY`` / ``$OPENROUTER_BASE_URL``.
    client : OpenRouterClient, optional
        Use this client (then ``api_key``, ``base_url``, ``max_workers``,
        ``cache`` and ``session`` are ignored).
    max_workers : int
        Concurrent requests.
    progress : bool, optional
        ``None``: a bar for 100 ids or more; ``True`` always; ``False`` never.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        Dtypes of the frame (see :func:`openrouter_frame.frame.records_to_frame`).
    cache : None, bool or path
        Where to keep fetched records (see :mod:`openrouter_frame.cache`).
    session : requests.Session, optional
        Session for a new client.

    Returns
    -------
    FetchResult
        ``.frame`` (successes, input order) and ``.failures``.

    Raises
    ------
    AuthenticationError, InsufficientCreditsError
        On 401/402 (the batch stops; ``.result`` holds what was fetched).

    Examples
    --------
    >>> from openrouter_frame import fetch_generations
    >>> from openrouter_frame.testing import serve
    >>> with serve() as sim:
    ...     result = fetch_generations(sim.ids(3) + ["gen-missing"], api_key=sim.api_key,
    ...                                base_url=sim.base_url)
    >>> result
    FetchResult(3 records, 1 failures)
    >>> result.failures[["id", "status"]].to_dict("records")
    [{'id': 'gen-missing', 'status': 404}]
    """
    api_key = conceal(api_key)  # type: ignore[assignment]  # no plain key in tracebacks
    if client is not None:
        return client.fetch(ids, progress=progress, dtype_backend=dtype_backend)
    with OpenRouterClient(api_key, base_url, max_workers=max_workers, cache=cache,
                          session=session) as own:
        return own.fetch(ids, progress=progress, dtype_backend=dtype_backend)


def generations_to_frame(
    ids: str | Iterable[Any],
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    client: OpenRouterClient | None = None,
    max_workers: int = 16,
    errors: str = "raise",
    progress: bool | None = None,
    dtype_backend: str = "numpy_nullable",
    cache: Any = None,
    session: requests.Session | None = None,
) -> pd.DataFrame:
    """Fetch generations into a typed DataFrame, one row per unique id.

    Takes the keywords of :func:`fetch_generations`, plus:

    Parameters
    ----------
    errors : {"raise", "warn"}
        ``"raise"``: after trying every id, raise :class:`FetchError` if any
        failed (its ``.result`` holds every record fetched).  ``"warn"``:
        return the successes and emit one :class:`FetchWarning`.

    Returns
    -------
    pandas.DataFrame
        The 32 schema columns in spec order (nullable dtypes), then any extra
        fields the server sent; a RangeIndex in first-seen input order.

    Examples
    --------
    >>> import openrouter_frame as orf
    >>> from openrouter_frame.testing import serve
    >>> with serve() as sim:
    ...     df = orf.generations_to_frame(sim.ids(20), api_key=sim.api_key,
    ...                                   base_url=sim.base_url)
    >>> df.shape[0], str(df["total_cost"].dtype), str(df["created_at"].dtype)
    (20, 'Float64', 'datetime64[us, UTC]')
    """
    api_key = conceal(api_key)  # type: ignore[assignment]  # no plain key in tracebacks
    if errors not in _ERRORS:
        raise ValueError(f"errors must be 'raise' or 'warn', got {errors!r}")
    result = fetch_generations(
        ids, api_key=api_key, base_url=base_url, client=client, max_workers=max_workers,
        progress=progress, dtype_backend=dtype_backend, cache=cache, session=session,
    )
    if result.ok:
        return result.frame
    summary = result.describe_failures()
    if errors == "raise":
        raise FetchError(
            f"{len(result.failures)} of {len(result.failures) + len(result.frame)} id(s) "
            f"failed (the fetched records are in .result.frame):\n{summary}",
            result=result,
        )
    warnings.warn(f"{len(result.failures)} id(s) failed:\n{summary}", FetchWarning,
                  stacklevel=2)
    return result.frame
