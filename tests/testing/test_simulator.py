"""The loopback simulator: records match the spec, HTTP behaviour, faults, concurrency."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
import requests

from openrouter_frame import schema
from openrouter_frame.testing import EARLY_TOLERANCE, Faults, Simulator, serve
from openrouter_frame.testing import data as _simdata

N = 2000
SOMETIMES_NULL = {
    "upstream_id", "cache_discount", "upstream_inference_cost", "app_id", "streamed", "cancelled",
    "provider_name", "latency", "moderation_latency", "generation_time", "finish_reason",
    "native_tokens_completion_images", "native_tokens_reasoning", "native_tokens_cached",
    "num_media_prompt", "num_input_audio_prompt", "num_media_completion", "num_search_results",
    "native_finish_reason", "external_user", "api_type",
    "service_tier", "num_fetches", "web_search_engine", "preset_id", "router",
    "provider_responses", "user_agent", "http_referer", "workspace_id", "request_id",
    "response_cache_source_id", "session_id",
}


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with serve() as s:
        yield s


@pytest.fixture(scope="module")
def records(sim: Simulator) -> list[dict[str, Any]]:
    return [sim.record(i) for i in sim.ids(N)]


def _get(sim: Simulator, id: str | None = None, *, key: str | None = "default",
         session: requests.Session | None = None, path: str = "/generation"
         ) -> requests.Response:
    headers = {}
    if key is not None:
        headers["Authorization"] = f"Bearer {sim.api_key if key == 'default' else key}"
    params = None if id is None else {"id": id}
    return (session or requests).get(sim.base_url + path, params=params, headers=headers,
                                     timeout=10)


def _flip(id: str, index: int) -> str:
    """``id`` with one character changed."""
    return id[:index] + ("A" if id[index] != "A" else "B") + id[index:][1:]


def _outcome(sim: Simulator, id: str, session: requests.Session) -> str:
    """One attempt, classified: ``"200"``, ``"429"``, ``"truncated"``, ``"html-502"``, ..."""
    try:
        r = _get(sim, id, session=session)
    except requests.ConnectionError:
        return "drop"
    assert int(r.headers["Content-Length"]) == len(r.content)
    if r.headers["Content-Type"].startswith("text/html"):
        return f"html-{r.status_code}"
    try:
        r.json()
    except ValueError:
        assert r.status_code == 200
        return "truncated"
    return str(r.status_code)


# Records ------------------------------------------------------------------------------
def _parse_created_at(text: str) -> datetime:
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    raise AssertionError(f"created_at in neither form: {text!r}")


def _check_kind(name: str, kind: str, value: Any, values: tuple[str, ...] = ()) -> None:
    if kind in ("string", "label", "category"):
        assert isinstance(value, str), name
        assert not values or value in values, (name, value)
    elif kind == "json":
        assert isinstance(value, list), name
    elif kind == "float":
        assert isinstance(value, (int, float)) and not isinstance(value, bool), name
    elif kind == "int":
        assert isinstance(value, int) and not isinstance(value, bool) or (
            isinstance(value, float) and value.is_integer()), name
    elif kind == "bool":
        assert isinstance(value, bool), name
    elif kind == "datetime":
        assert isinstance(value, str), name
        _parse_created_at(value)
    else:  # pragma: no cover
        raise AssertionError(kind)


def test_every_field_matches_the_schema(records: list[dict[str, Any]]) -> None:
    for rec in records:
        assert list(rec) == list(schema.FIELDS)  # all 45, in the schema's order
        for name, spec in schema.FIELDS.items():
            value = rec[name]
            if value is None:
                assert spec.nullable, name
            else:
                _check_kind(name, spec.kind, value, spec.values)
        for item in rec["provider_responses"] or []:  # the official ProviderResponse
            assert "status" in item and set(item) <= set(schema.ATTEMPT_FIELDS), item
            for key, value in item.items():
                spec = schema.ATTEMPT_FIELDS[key]
                if value is None:
                    assert spec.nullable, key
                else:
                    _check_kind(key, spec.kind, value, spec.values)
        json.dumps(rec, allow_nan=False)  # plain JSON: no NaN or infinities


def test_provider_responses_are_fallback_chains(records: list[dict[str, Any]]) -> None:
    chains = [r for r in records if r["provider_responses"]]
    assert len(chains) > 0.9 * N
    for rec in chains:
        *failed, served = rec["provider_responses"]
        assert served["status"] == 200 and served["provider_name"] == rec["provider_name"]
        assert rec["latency"] is None or served["latency"] == round(rec["latency"])
        assert served.get("id") == rec["upstream_id"]
        assert all(f["status"] != 200 and "id" not in f for f in failed)
        assert len({a["provider_name"] for a in rec["provider_responses"]}) == len(
            rec["provider_responses"])
        assert {a["model_permaslug"] for a in rec["provider_responses"]} == {
            _simdata._permaslug(_simdata.BY_SLUG[rec["model"]])}
    fallbacks = [r for r in chains if len(r["provider_responses"]) > 1]
    assert 0.03 < len(fallbacks) / len(chains) < 0.12
    azure_first = [r["provider_responses"][0]["latency"] for r in fallbacks
                   if [(a["provider_name"], a["status"]) for a in r["provider_responses"]]
                   == [("Azure", 503), ("OpenAI", 200)]]
    assert azure_first and all(1800 < ms < 3000 for ms in azure_first)
    tiers = Counter(r["provider_responses"][-1].get("routed_service_tier") for r in chains)
    assert set(tiers) == {None, "flex", "priority"}


def test_sessions_are_agent_runs(records: list[dict[str, Any]]) -> None:
    """Several generations share a session_id, minutes apart, mostly on one model."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        if rec["session_id"] is not None:
            runs.setdefault(rec["session_id"], []).append(rec)
    sizes = [len(r) for r in runs.values()]
    assert 0.2 < sum(sizes) / N < 0.5  # most calls belong to no session
    assert max(sizes) <= 20 and sum(s >= 2 for s in sizes) >= 20
    for run in (r for r in runs.values() if len(r) >= 2):
        stamps = [_parse_created_at(r["created_at"]).timestamp() for r in run]
        assert max(stamps) - min(stamps) <= 19 * 91
        assert Counter(r["model"] for r in run).most_common(1)[0][1] >= len(run) / 2


def test_newer_fields_have_realistic_null_rates(records: list[dict[str, Any]]) -> None:
    def share(name: str) -> float:
        return sum(r[name] is not None for r in records) / N

    assert Counter(r["data_region"] for r in records).keys() == {"global", "europe", "us"}
    assert share("request_id") > 0.85 and share("user_agent") > 0.85
    assert 0.6 < share("workspace_id") < 0.9 and share("http_referer") > 0.3
    for rare in ("preset_id", "router", "web_search_engine", "response_cache_source_id"):
        assert 0.003 < share(rare) < 0.12, rare
    assert all(r["num_fetches"] == 0 for r in records if r["web_search_engine"] is None
               and r["num_fetches"] is not None)
    assert len({r["request_id"] for r in records if r["request_id"]}) == sum(
        r["request_id"] is not None for r in records)


def test_coverage_claims(records: list[dict[str, Any]]) -> None:
    def values(name: str) -> Counter[Any]:
        return Counter(r[name] for r in records)

    assert len(values("model")) >= 12
    assert len(values("provider_name")) - (None in values("provider_name")) >= 6
    assert set(_simdata.FINISH_REASONS) <= set(values("finish_reason"))
    assert values("cancelled")[True] >= 10
    assert 0.02 < values("is_byok")[True] / N < 0.09
    discounts = [r["cache_discount"] or 0 for r in records]
    assert any(d > 0 for d in discounts) and any(d < 0 for d in discounts)
    api_types = values("api_type")
    assert api_types["embeddings"] and api_types["completions"] and api_types[None]
    assert set(api_types) - {"completions", "embeddings", None}  # e.g. rerank
    forms = Counter(r["created_at"].endswith("Z") for r in records)
    assert forms[True] > N / 4 and forms[False] > N / 4
    stamps = sorted(_parse_created_at(r["created_at"]).timestamp() for r in records)
    assert 35 * 86400 < stamps[-1] - stamps[0] <= 42 * 86400
    assert stamps[-1] <= _simdata.END
    assert any(r["native_tokens_reasoning"] for r in records)
    assert {"end_turn", "max_tokens", "STOP", "MAX_TOKENS"} <= set(values("native_finish_reason"))
    sometimes_null = {name for name in schema.FIELDS if any(r[name] is None for r in records)}
    assert SOMETIMES_NULL <= sometimes_null


def test_costs_and_timings_are_consistent(records: list[dict[str, Any]]) -> None:
    for r in records:
        assert r["usage"] == r["total_cost"] >= 0
        expected = _simdata.list_cost(r) - (r["cache_discount"] or 0)
        if r["is_byok"]:
            assert r["upstream_inference_cost"] == pytest.approx(expected, abs=2e-9)
            assert r["total_cost"] == pytest.approx(0.05 * expected, abs=2e-9)
        else:
            # None, 0, or (as in the spec's example) a share of what was paid
            assert r["upstream_inference_cost"] in (None, 0) or \
                0 < r["upstream_inference_cost"] < r["total_cost"]
            assert r["total_cost"] == pytest.approx(expected, abs=2e-9)
        for name in ("latency", "generation_time", "moderation_latency"):
            assert r[name] is None or r[name] >= 0
        if r["native_tokens_cached"]:
            assert r["native_tokens_cached"] <= r["native_tokens_prompt"]
            assert r["cache_discount"] > 0
        if r["native_tokens_reasoning"]:
            assert r["native_tokens_reasoning"] <= r["native_tokens_completion"]
        if r["api_type"] == "embeddings":
            assert r["tokens_completion"] == r["native_tokens_completion"] == 0
            assert r["finish_reason"] is None
        if r["cancelled"]:
            assert r["streamed"] is True


def test_price_and_speed_profiles(records: list[dict[str, Any]]) -> None:
    by_model: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_model.setdefault(r["model"], []).append(r)
    mini, r1 = by_model["openai/gpt-4o-mini"], by_model["deepseek/deepseek-r1"]
    assert len(mini) > 3 * len(r1)  # cheap models are called most ...
    costs = sorted((sum(r["total_cost"] for r in rs), m) for m, rs in by_model.items())
    assert costs[-1][1] != "openai/gpt-4o-mini"  # ... but expensive ones dominate the bill

    def median(rs: list[dict[str, Any]], name: str) -> float:
        got = sorted(r[name] for r in rs if r[name] is not None)
        return got[len(got) // 2]

    assert median(r1, "generation_time") > 5 * median(mini, "generation_time")
    assert all(r["native_tokens_reasoning"] for r in r1 if r["native_tokens_reasoning"]
               is not None and r["finish_reason"] == "stop")


def test_ids_look_real_and_are_deterministic(sim: Simulator) -> None:
    ids = sim.ids(50)
    assert ids == Simulator().ids(50) and sim.ids(10, start=40) == ids[40:]
    assert len(set(ids)) == 50
    for id in ids + sim.foreign_ids(5):
        head, ts, tail = id.split("-")
        assert head == "gen" and len(ts) == 10 and len(tail) == 20 and tail.isalnum()
    assert set(sim.foreign_ids(20)).isdisjoint(ids)
    assert Simulator(seed=1).ids(3) != ids[:3]
    assert Simulator(api_key="sk-or-v1-other").ids(3) != ids[:3]
    with pytest.raises(KeyError):
        sim.record(sim.foreign_ids(1)[0])
    assert sim.api_key.startswith("sk-or-v1-simulator-")


def test_records_are_identical_across_processes(sim: Simulator) -> None:
    ids = sim.ids(20)
    code = ("import json, sys; from openrouter_frame.testing.data import make_record; "
            "print(json.dumps([make_record(i) for i in json.loads(sys.argv[1])]))")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(ids)], check=True,
                         capture_output=True, text=True).stdout
    assert json.loads(out) == [sim.record(i) for i in ids]


# HTTP -----------------------------------------------------------------------------------
def test_served_body_equals_record(sim: Simulator) -> None:
    with requests.Session() as session:
        for id in sim.ids(40):
            r = _get(sim, id, session=session)
            assert r.status_code == 200
            assert r.headers["Content-Type"] == "application/json"
            assert int(r.headers["Content-Length"]) == len(r.content)
            assert r.json() == {"data": sim.record(id)}


def test_keep_alive_reuses_one_connection() -> None:
    with serve() as s, requests.Session() as session:
        for id in s.ids(10) + ["gen-missing"]:
            _get(s, id, session=session)
        assert s.stats.connections == 1 and s.stats.requests == 11


@pytest.mark.parametrize(
    ("make_id", "key", "path", "status", "message"),
    [(lambda s: s.ids(1)[0], "sk-or-v1-wrong", "/generation", 401, "User not found."),
     (lambda s: s.ids(1)[0], None, "/generation", 401, "No auth credentials found"),
     (lambda s: "gen-0000000000-nope", "default", "/generation", 404, "Generation not found"),
     (lambda s: _flip(s.ids(1)[0], -10), "default", "/generation", 404,
      "Generation not found"),
     (lambda s: _flip(s.ids(1)[0], -1), "default", "/generation", 403, None),
     (lambda s: s.foreign_ids(1)[0], "default", "/generation", 403, None),
     (lambda s: None, "default", "/generation", 400, None),
     (lambda s: "", "default", "/generation", 400, None),
     (lambda s: s.ids(1)[0], "default", "/generations", 404, None),
     (lambda s: s.ids(1)[0], "default", "/../generation", 404, None)],
    ids=["wrong-key", "no-key", "unknown-id", "bad-checksum", "bad-account-check", "foreign-id",
         "missing-id", "blank-id", "unknown-path", "dotdot-path"],
)
def test_error_answers(sim: Simulator, make_id: Any, key: str | None, path: str, status: int,
                       message: str | None) -> None:
    r = _get(sim, make_id(sim), key=key, path=path)
    assert r.status_code == status
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if message:
        assert body["error"]["message"] == message


def test_other_methods_are_refused(sim: Simulator) -> None:
    r = requests.post(sim.base_url + "/generation", params={"id": sim.ids(1)[0]},
                      headers={"Authorization": f"Bearer {sim.api_key}"}, data=b"{}",
                      timeout=10)
    assert r.status_code == 405 and r.json()["error"]["code"] == 405


@pytest.mark.parametrize(
    "weird",
    ["a&b=c", "x#frag", "a/b/../c", "with space", "plus+sign", "line\nbreak", "ünïcødé-✓",
     "q?x=1", "%41", "x" * 5000],
    ids=["amp-eq", "hash", "slash", "space", "plus", "newline", "unicode", "question",
         "percent", "5kB"],
)
def test_ids_arrive_intact(sim: Simulator, weird: str) -> None:
    query = urllib.parse.urlencode({"id": weird})
    req = urllib.request.Request(f"{sim.base_url}/generation?{query}",
                                 headers={"Authorization": f"Bearer {sim.api_key}"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code == 404
    assert sim.received_ids[-1] == weird


def test_binds_loopback_only(sim: Simulator) -> None:
    assert sim.base_url.startswith("http://127.0.0.1:") and sim.base_url.endswith("/api/v1")
    assert sim._server is not None and sim._server.server_address[0] == "127.0.0.1"


def test_latency_is_applied() -> None:
    with serve(latency_ms=150) as s:
        start = time.perf_counter()
        assert _get(s, s.ids(1)[0]).status_code == 200
        assert time.perf_counter() - start >= 0.15


def test_close_is_clean_and_stops_serving() -> None:
    before = threading.active_count()
    with serve() as s:
        sessions = [requests.Session() for _ in range(4)]
        for session in sessions:  # idle keep-alive connections left open
            _get(s, s.ids(1)[0], session=session)
        url = s.base_url
    assert threading.active_count() <= before
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/generation", params={"id": "x"}, timeout=2)
    for session in sessions:
        session.close()


def test_stats_reset(sim: Simulator) -> None:
    _get(sim, sim.ids(1)[0])
    assert sim.stats.requests > 0 and sim.stats.by_status[200] > 0
    sim.stats.reset()
    assert (sim.stats.requests, sim.stats.early_requests) == (0, 0)
    assert sim.stats.max_in_flight <= 1  # the last request may still be finishing
    assert not sim.stats.by_status


def test_32_concurrent_keep_alive_clients() -> None:
    # 100 ms per request: nine requests overlap even when a loaded machine (two xdist
    # workers) makes each client request cost several ms of CPU (at 20 ms it did not).
    with serve(latency_ms=100) as s:
        ids = s.ids(32 * 6)

        def client(chunk: list[str]) -> list[int]:
            with requests.Session() as session:
                return [_get(s, i, session=session).status_code for i in chunk]

        with ThreadPoolExecutor(32) as pool:
            statuses = [c for got in pool.map(client, [ids[k::32] for k in range(32)])
                        for c in got]
        assert statuses == [200] * len(ids)
        assert s.stats.requests == len(ids) and s.stats.connections == 32
        assert s.stats.max_in_flight > 8
        assert s.stats.in_flight == 0


# Faults ---------------------------------------------------------------------------------
_EXPECTED = {"rate_limit": {"429"}, "server_error": {"500"}, "bad_gateway": {"502"},
             "truncated": {"truncated"}, "html": {"html-502", "html-200"}, "drop": {"drop"}}


@pytest.mark.parametrize("fault", list(_EXPECTED), ids=list(_EXPECTED))
def test_fault_rates_and_reproducibility(fault: str) -> None:
    runs = []
    for _ in range(2):
        with serve(seed=7, faults={fault: 0.25, "retry_after": 0.01}) as s, \
                requests.Session() as session:
            ids, key = s.ids(100), s.api_key
            outcomes = [_outcome(s, i, session) for i in ids + ids]  # two attempts per id
            runs.append(outcomes)
            counts = Counter(outcomes)
            faulty = sum(counts[k] for k in _EXPECTED[fault])
            assert set(counts) <= _EXPECTED[fault] | {"200"}
            assert 0.15 < faulty / len(outcomes) < 0.35
            assert s.stats.requests == 200
            if fault != "drop":
                assert sum(s.stats.by_status.values()) == 200
    assert runs[0] == runs[1]
    assert runs[0][:100] != runs[0][100:]  # drawn per attempt, not per id
    with serve(seed=8, faults={fault: 0.25}, api_key=key) as s, requests.Session() as session:
        assert [_outcome(s, i, session) for i in ids] != runs[0][:100]
    if fault == "html":
        assert {"html-502", "html-200"} <= set(runs[0])


def test_rate_limit_headers() -> None:
    with serve(faults={"rate_limit": 1.0, "retry_after": 2}) as s:
        before = time.time()
        r = _get(s, s.ids(1)[0])
        assert r.status_code == 429 and r.json()["error"]["code"] == 429
        assert r.headers["Retry-After"] == "2"
        reset_ms = int(r.headers["X-RateLimit-Reset"])
        assert before + 1.9 < reset_ms / 1000 < time.time() + 2.1
    with serve(faults={"rate_limit": 1.0, "retry_after": 0.25}) as s:
        assert _get(s, s.ids(1)[0]).headers["Retry-After"] == "0.25"


def test_early_requests_after_429() -> None:
    limited = "gen-0000000000-limited"
    wait = 4 * EARLY_TOLERANCE
    with serve(faults={"status_for": {limited: 429}, "retry_after": wait}) as s, \
            requests.Session() as session:
        other = s.ids(1)[0]
        assert _get(s, limited, session=session).status_code == 429
        assert _get(s, limited, session=session).status_code == 429  # retried right away
        assert s.stats.early_requests == 1
        assert _get(s, other, session=session).status_code == 200  # may have been in flight
        assert s.stats.early_requests == 1
        time.sleep(EARLY_TOLERANCE + 0.05)
        _get(s, other)  # past the in-flight grace: the client ignored the wait
        assert s.stats.early_requests == 2
        _get(s, other, key="sk-or-v1-someone-else")  # a different client
        assert s.stats.early_requests == 2
        time.sleep(wait)
        _get(s, other, session=session)  # waited long enough
        assert s.stats.early_requests == 2


@pytest.mark.parametrize(("fault", "status"), [("revoke_after", 401), ("credits_after", 402)],
                         ids=["revoke", "credits"])
def test_fatal_after_n_requests(fault: str, status: int) -> None:
    with serve(faults={fault: 5}) as s, requests.Session() as session:
        statuses = [_get(s, i, session=session).status_code for i in s.ids(8)]
    assert statuses == [200] * 5 + [status] * 3


def test_status_for_is_persistent_and_body_for_replaces() -> None:
    with serve() as s:
        ids = s.ids(6)
    bodies = {ids[2]: b'{"data": [1, 2', ids[3]: {"data": {"id": ids[3]}}, ids[4]: "<p>hi</p>"}
    faults = Faults(status_for={ids[0]: 500, ids[1]: 403, ids[5]: 200}, body_for=bodies)
    with serve(faults=faults) as s, requests.Session() as session:
        for _ in range(3):
            assert _get(s, ids[0], session=session).status_code == 500
            assert _get(s, ids[1], session=session).status_code == 403
        assert _get(s, ids[2], session=session).content == b'{"data": [1, 2'
        assert _get(s, ids[3], session=session).json() == {"data": {"id": ids[3]}}
        assert _get(s, ids[4], session=session).content == b"<p>hi</p>"
        assert _get(s, ids[5], session=session).json()["data"] == s.record(ids[5])


def test_fresh_ids_404_for_a_while() -> None:
    with serve(faults={"fresh_for": 0.3}) as s, requests.Session() as session:
        id, other = s.ids(2)
        assert _get(s, id, session=session).status_code == 404
        time.sleep(0.15)
        assert _get(s, id, session=session).status_code == 404
        assert _get(s, other, session=session).status_code == 404  # its own clock
        time.sleep(0.2)
        assert _get(s, id, session=session).json()["data"] == s.record(id)
        assert _get(s, other, session=session).status_code == 404


@pytest.mark.parametrize(
    ("faults", "error"),
    [({"rate_limit": 0.7, "drop": 0.5}, ValueError), ({"html": -0.1}, ValueError),
     ({"retry_after": -1}, ValueError), ({"explode": 0.1}, TypeError)],
    ids=["sum-over-1", "negative-rate", "negative-wait", "unknown-name"],
)
def test_bad_faults_are_refused(faults: dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        Simulator(faults=faults)


def test_content_endpoint_serves_stored_and_zero_retention_contents(sim):
    import json as _json
    import urllib.request as _request

    from openrouter_frame.testing.content import is_zdr

    ids = sim.ids(40)
    seen = set()
    for gid in ids:
        req = _request.Request(f"{sim.base_url}/generation/content?id={gid}",
                               headers={"Authorization": f"Bearer {sim.api_key}"})
        data = _json.load(_request.urlopen(req))["data"]
        assert data == sim.content(gid)
        record = sim.record(gid)
        if is_zdr(gid):
            assert data["input"] == {"messages": []} and data["output"]["completion"] is None
        else:
            assert bool(data["output"]["reasoning"]) == bool(record["native_tokens_reasoning"])
        seen.add(is_zdr(gid))
    assert seen == {True, False}
