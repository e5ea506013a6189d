"""The public entry points, composing the layers: fetch, then cache, then frame.

ids --normalize--> cached bodies (:mod:`.cache`) + HTTP for the rest
(:mod:`.fetch`) --> typed frame (:mod:`.frame`).  :class:`OpenRouterClient`
does the composing; :func:`fetch_generations` and :func:`generations_to_frame`
are the one-call forms.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import warnings
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd
import requests

from . import schema
from .analysis.accessor import register_viewer
from .cache import RecordStore, open_cache
from .cache.base import encode, loads
from .errors import FetchError, FetchWarning, OpenRouterError
from .fetch import GenerationFetcher, Secret, conceal, normalize_ids, run_batch
from .fetch.client import CONTENT_PATH, GENERATION_PATH, check_id
from .frame import FetchResult, failures_frame, raw_to_frame, records_to_frame
from .frame.build import warn_missing_required
from .frame.contents import content_row, contents_to_frame

if TYPE_CHECKING:
    from .viewer import GenerationViewer

logger = logging.getLogger("openrouter_frame")

_ERRORS = ("raise", "warn")
#: ``progress=None`` shows a bar for batches at least this large.
PROGRESS_THRESHOLD = 100


def progress_bar(progress: bool | None, total: int, done: int = 0) -> Any:
    """The tqdm bar a batch reports to (see :class:`~openrouter_frame.fetch.batch.Progress`).

    Over ``total`` ids, already advanced past ``done`` (cached) ones; shown when
    ``progress`` is ``True``, or is ``None`` and ``total`` is at least
    :data:`PROGRESS_THRESHOLD`.
    """
    show = progress if progress is not None else total >= PROGRESS_THRESHOLD
    from tqdm.auto import tqdm

    bar = tqdm(total=total, disable=not show, desc="generations", unit="id")
    if done:
        bar.set_postfix({"cached": done}, refresh=False)
        bar.update(done)
    return bar


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
        ``app_title``, ``not_found_grace``, ``backoff_factor``, ``backoff_max``, ``adaptive``:
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
        return self._get_one(check_id(id), "generations", GENERATION_PATH)

    def get_content(self, id: str) -> dict[str, Any]:
        """The ``data`` of ``GET /generation/content`` for ``id`` (cached in its own table)."""
        return self._get_one(check_id(id), "contents", CONTENT_PATH)

    def _get_one(self, id: str, table: str, path: str) -> dict[str, Any]:
        """``id``'s body from the cache's ``table``, else fetched from ``path``, stored as it
        arrives."""
        account = self._account()
        hit = self._readable(self._cached(account, [id], table), table)
        if id in hit:
            return hit[id]
        data, body = self.receive(id, threading.Event(), path)
        store = self._store(account, table)
        if store is not None:
            store(id, data, body)
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
        schema.check_backend(dtype_backend)
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
        schema.check_backend(dtype_backend)
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
        bar = progress_bar(progress, len(pending) + len(records), len(records))
        try:
            batch = run_batch(fetcher, pending, on_progress=bar, on_record=store,
                              done=len(records))
        except BaseException:
            if self.cache is not None:
                logger.info("every record fetched is in %s", self.cache.path)
            raise
        finally:
            bar.close()
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
    max_workers: int | None = None,
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
        Use this client.  It was made with its own key, base URL, workers,
        cache and session: passing any of ``api_key``, ``base_url``,
        ``max_workers``, ``cache`` or ``session`` with it raises ``TypeError``.
    max_workers : int, optional
        Concurrent requests (default 16).
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
    TypeError
        ``client=`` together with an argument only a new client would use.

    Examples
    --------
    >>> from openrouter_frame import fetch_generations
    >>> from openrouter_frame.testing import serve
    >>> with serve() as sim:
    ...     result = fetch_generations(sim.ids(3) + ["gen-missing"], api_key=sim.api_key,
    ...                                base_url=sim.base_url)
    >>> result
    FetchResult(3 records, 1 failure)
    >>> result.failures[["id", "status"]].to_dict("records")
    [{'id': 'gen-missing', 'status': 404}]
    """
    api_key = conceal(api_key)  # type: ignore[assignment]  # no plain key in tracebacks
    with _client_for(client, api_key=api_key, base_url=base_url, max_workers=max_workers,
                     cache=cache, session=session) as chosen:
        return chosen.fetch(ids, progress=progress, dtype_backend=dtype_backend)


@contextlib.contextmanager
def _client_for(client: OpenRouterClient | None, **options: Any
                ) -> Iterator[OpenRouterClient]:
    """``client``, or a new client made of ``options`` (closed when the block ends).

    The one rule of every entry point taking ``client=``: the options a new
    client would be made of (``None`` where not given) cannot come with it,
    since the client already has its own; they raise ``TypeError`` naming them.
    """
    given = [name for name, value in options.items() if value is not None]
    if client is not None:
        if given:
            names = ", ".join(f"{name}=" for name in given)
            raise TypeError(
                f"{names} cannot be used with client=: the client already has its own "
                "(set them when making the OpenRouterClient, or drop client=)")
        yield client
        return
    key, base_url = options.pop("api_key", None), options.pop("base_url", None)
    with OpenRouterClient(key, base_url, **{name: value for name, value in options.items()
                                            if value is not None}) as own:
        yield own


def generations_to_frame(
    ids: str | Iterable[Any],
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    client: OpenRouterClient | None = None,
    max_workers: int | None = None,
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
        Off by default: contents can hold personal data.  A content that
        fails (say a 404 under zero data retention) keeps its record: the
        row is in the frame (``.result.frame`` under ``errors="raise"``) with
        empty content columns, and the id is in ``.result.failures``, its
        ``error`` starting ``content:``.

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
    _check_errors(errors)
    with _client_for(client, api_key=api_key, base_url=base_url, max_workers=max_workers,
                     cache=cache, session=session) as chosen:
        result = chosen.fetch(ids, progress=progress, dtype_backend=dtype_backend)
        if content:
            result = _with_contents(chosen, result, progress, dtype_backend)
    return _frame_of(result, errors)


def _check_errors(errors: str) -> None:
    if errors not in _ERRORS:
        raise ValueError(f"errors must be 'raise' or 'warn', got {errors!r}")


#: How the error of an id whose record came but whose content did not begins.
CONTENT_FAILED = "content: "


def _with_contents(client: OpenRouterClient, records: FetchResult, progress: bool | None,
                   dtype_backend: str) -> FetchResult:
    """``records`` with the contents of its ids joined, and their failures added.

    Nothing fetched is lost: a content that fails leaves its record in the
    frame (content columns NA) and adds its id to the failures, the error
    beginning :data:`CONTENT_FAILED`.  A 401/402 while fetching contents is
    raised again carrying this joined result.
    """
    try:
        contents = client.fetch_contents(records.frame["id"], progress=progress,
                                         dtype_backend=dtype_backend)
    except OpenRouterError as exc:
        if exc.result is None:
            raise
        joined = _joined(records, exc.result, dtype_backend)
        raise type(exc)(f"{exc.message} while fetching contents; .result holds every record "
                        "fetched, joined with the contents fetched",
                        status=exc.status, id=exc.id, result=joined) from None
    return _joined(records, contents, dtype_backend)


def _joined(records: FetchResult, contents: FetchResult, dtype_backend: str) -> FetchResult:
    frame = records.frame.merge(contents.frame, on="id", how="left", suffixes=("", "_content"))
    rows = [*_failure_rows(records.failures),
            *((i, status, CONTENT_FAILED + error)
              for i, status, error in _failure_rows(contents.failures))]
    return FetchResult(frame, failures_frame(rows, dtype_backend=dtype_backend),
                       records=records.records)


def _failure_rows(failures: pd.DataFrame) -> Iterator[tuple[str, int | None, str]]:
    for id, status, error in zip(failures["id"], failures["status"], failures["error"],
                                 strict=True):
        yield str(id), None if pd.isna(status) else int(status), str(error)


def _frame_of(result: FetchResult, errors: str, what: str = "id(s)") -> pd.DataFrame:
    """``result.frame``; per ``errors``, raise :class:`FetchError` or warn when some failed.

    The message counts the ids that failed (a content failure's record is in
    the frame too, so each id is counted once) and names them by status and reason.
    """
    if result.ok:
        return result.frame
    summary = result.describe_failures()
    failed = set(result.failures["id"].astype(object))
    total = len(failed | set(result.frame["id"].astype(object))) if "id" in result.frame \
        else len(failed) + len(result.frame)
    errors_of = result.failures["error"].astype(object)
    kept = ("every record fetched is in .result.frame, joined with the contents fetched"
            if any(str(e).startswith(CONTENT_FAILED) for e in errors_of)
            else "the fetched records are in .result.frame")
    if errors == "raise":
        raise FetchError(f"{len(failed)} of {total} {what} failed ({kept}):\n{summary}",
                         result=result)
    warnings.warn(f"{len(failed)} {what} failed:\n{summary}", FetchWarning, stacklevel=3)
    return result.frame


def fetch_contents(
    ids: str | Iterable[Any],
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    client: OpenRouterClient | None = None,
    max_workers: int | None = None,
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
    _check_errors(errors)
    with _client_for(client, api_key=api_key, base_url=base_url, max_workers=max_workers,
                     cache=cache, session=session) as chosen:
        result = chosen.fetch_contents(ids, progress=progress, dtype_backend=dtype_backend)
    return _frame_of(result, errors, "content(s)")


def content_loader(client: OpenRouterClient | None = None, *, api_key: str | None = None,
                   base_url: str | None = None) -> ContentLoader | None:
    """The viewer's content function: ``load(id)`` -> one contents row (a dict).

    Uses ``client`` (its cache too), else a client on ``api_key`` or
    ``$OPENROUTER_API_KEY``; ``None`` when there is no key (the viewer then says
    "no key: content not loaded").  ``load`` raises the request's
    :class:`~openrouter_frame.OpenRouterError` on failure.  ``client=`` with
    ``api_key=`` or ``base_url=`` raises ``TypeError``.  The loader closes the
    client it made (``load.close()``, or ``with`` it), never one it was given.
    """
    api_key = conceal(api_key)  # type: ignore[assignment]  # no plain key in tracebacks
    if client is not None:
        with _client_for(client, api_key=api_key, base_url=base_url) as given:
            return ContentLoader(given, owned=False)
    key = api_key if api_key is not None else conceal(os.environ.get("OPENROUTER_API_KEY"))
    if key is None:
        return None
    return ContentLoader(OpenRouterClient(key, base_url, max_workers=1, cache=None), owned=True)


class ContentLoader:
    """``load(id)`` -> one contents row (a dict) through a client; see :func:`content_loader`.

    Closes its client on :meth:`close` (or at the end of a ``with`` block)
    when it made it.
    """

    def __init__(self, client: OpenRouterClient, *, owned: bool) -> None:
        self.client, self.owned = client, owned

    def __call__(self, id: str) -> dict[str, Any]:
        return content_row(self.client.get_content(id), id=id)

    def close(self) -> None:
        """Close the client if this loader made it."""
        if self.owned:
            self.client.close()

    def __enter__(self) -> ContentLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ContentLoader({self.client!r}, owned={self.owned})"


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


# -- the account: activity and list prices ---------------------------------------------
#: The account name list prices are cached under (they are public: no key's account).
PRICES_ACCOUNT = "public-prices"


@contextlib.contextmanager
def _store_for(cache: Any) -> Iterator[RecordStore | None]:
    """The store ``cache=`` designates for the block (closed after it when opened here)."""
    store = open_cache(cache)
    try:
        yield store
    finally:
        if store is not None and not isinstance(cache, RecordStore):
            store.close()


def _day_text(value: Any, name: str = "date") -> str:
    """A UTC day given as ``YYYY-MM-DD`` text, a ``datetime.date`` or a Timestamp."""
    import datetime as dt

    if isinstance(value, pd.Timestamp):
        if value.tz is not None:
            value = value.tz_convert("UTC")
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.timezone.utc) if value.tzinfo else value
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise ValueError(f"{name} must be a UTC day (YYYY-MM-DD, datetime.date or Timestamp), "
                     f"got {value!r}")


def fetch_activity(*, api_key: str | None = None, date: Any = None,
                   workspace_id: str | None = None, group_by: str | None = None,
                   base_url: str | None = None, cache: Any = None,
                   dtype_backend: str = "numpy_nullable",
                   session: requests.Session | None = None) -> pd.DataFrame:
    """The account's billed activity per UTC day x model x endpoint (``GET /activity``).

    The last 30 completed UTC days (or one ``date``), as the service reports
    them: what the account was billed, whatever ids a frame holds.  Needs a
    **management key** (created at https://openrouter.ai/settings/management-keys):
    ``api_key=`` or ``$OPENROUTER_MANAGEMENT_KEY``, never ``$OPENROUTER_API_KEY``.

    Parameters
    ----------
    api_key : str, optional
        The management key; never shown in any repr, log, error or cache file.
    date : str, datetime.date or Timestamp, optional
        One UTC day of the last 30 completed ones.
    workspace_id : str, optional
        Only the activity attributed to this workspace.
    group_by : {None, "workspace"}
        ``"workspace"`` splits each row per workspace (``workspace_id`` filled).
    base_url, session
        As for :func:`generations_to_frame`.
    cache : None, bool, str, path or RecordStore
        As for :func:`generations_to_frame`: a completed day is stored once fetched
        (table ``activity``, under the management key's fingerprint, apart from the
        inference key's records; never the key), and a ``date`` already stored is
        not fetched again.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        As for :func:`generations_to_frame`.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``date`` (``datetime64[us]`` at midnight of the UTC day,
        or ``date32[pyarrow]``); ``model``, ``model_permaslug``, ``provider_name``,
        ``endpoint_id`` (the endpoint that served, as in a generation's
        ``provider_responses``), ``workspace_id`` (NA unless ``group_by="workspace"``
        or ``workspace_id=``) as strings; ``requests``, ``prompt_tokens``,
        ``completion_tokens``, ``reasoning_tokens`` (``Int64``); ``usage`` (USD of
        OpenRouter credits spent, for BYOK the fee) and ``byok_usage_inference`` (USD
        the provider billed the user's own key), ``Float64``; then any field the
        service adds.  Sorted by date, model, provider, endpoint.

    Raises
    ------
    ManagementKeyRequiredError
        No management key, or the service answered 403 (an inference key).

    Examples
    --------
    >>> import openrouter_frame as orf
    >>> from openrouter_frame.testing import serve
    >>> with serve() as sim:
    ...     act = orf.fetch_activity(api_key=sim.management_key, base_url=sim.base_url)
    ...     billed = len(sim.history_ids())
    >>> int(act["requests"].sum()) == billed, str(act["date"].dtype)
    (True, 'datetime64[us]')
    """
    from .fetch.account import AccountFetcher
    from .frame.account import activity_frame

    api_key = conceal(api_key)  # type: ignore[assignment]  # no plain key in tracebacks
    schema.check_backend(dtype_backend)
    day = None if date is None else _day_text(date)
    if group_by not in (None, "workspace"):
        raise ValueError(f"group_by must be None or 'workspace', got {group_by!r}")
    if workspace_id is not None and not isinstance(workspace_id, str):
        raise TypeError(f"workspace_id must be a str, got {workspace_id!r}")
    suffix = f"|workspace={workspace_id or '*'}|group_by={group_by or '-'}"
    with AccountFetcher(api_key, base_url, management=True, session=session) as fetcher, \
            _store_for(cache) as store:
        key = fetcher.key
        account = None if store is None or key is None else store.account(key)
        items: list[dict[str, Any]] | None = None
        if account is not None and day is not None:
            body = store.get_raw_many(account, [day + suffix],  # type: ignore[union-attr]
                                      table="activity").get(day + suffix)
            stored = None if body is None else loads(body)
            if stored is not None and isinstance(stored.get("data"), list):
                items = stored["data"]
        if items is None:
            items = fetcher.activity(date=day, workspace_id=workspace_id, group_by=group_by)
            if account is not None:  # every day /activity returns is a completed one
                by_day: dict[str, list[dict[str, Any]]] = {} if day is None else {day: []}
                for item in items:
                    by_day.setdefault(str(item.get("date")), []).append(item)
                for one, rows in by_day.items():
                    store.put_raw(account, one + suffix,  # type: ignore[union-attr]
                                  encode({"date": one, "data": rows}), table="activity")
    frame = activity_frame(items, dtype_backend=dtype_backend, workspace_id=workspace_id)
    order = ["date", "model", "provider_name", "endpoint_id"]
    return frame.sort_values(order, kind="stable", ignore_index=True)


def fetch_prices(*, endpoints: bool = False, models: Iterable[str] | str | None = None,
                 api_key: str | None = None, base_url: str | None = None, cache: Any = None,
                 as_of: Any = None, dtype_backend: str = "numpy_nullable",
                 session: requests.Session | None = None) -> pd.DataFrame:
    """List prices per model (``GET /models``), and per provider endpoint when asked.

    Parameters
    ----------
    endpoints : bool
        Also one row per provider endpoint of each model
        (``GET /models/{author}/{slug}/endpoints``: one request per model).
    models : str or iterable of str, optional
        Only these models (``author/slug``); default every model ``/models`` lists
        (embeddings and rerank ones too).  A model it does not list (retired, or
        misspelt) has no row, with one :class:`~openrouter_frame.OpenRouterWarning`
        naming it.
    api_key : str, optional
        The prices are public; the inference key (``$OPENROUTER_API_KEY``) is sent
        when there is one.
    base_url, session
        As for :func:`generations_to_frame`.
    cache : None, bool, str, path or RecordStore
        As for :func:`generations_to_frame`: the bodies are stored under the UTC day
        they were fetched (table ``prices``), and that day's call reads them back.
    as_of : str, datetime.date or Timestamp, optional
        Read the prices stored on that day instead of fetching (prices change: keep
        the cache to price a frame as of a date); ``ValueError`` when the cache holds
        none for it.  Default: today (UTC), fetched unless already stored today.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        As for :func:`generations_to_frame`.

    Returns
    -------
    pandas.DataFrame
        ``model``; ``level`` (``"model"`` or ``"endpoint"``); ``provider_name`` and
        ``endpoint_tag`` (NA on model rows); the spec's ``PublicPricing`` keys
        ``prompt``, ``completion``, ``request``, ``image``, ``web_search``,
        ``internal_reasoning``, ``input_cache_read``, ``input_cache_write``,
        ``input_cache_write_1h``, ``audio``, ``audio_output``, ``image_output``,
        ``image_token``, ``input_audio_cache`` (``Float64`` USD per token, per request,
        image or search; NA when not sent); ``discount`` (``Float64``);
        ``overrides`` (JSON text of the conditional prices, NA when none); ``as_of``
        (the UTC day fetched; ``df.attrs["as_of"]`` holds it as ``YYYY-MM-DD`` text).
        Model rows first.

    Examples
    --------
    >>> import openrouter_frame as orf
    >>> from openrouter_frame.testing import serve
    >>> with serve() as sim:
    ...     prices = orf.fetch_prices(endpoints=True, models=["openai/gpt-4o"],
    ...                               base_url=sim.base_url)
    >>> prices[["level", "provider_name"]].to_numpy().tolist()
    [['model', <NA>], ['endpoint', 'OpenAI'], ['endpoint', 'Azure']]
    >>> prices["prompt"].tolist(), str(prices["prompt"].dtype)
    ([2.5e-06, 2.5e-06, 2.5e-06], 'Float64')
    """
    import datetime as dt

    from .errors import OpenRouterWarning
    from .fetch.account import AccountFetcher
    from .frame.account import price_row, prices_frame

    api_key = conceal(api_key)  # type: ignore[assignment]  # no plain key in tracebacks
    schema.check_backend(dtype_backend)
    wanted = None if models is None else list(dict.fromkeys(
        [models] if isinstance(models, str) else models))
    if wanted is not None and not all(isinstance(m, str) for m in wanted):
        raise TypeError(f"models must be str model ids, got {wanted!r}")
    today = dt.datetime.now(dt.timezone.utc).date()
    day = today.isoformat() if as_of is None else _day_text(as_of, "as_of")
    with AccountFetcher(api_key, base_url, session=session) as fetcher, \
            _store_for(cache) as store:
        def body(name: str, get: Any) -> Any:
            """The data of ``name`` stored on ``day``, else fetched (today only) and stored."""
            if store is not None:
                raw = store.get_raw_many(PRICES_ACCOUNT, [f"{day}|{name}"], table="prices")
                stored = loads(raw[f"{day}|{name}"]) if f"{day}|{name}" in raw else None
                if stored is not None and "data" in stored:
                    return stored["data"]
            if day != today.isoformat():
                raise ValueError(f"no prices stored for as_of={day} ({name}) in the cache: "
                                 "only today's prices can be fetched")
            data = get()
            if store is not None:
                store.put_raw(PRICES_ACCOUNT, f"{day}|{name}", encode({"data": data}),
                              table="prices")
            return data

        listed = body("models", fetcher.models)
        by_id: dict[str, dict[str, Any]] = {
            m["id"]: m for m in listed if isinstance(m, dict) and isinstance(m.get("id"), str)}
        chosen = list(by_id) if wanted is None else [m for m in wanted if m in by_id]
        unlisted = [] if wanted is None else [m for m in wanted if m not in by_id]
        if unlisted:
            warnings.warn(f"GET /models lists no price for {len(unlisted)} model(s): "
                          f"{', '.join(unlisted[:10])}", OpenRouterWarning, stacklevel=2)
        rows = [price_row(m, by_id[m].get("pricing"), level="model", where="GET /models")
                for m in chosen]
        if endpoints:
            for m in chosen:
                data = body(f"endpoints/{m}", lambda m=m: fetcher.endpoints(m))
                for ep in data.get("endpoints") or []:
                    rows.append(price_row(
                        m, ep.get("pricing"), level="endpoint",
                        where=f"GET /models/{m}/endpoints",
                        provider_name=ep.get("provider_name"), endpoint_tag=ep.get("tag")))
    return prices_frame(rows, as_of=dt.date.fromisoformat(day), dtype_backend=dtype_backend)
