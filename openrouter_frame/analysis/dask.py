"""``df.orgen`` on a Dask DataFrame: the same summaries, computed by Dask.

Importing this module registers the accessor on ``dask.dataframe.DataFrame``
(:func:`dask.dataframe.extensions.register_dataframe_accessor`).
``openrouter_frame.read_dataset(..., engine="dask")`` imports it, so its frames
have ``.orgen`` already; a frame built another way (``dd.read_parquet``,
``dd.from_pandas``) gets it once ``import openrouter_frame.analysis.dask`` has
run.  ``import openrouter_frame`` alone never imports dask (it is the optional
``[dask]`` extra).

How it computes
    Every summary is written once (:mod:`.partials`): per-row inputs, per-group
    reductions, one finish step.  Here each partition computes its small
    pandas partial (per-group counts, sums, counts of known values, minima and
    maxima, tallies, first uses, sketches), partials merge in Dask's tree
    reduction (:meth:`dask.dataframe.DataFrame.reduction`), and the finish step
    of the pandas summary turns the merged partial into the result.  Methods
    that need several reductions compute them in one ``dask.compute`` pass;
    only :meth:`~DaskGenerationsAccessor.cost_over_time` (and what draws it)
    reads ``created_at`` once more first, for the first and last instant that
    fix the periods.

What equals pandas
    Each method returns the pandas accessor's result on the same rows: same
    index, columns and dtypes.  Counts, sums, means, shares, minima and maxima
    are equal (sums to float rounding).  Percentiles (``*_p50``, ``median_*``)
    are within :data:`~.partials.ALPHA` (0.5 %) relative of pandas' exact ones
    (see :mod:`.partials` for the bound).  :meth:`~DaskGenerationsAccessor.top`
    gives the same rows in the same order; their index is each partition's own.
    Groups merge across partitions by label (``<NA>`` included), and the ``top``
    folds into ``other`` happen after the merge, as pandas makes them.

Examples
--------
>>> import dask, dask.dataframe as dd
>>> import openrouter_frame.analysis.dask  # registers df.orgen on Dask frames
>>> from openrouter_frame.testing import sample_frame
>>> frame = sample_frame(200)
>>> lazy = dd.from_pandas(frame, npartitions=4)
>>> with dask.config.set(scheduler="synchronous"):
...     table = lazy.orgen.cost_summary(by="model")
>>> table["count"].equals(frame.orgen.cost_summary(by="model")["count"])
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.dataframe.extensions import register_dataframe_accessor

from ..errors import SchemaWarning, check_whole
from . import attempts, plotting, summary
from .accessor import typed_frame, validate
from .display import rich, schema_units
from .groups import By, group_by, normalize_by
from .metrics import check_percentiles, flag_inputs, floats, native_tokens, require
from .partials import (
    Inputs,
    combine,
    empty_partial,
    from_partials,
    group_labels,
    partial,
    sketch_quantiles,
    sketch_values,
)
from .report import TOP_BY, Report, draw_report

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["DaskGenerationsAccessor"]

#: Columns each summary's inputs read (besides its ``by`` keys): a Dask frame reads no
#: others.  A column missing here reads as absent (NA): the equality tests against
#: the pandas accessor (tests/analysis/test_dask.py) catch that.
_COST = ["total_cost", "native_tokens_prompt", "native_tokens_completion", "cache_discount"]
_SPEED = ["latency", "generation_time", "native_tokens_completion", "tokens_completion"]
_READS: dict[str, list[str]] = {
    "summary": [*_COST, *_SPEED, "native_tokens_reasoning", "native_tokens_cached",
                "cancelled", "is_byok", "streamed", "finish_reason", "provider_responses",
                "created_at"],
    "cost_summary": [*_COST, "upstream_inference_cost", "is_byok"],
    "latency_summary": _SPEED,
    "finish_reasons": ["finish_reason", "cancelled"],
    "cost_over_time": ["created_at", "total_cost"],
    "fallbacks": ["provider_responses"],
    "attempts": ["id", "provider_responses", "upstream_id"],
    "sessions": list(attempts.SESSION_COLUMNS),
    "created_at": ["created_at"],
    "tokens_vs_cost": ["total_cost", "native_tokens_prompt", "native_tokens_completion"],
    "latency": _SPEED,
}


# -- what runs on each partition (module functions: workers import them by name) -----------
def _chunk(part: pd.DataFrame, *, inputs: Callable[..., Inputs], keys: list[str],
           rows: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
           args: tuple[Any, ...] = (), bins: tuple[str, tuple[Any, Any]] | None = None
           ) -> pd.DataFrame:
    """One partition's partial: ``inputs(frame, *args)`` reduced per group of ``keys``."""
    frame = typed_frame(part)
    if rows is not None:
        frame = rows(frame)
    groups = group_by(frame, keys or None)
    binned = None
    if bins is not None:
        freq, ends = bins
        binned = {"total_cost": summary.cost_over_time_bins(frame, freq, ends)}
    return partial(groups, inputs(frame, *args), binned)


def _top_chunk(part: pd.DataFrame, n: int, by: str) -> pd.DataFrame:
    return summary.top(typed_frame(part), n=n, by=by)


def _attempts_chunk(part: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One partition's :func:`~.attempts.provider_attempts`, with the columns of ``meta``."""
    out = attempts.provider_attempts(typed_frame(part))
    extra = [c for c in out.columns if c not in columns]
    if extra:
        warnings.warn(f"provider_attempts on a Dask frame has fixed columns: item keys "
                      f"{extra} are not among them (compute a pandas frame and call "
                      "df.orgen.provider_attempts() to keep them)", SchemaWarning, stacklevel=2)
    return out[columns]


def _sample_chunk(part: pd.DataFrame, keys: list[str], k: int) -> pd.DataFrame:
    """Up to ``k`` drawable points of a partition, those of smallest random key ``u``."""
    frame = typed_frame(part)
    cost = floats(frame, "total_cost")
    tokens = native_tokens(frame)
    rows = np.flatnonzero(plotting.scatter_rows(tokens, cost))
    groups = group_by(frame, keys or None)
    seed = [len(frame), *np.round(tokens[rows[:4]]).astype(np.int64).tolist()]
    u = np.random.default_rng(seed).random(len(rows))
    labels = np.empty(groups.n, dtype=object)
    labels[:] = group_labels(groups)
    out = pd.DataFrame({"u": u, "tokens": tokens[rows], "cost": cost[rows],
                        "group": labels[groups.codes[rows]] if groups.n else
                        np.empty(len(rows), dtype=object)})
    return _smallest(out, k)


def _smallest(points: pd.DataFrame, k: int) -> pd.DataFrame:
    return points.nsmallest(k, "u") if len(points) > k else points


def _latency_inputs(frame: pd.DataFrame, metric: str, log: bool) -> Inputs:
    return Inputs({"value": plotting.latency_values(frame, metric, log)}, quantiles=("value",))


def _created_inputs(frame: pd.DataFrame) -> Inputs:
    return Inputs({"created_at": floats(frame, "created_at")}, extremes=("created_at",))


def _scatter_inputs(frame: pd.DataFrame) -> Inputs:
    """Cost per row (the groups' weights) and whether the scatter can draw it (the total)."""
    cost = floats(frame, "total_cost")
    drawable = plotting.scatter_rows(native_tokens(frame), cost)
    return Inputs({"total_cost": cost, "drawable": drawable.astype(np.float64)})


@register_dataframe_accessor("orgen")
class DaskGenerationsAccessor:
    """``df.orgen`` on a ``dask.dataframe.DataFrame`` of OpenRouter generations.

    The methods of the pandas accessor
    (:class:`~openrouter_frame.analysis.accessor.GenerationsAccessor`), computed
    by Dask on the frame's partitions; each returns the small pandas result the
    pandas accessor returns on the same rows (see the module docstring for
    what is equal and what is within a bound), except
    :meth:`provider_attempts`, one row per attempt, which stays lazy.  Each
    call computes: keep the frame lazy and call the methods you need.

    Registered by ``import openrouter_frame.analysis.dask`` (which
    ``read_dataset(engine="dask")`` does); ``import openrouter_frame`` alone
    does not import dask.

    Raises
    ------
    AttributeError
        On ``df.orgen`` when ``df`` has none of the schema's columns.
    """

    def __init__(self, dask_obj: dd.DataFrame) -> None:
        validate(dask_obj.columns)
        self._obj = dask_obj

    # -- plumbing -------------------------------------------------------------------------
    def _meta(self) -> pd.DataFrame:
        """The frame's typed empty pandas frame: the pandas method on it checks the columns."""
        return typed_frame(self._obj._meta)

    def _columns(self, *reads: str, keys: Iterable[str] = ()) -> dd.DataFrame:
        """The frame with only the columns ``reads`` and ``keys`` (those it has)."""
        wanted = dict.fromkeys([*keys, *(c for r in reads for c in _READS[r])])
        return self._obj[[c for c in self._obj.columns if c in wanted]]

    def _reduction(self, reads: str, by: By = None, *, inputs: Callable[..., Inputs],
                   **kwargs: Any) -> Any:
        """The lazy merged partial of ``inputs`` over the frame, grouped by ``by``."""
        keys = normalize_by(by)
        frame = self._columns(reads, keys=keys)
        return frame.reduction(_chunk, aggregate=combine, combine=combine,
                               meta=empty_partial(),
                               chunk_kwargs={"inputs": inputs, "keys": keys, **kwargs})

    @staticmethod
    def _compute(*lazy: Any) -> tuple[Any, ...]:
        with dask.config.set({"dataframe.convert-string": False}):
            return dask.compute(*lazy)

    # -- summaries ------------------------------------------------------------------------
    def summary(self) -> pd.Series:
        """Totals, percentiles and rates of the whole frame (labels carry units).

        See :func:`openrouter_frame.analysis.summary.summary`; percentiles are
        within 0.5 % of pandas' (module docstring).

        Examples
        --------
        >>> import dask, dask.dataframe as dd
        >>> import openrouter_frame.analysis.dask
        >>> from openrouter_frame.testing import sample_frame
        >>> lazy = dd.from_pandas(sample_frame(100), npartitions=3)
        >>> with dask.config.set(scheduler="synchronous"):
        ...     lazy.orgen.summary()["generations"]
        100
        """
        summary.summary(self._meta())
        (merged,) = self._compute(self._summary())
        return rich(summary.summary_finish(from_partials(merged, [])))

    def _summary(self) -> Any:
        return self._reduction("summary", inputs=summary.summary_inputs)

    def cost_summary(self, by: By = "model") -> pd.DataFrame:
        """Cost per group, largest first: :func:`~openrouter_frame.analysis.summary.cost_summary`.

        Examples
        --------
        >>> import dask.dataframe as dd, openrouter_frame.analysis.dask
        >>> from openrouter_frame.testing import sample_frame
        >>> table = dd.from_pandas(sample_frame(90), npartitions=2).orgen.cost_summary(by=None)
        >>> table.index.tolist(), int(table["count"].iloc[0])
        (['all'], 90)
        """
        summary.cost_summary(self._meta(), by=by)
        (merged,) = self._compute(self._cost_summary(by))
        return rich(summary.cost_summary_finish(from_partials(merged, normalize_by(by))))

    def _cost_summary(self, by: By) -> Any:
        return self._reduction("cost_summary", by, inputs=summary.cost_summary_inputs)

    def latency_summary(self, by: By = "provider_name",
                        percentiles: float | Iterable[float] = (0.5, 0.9, 0.99)
                        ) -> pd.DataFrame:
        """Percentiles of latency, generation time (ms) and tokens per second per group.

        See :func:`openrouter_frame.analysis.summary.latency_summary`; the
        percentiles are within 0.5 % of pandas' (module docstring), and so is
        the median that orders the rows slowest first: groups whose medians are
        within 0.5 % of each other may swap places.
        """
        ps = check_percentiles(percentiles)
        summary.latency_summary(self._meta(), by=by, percentiles=ps)
        (merged,) = self._compute(self._reduction(
            "latency_summary", by, inputs=summary.latency_summary_inputs))
        return rich(summary.latency_summary_finish(from_partials(merged, normalize_by(by)), ps))

    def finish_reasons(self, by: By = "model") -> pd.DataFrame:
        """Share of each finish reason per group, plus the cancelled rate.

        See :func:`openrouter_frame.analysis.summary.finish_reasons`.
        """
        summary.finish_reasons(self._meta(), by=by)
        (merged,) = self._compute(self._reduction(
            "finish_reasons", by, inputs=_flag_inputs))
        return rich(summary.finish_reasons_finish(from_partials(merged, normalize_by(by))),
                    default="share")

    def cost_over_time(self, freq: str = "D", by: By = None, top: int = 8) -> pd.DataFrame:
        """Cost (USD) per period; columns are the ``top`` groups by cost plus ``other``.

        See :func:`openrouter_frame.analysis.summary.cost_over_time`.  Reads
        ``created_at`` twice: its first and last instant fix the periods.
        """
        return rich(self._cost_over_time(freq, by, top), default="usd")

    def _ends(self) -> tuple[Any, Any] | None:
        (merged,) = self._compute(self._reduction("created_at", inputs=_created_inputs))
        reduced = from_partials(merged, [])
        first, last = reduced.mins("created_at")[0], reduced.maxs("created_at")[0]
        if np.isnan(first):
            return None
        return (np.datetime64(int(first), "us"), np.datetime64(int(last), "us"))

    def _cost_over_time(self, freq: str, by: By, top: int) -> pd.DataFrame:
        summary.cost_over_time(self._meta(), freq=freq, by=by, top=top)
        lazy, periods = self._binned(freq, by, self._ends())
        (merged,) = self._compute(lazy)
        return _per_period(merged, periods, by, top)

    def _binned(self, freq: str, by: By, ends: tuple[Any, Any] | None
                ) -> tuple[Any, pd.DatetimeIndex | None]:
        """The lazy partial of cost per (group, period) and the periods (``None`` when
        nothing is dated: ``ends`` is ``None``)."""
        if ends is None:
            return self._reduction("cost_over_time", by,
                                   inputs=summary.cost_over_time_inputs), None
        return (self._reduction("cost_over_time", by, inputs=summary.cost_over_time_inputs,
                                bins=(freq, ends)), summary.periods_between(ends, freq))

    def top(self, n: int = 10, by: str = "total_cost") -> pd.DataFrame:
        """The ``n`` rows with the largest ``by`` (NA last), ties in the frame's order.

        See :func:`openrouter_frame.analysis.summary.top`: the same rows in the
        same order, each partition keeping its ``n`` largest; the index is each
        row's index in its partition.
        """
        summary.top(self._meta(), n=n, by=by)
        meta = self._meta()
        lazy = self._obj.reduction(_top_chunk, aggregate=_top_chunk, combine=_top_chunk,
                                   meta=meta, n=n, by=by)
        (rows,) = self._compute(lazy)
        return rich(rows, units=schema_units(rows.columns))

    # -- provider attempts and sessions -----------------------------------------------------
    def provider_attempts(self) -> dd.DataFrame:
        """One typed row per provider attempt, as a *lazy* Dask DataFrame.

        Built with ``map_partitions`` from
        :func:`openrouter_frame.analysis.attempts.provider_attempts` (one row per
        attempt is not small: nothing is computed here).  Its columns are
        :data:`~openrouter_frame.analysis.attempts.ATTEMPT_DTYPES`; an item key
        outside them is not a column (a lazy frame's columns are fixed) and a
        :class:`~openrouter_frame.errors.SchemaWarning` names it when computed.
        Each partition's index starts at 0.
        """
        meta = attempts.provider_attempts(self._meta())
        frame = self._columns("attempts")
        return frame.map_partitions(_attempts_chunk, list(meta.columns), meta=meta)

    def provider_summary(self, percentiles: float | Iterable[float] = (0.5, 0.9, 0.99)
                         ) -> pd.DataFrame:
        """Per provider: attempts, failure rate, latency percentiles (ms), generations served.

        See :func:`openrouter_frame.analysis.attempts.provider_summary`.
        """
        ps = check_percentiles(percentiles)
        attempts.provider_summary(self._meta(), percentiles=ps)
        (merged,) = self._compute(self._reduction(
            "attempts", "provider_name", inputs=attempts.provider_summary_inputs,
            rows=attempts.provider_attempts))
        return rich(attempts.provider_summary_finish(
            from_partials(merged, ["provider_name"]), ps))

    def fallbacks(self, by: By = "model") -> pd.DataFrame:
        """Per group: generations, those that fell back to another provider, and their rate.

        See :func:`openrouter_frame.analysis.attempts.fallbacks`.
        """
        attempts.fallbacks(self._meta(), by=by)
        (merged,) = self._compute(self._reduction("fallbacks", by,
                                                  inputs=attempts.fallbacks_inputs))
        return rich(attempts.fallbacks_finish(from_partials(merged, normalize_by(by))))

    def sessions(self) -> pd.DataFrame:
        """Per ``session_id``: generations, cost, wall span and models used, costliest first.

        See :func:`openrouter_frame.analysis.attempts.sessions`.  Models used in
        a session at the same instant are listed by name.
        """
        meta = self._meta()
        attempts.sessions(meta)
        (merged,) = self._compute(self._reduction(
            "sessions", "session_id", inputs=attempts.sessions_inputs,
            rows=attempts.session_rows))
        return rich(attempts.sessions_finish(from_partials(merged, ["session_id"]),
                                             "model" in meta.columns))

    # -- plots ------------------------------------------------------------------------------
    def plot_cost_over_time(self, freq: str = "D", by: By = None, top: int = 8,
                            ax: Axes | None = None) -> Axes:
        """Stacked bars of cost (USD) per period, by the ``top`` groups plus ``other``.

        :meth:`cost_over_time` drawn by
        :func:`openrouter_frame.analysis.plotting.plot_cost_over_time`'s code.
        """
        check_whole("top", top)
        require(self._meta(), ["created_at", "total_cost", *normalize_by(by)],
                "plot_cost_over_time")
        return plotting.draw_cost_over_time(self._cost_over_time(freq, by, top), freq=freq,
                                            by=by, ax=ax)

    def plot_cost_by(self, by: By = "model", top: int = 15, ax: Axes | None = None) -> Axes:
        """Horizontal bars of total cost (USD) per group, largest on top.

        :meth:`cost_summary` drawn by
        :func:`openrouter_frame.analysis.plotting.plot_cost_by`'s code.
        """
        check_whole("top", top)
        require(self._meta(), ["total_cost", *normalize_by(by)], "plot_cost_by")
        (merged,) = self._compute(self._cost_summary(by))
        table = summary.cost_summary_finish(from_partials(merged, normalize_by(by)))
        return plotting.draw_cost_by(table, by=by, top=top, ax=ax)

    def plot_latency(self, by: By = "provider_name", kind: str = "ecdf",
                     metric: str = "latency", top: int | None = 8, log: bool = True,
                     ax: Axes | None = None) -> Axes:
        """ECDF or box plot of latency, generation time or tokens per second by group.

        As :func:`openrouter_frame.analysis.plotting.plot_latency`, drawn from
        the merged sketches (:mod:`.partials`): an ECDF steps at each bucket's
        value (within 0.5 % of the values in it), the boxes, the medians that
        rank the groups slowest first and the median that picks the axis unit
        are sketch percentiles (groups whose medians are within 0.5 % may
        swap places); the counts in the legend are exact.
        """
        plotting.check_latency_args(kind, metric, top)
        meta = self._meta()
        require(meta, normalize_by(by), "plot_latency")
        plotting.latency_values(meta, metric, log)  # the columns the metric needs
        keys = normalize_by(by)
        (merged,) = self._compute(self._reduction(
            "latency", by, inputs=_latency_inputs, args=(metric, log)))
        reduced = from_partials(merged, keys)
        every = reduced.sketch("value", np.arange(reduced.n))
        median = sketch_quantiles(*every, np.array([0.5]))
        unit, per = plotting.latency_unit(median, metric)
        slowness = plotting.slowness_of(reduced.quantiles("value", (0.5,))[:, 0] / per, metric)
        folded = reduced.groups().fold(slowness, reduced.n if top is None else top)
        known = reduced.known("value")
        counts = np.bincount(folded.codes, weights=known, minlength=folded.n)
        curves: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        boxes = np.full((folded.n, len(plotting.BOX_QUANTILES)), np.nan)
        for g in np.flatnonzero(counts):
            codes, tally = reduced.sketch("value", np.flatnonzero(folded.codes == g))
            curves[int(g)] = plotting.ecdf_steps(sketch_values(codes) / per, np.cumsum(tally))
            boxes[g] = sketch_quantiles(codes, tally, np.asarray(plotting.BOX_QUANTILES)) / per
        return plotting.draw_latency([str(x) for x in folded.index], counts, curves, boxes,
                                     by=by, kind=kind, metric=metric, unit=unit, log=log,
                                     ax=ax)

    def plot_tokens_vs_cost(self, by: By = "model", top: int = 8, max_points: int = 20_000,
                            ax: Axes | None = None) -> Axes:
        """Scatter of cost (USD) against native tokens, log-log, coloured by model.

        As :func:`openrouter_frame.analysis.plotting.plot_tokens_vs_cost`: at most
        ``max_points`` generations, a uniform random sample drawn without
        replacement (each partition keeps its ``max_points`` points of smallest
        random key, the merge keeps the smallest overall): reproducible for the
        same partitions, not the pandas method's sample.
        """
        check_whole("top", top)
        check_whole("max_points", max_points)
        require(self._meta(), ["total_cost", "native_tokens_prompt",
                               "native_tokens_completion", *normalize_by(by)],
                "plot_tokens_vs_cost")
        keys = normalize_by(by)
        frame = self._columns("tokens_vs_cost", keys=keys)
        meta = pd.DataFrame({"u": pd.Series([], dtype="float64"),
                             "tokens": pd.Series([], dtype="float64"),
                             "cost": pd.Series([], dtype="float64"),
                             "group": pd.Series([], dtype=object)})
        sample = frame.reduction(_sample_chunk, aggregate=_smallest, combine=_smallest,
                                 meta=meta, chunk_kwargs={"keys": keys, "k": max_points},
                                 aggregate_kwargs={"k": max_points},
                                 combine_kwargs={"k": max_points})
        merged, points = self._compute(
            self._reduction("tokens_vs_cost", by, inputs=_scatter_inputs), sample)
        reduced = from_partials(merged, keys)
        folded = reduced.groups().fold(reduced.sums("total_cost"), top)
        position = {label: i for i, label in enumerate(group_labels(reduced.groups()))}
        points = points.sort_values("u", kind="stable")
        codes = np.array([folded.codes[position[g]] for g in points["group"]], dtype=np.intp)
        return plotting.draw_tokens_vs_cost(points["tokens"].to_numpy(),
                                            points["cost"].to_numpy(), codes,
                                            [str(x) for x in folded.index],
                                            int(np.nansum(reduced.sums("drawable"))),
                                            by=by, ax=ax)

    # -- report card ----------------------------------------------------------------------
    def report(self, top: int = 5) -> Report:
        """One HTML card: headline numbers, a daily-cost sparkline, the top models and providers.

        :func:`openrouter_frame.analysis.report.report`'s card, its parts computed
        in one pass after the one that finds the first and last ``created_at``.
        """
        check_whole("top", top, minimum=1)
        meta = self._meta()
        summary.summary(meta)
        bys = [by for by in TOP_BY if by in meta.columns]
        ends = self._ends() if "created_at" in meta.columns else None
        binned, periods = self._binned("D", None, ends)
        merged = self._compute(self._summary(), binned,
                               *(self._cost_summary(by) for by in bys))
        figures = summary.summary_finish(from_partials(merged[0], []))
        tables = {by: summary.cost_summary_finish(from_partials(part, [by]))
                  for by, part in zip(bys, merged[2:], strict=True)}
        daily = None if ends is None else \
            _per_period(merged[1], periods, None, 8)["total_cost_usd"]
        return draw_report(figures, daily, tables, top=top)


def _per_period(merged: pd.DataFrame, periods: pd.DatetimeIndex | None, by: By,
                top: int) -> pd.DataFrame:
    """:func:`~.summary.cost_over_time` of the merged partial of ``_binned``."""
    reduced = from_partials(merged, normalize_by(by))
    sums = None if periods is None else reduced.bins("total_cost", len(periods))
    return summary.cost_over_time_finish(reduced, sums, periods, by, top)


def _flag_inputs(frame: pd.DataFrame) -> Inputs:
    return flag_inputs(frame, "cancelled")


