"""HTTP for the account endpoints: ``/activity``, ``/models``, a model's ``/endpoints``,
``/credits`` and ``/key``.  Returns their ``data`` as JSON decodes it (records, never
frames), retried and key-safe like :mod:`.client`.

``/activity`` and ``/credits`` need a **management key** (created at
https://openrouter.ai/settings/management-keys): :class:`AccountFetcher` with
``management=True`` reads it from ``api_key=`` or ``$OPENROUTER_MANAGEMENT_KEY``
(never from ``$OPENROUTER_API_KEY``), and a 403 or a missing key raises
:class:`~openrouter_frame.errors.ManagementKeyRequiredError` saying so.  The
price endpoints are public: the inference key, if any, is sent, and none is needed.

Examples
--------
>>> from openrouter_frame.fetch.account import AccountFetcher
>>> from openrouter_frame.testing import serve
>>> with serve() as sim:
...     with AccountFetcher(sim.management_key, sim.base_url, management=True) as f:
...         items = f.activity(date=str(sim.history_end))
...     with AccountFetcher(None, sim.base_url) as f:
...         models = f.models()
>>> sorted(items[0])[:3], "pricing" in models[0]
(['byok_usage_inference', 'completion_tokens', 'date'], True)
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import quote

import requests

from ..errors import ManagementKeyRequiredError, ResponseError, check_whole, error_class
from . import auth
from .client import SessionHolder, _error_message, resolve_base_url, resolve_environment
from .retry import FATAL_STATUSES, RETRY_STATUSES, Backoff, server_wait

logger = logging.getLogger("openrouter_frame")

#: The environment variable a management key is read from.
MANAGEMENT_ENV = "OPENROUTER_MANAGEMENT_KEY"
#: Where a management key is created.
MANAGEMENT_KEYS_URL = "https://openrouter.ai/settings/management-keys"
#: The paths that need a management key.
MANAGEMENT_PATHS = frozenset({"activity", "credits"})


def management_key_needed(what: str, why: str = "") -> ManagementKeyRequiredError:
    """The error for a call that needs a management key (``why``: what happened)."""
    return ManagementKeyRequiredError(
        f"{what} needs a management key{f' ({why})' if why else ''}: an inference key "
        f"(OPENROUTER_API_KEY) cannot read it. Create one at {MANAGEMENT_KEYS_URL} and pass "
        f"it as api_key=... or set {MANAGEMENT_ENV}")


class AccountFetcher(SessionHolder):
    """``GET`` the account endpoints and return their ``data``.

    Parameters
    ----------
    api_key : str, optional
        With ``management=True`` a management key, else ``$OPENROUTER_MANAGEMENT_KEY``;
        otherwise the inference key, else ``$OPENROUTER_API_KEY`` (optional: the price
        endpoints are public).  Never shown in any repr, log or error.
    base_url : str, optional
        As for :class:`~.client.GenerationFetcher`.
    management : bool
        Whether this fetcher holds a management key.
    session : requests.Session, optional
        Use this session instead of a new one.
    timeout : float
        Seconds per attempt.
    max_retries : int
        Retries of a 429, 5xx or connection error (``Retry-After`` honoured).
    backoff_factor, backoff_max : float
        As for :class:`~.client.GenerationFetcher`.
    """

    def __init__(self, api_key: str | auth.Secret | None = None, base_url: str | None = None,
                 *, management: bool = False, session: requests.Session | None = None,
                 timeout: float = 30.0, max_retries: int = 5, backoff_factor: float = 0.5,
                 backoff_max: float = 30.0) -> None:
        api_key = auth.conceal(api_key)  # type: ignore[assignment]  # first, see conceal
        self._key = auth.key_from(api_key,
                                  MANAGEMENT_ENV if management else "OPENROUTER_API_KEY")
        self.management = management
        check_whole("max_retries", max_retries, minimum=0)
        self.base_url = resolve_base_url(base_url)
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = Backoff(backoff_factor, backoff_max)
        self._own_session = session is None
        if session is None:
            session = requests.Session()
            resolve_environment(session, self.base_url)
        self.session = session

    @property
    def key(self) -> auth.Secret | None:
        """The key's holder (``None`` when there is none)."""
        return self._key

    def __repr__(self) -> str:
        key = "set" if getattr(self, "_key", None) else "missing"
        return (f"{type(self).__name__}(base_url={getattr(self, 'base_url', None)!r}, "
                f"api_key=<{key}>, management={getattr(self, 'management', None)})")

    # -- one request, retried --------------------------------------------------------
    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """The ``data`` of ``GET {base_url}/{path}``; raises the status's error on failure."""
        needs_management = path in MANAGEMENT_PATHS
        if needs_management and self._key is None:
            raise management_key_needed(f"GET /{path}", "none was given")
        if needs_management and not self.management:
            raise management_key_needed(f"GET /{path}", "this fetcher holds an inference key")
        headers = {"Accept": "application/json", "User-Agent": "openrouter-frame"}
        url = f"{self.base_url}/{path}"
        attempt = 0
        while True:
            status, body, wait, message = self._attempt(url, params, headers)
            if status == 200:
                return self._data(path, body)
            if status == 403 and needs_management:
                raise management_key_needed(f"GET /{path}", f"HTTP 403: {message}")
            retry = status is None or status in RETRY_STATUSES
            if status in FATAL_STATUSES or not retry or attempt >= self.max_retries:
                raise error_class(status)(f"GET /{path}: {message}", status=status)
            attempt += 1
            delay = wait if wait is not None else self.backoff(attempt)
            logger.debug("retrying GET /%s after HTTP %s in %.2fs (attempt %d of %d)",
                         path, status, delay, attempt, self.max_retries)
            time.sleep(delay)

    def _attempt(self, url: str, params: dict[str, str] | None, headers: dict[str, str]
                 ) -> tuple[int | None, Any, float | None, str]:
        key = self._key
        try:
            response = self.session.get(
                url, params=params, headers=headers, timeout=self.timeout,
                auth=None if key is None else auth.BearerAuth(key), allow_redirects=False)
        except requests.RequestException as exc:
            text = f"{type(exc).__name__}: {exc}"
            return None, None, None, key.redact(text) if key else auth.redact(text)
        with response:
            status, wait = response.status_code, server_wait(response.headers)
            if status != 200:
                message = _error_message(response)
                return status, None, wait, key.redact(message) if key else auth.redact(message)
            try:
                return 200, json.loads(response.content), None, ""
            except (ValueError, RecursionError):
                return 502, None, None, (f"unreadable response body "
                                         f"({response.headers.get('Content-Type', '?')})")

    @staticmethod
    def _data(path: str, body: Any) -> Any:
        if not isinstance(body, dict) or "data" not in body:
            raise ResponseError(f"GET /{path}: the response has no 'data' member", status=200)
        return body["data"]

    # -- the endpoints ---------------------------------------------------------------
    def activity(self, *, date: str | None = None, workspace_id: str | None = None,
                 group_by: str | None = None) -> list[dict[str, Any]]:
        """``GET /activity``: the items per UTC day x model x endpoint (management key)."""
        params = {name: value for name, value in (
            ("date", date), ("workspace_id", workspace_id), ("group_by", group_by))
            if value is not None}
        data = self.get("activity", params)
        if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
            raise ResponseError("GET /activity: 'data' is not a list of objects", status=200)
        return data

    def models(self) -> list[dict[str, Any]]:
        """``GET /models?output_modalities=all``: every model (embeddings and rerank too)."""
        data = self.get("models", {"output_modalities": "all"})
        if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
            raise ResponseError("GET /models: 'data' is not a list of objects", status=200)
        return data

    def endpoints(self, model: str) -> dict[str, Any]:
        """``GET /models/{author}/{slug}/endpoints`` for ``model`` (``"author/slug"``)."""
        if not isinstance(model, str) or model.count("/") != 1 or not all(model.split("/")):
            raise ValueError(f"a model is 'author/slug', got {model!r}")
        data = self.get(f"models/{quote(model, safe='/')}/endpoints")
        if not isinstance(data, dict) or not isinstance(data.get("endpoints"), list):
            raise ResponseError(f"GET /models/{model}/endpoints: 'data' has no endpoints list",
                                status=200)
        return data

    def credits(self) -> dict[str, Any]:
        """``GET /credits`` (management key)."""
        return dict(self.get("credits"))

    def key_info(self) -> dict[str, Any]:
        """``GET /key``: the current key's label, limits and usage."""
        return dict(self.get("key"))


__all__ = ["MANAGEMENT_ENV", "MANAGEMENT_KEYS_URL", "AccountFetcher", "management_key_needed"]
