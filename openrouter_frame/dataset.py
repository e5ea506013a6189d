"""A team's whole history on disk: a hive-partitioned parquet dataset that grows run by run.

:func:`fetch_to_dataset` streams generation records into
``PATH/created_date=YYYY-MM-DD/part-<uuid>.parquet`` a chunk of ids at a time
(bounded memory whatever the number of ids); :func:`write_dataset` writes records
already at hand (Arrow tables, record batches, lists of records) with the same
writer, no HTTP; :func:`read_dataset` reads a date
range back as a typed pandas frame, or as a ``dask.dataframe.DataFrame`` with
the same dtypes.

The layout, for readers that are not this package (``pd.read_parquet``,
DuckDB, Spark, Dask):

* One file per (chunk, UTC day of ``created_at``).  Every file has the same
  Arrow schema, :data:`GENERATION_SCHEMA`: each schema field as its kind's
  Arrow type (:data:`openrouter_frame.schema.ARROW_TYPES`), the ``json`` field
  ``provider_responses`` as the list of structs
  :data:`openrouter_frame.schema.ATTEMPTS_TYPE` (as
  :func:`~openrouter_frame.frame.io.write_frame` stores it: typed children,
  and an ``_extra`` JSON child with whatever else an item had), and
  :data:`EXTRA_COLUMN` holding any keys the service sent outside the schema as
  a JSON object (null when none), so no value is dropped.
  A ``provider_responses`` cell that is not a list (a single object, text)
  is stored as a one-item list whose item is kept whole in ``_extra``.
* A record without ``created_at`` goes to ``created_date=__null__``
  (:data:`NULL_PARTITION`): :func:`read_dataset` reads it only without a date
  range; other readers see ``created_date == "__null__"``.
* Files are written under a hidden temporary name (``.part-<uuid>.parquet.tmp``)
  then renamed, so an interruption leaves only complete files; readers skip
  names starting with ``.`` or ``_``.
* ``PATH/_failures.csv``: the ids the last run could not fetch (``id``,
  ``status``, ``error``), rewritten by every run.
* With ``content=True``, contents go to the sibling dataset ``PATH_contents``
  (:func:`contents_path`), partitioned the same way, one row per id:
  ``id``, ``prompt``, ``messages`` (JSON text), ``completion``, ``reasoning``,
  ``error``, ``extra``, ``stored``.

Examples
--------
>>> import tempfile, openrouter_frame as orf
>>> from openrouter_frame.testing import serve
>>> folder = tempfile.mkdtemp()
>>> with serve() as sim:
...     first = orf.fetch_to_dataset(sim.ids(30), folder, api_key=sim.api_key,
...                                  base_url=sim.base_url)
...     again = orf.fetch_to_dataset(sim.ids(40), folder, api_key=sim.api_key,
...                                  base_url=sim.base_url)
>>> first.written, again.skipped, again.written
(30, 30, 10)
>>> len(orf.read_dataset(folder))
40
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from . import schema
from .api import CONTENT_FAILED, OpenRouterClient, _client_for, _failure_rows
from .errors import OpenRouterError
from .fetch import conceal, normalize_ids
from .frame import FetchResult, coerce, failures_frame, records_to_frame
from .frame.contents import CONTENT_COLUMNS
from .frame.kinds import json_readback_many, json_texts
from .frame.nested import to_arrow
from .frame.result import counted
from .schema import is_na

if TYPE_CHECKING:
    import dask.dataframe as dd

#: The partition column (``created_date=YYYY-MM-DD``, the UTC day of ``created_at``).
PARTITION = "created_date"
#: The directory value of records without ``created_at``.  :func:`read_dataset` reads it
#: as null; other readers see this text (Hive's own ``__HIVE_DEFAULT_PARTITION__``
#: would make ``pd.read_parquet`` of the whole dataset fail: pyarrow cannot yet turn a
#: dictionary partition column holding a null into pandas).
NULL_PARTITION = "__null__"
#: Keys the service sent outside the schema, as one JSON object per row (null when none).
EXTRA_COLUMN = "_extra"
#: The failures of the last run, inside the dataset directory (readers skip ``_`` names).
FAILURES_FILE = "_failures.csv"
#: Ids fetched (and rows written) per chunk: what bounds memory.
CHUNK_SIZE = 10_000
PARTITIONS = ("day",)
ENGINES = ("pandas", "dask")
DASK_EXTRA = 'pip install "openrouter-frame[dask]"'


#: The Arrow schema of every records file: the schema's fields, then :data:`EXTRA_COLUMN`.
#: (Files written before provider_responses was a list of structs hold it as JSON text:
#: :func:`read_dataset` reads those too.)
GENERATION_SCHEMA = pa.schema(
    [pa.field(name, schema.ARROW_TYPES[f.kind]) for name, f in schema.FIELDS.items()]
    + [pa.field(EXTRA_COLUMN, pa.string())])
#: The Arrow schema of every contents file (``messages`` as JSON text).
CONTENT_SCHEMA = pa.schema(
    [pa.field(name, pa.bool_() if name == "stored" else pa.string())
     for name in CONTENT_COLUMNS])
_PARTITIONING = ds.HivePartitioning(pa.schema([(PARTITION, pa.string())]),
                                    null_fallback=NULL_PARTITION)


def contents_path(path: str | os.PathLike[str]) -> Path:
    """Where :func:`fetch_to_dataset` keeps the contents of the dataset at ``path``.

    >>> contents_path("history").name
    'history_contents'
    """
    path = Path(path)
    return path.with_name(path.name + "_contents")


class DatasetResult:
    """What one :func:`fetch_to_dataset` run did.

    Attributes
    ----------
    path : Path
        The dataset.
    written : int
        Records written by this run.
    skipped : int
        Ids already in the dataset: neither fetched nor written.
    files : list of Path
        The parquet files this run added (records, then contents).
    failures : pandas.DataFrame
        ``id``, ``status``, ``error`` of the ids not fetched (also in
        ``path/_failures.csv``); a content that failed has its error begin ``content:``.
    contents_written, contents_skipped : int
        The same counts for the contents dataset (0 without ``content=True``).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = self.skipped = self.contents_written = self.contents_skipped = 0
        self.files: list[Path] = []
        self.failures = failures_frame([])

    @property
    def ok(self) -> bool:
        """True when no id failed."""
        return self.failures.empty

    def __repr__(self) -> str:
        return (f"DatasetResult({str(self.path)!r}, {self.written} written, {self.skipped} "
                f"skipped, {counted(len(self.failures), 'failure')})")


# -- writing ----------------------------------------------------------------------------
def fetch_to_dataset(ids: str | Iterable[Any], path: str | os.PathLike[str], *,
                     partition: str = "day", content: bool = False,
                     chunk_size: int = CHUNK_SIZE, **fetch_kwargs: Any) -> DatasetResult:
    """Fetch generations into the parquet dataset at ``path``, skipping ids it holds.

    Parameters
    ----------
    ids : str or iterable of str
        Generation ids (as :func:`~openrouter_frame.fetch_generations` takes them).
    path : str or path
        The dataset directory (created if missing); see the module docs for its layout.
    partition : {"day"}
        One directory per UTC day of ``created_at``.
    content : bool
        Also fetch each id's stored prompt and output into :func:`contents_path`
        (ids whose content is there already are skipped).
    chunk_size : int
        Ids fetched and written at a time (memory grows with it, not with ``ids``).
    **fetch_kwargs
        ``api_key``, ``base_url``, ``client``, ``max_workers``, ``cache``,
        ``session``, ``progress``: as :func:`~openrouter_frame.fetch_generations`.

    Returns
    -------
    DatasetResult
        The counts, the files written and the failures.

    Raises
    ------
    AuthenticationError, InsufficientCreditsError
        On 401/402: the records fetched before are written first (the next
        run continues from there).
    """
    if partition not in PARTITIONS:
        raise ValueError(f"partition must be one of {PARTITIONS}, got {partition!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size!r}")
    progress = fetch_kwargs.pop("progress", None)
    if "api_key" in fetch_kwargs:  # no plain key in tracebacks
        fetch_kwargs["api_key"] = conceal(fetch_kwargs["api_key"])
    root = Path(path)
    todo = normalize_ids(ids)
    root.mkdir(parents=True, exist_ok=True)
    result = DatasetResult(root)
    dates = present_ids(root, todo)
    result.skipped = len(dates)
    failed: list[tuple[str, int | None, str]] = []
    try:
        with _client_for(fetch_kwargs.pop("client", None), **fetch_kwargs) as client:
            pending = [i for i in todo if i not in dates]
            written = dates if content else None  # the day of each id, for its content
            for chunk in _chunks(pending, chunk_size):
                _fetch_chunk(client, chunk, root, progress, result, written, failed)
            if content:
                _fetch_contents(client, [i for i in todo if i in dates], dates, root,
                                chunk_size, progress, result, failed)
    finally:
        result.failures = failures_frame(failed)
        result.failures.to_csv(root / FAILURES_FILE, index=False)
    return result


def _chunks(ids: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _kept(fetch: Callable[..., FetchResult], chunk: Sequence[str], progress: bool | None
          ) -> tuple[FetchResult, OpenRouterError | None]:
    """``fetch(chunk)`` as a pyarrow-typed result, and the 401/402 that stopped it (else None).

    A stopped batch's error carries what came before it (``.result``): that is
    returned to be written, and the error to be raised after the write.
    """
    try:
        return fetch(chunk, progress=progress, dtype_backend="pyarrow"), None
    except OpenRouterError as exc:
        if exc.result is None:
            raise
        return exc.result, exc


def _fetch_chunk(client: OpenRouterClient, chunk: Sequence[str], root: Path,
                 progress: bool | None, result: DatasetResult,
                 dates: dict[str, str | None] | None,
                 failed: list[tuple[str, int | None, str]]) -> None:
    """Fetch one chunk of records and write them; a 401/402 writes what came, then raises.

    ``dates``, when given, gets the day of each id written.
    """
    fetched, stopped = _kept(client.fetch, chunk, progress)
    failed.extend(_failure_rows(fetched.failures))
    table = _records_table(fetched.frame, fetched.records)
    days = _append(table, root, result)
    if dates is not None:
        dates.update(zip(table["id"].to_pylist(), days.to_pylist(), strict=True))
    if stopped is not None:
        raise stopped


def _append(table: pa.Table, root: Path, result: DatasetResult) -> pa.Array | pa.ChunkedArray:
    """Write a table of :data:`GENERATION_SCHEMA` into its days' partitions; return the days.

    The one writer of records files: :func:`fetch_to_dataset` and
    :func:`write_dataset` both call it.
    """
    days = pc.strftime(table["created_at"], format="%Y-%m-%d")
    result.files += _write(table, root, days)
    result.written += table.num_rows
    return days


def _records_table(frame: pd.DataFrame, records: list[dict[str, Any]]) -> pa.Table:
    """The chunk's frame as a table of :data:`GENERATION_SCHEMA`."""
    columns = []
    for name, field in zip(schema.COLUMNS, GENERATION_SCHEMA, strict=False):
        if schema.FIELDS[name].kind == "json":
            arr = to_arrow(frame[name])
            if arr is None:  # a cell that is not a list: kept whole, as an _extra item
                arr = to_arrow([None if is_na(c) else [c] for c in frame[name].tolist()])
            columns.append(arr)
        else:
            columns.append(pa.array(frame[name].array, field.type) if len(frame)
                           else pa.array([], field.type))
    extras = [{k: v for k, v in r.items() if k not in schema.FIELDS} for r in records]
    columns.append(pa.array(json_texts([e or None for e in extras]), pa.string()))
    return pa.Table.from_arrays(columns, schema=GENERATION_SCHEMA)


def _write(table: pa.Table, root: Path, days: pa.Array | pa.ChunkedArray) -> list[Path]:
    """Write ``table``'s rows, one file per day of ``days``; each file complete or absent."""
    written: list[Path] = []
    if table.num_rows == 0:
        return written
    unique = pc.unique(days).to_pylist()
    for day in unique:
        if len(unique) == 1:  # one day (a batch made a day at a time): no copy
            rows = table
        else:
            rows = table.filter(pc.is_null(days) if day is None else pc.equal(days, day))
        folder = root / f"{PARTITION}={NULL_PARTITION if day is None else day}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"part-{uuid.uuid4().hex}.parquet"
        temporary = folder / f".{name}.tmp"
        try:
            pq.write_table(rows, temporary)
            os.replace(temporary, folder / name)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        written.append(folder / name)
    return written


def records_table(records: Sequence[dict[str, Any]]) -> pa.Table:
    """Generation records (the service's ``data`` objects) as a table of :data:`GENERATION_SCHEMA`.

    Typed as :func:`~openrouter_frame.records_to_frame` types them; keys outside
    the schema go to :data:`EXTRA_COLUMN`.  What :func:`write_dataset` does with
    a list of records.

    Examples
    --------
    >>> from openrouter_frame.testing import Simulator
    >>> sim = Simulator()
    >>> table = records_table([sim.record(i) for i in sim.ids(3)])
    >>> table.num_rows, table.schema == GENERATION_SCHEMA
    (3, True)
    """
    records = list(records)
    return _records_table(records_to_frame(records, dtype_backend="pyarrow"), records)


def _as_table(item: pa.Table | pa.RecordBatch | Sequence[dict[str, Any]]) -> pa.Table:
    """One item of :func:`write_dataset`'s input as a table of :data:`GENERATION_SCHEMA`."""
    if isinstance(item, pa.RecordBatch):
        item = pa.Table.from_batches([item])
    if not isinstance(item, pa.Table):
        if isinstance(item, (str, bytes)) or not isinstance(item, Sequence):
            raise TypeError("write_dataset takes Arrow tables, record batches, lists of "
                            f"records or records, got {type(item).__name__}")
        return records_table(item)
    names = GENERATION_SCHEMA.names
    missing = [n for n in names if n not in item.column_names and n != EXTRA_COLUMN]
    unknown = [n for n in item.column_names if n not in names]
    if missing or unknown:
        raise ValueError(f"a table written to a dataset needs the schema's columns: "
                         f"missing {missing}, not in the schema {unknown} (keys outside "
                         f"the schema go to {EXTRA_COLUMN!r} as a JSON object)")
    if EXTRA_COLUMN not in item.column_names:
        item = item.append_column(EXTRA_COLUMN, pa.nulls(item.num_rows, pa.string()))
    try:
        return item.select(names).cast(GENERATION_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ValueError(f"a table written to a dataset must have the dataset's Arrow "
                         f"types (dataset.GENERATION_SCHEMA): {exc}") from exc


def _tables(data: Any, chunk_size: int) -> Iterator[pa.Table]:
    """``data`` (see :func:`write_dataset`) as tables of at most ``chunk_size`` records each.

    Records given one by one are gathered ``chunk_size`` at a time; tables,
    batches and lists of records pass as they come.
    """
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        data = [data]
    elif isinstance(data, Sequence) and data and isinstance(data[0], dict):
        data = [data]
    pending: list[dict[str, Any]] = []
    for item in data:
        if isinstance(item, dict):
            pending.append(item)
            if len(pending) >= chunk_size:
                yield records_table(pending)
                pending = []
            continue
        if pending:
            yield records_table(pending)
            pending = []
        yield _as_table(item)
    if pending:
        yield records_table(pending)


def write_dataset(data: Any, path: str | os.PathLike[str], *, partition: str = "day",
                  skip_present: bool = True, chunk_size: int = CHUNK_SIZE) -> DatasetResult:
    """Write generation records into the parquet dataset at ``path``, without any HTTP.

    The writer :func:`fetch_to_dataset` uses, for records that are already at
    hand (a log, another store, a benchmark's generator).  ``data`` is
    consumed one item at a time, so memory follows the largest item, not the
    dataset.

    Parameters
    ----------
    data : table, record batch, list of records, or an iterable of those or of records
        Arrow tables or record batches with the columns of
        :data:`GENERATION_SCHEMA` (``_extra`` may be left out) in its types or
        types that cast to them; lists of generation records (the service's
        ``data`` objects, typed as :func:`~openrouter_frame.records_to_frame`
        types them; keys outside the schema are kept in ``_extra``); or single
        records, gathered ``chunk_size`` at a time.
    path : str or path
        The dataset directory (created if missing); see the module docs for its layout.
    partition : {"day"}
        One directory per UTC day of ``created_at``.
    skip_present : bool
        Leave out the rows whose id is in the dataset already (or earlier in
        ``data``), as :func:`fetch_to_dataset` does: each item costs a scan of
        the dataset's ``id`` column for its ids.  ``False`` writes every row as
        given (a fresh dataset, or ids known to be new).
    chunk_size : int
        Records gathered per file when ``data`` yields records one by one.

    Returns
    -------
    DatasetResult
        ``written``, ``skipped`` (rows left out by ``skip_present``) and ``files``.

    Raises
    ------
    ValueError
        A table lacks a schema column, has one the schema does not know, or
        holds a type that does not cast to the dataset's.
    TypeError
        An item is none of the above.

    Examples
    --------
    >>> import tempfile
    >>> from openrouter_frame.testing import Simulator
    >>> sim = Simulator()
    >>> folder = tempfile.mkdtemp()
    >>> first = write_dataset([sim.record(i) for i in sim.ids(20)], folder)
    >>> again = write_dataset((sim.record(i) for i in sim.ids(25)), folder, chunk_size=10)
    >>> first.written, again.skipped, again.written, len(read_dataset(folder))
    (20, 20, 5, 25)
    """
    if partition not in PARTITIONS:
        raise ValueError(f"partition must be one of {PARTITIONS}, got {partition!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size!r}")
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    result = DatasetResult(root)
    for table in _tables(data, chunk_size):
        if skip_present and table.num_rows:
            ids = table["id"].to_pylist()
            present = present_ids(root, ids)
            keep = [i not in present for i in ids]
            seen: set[str] = set()
            for k, i in enumerate(ids):  # a repeated id: its first row only
                keep[k] = keep[k] and i not in seen
                seen.add(i)
            result.skipped += len(ids) - sum(keep)
            table = table.filter(pa.array(keep, pa.bool_()))
        _append(table, root, result)
    return result


def _fetch_contents(client: OpenRouterClient, ids: list[str], dates: dict[str, str | None],
                    root: Path, chunk_size: int, progress: bool | None,
                    result: DatasetResult, failed: list[tuple[str, int | None, str]]) -> None:
    """Fetch the contents of ``ids`` (all in the records dataset) not yet in the sibling."""
    sibling = contents_path(root)
    have = present_ids(sibling, ids, contents=True)
    result.contents_skipped = len(have)
    for chunk in _chunks([i for i in ids if i not in have], chunk_size):
        fetched, stopped = _kept(client.fetch_contents, chunk, progress)
        failed.extend((i, status, CONTENT_FAILED + error)
                      for i, status, error in _failure_rows(fetched.failures))
        frame = fetched.frame
        columns = [pa.array(json_texts(frame[name].tolist()) if name == "messages"
                            else frame[name].array, CONTENT_SCHEMA.field(name).type)
                   for name in CONTENT_COLUMNS]
        table = pa.Table.from_arrays(columns, schema=CONTENT_SCHEMA)
        days = pa.array([dates[i] for i in table["id"].to_pylist()], pa.string())
        result.files += _write(table, sibling, days)
        result.contents_written += table.num_rows
        if stopped is not None:
            raise stopped


# -- reading ----------------------------------------------------------------------------
def _open(path: Path, file_schema: pa.Schema) -> ds.Dataset | None:
    if not path.is_dir():
        return None
    return ds.dataset(path, schema=file_schema.append(pa.field(PARTITION, pa.string())),
                      format="parquet", partitioning=_PARTITIONING)


def present_ids(path: str | os.PathLike[str], ids: Sequence[str], *,
                contents: bool = False) -> dict[str, str | None]:
    """The ids of ``ids`` already in the dataset at ``path``, each with its ``created_date``.

    Reads only the ``id`` column (and the partition names), filtered by
    ``ids``: memory follows ``ids``, not the dataset.  A missing ``path``
    holds none.  ``contents=True``: ``path`` is a contents dataset.
    """
    dataset = _open(Path(path), CONTENT_SCHEMA if contents else GENERATION_SCHEMA)
    if dataset is None or not ids:
        return {}
    found: dict[str, str | None] = {}
    wanted = pa.array(list(ids), pa.string())
    scanner = dataset.scanner(columns=["id", PARTITION], filter=pc.field("id").isin(wanted))
    for batch in scanner.to_batches():
        found.update(zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(),
                         strict=True))
    return found


def _day(value: Any, name: str) -> str:
    """``value`` (a date, a midnight timestamp or ``YYYY-MM-DD``) as ``YYYY-MM-DD``."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    if stamp != stamp.normalize():
        raise ValueError(f"{name} must be a day (the dataset is partitioned by UTC day), "
                         f"got {value!r}")
    return stamp.strftime("%Y-%m-%d")


def _filters(start: Any, end: Any, models: str | Sequence[str] | None
             ) -> tuple[ds.Expression | None, ds.Expression | None, list[str] | None]:
    """(the partition filter, the row filter, the models) of a read."""
    days = None
    if start is not None:
        days = pc.field(PARTITION) >= _day(start, "start")
    if end is not None:
        before = pc.field(PARTITION) < _day(end, "end")
        days = before if days is None else days & before
    if models is None:
        return days, None, None
    chosen = [models] if isinstance(models, str) else list(models)
    return days, pc.field("model").isin(pa.array(chosen, pa.string())), chosen


def selected_files(path: str | os.PathLike[str], *, start: Any = None, end: Any = None
                   ) -> list[str]:
    """The records files a read of days ``[start, end)`` opens: the partition pruning.

    Both engines of :func:`read_dataset` read exactly these files.
    """
    dataset = _open(Path(path), GENERATION_SCHEMA)
    if dataset is None:
        raise FileNotFoundError(f"no dataset at {path}")
    days, _, _ = _filters(start, end, None)
    return sorted(f.path for f in dataset.get_fragments(filter=days))


def _columns(columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        return list(GENERATION_SCHEMA.names)
    unknown = [c for c in columns if c not in GENERATION_SCHEMA.names]
    if unknown:
        raise ValueError(f"unknown column(s) {unknown}: a dataset has the schema's columns "
                         f"and {EXTRA_COLUMN!r}")
    return list(columns)


def _typed(frame: pd.DataFrame, dtype_backend: str) -> pd.DataFrame:
    """A read-back frame with the schema's dtypes (``provider_responses`` as lists of dicts).

    :data:`EXTRA_COLUMN` is the backend's text dtype.
    """
    frame = coerce(frame, dtype_backend=dtype_backend)
    if EXTRA_COLUMN in frame.columns:
        frame[EXTRA_COLUMN] = frame[EXTRA_COLUMN].astype(
            schema.kind_dtypes(dtype_backend)["string"])  # type: ignore[call-overload]
    return frame


def read_dataset(path: str | os.PathLike[str], *, start: Any = None, end: Any = None,
                 columns: Sequence[str] | None = None,
                 models: str | Sequence[str] | None = None, engine: str = "pandas",
                 dtype_backend: str = "numpy_nullable") -> pd.DataFrame | dd.DataFrame:
    """Read the dataset :func:`fetch_to_dataset` wrote as a typed frame.

    Parameters
    ----------
    path : str or path
        The dataset directory.
    start, end : date, ``"YYYY-MM-DD"`` or midnight timestamp, optional
        The UTC days ``start <= created_date < end`` (``end`` excluded, so
        ``start="2026-11-12", end="2026-11-13"`` is one day).  Only those
        days' files are opened (:func:`selected_files`); records without
        ``created_at`` are read only when neither is given.
    columns : list of str, optional
        The columns to read (default: the schema's, then ``_extra``).
    models : str or list of str, optional
        Keep only these models (pushed down to the parquet scan).
    engine : {"pandas", "dask"}
        ``"dask"`` returns a lazy ``dask.dataframe.DataFrame`` with the same
        dtypes (needs ``pip install "openrouter-frame[dask]"``).
    dtype_backend : {"numpy_nullable", "pyarrow"}
        The schema's dtypes of this backend (:func:`openrouter_frame.schema.dtypes`).

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
    """
    schema.check_backend(dtype_backend)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    names = _columns(columns)
    _, rows, chosen = _filters(start, end, models)
    files = selected_files(path, start=start, end=end)
    if engine == "dask":
        return _read_dask(files, names, chosen, dtype_backend)
    try:
        dataset = ds.dataset(files, schema=GENERATION_SCHEMA, format="parquet")
        table = dataset.to_table(columns=names, filter=rows)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        table = _mixed_table(files, names, rows)
    return _typed(table.to_pandas(types_mapper=pd.ArrowDtype), dtype_backend)


#: ``provider_responses`` as files written before it was a list of structs hold it.
_TEXT_ATTEMPTS = GENERATION_SCHEMA.set(GENERATION_SCHEMA.get_field_index("provider_responses"),
                                       pa.field("provider_responses", pa.string()))


def _mixed_table(files: list[str], names: list[str], rows: ds.Expression | None) -> pa.Table:
    """The table of files some of which hold ``provider_responses`` as JSON text (older
    writes): those are read with that schema, their cells parsed once, then joined."""
    tables = []
    for file in files:
        text = pa.types.is_string(pq.read_schema(file).field("provider_responses").type)
        part = ds.dataset(file, schema=_TEXT_ATTEMPTS if text else GENERATION_SCHEMA,
                          format="parquet").to_table(columns=names, filter=rows)
        if text and "provider_responses" in names:
            cells = part.column("provider_responses").to_pylist()
            arr = to_arrow(cells)
            if arr is None:  # a cell that is not a list: kept whole, as an _extra item
                arr = to_arrow([None if c is None else [c] for c in json_readback_many(cells)])
            part = part.set_column(part.schema.get_field_index("provider_responses"),
                                   "provider_responses", arr)
        tables.append(part)
    return pa.concat_tables(tables)


def _read_dask(files: list[str], names: list[str], models: list[str] | None,
               dtype_backend: str) -> dd.DataFrame:
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:
        raise ImportError(f'engine="dask" needs dask: {DASK_EXTRA}') from exc
    from .analysis import dask as _  # noqa: F401  (registers df.orgen on Dask frames)
    meta = _typed(GENERATION_SCHEMA.empty_table().select(names).to_pandas(
        types_mapper=pd.ArrowDtype), dtype_backend)
    with dask.config.set({"dataframe.convert-string": False}):
        if not files:
            return dd.from_pandas(meta, npartitions=1)
        # One partition per file, read by the pandas engine's own reader; a frame
        # narrowed to some columns (``lazy[["model", "total_cost"]]``, what every
        # ``df.orgen`` method does) reads and types only those (``columns=``).
        return dd.from_map(_read_file, files, meta=meta, enforce_metadata=False,
                           label="read-dataset", names=names, models=models,
                           dtype_backend=dtype_backend)


def _read_file(file: str, *, names: list[str], models: list[str] | None, dtype_backend: str,
               columns: list[str] | None = None) -> pd.DataFrame:
    """One records file as a typed frame: ``columns`` (default ``names``), ``models`` only."""
    rows = None if models is None else pc.field("model").isin(pa.array(models, pa.string()))
    dataset = ds.dataset([file], schema=GENERATION_SCHEMA, format="parquet")
    table = dataset.to_table(columns=list(names if columns is None else columns), filter=rows)
    return _typed(table.to_pandas(types_mapper=pd.ArrowDtype), dtype_backend)


__all__ = ["CHUNK_SIZE", "CONTENT_SCHEMA", "DatasetResult", "EXTRA_COLUMN", "FAILURES_FILE",
           "GENERATION_SCHEMA", "NULL_PARTITION", "PARTITION", "contents_path",
           "fetch_to_dataset", "present_ids", "read_dataset", "records_table", "selected_files",
           "write_dataset"]
