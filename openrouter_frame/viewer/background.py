"""The viewer's slow work, done in threads so that a click never waits for it.

:class:`ContentLoads` fetches a generation's conversation through the function
the viewer was given and keeps the last answers; :class:`ChartPainter` draws
the distribution chart in one thread (matplotlib is only ever used from it)
and keeps each model's figure for reuse.  Both hand their result to a callback;
neither knows about widgets.

Examples
--------
>>> shown = []
>>> loads = ContentLoads(lambda gid: {"completion": gid.upper()},
...                      lambda gid, result: shown.append(result))
>>> loads.fetch("gen-1"); loads.wait()
>>> shown, loads.get("gen-1")
([{'completion': 'GEN-1'}], {'completion': 'GEN-1'})
"""

from __future__ import annotations

import concurrent.futures
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np

from .chart import DistributionChart

__all__ = ["ChartPainter", "ContentLoader", "ContentLoads", "ContentResult"]

#: The function that loads one generation's content: ``load(id) -> row`` (a mapping with
#: ``prompt``, ``messages``, ``completion``, ``reasoning``, ``stored``), raising on failure.
ContentLoader = Callable[[str], Mapping[str, Any]]
#: What a load gives: the row, or the exception it raised.
ContentResult = Mapping[str, Any] | BaseException
_MAX_CHARTS = 16  # figures kept for reuse (oldest dropped first)
_MAX_CONTENTS = 256  # contents kept in memory (oldest dropped first)


class ContentLoads:
    """Conversations fetched in two worker threads, the last 256 kept in memory.

    Parameters
    ----------
    loader : callable
        ``loader(id) -> mapping``; whatever it raises is kept as the result.
    landed : callable
        ``landed(id, result)``, called in the worker thread when a load ends;
        the viewer shows it only if that id is still selected.
    """

    def __init__(self, loader: ContentLoader,
                 landed: Callable[[str, ContentResult], None]) -> None:
        self._loader = loader
        self._landed = landed
        self._results: OrderedDict[str, ContentResult] = OrderedDict()
        self._lock = threading.Lock()
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._running: set[concurrent.futures.Future[None]] = set()

    def get(self, generation_id: str) -> ContentResult | None:
        """The kept result of an id, ``None`` if it was never loaded (or dropped)."""
        with self._lock:
            return self._results.get(generation_id)

    def fetch(self, generation_id: str) -> None:
        """Start loading an id in a worker thread."""
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=2, thread_name_prefix="orgen-content")
        future = self._pool.submit(self._load, generation_id)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: concurrent.futures.Future[None]) -> None:
        with self._lock:
            self._running.discard(future)

    def _load(self, generation_id: str) -> None:
        try:
            result: ContentResult = self._loader(generation_id)
        except Exception as exc:  # noqa: BLE001 - shown in the panel, never raised in a thread
            result = exc
        with self._lock:
            self._results[generation_id] = result
            while len(self._results) > _MAX_CONTENTS:
                self._results.popitem(last=False)
        self._landed(generation_id, result)

    def wait(self, timeout: float = 10.0) -> None:
        """Wait until every load started so far has ended (at most ``timeout`` seconds)."""
        with self._lock:
            running = list(self._running)
        concurrent.futures.wait(running, timeout=timeout)


class ChartPainter:
    """Draws distribution charts in one thread; only the last one asked for is shown.

    Parameters
    ----------
    show : callable
        ``show(png)``, called in the chart thread with the PNG bytes of the
        latest chart asked for (a chart superseded before it is done is dropped).
    """

    def __init__(self, show: Callable[[bytes], None]) -> None:
        self._show = show
        self._charts: OrderedDict[Hashable, DistributionChart] = OrderedDict()
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._future: concurrent.futures.Future[None] | None = None
        self._jobs = itertools.count()
        self._job: int | None = None

    def draw(self, key: Hashable, values: np.ndarray, x: float, label: str, *, xlabel: str,
             title: str, money: bool) -> None:
        """Draw ``values``' distribution with ``x`` marked (NaN: no mark) and labelled.

        ``key`` names the figure kept for reuse (one per metric and model); the
        figure is built from ``values``, ``xlabel``, ``title`` and ``money`` the first
        time only.
        """
        job = self._job = next(self._jobs)
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="orgen-chart")

        def run() -> None:
            if self._job != job:
                return  # superseded before it started
            chart = self._charts.get(key)
            if chart is None:
                if len(self._charts) >= _MAX_CHARTS:
                    self._charts.popitem(last=False)
                chart = self._charts[key] = DistributionChart(
                    values, xlabel=xlabel, title=title, log=None if money else True,
                    money=money)
            png = chart.png(None if np.isnan(x) else x, label)
            if self._job == job:
                self._show(png)

        self._future = self._pool.submit(run)

    def cancel(self) -> None:
        """Show nothing of the charts asked for so far."""
        self._job = None

    def wait(self, timeout: float = 30.0) -> None:
        """Wait until the last chart asked for is drawn; re-raises what drawing raised."""
        future = self._future
        if future is not None:
            future.result(timeout=timeout)
