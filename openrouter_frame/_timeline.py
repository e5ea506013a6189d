"""Cost over time: the one summary with a time axis.

Public as :func:`openrouter_frame.summary.cost_over_time`, and follows the
conventions listed in :mod:`openrouter_frame.summary`.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ._groups import Groups, normalize_by
from ._metrics import floats, group, timestamps

if TYPE_CHECKING:
    from .summary import By

__all__ = ["cost_over_time"]


def cost_over_time(frame: pd.DataFrame, freq: str = "D", by: By = None,
                   top: int = 8) -> pd.DataFrame:
    """Cost per period: one row per period, one column per group.

    ``total_cost`` (NA counted as 0) is summed per period of ``freq`` (any
    pandas frequency: ``"h"``, ``"D"``, ``"W"``, ``"MS"``, ...; periods are
    UTC, binned as :meth:`pandas.DataFrame.resample` does).  Periods with no
    generation are 0.  Generations without ``created_at`` are left out.

    Parameters
    ----------
    freq : str
        Period length.
    by : str, list of str or None
        ``None``: one column, ``total_cost_usd``.  Otherwise the ``top``
        groups by total cost, most expensive first, then ``other`` holding
        the rest (only when there is a rest).  Labels of several keys are
        joined with `` / ``.
    top : int
        How many groups keep a column of their own.

    Returns
    -------
    pandas.DataFrame
        ``float64`` costs in USD on a UTC ``DatetimeIndex`` named
        ``created_at``; no rows for an empty frame.

    Examples
    --------
    >>> from openrouter_frame import generations_to_frame
    >>> from openrouter_frame.summary import cost_over_time
    >>> from openrouter_frame.testing import serve
    >>> with serve() as sim:
    ...     df = generations_to_frame(sim.ids(80), api_key=sim.api_key, base_url=sim.base_url)
    >>> weekly = cost_over_time(df, freq="W", by="model", top=3)
    >>> weekly.columns[-1], len(weekly.columns)
    ('other', 4)
    >>> bool(abs(weekly.to_numpy().sum() - df["total_cost"].sum()) < 1e-9)
    True
    """
    if isinstance(top, bool) or not isinstance(top, numbers.Integral) or top < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}")
    to_offset(freq)  # ValueError for an unknown frequency, even on an empty frame
    groups = group(frame, by, ["created_at", "total_cost"], "cost_over_time")
    cost = np.nan_to_num(floats(frame, "total_cost"), nan=0.0)
    if by is None:
        folded = Groups(groups.codes, pd.Index(["total_cost_usd"], dtype=object))
    else:
        folded = groups.fold(groups.sums(cost), top)
    when = timestamps(frame)
    keep = ~np.isnat(when)
    index = pd.DatetimeIndex(when[keep], name="created_at").tz_localize("UTC")
    series = pd.Series(cost[keep], index=index)
    labels = list(folded.index)
    if not keep.any():
        empty = pd.DatetimeIndex([], dtype="datetime64[us, UTC]", name="created_at")
        out = pd.DataFrame({label: pd.Series([], dtype="float64") for label in labels},
                           index=empty)
    else:
        binned = series.groupby([pd.Grouper(freq=freq), folded.codes[keep]]).sum()
        out = binned.unstack(fill_value=0.0).resample(freq).sum()
        out = out.reindex(columns=range(len(labels)), fill_value=0.0).astype("float64")
        out.columns = pd.Index(labels, dtype=object)
    out.columns.name = " / ".join(normalize_by(by)) or None
    return out
