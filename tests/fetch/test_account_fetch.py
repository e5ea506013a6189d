"""The account endpoints over HTTP (fetch/account.py): the management key's rules."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from _loopback import loopback_server, reply

from openrouter_frame.errors import (
    GenerationNotFoundError,
    ManagementKeyRequiredError,
    PermissionDeniedError,
    UpstreamError,
)
from openrouter_frame.fetch.account import MANAGEMENT_KEYS_URL, AccountFetcher
from openrouter_frame.testing import Simulator, serve

MGMT = "sk-or-v1-mgmt-test-0123456789abcdef-do-not-print"
INFERENCE = "sk-or-v1-inference-test-0123456789abcdef"


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with serve(api_key=INFERENCE, management_key=MGMT) as s:
        yield s


def test_activity_with_the_management_key(sim: Simulator) -> None:
    with AccountFetcher(MGMT, sim.base_url, management=True) as fetcher:
        items = fetcher.activity()
        day = fetcher.activity(date=str(sim.history_end), group_by="workspace")
    assert items == sim.activity()
    assert day == sim.activity(str(sim.history_end), group_by="workspace")


def _message(exc: BaseException) -> str:
    return f"{exc} {exc!r} {exc.args}"


def test_an_inference_key_gets_a_clear_error_not_a_bare_403(
        sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="openrouter_frame")
    with AccountFetcher(INFERENCE, sim.base_url, management=True) as fetcher, \
            pytest.raises(ManagementKeyRequiredError) as info:
        fetcher.activity()
    text = _message(info.value)
    assert info.value.status is None or isinstance(info.value, PermissionDeniedError)
    assert MANAGEMENT_KEYS_URL in text and "OPENROUTER_MANAGEMENT_KEY" in text
    assert "HTTP 403" in text and "Only management keys" in text
    assert INFERENCE not in text + caplog.text and MGMT not in text + caplog.text


@pytest.mark.parametrize("path", ["activity", "credits"], ids=["activity", "credits"])
def test_no_management_key_fails_before_any_request(sim: Simulator, path: str) -> None:
    before = sim.stats.requests
    with AccountFetcher(None, sim.base_url, management=True) as fetcher, \
            pytest.raises(ManagementKeyRequiredError, match="none was given"):
        fetcher.get(path)
    with AccountFetcher(INFERENCE, sim.base_url) as fetcher, \
            pytest.raises(ManagementKeyRequiredError, match="inference key"):
        fetcher.get(path)
    assert sim.stats.requests == before


def test_the_management_key_comes_from_its_own_variable(
        sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", MGMT)  # never read for a management key
    with AccountFetcher(None, sim.base_url, management=True) as fetcher, \
            pytest.raises(ManagementKeyRequiredError):
        fetcher.activity()
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", MGMT)
    with AccountFetcher(None, sim.base_url, management=True) as fetcher:
        assert fetcher.credits()["total_usage"] > 0
        assert MGMT not in repr(fetcher) and "api_key=<set>" in repr(fetcher)


def test_prices_need_no_key(sim: Simulator) -> None:
    with AccountFetcher(None, sim.base_url) as fetcher:
        models = fetcher.models()
        endpoints = fetcher.endpoints("meta-llama/llama-3.3-70b-instruct")
        assert "api_key=<missing>" in repr(fetcher)
    assert {"openai/text-embedding-3-small", "cohere/rerank-v3.5"} <= {m["id"] for m in models}
    assert {e["provider_name"] for e in endpoints["endpoints"]} >= {"Groq", "Together"}


@pytest.mark.parametrize("model", ["gpt-4o", "a/b/c", "/x", "x/", 42],
                         ids=["no-author", "three-parts", "no-author-part", "no-slug", "int"])
def test_a_malformed_model_is_refused_before_any_request(sim: Simulator, model: object) -> None:
    before = sim.stats.requests
    with AccountFetcher(None, sim.base_url) as fetcher, pytest.raises(ValueError, match="slug"):
        fetcher.endpoints(model)  # type: ignore[arg-type]
    assert sim.stats.requests == before


def test_an_unknown_model_is_a_404_naming_the_path(sim: Simulator) -> None:
    with AccountFetcher(None, sim.base_url) as fetcher, \
            pytest.raises(GenerationNotFoundError, match="models/cohere/command-r-08-2024"):
        fetcher.endpoints("cohere/command-r-08-2024")


def test_key_info_tells_the_two_keys_apart(sim: Simulator) -> None:
    with AccountFetcher(INFERENCE, sim.base_url) as inference, \
            AccountFetcher(MGMT, sim.base_url, management=True) as management:
        assert inference.key_info()["is_management_key"] is False
        assert management.key_info()["is_management_key"] is True


class _Flaky(BaseHTTPRequestHandler):
    """429 (Retry-After 0), then 503, then the activity; ``hits`` counts requests."""

    hits = 0

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits += 1
        if self.hits == 1:
            reply(self, 429, b'{"error":{"code":429,"message":"slow down"}}',
                  {"Retry-After": "0"})
        elif self.hits == 2:
            reply(self, 503, b'{"error":{"code":503,"message":"busy"}}')
        else:
            reply(self, 200, b'{"data":[]}')

    def log_message(self, *args: object) -> None:
        pass


def test_429_and_5xx_are_retried() -> None:
    _Flaky.hits = 0
    with loopback_server(_Flaky) as url, \
            AccountFetcher(MGMT, url + "/api/v1", management=True, backoff_factor=0.01) as f:
        assert f.activity() == []
    assert _Flaky.hits == 3


def test_retries_end_with_the_status_error_without_the_key() -> None:
    _Flaky.hits = 0
    with loopback_server(_Flaky) as url, \
            AccountFetcher(MGMT, url + "/api/v1", management=True, max_retries=1,
                           backoff_factor=0.01) as f, pytest.raises(UpstreamError) as info:
        f.activity()
    assert info.value.status == 503 and "busy" in str(info.value)
    assert MGMT not in _message(info.value)
