"""Key safety: https only, no key in any output, redirects, ids that try to smuggle."""

from __future__ import annotations

import json
import logging
import pickle
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import openrouter_frame as orf
from openrouter_frame import OpenRouterClient, cli
from openrouter_frame.fetch.auth import BearerAuth, Secret, check_base_url, is_loopback
from openrouter_frame.testing import Simulator, serve

SECRET = "sk-or-v1-" + "5ecre7" * 8
FRAGMENT = "5ecre7"  # no part of the key may show either


# -- where the key may go -------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    ["https://openrouter.ai/api/v1", "HTTPS://OpenRouter.AI/api/v1", "http://127.0.0.1:8/x",
     "http://127.200.3.4/x", "http://localhost/x", "HTTP://LOCALHOST:9/x", "http://[::1]:9/x",
     "http://user@127.0.0.1:9/x"],
    ids=["https", "https-upper", "127.0.0.1", "127/8", "localhost", "localhost-upper",
         "ipv6-loopback", "userinfo-loopback"],
)
def test_accepted_base_urls(url: str) -> None:
    check_base_url(url)


@pytest.mark.parametrize(
    "url",
    ["http://openrouter.ai/api/v1", "http://127.0.0.1.evil.test/x", "http://localhost.evil.test",
     "http://127.0.0.1@evil.test/x", "http://0.0.0.0:8/x", "http://[::ffff:7f00:1]/x",
     "http://2130706433/x", "http://192.168.1.5/x", "https://", "ftp://127.0.0.1/x",
     "ws://localhost/x", "openrouter.ai/api/v1", ""],
    ids=["http-remote", "loopback-prefix", "localhost-prefix", "userinfo-remote", "any-addr",
         "v4-mapped", "decimal-ip", "private", "https-no-host", "ftp", "ws", "no-scheme",
         "empty"],
)
def test_refused_base_urls(url: str) -> None:
    with pytest.raises(ValueError):
        check_base_url(url)


def test_http_base_url_from_environment_fails_before_any_request(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with serve() as s:
        remote = s.base_url.replace("127.0.0.1", "openrouter-frame.invalid")
        monkeypatch.setenv("OPENROUTER_BASE_URL", remote)
        with pytest.raises(ValueError, match="plain http"):
            orf.generations_to_frame(s.ids(3), api_key=SECRET)
        assert s.stats.requests == 0


@pytest.mark.parametrize(("host", "expected"),
                         [("127.0.0.1", True), ("[::1]", True), ("LocalHost", True),
                          ("127.1.2.3", True), ("example.com", False), ("::2", False)],
                         ids=["v4", "v6-brackets", "name", "127/8", "remote", "v6-other"])
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


# -- the key holder -------------------------------------------------------------------------
def test_secret_never_shows_itself() -> None:
    key = Secret(SECRET)
    assert FRAGMENT not in repr(key) + str(key) + f"{key}" + repr([key]) + repr(BearerAuth(key))
    with pytest.raises(TypeError):
        pickle.dumps(key)
    assert key.redact(f"bad key {SECRET}!") == "bad key ***!"


# -- no key in any output -------------------------------------------------------------------
def _texts_of(exc: BaseException) -> list[str]:
    """Every way the library's error can be shown, locals of its own frames included."""
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    summary = traceback.TracebackException.from_exception(exc, capture_locals=True)
    for frame in summary.stack:
        if "openrouter_frame" in frame.filename:
            texts.append(json.dumps(frame.locals))
    return texts


def _raise_each(attempts: list[Any], texts: list[str]) -> list[str]:
    """Call each attempt (each must raise); add every text of its error to ``texts``."""
    raised = []
    for attempt in attempts:
        with pytest.raises((orf.OpenRouterError, ValueError)) as info:
            attempt()
        raised.append(type(info.value).__name__)
        texts += _texts_of(info.value)
    return raised


def test_no_key_in_reprs_errors_tracebacks_or_logs(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's included
    ids = Simulator(api_key=SECRET).ids(40)  # (not started: just its ids)
    faults = {"rate_limit": 0.2, "retry_after": 0.02, "bad_gateway": 0.1,
              "status_for": {ids[3]: 500}, "credits_after": 200}
    texts: list[str] = []
    with serve(api_key=SECRET, faults=faults) as s:
        client = OpenRouterClient(SECRET, s.base_url, cache=tmp_path / "c.sqlite",
                                  max_retries=2, backoff_factor=0.001)
        texts += [repr(client), str(client), repr(client.cache), repr(client.__dict__)]
        result = client.fetch(ids + ["gen-0000000000-none"] + s.foreign_ids(1))
        texts += [repr(result), result.describe_failures(), result.failures.to_string(),
                  result.frame.to_string()]
        attempts = [
            lambda: client.get_generation("gen-0000000000-none"),  # 404
            lambda: client.get_generation(ids[3]),  # persistent 500
            lambda: orf.generations_to_frame(ids[:5] + ["gen-0000000000-x"], client=client),
            lambda: orf.fetch_generations(ids, api_key=SECRET + "-wrong", base_url=s.base_url),
            lambda: orf.fetch_generations(s.ids(300), client=client),  # 402 mid-batch
            lambda: OpenRouterClient(SECRET, "http://remote.invalid/api"),
        ]
        raised = _raise_each(attempts, texts)
        client.close()
    assert raised == ["GenerationNotFoundError", "UpstreamError", "FetchError",
                      "AuthenticationError", "InsufficientCreditsError", "ValueError"]
    records = caplog.records
    assert any("retrying" in r.getMessage() for r in records)  # the log was recording
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts += [formatter.format(r) for r in records]
    for text in texts:
        assert FRAGMENT not in text


MANAGEMENT = "sk-or-v1-" + "m4nag3" * 8
M_FRAGMENT = "m4nag3"


def test_no_management_key_in_reprs_errors_tracebacks_logs_or_cache(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    with serve(api_key=SECRET, management_key=MANAGEMENT) as s:
        cache = tmp_path / "c.sqlite"
        activity = orf.fetch_activity(api_key=MANAGEMENT, base_url=s.base_url, cache=cache)
        orf.fetch_activity(api_key=MANAGEMENT, base_url=s.base_url, cache=cache,
                           date=s.history_end)  # from the cache
        texts += [activity.to_string(), repr(activity.attrs)]
        from openrouter_frame.fetch.account import AccountFetcher

        with AccountFetcher(MANAGEMENT, s.base_url, management=True) as fetcher:
            texts += [repr(fetcher), str(fetcher), repr(fetcher.__dict__)]
        attempts = [
            lambda: orf.fetch_activity(api_key=SECRET, base_url=s.base_url),  # 403
            lambda: orf.fetch_activity(api_key=MANAGEMENT + "-wrong", base_url=s.base_url),
            lambda: orf.fetch_activity(api_key=MANAGEMENT, base_url="http://remote.invalid/"),
            lambda: orf.fetch_activity(api_key=MANAGEMENT, base_url=s.base_url,
                                       date="2020-01-01"),  # 400
        ]
        raised = _raise_each(attempts, texts)
    assert raised == ["ManagementKeyRequiredError", "AuthenticationError", "ValueError",
                      "OpenRouterError"]
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts += [formatter.format(r) for r in caplog.records]
    for text in texts:
        assert M_FRAGMENT not in text and FRAGMENT not in text
    data = b"".join(f.read_bytes() for f in tmp_path.iterdir())
    assert b"requests" in data  # the activity is there...
    assert M_FRAGMENT.encode() not in data and FRAGMENT.encode() not in data  # ...no key


def test_no_key_in_the_cache_file(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with serve(api_key=SECRET) as s:
        with OpenRouterClient(SECRET, s.base_url, cache=path) as c:
            c.fetch(s.ids(200))
            files = sorted(tmp_path.iterdir())  # the -wal file still exists while open
            data = b"".join(f.read_bytes() for f in files)
    assert {f.name for f in files} >= {"c.sqlite", "c.sqlite-wal"}
    assert data.count(b"gen-") >= 200  # the records are there...
    for needle in (SECRET, FRAGMENT, SECRET.encode().hex()):  # ...the key is not
        assert needle.encode() not in data
    assert FRAGMENT.encode() not in path.read_bytes()  # after the final checkpoint too


def test_no_key_in_cli_output_or_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    ids_file = tmp_path / "ids.txt"
    outputs = []
    with serve(api_key=SECRET) as s:
        ids_file.write_text("\n".join(s.ids(30) + ["gen-0000000000-none"]) + "\n")
        monkeypatch.setenv("OPENROUTER_BASE_URL", s.base_url)
        for key in (SECRET, SECRET + "-revoked"):
            monkeypatch.setenv("OPENROUTER_API_KEY", key)
            code = cli.main(["fetch", str(ids_file), "-o", str(tmp_path / "out.csv"),
                             "--cache", str(tmp_path / "c.sqlite")])
            captured = capsys.readouterr()
            outputs += [captured.out, captured.err]
            assert code == 1  # one id is unknown; the wrong key fails every id
    written = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert "HTTP 401" in outputs[-1] and "HTTP 404" in outputs[1]
    for text in outputs:
        assert FRAGMENT not in text
    assert FRAGMENT.encode() not in written


# -- redirects --------------------------------------------------------------------------------
class _Redirector(BaseHTTPRequestHandler):
    """Redirects /api/v1/generation to ``server.target``; answers anything else with a record."""

    protocol_version = "HTTP/1.1"
    server: Any

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        if self.path.startswith("/api/v1/generation"):
            self.send_response(307)
            self.send_header("Location", self.server.target.format(port=self.server.port))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"data": {"id": "gen-1", "total_cost": 1.0}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def redirector() -> Iterator[Any]:
    servers = []
    for _ in range(2):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
        server.seen, server.port = [], server.server_address[1]
        servers.append(server)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("target", "carried"),
    [("http://127.0.0.1:{port}/landing", True),  # same origin: the header stays
     ("http://localhost:{port}/landing", False),  # another host name
     ("http://127.0.0.1:{other}/landing", False)],  # another port
    ids=["same-origin", "other-host", "other-port"],
)
def test_redirects_elsewhere_do_not_carry_the_key(redirector: Any, target: str,
                                                  carried: bool) -> None:
    first, second = redirector
    first.target = target.replace("{other}", str(second.port))
    with OpenRouterClient(SECRET, f"http://127.0.0.1:{first.port}/api/v1") as c:
        assert c.get_generation("gen-1")["total_cost"] == 1.0
    hops = first.seen + second.seen
    assert [path for path, _ in hops] == ["/api/v1/generation?id=gen-1", "/landing"]
    assert hops[0][1] == f"Bearer {SECRET}"
    assert (hops[1][1] == f"Bearer {SECRET}") is carried
    if not carried:
        assert hops[1][1] is None


# -- ids cannot smuggle anything --------------------------------------------------------------
WEIRD = ["a&b=c", "x&id=gen-other", "frag#ment", "../../admin", "a/b/c", "in side",
         "line\nbreak", "cr\r\nX-Injected: 1", "tab\there", "ünïcødé-✓-日本", "nul\x00byte",
         "%2e%2e%2F", "+plus+", "semi;colon", "q?x=1", "=", "&", "#", "x" * 10_000]


def test_weird_ids_in_a_batch_reach_the_server_exactly() -> None:
    with serve() as s:
        result = orf.fetch_generations(WEIRD + s.ids(5), api_key=s.api_key,
                                       base_url=s.base_url)
        received = list(s.received_ids)
    assert sorted(received) == sorted(WEIRD + s.ids(5))
    assert list(result.failures["id"]) == WEIRD
    assert set(result.failures["status"]) == {404}
    assert len(result.frame) == 5
