"""schema.py agrees with the OpenAPI spec excerpt shipped in tests/data."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from openrouter_frame import schema

SPEC = (Path(__file__).parent / "data" / "generation_openapi.txt").read_text()


def _spec_properties() -> dict[str, tuple[str, bool]]:
    """name -> (JSON type, nullable) of the data object's properties, in order."""
    block = SPEC.split("GenerationGetResponsesContentApplicationJsonSchemaData:\n", 1)[1]
    block = block.split("      required:", 1)[0]
    props: dict[str, tuple[str, bool]] = {}
    for match in re.finditer(r"^        (\w+):\n((?:          .*\n)+)", block, re.M):
        name, body = match.groups()
        types = re.findall(r"(string|number|boolean|'null')", body)
        nullable = "'null'" in types or "type: 'null'" in body
        json_type = "enum" if "$ref" in body else next(t for t in types if t != "'null'")
        props[name] = (json_type, nullable)
    return props


def test_fields_are_the_specs_32_in_order() -> None:
    props = _spec_properties()
    assert len(props) == 32
    assert list(schema.COLUMNS) == list(props)


@pytest.mark.parametrize("name", list(schema.COLUMNS))
def test_field_kind_and_nullability_follow_spec(name: str) -> None:
    json_type, nullable = _spec_properties()[name]
    field = schema.FIELDS[name]
    allowed = {
        "string": {"string", "category", "datetime"},
        "number": {"float", "int"},
        "boolean": {"bool"},
        "enum": {"category"},
    }[json_type]
    assert field.kind in allowed
    assert field.nullable == nullable
    assert field.description and "\n" not in field.description
    assert field.group in schema.GROUPS


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
    if backend == "pyarrow":
        assert all(isinstance(d, pd.ArrowDtype) for d in dtypes.values())
        assert dtypes["created_at"].pyarrow_dtype == pa.timestamp("us", tz="UTC")
    else:
        assert dtypes["created_at"] == pd.DatetimeTZDtype("us", "UTC")
        assert dtypes["tokens_prompt"] == pd.Int64Dtype()
        assert dtypes["model"] == "category"


@pytest.mark.parametrize("bad", ["numpy", "arrow", None], ids=["numpy", "arrow", "none"])
def test_unknown_backend_names_both_choices(bad: object) -> None:
    with pytest.raises(ValueError, match="'numpy_nullable' or 'pyarrow'"):
        schema.dtypes(bad)  # type: ignore[arg-type]


def test_names_rejects_unknown_group() -> None:
    with pytest.raises(ValueError, match="unknown group"):
        schema.names("money")


def test_arrow_schema_matches_fields() -> None:
    assert schema.arrow_schema().names == list(schema.COLUMNS)
