"""Precomputed lookups that make browsing a large generations frame instant.

:class:`FrameIndex` does the slow work once (an id index, model/provider codes,
sort orders, sorted metric values per model) so that the viewer's filter
changes, next/previous moves and percentile ranks are a few numpy operations,
whatever the frame's size.  No widgets here: it is tested on its own.

Examples
--------
>>> import pandas as pd
>>> from openrouter_frame.viewer.browse import FrameIndex
>>> df = pd.DataFrame({"id": ["a", "b", "c"], "model": ["m", "n", "m"],
...                    "total_cost": [0.2, 0.5, 0.1]})
>>> index = FrameIndex(df)
>>> index.positions("cost").tolist(), index.positions("cost", model=0).tolist()
([1, 0, 2], [0, 2])
>>> index.models, index.position("c")
(['m', 'n'], 2)
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ..analysis import groups
from ..analysis.metrics import as_float, percentile_rank, tokens_per_second_values
from ..schema import NA_LABEL
from .cost import EFFECTIVE_COST, effective_cost
from .html import RANK_METRICS

#: Sort orders: key -> (column, label).  Every order is descending, NA last.  Cost is
#: what was really paid (:func:`~.cost.effective_cost`: BYOK upstream cost included).
SORTS: dict[str, tuple[str, str]] = {
    "cost": (EFFECTIVE_COST, "cost (highest first)"),
    "latency": ("latency", "latency (slowest first)"),
    "generation_time": ("generation_time", "generation time (longest first)"),
    "newest": ("created_at", "newest first"),
}
#: Group code of rows whose model or provider is NA.
NA_CODE = -1


def factorize(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list[str]]:
    """Integer codes (:data:`NA_CODE` for NA) and labels of a grouping column, labels sorted.

    >>> codes, labels = factorize(pd.DataFrame({"m": ["b", None, "a", "b"]}), "m")
    >>> codes.tolist(), labels
    ([1, -1, 0, 1], ['a', 'b'])
    """
    if column not in frame.columns:
        return np.full(len(frame), NA_CODE, dtype=np.int64), []
    codes, labels = groups.factorize(frame[column], sort=True)
    return codes.astype(np.int64), [str(u) for u in labels]


class FrameIndex:
    """Lookups over one frame, computed once (sort orders and ranks lazily, then cached).

    Parameters
    ----------
    frame : pandas.DataFrame
        Needs an ``id`` column; every other column is optional.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.n = len(frame)
        self.ids: list[str] = [str(i) for i in frame["id"].tolist()]
        self._ids_lower = [i.lower() for i in self.ids]
        self._position: dict[str, int] = {}
        for pos, gid in enumerate(self.ids):
            self._position.setdefault(gid, pos)  # duplicated ids: the first row
        self.model_codes, self.models = factorize(frame, "model")
        self.provider_codes, self.providers = factorize(frame, "provider_name")
        self._metrics: dict[str, np.ndarray] = {}
        self._orders: dict[str, np.ndarray] = {}
        self._sorted: dict[tuple[str, int | None], np.ndarray] = {}

    def position(self, generation_id: str) -> int | None:
        """Row position of an id (its first row), ``None`` when absent."""
        return self._position.get(generation_id)

    def matching_ids(self, text: str, limit: int = 50) -> list[str]:
        """Ids containing ``text`` (case-insensitive), in frame order, at most ``limit``."""
        q = text.strip().lower()
        if not q:
            return []
        hits = (i for i, low in zip(self.ids, self._ids_lower, strict=True) if q in low)
        return list(itertools.islice(hits, limit))

    def metric(self, column: str) -> np.ndarray:
        """A column (or ``tokens_per_second``, ``effective_cost``) as float64, NaN where NA
        or absent."""
        if column not in self._metrics:
            if column == "tokens_per_second":
                values = tokens_per_second_values(self.frame, missing_ok=True)
            elif column == EFFECTIVE_COST:
                values = effective_cost(self.frame)
            elif column in self.frame.columns:
                values = as_float(self.frame[column])
            else:
                values = np.full(self.n, np.nan)
            self._metrics[column] = values
        return self._metrics[column]

    def order(self, sort: str) -> np.ndarray:
        """All row positions, descending by the sort's column, NA last, ties in frame order."""
        if sort not in self._orders:
            self._orders[sort] = np.argsort(-self.metric(SORTS[sort][0]), kind="stable")
        return self._orders[sort]

    def positions(self, sort: str, model: int | None = None, provider: int | None = None
                  ) -> np.ndarray:
        """Row positions of the rows with these model/provider codes (``None``: any), sorted."""
        order = self.order(sort)
        mask: np.ndarray | None = None
        for code, codes in ((model, self.model_codes), (provider, self.provider_codes)):
            if code is not None:
                hit = codes == code
                mask = hit if mask is None else mask & hit
        return order if mask is None else order[mask[order]]

    def sorted_values(self, column: str, model: int | None = None) -> np.ndarray:
        """Finite values of a metric, ascending, over all rows or one model's."""
        key = (column, model)
        if key not in self._sorted:
            values = self.metric(column)
            if model is not None:
                values = values[self.model_codes == model]
            self._sorted[key] = np.sort(values[np.isfinite(values)])
        return self._sorted[key]

    def counts(self, model: int | None = None, provider: int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Rows per model code and per provider code (index ``code + 1``; 0 is NA) among
        the rows matching the *other* filter: what each dropdown may still offer."""
        by_provider = (slice(None) if provider is None
                       else self.provider_codes == provider)
        by_model = slice(None) if model is None else self.model_codes == model
        n_models, n_providers = len(self.models) + 1, len(self.providers) + 1
        return (np.bincount(self.model_codes[by_provider] + 1, minlength=n_models),
                np.bincount(self.provider_codes[by_model] + 1, minlength=n_providers))

    def model_label(self, model: int) -> str:
        """A model code's name (``<NA>`` for the NA code)."""
        return NA_LABEL if model == NA_CODE else self.models[model]

    def ranks(self, pos: int) -> tuple[dict[str, float], dict[str, float | None],
                                       dict[str, float | None], dict[str, tuple[int, int]]]:
        """For :data:`~.html.RANK_METRICS`: the row's values, its percentile ranks over the
        frame and within its model, and how many values each rank counts (all, model)."""
        model = int(self.model_codes[pos])
        value, overall, within, n = {}, {}, {}, {}
        for key, _ in RANK_METRICS:
            x = float(self.metric(key)[pos])
            value[key] = x
            every, mine = self.sorted_values(key), self.sorted_values(key, model)
            overall[key] = percentile_rank(every, x)
            within[key] = percentile_rank(mine, x)
            n[key] = (len(every), len(mine))
        return value, overall, within, n
