"""Summaries as reductions: per-row inputs, per-group partials, one finish step.

Every summary of :mod:`.summary` and :mod:`.attempts` is written once, in three parts:

1. an *inputs* function of a frame: the per-row values it reduces (``float64``
   arrays, NaN for NA, from :mod:`.metrics`), the columns it tallies and the
   values whose percentiles it needs (:class:`Inputs`);
2. per-group reductions of those inputs (:class:`Reduced`): row counts,
   NA-skipping sums and counts of known values, minima and maxima, tallies,
   first uses and percentiles;
3. a *finish* function of a :class:`Reduced`: the result table.

On a pandas frame the reductions are :class:`~.groups.Groups`' own, over the
whole frame (:func:`reduce_frame`): results are exactly what they always were.
On a Dask DataFrame (:mod:`openrouter_frame.analysis.dask`) each partition
gives a small pandas *partial* (:func:`partial`, a long table of
``group, stat, item, value``), partials are merged in a tree
(:func:`combine`), and :func:`from_partials` turns the merged table into a
:class:`Reduced` the same finish step reads.  Counts, sums, minima and
maxima merge exactly (sums to float rounding); percentiles come from a
mergeable log-bucket sketch (:func:`sketch_codes`).

The sketch (as DDSketch)
    Each non-zero value ``v`` falls in bucket ``k = ceil(log(|v|) / log(gamma))``
    with ``gamma = (1 + ALPHA) / (1 - ALPHA)``; the bucket's value
    ``2 gamma^k / (gamma + 1)`` is within ``ALPHA`` relative of every value in
    it.  Zero has a bucket of its own, negative values mirror positive ones,
    infinities get one bucket each.  A percentile interpolates linearly, as
    pandas does, between the bucket values of the two order statistics next to
    its rank, so it is within ``ALPHA * ((1 - f) |x_lo| + f |x_hi|)`` of
    pandas' exact percentile (``x_lo``, ``x_hi`` the order statistics, ``f``
    the fraction between them): within ``ALPHA`` relative of it when the
    values have one sign, as latencies, times, costs and speeds do.

Examples
--------
>>> import numpy as np
>>> from openrouter_frame.analysis.partials import ALPHA, sketch_codes, sketch_values
>>> values = np.array([0.0, 1.0, 250.0, -3.5])
>>> back = sketch_values(sketch_codes(values))
>>> bool((np.abs(back - values) <= ALPHA * np.abs(values)).all())
True
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..schema import NA_LABEL
from .groups import Groups, key_codes, label_index, label_text

__all__ = ["ALPHA", "Inputs", "Reduced", "combine", "from_partials", "group_labels", "partial",
           "reduce_frame", "sketch_codes", "sketch_quantiles", "sketch_values"]

#: Relative accuracy of a percentile computed from partials (0.5 %).
ALPHA = 0.005
_GAMMA = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA = float(np.log(_GAMMA))
_LOG_MID = float(np.log(2.0 / (_GAMMA + 1)))
_MAX_FLOAT = float(np.finfo(np.float64).max)
#: Codes of non-zero values are ``sign * (_OFFSET + k)``, so codes sort as values do.
_OFFSET = 1 << 40
#: The bucket of an infinity.
_INF_K = 1 << 39
#: Columns of a partial.
PARTIAL_COLUMNS = ("group", "stat", "item", "value")
#: Stats merged by their minimum, maximum; every other stat is summed.
_MIN, _MAX = ("min:", "first:"), ("max:",)


# -- the sketch -----------------------------------------------------------------------------
def sketch_codes(values: np.ndarray) -> np.ndarray:
    """The bucket code of each value (no NaN): int64, ordered as the values are."""
    values = np.asarray(values, dtype=np.float64)
    size = np.abs(values)
    finite = np.isfinite(size) & (size > 0)
    k = np.zeros(len(values), dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.ceil(np.log(np.where(finite, size, 1.0)) / _LOG_GAMMA).astype(np.int64)
    # log rounding can miss the bucket by one: gamma^(k-1) < |v| <= gamma^k, exactly
    raw = np.where(finite & (_GAMMA ** (raw - 1.0) >= size), raw - 1, raw)
    raw = np.where(finite & (_GAMMA ** raw.astype(np.float64) < size), raw + 1, raw)
    k = np.where(finite, raw, np.where(np.isinf(size), _INF_K, 0))
    return np.where(size == 0, 0, np.sign(values).astype(np.int64) * (_OFFSET + k))


def sketch_values(codes: np.ndarray) -> np.ndarray:
    """The value each bucket code stands for (within :data:`ALPHA` relative of its values)."""
    codes = np.asarray(codes, dtype=np.int64)
    k = np.abs(codes) - _OFFSET
    with np.errstate(over="ignore"):  # no overflow of gamma^k before the factor
        size = np.minimum(np.exp(k.astype(np.float64) * _LOG_GAMMA + _LOG_MID), _MAX_FLOAT)
    size = np.where(k == _INF_K, np.inf, size)
    return np.where(codes == 0, 0.0, np.sign(codes) * size)


def sketch_quantiles(codes: np.ndarray, counts: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """Percentiles of one group's sketch (codes sorted), interpolated as pandas does."""
    n = int(counts.sum())
    if n == 0:
        return np.full(len(qs), np.nan)
    ends = np.cumsum(counts)
    pos = qs * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    values = sketch_values(codes)
    a = values[np.searchsorted(ends, lo, side="right")]
    b = values[np.searchsorted(ends, hi, side="right")]
    with np.errstate(invalid="ignore"):
        return np.where(a == b, a, a + (b - a) * (pos - lo))


# -- inputs and reductions ------------------------------------------------------------------
@dataclass
class Inputs:
    """What a summary reduces, per row of one frame (or partition).

    Attributes
    ----------
    values : dict of str to numpy.ndarray
        ``float64`` per row, NaN for NA: summed, counted, averaged per group.
    quantiles : tuple of str
        Names in ``values`` whose percentiles the summary needs.
    extremes : tuple of str
        Names in ``values`` whose minimum and maximum it needs.
    tallies : dict of str to numpy.ndarray
        Label per row (``object``, NA as ``<NA>``): rows per (group, label).
    firsts : dict of str to (numpy.ndarray, numpy.ndarray)
        Item per row (``object``, ``None`` for none) and an order per row:
        each group's distinct items in order of first use.
    """

    values: dict[str, np.ndarray] = field(default_factory=dict)
    quantiles: tuple[str, ...] = ()
    extremes: tuple[str, ...] = ()
    tallies: dict[str, np.ndarray] = field(default_factory=dict)
    firsts: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


class Reduced:
    """Per-group reductions of :class:`Inputs`: what a summary's finish step reads.

    The same methods whether the groups were reduced from one pandas frame
    (:func:`reduce_frame`) or merged from partials (:func:`from_partials`).
    Sums, means, minima and maxima are NaN for a group with no known value.
    """

    index: pd.Index

    @property
    def n(self) -> int:
        """Number of groups."""
        return len(self.index)

    def counts(self) -> np.ndarray:
        """Rows per group (int64)."""
        raise NotImplementedError

    def sums(self, name: str) -> np.ndarray:
        """NA-skipping sum of ``values[name]`` per group."""
        raise NotImplementedError

    def known(self, name: str) -> np.ndarray:
        """Known (non-NaN) values of ``values[name]`` per group."""
        raise NotImplementedError

    def means(self, name: str) -> np.ndarray:
        """NA-skipping mean of ``values[name]`` per group."""
        seen = self.known(name)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(seen > 0, np.nan_to_num(self.sums(name)) / seen, np.nan)

    def quantiles(self, name: str, qs: Sequence[float]) -> np.ndarray:
        """Percentiles of ``values[name]`` per group, shape ``(n, len(qs))``."""
        raise NotImplementedError

    def mins(self, name: str) -> np.ndarray:
        """Minimum of ``values[name]`` per group."""
        raise NotImplementedError

    def maxs(self, name: str) -> np.ndarray:
        """Maximum of ``values[name]`` per group."""
        raise NotImplementedError

    def tally(self, name: str) -> tuple[np.ndarray, list[str]]:
        """Rows per (group, label) of ``tallies[name]`` and the labels (``<NA>`` last)."""
        raise NotImplementedError

    def firsts(self, name: str) -> list[list[str]]:
        """Each group's distinct items of ``firsts[name]``, in order of first use."""
        raise NotImplementedError

    def label_ranks(self) -> np.ndarray:
        """Rank of each group's label as text (ties in the result tables go by it)."""
        return Groups(np.zeros(0, dtype=np.intp), self.index).label_ranks()

    def groups(self) -> Groups:
        """The groups as a :class:`~.groups.Groups` of one row each: ``fold`` then maps
        group ``g`` to its folded group ``codes[g]``."""
        return Groups(np.arange(self.n, dtype=np.intp), self.index)


class _FrameReduced(Reduced):
    """Reductions of one frame's :class:`Inputs` by :class:`~.groups.Groups` (exact)."""

    def __init__(self, groups: Groups, inputs: Inputs) -> None:
        self._groups = groups
        self._inputs = inputs
        self.index = groups.index

    def counts(self) -> np.ndarray:
        return self._groups.counts()

    def sums(self, name: str) -> np.ndarray:
        return self._groups.sums(self._inputs.values[name])

    def known(self, name: str) -> np.ndarray:
        return self._groups.known(self._inputs.values[name])

    def means(self, name: str) -> np.ndarray:
        return self._groups.means(self._inputs.values[name])

    def quantiles(self, name: str, qs: Sequence[float]) -> np.ndarray:
        return self._groups.quantiles(self._inputs.values[name], qs)

    def mins(self, name: str) -> np.ndarray:
        return _extreme(self._groups, self._inputs.values[name], np.fmin, np.inf)

    def maxs(self, name: str) -> np.ndarray:
        return _extreme(self._groups, self._inputs.values[name], np.fmax, -np.inf)

    def tally(self, name: str) -> tuple[np.ndarray, list[str]]:
        if name not in self._inputs.tallies:
            return np.zeros((self.n, 0), dtype=np.int64), []
        codes, labels = key_codes(self._inputs.tallies[name])
        k, n = len(labels), self._groups.n
        flat = np.bincount(self._groups.codes * k + codes, minlength=n * k) if k else \
            np.zeros(0)
        return flat.reshape(n, k), [str(x) for x in labels]

    def firsts(self, name: str) -> list[list[str]]:
        items, order = self._inputs.firsts[name]
        item_codes, uniques = pd.factorize(items, use_na_sentinel=True)  # None: -1
        item_codes = np.asarray(item_codes, dtype=np.int64)
        rows = np.lexsort((np.nan_to_num(order, nan=np.inf), self._groups.codes))  # stable
        rows = rows[item_codes[rows] >= 0]
        group, item = self._groups.codes[rows], item_codes[rows]
        # the first use of each (group, item), in group then order
        _, first = np.unique(group * (len(uniques) + 1) + item, return_index=True)
        first.sort()
        group, item = group[first], item[first]
        labels = np.array([str(u) for u in uniques], dtype=object)[item].tolist()
        ends = np.cumsum(np.bincount(group, minlength=self._groups.n)).tolist()
        return [labels[a:b] for a, b in zip([0, *ends][:-1], ends, strict=True)]


def _extreme(groups: Groups, values: np.ndarray, ufunc: Any, empty: float) -> np.ndarray:
    out = np.full(groups.n, empty)
    ufunc.at(out, groups.codes, np.where(np.isnan(values), empty, values))
    return np.where(np.isinf(out), np.nan, out)


def reduce_frame(groups: Groups, inputs: Inputs) -> Reduced:
    """The reductions of one whole frame: exact, by ``groups``.

    >>> import pandas as pd
    >>> from openrouter_frame.analysis.groups import group_by
    >>> frame = pd.DataFrame({"m": ["a", "b", "a"], "x": [1.0, 2.0, 4.0]})
    >>> reduced = reduce_frame(group_by(frame, "m"), Inputs({"x": frame["x"].to_numpy()}))
    >>> reduced.sums("x").tolist(), reduced.counts().tolist()
    ([5.0, 2.0], [2, 1])
    """
    return _FrameReduced(groups, inputs)


def _pair_counts(first: np.ndarray, second: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct ``(first, second)`` pairs of two int64 arrays, sorted, and their counts.

    A dense count when the pairs span a small table (the usual case: a partition's
    buckets of one sign), else two 1-D sorts (``np.lexsort``); ``np.unique(axis=0)``
    sorts rows as opaque bytes and was ten times slower.

    >>> [a.tolist() for a in _pair_counts(np.array([1, 0, 1, 1]), np.array([5, 7, 5, -2]))]
    [[0, 1, 1], [7, -2, 5], [1, 1, 2]]
    >>> wide = np.array([5, -(1 << 41), 5, 1 << 41])  # both signs: the sorted path
    >>> [a.tolist() for a in _pair_counts(np.array([0, 0, 0, 1]), wide)]
    [[0, 0, 1], [-2199023255552, 5, 2199023255552], [1, 2, 1]]
    """
    if not len(first):
        empty = np.array([], dtype=np.int64)
        return empty, empty, empty
    low = int(second.min())
    span = int(second.max()) - low + 1
    cells = (int(first.max()) + 1) * span
    if cells <= max(4 * len(first), 1 << 16):  # a dense table: one pass, no sort
        table = np.bincount(first * span + (second - low), minlength=cells)
        hit = np.flatnonzero(table)
        return hit // span, hit % span + low, table[hit]
    order = np.lexsort((second, first))
    a, b = first[order], second[order]
    starts = np.flatnonzero(np.concatenate(([True], (a[1:] != a[:-1]) | (b[1:] != b[:-1]))))
    return a[starts], b[starts], np.diff(np.append(starts, len(a)))


# -- partials: one partition's reductions, merged in a tree ---------------------------------
def group_labels(groups: Groups) -> list[tuple[Hashable, ...]]:
    """Each group's labels as a tuple (``("all",)`` for no keys): how partials name groups."""
    index = groups.index
    if isinstance(index, pd.MultiIndex):
        return list(index)
    return [(x,) for x in index]


def partial(groups: Groups, inputs: Inputs, bins: dict[str, tuple[np.ndarray, np.ndarray]]
            | None = None) -> pd.DataFrame:
    """One partition's reductions as a long table (``group, stat, item, value``).

    ``group`` is the tuple of a group's labels; ``stat`` says what ``value``
    is (``rows``, ``sum:x``, ``known:x``, ``min:x``, ``max:x``, ``q:x`` with the
    sketch bucket as ``item``, ``tally:x`` and ``first:x`` with the label or
    item, ``bin:x`` with a bin number: the sum of ``values`` per (group,
    bin), for ``bins[x] = (values, bin per row)``).  :func:`combine` merges such
    tables; the merged one is a partial too.
    """
    labels = group_labels(groups)
    n = groups.n
    codes = groups.codes
    parts: list[tuple[np.ndarray, str, Any, np.ndarray]] = [
        (np.arange(n), "rows", 0, groups.counts().astype(np.float64))]
    for name, values in inputs.values.items():
        known = ~np.isnan(values)
        parts.append((np.arange(n), f"sum:{name}", 0,
                      np.bincount(codes, weights=np.where(known, values, 0.0), minlength=n)))
        parts.append((np.arange(n), f"known:{name}", 0,
                      np.bincount(codes, weights=known, minlength=n)))
    for name in inputs.extremes:
        values = inputs.values[name]
        parts.append((np.arange(n), f"min:{name}", 0, _extreme(groups, values, np.fmin, np.inf)))
        parts.append((np.arange(n), f"max:{name}", 0,
                      _extreme(groups, values, np.fmax, -np.inf)))
    for name in inputs.quantiles:
        values = inputs.values[name]
        known = ~np.isnan(values)
        group, bucket, count = _pair_counts(codes[known], sketch_codes(values[known]))
        if len(count):
            parts.append((group, f"q:{name}", bucket, count.astype(np.float64)))
    for name, tallied in inputs.tallies.items():
        item_codes, item_labels = key_codes(tallied)
        k = len(item_labels)
        if k:
            flat = np.bincount(codes * k + item_codes, minlength=n * k)
            hit = np.flatnonzero(flat)
            parts.append((hit // k, f"tally:{name}",
                          np.array([str(item_labels[i]) for i in hit % k], dtype=object),
                          flat[hit].astype(np.float64)))
    for name, (items, order) in inputs.firsts.items():
        frame = pd.DataFrame({"g": codes, "item": items, "order": order}).dropna(
            subset=["item"])
        first = frame.groupby(["g", "item"], sort=False)["order"].min()
        parts.append((first.index.get_level_values(0).to_numpy(), f"first:{name}",
                      first.index.get_level_values(1).to_numpy(dtype=object),
                      first.to_numpy(dtype=np.float64, na_value=np.nan)))
    for name, (values, bin_of) in (bins or {}).items():
        width = int(bin_of.max()) + 1 if len(bin_of) else 0
        flat = np.bincount(codes * width + bin_of, weights=values, minlength=n * width)
        hit = np.flatnonzero(np.bincount(codes * width + bin_of, minlength=n * width))
        parts.append((hit // max(width, 1), f"bin:{name}", hit % max(width, 1), flat[hit]))
    return _long(labels, parts)


def _long(labels: list[tuple[Hashable, ...]],
          parts: list[tuple[np.ndarray, str, Any, np.ndarray]]) -> pd.DataFrame:
    group = np.empty(len(labels), dtype=object)
    group[:] = labels
    columns: dict[str, list[np.ndarray]] = {name: [] for name in PARTIAL_COLUMNS}
    for rows, stat, item, value in parts:
        size = len(rows)
        columns["group"].append(group[rows])
        columns["stat"].append(np.full(size, stat, dtype=object))
        items = np.empty(size, dtype=object)
        items[:] = list(item) if isinstance(item, np.ndarray) else [item] * size
        columns["item"].append(items)
        columns["value"].append(np.asarray(value, dtype=np.float64))
    return pd.DataFrame({name: np.concatenate(arrays) if arrays else np.array([], dtype=object)
                         for name, arrays in columns.items()}).astype({"value": "float64"})


def empty_partial() -> pd.DataFrame:
    """A partial with no rows (the ``meta`` of a reduction)."""
    return _long([], [])


def combine(partials: pd.DataFrame | Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Merge partials (concatenated, or a list of them) into one partial.

    Sums add, ``min:`` and ``first:`` stats keep the minimum, ``max:`` the maximum.
    """
    frame = partials if isinstance(partials, pd.DataFrame) else pd.concat(list(partials))
    if frame.empty:
        return empty_partial()
    stat = frame["stat"].astype(str)
    low = stat.str.startswith(_MIN)
    high = stat.str.startswith(_MAX)
    keys = ["group", "stat", "item"]
    merged = [frame[~low & ~high].groupby(keys, sort=False)["value"].sum(),
              frame[low].groupby(keys, sort=False)["value"].min(),
              frame[high].groupby(keys, sort=False)["value"].max()]
    out = pd.concat(merged).reset_index()
    return out.astype({"group": object, "stat": object, "item": object, "value": "float64"})


class _MergedReduced(Reduced):
    """Reductions read from a merged partial."""

    def __init__(self, merged: pd.DataFrame, keys: list[str]) -> None:
        rows = merged[merged["stat"] == "rows"]
        labels = list(rows["group"])
        self.index = label_index(keys, [[label[i] for label in labels]
                                        for i in range(len(keys))])
        self._position = {label: i for i, label in enumerate(labels)}
        self._counts = rows["value"].to_numpy(dtype=np.float64)
        self._stats = {stat: part for stat, part in merged.groupby("stat", sort=False)}

    def _per_group(self, stat: str, empty: float = np.nan) -> np.ndarray:
        out = np.full(self.n, empty)
        part = self._stats.get(stat)
        if part is not None:
            out[[self._position[g] for g in part["group"]]] = part["value"].to_numpy()
        return out

    def _pairs(self, stat: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        part = self._stats.get(stat)
        if part is None:
            return np.zeros(0, np.intp), np.zeros(0, object), np.zeros(0)
        where = np.array([self._position[g] for g in part["group"]], dtype=np.intp)
        return where, part["item"].to_numpy(dtype=object), part["value"].to_numpy()

    def counts(self) -> np.ndarray:
        return np.round(self._counts).astype(np.int64)

    def known(self, name: str) -> np.ndarray:
        return self._per_group(f"known:{name}", 0.0)

    def sums(self, name: str) -> np.ndarray:
        return np.where(self.known(name) > 0, self._per_group(f"sum:{name}", 0.0), np.nan)

    def mins(self, name: str) -> np.ndarray:
        out = self._per_group(f"min:{name}")
        return np.where(np.isinf(out), np.nan, out)

    def maxs(self, name: str) -> np.ndarray:
        out = self._per_group(f"max:{name}")
        return np.where(np.isinf(out), np.nan, out)

    def quantiles(self, name: str, qs: Sequence[float]) -> np.ndarray:
        probs = np.asarray(qs, dtype=np.float64)
        out = np.full((self.n, len(probs)), np.nan)
        where, items, counts = self._pairs(f"q:{name}")
        codes = items.astype(np.int64)
        order = np.lexsort((codes, where))
        where, codes, counts = where[order], codes[order], counts[order]
        bounds = np.searchsorted(where, np.arange(self.n + 1))
        for g in range(self.n):  # one slice per group, never per row
            lo, hi = bounds[g], bounds[g + 1]
            if hi > lo:
                out[g] = sketch_quantiles(codes[lo:hi], counts[lo:hi], probs)
        return out

    def tally(self, name: str) -> tuple[np.ndarray, list[str]]:
        where, items, counts = self._pairs(f"tally:{name}")
        labels = sorted(set(items), key=lambda x: (x == NA_LABEL, str(x)))
        column = {label: i for i, label in enumerate(labels)}
        out = np.zeros((self.n, len(labels)))
        np.add.at(out, (where, np.array([column[x] for x in items], dtype=np.intp)), counts)
        return np.round(out).astype(np.int64), [str(x) for x in labels]

    def firsts(self, name: str) -> list[list[str]]:
        where, items, order = self._pairs(f"first:{name}")
        texts = np.array([str(x) for x in items], dtype=object)
        rows = np.lexsort((texts, np.nan_to_num(order, nan=np.inf), where))
        out: list[list[str]] = [[] for _ in range(self.n)]
        for i in rows:
            out[where[i]].append(texts[i])
        return out

    def sketch(self, name: str, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The merged sketch of ``values[name]`` over the groups ``groups``: bucket codes
        (sorted) and their counts."""
        where, items, counts = self._pairs(f"q:{name}")
        mine = np.isin(where, groups)
        codes, at = np.unique(items[mine].astype(np.int64), return_inverse=True)
        return codes, np.bincount(at, weights=counts[mine], minlength=len(codes))

    def bins(self, name: str, width: int) -> np.ndarray:
        """Sums of ``bins[name]`` per (group, bin): shape ``(n, width)``."""
        where, items, values = self._pairs(f"bin:{name}")
        out = np.zeros((self.n, width))
        np.add.at(out, (where, items.astype(np.intp)), values)
        return out


def from_partials(merged: pd.DataFrame, keys: Sequence[str]) -> _MergedReduced:
    """The :class:`Reduced` of a merged partial, grouped by the columns ``keys``.

    >>> import pandas as pd
    >>> from openrouter_frame.analysis.groups import group_by
    >>> frame = pd.DataFrame({"m": ["a", "b", "a", "b"], "x": [1.0, 2.0, 4.0, 8.0]})
    >>> parts = [partial(group_by(p, "m"), Inputs({"x": p["x"].to_numpy()}, quantiles=("x",)))
    ...          for p in (frame[:2], frame[2:])]
    >>> reduced = from_partials(combine(parts), ["m"])
    >>> reduced.index.tolist(), reduced.sums("x").tolist()
    (['a', 'b'], [5.0, 10.0])
    """
    return _MergedReduced(combine(merged), list(keys))


#: A function building a frame's :class:`Inputs`.
InputsOf = Callable[[pd.DataFrame], Inputs]


def label_texts(index: pd.Index) -> list[str]:
    """Each group label as text (several keys joined with `` / ``)."""
    return [label_text(x) for x in index]
