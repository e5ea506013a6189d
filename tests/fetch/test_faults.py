"""Faults survived, bad bodies contained, interruption safe: against the simulator's faults."""

from __future__ import annotations

import _thread
import json
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _strategies import json_values
from hypothesis import given, settings
from hypothesis import strategies as st

import openrouter_frame as orf
from openrouter_frame import OpenRouterClient, schema
from openrouter_frame.fetch.pool import THREAD_PREFIX
from openrouter_frame.testing import Simulator, serve

#: The issue's fault mix, drawn per attempt (Retry-After 1 s on a 429).
FAULT_MIX = {"rate_limit": 0.10, "bad_gateway": 0.05, "server_error": 0.02,
             "truncated": 0.01, "html": 0.01, "drop": 0.01, "retry_after": 1.0}


def _workers_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


# -- the fault mix ------------------------------------------------------------------------
@pytest.mark.slow
def test_every_record_survives_the_fault_mix() -> None:
    n = 2_000
    with serve(seed=7) as clean:
        ids = clean.ids(n)
        reference = orf.fetch_generations(ids, api_key=clean.api_key, base_url=clean.base_url,
                                          progress=False)
    # 20% of attempts fail, so an id fails 9 times running with p = 0.2**9 (5e-7 per id).
    # Every 429 holds all workers for a full second, so the run takes about
    # (429s / 429s per window) seconds; 40 workers keep the windows few while the
    # simulator (sharing this process) still stamps every arrival promptly.
    with serve(seed=7, faults=FAULT_MIX) as s, OpenRouterClient(
            s.api_key, s.base_url, max_workers=40, max_retries=8, backoff_factor=0.05) as c:
        result = c.fetch(ids)
        stats = s.stats
    assert result.ok
    assert result.records == reference.records
    pd.testing.assert_frame_equal(result.frame, reference.frame)
    assert stats.early_requests == 0
    assert stats.requests < 1.5 * n
    for status in (429, 502, 500, 0):  # every kind of fault did happen (0: dropped)
        assert stats.by_status[status] > 0, status


def test_persistent_5xx_ends_in_fetch_error_keeping_the_rest() -> None:
    with serve() as plain:
        ids = plain.ids(40)
    broken = {ids[5]: 500, ids[17]: 503, ids[30]: 529}
    with serve(faults={"status_for": broken, "server_error": 0.1}) as s:
        client = OpenRouterClient(s.api_key, s.base_url, max_retries=3, backoff_factor=0.001)
        with pytest.raises(orf.FetchError) as info:
            orf.generations_to_frame(ids, client=client)
        tries = {i: s.received_ids.count(i) for i in broken}
    result = info.value.result
    assert list(result.frame["id"]) == [i for i in ids if i not in broken]
    failures = result.failures.set_index("id")
    assert list(failures.index) == list(broken)
    assert [failures.loc[i, "status"] for i in broken] == list(broken.values())
    assert failures["error"].str.len().min() > 0
    assert tries == dict.fromkeys(broken, 4)  # 1 + max_retries, then given up
    assert sorted(info.value.ids) == sorted(broken)


@pytest.mark.parametrize(("fault", "error", "status"),
                         [("revoke_after", orf.AuthenticationError, 401),
                          ("credits_after", orf.InsufficientCreditsError, 402)],
                         ids=["401", "402"])
def test_fatal_status_under_load_stops_within_the_requests_in_flight(
        fault: str, error: type, status: int) -> None:
    workers, good = 16, 150
    with serve(faults={fault: good, "bad_gateway": 0.05}, latency_ms=2) as s:
        ids = s.ids(1_000)
        with pytest.raises(error) as info:
            orf.generations_to_frame(ids, api_key=s.api_key, base_url=s.base_url,
                                     max_workers=workers)
        sent = s.stats.requests
    err = info.value
    assert err.status == status and err.result is not None
    assert sent <= good + workers  # nothing started after the first fatal answer
    frame, failures = err.result.frame, err.result.failures
    assert len(frame) + len(failures) == len(ids)
    assert set(frame["id"]) | set(failures["id"]) == set(ids)
    assert 0 < len(frame) <= good
    assert "see .result" in str(err)


def test_403_and_404_are_per_id_among_transient_faults() -> None:
    with serve(faults={"bad_gateway": 0.1, "drop": 0.05}, seed=2) as s:
        good, foreign, missing = s.ids(100), s.foreign_ids(3), ["gen-0000000000-nope", "x"]
        with OpenRouterClient(s.api_key, s.base_url, backoff_factor=0.001, max_retries=8) as c:
            result = c.fetch(foreign[:1] + good[:50] + missing + good[50:] + foreign[1:])
    assert list(result.frame["id"]) == good
    statuses = dict(zip(result.failures["id"], result.failures["status"], strict=True))
    assert statuses == {**dict.fromkeys(foreign, 403), **dict.fromkeys(missing, 404)}


# -- bodies of the wrong shape ------------------------------------------------------------
@pytest.fixture(scope="module")
def shaped() -> Iterator[tuple[Simulator, dict[str, Any]]]:
    """A simulator whose ``body_for`` is filled per test (ids are its own, valid ones)."""
    with serve(seed=11) as s:
        yield s, s.faults.body_for  # type: ignore[misc]


def _with_data(s: Simulator, id: str, **changes: Any) -> dict[str, Any]:
    return {"data": {**s.record(id), **changes}}


@pytest.mark.parametrize(
    ("make_body", "message"),
    [(lambda s, i: {"error": {"code": 200, "message": "odd"}}, "keys ['error']"),
     (lambda s, i: {"data": [s.record(i)]}, "'data' is list"),
     (lambda s, i: {"data": None}, "'data' is NoneType"),
     (lambda s, i: [{"data": s.record(i)}], "a JSON list"),
     (lambda s, i: '"just a string"', "a JSON str"),  # str bodies are sent raw
     (lambda s, i: 42, "a JSON int"),
     (lambda s, i: {"data": {**s.record(i), "id": "gen-someone-else"}}, "another id")],
    ids=["no-data", "data-list", "data-null", "top-list", "top-string", "top-number",
         "other-id"],
)
def test_body_without_a_data_object_is_a_per_id_failure(
        shaped: tuple[Simulator, dict[str, Any]], make_body: Callable[..., Any],
        message: str) -> None:
    s, bodies = shaped
    ids = s.ids(12, start=100)
    bodies.clear()
    bodies[ids[4]] = make_body(s, ids[4])
    with OpenRouterClient(s.api_key, s.base_url) as c:
        result = c.fetch(ids)
    assert list(result.frame["id"]) == ids[:4] + ids[5:]
    row = result.failures.iloc[0]
    assert (row["id"], row["status"]) == (ids[4], 200)
    assert message in row["error"]


def test_fields_of_the_wrong_type_are_parsed_or_na_with_one_warning(
        shaped: tuple[Simulator, dict[str, Any]]) -> None:
    s, bodies = shaped
    ids = s.ids(30, start=200)
    bodies.clear()
    bodies[ids[3]] = _with_data(s, ids[3], latency="fast", total_cost="0.0012")
    bodies[ids[9]] = _with_data(s, ids[9], latency=[1, 2], tokens_prompt="17")
    record = s.record(ids[20])
    del record["id"]  # a record without its id gets the id it was fetched by
    bodies[ids[20]] = {"data": record}
    with pytest.warns(orf.SchemaWarning) as caught:
        df = orf.generations_to_frame(ids, api_key=s.api_key, base_url=s.base_url)
    assert len(caught) == 1  # one warning for the field, naming the ids
    text = str(caught[0].message)
    assert "'latency'" in text and ids[3] in text and ids[9] in text
    assert list(df["id"]) == ids
    by_id = df.set_index("id")
    assert by_id.loc[ids[3], "total_cost"] == 0.0012
    assert by_id.loc[ids[9], "tokens_prompt"] == 17
    assert by_id.loc[ids[3], "latency"] is pd.NA and by_id.loc[ids[9], "latency"] is pd.NA
    assert by_id["latency"].notna().sum() >= 20
    assert df["total_cost"].dtype == "Float64"


def test_a_5_mb_body_is_fetched(shaped: tuple[Simulator, dict[str, Any]]) -> None:
    s, bodies = shaped
    ids = s.ids(5, start=300)
    bodies.clear()
    bodies[ids[2]] = _with_data(s, ids[2], padding="x" * 5_000_000)
    with OpenRouterClient(s.api_key, s.base_url) as c:
        result = c.fetch(ids)
    assert result.ok
    assert result.frame["padding"].str.len().max() == 5_000_000
    assert result.frame["padding"].isna().sum() == 4


@settings(max_examples=60, deadline=None)
@given(changes=st.fixed_dictionaries({}, optional={n: json_values for n in schema.COLUMNS
                                                    if n != "id"}),
       raw=st.booleans())
def test_random_field_values_over_http_never_break_a_batch(
        shaped: tuple[Simulator, dict[str, Any]], changes: dict[str, Any], raw: bool) -> None:
    s, bodies = shaped
    ids = s.ids(3, start=400)
    bodies.clear()
    body = _with_data(s, ids[1], **changes)
    bodies[ids[1]] = json.dumps(body) if raw else body
    with OpenRouterClient(s.api_key, s.base_url, max_workers=2) as c, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", orf.SchemaWarning)
        result = c.fetch(ids, progress=False)
        arrow = c.fetch(ids, progress=False, dtype_backend="pyarrow")
    assert result.ok and list(result.frame["id"]) == ids
    assert result.records[1] == body["data"]
    for name, expected in schema.dtypes().items():
        if expected != "category":
            assert result.frame[name].dtype == expected, name
    assert result.frame[list(schema.COLUMNS)].isna().equals(
        arrow.frame[list(schema.COLUMNS)].isna())


# -- Ctrl-C ---------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _ctrl_c_raises() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt here even when pytest was started with SIGINT
    ignored (a background job of a non-interactive shell), where ``interrupt_main``
    would do nothing."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _interrupt_when(condition: Callable[[], bool]) -> threading.Thread:
    """Raise KeyboardInterrupt in the main thread once ``condition()`` holds."""
    def watch() -> None:
        while not condition():
            time.sleep(0.001)
        _thread.interrupt_main()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_ctrl_c_keeps_every_arrived_record_and_a_rerun_fetches_only_the_rest(
        tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with serve(latency_ms=3) as s:
        ids = s.ids(2_000)
        watcher = _interrupt_when(lambda: s.stats.by_status[200] >= 300)
        with pytest.raises(KeyboardInterrupt):
            orf.generations_to_frame(ids, api_key=s.api_key, base_url=s.base_url,
                                     cache=path, max_workers=16, progress=True)
        watcher.join()
        assert _workers_alive() == []  # returned only after every worker ended
        served = s.stats.by_status[200]
        assert 300 <= served < 2_000  # it really stopped mid-batch
        assert orf.cache_info(path).entries == served  # every record that arrived
        s.stats.reset()
        df = orf.generations_to_frame(ids, api_key=s.api_key, base_url=s.base_url,
                                      cache=path)
        assert s.stats.requests == 2_000 - served
    assert list(df["id"]) == ids


def test_ctrl_c_while_every_worker_waits_out_a_long_retry_after() -> None:
    with serve(faults={"rate_limit": 1.0, "retry_after": 60}) as s:
        watcher = _interrupt_when(lambda: s.stats.by_status[429] >= 1)
        with pytest.raises(KeyboardInterrupt):
            orf.fetch_generations(s.ids(200), api_key=s.api_key, base_url=s.base_url,
                                  max_workers=8)
        watcher.join()
        assert _workers_alive() == []  # nobody kept sleeping through the minute
        assert s.stats.requests <= 8


def test_ctrl_c_without_a_cache_leaves_no_worker_behind() -> None:
    with serve(latency_ms=2) as s:
        watcher = _interrupt_when(lambda: s.stats.requests >= 50)
        with pytest.raises(KeyboardInterrupt):
            orf.fetch_generations(s.ids(2_000), api_key=s.api_key, base_url=s.base_url)
        watcher.join()
        assert _workers_alive() == []
