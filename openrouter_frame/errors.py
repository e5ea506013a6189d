"""Exceptions and warnings.

One base class, :class:`OpenRouterError`, with one subclass per HTTP failure
the service documents.  Each carries the HTTP ``status`` (``None`` for network
errors), the generation ``id`` where one applies and the server's ``message``.
None of them ever holds the API key.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any, Protocol


class _HasFailures(Protocol):
    """What a batch-level error's ``result`` offers (a :class:`~openrouter_frame.FetchResult`).

    A protocol, so this bottom layer imports nothing from ``frame``.
    """

    @property
    def failures(self) -> Any: ...


#: How the failure of an id a stopped batch never tried begins (the batch writes it;
#: :meth:`~openrouter_frame.FetchResult.describe_failures` counts such ids apart).
UNTRIED = "not fetched: the batch stopped"


class OpenRouterError(Exception):
    """Base class of every error raised by openrouter_frame.

    Parameters
    ----------
    message : str
        The server's message (or ours, for client-side errors).
    status : int, optional
        HTTP status; ``None`` for connection errors and client-side checks.
    id : str, optional
        The generation id the error concerns, where one applies.
    result : FetchResult, optional
        What a batch had fetched when it stopped (nothing is lost).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        id: str | None = None,
        result: _HasFailures | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.id = id
        #: The batch's :class:`~openrouter_frame.FetchResult` (``None`` for per-id errors).
        self.result: Any = result
        super().__init__(message)

    def __str__(self) -> str:
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.id is not None:
            parts.append(f"id {self.id!r}")
        prefix = " ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, id={self.id!r}, " \
               f"message={self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.status, self.id))


def _rebuild(cls: type[OpenRouterError], message: str, status: int | None,
             id: str | None) -> OpenRouterError:
    return cls(message, status=status, id=id)


class AuthenticationError(OpenRouterError):
    """401: the API key is missing, wrong or revoked. Stops a batch."""


class InsufficientCreditsError(OpenRouterError):
    """402: the account is out of credits. Stops a batch."""


class PermissionDeniedError(OpenRouterError):
    """403: the id belongs to another account. A per-id failure."""


class ManagementKeyRequiredError(PermissionDeniedError):
    """An account endpoint (``/activity``, ``/credits``) needs a management key.

    Raised instead of the bare 403 the service sends to an inference key (and
    before any request when no management key is set); the message says where
    one is created (https://openrouter.ai/settings/management-keys) and how to
    pass it (``api_key=`` or ``$OPENROUTER_MANAGEMENT_KEY``).  A
    :class:`PermissionDeniedError` too.
    """


class GenerationNotFoundError(OpenRouterError):
    """404: no such generation (or not yet visible). A per-id failure."""


class RateLimitError(OpenRouterError):
    """429: rate limited, and still so after every retry."""


class UpstreamError(OpenRouterError):
    """5xx (500, 502, 503, 504, 524, 529), still failing after every retry."""


class ResponseError(OpenRouterError):
    """A 200 whose body is not JSON or not shaped ``{"data": {...}}``."""


class FetchError(OpenRouterError):
    """Some ids failed. ``.result`` holds every record fetched and the failures.

    ``.ids`` lists the failed ids; ``str()`` summarises them by status.
    """

    def __init__(self, message: str, *, result: _HasFailures) -> None:
        super().__init__(message, result=result)
        self.ids: list[str] = list(result.failures["id"].astype(object))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Exception.__new__, (type(self),), self.__dict__)


class CacheError(OpenRouterError, ValueError):
    """The record cache cannot be used: ``.path`` names its file, the message says what to do.

    A :class:`ValueError` too (what the cache raised before it had its own error).
    Raised for a file that is not a cache (not SQLite, another program's
    tables, another format version), one that is damaged, read-only, locked
    or on a full disk; never for a single unreadable record, which is simply
    fetched again.

    Examples
    --------
    >>> err = CacheError("the cache file /tmp/c.sqlite is damaged: delete it", path="/tmp/c.sqlite")
    >>> isinstance(err, ValueError), err.path
    (True, '/tmp/c.sqlite')
    """

    def __init__(self, message: str, *, path: Any = None) -> None:
        super().__init__(message)
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (functools.partial(type(self), path=self.path), (self.message,))


class OpenRouterWarning(UserWarning):
    """Base class of openrouter_frame's warnings."""


class FetchWarning(OpenRouterWarning):
    """Some ids failed and ``errors="warn"`` was asked for."""


class SchemaWarning(OpenRouterWarning):
    """A field held a value of an impossible type; it became NA."""


class InputWarning(OpenRouterWarning):
    """Some input ids were NA or blank and were skipped."""


_BY_STATUS: dict[int, type[OpenRouterError]] = {
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: GenerationNotFoundError,
    429: RateLimitError,
}


def error_class(status: int | None) -> type[OpenRouterError]:
    """The exception class for an HTTP ``status`` (``None``: a network error)."""
    if status is None:
        return UpstreamError
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return UpstreamError
    return OpenRouterError


class MissingColumnsError(KeyError, OpenRouterError):
    """A summary or plot needs columns the frame does not have.

    A :class:`KeyError` (as pandas raises for a missing column) and an
    :class:`OpenRouterError`.  ``.method`` names what was called and
    ``.missing`` the absent columns.

    Examples
    --------
    >>> err = MissingColumnsError("cost_summary", ["total_cost"])
    >>> str(err)
    "cost_summary() needs the column(s) 'total_cost', which the frame does not have"
    """

    def __init__(self, method: str, missing: Any, *, hint: str = "") -> None:
        self.method = method
        self.missing: tuple[str, ...] = tuple(str(m) for m in missing)
        self.hint = hint
        names = ", ".join(repr(m) for m in self.missing)
        text = f"{method}() needs the column(s) {names}, which the frame does not have"
        OpenRouterError.__init__(self, f"{text}{hint}")

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (functools.partial(type(self), hint=self.hint), (self.method, self.missing))


def check_whole(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an ``int`` if it is a whole number ``>= minimum``, else ``ValueError``.

    The one argument check behind ``top=``, ``n=``, ``max_workers=`` and the like
    (``True`` is not a number here).

    >>> check_whole("top", 3)
    3
    >>> check_whole("top", 0)
    Traceback (most recent call last):
    ...
    ValueError: top must be a whole number >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)
