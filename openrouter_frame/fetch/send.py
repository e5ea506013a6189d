"""One ``GET <url>?id=<id>`` through a session, less the per-request work of ``Session.request``.

``session.get(url, params={"id": id}, headers=..., auth=..., stream=True)``
rebuilds, on every call, what is the same for every request of a fetcher:
the URL's parse and re-quoting, the merge of the session's headers with the
fetcher's and their validation, the session's (usually empty) cookie jar
copied twice and turned into a ``Cookie`` header, the hooks, the proxy,
stream, verify and cert settings (about a third of a request's client CPU,
measured).  :class:`Sender` builds the same :class:`~requests.PreparedRequest`
from parts made once and hands it to :meth:`requests.Session.send`, so the
session's mounted adapters, hooks, cookie persistence and redirect handling
are the ones requests applies.

Nothing is assumed about the session: what can change after the fetcher is
made (headers, cookies, hooks, proxies, ``verify``, ``cert``, ``trust_env``)
is read on each request, the parts kept only while the session still holds
what they were made from.  A session whose ``params`` are set, or of a
subclass of :class:`requests.Session` (which may override ``request``, as
requests-cache's does), goes through ``session.get`` as before.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

import requests
from requests.cookies import RequestsCookieJar, merge_cookies
from requests.hooks import default_hooks
from requests.models import PreparedRequest
from requests.sessions import merge_hooks, merge_setting
from requests.structures import CaseInsensitiveDict

from .auth import BearerAuth, Secret
from .retry import Gate, Stopped

#: Stands for the id while the URL template is prepared (URL-safe, never a real id).
_MARK = "ORFIDMARK0"
#: Ids the URL template is checked against at construction (all must come out as requests
#: would make them: ``params={"id": id}``).
_PROBES = ("gen-1740432000-AbCdEfGhIjKlMnOpQrSt", "gen-x y+z/?&=#%25é", "%41~._-")


class Sender:
    """Sends ``GET url?id=<id>`` through ``session`` as ``session.get`` would.

    Parameters
    ----------
    session : requests.Session
        Used as given: its adapters, headers, cookies, hooks, proxies,
        ``verify``, ``cert`` and ``trust_env``, read on every request.
    url : str
        The endpoint, without the query (``<base_url>/generation``).
    headers : dict
        The fetcher's own headers (over the session's, as ``headers=`` would).
    timeout : float
        Passed to the adapter, as ``timeout=`` would be.

    Examples
    --------
    >>> from openrouter_frame.testing import serve
    >>> with serve() as sim, requests.Session() as session:
    ...     sender = Sender(session, sim.base_url + "/generation", {}, 30.0)
    ...     response = sender.send(sim.ids(1)[0], Secret(sim.api_key), Gate(),
    ...                            threading.Event())
    ...     response.status_code
    200
    """

    def __init__(self, session: requests.Session, url: str, headers: Mapping[str, str],
                 timeout: float) -> None:
        self.session, self.url, self.timeout = session, url, timeout
        self.headers = dict(headers)
        self._before = self._after = ""
        #: Whether the parts reproduce ``Session.request`` (else ``session.get`` is used).
        self.exact = False
        try:  # a URL requests refuses fails each request through session.get, as before
            before, mark, after = _prepared_url(url, _MARK).partition("id=" + _MARK)
            self._before, self._after = before + "id=", after
            self.exact = (type(session) is requests.Session and bool(mark)
                          and all(self.url_of(i) == _prepared_url(url, i) for i in _PROBES))
        except (requests.RequestException, ValueError):
            pass
        self._merged: tuple[list[tuple[Any, Any]], CaseInsensitiveDict[Any]] | None = None

    def url_of(self, id: str) -> str:
        """The URL ``params={"id": id}`` makes (the id quoted as a form value)."""
        return self._before + quote_plus(id) + self._after

    def send(self, id: str, key: Secret, gate: Gate, stop: threading.Event
             ) -> requests.Response:
        """The response (streamed) to ``GET url?id=<id>``, sent once ``gate`` opens.

        The key goes into the request at the last moment, after waiting for
        the gate: :class:`Stopped` if ``stop`` is set meanwhile.
        """
        session = self.session
        if not self.exact or session.params:
            return session.get(self.url, params={"id": id}, headers=self.headers,
                               auth=GatedAuth(key, gate, stop), timeout=self.timeout,
                               stream=True)
        request = PreparedRequest()
        request.method = "GET"
        request.url = self._before + quote_plus(id) + self._after
        request.headers = self._merged_headers(session.headers)
        if len(session.cookies):
            request.prepare_cookies(merge_cookies(RequestsCookieJar(), session.cookies))
        else:  # what the merge of an empty jar makes: no Cookie header
            request._cookies = RequestsCookieJar()  # type: ignore[attr-defined]
        request.prepare_hooks(merge_hooks(default_hooks(), session.hooks))
        if session.trust_env:
            settings = session.merge_environment_settings(request.url, {}, True, None, None)
        else:  # what merge_environment_settings gives then, without its dict merges
            proxies = session.proxies
            settings = {"proxies": ({k: v for k, v in proxies.items() if v is not None}
                                    if isinstance(proxies, Mapping) else {}),
                        "stream": True, "verify": session.verify, "cert": session.cert}
        wait_gate(gate, stop)  # the last moment before sending
        BearerAuth(key)(request)
        return session.send(request, timeout=self.timeout, allow_redirects=True, **settings)

    def _merged_headers(self, session_headers: Any) -> CaseInsensitiveDict[Any]:
        """The session's headers under the fetcher's, validated (made again when they change)."""
        seen, merged = list(session_headers.items()), self._merged
        if merged is None or merged[0] != seen:
            prepared = PreparedRequest()
            prepared.prepare_headers(merge_setting(self.headers, session_headers,
                                                   dict_class=CaseInsensitiveDict))
            merged = self._merged = (seen, prepared.headers)
        return merged[1].copy()


def wait_gate(gate: Gate, stop: threading.Event) -> None:
    """Wait until ``gate`` opens; :class:`Stopped` when ``stop`` is set meanwhile."""
    gate.wait(stop)
    if stop.is_set():
        raise Stopped()


class GatedAuth(BearerAuth):
    """Bearer auth applied at the last moment, after waiting for the gate (for ``session.get``)."""

    def __init__(self, key: Secret, gate: Gate, stop: threading.Event) -> None:
        super().__init__(key)
        self._gate, self._stop = gate, stop

    def __call__(self, request: Any) -> Any:
        wait_gate(self._gate, self._stop)
        return super().__call__(request)


def _prepared_url(url: str, id: str) -> str:
    prepared = PreparedRequest()
    prepared.prepare_url(url, {"id": id})
    return str(prepared.url)


__all__ = ["GatedAuth", "Sender", "wait_gate"]
