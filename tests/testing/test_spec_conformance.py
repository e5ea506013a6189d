"""The simulator's bodies validate against the official OpenAPI's response schemas.

``tests/data/generation-2026-08.openapi.yaml`` (the excerpt of the official
SDK's OpenAPI) is read as JSON Schema (OpenAPI 3.1 is JSON Schema 2020-12);
``$ref`` resolves into its ``components``.  Checked: 1,000 records (the
``GenerationResponse`` of ``GET /generation``), 1,000 contents (the
``GenerationContentResponse`` of ``GET /generation/content``) and every JSON
error body the simulator can send, each fetched over loopback HTTP.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from openrouter_frame.testing import Simulator, serve
from openrouter_frame.testing.content import is_zdr, make_content
from openrouter_frame.testing.data import make_record

SPEC_PATH = Path(__file__).parents[1] / "data" / "generation-2026-08.openapi.yaml"
N = 1000


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def _validator(spec: dict[str, Any], name: str) -> jsonschema.Draft202012Validator:
    """A validator of ``components.schemas[name]`` with ``$ref`` resolving in ``spec``."""
    root = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema.Draft202012Validator(root)


def _errors(validator: jsonschema.Draft202012Validator, body: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(body)]


def _response_schema(spec: dict[str, Any], path: str, status: int) -> str:
    """The component the spec names for ``status`` of ``GET path``, or the error envelope.

    A status the spec does not list for that operation (the simulator's 400,
    405, 503) is checked against the envelope every error response shares
    (``InternalServerResponse``: ``{"error": {"code", "message", "metadata"?}}``).
    """
    responses = spec["paths"][path]["get"]["responses"]
    listed = responses.get(str(status))
    if listed is None:
        return "InternalServerResponse"
    ref = listed["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


def _get(url: str, *, key: str | None = None, method: str = "GET") -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method)
    if key is not None:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_records_validate(spec: dict[str, Any]) -> None:
    validator = _validator(spec, "GenerationResponse")
    sim = Simulator()
    failures = {}
    for id in sim.ids(N):
        errors = _errors(validator, {"data": make_record(id)})
        if errors:
            failures[id] = errors
    assert not failures, f"{len(failures)} of {N} records fail: {list(failures.items())[:3]}"


def test_records_have_the_spec_examples_shapes(spec: dict[str, Any]) -> None:
    """The spec's example: a completion whose latency is above its generation_time, and an
    upstream cost on a record that is not BYOK."""
    example = spec["components"]["schemas"]["GenerationResponse"]["example"]["data"]
    assert example["api_type"] == "completions"
    assert example["latency"] > example["generation_time"]
    assert example["upstream_inference_cost"] > 0 and example["is_byok"] is False
    records = [make_record(id) for id in Simulator().ids(N)]
    slower = [r for r in records if r["api_type"] == "completions" and r["latency"] is not None
              and r["generation_time"] is not None and r["latency"] > r["generation_time"]]
    charged = [r for r in records if not r["is_byok"]
               and (r["upstream_inference_cost"] or 0) > 0]
    assert len(slower) >= N // 50, len(slower)
    assert len(charged) >= N // 50, len(charged)
    # and stay plausible: the upstream charge of a non-BYOK call is below what was paid
    assert all(r["upstream_inference_cost"] < r["total_cost"] for r in charged)


def test_zero_data_retention_content_has_no_messages() -> None:
    id = next(id for id in Simulator().ids(100) if is_zdr(id))
    assert make_content(id) == {"input": {"messages": []},
                                "output": {"completion": None, "reasoning": None},
                                "error": None}


def test_contents_validate(spec: dict[str, Any]) -> None:
    validator = _validator(spec, "GenerationContentResponse")
    ids = Simulator().ids(N)
    assert any(is_zdr(id) for id in ids)  # the zero-data-retention shape is among them
    failures = {}
    for id in ids:
        errors = _errors(validator, {"data": make_content(id)})
        if errors:
            failures[id] = errors
    assert not failures, f"{len(failures)} of {N} contents fail: {list(failures.items())[:3]}"


def test_served_bodies_are_the_validated_ones(spec: dict[str, Any]) -> None:
    """What goes over HTTP is what the two tests above validate (no other encoding)."""
    with serve() as sim:
        for id in sim.ids(5):
            for path, make in (("/generation", make_record),
                               ("/generation/content", make_content)):
                status, body = _get(f"{sim.base_url}{path}?id={id}", key=sim.api_key)
                assert status == 200
                assert json.loads(body) == {"data": make(id)}


def _error_bodies() -> Iterator[tuple[str, str, int, bytes]]:
    """Every kind of JSON error body the simulator sends: (case, path, status, body)."""
    for path in ("/generation", "/generation/content"):
        with serve() as sim:
            base, key, good = sim.base_url, sim.api_key, sim.ids(1)[0]
            cases = {
                "no-such-path": (f"{base}/nothing?id={good}", key, "GET"),
                "post": (f"{base}{path}?id={good}", key, "POST"),
                "no-auth": (f"{base}{path}?id={good}", None, "GET"),
                "wrong-key": (f"{base}{path}?id={good}", "sk-or-v1-wrong", "GET"),
                "no-id": (f"{base}{path}", key, "GET"),
                "empty-id": (f"{base}{path}?id=", key, "GET"),
                "foreign-id": (f"{base}{path}?id={sim.foreign_ids(1)[0]}", key, "GET"),
                "unknown-id": (f"{base}{path}?id=gen-nothing", key, "GET"),
            }
            for case, (url, k, method) in cases.items():
                yield (case, path, *_get(url, key=k, method=method))
        for fault in ("server_error", "bad_gateway"):
            with serve(faults={fault: 1.0}) as sim:
                yield (fault, path, *_get(f"{sim.base_url}{path}?id={sim.ids(1)[0]}",
                                          key=sim.api_key))
        for in_body in (False, True):
            with serve(faults={"rate_limit": 1.0, "retry_after": 0.01,
                               "reset_in_body": in_body}) as sim:
                yield (f"rate-limit-{'body' if in_body else 'headers'}", path,
                       *_get(f"{sim.base_url}{path}?id={sim.ids(1)[0]}", key=sim.api_key))
        with serve(faults={"revoke_after": 0}) as sim:
            yield ("revoked", path, *_get(f"{sim.base_url}{path}?id={sim.ids(1)[0]}",
                                          key=sim.api_key))
        with serve(faults={"credits_after": 0}) as sim:
            yield ("no-credits", path, *_get(f"{sim.base_url}{path}?id={sim.ids(1)[0]}",
                                             key=sim.api_key))
        with serve(faults={"fresh_for": 60.0}) as sim:
            yield ("fresh", path, *_get(f"{sim.base_url}{path}?id={sim.ids(1)[0]}",
                                        key=sim.api_key))
        for status in (400, 401, 402, 403, 404, 500, 502, 503):
            with serve() as sim:
                id = sim.ids(1)[0]
                sim.faults.status_for = {id: status}
                yield (f"status-for-{status}", path,
                       *_get(f"{sim.base_url}{path}?id={id}", key=sim.api_key))


def test_error_bodies_validate(spec: dict[str, Any]) -> None:
    seen = set()
    failures = []
    for case, path, status, body in _error_bodies():
        assert status >= 400, (case, path, status)
        seen.add(status)
        name = _response_schema(spec, path, status)
        errors = _errors(_validator(spec, name), json.loads(body))
        if errors:
            failures.append((case, path, status, name, errors))
    assert seen >= {400, 401, 402, 403, 404, 405, 429, 500, 502, 503}
    assert not failures, failures
