"""HTTP for ``GET /api/v1/generation``: one id at a time, retried, key-safe.

One :class:`requests.Session` (injectable, as in requests-cache) with a
connection pool as large as the worker pool; the retry policy is
:mod:`.retry`'s, the key handling :mod:`.auth`'s.  This layer returns
records (``dict``) and raises :class:`~openrouter_frame.OpenRouterError`
subclasses; it never builds a DataFrame and knows nothing of caches.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from typing import Any, NamedTuple, TypeVar

import requests
from requests.adapters import HTTPAdapter

from .. import schema
from ..errors import ResponseError, check_whole, error_class
from . import auth
from .deadline import WATCHDOG, socket_of
from .envelope import read_envelope
from .ids import check_sendable
from .pace import Pace
from .retry import (
    FATAL_STATUSES,
    NOT_FOUND_GRACE,
    NOT_FOUND_MAX_DELAY,
    RETRY_STATUSES,
    Backoff,
    Gate,
    Stopped,
    body_wait,
    may_be_settling,
    server_wait,
)
from .send import Sender

logger = logging.getLogger("openrouter_frame")

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
#: Endpoint paths (under the base URL): a generation's record, and its stored content.
GENERATION_PATH = "generation"
CONTENT_PATH = "generation/content"
#: What each endpoint's ``data`` object must hold some of to be an answer, and its name.
_ANSWERS = {GENERATION_PATH: (frozenset(schema.FIELDS), "generation record"),
            CONTENT_PATH: (frozenset({"input", "output", "error"}), "generation content")}
#: The endpoints whose ``data`` bytes are handed over only when they name the id: a
#: record is read back from its bytes alone; a content is always read with its id.
_ID_IN_BODY = frozenset({GENERATION_PATH})

_F = TypeVar("_F", bound="SessionHolder")


class Received(NamedTuple):
    """One id's answer: its ``data`` object, and that object's bytes as the server sent them.

    ``body`` is what a cache stores (as it is: never decoded and encoded
    again); it is ``None`` when there are no such bytes to keep: a body
    :func:`json.loads` reads only in another encoding (UTF-16, a BOM), or a
    record whose ``data`` lacked its ``id`` (added to ``data`` here, so the
    bytes alone would read back with no id).  A content's bytes are kept
    without its id: a content is always read back with the id it is stored
    under.
    """

    data: dict[str, Any]
    body: bytes | None


def resolve_base_url(base_url: str | None) -> str:
    """``base_url``, else ``$OPENROUTER_BASE_URL``, else OpenRouter's; checked
    (:func:`~.auth.check_base_url`), without a trailing slash."""
    url = (base_url or os.environ.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    auth.check_base_url(url)
    return url


class SessionHolder:
    """What holds a :class:`requests.Session` it may have opened: a context manager whose
    :meth:`close` closes the session only when it opened it (``_own_session``)."""

    session: requests.Session
    _own_session: bool

    def __enter__(self: _F) -> _F:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the session if this object opened it."""
        if self._own_session:
            self.session.close()


class GenerationFetcher(SessionHolder):
    """Generation records over HTTP: the transport under ``OpenRouterClient``.

    Parameters
    ----------
    api_key : str, optional
        Defaults to ``$OPENROUTER_API_KEY``.  Never shown in any repr, log or
        error.  A missing key raises :class:`AuthenticationError` before any
        request.
    base_url : str, optional
        Defaults to ``$OPENROUTER_BASE_URL``, else ``https://openrouter.ai/api/v1``.
        Plain ``http://`` is accepted only for a loopback host (the simulator).
    session : requests.Session, optional
        Use this session (its adapters and hooks) instead of a new one.
    max_workers : int
        Concurrent requests in :meth:`fetch`; also the connection pool size.
    timeout : float
        Seconds per attempt: the whole response (headers and body) must arrive
        within it, however slowly the server trickles it.
    max_retries : int
        Retries per id for 429, 5xx, bad bodies and connection errors.  A 429
        waits for the reset the server gives (``Retry-After`` or
        ``X-RateLimit-Reset`` in the headers, or ``X-RateLimit-Reset`` in the
        JSON body's ``error.metadata.headers``; the longest if several).
    app_url, app_title : str, optional
        Sent as ``HTTP-Referer`` and ``X-Title``.
    not_found_grace : float
        A generation fetched right after it finishes can 404 for a few
        seconds.  A 404 is retried for up to this many seconds from the id's
        first 404 (default 30; 0 turns the grace off), with backoff capped at
        4 s, but only for an id that may still be settling: one whose embedded
        time (``gen-<unix seconds>-...``) is within 10 minutes of now.  Older
        ids, and ids without an embedded time, fail on their first 404, so a
        batch of old, truly missing ids is not slowed.  Grace retries do not
        count against ``max_retries``.
    backoff_factor, backoff_max : float
        Backoff before retry *n* is ``backoff_factor * 2**(n-1)`` seconds, at
        most ``backoff_max``, times a random jitter in [0.5, 1].
    adaptive : bool
        Once the server answers 429, send at the rate it allows (learned from
        its ``X-RateLimit-*`` headers, else from what gets through) instead
        of in bursts that trip it again (see :mod:`.pace`; default on).
        ``False`` only waits out each 429.

    Examples
    --------
    >>> from openrouter_frame.fetch import GenerationFetcher, run_batch
    >>> from openrouter_frame.testing import serve
    >>> with serve() as sim, GenerationFetcher(sim.api_key, sim.base_url) as fetcher:
    ...     record = fetcher.get_generation(sim.ids(1)[0])
    ...     batch = run_batch(fetcher, sim.ids(5))
    >>> sorted(record)[:3]
    ['api_type', 'app_id', 'cache_discount']
    >>> len(batch.records), len(batch.failures)
    (5, 0)
    """

    def __init__(
        self,
        api_key: str | auth.Secret | None = None,
        base_url: str | None = None,
        *,
        session: requests.Session | None = None,
        max_workers: int = 16,
        timeout: float = 30.0,
        max_retries: int = 5,
        app_url: str | None = None,
        app_title: str | None = None,
        not_found_grace: float = NOT_FOUND_GRACE,
        backoff_factor: float = 0.5,
        backoff_max: float = 30.0,
        adaptive: bool = True,
    ) -> None:
        api_key = auth.conceal(api_key)  # type: ignore[assignment]  # first, see conceal
        self._key = auth.key_from(api_key, "OPENROUTER_API_KEY")
        check_whole("max_workers", max_workers)
        check_whole("max_retries", max_retries, minimum=0)
        self.base_url = resolve_base_url(base_url)
        self.max_workers = max_workers
        self.timeout = timeout
        self.max_retries = max_retries
        self.not_found_grace = not_found_grace
        self.backoff = Backoff(backoff_factor, backoff_max)
        self._headers = {"Accept": "application/json", "User-Agent": "openrouter-frame"}
        if app_url:
            self._headers["HTTP-Referer"] = app_url
        if app_title:
            self._headers["X-Title"] = app_title
        self._own_session = session is None
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max_workers,
                                  max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            resolve_environment(session, self.base_url)
        self.session = session
        self._gate = Gate()
        self._pace = Pace(adaptive)
        self._senders: dict[str, Sender] = {}

    @property
    def gate(self) -> Gate:
        """The shared 429 gate: how long a rate limit holds every worker back."""
        return self._gate

    @property
    def pace(self) -> Pace:
        """The rate requests are sent at, learned from 429s and ``X-RateLimit-*`` headers."""
        return self._pace

    # -- plumbing -----------------------------------------------------------
    def _repr_extra(self) -> str:
        return ""

    def __repr__(self) -> str:
        # getattr: a traceback may show a client whose __init__ raised half-way.
        key = "set" if getattr(self, "_key", None) else "missing"
        return (f"{type(self).__name__}(base_url={getattr(self, 'base_url', None)!r}, "
                f"api_key=<{key}>, max_workers={getattr(self, 'max_workers', None)}, "
                f"max_retries={getattr(self, 'max_retries', None)}{self._repr_extra()})")

    def require_key(self) -> auth.Secret:
        """The key, or :class:`~openrouter_frame.AuthenticationError` before any request."""
        if self._key is None:
            raise error_class(401)(
                "no OpenRouter API key: set the OPENROUTER_API_KEY environment variable "
                "or pass api_key=...; for a key-free demo use openrouter_frame.testing.serve()",
                status=None,
            )
        return self._key

    # -- one id ---------------------------------------------------------------
    def _attempt(self, id: str, attempt: int, stop: threading.Event,
                 path: str = GENERATION_PATH
                 ) -> tuple[int | None, Received | None, float | None, str]:
        """One request: (status, answer or None, server-given wait, message).

        The gate is checked again at the last moment before sending (a worker
        may have seen a 429 meanwhile), and a 429 closes it as soon as its
        headers arrive, before the connection returns to the pool (once its
        body is read when only the body gives the reset).
        """
        key = self.require_key()
        deadline = sent = time.monotonic()
        deadline += self.timeout
        try:
            response = self._sender(path).send(id, key, self._gate, stop)
        except requests.RequestException as exc:
            return None, None, None, key.redact(f"{type(exc).__name__}: {exc}")
        with response:
            status = response.status_code
            wait = server_wait(response.headers)
            if status == 429 and wait is not None:
                self._gate.hold(wait)  # at once; a reset in the body may lengthen it below
            self._pace.observe(status, response.headers, sent, wait)
            sock = socket_of(response.raw)
            token = None if sock is None else WATCHDOG.arm(deadline, sock)
            failure = ""
            try:
                content = response.content
            except requests.RequestException as exc:  # cut off, or past the deadline
                content = None
                late = token is not None and WATCHDOG.disarm(token)
                token = None
                failure = (f"ReadTimeout: the response did not complete within "
                           f"timeout={self.timeout:g} s" if late
                           else key.redact(f"{type(exc).__name__}: {exc}"))
            finally:
                if token is not None:
                    WATCHDOG.disarm(token)
            if status == 429:
                in_body = body_wait(_json_or_none(content))
                if in_body is not None:
                    wait = in_body if wait is None else max(wait, in_body)
                self._gate.hold(wait if wait is not None else self.backoff(attempt + 1))
            if content is None:
                return None, None, wait, failure
        if status != 200:
            return status, None, wait, key.redact(_error_message(response))
        try:
            body, raw = read_envelope(content)  # one pass: the envelope, and data's bytes
        except ValueError:
            # Truncated or non-JSON 200 (an HTML error page): transient, retried.
            return 502, None, wait, key.redact(
                f"unreadable response body ({response.headers.get('Content-Type', '?')}, "
                f"{len(content)} bytes)")
        except (RecursionError, MemoryError) as exc:  # valid JSON this parser cannot hold
            return 200, None, None, (f"unreadable response body ({type(exc).__name__}: "
                                     f"{len(content)} bytes nest too deeply or are too large)")
        status, received, wait, message = _data_of(body, raw, id, path)
        if received is not None and _may_hold_surrogate(content):
            where = unpaired_surrogate(received.data)
            if where is not None:
                return 200, None, None, where
        return status, received, wait, message

    def _sender(self, path: str) -> Sender:
        """The :class:`~.send.Sender` for ``path`` on the current session (made once)."""
        sender, url = self._senders.get(path), f"{self.base_url}/{path}"
        if sender is None or sender.session is not self.session or sender.url != url or \
                sender.timeout != self.timeout or sender.headers != self._headers:
            sender = self._senders[path] = Sender(self.session, url, self._headers,
                                                  self.timeout)
        return sender

    def get(self, id: str, stop: threading.Event, path: str = GENERATION_PATH
            ) -> dict[str, Any]:
        """Fetch one id with retries; raise the status's error when it fails.

        ``path`` picks the endpoint: :data:`GENERATION_PATH` (the record) or
        :data:`CONTENT_PATH` (the stored prompt and output; same retries and gate).
        """
        return self.receive(id, stop, path).data

    def receive(self, id: str, stop: threading.Event, path: str = GENERATION_PATH
                ) -> Received:
        """Like :meth:`get`, with the ``data`` object's bytes as received (:class:`Received`)."""
        attempt = not_found = 0
        not_found_since: float | None = None
        settling = self.not_found_grace > 0 and may_be_settling(id)
        while True:
            self._pace.acquire(self._gate, stop)  # the gate, then this request's slot
            if stop.is_set():
                raise Stopped(id)
            status, received, wait, message = self._attempt(id, attempt, stop, path)
            if received is not None:
                return received
            if status == 404 and settling:  # a fresh id: not queryable yet?
                now = time.monotonic()
                not_found_since = now if not_found_since is None else not_found_since
                left = not_found_since + self.not_found_grace - now
                if left > 0:
                    not_found += 1
                    delay = min(self.backoff(not_found), NOT_FOUND_MAX_DELAY, left)
                    logger.debug("%r not found yet; retrying in %.2fs (%.1fs of grace left)",
                                 id, delay, left)
                    if stop.wait(delay):
                        raise Stopped(id)
                    continue
            retry = status is None or status in RETRY_STATUSES
            if status in FATAL_STATUSES:
                stop.set()  # at once, so no worker starts another request
            if status in FATAL_STATUSES or not retry or attempt >= self.max_retries:
                cls = ResponseError if status == 200 else error_class(status)
                raise cls(message, status=status, id=id)
            attempt += 1
            # A 429 already closed the gate (every worker waits there); others back off.
            delay = 0.0 if status == 429 else wait if wait is not None else self.backoff(attempt)
            logger.debug("retrying %r after HTTP %s in %.2fs (attempt %d of %d)",
                         id, status, delay, attempt, self.max_retries)
            if delay and stop.wait(delay):
                raise Stopped(id)

    def get_generation(self, id: str) -> dict[str, Any]:
        """Return the ``data`` object of generation ``id``.

        Raises the status's :class:`~openrouter_frame.OpenRouterError` subclass on failure.
        """
        return self.get(check_id(id), threading.Event())

    def get_content(self, id: str) -> dict[str, Any]:
        """Return the ``data`` object of ``GET /generation/content`` for ``id``.

        ``{"input": {...}, "output": {...}, "error": ...}`` plus ``"id"``; the
        stored prompt and output can hold personal data, so nothing fetches them
        unless asked.  Raises like :meth:`get_generation`.
        """
        return self.get(check_id(id), threading.Event(), CONTENT_PATH)

    def content_fetcher(self) -> ContentFetcher:
        """This fetcher seen through the content endpoint, for :func:`~.batch.run_batch`."""
        return ContentFetcher(self)


class ContentFetcher:
    """A :class:`GenerationFetcher` whose :meth:`get` asks the content endpoint.

    Shares the fetcher's session, retries and 429 gate (no copy of either).
    """

    def __init__(self, fetcher: GenerationFetcher) -> None:
        self.fetcher = fetcher
        self.max_workers = fetcher.max_workers

    def require_key(self) -> auth.Secret:
        return self.fetcher.require_key()

    def get(self, id: str, stop: threading.Event) -> dict[str, Any]:
        return self.fetcher.get(id, stop, CONTENT_PATH)

    def receive(self, id: str, stop: threading.Event) -> Received:
        return self.fetcher.receive(id, stop, CONTENT_PATH)


def resolve_environment(session: requests.Session, url: str) -> None:
    """Read proxy and CA-bundle settings from the environment once, for ``url``'s host.

    With ``trust_env`` on, requests re-reads ``HTTP(S)_PROXY``, ``NO_PROXY``,
    ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` on every request (about a
    quarter of a request's client CPU).  Every request of a fetcher goes to the
    one base URL, so the answer is the same each time: resolve it here, store
    it on the session and turn ``trust_env`` off.  Settings changed after the
    fetcher is made are not seen.
    """
    if not session.trust_env:
        return
    settings = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies.update(settings["proxies"])
    session.verify = settings["verify"]
    session.trust_env = False


def check_id(id: Any) -> str:
    """``id`` stripped, or ``TypeError`` when it is not a non-empty ``str``."""
    if not isinstance(id, str) or not id.strip():
        raise TypeError(f"id must be a non-empty str, got {id!r}")
    check_sendable(id.strip())
    return id.strip()


def _data_of(body: Any, raw: bytes | None, id: str, path: str
             ) -> tuple[int, Received | None, None, str]:
    """The ``data`` object of a 200 body from ``path`` (with ``raw``, its bytes), or why
    there is none (a per-id failure)."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        if isinstance(body, dict) and "data" in body:
            what = f"'data' is {type(data).__name__}, not an object"
        elif isinstance(body, dict):
            what = f"keys {sorted(map(str, body))[:5]}"
        else:
            what = f"a JSON {type(body).__name__}"
        return 200, None, None, f"response has no 'data' object ({what})"
    fields, answer = _ANSWERS[path]
    if (data.keys() - {"id"}).isdisjoint(fields):  # an echoed id alone is no answer
        keys = sorted(map(str, data))[:5]
        return 200, None, None, f"no {answer} in the body ('data' keys: {keys})"
    got = data.get("id")
    if got is None:
        data["id"] = id
        if path in _ID_IN_BODY:  # the bytes are no longer the whole record
            raw = None
    elif got != id:
        return 200, None, None, f"response is for another id: {str(got)[:80]!r}"
    return 200, Received(data, raw), None, ""


#: A lone surrogate reaches a parsed body only through a ``\\uD8xx``-``\\uDFxx`` escape or
#: the raw bytes ``ED A0``-``ED BF`` (which :func:`json.loads` decodes with
#: ``surrogatepass``); a body holding neither is not walked.
_SURROGATE_HINT = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _may_hold_surrogate(content: bytes) -> bool:
    return _SURROGATE_HINT.search(content) is not None


def unpaired_surrogate(data: Any) -> str | None:
    """Why ``data`` (a parsed body) is not valid Unicode text, or ``None`` when it is.

    JSON can spell a lone surrogate (``"\\udc80"``), which no UTF-8 text (a frame's
    strings, parquet, the cache) can hold: such a body is a per-id failure naming
    the field, never an error that loses the batch.  Walked without recursion.

    >>> print(unpaired_surrogate(json.loads('{"provider_responses": [{"model": "m\\\\udc80"}]}')))
    field 'provider_responses[0].model' holds an unpaired surrogate U+DC80 at character 1 (not \
valid Unicode text)
    >>> unpaired_surrogate(json.loads('{"model": "\\\\ud83d\\\\ude00"}')) is None  # a pair
    True
    """
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            found = _SURROGATE.search(value)
            if found is not None:
                what = f"field {path!r}" if path else "the body"
                return (f"{what} holds an unpaired surrogate U+{ord(found.group()):04X} at "
                        f"character {found.start()} (not valid Unicode text)")
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                name = _printable(str(key))
                if isinstance(key, str) and _SURROGATE.search(key) is not None:
                    return (f"a key of {f'field {path!r}' if path else 'the body'}, {name!r}, "
                            "holds an unpaired surrogate (not valid Unicode text)")
                stack.append((f"{path}.{name}" if path else name, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value))))
    return None


def _printable(text: str) -> str:
    """``text`` with any lone surrogate spelled as its escape (safe to encode anywhere)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _json_or_none(content: bytes | None) -> Any:
    """``content`` parsed as JSON, or ``None`` when it is absent or not JSON."""
    try:
        return json.loads(content) if content else None
    except (ValueError, RecursionError):
        return None


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except (ValueError, RecursionError):
        kind = response.headers.get("Content-Type", "unknown type")
        return f"{response.reason or 'error'} (non-JSON body, {kind})"
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:500]
        if isinstance(err, str):
            return err[:500]
    return response.reason or f"HTTP {response.status_code}"


__all__ = ["CONTENT_PATH", "DEFAULT_BASE_URL", "GENERATION_PATH", "ContentFetcher",
           "GenerationFetcher", "Received", "SessionHolder", "check_id", "resolve_base_url",
           "resolve_environment"]
