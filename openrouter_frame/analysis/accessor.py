"""``df.orgen``: the pandas accessor over a generations frame.

Registered when :mod:`openrouter_frame` is imported.  It is a thin layer: each
method casts the frame's schema columns to the schema's dtypes with
:func:`~openrouter_frame.frame.coerce` (so a frame read back from CSV or JSON
works as well as a fresh or parquet one), then calls a pure function of
:mod:`openrouter_frame.analysis.summary` or :mod:`openrouter_frame.analysis.plotting`, where
every metric is defined.  matplotlib is imported only by the plot methods.

Examples
--------
>>> import openrouter_frame as orf
>>> from openrouter_frame.testing import sample_frame
>>> df = sample_frame(30)
>>> df.orgen.summary()["generations"]
30
>>> df.orgen.cost_summary(by="model")["count"].sum()
np.int64(30)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import schema
from ..frame import coerce
from . import attempts, pricing, summary
from . import reconcile as recon
from .display import install_na_display, rich, schema_units
from .groups import By

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["GenerationsAccessor", "register_viewer", "typed_frame", "validate"]

#: Builds the viewer for :meth:`GenerationsAccessor.view`; set by the package on import.
_viewer_factory: Callable[..., Any] | None = None


def register_viewer(factory: Callable[..., Any]) -> None:
    """Set what ``df.orgen.view()`` calls: ``factory(frame, selected=..., **options)``.

    The viewer sits above analysis (it formats with :mod:`.units`), and the
    content it shows comes from the HTTP layer, so analysis cannot import it;
    :mod:`openrouter_frame.api`, which composes the layers, registers it.
    """
    global _viewer_factory
    _viewer_factory = factory


def validate(columns: Any) -> None:
    """``AttributeError`` unless ``columns`` hold one of the schema's: what ``df.orgen`` needs."""
    if not any(name in columns for name in schema.COLUMNS):
        raise AttributeError(
            "df.orgen needs a frame of OpenRouter generations: this one has none of the "
            "schema's columns (such as 'id', 'total_cost', 'model', 'latency'); "
            "build one with openrouter_frame.generations_to_frame()"
        )


def typed_frame(obj: pd.DataFrame) -> pd.DataFrame:
    """``obj`` with its schema columns cast to the schema's dtypes: what every method reads.

    ``json`` columns are left as they are: the analysis reads them in every
    shape a file gives back (lists, NumPy or Arrow arrays, text), and
    rebuilding them as Python lists on every call would cost seconds per
    million rows after a parquet read.
    """
    nested = [c for c in obj.columns
              if c in schema.FIELDS and schema.FIELDS[c].kind == "json"]
    if _typed_already(obj, nested):
        return obj
    if not nested:
        return coerce(obj)
    typed = coerce(obj.drop(columns=nested))
    return typed.assign(**{c: obj[c] for c in nested})[list(obj.columns)]


#: The schema's dtypes of each backend (a frame of either is typed already).
_DTYPES = {backend: schema.dtypes(backend) for backend in schema.DTYPE_BACKENDS}


def _typed_already(obj: pd.DataFrame, nested: list[str]) -> bool:
    """Whether every schema column of ``obj`` but ``nested`` has its dtype of one backend."""
    if not obj.columns.is_unique:
        return False
    columns = [c for c in obj.columns if c in schema.FIELDS and c not in nested]
    dtypes = obj.dtypes
    return any(all(dtypes[c] == table[c] for c in columns) for table in _DTYPES.values())


@pd.api.extensions.register_dataframe_accessor("orgen")
class GenerationsAccessor:
    """Summaries, plots and a viewer for a frame of OpenRouter generations.

    Available on any DataFrame with at least one of the schema's columns
    (``id``, ``total_cost``, ``latency``, ...); a method that needs a column
    the frame lacks raises :class:`~openrouter_frame.errors.MissingColumnsError`
    (a ``KeyError``) naming the columns and the method.

    Which cost: every summary (``summary``, ``cost_summary``,
    ``cost_over_time``, ``sessions``, ``report``) and every plot sums
    ``total_cost``, what OpenRouter charged.  :meth:`effective_cost` adds the
    upstream provider's bill of a BYOK generation: what was really paid, the
    ``cost`` the viewer sorts, ranks and charts by.

    Raises
    ------
    AttributeError
        On ``df.orgen`` when ``df`` has none of the schema's columns.
    """

    def __init__(self, pandas_obj: pd.DataFrame) -> None:
        self._validate(pandas_obj)
        self._obj = pandas_obj

    @staticmethod
    def _validate(obj: pd.DataFrame) -> None:
        validate(obj.columns)

    def _frame(self) -> pd.DataFrame:
        return typed_frame(self._obj)

    # -- summaries ----------------------------------------------------------------------
    def summary(self) -> pd.Series:
        """Totals, percentiles and rates of the whole frame (labels carry units).

        See :func:`openrouter_frame.analysis.summary.summary` for each figure's definition.

        Examples
        --------
        >>> from openrouter_frame.testing import sample_frame
        >>> df = sample_frame(20)
        >>> "total_cost_usd" in df.orgen.summary().index
        True
        """
        return rich(summary.summary(self._frame()))

    def cost_summary(self, by: By = "model") -> pd.DataFrame:
        """Cost per group (a column, a list of them, or ``None`` for one row), largest first.

        See :func:`openrouter_frame.analysis.summary.cost_summary`.
        """
        return rich(summary.cost_summary(self._frame(), by=by))

    def latency_summary(self, by: By = "provider_name",
                        percentiles: float | Iterable[float] = (0.5, 0.9, 0.99)
                        ) -> pd.DataFrame:
        """Percentiles of latency, generation time (ms) and tokens per second, slowest first.

        See :func:`openrouter_frame.analysis.summary.latency_summary`.
        """
        return rich(summary.latency_summary(self._frame(), by=by, percentiles=percentiles))

    def cost_over_time(self, freq: str = "D", by: By = None,
                       top: int = 8) -> pd.DataFrame:
        """Cost (USD) per period; columns are the ``top`` groups by cost plus ``other``.

        See :func:`openrouter_frame.analysis.summary.cost_over_time`.
        """
        return rich(summary.cost_over_time(self._frame(), freq=freq, by=by, top=top),
                    default="usd")

    def finish_reasons(self, by: By = "model") -> pd.DataFrame:
        """Share of each finish reason per group, plus the cancelled rate.

        See :func:`openrouter_frame.analysis.summary.finish_reasons`.
        """
        return rich(summary.finish_reasons(self._frame(), by=by), default="share")

    def tokens_per_second(self) -> pd.Series:
        """Completion tokens per second of ``generation_time``, per row (NA, never inf).

        See :func:`openrouter_frame.analysis.summary.tokens_per_second`.
        """
        return summary.tokens_per_second(self._frame())

    def effective_cost(self) -> pd.Series:
        """What each generation really cost: ``total_cost`` plus the BYOK upstream bill (USD).

        See :func:`openrouter_frame.analysis.summary.effective_cost`.
        """
        return summary.effective_cost(self._frame())

    def top(self, n: int = 10, by: str = "total_cost") -> pd.DataFrame:
        """The ``n`` rows with the largest ``by`` (NA last), shown formatted by the schema's units.

        See :func:`openrouter_frame.analysis.summary.top`.
        """
        rows = summary.top(self._frame(), n=n, by=by)
        return rich(rows, units=schema_units(rows.columns))

    # -- provider attempts and sessions -------------------------------------------------
    def provider_attempts(self) -> pd.DataFrame:
        """One typed row per provider attempt (the fallback chain in ``provider_responses``).

        See :func:`openrouter_frame.analysis.attempts.provider_attempts`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"id": ["gen-1"], "provider_responses": [
        ...     [{"provider_name": "A", "status": 502}, {"provider_name": "B", "status": 200}]]})
        >>> df.orgen.provider_attempts()["served"].tolist()
        [False, True]
        """
        return attempts.provider_attempts(self._frame())

    def provider_summary(self, percentiles: float | Iterable[float] = (0.5, 0.9, 0.99)
                         ) -> pd.DataFrame:
        """Per provider: attempts, failure rate, latency percentiles (ms), generations served.

        See :func:`openrouter_frame.analysis.attempts.provider_summary`.
        """
        return rich(attempts.provider_summary(self._frame(), percentiles=percentiles))

    def fallbacks(self, by: By = "model") -> pd.DataFrame:
        """Per group: generations, those that fell back to another provider, and their rate.

        See :func:`openrouter_frame.analysis.attempts.fallbacks`.
        """
        return rich(attempts.fallbacks(self._frame(), by=by))

    def sessions(self) -> pd.DataFrame:
        """Per ``session_id``: generations, cost, wall span and models used, costliest first.

        See :func:`openrouter_frame.analysis.attempts.sessions`.
        """
        return rich(attempts.sessions(self._frame()))

    # -- billed activity and list prices ---------------------------------------------
    def reconcile(self, activity: pd.DataFrame,
                  by: By = ("date", "model")) -> pd.DataFrame:
        """Billed requests and spend (``orf.fetch_activity()``) against this frame, per group.

        ``.attrs["coverage_summary"]`` is the headline (:meth:`coverage_summary`).
        See :func:`openrouter_frame.analysis.reconcile.reconcile` for each definition.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"created_at": pd.to_datetime(["2026-11-01 09:00Z"]),
        ...                    "model": ["a/b"], "total_cost": [0.25]})
        >>> activity = pd.DataFrame({"date": ["2026-11-01"], "model": ["a/b"],
        ...                          "requests": [1], "usage": [1.0]})
        >>> float(df.orgen.reconcile(activity)["spend_coverage_share"].iloc[0])
        0.25
        """
        table = recon.reconcile(self._frame(), activity, by=by)
        out = rich(table)
        out.attrs.update(table.attrs)
        return out  # type: ignore[no-any-return]

    def coverage_summary(self, activity: pd.DataFrame) -> recon.Coverage:
        """How much of the billed spend this frame holds, in one sentence (``str()`` of it).

        See :func:`openrouter_frame.analysis.reconcile.coverage_summary`.
        """
        return recon.coverage_summary(self._frame(), activity)

    def expected_cost(self, prices: Any) -> pd.Series:
        """Each row's cost at list price (USD), from ``orf.fetch_prices()`` or a mapping.

        See :func:`openrouter_frame.analysis.pricing.expected_cost` for the formula.
        """
        return pricing.expected_cost(self._frame(), prices)

    def price_check(self, prices: Any, tolerance: float = 0.02) -> pd.DataFrame:
        """The rows whose billed cost is off their list price by more than ``tolerance``.

        Each with its likely reason; see
        :func:`openrouter_frame.analysis.pricing.price_check`.
        """
        return rich(pricing.price_check(self._frame(), prices, tolerance=tolerance))

    def reprice(self, prices: Any, to: str | dict[str, str]) -> pricing.Repricing:
        """What the same token counts would cost on model ``to`` (or ``{model: model}``).

        See :func:`openrouter_frame.analysis.pricing.reprice`.
        """
        return pricing.reprice(self._frame(), prices, to=to)

    # -- plots --------------------------------------------------------------------------
    def plot_cost_over_time(self, freq: str = "D", by: By = None, top: int = 8,
                            ax: Axes | None = None) -> Axes:
        """Stacked cost (USD) per period (bars, or a step area past 48 periods), by group.

        See :func:`openrouter_frame.analysis.plotting.plot_cost_over_time`.
        """
        from . import plotting

        return plotting.plot_cost_over_time(self._frame(), freq=freq, by=by, top=top, ax=ax)

    def plot_cost_by(self, by: By = "model", top: int = 15,
                     ax: Axes | None = None) -> Axes:
        """Horizontal bars of total cost (USD) per group, largest on top.

        See :func:`openrouter_frame.analysis.plotting.plot_cost_by`.
        """
        from . import plotting

        return plotting.plot_cost_by(self._frame(), by=by, top=top, ax=ax)

    def plot_latency(self, by: By = "provider_name", kind: str = "ecdf",
                     metric: str = "latency", top: int | None = 8, log: bool = True,
                     ax: Axes | None = None) -> Axes:
        """ECDF or box plot of latency, generation time (ms) or tokens per second by group.

        The ``top`` slowest groups by median (``None``: all) are drawn, slowest first.

        See :func:`openrouter_frame.analysis.plotting.plot_latency`.
        """
        from . import plotting

        return plotting.plot_latency(self._frame(), by=by, kind=kind, metric=metric, top=top,
                                     log=log, ax=ax)

    def plot_tokens_vs_cost(self, by: By = "model", top: int = 8,
                            max_points: int = 20_000, ax: Axes | None = None) -> Axes:
        """Scatter of cost (USD) against native tokens, log-log, coloured by model.

        See :func:`openrouter_frame.analysis.plotting.plot_tokens_vs_cost`.
        """
        from . import plotting

        return plotting.plot_tokens_vs_cost(self._frame(), by=by, top=top,
                                            max_points=max_points, ax=ax)

    # -- report card ------------------------------------------------------------------
    def report(self, top: int = 5, activity: pd.DataFrame | None = None) -> Any:
        """One HTML card: headline numbers, a daily-cost sparkline, the top models and providers.

        With ``activity`` (``orf.fetch_activity()``) the card also shows how
        much of the billed spend the frame covers (:meth:`coverage_summary`).

        See :func:`openrouter_frame.analysis.report.report`.

        Examples
        --------
        >>> from openrouter_frame.testing import sample_frame
        >>> card = sample_frame(50).orgen.report()
        >>> "<svg" in card._repr_html_()
        True
        """
        from .report import report

        return report(self._frame(), top=top, activity=activity)

    # -- viewer (drill-down issue) ------------------------------------------------------
    def view(self, selected: Any = None, **options: Any) -> Any:
        """Open a :class:`~openrouter_frame.GenerationViewer` on this frame.

        ``selected`` is the id to show first (default: the most expensive).
        Needs ipywidgets; imported only when called.
        """
        if _viewer_factory is None:
            raise RuntimeError("no viewer registered: import openrouter_frame first")
        return _viewer_factory(self._obj, selected=selected, **options)


install_na_display()  # in IPython: missing categories show as <NA>, not NaN
