"""The public entry points, composing the layers: fetch, then cache, then frame.

ids --normalize--> cached bodies (:mod:`.cache`) + HTTP for the rest
(:mod:`.fetch`) --> typed frame (:mod:`.frame`).  :class:`OpenRouterClient`
does the composing; :func:`fetch_generations` and :func:`generations_to_frame`
are the one-call forms.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd
import requests

from . import schema
from .analysis.accessor import register_viewer
from .cache import RecordStore, open_cache
from .cache.base import encode, loads
from .errors import FetchError, FetchWarning
from .fetch import GenerationFetcher, Secret, conceal, normalize_ids, progress_bar, run_batch
from .fetch.client import check_id
from .frame import FetchResult, failures_frame, raw_to_frame, records_to_frame
from .frame.build import warn_missing_required
from .frame.contents import content_row, contents_to_frame

if TYPE_CHECKING:
    from .viewer import GenerationViewer

logger = logging.getLogger("openrouter_frame")

_ERRORS = ("raise", "warn")


class OpenRouterClient(GenerationFetcher):
    """A client for OpenRouter's generation endpoint, with an optional record cache.

    The HTTP side (key, base URL, session, workers, timeout, retries, 404
    grace, backoff) is :class:`~openrouter_frame.fetch.GenerationFetcher`'s;
    this class adds the cache and builds frames.

    Parameters
    ----------
    api_key, base_url : str, optional
        Default to ``$OPENROUTER_API_KEY`` and ``$OPENROUTER_BASE_URL`` (else
        ``https://openrouter.ai/api/v1``); the key is never shown anywhere.
    cache : None, bool, str, path or RecordStore
        Where to keep fetched records; see :mod:`openrouter_frame.cache`.
    **options
        ``session``, ``max_workers``, ``timeout``, ``max_retries``, ``app_url``,
        ``app_title``, ``not_found_grace``, ``backoff_factor``, ``backoff_max``:
        see :class:`~openrouter_frame.fetch.GenerationFetcher`.

    Examples
    --------
    >>> from openrouter_frame import OpenRouterClient
    >>> from openrouter_frame.testing import serve
    >>> with serve() as sim, OpenRouterClient(sim.api_key, sim.base_url) as client:
    ...     record = client.get_generation(sim.ids(1)[0])
    ...     result = client.fetch(sim.ids(5))
    >>> sorted(record)[:3]
    ['api_type', 'app_id', 'cache_discount']
    >>> len(result.frame), len(result.failures)
    (5, 0)
    """

    def __init__(self, api_key: str | Secret | None = None, base_url: str | None = None, *,
                 cache: Any = None, **options: Any) -> None:
        api_key = conceal(api_key)  # type: ignore[assignment]  # first, see conceal
        super().__init__(api_key, base_url, **options)
        self._own_cache = not isinstance(cache, RecordStore)
        self.cache: RecordStore | None = open_cache(cache)

    def _repr_extra(self) -> str:
        cache = getattr(self, "cache", None)
        return f", cache={str(cache.path)!r}" if cache is not None else ""

    def close(self) -> None:
        """Close the session and the cache if this client opened them."""
        super().close()
        if self._own_cache and self.cache is not None:
            self.cache.close()

    def _account(self) -> str | None:
        key = self.require_key()
        return None if self.cache is None else self.cache.account(key)

    def get_generation(self, id: str) -> dict[str, Any]:
        """Return the ``data`` object of generation ``id`` (from the cache when it holds it).

        Raises the status's :class:`~openrouter_frame.OpenRouterError` subclass on failure.
        """
        return self._get_one(check_id(id), "generations", super().get_generation)

    def get_content(self, id: str) -> dict[str, Any]:
        """The ``data`` of ``GET /generation/content`` for ``id`` (cached in its own table)."""
        return self._get_one(check_id(id), "contents", super().get_content)

    def _get_one(self, id: str, table: str, fetch: Callable[[str], dict[str, Any]]
                 ) -> dict[str, Any]:
        """``id``'s body from the cache's ``table``, else ``fetch(id)``, stored as it arrives."""
        account = self._account()
        hit = self._readable(self._cached(account, [id], table), table)
        if id in hit:
            return hit[id]
        data = fetch(id)
        store = self._store(account, table)
        if store is not None:
            store(id, data)
        return data

    def fetch(self, ids: str | Iterable[Any], *, progress: bool | None = None,
              dtype_backend: str = "numpy_nullable") -> FetchResult:
        """Fetch many ids concurrently; return a :class:`~openrouter_frame.FetchResult`.

        Cached records are read first and never requested; each record fetched
        is written to the cache the moment it arrives.  Per-id failures (403,
        404, exhausted retries, bad bodies) land in ``.failures``; they never
        raise.  401 and 402 stop the batch and raise, carrying the partial
        result as ``.result``.
        """
        schema._check_backend(dtype_backend)
        todo = normalize_ids(ids)
        account = self._account()
        cached = self._cached(account, todo, "generations")
        if cached and len(cached) == len(todo):  # a re-run: no request, the fast reader
            raw = [cached[i] for i in todo]
            try:
                frame = raw_to_frame(raw, ids=todo, dtype_backend=dtype_backend)
            except (ValueError, RecursionError):  # an unreadable body? read one by one below
                frame = None
            if frame is not None:
                progress_bar(progress, len(raw), done=len(raw)).close()
                warn_missing_required(frame)
                return FetchResult(frame, failures_frame([], dtype_backend=dtype_backend),
                                   raw=raw)
        _, ordered, failures, fatal = self._fetch_rest(self, todo, account, cached,
                                                       "generations", progress, dtype_backend)
        result = FetchResult(frame=records_to_frame(ordered, dtype_backend=dtype_backend),
                             failures=failures, records=ordered)
        warn_missing_required(result.frame)
        _raise_fatal(fatal, result)
        return result

    def fetch_contents(self, ids: str | Iterable[Any], *, progress: bool | None = None,
                       dtype_backend: str = "numpy_nullable") -> FetchResult:
        """Fetch the stored prompts and outputs of many ids (``GET /generation/content``).

        Like :meth:`fetch` (concurrent, retried, cached in the same file, in its
        own table), but ``.frame`` is a contents frame (see
        :func:`~openrouter_frame.frame.contents.contents_to_frame`).  Contents can
        hold personal data: nothing fetches them unless asked.
        """
        schema._check_backend(dtype_backend)
        todo = normalize_ids(ids)
        account = self._account()
        found, ordered, failures, fatal = self._fetch_rest(
            self.content_fetcher(), todo, account, self._cached(account, todo, "contents"),
            "contents", progress, dtype_backend)
        result = FetchResult(
            frame=contents_to_frame(ordered, ids=found, dtype_backend=dtype_backend),
            failures=failures, records=ordered)
        _raise_fatal(fatal, result)
        return result

    def _cached(self, account: str | None, ids: list[str], table: str) -> dict[str, bytes]:
        """The raw bodies of ``ids`` this account has in the cache's ``table``."""
        if self.cache is None or account is None or not ids:
            return {}
        return self.cache.get_raw_many(account, ids, table=table)

    def _readable(self, cached: dict[str, bytes], table: str) -> dict[str, dict[str, Any]]:
        """The cached bodies read (:func:`~.cache.base.loads`); one that cannot be is a miss.

        A body that is not a JSON object (a damaged row) is left out, so its id
        is fetched again and its row overwritten; one warning names the cache
        file and the ids.  The server is never blamed for it.
        """
        records: dict[str, dict[str, Any]] = {}
        unreadable = []
        for id, body in cached.items():
            record = loads(body)
            if record is None:
                unreadable.append(id)
            else:  # a body stored as received may lack the id it was asked for
                record.setdefault("id", id)
                records[id] = record
        if unreadable and self.cache is not None:
            shown = ", ".join(map(repr, unreadable[:5]))
            more = f" and {len(unreadable) - 5} more" if len(unreadable) > 5 else ""
            logger.warning("the cache %s holds an unreadable %s body for id(s) %s%s (not a "
                           "JSON object): fetching again and overwriting", self.cache.path,
                           "content" if table == "contents" else "record", shown, more)
        return records

    def _store(self, account: str | None, table: str) -> _Store | None:
        """What writes each arriving body to the cache's ``table`` (``None``: no cache)."""
        return None if self.cache is None or account is None else \
            _Store(self.cache, account, table)

    def _fetch_rest(self, fetcher: Any, todo: list[str], account: str | None,
                    cached: dict[str, bytes], table: str, progress: bool | None,
                    dtype_backend: str
                    ) -> tuple[list[str], list[dict[str, Any]], pd.DataFrame, Any]:
        """Fetch the ids of ``todo`` not in ``cached`` through ``fetcher``, each stored in
        the cache's ``table`` as it arrives.

        Returns the ids found (cached or fetched, in ``todo``'s order), their
        records, the failures frame and the 401/402 that stopped the batch (or ``None``).
        """
        records = self._readable(cached, table)
        pending = [i for i in todo if i not in records]
        store = self._store(account, table)
        try:
            batch = run_batch(fetcher, pending, progress=progress, on_record=store,
                              done=len(records))
        except BaseException:
            if self.cache is not None:
                logger.info("every record fetched is in %s", self.cache.path)
            raise
        records.update(batch.records)
        found = [i for i in todo if i in records]
        failures = failures_frame(((i, *batch.failures[i]) for i in todo
                                   if i in batch.failures), dtype_backend=dtype_backend)
        return found, [records[i] for i in found], failures, batch.fatal


def _raise_fatal(fatal: Any, result: FetchResult) -> None:
    """Raise the 401/402 that stopped a batch, carrying the partial ``result``."""
    if fatal is not None:
        raise type(fatal)(
            f"{fatal.message} (batch stopped: {len(result.frame)} fetched, "
            f"{len(result.failures)} not; see .result)",
            status=fatal.status, id=fatal.id, result=result,
        )


class _Store:
    """Write each arriving body to the cache: the one write policy, for one id or a batch.

    ``body``, when the fetch layer has it, is the ``data`` object's bytes as
    received, stored as they are; without it the record is encoded once
    (compact JSON).  A record that cannot be encoded (NaN, a value JSON cannot
    hold) is returned but not kept (logged at DEBUG).  A failing cache (disk
    full, locked too long, read-only, closed) never fails a fetch: its first
    failure is a warning naming the file, later ones DEBUG.
    """

    def __init__(self, cache: RecordStore, account: str, table: str) -> None:
        self._cache, self._account, self._table = cache, account, table
        self._warned = False

    def __call__(self, id: str, data: dict[str, Any], body: bytes | None = None) -> None:
        if body is None:
            try:
                body = encode(data)
            except (TypeError, ValueError) as exc:
                logger.debug("not caching %r: %s", id, exc)
                return
        try:
            self._cache.put_raw(self._account, id, body, table=self._table)
        except Exception as exc:  # noqa: BLE001 - disk full, locked too long, closed
            level = logging.DEBUG if self._warned else logging.WARNING
            self._warned = True
            logger.log(level, "could not write %r to the cache %s: %s: %s", id,
                       self._cache.path, type(exc).__name__, exc)


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
    content: bool = False,
) -> pd.DataFrame:
    """Fetch generations into a typed DataFrame, one row per unique id.

    Takes the keywords of :func:`fetch_generations`, plus:

    Parameters
    ----------
    errors : {"raise", "warn"}
        ``"raise"``: after trying every id, raise :class:`FetchError` if any
        failed (its ``.result`` holds every record fetched).  ``"warn"``:
        return the successes and emit one :class:`FetchWarning`.
    content : bool
        Also fetch each generation's stored prompt and output
        (:func:`fetch_contents`) and join its columns (``prompt``, ``messages``,
        ``completion``, ``reasoning``, ``error``, ``extra``, ``stored``) by id.
        Off by default: contents can hold personal data.

    Returns
    -------
    pandas.DataFrame
        The 45 schema columns in its order (dtypes from the schema), then any extra
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
    if content:
        if client is None:
            with OpenRouterClient(api_key, base_url, max_workers=max_workers, cache=cache,
                                  session=session) as own:
                return generations_to_frame(ids, client=own, errors=errors, progress=progress,
                                            dtype_backend=dtype_backend, content=True)
        frame = generations_to_frame(ids, client=client, errors=errors, progress=progress,
                                     dtype_backend=dtype_backend)
        stored = _frame_of(client.fetch_contents(frame["id"], progress=progress,
                                                 dtype_backend=dtype_backend),
                           errors, "content(s)")
        return frame.merge(stored, on="id", how="left", suffixes=("", "_content"))
    result = fetch_generations(
        ids, api_key=api_key, base_url=base_url, client=client, max_workers=max_workers,
        progress=progress, dtype_backend=dtype_backend, cache=cache, session=session,
    )
    return _frame_of(result, errors)


def _frame_of(result: FetchResult, errors: str, what: str = "id(s)") -> pd.DataFrame:
    """``result.frame``; per ``errors``, raise :class:`FetchError` or warn when some failed."""
    if result.ok:
        return result.frame
    summary = result.describe_failures()
    if errors == "raise":
        raise FetchError(
            f"{len(result.failures)} of {len(result.failures) + len(result.frame)} {what} "
            f"failed (the fetched records are in .result.frame):\n{summary}",
            result=result,
        )
    warnings.warn(f"{len(result.failures)} {what} failed:\n{summary}", FetchWarning,
                  stacklevel=3)
    return result.frame


def fetch_contents(
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
    """Fetch generations' stored prompts and outputs into a typed frame, one row per id.

    ``GET /generation/content`` per id, concurrent, retried and cached like
    records (same cache file, its own table).  Contents can hold personal data:
    nothing in this package fetches them unless asked.  Takes the keywords of
    :func:`generations_to_frame`.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``prompt``, ``messages`` (a list of ``{"role", "content"}``),
        ``completion``, ``reasoning`` (string), ``error`` (the stored failure as
        JSON text), ``extra`` (keys outside the spec, JSON text) and ``stored``
        (boolean: ``False`` under zero data retention).

    Examples
    --------
    >>> import openrouter_frame as orf
    >>> from openrouter_frame.testing import serve
    >>> with serve() as sim:
    ...     df = orf.fetch_contents(sim.ids(8), api_key=sim.api_key, base_url=sim.base_url)
    >>> list(df.columns)
    ['id', 'prompt', 'messages', 'completion', 'reasoning', 'error', 'extra', 'stored']
    >>> df["messages"].iloc[1][-1]["role"], df["completion"].iloc[1][:28]
    ('user', 'SELECT customer_id, count(*)')
    >>> df["stored"].tolist().count(False)  # zero data retention: nothing kept
    1
    """
    api_key = conceal(api_key)  # type: ignore[assignment]  # no plain key in tracebacks
    if errors not in _ERRORS:
        raise ValueError(f"errors must be 'raise' or 'warn', got {errors!r}")
    if client is not None:
        result = client.fetch_contents(ids, progress=progress, dtype_backend=dtype_backend)
    else:
        with OpenRouterClient(api_key, base_url, max_workers=max_workers, cache=cache,
                              session=session) as own:
            result = own.fetch_contents(ids, progress=progress, dtype_backend=dtype_backend)
    return _frame_of(result, errors, "content(s)")


def content_loader(client: OpenRouterClient | None = None, *, api_key: str | None = None,
                   base_url: str | None = None) -> Callable[[str], dict[str, Any]] | None:
    """The viewer's content function: ``load(id)`` -> one contents row (a dict).

    Uses ``client`` (its cache too), else a client on ``api_key`` or
    ``$OPENROUTER_API_KEY``; ``None`` when there is no key (the viewer then says
    "no key: content not loaded").  ``load`` raises the request's
    :class:`~openrouter_frame.OpenRouterError` on failure.
    """
    if client is None:
        key = conceal(api_key if api_key is not None else os.environ.get("OPENROUTER_API_KEY"))
        if not key:
            return None
        client = OpenRouterClient(key, base_url, max_workers=1, cache=None)
    chosen = client

    def load(id: str) -> dict[str, Any]:
        return content_row(chosen.get_content(id), id=id)

    return load


def open_viewer(frame: pd.DataFrame, selected: Any = None, *,
                client: OpenRouterClient | None = None, api_key: str | None = None,
                base_url: str | None = None, **options: Any) -> GenerationViewer:
    """Build the :class:`~openrouter_frame.GenerationViewer` for ``df.orgen.view()``.

    The viewer shows each selected generation's prompt and output, fetched through
    :func:`content_loader` (``client=``, ``api_key=`` or ``$OPENROUTER_API_KEY``;
    no key: the viewer says so and fetches nothing).  A frame from
    ``generations_to_frame(..., content=True)`` already holds them.  Pass
    ``content=None`` to never fetch.  Imports ipywidgets only when called.
    """
    from .viewer import GenerationViewer

    if "content" not in options:
        options["content"] = content_loader(client, api_key=api_key, base_url=base_url)
    return GenerationViewer(frame, selected=selected, **options)


register_viewer(open_viewer)
