"""fetch_to_dataset and read_dataset against the loopback simulator: layout, types,
idempotence, interruption, pruning, the dask engine and the command line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import openrouter_frame as orf
from openrouter_frame import cli, dataset, schema
from openrouter_frame.dataset import (
    FAILURES_FILE,
    NULL_PARTITION,
    contents_path,
    selected_files,
)
from openrouter_frame.errors import InsufficientCreditsError, SchemaWarning
from openrouter_frame.frame.contents import CONTENT_COLUMNS
from openrouter_frame.frame.nested import to_cells
from openrouter_frame.testing import Simulator, serve

DAY_DIR = re.compile(r"created_date=(\d{4}-\d{2}-\d{2}|__null__)")


def fetch(sim: Simulator, ids: list[str], path: Path, **kwargs: object) -> orf.DatasetResult:
    kwargs.setdefault("chunk_size", 40)
    return orf.fetch_to_dataset(ids, path, api_key=sim.api_key, base_url=sim.base_url,
                                max_workers=4, progress=False, **kwargs)


def visible_files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("id", ignore_index=True)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, sim: Simulator) -> Path:
    """150 generations over about six weeks, written in chunks of 40."""
    path = tmp_path_factory.mktemp("history") / "gens"
    result = fetch(sim, sim.ids(150), path)
    assert result.ok and result.written == 150
    return path


def test_files_read_back_with_the_schema_types_without_our_code(history, sim):
    back = pd.read_parquet(history, dtype_backend="pyarrow")
    expected = schema.dtypes("pyarrow")
    for name in schema.COLUMNS:  # provider_responses too: a list of structs, no JSON text
        assert back[name].dtype == expected[name], name
    assert back["provider_responses"].dtype.pyarrow_dtype == schema.ATTEMPTS_TYPE
    assert sorted(back["id"]) == sorted(sim.ids(150))
    cells = to_cells(pa.chunked_array(back["provider_responses"].array._pa_array))
    for id, cell in zip(back["id"], cells, strict=True):
        assert cell == sim.record(id).get("provider_responses")
    # hive layout: every row sits in the directory of its created_at's UTC day
    for file in visible_files(history):
        if file.name == FAILURES_FILE:
            continue
        match = DAY_DIR.fullmatch(file.parent.name)
        assert match and re.fullmatch(r"part-[0-9a-f]{32}\.parquet", file.name), file
        days = pq.read_table(file, columns=["created_at"])["created_at"].to_pandas()
        assert set(days.dt.strftime("%Y-%m-%d")) == {match.group(1)}


@pytest.mark.parametrize("dtype_backend", ["numpy_nullable", "pyarrow"])
def test_read_dataset_equals_the_frame_fetched_directly(history, sim, dtype_backend):
    frame = orf.read_dataset(history, dtype_backend=dtype_backend)
    direct = orf.generations_to_frame(sim.ids(150), api_key=sim.api_key,
                                      base_url=sim.base_url, progress=False,
                                      dtype_backend=dtype_backend)
    assert list(frame.columns) == [*schema.COLUMNS, dataset.EXTRA_COLUMN]
    assert frame[dataset.EXTRA_COLUMN].isna().all()  # the simulator sends no other key
    pd.testing.assert_frame_equal(by_id(frame[list(schema.COLUMNS)]), by_id(direct))


def test_second_run_fetches_only_unknown_ids_and_adds_no_duplicates(tmp_path):
    with serve() as sim:
        first = fetch(sim, sim.ids(60), tmp_path)
        before = sim.stats.requests
        second = fetch(sim, sim.ids(90, start=0)[30:] + sim.ids(10), tmp_path)
        assert sim.stats.requests - before == 30  # the 30 known ids: no request
        assert set(sim.received_ids[before:]) == set(sim.ids(90)[60:])
        files = visible_files(tmp_path)
        third = fetch(sim, sim.ids(90), tmp_path)
        assert sim.stats.requests - before == 30  # nothing new: no request at all
    assert (first.written, second.written, second.skipped) == (60, 30, 40)
    assert (third.written, third.skipped, third.files) == (0, 90, [])
    assert visible_files(tmp_path) == files  # nothing added but the rewritten failures file
    ids = pd.read_parquet(tmp_path, columns=["id"])["id"]
    assert len(ids) == 90 and ids.is_unique


def test_interrupted_write_leaves_only_complete_files_and_a_rerun_completes(
        tmp_path, monkeypatch):
    real = pq.write_table
    calls = []

    def crash_mid_file(table, where, *args, **kwargs):
        calls.append(where)
        real(table, where, *args, **kwargs)
        if len(calls) == 12:  # the process dies half way through this file
            data = Path(where).read_bytes()
            Path(where).write_bytes(data[:len(data) // 2])
            raise KeyboardInterrupt

    monkeypatch.setattr(dataset.pq, "write_table", crash_mid_file)
    with serve() as sim:
        with pytest.raises(KeyboardInterrupt):
            fetch(sim, sim.ids(120), tmp_path)
        monkeypatch.setattr(dataset.pq, "write_table", real)
        parquet = [p for p in visible_files(tmp_path) if p.suffix != ".csv"]
        assert parquet and all(not p.name.startswith(".") for p in parquet)  # no temp left
        kept = sum(pq.read_table(p).num_rows for p in parquet)  # each file whole
        assert 0 < kept < 120
        before = sim.stats.requests
        rerun = fetch(sim, sim.ids(120), tmp_path)
        assert sim.stats.requests - before == 120 - kept
    assert (rerun.skipped, rerun.written) == (kept, 120 - kept)
    ids = orf.read_dataset(tmp_path, columns=["id"])["id"]
    assert sorted(ids) == sorted(sim.ids(120))


def test_a_402_writes_what_came_before_raising(tmp_path):
    with serve(faults={"credits_after": 25}) as sim:
        with pytest.raises(InsufficientCreditsError):
            orf.fetch_to_dataset(sim.ids(60), tmp_path, api_key=sim.api_key,
                                 base_url=sim.base_url, max_workers=1, progress=False,
                                 chunk_size=10)
    assert sorted(orf.read_dataset(tmp_path)["id"]) == sorted(sim.ids(25))
    failures = pd.read_csv(tmp_path / FAILURES_FILE)
    assert set(failures["id"]) == set(sim.ids(30)[25:])  # the chunk that stopped


def test_failures_returned_and_written_then_overwritten(tmp_path):
    with serve() as sim:
        foreign = sim.foreign_ids(1)[0]
        result = fetch(sim, [*sim.ids(5), foreign, "gen-does-not-exist"], tmp_path)
        assert dict(zip(result.failures["id"], result.failures["status"], strict=True)) == {
            foreign: 403, "gen-does-not-exist": 404}
        on_disk = pd.read_csv(tmp_path / FAILURES_FILE)
        assert on_disk.columns.tolist() == ["id", "status", "error"]
        assert dict(zip(on_disk["id"], on_disk["status"], strict=True)) == {
            foreign: 403, "gen-does-not-exist": 404}
        assert sorted(orf.read_dataset(tmp_path)["id"]) == sorted(sim.ids(5))
        before = sim.stats.requests
        again = fetch(sim, [*sim.ids(5), foreign], tmp_path)
        assert sim.received_ids[before:] == [foreign]  # a failed id is tried again
    assert list(again.failures["id"]) == [foreign]
    assert list(pd.read_csv(tmp_path / FAILURES_FILE)["id"]) == [foreign]


def test_a_record_without_created_at_goes_to_the_null_partition(tmp_path):
    with serve() as sim:
        odd = sim.ids(1, start=7)[0]
        sim.faults.body_for = {odd: {"data": {**sim.record(odd), "created_at": None}}}
        with pytest.warns(SchemaWarning, match="created_at"):
            fetch(sim, sim.ids(20), tmp_path)
    folder = tmp_path / f"created_date={NULL_PARTITION}"
    assert [pq.read_table(p)["id"].to_pylist() for p in folder.iterdir()] == [[odd]]
    for backend in ("numpy_nullable", "pyarrow"):  # others read the dataset whole
        back = pd.read_parquet(tmp_path, dtype_backend=backend)
        assert back.loc[back["created_date"].astype(str) == NULL_PARTITION, "id"].tolist() \
            == [odd]
    whole = orf.read_dataset(tmp_path)
    assert whole.loc[whole["created_at"].isna(), "id"].tolist() == [odd]
    ranged = orf.read_dataset(tmp_path, start="2000-01-01")
    assert len(ranged) == 19 and odd not in set(ranged["id"])


ENGINES = ["pandas", "dask"]


def _read(path: Path, engine: str, **kwargs: object) -> pd.DataFrame:
    frame = orf.read_dataset(path, engine=engine, **kwargs)
    if engine == "dask":
        frame = frame.compute(scheduler="sync")  # type: ignore[union-attr]
    return by_id(frame)  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_one_day_range_opens_only_that_days_files(history, tmp_path, engine):
    import shutil

    copy = tmp_path / "gens"
    shutil.copytree(history, copy)
    whole = orf.read_dataset(copy)
    days = whole["created_at"].dt.strftime("%Y-%m-%d")
    day = days.value_counts().index[0]  # the busiest day
    next_day = (pd.Timestamp(day) + pd.Timedelta(days=1)).date()
    files = selected_files(copy, start=day, end=next_day)
    assert files and {Path(f).parent.name for f in files} == {f"created_date={day}"}
    # every other day's files are damaged: a read that opened one would fail
    for file in visible_files(copy):
        if file.suffix == ".parquet" and str(file) not in files:
            file.write_bytes(b"not parquet")
    _read(copy, engine, end="2000-01-01")  # no file: an empty typed frame
    with pytest.raises(Exception):  # noqa: B017 - the damage is real
        _read(copy, engine)
    one_day = _read(copy, engine, start=day, end=next_day)
    expected = by_id(whole[days == day])
    pd.testing.assert_frame_equal(one_day, expected)
    assert len(_read(copy, engine, start=day, end=day)) == 0  # end is excluded


@pytest.mark.parametrize("engine", ENGINES)
def test_model_and_column_filters(history, engine):
    whole = orf.read_dataset(history)
    model = whole["model"].value_counts().index[0]
    start, end = "2026-11-01", "2026-11-15"
    got = _read(history, engine, models=model, start=start, end=end,
                columns=["id", "model", "total_cost"])
    keep = (whole["model"] == model) & (whole["created_at"] >= pd.Timestamp(start, tz="UTC")) \
        & (whole["created_at"] < pd.Timestamp(end, tz="UTC"))
    expected = by_id(whole.loc[keep, ["id", "model", "total_cost"]])
    assert 0 < len(got) < len(whole)
    pd.testing.assert_frame_equal(got, expected)
    only_ids = _read(history, engine, models=[model], columns=["id"])  # filter, not read
    assert list(only_ids.columns) == ["id"]
    assert only_ids["id"].tolist() == sorted(whole.loc[whole["model"] == model, "id"])


def test_keys_outside_the_schema_are_kept_as_json(tmp_path):
    with serve() as sim:
        odd = sim.ids(1, start=3)[0]
        sim.faults.body_for = {odd: {"data": {**sim.record(odd), "new_field": {"a": 1}}}}
        fetch(sim, sim.ids(10), tmp_path)
    frame = orf.read_dataset(tmp_path)
    kept = frame.loc[frame[dataset.EXTRA_COLUMN].notna()]
    assert kept["id"].tolist() == [odd]
    assert json.loads(kept[dataset.EXTRA_COLUMN].iloc[0]) == {"new_field": {"a": 1}}


@pytest.mark.parametrize("dtype_backend", ["numpy_nullable", "pyarrow"])
def test_dask_engine_has_the_pandas_dtypes_and_values(history, dtype_backend):
    import dask.dataframe as dd  # the test extra brings the dask extra: no skip

    frame = orf.read_dataset(history, dtype_backend=dtype_backend)
    lazy = orf.read_dataset(history, dtype_backend=dtype_backend, engine="dask")
    assert isinstance(lazy, dd.DataFrame)
    pd.testing.assert_series_equal(lazy.dtypes, frame.dtypes)
    computed = lazy.compute(scheduler="sync")
    pd.testing.assert_series_equal(computed.dtypes, frame.dtypes)
    pd.testing.assert_frame_equal(by_id(computed), by_id(frame))


def test_importing_the_package_never_imports_dask():
    code = ("import sys, openrouter_frame; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_dask_engine_without_dask_names_the_extra(history, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(ImportError, match=re.escape('pip install "openrouter-frame[dask]"')):
        orf.read_dataset(history, engine="dask")


def test_contents_go_to_a_sibling_dataset_keyed_by_id(tmp_path):
    path = tmp_path / "gens"
    with serve() as sim:
        fetch(sim, sim.ids(12), path)  # records only, first
        before = sim.stats.requests
        result = fetch(sim, sim.ids(20), path, content=True)
        assert sim.stats.requests - before == 8 + 20  # 8 new records, 20 contents
        assert (result.contents_written, result.contents_skipped) == (20, 0)
        before = sim.stats.requests
        again = fetch(sim, sim.ids(20), path, content=True)
        assert sim.stats.requests == before  # records and contents both known
        assert (again.contents_written, again.contents_skipped) == (0, 20)
        direct = orf.fetch_contents(sim.ids(20), api_key=sim.api_key, base_url=sim.base_url,
                                    progress=False)
    sibling = contents_path(path)
    assert sibling == tmp_path / "gens_contents"
    stored = pd.read_parquet(sibling, dtype_backend="pyarrow")
    assert list(stored.columns) == [*CONTENT_COLUMNS, "created_date"]
    stored = by_id(stored)
    assert stored["id"].tolist() == sorted(sim.ids(20))
    records = by_id(orf.read_dataset(path))
    assert stored["created_date"].astype(str).tolist() == \
        records["created_at"].dt.strftime("%Y-%m-%d").tolist()  # same partitions
    direct = by_id(direct)
    assert [None if pd.isna(m) else json.loads(m) for m in stored["messages"]] == \
        direct["messages"].tolist()
    assert stored["completion"].tolist() == direct["completion"].tolist()


def test_cli_fetch_into_a_dataset(tmp_path, monkeypatch, capsys):
    with serve() as sim:
        monkeypatch.setenv("OPENROUTER_API_KEY", sim.api_key)
        ids_file = tmp_path / "ids.txt"
        ids_file.write_text("\n".join([*sim.ids(15), "gen-does-not-exist"]) + "\n")
        folder = tmp_path / "history"
        base = ["fetch", str(ids_file), "--dataset", str(folder), "--base-url",
                sim.base_url, "--no-progress", "--no-cache"]
        assert cli.main(base) == cli.EXIT_FAILED  # one id failed
        err = capsys.readouterr().err
        assert "wrote 15 new generation(s)" in err and FAILURES_FILE in err
        ids_file.write_text("\n".join(sim.ids(20)) + "\n")
        assert cli.main(base) == cli.EXIT_OK
        assert "wrote 5 new generation(s)" in capsys.readouterr().err
        assert "15 already there" not in capsys.readouterr().err
        assert cli.main([*base[:2], "-o", str(tmp_path / "x.parquet"), *base[2:]]) == \
            cli.EXIT_USAGE
        assert "not allowed with argument" in capsys.readouterr().err
    assert sorted(orf.read_dataset(folder)["id"]) == sorted(sim.ids(20))
    assert pd.read_csv(folder / FAILURES_FILE).empty


@pytest.mark.parametrize(("call", "message"), [
    (lambda p: orf.fetch_to_dataset([], p, partition="hour"), "partition"),
    (lambda p: orf.read_dataset(p, engine="spark"), "engine"),
    (lambda p: orf.read_dataset(p, start="2026-11-12 10:00"), "must be a day"),
    (lambda p: orf.read_dataset(p, columns=["id", "nope"]), "unknown column"),
], ids=["partition", "engine", "start-not-a-day", "unknown-column"])
def test_bad_arguments_say_what_is_wrong(history, call, message):
    with pytest.raises(ValueError, match=message):
        call(history)


def test_reading_a_missing_dataset_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="no dataset"):
        orf.read_dataset(tmp_path / "nowhere")


# -- write_dataset: the same writer, records at hand ---------------------------------------
def read_files(path: Path) -> list[dict[str, object]]:
    """Every row of a dataset's records files, as written (no partition column), by id."""
    files = [p for p in visible_files(path) if p.suffix == ".parquet"]
    return pa.concat_tables([pq.read_table(p) for p in files]).sort_by("id").to_pylist()


def test_write_dataset_writes_what_fetch_to_dataset_writes(history, sim, tmp_path):
    records = [sim.record(i) for i in sim.ids(150)]
    result = orf.write_dataset(records, tmp_path / "written")
    assert (result.written, result.skipped) == (150, 0)
    assert {p.parent.name for p in result.files} == {
        p.parent.name for p in visible_files(history) if p.suffix == ".parquet"}
    assert read_files(tmp_path / "written") == read_files(history)


@pytest.mark.parametrize("shape", ["table", "batches", "tables-without-extra", "records"],
                         ids=["one-table", "record-batches", "no-extra-column",
                              "records-one-by-one"])
def test_write_dataset_takes_tables_batches_and_records(sim, tmp_path, shape):
    records = [sim.record(i) for i in sim.ids(60)]
    table = dataset.records_table(records)
    data = {"table": table,
            "batches": iter(table.to_batches(max_chunksize=25)),
            "tables-without-extra": [table.slice(0, 30).drop_columns([dataset.EXTRA_COLUMN]),
                                     table.slice(30)],
            "records": iter(records)}[shape]
    result = orf.write_dataset(data, tmp_path, chunk_size=25)
    assert result.written == 60
    back = by_id(orf.read_dataset(tmp_path, columns=["id", "total_cost"]))
    ordered = sorted(records, key=lambda r: r["id"])
    assert back["id"].tolist() == [r["id"] for r in ordered]
    assert back["total_cost"].tolist() == [r["total_cost"] for r in ordered]


def test_write_dataset_skips_present_ids_unless_told(sim, tmp_path):
    table = dataset.records_table([sim.record(i) for i in sim.ids(40)])
    first = orf.write_dataset(table.slice(0, 30), tmp_path)
    again = orf.write_dataset([table, table.slice(35)], tmp_path)  # 30 known, 5 repeated
    assert (first.written, again.written, again.skipped) == (30, 10, 35)
    assert orf.read_dataset(tmp_path, columns=["id"])["id"].is_unique
    appended = orf.write_dataset(table.slice(0, 5), tmp_path, skip_present=False)
    assert (appended.written, appended.skipped) == (5, 0)
    assert len(orf.read_dataset(tmp_path, columns=["id"])) == 45


def test_write_dataset_keeps_keys_outside_the_schema(sim, tmp_path):
    records = [dict(sim.record(i), team="search") for i in sim.ids(3)]
    orf.write_dataset(records, tmp_path)
    extras = orf.read_dataset(tmp_path)[dataset.EXTRA_COLUMN]
    assert [json.loads(e) for e in extras] == [{"team": "search"}] * 3


@pytest.mark.parametrize(("change", "error", "message"), [
    (lambda t: t.drop_columns(["model"]), ValueError, r"missing \['model'\]"),
    (lambda t: t.append_column("team", pa.nulls(t.num_rows)), ValueError,
     r"not in the schema \['team'\]"),
    (lambda t: t.set_column(t.schema.get_field_index("total_cost"), "total_cost",
                            pa.array(["a lot"] * t.num_rows)), ValueError, "Arrow types"),
    (lambda t: "gen-1", TypeError, "got str"),
    (lambda t: 42, TypeError, "got int"),
], ids=["missing-column", "unknown-column", "wrong-type", "a-string", "an-int"])
def test_write_dataset_bad_input_says_what_is_wrong(sim, tmp_path, change, error, message):
    table = dataset.records_table([sim.record(i) for i in sim.ids(4)])
    with pytest.raises(error, match=message):
        orf.write_dataset([change(table)], tmp_path)
    assert not [p for p in visible_files(tmp_path) if p.suffix == ".parquet"]


@pytest.mark.parametrize("backend", schema.DTYPE_BACKENDS)
def test_files_of_earlier_versions_with_json_text_still_read(tmp_path, sim, backend):
    path = tmp_path / "gens"
    fetch(sim, sim.ids(30), path)
    files = [f for f in visible_files(path) if f.suffix == ".parquet"]
    for file in files[::2]:  # every other file as earlier versions wrote it: JSON text
        table = pq.read_table(file)
        cells = to_cells(table.column("provider_responses"))
        index = table.schema.get_field_index("provider_responses")
        text = pa.array([None if c is None else json.dumps(c) for c in cells], pa.string())
        pq.write_table(table.set_column(index, "provider_responses", text), file)
    kinds = [pq.read_schema(f).field("provider_responses").type for f in files]
    assert pa.string() in kinds and schema.ATTEMPTS_TYPE in kinds
    back = orf.read_dataset(path, dtype_backend=backend)
    column = back["provider_responses"]
    got = to_cells(pa.chunked_array(column.array._pa_array)) if backend == "pyarrow" \
        else column.tolist()
    assert len(got) == 30
    for id, cell in zip(back["id"], got, strict=True):
        assert cell == sim.record(id).get("provider_responses")
