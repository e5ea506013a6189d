"""The simulator's account endpoints: official shapes, consistent with its generations.

``tests/data/account-2026-08.openapi.yaml`` (the excerpt of the official SDK's
OpenAPI for ``/activity``, ``/models``, ``/models/{author}/{slug}/endpoints``,
``/credits`` and ``/key``) is read as JSON Schema 2020-12, as
``test_spec_conformance.py`` reads the generation excerpt.  Every body is fetched
over loopback HTTP.  The activity and the prices are checked against the records
``/generation`` serves, with sums and the pricing formula written here again.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
import yaml

from openrouter_frame.testing import Simulator, serve
from openrouter_frame.testing import account as _account
from openrouter_frame.testing import data as _simdata

SPEC_PATH = Path(__file__).parents[1] / "data" / "account-2026-08.openapi.yaml"
PRICE_KEYS = ("prompt", "completion", "request", "image", "web_search", "internal_reasoning",
              "input_cache_read", "input_cache_write", "input_cache_write_1h", "audio",
              "audio_output", "image_output", "image_token", "input_audio_cache")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with serve(unlisted_share=0.05) as s:
        yield s


@pytest.fixture(scope="module")
def records(sim: Simulator) -> dict[str, dict[str, Any]]:
    """The history's records, as ``GET /generation`` serves them."""
    out = {}
    with requests.Session() as session:
        for id in sim.history_ids():
            r = session.get(f"{sim.base_url}/generation", params={"id": id},
                            headers={"Authorization": f"Bearer {sim.api_key}"}, timeout=10)
            assert r.status_code == 200
            out[id] = r.json()["data"]
    return out


def _get(sim: Simulator, path: str, key: str | None = "management",
         **params: str) -> requests.Response:
    headers = {}
    if key is not None:
        value = {"management": sim.management_key, "inference": sim.api_key}.get(key, key)
        headers["Authorization"] = f"Bearer {value}"
    return requests.get(sim.base_url + path, params=params, headers=headers, timeout=10)


def _schema_of(spec: dict[str, Any], path: str, status: int) -> dict[str, Any]:
    """The response schema the spec gives for ``status`` of ``GET path``, resolvable."""
    listed = spec["paths"][path]["get"]["responses"][str(status)]
    schema = listed["content"]["application/json"]["schema"]
    return {**schema, "components": spec["components"]}


def _errors(schema: dict[str, Any], body: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(body)][:5]


CASES = [
    ("/activity", "management", {}, 200),
    ("/activity", "management", {"group_by": "workspace"}, 200),
    ("/activity", "management", {"date": "2026-11-19"}, 200),
    ("/activity", "management", {"workspace_id": _account.DEFAULT_WORKSPACE}, 200),
    ("/activity", "inference", {}, 403),
    ("/activity", "sk-or-v1-not-a-key", {}, 401),
    ("/activity", None, {}, 401),
    ("/activity", "management", {"date": "2026-08-01"}, 400),
    ("/activity", "management", {"workspace_id": "00000000-0000-4000-8000-000000000000"}, 404),
    ("/models", None, {}, 200),
    ("/models", "inference", {"output_modalities": "all"}, 200),
    ("/models", None, {"offset": "0", "limit": "5"}, 200),
    ("/credits", "management", {}, 200),
    ("/credits", "inference", {}, 403),
    ("/key", "inference", {}, 200),
    ("/key", "management", {}, 200),
    ("/key", None, {}, 401),
]


@pytest.mark.parametrize(("path", "key", "params", "status"), CASES,
                         ids=[f"{p}-{k}-{'&'.join(q)}-{s}" for p, k, q, s in CASES])
def test_bodies_validate_against_the_spec(sim: Simulator, spec: dict[str, Any], path: str,
                                          key: str | None, params: dict[str, str],
                                          status: int) -> None:
    r = _get(sim, path, key, **params)
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert _errors(_schema_of(spec, path, status), r.json()) == []
    if status == 200 and path == "/activity":
        assert r.json()["data"], "an empty activity validates trivially"


def test_every_listed_models_endpoints_validate(sim: Simulator, spec: dict[str, Any]) -> None:
    models = _get(sim, "/models", None, output_modalities="all").json()["data"]
    schema = _schema_of(spec, "/models/{author}/{slug}/endpoints", 200)
    for model in models:
        r = _get(sim, f"/models/{model['id']}/endpoints", None)
        assert r.status_code == 200
        assert _errors(schema, r.json()) == [], model["id"]
        assert r.json()["data"]["endpoints"], model["id"]
    missing = _get(sim, "/models/cohere/command-r-08-2024/endpoints", None)
    assert missing.status_code == 404
    assert _errors(_schema_of(spec, "/models/{author}/{slug}/endpoints", 404),
                   missing.json()) == []


def test_activity_answers_403_to_the_inference_key_like_the_service(sim: Simulator) -> None:
    r = _get(sim, "/activity", "inference")
    assert r.json() == {"error": {"code": 403,
                                  "message": "Only management keys can perform this operation"}}


def test_the_management_key_is_not_an_inference_key(sim: Simulator) -> None:
    r = _get(sim, "/generation", "management", id=sim.ids(1)[0])
    assert r.status_code == 401
    assert sim.management_key != sim.api_key
    assert sim.management_key not in repr(sim) and sim.api_key not in repr(sim)


def test_key_bodies_tell_the_keys_apart_and_hold_no_part_of_them(sim: Simulator) -> None:
    for key, secret, management in (("inference", sim.api_key, False),
                                    ("management", sim.management_key, True)):
        r = _get(sim, "/key", key)
        assert r.json()["data"]["is_management_key"] is management
        assert secret.rsplit("-", 1)[-1][:6] not in r.text


def _served(rec: dict[str, Any]) -> dict[str, Any] | None:
    served = [a for a in rec["provider_responses"] or [] if a["status"] == 200]
    return served[-1] if served else None


def test_history_is_every_served_generation_of_the_30_days(sim: Simulator) -> None:
    assert sim.today == date(2026, 11, 20)
    assert (sim.history_start, sim.history_end) == (sim.today - timedelta(days=30),
                                                    sim.today - timedelta(days=1))
    history = set(sim.history_ids())
    first, last = sim.history_start.isoformat(), sim.history_end.isoformat()
    expected = set()
    for id in sim.ids(_account.HISTORY_INDEXES):
        rec = sim.record(id)
        if first <= rec["created_at"][:10] <= last and _served(rec) is not None:
            expected.add(id)
    assert history == expected
    assert len(history) == len(sim.history_ids()) > 1000
    assert Simulator(unlisted_share=0.3).history_ids() == sim.history_ids()


def _sums(records: dict[str, dict[str, Any]], *, by_workspace: bool = False
          ) -> dict[tuple[str, ...], dict[str, float]]:
    out: dict[tuple[str, ...], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for rec in records.values():
        served = _served(rec)
        assert served is not None
        key = (rec["created_at"][:10], rec["model"], served["model_permaslug"],
               served["endpoint_id"], served["provider_name"])
        if by_workspace:
            key += (rec["workspace_id"] or _account.DEFAULT_WORKSPACE,)
        row = out[key]
        row["requests"] += 1
        row["usage"] += rec["total_cost"]
        row["byok_usage_inference"] += (rec["upstream_inference_cost"] or 0) \
            if rec["is_byok"] else 0
        row["prompt_tokens"] += rec["native_tokens_prompt"] or 0
        row["completion_tokens"] += rec["native_tokens_completion"] or 0
        row["reasoning_tokens"] += rec["native_tokens_reasoning"] or 0
    return out


def _check_sums(items: list[dict[str, Any]], expected: dict[tuple[str, ...], dict[str, float]],
                by_workspace: bool = False) -> None:
    got = {}
    for item in items:
        key = (item["date"], item["model"], item["model_permaslug"], item["endpoint_id"],
               item["provider_name"])
        if by_workspace:
            key += (item["workspace_id"],)
        assert key not in got, key
        got[key] = item
    assert got.keys() == expected.keys()
    for key, sums in expected.items():
        item = got[key]
        for name, value in sums.items():
            if name in ("usage", "byok_usage_inference"):
                assert item[name] == pytest.approx(value, abs=1e-12), (key, name)
            else:
                assert item[name] == value, (key, name)


@pytest.mark.parametrize("by_workspace", [False, True], ids=["aggregated", "per-workspace"])
def test_activity_sums_equal_the_generations(sim: Simulator, records: dict[str, Any],
                                             by_workspace: bool) -> None:
    params = {"group_by": "workspace"} if by_workspace else {}
    items = _get(sim, "/activity", **params).json()["data"]
    assert ("workspace_id" in items[0]) is by_workspace
    _check_sums(items, _sums(records, by_workspace=by_workspace), by_workspace)
    assert sum(i["requests"] for i in items) == len(sim.history_ids())
    assert sum(i["byok_usage_inference"] for i in items) > 0


def test_activity_filters_by_date_and_workspace(sim: Simulator, records: dict[str, Any]) -> None:
    day = sim.history_end.isoformat()
    one_day = {id: r for id, r in records.items() if r["created_at"][:10] == day}
    _check_sums(_get(sim, "/activity", date=day).json()["data"], _sums(one_day))
    workspace = _account.workspaces()[1]
    mine = {id: r for id, r in records.items() if r["workspace_id"] == workspace}
    _check_sums(_get(sim, "/activity", workspace_id=workspace).json()["data"], _sums(mine))
    default = {id: r for id, r in records.items()
               if r["workspace_id"] in (None, _account.DEFAULT_WORKSPACE)}
    _check_sums(_get(sim, "/activity", workspace_id=_account.DEFAULT_WORKSPACE).json()["data"],
                _sums(default))


@pytest.mark.parametrize("day", ["2026-10-20", "2026-11-20", "19-11-2026", ""],
                         ids=["before-the-30-days", "today", "not-iso", "blank"])
def test_activity_rejects_a_date_outside_the_30_days(sim: Simulator, day: str) -> None:
    r = _get(sim, "/activity", date=day)
    assert r.status_code == 400 and "date" in r.json()["error"]["message"]


def test_listed_ids_hold_back_the_unlisted_share(sim: Simulator) -> None:
    history, listed, unlisted = sim.history_ids(), sim.listed_ids(), sim.unlisted_ids()
    assert len(unlisted) == round(0.05 * len(history))
    assert set(listed).isdisjoint(unlisted) and set(listed) | set(unlisted) == set(history)
    assert listed == [id for id in history if id in set(listed)]  # history order
    again = Simulator(unlisted_share=0.05)
    assert again.unlisted_ids() == unlisted
    assert Simulator(seed=1, unlisted_share=0.05).unlisted_ids() != \
        Simulator(seed=1).history_ids()[:len(unlisted)]
    assert Simulator().listed_ids() == Simulator().history_ids()
    assert Simulator(unlisted_share=1).listed_ids() == []


@pytest.mark.parametrize("share", [-0.1, 1.5, "0.05", float("nan")],
                         ids=["negative", "above-one", "text", "nan"])
def test_a_bad_unlisted_share_raises(share: Any) -> None:
    with pytest.raises(ValueError, match="unlisted_share"):
        Simulator(unlisted_share=share)


def test_ids_are_the_same_whatever_the_account_settings() -> None:
    assert Simulator(unlisted_share=0.05, management_key="sk-or-v1-other-mgmt").ids(50) == \
        Simulator().ids(50)


def _price(pricing: dict[str, Any], key: str) -> float:
    return float(pricing.get(key, "0"))


def _list_cost(rec: dict[str, Any], pricing: dict[str, Any]) -> float:
    """The list-price cost of a record's tokens, written from the prices alone."""
    def n(name: str) -> int:
        return rec[name] or 0

    completion = n("native_tokens_completion") - n("native_tokens_reasoning") \
        - n("native_tokens_completion_images")
    return (
        (n("native_tokens_prompt") - n("native_tokens_cached")) * _price(pricing, "prompt")
        + n("native_tokens_cached") * _price(pricing, "input_cache_read")
        + completion * _price(pricing, "completion")
        + n("native_tokens_reasoning") * _price(pricing, "internal_reasoning")
        + n("native_tokens_completion_images") * _price(pricing, "image_output")
        + _price(pricing, "request"))


@pytest.fixture(scope="module")
def served_prices(sim: Simulator) -> tuple[dict[str, Any], dict[tuple[str, str], Any]]:
    models = {m["id"]: m["pricing"]
              for m in _get(sim, "/models", None, output_modalities="all").json()["data"]}
    endpoints = {}
    for slug in models:
        for ep in _get(sim, f"/models/{slug}/endpoints", None).json()["data"]["endpoints"]:
            endpoints[slug, ep["provider_name"]] = ep["pricing"]
    return models, endpoints


def test_costs_are_list_prices_except_the_ones_priced_otherwise(
        sim: Simulator, records: dict[str, Any], served_prices: tuple[Any, Any]) -> None:
    models, endpoints = served_prices
    otherwise = sim.priced_otherwise()
    assert set(otherwise) <= set(records)
    assert set(otherwise.values()) == set(_simdata.PRICED_OTHERWISE)
    checked = 0
    for id, rec in records.items():
        provider = _served(rec)["provider_name"]  # type: ignore[index]
        pricing = endpoints.get((rec["model"], provider), models.get(rec["model"]))
        reason = otherwise.get(id)
        if reason == "missing_price":
            assert rec["model"] not in models
            continue
        assert pricing is not None, id
        gap = abs(rec["total_cost"] - _list_cost(rec, pricing))
        if reason is None:
            assert gap <= 1e-9, (id, rec["total_cost"], _list_cost(rec, pricing))
            checked += 1
        elif reason == "endpoint_price":  # the endpoint's price, not the model's
            assert gap <= 1e-9
            assert abs(rec["total_cost"] - _list_cost(rec, models[rec["model"]])) > 1e-9
        elif reason == "byok":
            assert rec["is_byok"] and gap > 1e-9
            assert rec["total_cost"] == pytest.approx(0.05 * rec["upstream_inference_cost"],
                                                      abs=1e-9)
        else:
            assert reason == "cache_write" and rec["cache_discount"] < 0 and gap > 1e-9
    assert checked > 0.9 * len(records)


def test_pricing_strings_parse_as_usd_per_token(served_prices: tuple[Any, Any]) -> None:
    models, endpoints = served_prices
    for pricing in [*models.values(), *endpoints.values()]:
        for key in PRICE_KEYS:
            if key in pricing:
                value = float(pricing[key])
                assert math.isfinite(value) and 0 <= value < 0.01, (key, pricing[key])
    groq = endpoints["meta-llama/llama-3.3-70b-instruct", "Groq"]
    assert groq["prompt"] != models["meta-llama/llama-3.3-70b-instruct"]["prompt"]
    assert models["google/gemini-2.5-pro"]["overrides"][0]["min_prompt_tokens"] == 200_000


def test_models_default_to_text_output_like_the_service(sim: Simulator) -> None:
    text = {m["id"] for m in _get(sim, "/models", None).json()["data"]}
    every = _get(sim, "/models", None, output_modalities="all").json()
    assert "openai/text-embedding-3-small" not in text and "cohere/rerank-v3.5" not in text
    assert text < {m["id"] for m in every["data"]}
    assert every["total_count"] == len(_simdata.MODELS) - len(_simdata.RETIRED)
    assert "cohere/command-r-08-2024" not in {m["id"] for m in every["data"]}
    page = _get(sim, "/models", None, output_modalities="all", offset="0", limit="5").json()
    assert len(page["data"]) == 5 and page["links"]["next"] == "/api/v1/models?offset=5&limit=5"


def test_credits_and_key_usage_sum_the_history(sim: Simulator, records: dict[str, Any]) -> None:
    spent = math.fsum(r["total_cost"] for r in records.values())
    credits = _get(sim, "/credits").json()["data"]
    assert credits["total_usage"] == pytest.approx(spent, abs=1e-12)
    assert credits["total_credits"] > credits["total_usage"]
    key = _get(sim, "/key", "inference").json()["data"]
    assert key["usage"] == pytest.approx(spent, abs=1e-12)
    assert key["usage_daily"] == 0 and key["usage_weekly"] <= key["usage_monthly"] <= spent
