"""What a fetch returns: the typed frame and the typed failures, side by side."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .. import schema
from ..errors import UNTRIED


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1: ``1 failure``, ``0 failures``.

    >>> counted(1, "failure"), counted(0, "record"), counted(1200, "record")
    ('1 failure', '0 records', '1200 records')
    """
    return f"{n} {noun}" + ("" if n == 1 else "s")


class FetchResult:
    """What a batch fetched: ``frame`` (typed records) and ``failures``.

    ``failures`` has columns ``id`` (string), ``status`` (Int64, NA for
    network errors and ids a stopped batch never tried) and ``error``.
    Every input id is in exactly one of the two, but for
    ``generations_to_frame(..., content=True)``: an id whose record came and
    whose content did not is in both (its ``error`` begins ``content:``).  ``records`` holds the raw
    ``data`` objects in the frame's order (decoded on first use when the
    whole batch came from the cache).

    Examples
    --------
    >>> FetchResult(failures_frame([]).iloc[:0], failures_frame([("gen-x", 404, "not found")]))
    FetchResult(0 records, 1 failure)
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
        return (f"FetchResult({counted(len(self.frame), 'record')}, "
                f"{counted(len(self.failures), 'failure')})")

    @property
    def ok(self) -> bool:
        """True when no id failed."""
        return self.failures.empty

    def describe_failures(self, limit: int = 3) -> str:
        """One line per status: count, the first ``limit`` ids and why.

        A status whose ids failed for several reasons (a missing record and a
        missing content, say) gets one indented line per reason, naming its ids.

        Ids a stopped batch never tried (their error begins
        :data:`~openrouter_frame.errors.UNTRIED`) are counted on a line of their
        own, not as network errors.  The one summary behind
        :class:`~openrouter_frame.FetchError`'s message and the command line's.

        >>> FetchResult(failures_frame([]), failures_frame([
        ...     ("gen-a", 404, "not found"), ("gen-b", None, UNTRIED + " at HTTP 402")
        ... ])).describe_failures()
        "HTTP 404: 1 id(s) ['gen-a']: not found\\nnot tried: 1 id(s): not fetched: the batch \
stopped at HTTP 402"
        """
        failures = self.failures
        errors = failures["error"].astype(object)
        untried = (failures["status"].isna()
                   & errors.map(lambda e: isinstance(e, str) and e.startswith(UNTRIED))
                   ).astype(bool)
        tried = failures[~untried]
        lines = []
        statuses = tried["status"].astype(object).where(tried["status"].notna(), None)
        for status, group in tried.groupby(statuses.map(str), sort=True):
            label = "network/none" if status == "None" else f"HTTP {status}"
            by_error = list(group.groupby(group["error"].astype(object), sort=False))
            if len(by_error) == 1:
                lines.append(f"{label}: {len(group)} id(s) {_ids(group, limit)}: "
                             f"{by_error[0][0]}")
                continue
            lines.append(f"{label}: {len(group)} id(s), for {len(by_error)} reasons:")
            lines += [f"  {_ids(same, limit)}: {error}" for error, same in by_error[:limit]]
            if len(by_error) > limit:
                lines.append(f"  (+{len(by_error) - limit} more reasons)")
        if untried.any():
            lines.append(f"not tried: {int(untried.sum())} id(s): {errors[untried].iloc[0]}")
        return "\n".join(lines)


def _ids(failures: pd.DataFrame, limit: int) -> str:
    """The first ``limit`` ids of ``failures``, and how many more."""
    ids = list(failures["id"].astype(object)[:limit])
    return f"{ids} (+{len(failures) - limit} more)" if len(failures) > limit else str(ids)


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
