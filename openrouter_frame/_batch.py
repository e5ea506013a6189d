"""Run a batch of ids through a client's worker pool; collect records and failures."""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import schema
from ._ids import normalize_ids
from .errors import OpenRouterError
from .frame import failures_frame, records_to_frame

if TYPE_CHECKING:
    from .client import OpenRouterClient

#: ``progress=None`` shows a bar for batches at least this large.
PROGRESS_THRESHOLD = 100


@dataclass(repr=False)
class FetchResult:
    """What a batch fetched: ``frame`` (typed records) and ``failures``.

    ``failures`` has columns ``id`` (string), ``status`` (Int64, NA for
    network errors and ids a stopped batch never tried) and ``error``.
    Every input id is in exactly one of the two.
    """

    frame: pd.DataFrame
    failures: pd.DataFrame
    records: list[dict[str, Any]] = field(default_factory=list)

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


def _progress_bar(progress: bool | None, total: int) -> Any:
    show = progress if progress is not None else total >= PROGRESS_THRESHOLD
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not show, desc="generations", unit="id")


def run_batch(client: OpenRouterClient, ids: Any, *, progress: bool | None,
              dtype_backend: str) -> FetchResult:
    """Fetch ``ids`` through ``client``; see :meth:`OpenRouterClient.fetch`."""
    from .client import FATAL_STATUSES, _Stopped

    schema._check_backend(dtype_backend)
    todo = normalize_ids(ids)
    key = client._require_key()
    records: dict[str, dict[str, Any]] = {}
    if client.cache is not None and todo:
        records.update(client.cache.get_many(key, todo))
    pending = [i for i in todo if i not in records]
    failures: dict[str, tuple[int | None, str]] = {}
    fatal: OpenRouterError | None = None
    stop = threading.Event()
    bar = _progress_bar(progress, len(todo))
    bar.update(len(records))
    executor = ThreadPoolExecutor(max_workers=max(1, min(client.max_workers, len(pending))),
                                  thread_name_prefix="openrouter_frame")
    futures: dict[Future[dict[str, Any]], str] = {}
    try:
        futures = {executor.submit(client._get, i, stop): i for i in pending}
        for future in as_completed(futures):
            id = futures[future]
            try:
                data = future.result()
            except (_Stopped, CancelledError):
                continue
            except OpenRouterError as exc:
                failures[id] = (exc.status, exc.message)
                if exc.status in FATAL_STATUSES and fatal is None:
                    fatal = exc
                    stop.set()
                    for other in futures:
                        other.cancel()
                bar.set_postfix(failed=len(failures), refresh=False)
            else:
                records[id] = data
                if client.cache is not None:
                    client.cache.put(key, id, data)
            bar.update(1)
    except BaseException:
        stop.set()
        for other in futures:
            other.cancel()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        bar.close()
    if fatal is not None:
        reason = f"not fetched: the batch stopped at HTTP {fatal.status}"
        for i in pending:
            if i not in records and i not in failures:
                failures[i] = (None, reason)
    ordered = [records[i] for i in todo if i in records]
    result = FetchResult(
        frame=records_to_frame(ordered, dtype_backend=dtype_backend),
        failures=failures_frame(
            ((i, *failures[i]) for i in todo if i in failures), dtype_backend=dtype_backend),
        records=ordered,
    )
    if fatal is not None:
        raise type(fatal)(
            f"{fatal.message} (batch stopped: {len(result.frame)} fetched, "
            f"{len(result.failures)} not; see .result)",
            status=fatal.status, id=fatal.id, result=result,
        )
    return result
