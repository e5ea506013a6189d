"""Adversarial inputs and servers: each case once killed a batch, leaked a key or hung."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from _loopback import loopback_server, reply

import openrouter_frame as orf
from openrouter_frame import OpenRouterClient
from openrouter_frame.fetch.auth import check_base_url
from openrouter_frame.fetch.batch import run_batch
from openrouter_frame.fetch.client import GenerationFetcher
from openrouter_frame.testing import serve

SECRET = "sk-or-v1-" + "h4rden" * 8
FRAGMENT = "h4rden"


# -- 1. one URL parser decides loopback ------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    ["http://example.com\\@127.0.0.1/api/v1", "http://example.com\\@localhost:8/api/v1",
     "http://127.0.0.1 @example.com/x", "http://127.0.0.1\t/api/v1"],
    ids=["backslash-userinfo", "backslash-localhost", "space-userinfo", "tab"],
)
def test_ambiguous_base_url_is_refused_before_any_request(url: str) -> None:
    with pytest.raises(ValueError):
        check_base_url(url)
    with pytest.raises(ValueError):
        OpenRouterClient(SECRET, url)


def test_the_host_checked_is_the_host_connected_to() -> None:
    # A server that never answers on example.com: if the check and the connection
    # disagreed, the key would have gone there; here nothing is even attempted.
    with pytest.raises(ValueError, match="ambiguous"):
        orf.fetch_generations(["gen-1"], api_key=SECRET,
                              base_url="http://example.com\\@127.0.0.1/api/v1")


# -- 2. keys checked up front ----------------------------------------------------------------
@pytest.mark.parametrize(
    "key",
    [SECRET + "\nX-Evil: 1", SECRET + "\u200b", SECRET[:12] + "\x00" + SECRET[12:],
     SECRET + "\u00e9", SECRET + "\x7f"],
    ids=["newline", "zero-width-space", "nul", "latin-1", "del"],
)
def test_unsendable_key_is_a_clear_error_without_the_key(key: str) -> None:
    with serve() as s:
        with pytest.raises(ValueError, match="api_key has an invalid character") as info:
            orf.fetch_generations(s.ids(3), api_key=key, base_url=s.base_url)
        assert s.stats.requests == 0
    text = str(info.value) + repr(info.value.args)
    assert FRAGMENT not in text


def test_key_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", SECRET + "\u200b")
    with pytest.raises(ValueError) as info:
        OpenRouterClient(base_url="http://127.0.0.1:9/api/v1")
    assert FRAGMENT not in str(info.value) + repr(info.value.args)


# -- 3. a deadline for the whole response ----------------------------------------------------
class _Trickle(BaseHTTPRequestHandler):
    """Answers 200 with a long body sent 4 bytes every 0.25 s until the client goes."""

    sent: list[int] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        count = 0
        try:
            for _ in range(25_000):
                self.wfile.write(b"    ")
                self.wfile.flush()
                count += 4
                threading.Event().wait(0.25)
        except OSError:
            pass
        finally:
            self.sent.append(count)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def trickle() -> Iterator[str]:
    with loopback_server(_Trickle) as url:
        yield url + "/api/v1"


@pytest.mark.timeout(60)  # without a deadline the body takes 100,000 / 16 s to arrive
def test_a_trickling_body_cannot_outlast_the_timeout(trickle: str) -> None:
    _Trickle.sent.clear()
    with OpenRouterClient(SECRET, trickle, timeout=1, max_retries=1,
                          backoff_factor=0.01) as client:
        result = client.fetch(["gen-1"], progress=False)
    assert list(result.failures["id"]) == ["gen-1"]
    assert "within timeout=1 s" in result.failures["error"].iloc[0]
    # Two attempts, each cut at its deadline: a few seconds of 16 bytes/s, not 100 kB.
    assert len(_Trickle.sent) >= 1 and max(_Trickle.sent) < 1_000


# -- 4. a body that cannot be parsed is one id's failure -------------------------------------
@pytest.mark.parametrize(
    "body",
    [b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", b"[" * 100_000],
    ids=["deep-valid", "deep-truncated"],
)
def test_an_unparsable_body_fails_only_its_id(body: bytes) -> None:
    with serve() as s:
        ids = s.ids(20)
        s.faults.body_for = {ids[3]: body}
        with OpenRouterClient(s.api_key, s.base_url, max_retries=0) as client:
            result = client.fetch(ids, progress=False)
    assert len(result.frame) == 19
    assert list(result.failures["id"]) == [ids[3]]


# -- 5. ids that cannot be sent are refused with their position ------------------------------
@pytest.mark.parametrize("bad", ["x\udcff", "\ud800gen"], ids=["low-surrogate", "high-surrogate"])
def test_unsendable_id_is_refused_before_any_request(bad: str) -> None:
    with serve() as s:
        ids = s.ids(5)
        with pytest.raises(ValueError, match=r"ids\[2\] cannot be sent"):
            orf.fetch_generations([*ids[:2], bad, *ids[2:]], api_key=s.api_key,
                                  base_url=s.base_url)
        with pytest.raises(ValueError, match="cannot be sent"):
            OpenRouterClient(s.api_key, s.base_url).get_generation(bad)
        assert s.stats.requests == 0


# -- proxies and CA bundles from the environment are still honoured --------------------------
class _Recorder(BaseHTTPRequestHandler):
    """A stand-in proxy: records each request line and answers 502."""

    lines: list[str] = []

    def _any(self) -> None:
        self.lines.append(self.requestline)
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_CONNECT = _any  # noqa: N815 - http.server's names

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    _Recorder.lines.clear()
    with loopback_server(_Recorder) as url:
        yield url


def _clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy",
                 "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_http_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch,
                                                 proxy: str) -> None:
    _clean_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    with serve() as s, OpenRouterClient(s.api_key, s.base_url, max_retries=0) as client:
        result = client.fetch(s.ids(3), progress=False)
        assert s.stats.requests == 0  # everything went through the proxy
    assert len(result.failures) == 3
    assert len(_Recorder.lines) == 3 and all(" http://127.0.0.1:" in x for x in _Recorder.lines)


def test_https_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch,
                                                  proxy: str) -> None:
    _clean_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    with OpenRouterClient(SECRET, "https://openrouter-frame.invalid/api/v1",
                          max_retries=0) as client:
        result = client.fetch(["gen-1"], progress=False)
    assert len(result.failures) == 1
    assert _Recorder.lines and _Recorder.lines[0].startswith("CONNECT openrouter-frame.invalid")


def test_no_proxy_from_the_environment_bypasses_the_proxy(monkeypatch: pytest.MonkeyPatch,
                                                          proxy: str) -> None:
    _clean_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with serve() as s, OpenRouterClient(s.api_key, s.base_url) as client:
        result = client.fetch(s.ids(3), progress=False)
        assert s.stats.requests == 3
    assert len(result.frame) == 3 and _Recorder.lines == []


def test_ca_bundle_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Any) -> None:
    _clean_proxy_env(monkeypatch)
    bundle = tmp_path / "no-such-bundle.pem"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    with OpenRouterClient(SECRET, "https://127.0.0.1:9/api/v1", max_retries=0) as client:
        assert client.session.verify == str(bundle)
        with pytest.raises(OSError, match="no-such-bundle"):
            client.get_generation("gen-1")


def test_an_injected_session_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    import requests

    session = requests.Session()
    OpenRouterClient(SECRET, "https://openrouter.ai/api/v1", session=session)
    assert session.trust_env is True and session.proxies == {}



# -- 7. the 429 gate holds only new requests -------------------------------------------------
class _Limited(BaseHTTPRequestHandler):
    """``gen-slow`` answers after 0.8 s; ``gen-limit``'s first try is a 429 (Retry-After: 2);
    anything else answers at once.  Each arrival is stamped (``time.monotonic()``)."""

    arrivals: list[tuple[str, float]] = []
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        id = self.path.rpartition("id=")[2]
        with self.lock:
            self.arrivals.append((id, time.monotonic()))
            tries = sum(1 for i, _ in self.arrivals if i == id)
        if id == "gen-limit" and tries == 1:
            reply(self, 429, b'{"error": {"code": 429, "message": "Rate limit exceeded"}}',
                  {"Retry-After": "2"})
            return
        if id == "gen-slow":
            time.sleep(0.8)
        reply(self, 200, json.dumps({"data": {"id": id, "total_cost": 0.001}}).encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def limited() -> Iterator[str]:
    _Limited.arrivals = []
    with loopback_server(_Limited) as url:
        yield url + "/api/v1"


def test_a_429_holds_new_requests_but_not_those_under_way(limited: str) -> None:
    # Two workers: one sends gen-slow (0.8 s), the other gen-limit, which is told at once to
    # wait 2 s.  gen-slow was already under way: its record lands at 0.8 s, not at 2 s.
    # gen-next (taken after gen-slow) and gen-limit's retry are new: neither is sent
    # before the 2 s are up.
    landed: dict[str, float] = {}
    start = time.monotonic()
    with GenerationFetcher(SECRET, limited, max_workers=2, not_found_grace=0) as fetcher:
        batch = run_batch(fetcher, ["gen-slow", "gen-limit", "gen-next"],
                          on_record=lambda id, *_: landed.setdefault(id, time.monotonic()))
    assert sorted(batch.records) == ["gen-limit", "gen-next", "gen-slow"]
    assert not batch.failures
    told = next(t for i, t in _Limited.arrivals if i == "gen-limit")  # the 429's request
    assert landed["gen-slow"] - start < 1.6  # not parked until the gate opened
    later = _Limited.arrivals[2:]
    assert sorted(i for i, _ in later) == ["gen-limit", "gen-next"]
    assert all(t >= told + 2.0 - 0.05 for _, t in later), (told, later)
    assert time.monotonic() - start < 3.5  # one Retry-After, not one per worker
