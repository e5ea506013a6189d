"""Frames: what each field kind means, and records or raw bodies to a typed DataFrame.

* :mod:`.kinds`: each field kind's conversions (plain values and Arrow arrays to
  the schema's dtype, the per-value path for unclean values, read-backs).
* :mod:`.build`: :func:`records_to_frame`, :func:`raw_to_frame`, :func:`coerce`.
* :mod:`.rawjson`: raw JSON bodies through pyarrow's reader.
* :mod:`.result`: :class:`FetchResult` and the typed failures frame.
* :mod:`.io`: reading and writing frames as parquet, CSV or JSON lines.
* :mod:`.account`: the account's activity items and list prices as typed frames.
"""

from __future__ import annotations

from .build import coerce, empty_frame, raw_to_frame, records_to_frame, warn_missing_required
from .contents import CONTENT_COLUMNS, contents_to_frame
from .result import FetchResult, failures_frame

__all__ = ["CONTENT_COLUMNS", "FetchResult", "coerce", "contents_to_frame", "empty_frame",
           "failures_frame", "raw_to_frame", "records_to_frame", "warn_missing_required"]
