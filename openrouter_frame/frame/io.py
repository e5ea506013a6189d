"""Frames on disk: parquet, CSV or JSON lines, as the command line writes and reads them."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import schema
from ..errors import SchemaWarning
from . import kinds, nested
from .build import records_to_frame

FORMATS = ("parquet", "csv", "jsonl")
#: How a missing value is written in CSV, so that an empty string stays a value.
#: pandas reads it back as missing by default; :data:`CSV_READ_OPTIONS` reads
#: ``""`` back as ``""`` too.
CSV_NA = schema.NA_LABEL
#: The ``pd.read_csv`` options that read a CSV :func:`write_frame` wrote with every
#: empty string kept (only :data:`CSV_NA` is missing; ``"NA"``, ``"null"``... are text).
CSV_READ_OPTIONS: dict[str, object] = {"keep_default_na": False, "na_values": [CSV_NA]}
_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl",
             ".ndjson": "jsonl", ".json": "jsonl"}


def format_of(path: str | Path, given: str | None = None) -> str:
    """The file format: ``given`` if set (checked against the suffix), else from the suffix."""
    inferred = _SUFFIXES.get(Path(path).suffix.lower())
    if given is not None:
        if inferred is not None and inferred != given:
            raise ValueError(f"--format {given} conflicts with the file name {path} "
                             f"(a {inferred} name)")
        return given
    if inferred is None:
        raise ValueError(f"cannot tell the format of {path} from its name; pass --format "
                         f"({', '.join(FORMATS)})")
    return inferred


def write_frame(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    """Write ``frame`` as parquet, CSV or JSON lines (timestamps as ISO 8601, UTC).

    In parquet, ``provider_responses`` is written as the Arrow list of
    structs :data:`~openrouter_frame.schema.ATTEMPTS_TYPE` whatever the
    backend (its ``_extra`` child keeps what the typed children cannot, so
    :func:`~openrouter_frame.frame.coerce` of a read-back gives the cells
    as sent, and a reader needs no JSON parsing); a column holding a cell
    that is not a list is written as JSON text instead, with a
    :class:`~openrouter_frame.SchemaWarning`.  In CSV it is JSON text, and in
    JSON lines the lists of dicts sent.  In CSV a missing value is written as
    ``<NA>`` (:data:`CSV_NA`) and an empty string as an empty field, so that
    ``origin=""`` comes back as ``""``, not as missing: :func:`read_frame`
    reads it so, and so does ``pd.read_csv(path, keep_default_na=False,
    na_values=["<NA>"])`` (:data:`CSV_READ_OPTIONS`); a plain
    ``pd.read_csv(path)`` reads both as missing.
    """
    if fmt == "parquet":
        frame = _json_as_structs(frame)
    elif fmt == "csv":
        frame = _json_as_text(frame)
    else:
        frame = _json_as_cells(frame)
    if fmt == "parquet":
        _write_parquet(frame, path)
    elif fmt == "csv":
        frame.to_csv(path, index=False, na_rep=CSV_NA)
    else:
        frame.to_json(path, orient="records", lines=True, date_format="iso", date_unit="us",
                      force_ascii=False)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """``frame.to_parquet``, with pandas' metadata naming the list of structs ``object``:
    pandas records an Arrow column's dtype by name, which ``pd.read_parquet`` without
    ``dtype_backend="pyarrow"`` cannot rebuild (it gives NumPy arrays of dicts instead)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    names = set(schema.names(kind="json"))
    metadata = dict(table.schema.metadata or {})
    if b"pandas" in metadata:
        described = json.loads(metadata[b"pandas"])
        for column in described.get("columns", []):
            if column.get("name") in names and pa.types.is_list(
                    table.schema.field(column["name"]).type):
                column["pandas_type"], column["numpy_type"] = "list[object]", "object"
        metadata[b"pandas"] = json.dumps(described).encode()
    pq.write_table(table.replace_schema_metadata(metadata), path)


def _cells(col: pd.Series) -> list[object]:
    """A ``json`` column's cells as sent (an Arrow list of structs decoded)."""
    if isinstance(col.dtype, pd.ArrowDtype):
        return nested.to_cells(pa.chunked_array(col.array._pa_array))  # type: ignore[attr-defined]
    return col.tolist()


def _json_columns(frame: pd.DataFrame, shape: Callable[[pd.Series], object]) -> pd.DataFrame:
    """``frame`` with each ``json`` column it has as ``shape(column)`` gives it (a frame's
    shallow copy; ``shape`` returns ``None`` to keep a column)."""
    names = [n for n in schema.names(kind="json") if n in frame.columns]
    if not names:
        return frame
    out = frame.copy(deep=False)
    for name in names:
        values = shape(frame[name])
        if values is not None:
            out[name] = pd.Series(values, index=frame.index, dtype=getattr(values, "dtype", object))
    return out


def _json_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """CSV: the ``json`` cells as JSON text."""
    return _json_columns(frame, lambda col: kinds.json_array(kinds.json_texts(_cells(col))))


def _json_as_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """JSON lines: an Arrow ``provider_responses`` as the lists of dicts sent."""
    return _json_columns(frame, lambda col: kinds.json_array(_cells(col)) if isinstance(
        col.dtype, pd.ArrowDtype) else None)


def _json_as_structs(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet: ``provider_responses`` as the Arrow list of structs (JSON text, with a
    warning, when a cell is not a list)."""
    def shape(col: pd.Series) -> object:
        if isinstance(col.dtype, pd.ArrowDtype) and col.dtype.pyarrow_dtype == nested.TYPE:
            return None
        arr = nested.to_arrow(col)
        if arr is not None:
            return pd.arrays.ArrowExtensionArray(arr)
        warnings.warn(f"field {col.name!r}: a cell is not a list of attempts; written as JSON "
                      "text", SchemaWarning, stacklevel=4)
        return kinds.json_array(kinds.json_texts(_cells(col)))
    return _json_columns(frame, shape)


def read_frame(path: str | Path, fmt: str) -> pd.DataFrame:
    """Read a frame written by :func:`write_frame` (or any with the schema's columns).

    CSV text columns are read as text (an id made of digits stays text),
    with :data:`CSV_READ_OPTIONS` (an empty string stays ``""``; only
    ``<NA>`` is missing); JSON lines go through the same typing as API
    records.  :func:`~openrouter_frame.frame.coerce` casts the rest to the
    schema's dtypes.
    """
    if fmt == "parquet":
        try:
            return pd.read_parquet(path)
        except (TypeError, ValueError):
            # A frame with Arrow dictionary columns only reads back with the pyarrow
            # backend (pandas-dev/pandas#54392).
            return pd.read_parquet(path, dtype_backend="pyarrow")
    if fmt == "csv":
        text = [n for k in ("string", "label", "category", "json") for n in schema.names(kind=k)]
        return pd.read_csv(path, dtype=dict.fromkeys(text, "string"),
                           **CSV_READ_OPTIONS)  # type: ignore[arg-type]
    with open(path, encoding="utf-8-sig") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    return records_to_frame(records)
