"""The lean send path sends what ``session.get(url, params={"id": id}, ...)`` would.

Each case runs the same request twice against an echo server, once through
``session.get`` (what the client did before) and once through
:class:`~openrouter_frame.fetch.send.Sender`, on two sessions set up alike,
and compares what the server received and what the caller and session got
back (status, URL, redirect history, request headers, cookies, hooks).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from _loopback import loopback_server
from hypothesis import given
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter

from openrouter_frame import OpenRouterClient
from openrouter_frame.fetch.auth import Secret
from openrouter_frame.fetch.retry import Gate, Stopped
from openrouter_frame.fetch.send import GatedAuth, Sender
from openrouter_frame.testing import serve

KEY = "sk-or-v1-" + "s3nd" * 10


class _Echo(BaseHTTPRequestHandler):
    """Answers with what it received; ``/redirect*`` and ``/cookie`` paths do what they say."""

    port = 0

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = urlsplit(self.path).path
        query = urlsplit(self.path).query
        if path.endswith("/redirect-same"):
            self._reply(302, b"", [("Location", f"/api/v1/generation?{query}")])
        elif path.endswith("/redirect-other"):  # another host name for the same server
            self._reply(302, b"", [("Location",
                                    f"http://localhost:{self.port}/api/v1/generation?{query}")])
        else:
            cookies = [("Set-Cookie", "__cf_bm=abc; Path=/")] if path.endswith("/cookie") else []
            body = json.dumps({"path": self.path, "headers": sorted(self.headers.items())})
            self._reply(200, body.encode(), [("Content-Type", "application/json"), *cookies])

    def _reply(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    with loopback_server(_Echo) as url:
        _Echo.port = int(url.rsplit(":", 1)[1])
        yield url + "/api/v1"


def _plain(session: requests.Session) -> None:
    pass


def _headers(session: requests.Session) -> None:
    session.headers["X-Session"] = "1"
    session.headers["Accept"] = "text/plain"  # the fetcher's Accept wins
    session.headers["Accept-Encoding"] = None  # type: ignore[assignment]  # dropped


def _cookies(session: requests.Session) -> None:
    session.cookies.set("pref", "dark", domain="127.0.0.1", path="/")


def _no_env(session: requests.Session) -> None:
    session.trust_env = False
    session.proxies["ftp"] = "http://unused.invalid"
    session.verify = False


def _hook(session: requests.Session) -> None:
    session.hooks["response"].append(
        lambda r, *a, **k: r.headers.__setitem__("X-Hooked", "yes"))


SETUPS: dict[str, Callable[[requests.Session], None]] = {
    "plain": _plain, "headers": _headers, "cookies": _cookies, "no-env": _no_env,
    "hook": _hook}
FETCHER_HEADERS = {"Accept": "application/json", "User-Agent": "openrouter-frame",
                   "X-Title": "t"}


def _outcome(response: requests.Response, session: requests.Session) -> dict[str, Any]:
    return {"status": response.status_code, "url": response.url,
            "history": [(r.status_code, r.url) for r in response.history],
            "received": response.json(),
            "sent": sorted(response.request.headers.items()),
            "hooked": response.headers.get("X-Hooked"),
            "cookies": sorted((c.name, c.value, c.domain) for c in session.cookies),
            "request_cookies": sorted(c.name for c in response.request._cookies),  # type: ignore[attr-defined]
            "hooks": {k: len(v) for k, v in response.request.hooks.items()}}


def _both(echo: str, endpoint: str, id: str, setup: Callable[[requests.Session], None]
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    got = []
    for lean in (False, True):
        with requests.Session() as session:
            setup(session)
            url = f"{echo}/{endpoint}"
            if lean:
                sender = Sender(session, url, FETCHER_HEADERS, 5.0)
                assert sender.exact
                response = sender.send(id, Secret(KEY), Gate(), threading.Event())
            else:
                response = session.get(url, params={"id": id}, headers=FETCHER_HEADERS,
                                       auth=GatedAuth(Secret(KEY), Gate(), threading.Event()),
                                       timeout=5.0, stream=True)
            got.append(_outcome(response, session))
            response.close()
    return got[0], got[1]


@pytest.mark.parametrize("setup", SETUPS.values(), ids=SETUPS.keys())
@pytest.mark.parametrize("endpoint", ["generation", "redirect-same", "redirect-other", "cookie"])
def test_the_lean_path_sends_what_session_get_sends(echo: str, endpoint: str,
                                                    setup: Callable[[requests.Session], None]
                                                    ) -> None:
    before, lean = _both(echo, endpoint, "gen-1740432000-Ab Cd&x=1", setup)
    assert lean == before
    assert parse_qs(urlsplit(lean["received"]["path"]).query) == {
        "id": ["gen-1740432000-Ab Cd&x=1"]}
    received = dict(lean["received"]["headers"])
    if endpoint == "redirect-other":  # requests drops the key on a redirect to another host
        assert "Authorization" not in received and lean["history"]
    else:
        assert received["Authorization"] == f"Bearer {KEY}"
    if endpoint == "cookie":
        assert ("__cf_bm", "abc", "127.0.0.1") in lean["cookies"]


def test_a_cookie_the_server_sets_is_sent_back(echo: str) -> None:
    with requests.Session() as session:
        sender = Sender(session, f"{echo}/cookie", {}, 5.0)
        sender.send("gen-1", Secret(KEY), Gate(), threading.Event()).close()
        again = sender.send("gen-2", Secret(KEY), Gate(), threading.Event())
        assert dict(again.json()["headers"])["Cookie"] == "__cf_bm=abc"


@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40))
def test_the_url_is_the_one_params_makes(id: str) -> None:
    url = "https://openrouter.ai/api/v1/generation"
    prepared = requests.Request("GET", url, params={"id": id}).prepare()
    assert Sender(requests.Session(), url, {}, 1.0).url_of(id) == prepared.url


@pytest.mark.parametrize("url", ["https://openrouter.ai/api/v1/generation?x=1",
                                 "https://openrouter.ai/api/v1/generation#top",
                                 "https://bücher.example/api/v1/generation"])
def test_a_base_url_with_a_query_fragment_or_idna_host(url: str) -> None:
    sender = Sender(requests.Session(), url, {}, 1.0)
    for id in ("gen-1", "a b&c=d/é"):
        assert sender.url_of(id) == requests.Request("GET", url, params={"id": id}).prepare().url


def test_a_session_subclass_or_session_params_go_through_session_get(echo: str) -> None:
    calls: list[str] = []

    class Logged(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            calls.append(args[0])
            return super().request(*args, **kwargs)

    with Logged() as session:
        sender = Sender(session, f"{echo}/generation", {}, 5.0)
        assert not sender.exact
        sender.send("gen-1", Secret(KEY), Gate(), threading.Event()).close()
    assert calls == ["GET"]
    with requests.Session() as session:
        session.params = {"extra": "1"}
        response = Sender(session, f"{echo}/generation", {}, 5.0).send(
            "gen-1", Secret(KEY), Gate(), threading.Event())
        assert parse_qs(urlsplit(response.json()["path"]).query) == {
            "extra": ["1"], "id": ["gen-1"]}


def test_a_stopped_batch_sends_nothing(echo: str) -> None:
    stop = threading.Event()
    stop.set()
    with requests.Session() as session:
        adapter = _Recording()
        session.mount("http://", adapter)
        with pytest.raises(Stopped):
            Sender(session, f"{echo}/generation", {}, 5.0).send(
                "gen-1", Secret(KEY), Gate(), stop)
    assert adapter.seen == []


class _Recording(HTTPAdapter):
    """A user's adapter: records each request it is given, then sends it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
             ) -> requests.Response:
        self.seen.append(request)
        return super().send(request, *args, **kwargs)


def test_an_adapter_mounted_on_an_injected_session_sees_every_request() -> None:
    adapter = _Recording()
    with serve() as s, requests.Session() as session:
        session.mount(s.base_url, adapter)  # the most specific prefix wins
        with OpenRouterClient(s.api_key, s.base_url, session=session) as client:
            result = client.fetch(s.ids(5), progress=False)
    assert len(result.frame) == 5 and len(adapter.seen) == 5
    assert all(r.headers["Authorization"] == f"Bearer {s.api_key}" for r in adapter.seen)
    assert sorted(parse_qs(urlsplit(str(r.url)).query)["id"][0] for r in adapter.seen) == \
        sorted(s.ids(5))


def test_session_changes_after_the_client_is_made_are_seen(echo: str) -> None:
    with requests.Session() as session, \
            OpenRouterClient(KEY, echo, session=session, max_retries=0) as client:
        seen: list[requests.Response] = []
        session.hooks["response"].append(lambda r, *a, **k: seen.append(r))
        session.headers["X-Late"] = "1"
        client.fetch(["gen-1"], progress=False)
        session.headers["X-Late"] = "2"
        client.fetch(["gen-2"], progress=False)
    assert [dict(r.json()["headers"])["X-Late"] for r in seen] == ["1", "2"]



def test_a_url_requests_refuses_fails_each_id_not_the_batch() -> None:
    url = "https://*.example/api/v1"  # passes the base-URL check; requests refuses the label
    with OpenRouterClient(KEY, url, max_retries=0) as client:
        sender = client._sender("generation")
        assert not sender.exact
        result = client.fetch(["gen-1", "gen-2"], progress=False)
    assert len(result.failures) == 2
    assert all(e.startswith("InvalidURL") for e in result.failures["error"])
