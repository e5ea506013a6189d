"""Vectorised grouping for the summaries and plots: group codes, sums, quantiles.

The summaries group by categorical, string, Arrow dictionary, boolean or
integer columns, keep NA keys as a group of their own (labelled ``<NA>``) and
need NA-skipping sums, means and percentiles per group.  Everything here works
on plain ``float64`` NumPy arrays (NaN for NA) and integer group codes, so the
dtype backend of the frame does not matter and no warning is ever raised for
an empty or all-NA group: such a group simply gets NaN.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from openrouter_frame.analysis.groups import group_by
>>> frame = pd.DataFrame({"provider_name": pd.Series(["A", None, "A"], dtype="category"),
...                       "latency": [100.0, 300.0, np.nan]})
>>> groups = group_by(frame, "provider_name")
>>> list(groups.index), groups.codes.tolist()
(['A', '<NA>'], [0, 1, 0])
>>> groups.quantiles(frame["latency"].to_numpy(), [0.5]).ravel().tolist()
[100.0, 300.0]
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import NA_LABEL  # the label of the group whose key is NA

#: ``by`` argument type: a column, several columns, or ``None`` for one row.
By: TypeAlias = "str | Sequence[str] | None"

#: Label of the group that collects everything outside the top N.
OTHER_LABEL = "other"
#: Up to this many groups, percentiles partition each group's slice (O(n));
#: beyond it, one lexsort of (group, value) serves every group at once.
_PARTITION_MAX_GROUPS = 512


def normalize_by(by: str | Sequence[str] | None) -> list[str]:
    """``by`` as a list of column names (``[]`` for ``None``); ``ValueError`` if malformed."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    if isinstance(by, (list, tuple)) and by and all(isinstance(b, str) for b in by):
        if len(set(by)) != len(by):
            raise ValueError(f"by has a repeated column: {list(by)!r}")
        return list(by)
    raise ValueError(f"by must be a column name, a non-empty list of them, or None; got {by!r}")


def factorize(values: Any, *, sort: bool = False) -> tuple[np.ndarray, list[Any]]:
    """Integer codes of one key column (``-1`` for NA) and its labels: the one factorize.

    ``sort=True`` sorts the labels as text (not by category order).

    >>> codes, labels = factorize(pd.Series(["b", None, "a", "b"]), sort=True)
    >>> codes.tolist(), labels
    ([1, -1, 0, 1], ['a', 'b'])
    """
    if sort:
        series = pd.Series(values)
        values = series.astype(object).where(series.notna(), None).to_numpy()
    codes, uniques = pd.factorize(values, sort=sort, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.intp), list(np.asarray(uniques, dtype=object))


def key_codes(values: Any) -> tuple[np.ndarray, list[Any]]:
    """Codes ``0..k-1`` of one key column and its labels; NA becomes the last label."""
    codes, labels = factorize(values)
    missing = codes < 0
    if missing.any():
        codes = np.where(missing, len(labels), codes)
        labels.append(NA_LABEL)
    return codes, labels


class Groups:
    """Rows of a frame split into ``n`` groups.

    Attributes
    ----------
    codes : numpy.ndarray
        Group number (``0..n-1``) of every row.
    index : pandas.Index
        Label of every group (a MultiIndex for several keys), named after the
        key columns; in order of first appearance.
    """

    def __init__(self, codes: np.ndarray, index: pd.Index) -> None:
        self.codes = codes
        self.index = index
        self._order: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of groups."""
        return len(self.index)

    def counts(self) -> np.ndarray:
        """Rows per group (int64)."""
        return np.bincount(self.codes, minlength=self.n).astype(np.int64)

    def sums(self, values: np.ndarray) -> np.ndarray:
        """NA-skipping sum per group; NaN for a group with no known value."""
        known = ~np.isnan(values)
        if self.n == 1:
            return np.array([values[known].sum() if known.any() else np.nan])
        total = np.bincount(self.codes, weights=np.where(known, values, 0.0), minlength=self.n)
        seen = np.bincount(self.codes, weights=known, minlength=self.n)
        return np.where(seen > 0, total, np.nan)

    def known(self, values: np.ndarray) -> np.ndarray:
        """Number of known (non-NaN) values per group."""
        if self.n == 1:
            return np.array([np.count_nonzero(~np.isnan(values))], dtype=np.float64)
        return np.bincount(self.codes, weights=~np.isnan(values), minlength=self.n)

    def means(self, values: np.ndarray) -> np.ndarray:
        """NA-skipping mean per group; NaN for a group with no known value."""
        seen = self.known(values)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(seen > 0, np.nan_to_num(self.sums(values)) / seen, np.nan)

    def quantiles(self, values: np.ndarray, qs: Sequence[float]) -> np.ndarray:
        """NA-skipping percentiles (linear interpolation, as pandas) per group.

        Returns an array of shape ``(n, len(qs))``; NaN for a group with no
        known value.
        """
        probs = np.asarray(qs, dtype=np.float64)
        out = np.full((self.n, len(probs)), np.nan)
        if self.n == 0:
            return out
        if self.n == 1:
            known = values[~np.isnan(values)]
            if len(known):
                out[0] = np.quantile(known, probs)
            return out
        if self.n > _PARTITION_MAX_GROUPS:
            return _sorted_quantiles(values, self.codes, self.n, probs)
        if self._order is None:
            self._order = np.argsort(self.codes, kind="stable")
        ordered = values[self._order]
        bounds = np.concatenate(([0], np.cumsum(self.counts())))
        for g in range(self.n):  # one slice per group, never per row
            part = ordered[bounds[g]:bounds[g + 1]]
            part = part[~np.isnan(part)]
            if len(part):
                out[g] = np.quantile(part, probs)
        return out

    def label_ranks(self) -> np.ndarray:
        """Rank of each group's label as text: a tie-break that no dtype backend changes."""
        ranks = np.empty(self.n, dtype=np.intp)
        labels = self.index.to_numpy(dtype=object, na_value=None) if not isinstance(
            self.index, pd.MultiIndex) else None
        if labels is not None and set(map(type, labels)) <= {str, type(None)}:
            # text labels (the usual case): one C-level stable sort, UTF-8 bytes in code
            # point order as Python compares str, NA as its label
            text = pc.fill_null(pa.array(labels, type=pa.string()), label_text(pd.NA))
            ranks[pc.array_sort_indices(text).to_numpy()] = np.arange(self.n)
            return ranks
        texts = np.array([label_text(x) for x in self.index], dtype=object)
        ranks[np.argsort(texts, kind="stable")] = np.arange(self.n)
        return ranks

    def take(self, order: np.ndarray) -> Groups:
        """The same rows with groups renumbered so that group ``order[i]`` becomes ``i``."""
        remap = np.empty(self.n, dtype=np.intp)
        remap[order] = np.arange(len(order))
        return Groups(remap[self.codes], self.index[order])

    def fold(self, weights: np.ndarray, top: int) -> Groups:
        """Keep the ``top`` groups of largest ``weights`` (NaN counts as 0), in that order.

        Ties are broken by label.
        The remaining groups become one group labelled ``other`` (last); with
        ``top`` groups or fewer, nothing is folded.  Labels of several keys
        are joined with `` / ``.
        """
        order = np.lexsort((self.label_ranks(), -np.nan_to_num(weights, nan=0.0)))
        labels = [label_text(x) for x in self.index[order]]
        if self.n <= top:
            return Groups(self.take(order).codes, pd.Index(labels, dtype=object))
        remap = np.empty(self.n, dtype=np.intp)
        remap[order] = np.minimum(np.arange(self.n), top)
        return Groups(remap[self.codes], pd.Index([*labels[:top], OTHER_LABEL], dtype=object))


def label_text(label: Hashable) -> str:
    """A group label as text (tuples of several keys joined with `` / ``)."""
    if isinstance(label, tuple):
        return " / ".join(map(str, label))
    return str(label)


def _sorted_quantiles(values: np.ndarray, codes: np.ndarray, n: int,
                      qs: np.ndarray) -> np.ndarray:
    """Per-group percentiles from one lexsort, for many groups."""
    known = ~np.isnan(values)
    v, c = values[known], codes[known]
    order = np.lexsort((v, c))
    ordered = v[order]
    counts = np.bincount(c, minlength=n)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    pos = qs[None, :] * np.maximum(counts - 1, 0)[:, None]
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, np.maximum(counts - 1, 0)[:, None])
    frac = pos - lo
    has = counts > 0
    last = max(len(ordered) - 1, 0)
    a = ordered[np.minimum(starts[:, None] + lo, last)] if len(ordered) else np.zeros(lo.shape)
    b = ordered[np.minimum(starts[:, None] + hi, last)] if len(ordered) else np.zeros(lo.shape)
    out = a + (b - a) * frac
    out[~has] = np.nan
    return out


def group_by(frame: pd.DataFrame, by: str | Sequence[str] | None) -> Groups:
    """Group the rows of ``frame`` by the columns ``by`` (``None``: one group, ``all``).

    NA keys form their own group labelled ``<NA>``; only groups that occur
    are kept (``observed=True``).  Labels are the key values (strings for
    categorical and string columns).  With ``by=None`` there is always
    exactly one group, even for an empty frame.
    """
    keys = normalize_by(by)
    n = len(frame)
    if not keys:
        return Groups(np.zeros(n, dtype=np.intp), label_index([], []))
    per_key = [key_codes(frame[k]) for k in keys]
    if len(keys) == 1:
        codes, labels = per_key[0]
        return Groups(codes, label_index(keys, [labels]))
    combined = per_key[0][0]
    for codes, labels in per_key[1:]:
        combined, _ = pd.factorize(combined * max(len(labels), 1) + codes)
        combined = np.asarray(combined, dtype=np.intp)
    ngroups = int(combined.max()) + 1 if n else 0
    first = np.empty(ngroups, dtype=np.intp)
    first[combined[::-1]] = np.arange(n - 1, -1, -1)  # first row of each group
    columns = [list(pd.Index(labels, dtype=object)[codes[first]]) if labels else []
               for codes, labels in per_key]
    return Groups(combined, label_index(keys, columns))


def label_index(keys: Sequence[str], columns: Sequence[Sequence[Any]]) -> pd.Index:
    """The index of groups keyed by ``keys``, from each key's label per group: the one builder.

    No keys: one group, ``all``.  One key: a flat index named after it; several:
    a MultiIndex.  :func:`group_by` and the merged partials of a Dask frame
    (:mod:`.partials`) label their groups with it, so both give the same index.

    >>> label_index(["model"], [["a", "<NA>"]]).tolist(), label_index([], []).tolist()
    (['a', '<NA>'], ['all'])
    """
    if not keys:
        return pd.Index(["all"], dtype=object)
    if len(keys) == 1:
        labels = list(columns[0])
        return pd.Index(labels, name=keys[0]) if labels else \
            pd.Index([], dtype=object, name=keys[0])
    return pd.MultiIndex.from_arrays(
        [pd.Index(list(c)) if len(c) else pd.Index([], dtype=object) for c in columns],
        names=list(keys))
