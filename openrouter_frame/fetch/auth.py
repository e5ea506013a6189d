"""Auth and key safety: a key holder that never prints itself, bearer auth, the base-URL rule."""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Any
from urllib.parse import urlsplit

from requests.auth import AuthBase
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}
_KEY_LIKE = re.compile(r"(?<![\w-])sk-[A-Za-z0-9][\w-]*")
_KEY_FLAG = re.compile(r"(--?[\w-]*(?:key|token|secret)[\w-]*)(=|\s+)\S+", re.IGNORECASE)


def redact(text: str, *keys: str) -> str:
    """``text`` without anything that may be an API key: the one redaction rule.

    Removes each of ``keys``, ``sk-...`` tokens and the value given to any
    ``--...key...`` option (argparse echoes unknown arguments, so
    ``--api-key sk-...`` would otherwise end up in a log).

    >>> redact("Bearer abc123 and sk-or-v1-xyz via --api-key=hunter2", "abc123")
    'Bearer *** and sk-*** via --api-key=***'
    """
    for key in keys:
        if key:
            text = text.replace(key, "***")
    text = _KEY_FLAG.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _KEY_LIKE.sub("sk-***", text)


class Secret:
    """Holds an API key; its repr and str are masked.

    >>> s = Secret("sk-or-v1-abc")
    >>> s, str(s)
    (Secret('***'), '***')
    >>> s.redact("Bearer sk-or-v1-abc failed")
    'Bearer *** failed'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value  # checked by check_key, after every caller holds only this

    @property
    def value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("an API key is not picklable")

    def redact(self, text: str) -> str:
        """``text`` with this key (and anything key-like) replaced; see :func:`redact`."""
        return redact(text, self._value)


def conceal(value: str | Secret | None) -> Secret | None:
    """Wrap an API key in a :class:`Secret` (``None`` when absent or blank); never raises.

    Entry points call this first and rebind their ``api_key`` parameter, so no
    frame of a traceback formatted with locals (IPython's ``%xmode Verbose``,
    Sentry-style reporters) holds the plain key: this never raises, and the
    checks (:func:`check_key`) run later, on the :class:`Secret`.

    >>> conceal(" sk-or-v1-abc "), conceal(""), conceal(None)
    (Secret('***'), None, None)
    """
    if value is None or isinstance(value, Secret):
        return value
    if isinstance(value, str):
        return Secret(value.strip()) if value.strip() else None
    return Secret(value)  # not a str: check_key says so, without showing it


def key_from(api_key: str | Secret | None, env: str) -> Secret | None:
    """The key given, else the one in the environment variable ``env``, checked (``None``
    when neither is set): the one rule of where a key comes from.

    ``OPENROUTER_API_KEY`` for the inference key, ``OPENROUTER_MANAGEMENT_KEY`` for
    the management key (never the other's variable).  Call :func:`conceal` on the
    argument first (as every entry point does), so no frame holds the plain key.
    """
    key = conceal(api_key if api_key is not None else os.environ.get(env))
    if key is not None:
        check_key(key)
    return key


def check_key(key: Secret) -> None:
    """Raise ``TypeError`` or ``ValueError`` (never showing the key) if ``key`` cannot go
    in a header.

    An HTTP header carries latin-1 text without control characters; a key
    pasted with a newline or a zero-width space would otherwise fail inside
    the HTTP library, mid-batch, with the key in the error.  Takes the
    :class:`Secret`, so no local of this frame is the plain key.

    >>> check_key(Secret("sk-or-v1-abc\u200b"))
    Traceback (most recent call last):
    ...
    ValueError: api_key has an invalid character U+200B at position 12 (keys are printable ASCII)
    """
    if not isinstance(key.value, str):
        raise TypeError(f"api_key must be a str, not {type(key.value).__name__}")
    for position, char in enumerate(key.value):
        if not (" " <= char <= "~"):
            raise ValueError(
                f"api_key has an invalid character U+{ord(char):04X} at position {position} "
                "(keys are printable ASCII)")


class BearerAuth(AuthBase):
    """Adds ``Authorization: Bearer <key>`` to a request at the last moment.

    The key lives only in the :class:`Secret` and the prepared request, never
    in a local variable of the library's frames (so a traceback formatted with
    locals cannot show it).  On a redirect to another host (or from https to
    http) requests drops the header and does not call this again.
    """

    def __init__(self, key: Secret) -> None:
        self.key = key

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = "Bearer " + self.key.value
        return request

    def __repr__(self) -> str:
        return "BearerAuth('***')"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is 127.0.0.0/8, ::1 or localhost."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> None:
    r"""Raise ``ValueError`` unless ``url`` is https, or http to a loopback host.

    The host is read with urllib3's parser, the one the connection uses; a URL
    that the standard library's :func:`~urllib.parse.urlsplit` reads as another
    host (``http://example.com\\@127.0.0.1/``) is refused as ambiguous, as is
    any whitespace, control character or backslash.

    >>> check_base_url("http://example.com\\@127.0.0.1/api/v1")
    Traceback (most recent call last):
    ...
    ValueError: ambiguous base_url: it contains a backslash, whitespace or a control character
    """
    if not isinstance(url, str):
        raise TypeError(f"base_url must be a str, not {type(url).__name__}")
    if any(c == "\\" or c.isspace() or not c.isprintable() for c in url):
        raise ValueError("ambiguous base_url: it contains a backslash, whitespace or a "
                         "control character")
    try:
        parsed = parse_url(url)
    except LocationParseError:
        raise ValueError(f"base_url is not a valid URL: {url!r}") from None
    scheme = (parsed.scheme or "").lower()
    host = (parsed.host or "").strip("[]").lower()
    other = (urlsplit(url).hostname or "").lower()
    if host != other:
        raise ValueError(f"ambiguous base_url: its host reads as {host!r} or {other!r}")
    if scheme == "https" and host:
        return
    if scheme == "http" and host and is_loopback(host):
        return
    if scheme == "http":
        raise ValueError(
            f"refusing to send an API key over plain http to {host!r}: "
            "use https (http is allowed only for a loopback simulator)"
        )
    raise ValueError(f"base_url must be an https:// URL, got {url!r}")
