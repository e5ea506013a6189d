"""client.py over real HTTP to the simulator: statuses, retries, keys, concurrency."""

from __future__ import annotations

import email.utils
import logging
import time
from typing import Any

import pandas as pd
import pytest
import requests

import openrouter_frame as orf
from openrouter_frame import (
    AuthenticationError,
    FetchError,
    FetchWarning,
    GenerationNotFoundError,
    InsufficientCreditsError,
    OpenRouterClient,
    PermissionDeniedError,
    UpstreamError,
)
from openrouter_frame.fetch.retry import server_wait as _server_wait
from openrouter_frame.testing import Simulator, serve


def _client(sim: Simulator, **kw: Any) -> OpenRouterClient:
    kw.setdefault("backoff_factor", 0.01)
    return OpenRouterClient(sim.api_key, sim.base_url, **kw)


def test_get_generation_returns_the_data_object(sim: Simulator,
                                                client: OpenRouterClient) -> None:
    id = sim.ids(1)[0]
    assert client.get_generation(id) == sim.record(id)


@pytest.mark.parametrize(
    ("make_id", "error"),
    [(lambda s: "gen-0000000000-unknown", GenerationNotFoundError),
     (lambda s: s.foreign_ids(1)[0], PermissionDeniedError)],
    ids=["404", "403"],
)
def test_get_generation_raises_by_status(sim: Simulator, client: OpenRouterClient,
                                         make_id: Any, error: type) -> None:
    id = make_id(sim)
    with pytest.raises(error) as info:
        client.get_generation(id)
    assert info.value.id == id
    assert info.value.status in (403, 404)
    assert info.value.message


def test_fetch_order_and_dedupe(sim: Simulator, client: OpenRouterClient) -> None:
    ids = sim.ids(40)
    shuffled = ids[::-1] + ids[:10]
    result = client.fetch(shuffled)
    assert list(result.frame["id"]) == ids[::-1]
    assert result.ok
    assert isinstance(result.frame.index, pd.RangeIndex)


def test_generations_to_frame_typed(sim: Simulator) -> None:
    df = orf.generations_to_frame(sim.ids(30), api_key=sim.api_key, base_url=sim.base_url,
                                  dtype_backend="pyarrow")
    assert isinstance(df["total_cost"].dtype, pd.ArrowDtype)
    assert len(df) == 30


def test_unknown_dtype_backend_fails_before_any_request() -> None:
    with serve() as s:
        with pytest.raises(ValueError, match="'numpy_nullable' or 'pyarrow'"):
            orf.generations_to_frame(s.ids(3), api_key=s.api_key, base_url=s.base_url,
                                     dtype_backend="arrow")
        assert s.stats.requests == 0


def test_partial_failure_keeps_every_record(sim: Simulator) -> None:
    good = sim.ids(20)
    bad = ["gen-0000000000-nope", sim.foreign_ids(1)[0]]
    with pytest.raises(FetchError) as info:
        orf.generations_to_frame(good[:10] + bad + good[10:], api_key=sim.api_key,
                                 base_url=sim.base_url)
    err = info.value
    assert list(err.result.frame["id"]) == good
    assert sorted(err.ids) == sorted(bad)
    failures = err.result.failures.set_index("id")
    assert failures.loc[bad[0], "status"] == 404
    assert failures.loc[bad[1], "status"] == 403
    assert "HTTP 404" in str(err) and "HTTP 403" in str(err)


def test_errors_warn_returns_successes(sim: Simulator) -> None:
    with pytest.warns(FetchWarning, match="1 id"):
        df = orf.generations_to_frame(sim.ids(5) + ["gen-0000000000-x"], api_key=sim.api_key,
                                      base_url=sim.base_url, errors="warn")
    assert len(df) == 5


def test_errors_must_be_raise_or_warn(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="'raise' or 'warn'"):
        orf.generations_to_frame(sim.ids(1), api_key=sim.api_key, base_url=sim.base_url,
                                 errors="coerce")


def test_fetch_generations_never_raises_per_id(sim: Simulator) -> None:
    result = orf.fetch_generations(["gen-0000000000-x"], api_key=sim.api_key,
                                   base_url=sim.base_url)
    assert len(result.frame) == 0 and list(result.failures["status"]) == [404]
    assert list(result.frame.columns) == list(orf.schema.COLUMNS)


def test_missing_key_raises_before_any_request(sim: Simulator) -> None:
    before = sim.stats.requests
    with pytest.raises(AuthenticationError, match="OPENROUTER_API_KEY"):
        orf.generations_to_frame(sim.ids(3), base_url=sim.base_url)
    assert sim.stats.requests == before


def test_key_and_base_url_from_environment(sim: Simulator,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", sim.api_key)
    monkeypatch.setenv("OPENROUTER_BASE_URL", sim.base_url)
    assert len(orf.generations_to_frame(sim.ids(2))) == 2


def test_wrong_key_is_401_and_stops(sim: Simulator) -> None:
    with pytest.raises(AuthenticationError) as info:
        orf.fetch_generations(sim.ids(50), api_key="sk-or-v1-wrong", base_url=sim.base_url,
                              max_workers=4)
    err = info.value
    assert err.status == 401
    assert err.result is not None and len(err.result.frame) == 0
    assert len(err.result.failures) == 50


@pytest.mark.parametrize(("fault", "error", "status"),
                         [("revoke_after", AuthenticationError, 401),
                          ("credits_after", InsufficientCreditsError, 402)],
                         ids=["401", "402"])
def test_fatal_status_mid_batch_stops_and_keeps_partial(fault: str, error: type,
                                                        status: int) -> None:
    workers = 4
    with serve(faults={fault: 30}) as s:
        with pytest.raises(error) as info:
            orf.fetch_generations(s.ids(300), api_key=s.api_key, base_url=s.base_url,
                                  max_workers=workers)
        sent = s.stats.requests
    result = info.value.result
    assert info.value.status == status
    assert len(result.frame) == 30
    assert len(result.frame) + len(result.failures) == 300
    # No request started after the first fatal answer beyond those in flight.
    assert sent <= 30 + workers


def test_retry_after_is_honoured_by_every_worker() -> None:
    with serve(faults={"rate_limit": 0.2, "retry_after": 0.3}, seed=3) as s:
        ids = s.ids(120)
        result = orf.fetch_generations(ids, api_key=s.api_key, base_url=s.base_url,
                                       max_workers=8)
        assert s.stats.by_status.get(429, 0) > 0
        assert s.stats.early_requests == 0
    assert result.ok and list(result.frame["id"]) == ids


@pytest.mark.parametrize("fault", ["server_error", "bad_gateway", "truncated", "html", "drop"])
def test_transient_faults_are_retried(fault: str) -> None:
    with serve(faults={fault: 0.3}, seed=5) as s:
        ids = s.ids(60)
        with _client(s, max_retries=8) as c:
            result = c.fetch(ids)
        expected = [s.record(i) for i in ids]
    assert result.ok
    assert result.records == expected


def test_persistent_5xx_fails_after_max_retries() -> None:
    with serve() as s:
        ids = s.ids(10)
        s_faults = {ids[3]: 502, ids[7]: 500}
    with serve(faults={"status_for": s_faults}) as s:
        with _client(s, max_retries=2) as c:
            result = c.fetch(ids)
        assert s.stats.requests == 8 + 2 * 3
    assert list(result.failures["id"]) == [ids[3], ids[7]]
    assert list(result.failures["status"]) == [502, 500]
    assert len(result.frame) == 8
    with pytest.raises(UpstreamError):
        with serve(faults={"status_for": s_faults}) as s, _client(s, max_retries=0) as c:
            c.get_generation(ids[3])


def test_not_found_grace_waits_for_fresh_generations() -> None:
    with serve(faults={"fresh_for": 0.3}) as s:
        id = s.fresh_ids(1)[0]
        with _client(s, not_found_grace=5, backoff_factor=0.05, max_retries=0) as c:
            assert c.get_generation(id)["id"] == id
    with serve(faults={"fresh_for": 5}) as s, _client(s, not_found_grace=0) as c:
        with pytest.raises(GenerationNotFoundError):
            c.get_generation(s.fresh_ids(1)[0])


@pytest.mark.parametrize(
    "weird",
    ["a&b=c", "x#frag", "../../admin", "with space", "line\nbreak", "ünïcødé-✓", "q?x=1",
     "%41", "x" * 10_000],
    ids=["amp-eq", "hash", "dotdot", "space", "newline", "unicode", "question", "percent",
         "10kB"],
)
def test_ids_are_encoded_into_the_query(sim: Simulator, client: OpenRouterClient,
                                        weird: str) -> None:
    with pytest.raises(GenerationNotFoundError):
        client.get_generation(weird)
    assert sim.received_ids[-1] == weird


def test_injected_session_and_app_headers(sim: Simulator) -> None:
    seen: list[requests.PreparedRequest] = []
    session = requests.Session()
    session.hooks["response"].append(lambda r, *a, **k: seen.append(r.request))
    with OpenRouterClient(sim.api_key, sim.base_url, session=session, app_url="https://x.test",
                          app_title="My notebook") as c:
        c.fetch(sim.ids(3))
    assert len(seen) == 3
    assert seen[0].headers["HTTP-Referer"] == "https://x.test"
    assert seen[0].headers["X-Title"] == "My notebook"
    assert seen[0].headers["Authorization"] == f"Bearer {sim.api_key}"
    # Closing the client leaves the injected session usable by its owner.
    again = session.get(f"{sim.base_url}/generation", params={"id": sim.ids(1)[0]},
                        headers={"Authorization": f"Bearer {sim.api_key}"}, timeout=10)
    assert again.status_code == 200


def test_connection_pool_matches_workers(sim: Simulator) -> None:
    with _client(sim, max_workers=24) as c:
        adapter = c.session.get_adapter(sim.base_url)
        assert adapter._pool_maxsize == 24  # type: ignore[attr-defined]
        c.fetch(sim.ids(200))
    assert sim.stats.max_in_flight > 1


@pytest.mark.parametrize("url", ["http://example.com/api/v1", "http://10.0.0.5/api/v1",
                                 "ftp://127.0.0.1/", "openrouter.ai/api/v1"],
                         ids=["http-remote", "http-private", "ftp", "no-scheme"])
def test_key_only_over_https_or_loopback(url: str) -> None:
    with pytest.raises(ValueError):
        OpenRouterClient("sk-or-v1-secret", url)


@pytest.mark.parametrize("url", ["https://openrouter.ai/api/v1", "http://127.0.0.1:1/api",
                                 "http://localhost:8/api", "http://[::1]:9/api",
                                 "http://127.9.9.9/api"],
                         ids=["https", "127.0.0.1", "localhost", "ipv6", "127/8"])
def test_allowed_base_urls(url: str) -> None:
    assert OpenRouterClient("sk", url).base_url == url.rstrip("/")


def test_key_never_in_repr_errors_or_logs(sim: Simulator,
                                          caplog: pytest.LogCaptureFixture) -> None:
    secret = "sk-or-v1-" + "s3cr3t" * 6
    caplog.set_level(logging.DEBUG, logger="openrouter_frame")
    with serve(api_key=secret, faults={"rate_limit": 0.3, "retry_after": 0.05}) as s:
        c = OpenRouterClient(secret, s.base_url, backoff_factor=0.01)
        texts = [repr(c), str(c)]
        result = c.fetch(s.ids(30) + ["gen-0000000000-x"])
        texts += [repr(result), result.describe_failures(), result.failures.to_string()]
        for bad in (lambda: c.get_generation("nope"),
                    lambda: orf.fetch_generations(s.ids(2), api_key=secret + "x",
                                                  base_url=s.base_url)):
            with pytest.raises(orf.OpenRouterError) as info:
                bad()
            texts += [str(info.value), repr(info.value)]
        with pytest.raises(FetchError) as info2:
            orf.generations_to_frame(["gen-0000000000-x"], client=c)
        texts += [str(info2.value), repr(info2.value)]
    texts += [r.getMessage() for r in caplog.records]
    assert any("retrying" in t for t in texts)  # the log did record retries
    for text in texts:
        assert secret not in text
        assert "s3cr3t" not in text


def test_progress_bar(sim: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    with _client(sim) as c:
        c.fetch(sim.ids(5), progress=True)
        assert "generations" in capsys.readouterr().err
        c.fetch(sim.ids(150), progress=False)
        assert capsys.readouterr().err == ""
        c.fetch(sim.ids(150))
        assert "150/150" in capsys.readouterr().err
        c.fetch(sim.ids(10))
        assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"Retry-After": "2"}, 2.0),
     ({"Retry-After": "0"}, 0.0),
     ({"X-RateLimit-Reset": "3"}, 3.0),
     ({}, None),
     ({"Retry-After": "soon"}, None)],
    ids=["seconds", "zero", "reset-seconds", "none", "garbage"],
)
def test_server_wait_parsing(headers: dict[str, str], expected: float | None) -> None:
    assert _server_wait(headers) == expected


def test_server_wait_http_date_and_epoch() -> None:
    future = time.time() + 10
    date = email.utils.formatdate(future, usegmt=True)
    assert 8 <= _server_wait({"Retry-After": date}) <= 10.5  # type: ignore[operator]
    assert 8 <= _server_wait({"X-RateLimit-Reset": str(int(future * 1000))}) <= 10.5  # type: ignore[operator]


def test_constructor_validation() -> None:
    with pytest.raises(ValueError, match="max_workers"):
        OpenRouterClient("k", max_workers=0)
    with pytest.raises(ValueError, match="max_retries"):
        OpenRouterClient("k", max_retries=-1)
