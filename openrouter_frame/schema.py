"""The 45 fields of an OpenRouter generation record: the single source of truth.

Every other module (frame building, summaries, plots, the viewer, the
simulator) reads the field list, dtypes, units, groups and descriptions from
here.

Order
-----
The first 32 fields are the original excerpt of ``GET /api/v1/generation``
(``000_467ba188246371e0.txt``, 2025-11), in that excerpt's order, so frames
built before and after keep their first 32 columns.  The 13 newer fields of
the current ``GenerationResponse`` (the official TypeScript SDK's OpenAPI,
``generation-2026-08.openapi.yaml``) follow in the service's order, which is
the order of that schema's ``required:`` list (``service_tier``,
``num_fetches``, ``web_search_engine``, ``preset_id``, ``router``,
``provider_responses``, ``user_agent``, ``http_referer``, ``data_region``,
``workspace_id``); the three optional ones, absent from ``required:``, come
last in the yaml's (alphabetical) order: ``request_id``,
``response_cache_source_id``, ``session_id``.

Kinds and dtypes
----------------
Dtypes depend on the schema only, never on the values of a batch:

* ``string``: free text and identifiers (``string`` / ``string[pyarrow]``);
* ``label``: an open set of repeated values (``model``, ``provider_name``,
  finish reasons, ``router``, ...): ``pd.StringDtype("pyarrow")`` (shown as
  ``string``) under ``numpy_nullable`` and ``dictionary<int32, string>``
  under ``pyarrow``, never a categorical whose categories would be whatever
  one batch held, so ``pd.concat`` of two fetches keeps the dtype
  (``benchmarks/open_sets.py`` has the figures);
* ``category``: a closed set the spec enumerates (``api_type``,
  ``data_region``), plus the newer values of the official Python SDK
  (:data:`NEWER_VALUES`): a categorical with those categories, in that
  order, under ``numpy_nullable``, and ``dictionary<int32, string>`` under
  ``pyarrow``; a value outside them is kept with one
  :class:`~openrouter_frame.SchemaWarning` (see *Values outside a closed
  set* below);
* ``float``, ``int``, ``bool``, ``datetime``: ``Float64``, ``Int64``,
  ``boolean``, ``datetime64[us, UTC]`` (or the Arrow equivalents);
* ``json``: ``provider_responses``, the list of ``ProviderResponse`` items:
  Python lists of dicts (``object``) under ``numpy_nullable``, and the Arrow
  ``list<struct<...>>`` :data:`ATTEMPTS_TYPE` (``pd.ArrowDtype``) under
  ``pyarrow`` (see *Provider attempts in Arrow* below).

Fields the service adds later (beyond these 45) become ``object`` columns
holding the values exactly as JSON decoding gives them: one rule, whatever
the batch.

:data:`ARROW_TYPES` (kind -> Arrow type) and :func:`kind_dtype` (kind ->
pandas dtype per backend; :func:`kind_dtypes` for every kind at once) are
the one table of each; everything else (:func:`dtype`, the frame builder,
the contents, failures and attempts frames, the simulator's sample frame)
asks them.  A public call that takes ``dtype_backend=`` checks it once
(:func:`check_backend`); the helpers it calls do not check it again.

Provider attempts in Arrow
--------------------------
:data:`ATTEMPTS_TYPE` is a list of structs with one child per
:data:`ATTEMPT_FIELDS` key, typed as its kind's plain Arrow type
(:func:`attempt_arrow_type`: labels and closed sets as text), then
:data:`ATTEMPT_EXTRA` (``_extra``), JSON text holding whatever else the item
had: keys outside the spec, or a value of another type than the spec's (a
``status`` of ``"503"``); an item that is not an object is stored whole as
its JSON (text that is then not an object).  So no value the service sends
is lost.  For the spec's keys ``null`` and absent are one state (a struct
child has no third one): an item rebuilt from the struct
(:mod:`openrouter_frame.frame.nested`) lacks a key the spec says is never
``null`` that was sent as ``null``, and has ``status: None`` where
``status`` (required, nullable) was absent; anything else comes back as
sent.  Parquet files the library
writes store the column with this type under either backend.

Values outside a closed set
---------------------------
Under ``pyarrow`` a closed set's column is ``dictionary<int32, string>``
whatever its values, so ``pd.concat`` of any two batches keeps the type and
every value.  Under ``numpy_nullable`` it is a categorical whose categories
are the closed set, in its order, then the values outside it that the batch
holds, sorted: the same values give the same dtype, whichever batch or
order they came in.  pandas concatenates two categoricals into a
categorical only when their categories are identical, so ``pd.concat`` of a
batch holding an outside value with one that does not gives plain text
(``object``, or ``str`` under pandas 3), every value kept; pass the result
through :func:`openrouter_frame.frame.coerce` to get the categorical back
(categories by the rule above), or use the ``pyarrow`` backend.
:func:`~openrouter_frame.frame.coerce` also turns any other Arrow
dictionary (a parquet read-back gives ``dictionary<int8, string>``) into
``dictionary<int32, string>``.

Examples
--------
>>> from openrouter_frame import schema
>>> len(schema.FIELDS)
45
>>> schema.FIELDS["latency"].unit
'ms'
>>> schema.names("cost")
('total_cost', 'cache_discount', 'upstream_inference_cost', 'usage')
>>> str(schema.dtype("model")), str(schema.dtype("data_region"))
('string', 'category')
>>> schema.FIELDS["data_region"].values
('global', 'europe', 'us')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
import pyarrow as pa

Kind = Literal["string", "label", "category", "float", "int", "bool", "datetime", "json"]
#: Every kind, in the order of :data:`Kind`.
KINDS: tuple[str, ...] = get_args(Kind)
Unit = Literal["USD", "ms", "tokens", "count", "none"]
Group = Literal["identity", "cost", "timing", "tokens", "media", "flags"]
Source = Literal["2025-11", "2026-08"]

DTYPE_BACKENDS: tuple[str, ...] = ("numpy_nullable", "pyarrow")
GROUPS: tuple[str, ...] = ("identity", "cost", "timing", "tokens", "media", "flags")
#: Where a field is defined: the 32-field excerpt (2025-11) or the current
#: OpenAPI of the official SDK (2026-08).
SOURCES: dict[str, str] = {
    "2025-11": "OpenRouter docs excerpt of GET /api/v1/generation (llms-full.txt, "
               "2025-11-08; spec/000_467ba188246371e0.txt)",
    "2026-08": "GenerationResponse in the official TypeScript SDK's OpenAPI "
               "(OpenRouterTeam/typescript-sdk, commit cb9393a, 2026-08-22; "
               "spec/generation-2026-08.openapi.yaml)",
}

#: Resolution of ``created_at`` under every pandas version (the service sends
#: microseconds; pandas 2.2 would default to ns and pandas 3 to us).
DATETIME_UNIT = "us"

#: The Arrow type of each kind's column under the ``pyarrow`` backend (the ``json``
#: kind's, :data:`ATTEMPTS_TYPE`, is added below :data:`ATTEMPT_FIELDS`).
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "label": pa.dictionary(pa.int32(), pa.string()),
    "category": pa.dictionary(pa.int32(), pa.string()),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "datetime": pa.timestamp(DATETIME_UNIT, tz="UTC"),
}
_NUMPY_DTYPES: dict[str, object] = {
    "string": pd.StringDtype(),
    "label": pd.StringDtype("pyarrow"),
    "float": pd.Float64Dtype(),
    "int": pd.Int64Dtype(),
    "bool": pd.BooleanDtype(),
    "datetime": pd.DatetimeTZDtype(unit=DATETIME_UNIT, tz="UTC"),
}

#: Values of a closed set that the official Python SDK (OpenRouterTeam/python-sdk)
#: knows and the 2026-08 OpenAPI excerpt does not yet; appended to the spec's.
NEWER_VALUES: dict[str, tuple[str, ...]] = {
    "api_type": ("decisions",),
    "routed_service_tier": ("ultrafast",),
}


def kind_dtype(kind: str, dtype_backend: str = "numpy_nullable",
               values: tuple[str, ...] = ()) -> object:
    """The pandas dtype of a ``kind`` column under ``dtype_backend``: the one table.

    ``values``: a ``category`` kind's closed set (its categories under
    ``numpy_nullable``).

    >>> kind_dtype("int"), kind_dtype("int", "pyarrow")
    (Int64Dtype(), int64[pyarrow])
    >>> list(kind_dtype("category", values=("global", "us")).categories)
    ['global', 'us']
    """
    return _kind_dtype(kind, check_backend(dtype_backend), values)


def kind_dtypes(dtype_backend: str = "numpy_nullable") -> dict[str, object]:
    """The pandas dtype of every kind but ``category`` (whose dtype needs its closed set).

    For columns that are not schema fields but hold a kind's values (the
    contents frame's text and flags, the failures frame, the attempts frame):
    one backend check, then the table of :func:`kind_dtype`.

    >>> table = kind_dtypes("pyarrow")
    >>> table["string"], table["bool"]
    (string[pyarrow], bool[pyarrow])
    """
    check_backend(dtype_backend)
    return {kind: _kind_dtype(kind, dtype_backend) for kind in KINDS if kind != "category"}


def _kind_dtype(kind: str, dtype_backend: str, values: tuple[str, ...] = ()) -> object:
    """:func:`kind_dtype` for a backend already checked."""
    if kind == "json" and dtype_backend != "pyarrow":
        return np.dtype(object)
    if dtype_backend == "pyarrow":
        return pd.ArrowDtype(ARROW_TYPES[kind])
    if kind == "category":
        return closed_set_dtype(values)
    return _NUMPY_DTYPES[kind]


def closed_set_dtype(values: Sequence[str]) -> pd.CategoricalDtype:
    """A ``category`` kind's ``numpy_nullable`` dtype: a categorical of ``values``, in order.

    ``values`` are the closed set (then, for a batch holding values outside
    it, those values sorted: see *Values outside a closed set* above).

    >>> list(closed_set_dtype(("flex", "priority")).categories)
    ['flex', 'priority']
    """
    return pd.CategoricalDtype(list(values))


@dataclass(frozen=True)
class Field:
    """One field of a generation record.

    Attributes
    ----------
    name : str
        The JSON key, also the column name.
    kind : str
        ``string``, ``label``, ``category``, ``float``, ``int``, ``bool``,
        ``datetime`` or ``json``; :func:`dtype` maps it to a pandas dtype per
        backend (see the module docstring).
    unit : str
        ``USD``, ``ms``, ``tokens``, ``count`` or ``none``.
    group : str
        ``identity``, ``cost``, ``timing``, ``tokens``, ``media`` or ``flags``
        (routing fields, such as ``router`` or ``data_region``, are identity).
    description : str
        One line for humans (shown by the viewer and in docs), following the
        official description and flagging what it leaves open.
    nullable : bool
        Whether the spec allows ``null`` (a key that may be absent, as most of
        ``ProviderResponse``'s, is not thereby nullable: see ``required``).
    required : bool
        Whether the spec lists the key in ``required:`` (it must be present,
        possibly ``null`` when nullable).
    values : tuple of str
        The closed set of values (``category`` fields only): the spec's, in
        its order, then :data:`NEWER_VALUES`.
    source : str
        ``2025-11`` (the original 32) or ``2026-08`` (the 13 newer); see
        :data:`SOURCES`.
    official : str
        The official description, verbatim (empty where the source has none).
    """

    name: str
    kind: Kind
    unit: Unit
    group: Group
    description: str
    nullable: bool = True
    required: bool = True
    values: tuple[str, ...] = ()
    source: Source = "2025-11"
    official: str = ""

    def dtype(self, dtype_backend: str = "numpy_nullable") -> object:
        """The pandas dtype of this field's column for ``dtype_backend``."""
        return kind_dtype(self.kind, dtype_backend, self.values)

    @property
    def must_have(self) -> bool:
        """Required and not nullable: a null or missing value breaks the spec."""
        return self.required and not self.nullable


_F = Field
_NEW: Source = "2026-08"
_FIELD_LIST: tuple[Field, ...] = (
    # -- the original 32 (2025-11 excerpt), in its order ---------------------------------
    _F("id", "string", "none", "identity", "Generation id (gen-…).", False,
       official="Unique identifier for the generation"),
    _F("upstream_id", "string", "none", "identity", "The provider's own id for the request.",
       official="Upstream provider's identifier for this generation"),
    _F("total_cost", "float", "USD", "cost", "Total cost of the generation in USD.", False,
       official="Total cost of the generation in USD"),
    _F("cache_discount", "float", "USD", "cost",
       "Discount applied due to caching (USD); negative when a cache write cost extra.",
       official="Discount applied due to caching"),
    _F("upstream_inference_cost", "float", "USD", "cost",
       "Cost charged by the upstream provider (USD).",
       official="Cost charged by the upstream provider"),
    _F("created_at", "datetime", "none", "timing", "When the generation was created (UTC).",
       False, official="ISO 8601 timestamp of when the generation was created"),
    _F("model", "label", "none", "identity", "Model used, e.g. openai/gpt-4o.", False,
       official="Model used for the generation"),
    _F("app_id", "int", "none", "identity", "Id of the app that made the request.",
       official="ID of the app that made the request"),
    _F("streamed", "bool", "none", "flags", "Whether the response was streamed.",
       official="Whether the response was streamed"),
    _F("cancelled", "bool", "none", "flags", "Whether the generation was cancelled.",
       official="Whether the generation was cancelled"),
    _F("provider_name", "label", "none", "identity",
       "Provider that served the request (the last, successful attempt).",
       official="Name of the provider that served the request"),
    _F("latency", "float", "ms", "timing",
       "Total latency (ms) per the official text; what it spans is not documented (a real "
       "record shows latency 1016 with generation_time 2940, so not the sum of both).",
       official="Total latency in milliseconds"),
    _F("moderation_latency", "float", "ms", "timing", "Moderation latency (ms).",
       official="Moderation latency in milliseconds"),
    _F("generation_time", "float", "ms", "timing", "Time taken for generation (ms).",
       official="Time taken for generation in milliseconds"),
    _F("finish_reason", "label", "none", "flags",
       "Normalized finish reason (stop, length, tool_calls, content_filter, error; "
       "an open set in the spec).", official="Reason the generation finished"),
    _F("tokens_prompt", "int", "tokens", "tokens",
       "Prompt tokens (OpenRouter's normalized count).",
       official="Number of tokens in the prompt"),
    _F("tokens_completion", "int", "tokens", "tokens",
       "Completion tokens (OpenRouter's normalized count).",
       official="Number of tokens in the completion"),
    _F("native_tokens_prompt", "int", "tokens", "tokens",
       "Prompt tokens as reported by the provider (its tokenizer).",
       official="Native prompt tokens as reported by provider"),
    _F("native_tokens_completion", "int", "tokens", "tokens",
       "Completion tokens as reported by the provider (its tokenizer).",
       official="Native completion tokens as reported by provider"),
    _F("native_tokens_completion_images", "int", "tokens", "tokens",
       "Completion image tokens as reported by the provider.",
       official="Native completion image tokens as reported by provider"),
    _F("native_tokens_reasoning", "int", "tokens", "tokens",
       "Reasoning tokens as reported by the provider.",
       official="Native reasoning tokens as reported by provider"),
    _F("native_tokens_cached", "int", "tokens", "tokens",
       "Cached tokens as reported by the provider.",
       official="Native cached tokens as reported by provider"),
    _F("num_media_prompt", "int", "count", "media", "Media items in the prompt.",
       official="Number of media items in the prompt"),
    _F("num_input_audio_prompt", "int", "count", "media", "Audio inputs in the prompt.",
       official="Number of audio inputs in the prompt"),
    _F("num_media_completion", "int", "count", "media", "Media items in the completion.",
       official="Number of media items in the completion"),
    _F("num_search_results", "int", "count", "media", "Search results included.",
       official="Number of search results included"),
    _F("origin", "string", "none", "identity", "Origin URL of the request.", False,
       official="Origin URL of the request"),
    _F("usage", "float", "USD", "cost",
       "Usage amount in USD (how it differs from total_cost is not documented).", False,
       official="Usage amount in USD"),
    _F("is_byok", "bool", "none", "flags", "Whether the call used the caller's own key.", False,
       official="Whether this used bring-your-own-key"),
    _F("native_finish_reason", "label", "none", "flags",
       "Finish reason as reported by the provider (its own vocabulary).",
       official="Native finish reason as reported by provider"),
    _F("external_user", "string", "none", "identity", "External user identifier, if any.",
       official="External user identifier"),
    _F("api_type", "category", "none", "identity",
       "Type of API used: completions, embeddings, rerank, tts, stt, video, image or "
       "decisions.",
       values=("completions", "embeddings", "rerank", "tts", "stt", "video", "image",
               *NEWER_VALUES["api_type"]),
       official="Type of API used for the generation"),
    # -- the 13 newer (2026-08), in the service's order -----------------------------------
    _F("service_tier", "label", "none", "identity",
       "Service tier the upstream provider reported running the request on; null if none.",
       source=_NEW, official="Service tier the upstream provider reported running this "
       "request on, or null if it did not report one."),
    _F("num_fetches", "int", "count", "media", "Web fetches performed.", source=_NEW,
       official="Number of web fetches performed"),
    _F("web_search_engine", "label", "none", "media",
       "Resolved web search engine (e.g. exa, firecrawl, parallel).", source=_NEW,
       official="The resolved web search engine used for this generation "
       "(e.g. exa, firecrawl, parallel)"),
    _F("preset_id", "string", "none", "identity", "Id of the preset used; null if none.",
       source=_NEW, official="ID of the preset used for this generation, null if no preset "
       "was used"),
    _F("router", "label", "none", "identity", "Router used (e.g. openrouter/auto).",
       source=_NEW, official="Router used for the request (e.g., openrouter/auto)"),
    _F("provider_responses", "json", "none", "identity",
       "Provider attempts in order, fallbacks included: a list of ProviderResponse dicts "
       "(provider_name, status, latency ms, ...).", source=_NEW,
       official="List of provider responses for this generation, including fallback "
       "attempts"),
    _F("user_agent", "string", "none", "identity", "User-Agent header of the request.",
       source=_NEW, official="User-Agent header from the request"),
    _F("http_referer", "string", "none", "identity", "Referer header of the request.",
       source=_NEW, official="Referer header from the request"),
    _F("data_region", "category", "none", "identity",
       "Data region the generation was routed through: global, europe or us.", False,
       values=("global", "europe", "us"), source=_NEW,
       official="The data region this generation was routed through: 'global', 'europe', "
       "or 'us'."),
    _F("workspace_id", "string", "none", "identity",
       "Workspace the generation is attributed to; null for accounts without workspaces.",
       source=_NEW, official="ID of the workspace this generation is attributed to. Null "
       "for accounts without workspaces. Generations created before workspace resolution "
       "existed are attributed to the account default workspace."),
    _F("request_id", "string", "none", "identity",
       "Groups the generations of one API request.", required=False, source=_NEW,
       official="Unique identifier grouping all generations from a single API request"),
    _F("response_cache_source_id", "string", "none", "identity",
       "Id of the original generation when served from the response cache; else null.",
       required=False, source=_NEW, official="If this generation was served from response "
       "cache, contains the original generation ID. Null otherwise."),
    _F("session_id", "string", "none", "identity",
       "Groups the generations of one session (an agent run, a chat).", required=False,
       source=_NEW, official="Session identifier grouping multiple generations in the same "
       "session"),
)

#: The fields of one item of ``provider_responses`` (the official ``ProviderResponse``):
#: only ``status`` is required, and only ``status`` may be ``null``: the other keys
#: are optional (may be absent) but never ``null`` when sent; ``routed_service_tier``
#: is the closed set flex/priority (and the SDK's ultrafast).
ATTEMPT_FIELDS: dict[str, Field] = {f.name: f for f in (
    _F("provider_name", "label", "none", "identity", "Provider of this attempt.", False,
       required=False, source=_NEW, official="Name of the provider"),
    _F("status", "int", "none", "flags", "HTTP status from the provider (null if none).",
       source=_NEW, official="HTTP status code from the provider"),
    _F("latency", "float", "ms", "timing", "Response latency of this attempt (ms).",
       False, required=False, source=_NEW, official="Response latency in milliseconds"),
    _F("endpoint_id", "string", "none", "identity", "Internal endpoint identifier.",
       False, required=False, source=_NEW, official="Internal endpoint identifier"),
    _F("id", "string", "none", "identity", "The provider's response id.", False, required=False,
       source=_NEW, official="Upstream provider response identifier"),
    _F("model_permaslug", "label", "none", "identity", "Canonical model slug.",
       False, required=False, source=_NEW, official="Canonical model slug"),
    _F("is_byok", "bool", "none", "flags", "Whether the attempt used the caller's own key.",
       False, required=False, source=_NEW,
       official="Whether the request used a bring-your-own-key"),
    _F("routed_service_tier", "category", "none", "identity",
       "Tier the request was routed to; the tier applied and billed may differ.",
       False, required=False, values=("flex", "priority", *NEWER_VALUES["routed_service_tier"]),
       source=_NEW,
       official="The service tier this request was routed to (e.g. flex, priority). The "
       "tier actually applied and billed is determined by the provider response and may "
       "differ."),
)}

#: The child of :data:`ATTEMPTS_TYPE`'s struct holding, as JSON text, what an item had
#: beyond its typed children (see *Provider attempts in Arrow*).
ATTEMPT_EXTRA = "_extra"


def attempt_arrow_type(field: Field) -> pa.DataType:
    """The plain Arrow type of an attempt key: its kind's, labels and closed sets as text.

    >>> attempt_arrow_type(ATTEMPT_FIELDS["provider_name"]), attempt_arrow_type(
    ...     ATTEMPT_FIELDS["status"])
    (DataType(string), DataType(int64))
    """
    arrow = ARROW_TYPES["string" if field.kind == "category" else field.kind]
    return arrow.value_type if pa.types.is_dictionary(arrow) else arrow


#: The struct of one ``provider_responses`` item: the typed keys, then :data:`ATTEMPT_EXTRA`.
ATTEMPT_STRUCT: pa.StructType = pa.struct(
    [pa.field(name, attempt_arrow_type(f)) for name, f in ATTEMPT_FIELDS.items()]
    + [pa.field(ATTEMPT_EXTRA, pa.string())])
#: The Arrow type of ``provider_responses`` under ``pyarrow`` and in parquet files.
ATTEMPTS_TYPE: pa.ListType = pa.list_(ATTEMPT_STRUCT)
ARROW_TYPES["json"] = ATTEMPTS_TYPE

#: Fields by name, in the spec's order.
FIELDS: dict[str, Field] = {f.name: f for f in _FIELD_LIST}
#: Column names in the spec's order.
COLUMNS: tuple[str, ...] = tuple(FIELDS)
#: Fields that must be present and non-null (``required:`` and not nullable).
MUST_HAVE: tuple[str, ...] = tuple(f.name for f in _FIELD_LIST if f.must_have)

#: Columns of the failures frame of a :class:`~openrouter_frame.FetchResult`.
FAILURE_COLUMNS: tuple[str, ...] = ("id", "status", "error")


#: How a missing value is written wherever one is shown (tables, labels, the viewer).
NA_LABEL = "<NA>"


def check_backend(dtype_backend: str) -> str:
    """Return ``dtype_backend`` if it is one the library knows, else raise ``ValueError``.

    The one check of a ``dtype_backend=`` argument, made where a public call takes it.

    >>> check_backend("pyarrow")
    'pyarrow'
    """
    if dtype_backend not in DTYPE_BACKENDS:
        raise ValueError(
            f"dtype_backend must be 'numpy_nullable' or 'pyarrow', got {dtype_backend!r}"
        )
    return dtype_backend



def dtype(name: str, dtype_backend: str = "numpy_nullable") -> object:
    """The pandas dtype of column ``name`` for ``dtype_backend``."""
    return FIELDS[name].dtype(dtype_backend)


def dtypes(dtype_backend: str = "numpy_nullable") -> dict[str, object]:
    """All 45 column dtypes, in spec order, for ``dtype_backend``."""
    check_backend(dtype_backend)
    return {f.name: _kind_dtype(f.kind, dtype_backend, f.values) for f in _FIELD_LIST}


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


def failures_dtypes(dtype_backend: str = "numpy_nullable") -> dict[str, object]:
    """Dtypes of the failures frame: ``id`` string, ``status`` Int64, ``error`` string."""
    table = kind_dtypes(dtype_backend)
    return {"id": table["string"], "status": table["int"], "error": table["string"]}


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
