"""The 32 fields of an OpenRouter generation record: the single source of truth.

Every other module (frame building, summaries, plots, the viewer, the
simulator) reads the field list, dtypes, units, groups and descriptions from
here.  The order is the spec's order (``GET /api/v1/generation``).

Examples
--------
>>> from openrouter_frame import schema
>>> len(schema.FIELDS)
32
>>> schema.FIELDS["latency"].unit
'ms'
>>> schema.names("cost")
('total_cost', 'cache_discount', 'upstream_inference_cost', 'usage')
>>> str(schema.dtype("model"))
'category'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

Kind = Literal["string", "float", "int", "bool", "datetime", "category"]
Unit = Literal["USD", "ms", "tokens", "count", "none"]
Group = Literal["identity", "cost", "timing", "tokens", "media", "flags"]
DtypeBackend = Literal["numpy_nullable", "pyarrow"]

DTYPE_BACKENDS: tuple[str, ...] = ("numpy_nullable", "pyarrow")
GROUPS: tuple[str, ...] = ("identity", "cost", "timing", "tokens", "media", "flags")

#: Resolution of ``created_at`` under every pandas version (the service sends
#: microseconds; pandas 2.2 would default to ns and pandas 3 to us).
DATETIME_UNIT = "us"

_NUMPY_DTYPES: dict[str, object] = {
    "string": pd.StringDtype(),
    "float": pd.Float64Dtype(),
    "int": pd.Int64Dtype(),
    "bool": pd.BooleanDtype(),
    "datetime": pd.DatetimeTZDtype(unit=DATETIME_UNIT, tz="UTC"),
    "category": "category",
}
_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "datetime": pa.timestamp(DATETIME_UNIT, tz="UTC"),
    "category": pa.dictionary(pa.int32(), pa.string()),
}


@dataclass(frozen=True)
class Field:
    """One field of a generation record.

    Attributes
    ----------
    name : str
        The JSON key, also the column name.
    kind : str
        One of ``string``, ``float``, ``int``, ``bool``, ``datetime``,
        ``category``; :func:`dtype` maps it to a pandas dtype per backend.
    unit : str
        ``USD``, ``ms``, ``tokens``, ``count`` or ``none``.
    group : str
        ``identity``, ``cost``, ``timing``, ``tokens``, ``media`` or ``flags``.
    description : str
        One line for humans (shown by the viewer and in docs).
    nullable : bool
        Whether the spec allows ``null``.
    """

    name: str
    kind: Kind
    unit: Unit
    group: Group
    description: str
    nullable: bool = True

    def dtype(self, dtype_backend: str = "numpy_nullable") -> object:
        """The pandas dtype of this field's column for ``dtype_backend``."""
        _check_backend(dtype_backend)
        if dtype_backend == "pyarrow":
            return pd.ArrowDtype(_ARROW_TYPES[self.kind])
        return _NUMPY_DTYPES[self.kind]


_F = Field
_FIELD_LIST: tuple[Field, ...] = (
    _F("id", "string", "none", "identity", "Generation id (gen-…).", False),
    _F("upstream_id", "string", "none", "identity", "The provider's own id for the request."),
    _F("total_cost", "float", "USD", "cost", "Amount charged for the generation.", False),
    _F("cache_discount", "float", "USD", "cost",
       "Saving from prompt caching; negative when a cache write cost extra."),
    _F("upstream_inference_cost", "float", "USD", "cost",
       "What the provider charged (BYOK calls), before OpenRouter's fee."),
    _F("created_at", "datetime", "none", "timing", "When the generation was created (UTC).",
       False),
    _F("model", "category", "none", "identity", "Model slug, e.g. openai/gpt-4o.", False),
    _F("app_id", "int", "none", "identity", "Id of the app that made the call."),
    _F("streamed", "bool", "none", "flags", "Whether the response was streamed."),
    _F("cancelled", "bool", "none", "flags", "Whether the stream was cancelled by the caller."),
    _F("provider_name", "category", "none", "identity", "Provider that served the call."),
    _F("latency", "float", "ms", "timing", "Time to first token."),
    _F("moderation_latency", "float", "ms", "timing", "Time spent in moderation."),
    _F("generation_time", "float", "ms", "timing", "Time spent generating the response."),
    _F("finish_reason", "category", "none", "flags",
       "Normalized finish reason (stop, length, tool_calls, content_filter, error)."),
    _F("tokens_prompt", "int", "tokens", "tokens", "Prompt tokens (normalized tokenizer)."),
    _F("tokens_completion", "int", "tokens", "tokens",
       "Completion tokens (normalized tokenizer)."),
    _F("native_tokens_prompt", "int", "tokens", "tokens",
       "Prompt tokens (the model's own tokenizer; billed)."),
    _F("native_tokens_completion", "int", "tokens", "tokens",
       "Completion tokens (the model's own tokenizer; billed)."),
    _F("native_tokens_completion_images", "int", "tokens", "tokens",
       "Completion tokens spent on images."),
    _F("native_tokens_reasoning", "int", "tokens", "tokens", "Reasoning (thinking) tokens."),
    _F("native_tokens_cached", "int", "tokens", "tokens", "Prompt tokens read from cache."),
    _F("num_media_prompt", "int", "count", "media", "Media items (images, files) in the prompt."),
    _F("num_input_audio_prompt", "int", "count", "media", "Audio inputs in the prompt."),
    _F("num_media_completion", "int", "count", "media", "Media items in the completion."),
    _F("num_search_results", "int", "count", "media", "Web search results used."),
    _F("origin", "string", "none", "identity", "Origin (HTTP-Referer) of the request.", False),
    _F("usage", "float", "USD", "cost", "Usage charged to the account.", False),
    _F("is_byok", "bool", "none", "flags", "Whether the call used the caller's own key.", False),
    _F("native_finish_reason", "category", "none", "flags",
       "Finish reason as reported by the provider."),
    _F("external_user", "string", "none", "identity", "The caller's user tag, if any."),
    _F("api_type", "category", "none", "identity",
       "Kind of call: completions, embeddings, rerank, image, tts, …"),
)

#: Fields by name, in the spec's order.
FIELDS: dict[str, Field] = {f.name: f for f in _FIELD_LIST}
#: Column names in the spec's order.
COLUMNS: tuple[str, ...] = tuple(FIELDS)

#: Columns of the failures frame of a :class:`~openrouter_frame.FetchResult`.
FAILURE_COLUMNS: tuple[str, ...] = ("id", "status", "error")


def _check_backend(dtype_backend: str) -> None:
    if dtype_backend not in DTYPE_BACKENDS:
        raise ValueError(
            f"dtype_backend must be 'numpy_nullable' or 'pyarrow', got {dtype_backend!r}"
        )


def dtype(name: str, dtype_backend: str = "numpy_nullable") -> object:
    """The pandas dtype of column ``name`` for ``dtype_backend``."""
    return FIELDS[name].dtype(dtype_backend)


def dtypes(dtype_backend: str = "numpy_nullable") -> dict[str, object]:
    """All 32 column dtypes, in spec order, for ``dtype_backend``."""
    _check_backend(dtype_backend)
    return {f.name: f.dtype(dtype_backend) for f in _FIELD_LIST}


def names(group: str | None = None, *, kind: str | None = None, unit: str | None = None
          ) -> tuple[str, ...]:
    """Field names, in spec order, filtered by ``group``, ``kind`` and ``unit``."""
    if group is not None and group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; choose from {', '.join(GROUPS)}")
    return tuple(
        f.name
        for f in _FIELD_LIST
        if (group is None or f.group == group)
        and (kind is None or f.kind == kind)
        and (unit is None or f.unit == unit)
    )


def arrow_schema() -> pa.Schema:
    """A pyarrow schema of the 32 fields (dictionary types for categories)."""
    return pa.schema([pa.field(f.name, _ARROW_TYPES[f.kind]) for f in _FIELD_LIST])


def failures_dtypes(dtype_backend: str = "numpy_nullable") -> dict[str, object]:
    """Dtypes of the failures frame: ``id`` string, ``status`` Int64, ``error`` string."""
    _check_backend(dtype_backend)
    if dtype_backend == "pyarrow":
        return {
            "id": pd.ArrowDtype(pa.string()),
            "status": pd.ArrowDtype(pa.int64()),
            "error": pd.ArrowDtype(pa.string()),
        }
    return {"id": pd.StringDtype(), "status": pd.Int64Dtype(),
            "error": pd.StringDtype()}


def is_na(value: Any) -> bool:
    """Whether one value is missing: ``None``, ``NaN``, ``pd.NA``, ``NaT`` (the one NA test).

    Used for ids, cells and formatted values alike; ``0`` and ``""`` are values.

    >>> is_na(None), is_na(float("nan")), is_na(pd.NA), is_na(0), is_na("")
    (True, True, True, False, False)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(value))
    return False
