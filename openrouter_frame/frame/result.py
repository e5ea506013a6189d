"""What a fetch returns: the typed frame and the typed failures, side by side."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .. import schema


class FetchResult:
    """What a batch fetched: ``frame`` (typed records) and ``failures``.

    ``failures`` has columns ``id`` (string), ``status`` (Int64, NA for
    network errors and ids a stopped batch never tried) and ``error``.
    Every input id is in exactly one of the two.  ``records`` holds the raw
    ``data`` objects in the frame's order (decoded on first use when the
    whole batch came from the cache).

    Examples
    --------
    >>> FetchResult(failures_frame([]).iloc[:0], failures_frame([("gen-x", 404, "not found")]))
    FetchResult(0 records, 1 failures)
    """

    def __init__(self, frame: pd.DataFrame, failures: pd.DataFrame,
                 records: list[dict[str, Any]] | None = None, *,
                 raw: list[bytes] | None = None) -> None:
        self.frame = frame
        self.failures = failures
        self._records = records
        self._raw = raw

    @property
    def records(self) -> list[dict[str, Any]]:
        """The ``data`` objects behind :attr:`frame`, in its order."""
        if self._records is None:
            self._records = [json.loads(body) for body in self._raw or []]
        return self._records

    def __repr__(self) -> str:
        return f"FetchResult({len(self.frame)} records, {len(self.failures)} failures)"

    @property
    def ok(self) -> bool:
        """True when no id failed."""
        return self.failures.empty

    def describe_failures(self, limit: int = 3) -> str:
        """One line per status: count and the first ``limit`` ids."""
        lines = []
        statuses = self.failures["status"].astype(object).where(
            self.failures["status"].notna(), None)
        for status, group in self.failures.groupby(statuses.map(str), sort=True):
            ids = list(group["id"].astype(object)[:limit])
            more = f" (+{len(group) - limit} more)" if len(group) > limit else ""
            label = "network/none" if status == "None" else f"HTTP {status}"
            first_error = group["error"].iloc[0]
            lines.append(f"{label}: {len(group)} id(s) {ids}{more}: {first_error}")
        return "\n".join(lines)


def failures_frame(rows: Iterable[tuple[str, int | None, str]], *,
                   dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
    """The typed failures frame: ``id`` (string), ``status`` (Int64), ``error`` (string)."""
    rows = list(rows)
    dtypes = schema.failures_dtypes(dtype_backend)
    data = {
        name: pd.array([r[i] for r in rows], dtype=dtypes[name])  # type: ignore[call-overload]
        for i, name in enumerate(schema.FAILURE_COLUMNS)
    }
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
