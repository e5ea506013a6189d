"""schema.py agrees with both specs shipped in tests/data: the 32-field excerpt and the
current 45-field ``GenerationResponse`` (and ``ProviderResponse``) of the official SDK."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from openrouter_frame import schema

DATA = Path(__file__).parent / "data"
OLD_SPEC = (DATA / "generation_openapi.txt").read_text()
NEW_SPEC = (DATA / "generation-2026-08.openapi.yaml").read_text()
DOCS = Path(__file__).parent.parent / "docs" / "fields.md"


def _old_properties() -> list[str]:
    """Property names of the 32-field excerpt's data object, in order."""
    block = OLD_SPEC.split("GenerationGetResponsesContentApplicationJsonSchemaData:\n", 1)[1]
    block = block.split("      required:", 1)[0]
    return re.findall(r"^        (\w+):\n", block, re.M)


def _yaml_object(name: str, indent: int) -> tuple[dict[str, dict[str, object]], list[str]]:
    """``properties`` (name -> types, enum, description) and ``required`` of a yaml object.

    ``indent``: the indentation of the object's ``properties:`` key.
    """
    pad = " " * indent
    block = NEW_SPEC.split(f"\n    {name}:\n", 1)[1]
    if name == "GenerationResponse":
        block = block.split("\n          properties:\n", 1)[1]
    else:
        block = block.split(f"\n{pad}properties:\n", 1)[1]
    props_text, rest = block.split(f"\n{pad}required:\n", 1)
    props: dict[str, dict[str, object]] = {}
    for match in re.finditer(rf"^{pad}  (\w+):\n((?:{pad}    .*\n?)+)", props_text, re.M):
        prop, body = match.groups()
        types = re.findall(r"type: '(\w+)'|^\s+- '(string|number|integer|boolean|array|null|"
                           r"object)'$", body, re.M)
        flat = {a or b for a, b in types}
        enum = re.search(rf"^{pad}    enum:\n((?:{pad}      - .*\n)+)", body, re.M)
        values = [] if enum is None else [
            v for v in re.findall(r"- '?([^'\n]+)'?", enum.group(1)) if v != "null"]
        desc = re.search(r"description: '((?:[^']|'')*)'", body)
        props[prop] = {"types": flat, "enum": values,
                       "description": "" if desc is None else desc.group(1).replace("''", "'")}
    listed = re.match(rf"(?:{pad}  - '\w+'\n)+", rest)
    required = re.findall(r"'(\w+)'", listed.group(0) if listed else "")
    return props, required


NEW, REQUIRED = _yaml_object("GenerationResponse", 10)
ATTEMPT, ATTEMPT_REQUIRED = _yaml_object("ProviderResponse", 6)

_KINDS_OF_TYPE = {
    "string": {"string", "label", "category", "datetime"},
    "number": {"float"},
    "integer": {"int"},
    "boolean": {"bool"},
    "array": {"json"},
}


def test_45_fields_the_original_32_first_in_their_order() -> None:
    assert len(NEW) == 45 and set(schema.COLUMNS) == set(NEW)
    old = _old_properties()
    assert len(old) == 32 and list(schema.COLUMNS[:32]) == old
    assert {schema.FIELDS[n].source for n in old} == {"2025-11"}
    assert {schema.FIELDS[n].source for n in schema.COLUMNS[32:]} == {"2026-08"}


def test_newer_fields_follow_the_services_order() -> None:
    """The order of ``required:``, then the optional ones in the yaml's order."""
    newer = list(schema.COLUMNS[32:])
    in_required = [n for n in REQUIRED if n in newer]
    optional = [n for n in NEW if n in newer and n not in REQUIRED]
    assert newer == in_required + optional
    assert optional == ["request_id", "response_cache_source_id", "session_id"]


@pytest.mark.parametrize("name", list(schema.COLUMNS))
def test_field_follows_the_current_spec(name: str) -> None:
    spec = NEW[name]
    field = schema.FIELDS[name]
    types = spec["types"] - {"null"}  # type: ignore[operator]
    assert len(types) == 1
    assert field.kind in _KINDS_OF_TYPE[types.pop()]
    assert field.nullable == ("null" in spec["types"])  # type: ignore[operator]
    assert field.required == (name in REQUIRED)
    assert field.official == spec["description"]
    assert field.description and "\n" not in field.description
    assert field.group in schema.GROUPS
    if field.kind == "category":  # a closed set: the spec's values in its order, then the SDK's
        assert list(field.values) == [*spec["enum"], *schema.NEWER_VALUES.get(name, ())]
    else:
        assert not field.values and not spec["enum"]


def test_latency_is_not_called_time_to_first_token() -> None:
    text = schema.FIELDS["latency"].description.lower()
    assert "total latency" in text and not re.search(r"first\s+token", text)


def test_must_have_fields_are_the_required_non_nullable_ones() -> None:
    expected = [n for n in REQUIRED if "null" not in NEW[n]["types"]]  # type: ignore[operator]
    assert sorted(schema.MUST_HAVE) == sorted(expected)
    assert {"id", "total_cost", "created_at", "model", "origin", "usage",
            "is_byok"} <= set(schema.MUST_HAVE)


@pytest.mark.parametrize("name", list(schema.ATTEMPT_FIELDS))
def test_attempt_fields_follow_provider_response(name: str) -> None:
    spec, field = ATTEMPT[name], schema.ATTEMPT_FIELDS[name]
    types = spec["types"] - {"null"}  # type: ignore[operator]
    assert field.kind in _KINDS_OF_TYPE[types.pop()]
    assert field.required == (name in ATTEMPT_REQUIRED)
    assert field.nullable == ("null" in spec["types"])  # type: ignore[operator]
    assert field.official == spec["description"]
    if field.kind == "category":
        assert list(field.values) == [*spec["enum"], *schema.NEWER_VALUES.get(name, ())]
    assert set(schema.ATTEMPT_FIELDS) == set(ATTEMPT)


def test_only_an_attempts_status_may_be_null() -> None:
    """``ProviderResponse``: every key but ``status`` optional, none but ``status`` null."""
    nullable = [n for n, f in schema.ATTEMPT_FIELDS.items() if f.nullable]
    assert nullable == ["status"]


@pytest.mark.parametrize(("name", "value"), [("api_type", "decisions"),
                                             ("routed_service_tier", "ultrafast")],
                         ids=["api_type-decisions", "routed_service_tier-ultrafast"])
def test_newer_sdk_values_are_in_the_closed_sets(name: str, value: str) -> None:
    field = schema.FIELDS.get(name) or schema.ATTEMPT_FIELDS[name]
    assert value in field.values
    assert field.values[-1] == value  # after the spec's own, which keep their order


def test_units_follow_kinds() -> None:
    for field in schema.FIELDS.values():
        if field.unit == "USD" or field.unit == "ms":
            assert field.kind == "float", field.name
        if field.unit in ("tokens", "count"):
            assert field.kind == "int", field.name
    assert schema.names(unit="ms") == ("latency", "moderation_latency", "generation_time")


@pytest.mark.parametrize("backend", schema.DTYPE_BACKENDS)
def test_dtypes_per_backend(backend: str) -> None:
    dtypes = schema.dtypes(backend)
    assert list(dtypes) == list(schema.COLUMNS)
    assert dtypes["provider_responses"] == (pd.ArrowDtype(schema.ATTEMPTS_TYPE)
                                            if backend == "pyarrow" else np.dtype(object))
    if backend == "pyarrow":
        assert all(isinstance(d, pd.ArrowDtype) for n, d in dtypes.items()
                   if n != "provider_responses")
        assert dtypes["created_at"].pyarrow_dtype == pa.timestamp("us", tz="UTC")
        assert pa.types.is_dictionary(dtypes["model"].pyarrow_dtype)
    else:
        assert dtypes["created_at"] == pd.DatetimeTZDtype("us", "UTC")
        assert dtypes["tokens_prompt"] == pd.Int64Dtype()
        assert dtypes["model"] == pd.StringDtype("pyarrow")
        assert dtypes["data_region"] == pd.CategoricalDtype(["global", "europe", "us"])


@pytest.mark.parametrize("bad", ["numpy", "arrow", None], ids=["numpy", "arrow", "none"])
def test_unknown_backend_names_both_choices(bad: object) -> None:
    with pytest.raises(ValueError, match="'numpy_nullable' or 'pyarrow'"):
        schema.dtypes(bad)  # type: ignore[arg-type]


def test_names_rejects_unknown_group() -> None:
    with pytest.raises(ValueError, match="unknown group"):
        schema.names("money")


@pytest.mark.parametrize("backend", schema.DTYPE_BACKENDS)
def test_one_table_gives_every_dtype(backend: str) -> None:
    """Field dtypes and the failures frame's come from :func:`schema.kind_dtype` alone."""
    for field in schema.FIELDS.values():
        assert field.dtype(backend) == schema.kind_dtype(field.kind, backend, field.values)
        if backend == "pyarrow" and field.kind != "json":
            assert field.dtype(backend).pyarrow_dtype == schema.ARROW_TYPES[field.kind]
    assert schema.failures_dtypes(backend) == {
        "id": schema.kind_dtype("string", backend), "status": schema.kind_dtype("int", backend),
        "error": schema.kind_dtype("string", backend)}


def test_docs_list_every_field_with_its_kind_unit_and_nullability() -> None:
    rows = {}
    for line in DOCS.read_text().split("\n## ", 1)[0].splitlines():  # the fields table
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and cells[0] in schema.FIELDS:
            rows[cells[0]] = cells
    assert list(rows) == list(schema.COLUMNS)
    for name, (_, kind, unit, nullable, required, source, *_) in rows.items():
        field = schema.FIELDS[name]
        assert (kind, unit, nullable, required, source) == (
            field.kind, field.unit, "yes" if field.nullable else "no",
            "yes" if field.required else "no", field.source), name
