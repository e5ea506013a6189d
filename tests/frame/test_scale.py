"""The fast paths of frame.py agree exactly with the simple one, at any size.

``records_to_frame`` (columns read in C, converted through Arrow) and
``raw_to_frame`` (pyarrow's JSON reader) must give exactly the frame, and the
warnings, of ``tests/_reference.py``'s builder (every value through the per-value
path), whatever the records hold.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from types import MappingProxyType
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrouter_frame import schema
from openrouter_frame.frame import build
from openrouter_frame.frame import rawjson as _fastjson
from openrouter_frame.frame.build import raw_to_frame, records_to_frame
from openrouter_frame.testing import Simulator
from tests._reference import records_to_frame_simple as _records_to_frame_simple

BACKENDS = pytest.mark.parametrize("backend", schema.DTYPE_BACKENDS)

# -- random records ---------------------------------------------------------------------
_finite = st.floats(allow_nan=False, allow_infinity=False)
_odd = st.sampled_from([True, False, "fast", "", " 12 ", "1e3", [1], {"a": 1}, 2**70,
                        float("inf"), float("nan"), "NaN", "true", 1.5])
_instants = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2099, 12, 31),
                         timezones=st.just(dt.timezone.utc))


def _z_form(t: dt.datetime) -> str:  # 2026-02-24T21:19:33.705Z
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _offset_form(t: dt.datetime) -> str:  # 2024-07-15T23:33:19.433273+00:00
    return t.isoformat(timespec="microseconds")


_created_at = st.one_of(
    _instants.map(_z_form),
    _instants.map(_offset_form),
    _instants.map(lambda t: t.isoformat()),
    _instants.map(lambda t: t.astimezone(dt.timezone(dt.timedelta(hours=-7))).isoformat()),
    st.sampled_from(["2024-07-15T23:33:19", "2024-07-15", "2023-02-29T00:00:00Z",
                     "2024-07-15T23:33:19.123456789Z", "1500-01-01T00:00:00Z",
                     "2024-07-15 23:33:19Z", "2024-13-01T00:00:00Z", "yesterday"]),
)
_by_kind: dict[str, Any] = {
    "float": st.one_of(_finite, st.integers(-(2**60), 2**60),
                       _finite.map(repr), st.integers(0, 999).map(str)),
    "int": st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-99, 99).map(float),
                     st.integers(0, 999).map(str)),
    "bool": st.one_of(st.booleans(), st.sampled_from(["true", "false", " True "])),
    "string": st.one_of(st.text(max_size=8), st.integers(), _finite),
    "label": st.one_of(st.sampled_from(["openai/gpt-4o", "stop", "length", "Anthropic"]),
                       st.text(max_size=6)),
    # a closed set: the spec's values, and values outside it (kept, with a warning)
    "category": st.one_of(st.sampled_from(["completions", "embeddings", "global", "us",
                                           "europe"]), st.text(max_size=6)),
    "datetime": _created_at,
}
_json_leaf = (st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _finite
              | st.text(max_size=6))
_json = st.recursive(_json_leaf, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(["a", "b", "status", ""]), inner,
                                       max_size=3), max_leaves=6)
_by_kind["json"] = _json
_extra_keys = st.sampled_from(["cost_details", "billing_region", "x", "y/z", ""])


# Clean values have the JSON type the schema expects (pyarrow's reader takes them);
# mixed ones add string numbers and values of impossible types.
_clean_by_kind: dict[str, Any] = {
    "float": st.one_of(_finite, st.integers(-(2**63), 2**63 - 1)),
    "int": st.integers(-(2**63), 2**63 - 1),
    "bool": st.booleans(),
    "string": st.text(max_size=8),
    "label": _by_kind["label"],
    "category": _by_kind["category"],
    "datetime": _created_at,
    "json": _json,
}
_clean_values = {name: st.one_of(st.none(), _clean_by_kind[f.kind], _clean_by_kind[f.kind])
                 for name, f in schema.FIELDS.items()}
_mixed_values = {name: st.one_of(st.none(), _by_kind[f.kind], _by_kind[f.kind],
                                  _by_kind[f.kind], _odd)
                 for name, f in schema.FIELDS.items()}
# Each extra field keeps one shape within an example, as the service's do.
_attempt = st.fixed_dictionaries({}, optional={
    "provider": st.text(max_size=4), "status": st.none() | st.integers(100, 599),
    "latency": st.integers(0, 10**4) | _finite})
_extra_shapes = [
    st.text(max_size=6), st.sampled_from(["us", "eu"]), st.integers(-(2**63), 2**63 - 1),
    st.integers(-99, 99) | _finite | st.integers(-(2**80), 2**80),
    st.booleans(), st.lists(st.none() | st.integers(-9, 9), max_size=3),
    st.lists(_attempt, max_size=3), st.fixed_dictionaries({"a": st.integers()},
                                                         optional={"b": st.text(max_size=3)}),
    st.sampled_from(["2024-07-15 23:33:19", "2024-07-15", "x"]),
]


@st.composite
def _records(draw: Any) -> list[dict[str, Any]]:
    """Clean or mixed records that share one key set (the usual case) or each have their own."""
    n = draw(st.integers(1, 6))
    clean = draw(st.booleans())
    values = _clean_values if clean else _mixed_values
    extras = draw(st.dictionaries(_extra_keys, st.sampled_from(_extra_shapes), max_size=3))
    extras = {k: (st.none() | shape if clean else _json) for k, shape in extras.items()}
    if draw(st.booleans()):  # uniform: every record has the same keys, maybe reordered
        keys = draw(st.lists(st.sampled_from(list(schema.COLUMNS)), unique=True))
        records = []
        for _ in range(n):
            rec = {k: draw(values[k]) for k in keys}
            rec.update({k: draw(v) for k, v in extras.items() if k not in rec})
            if draw(st.booleans()):
                rec = dict(reversed(list(rec.items())))
            records.append(rec)
        return records
    return [{**draw(st.fixed_dictionaries({}, optional=values)),
             **draw(st.fixed_dictionaries({}, optional=extras))} for _ in range(n)]


def _build(fn: Any, *args: Any, **kwargs: Any) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = fn(*args, **kwargs)
    return frame, [f"{w.category.__name__}: {w.message}" for w in caught]


def _bodies(records: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(r).encode() for r in records]


# -- property tests ------------------------------------------------------------------
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_records(), st.sampled_from(schema.DTYPE_BACKENDS))
def test_fast_records_path_equals_simple_path(records: list[dict[str, Any]],
                                              backend: str) -> None:
    expected, expected_warnings = _build(_records_to_frame_simple, records,
                                         dtype_backend=backend)
    frame, caught = _build(records_to_frame, records, dtype_backend=backend)
    pd.testing.assert_frame_equal(frame, expected)
    assert caught == expected_warnings


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_records(), st.sampled_from(schema.DTYPE_BACKENDS))
def test_raw_bodies_path_equals_records_path(records: list[dict[str, Any]],
                                             backend: str) -> None:
    expected, expected_warnings = _build(_records_to_frame_simple, records,
                                         dtype_backend=backend)
    frame, caught = _build(raw_to_frame, _bodies(records), dtype_backend=backend)
    pd.testing.assert_frame_equal(frame, expected)
    assert caught == expected_warnings


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_records(), st.sampled_from(schema.DTYPE_BACKENDS), st.integers(1, 3))
def test_records_read_in_chunks_equal_simple_path(records: list[dict[str, Any]], backend: str,
                                                  chunk: int) -> None:
    expected, expected_warnings = _build(_records_to_frame_simple, records,
                                         dtype_backend=backend)
    with mock.patch.object(build, "_CHUNK", chunk):  # several chunks of a few records
        frame, caught = _build(records_to_frame, records, dtype_backend=backend)
    pd.testing.assert_frame_equal(frame, expected)
    assert caught == expected_warnings


# Values the fast path must leave to the per-value path though pyarrow would take them
# (a bool as a float, a float as an int, NumPy scalars, bytes as text), and records
# whose keys or types change after the first chunk.
_LATE = {
    "bool-as-float": {"total_cost": True},
    "float-as-int": {"tokens_prompt": 42.0},
    "negative-float-limit-as-int": {"tokens_prompt": -(2.0**63)},
    "numpy-int-as-float": {"total_cost": np.int64(3)},
    "numpy-nan-as-float": {"total_cost": np.float64("nan")},
    "numpy-int-as-int": {"tokens_prompt": np.int64(3)},
    "numpy-bool": {"streamed": np.bool_(True)},
    "bytes-as-text": {"model": b"a/b", "upstream_id": b"x"},
    "int-subclass-beyond-float": {"tokens_prompt": type("Big", (int,), {})(2**60 + 1)},
    "string-number": {"latency": "12"},
    "unknown-category": {"api_type": "tts"},
    "odd-date": {"created_at": "2024-07-15"},
    "missing-key": None,
    "extra-key": {"late": {"k": [1, 2.0]}},
}


@BACKENDS
@pytest.mark.parametrize("case", list(_LATE), ids=list(_LATE))
@pytest.mark.parametrize("mapping", [dict, MappingProxyType], ids=["dict", "mapping"])
def test_a_late_record_changes_nothing_but_its_column(case: str, mapping: Any,
                                                      backend: str, sim: Simulator) -> None:
    records: list[Any] = [sim.record(i) for i in sim.ids(7)]
    late = _LATE[case]
    if late is None:
        del records[5]["router"]
    else:
        records[5].update(late)
    records[5] = mapping(records[5])
    expected, expected_warnings = _build(_records_to_frame_simple, records,
                                         dtype_backend=backend)
    with mock.patch.object(build, "_CHUNK", 2):
        frame, caught = _build(records_to_frame, records, dtype_backend=backend)
    pd.testing.assert_frame_equal(frame, expected)
    assert caught == expected_warnings


@BACKENDS
def test_chunks_that_cannot_be_joined_stay_chunked(backend: str, sim: Simulator) -> None:
    # Over 2 GB of text cannot be one Arrow string array (32-bit offsets), so joining the
    # chunks fails; they are then kept as one chunked array, the same frame.
    records = [sim.record(i) for i in sim.ids(7)]
    expected = _records_to_frame_simple(records, dtype_backend=backend)

    def overflow(arrays: Any) -> Any:
        raise pa.ArrowCapacityError("array cannot contain more than 2147483646 bytes")

    with mock.patch.object(build, "_CHUNK", 2), mock.patch.object(pa, "concat_arrays",
                                                                  overflow):
        frame = records_to_frame(records, dtype_backend=backend)
    pd.testing.assert_frame_equal(frame, expected)


# -- the raw path's own cases -----------------------------------------------------------
_CASES = {
    "clean": [{"id": "a", "total_cost": 0.5, "created_at": "2026-02-24T21:19:33.705Z"},
              {"id": "b", "total_cost": 1, "created_at": "2024-07-15T23:33:19.433273+00:00"}],
    "string-number": [{"id": "a", "total_cost": "0.0012"}, {"id": "b", "total_cost": 2.0}],
    "nested-where-number": [{"id": "a", "latency": [1]}],
    "int-as-float": [{"id": "a", "tokens_prompt": 42.0}],
    "nested-missing-vs-null": [{"id": "a", "provider_responses": [{"status": 200}]},
                               {"id": "b", "provider_responses": [{"status": None,
                                                                   "latency": 3}]}],
    "nested-int-vs-float": [{"id": "a", "r": {"v": 3}}, {"id": "b", "r": {"v": 2.5}},
                            {"id": "c", "r": [1, 2.0, None]}],
    "date-like-extra": [{"id": "a", "seen": "2024-07-15 23:33:19"}, {"id": "b"}],
    "extras-mixed-numbers": [{"id": "a", "x": 1}, {"id": "b", "x": 2.0}, {"id": "c", "x": None}],
    "extras-huge-int-among-floats": [{"id": "a", "x": 0.5}, {"id": "b", "x": 2**70},
                                     {"id": "c", "x": -(2**53) - 1}],
    "infinite-cost": [{"id": "a", "total_cost": 1e400}, {"id": "b", "latency": float("inf")}],
    "odd-created-at": [{"id": "a", "created_at": "2024-07-15T23:33:19"},
                       {"id": "b", "created_at": "2024-07-15T23:33:19+02:00"}],
    "unknown-categories": [{"id": "a", "api_type": "tts", "model": "x/new"},
                           {"id": "b", "api_type": "rerank", "model": None}],
    "empty-objects": [{"id": "a", "o": {}, "l": []}, {"id": "b", "o": {"k": None}, "l": [None]}],
    # a nested key read as null: absent, or written null (in this body or only another)
    "nested-null-in-one-body-absent-in-others": [
        {"id": "a", "o": [{"k": 1}, {"j": 2}]}, {"id": "b", "o": [{"k": None, "j": None}]},
        {"id": "c", "o": [{"j": 3}], "k": None}, {"id": "d", "o": [{"j": 4}], "s": "k"}],
    "nested-key-escaped-or-odd": [
        {"id": "a\u00e9", "o": [{"q\"uote": 1}]}, {"id": "b", "o": [{"k": 2}]},
        {"id": "c\\", "o": [{"b\\s": None}, {}]}, {"id": "d", "o": [{"\u00e9": None}]}],
}


@BACKENDS
@pytest.mark.parametrize("case", list(_CASES), ids=list(_CASES))
def test_raw_path_cases(case: str, backend: str) -> None:
    records = _CASES[case]
    expected, expected_warnings = _build(_records_to_frame_simple, records,
                                         dtype_backend=backend)
    frame, caught = _build(raw_to_frame, _bodies(records), dtype_backend=backend)
    pd.testing.assert_frame_equal(frame, expected)
    assert caught == expected_warnings


@pytest.mark.parametrize(
    "bodies",
    [[b'{"id": "a",\n "latency": 3}'], [b'{"id": "a"}{"id": "b"}', b' {"id": "c"}'],
     [b'{"id": "a", "id": "b"}'], ['{"id": "a"}'], [bytearray(b'{"id": "a"}')],
     # a nested key null in one body, absent in the other: kept where it was written,
     # however it was spelt (raw UTF-8, an escaped slash, a \u escape)
     [b'{"id":"a","provider_responses":[{"\xc3\xa9":null,"status":200}]}',
      b'{"id":"b","provider_responses":[{"status":500}]}'],
     [b'{"id":"a","provider_responses":[{"a\\/b":null,"status":200}]}',
      b'{"id":"b","provider_responses":[{"status":500}]}'],
     [b'{"id":"a","x":{"\\u00e9":null}}', b'{"id":"b","x":{"k":1}}'],
     [b'{"id":"a","x":{"\xc3\xa9":null}}', b'{"id":"b","x":{"k":1}}']],
    ids=["pretty-printed", "two-objects-one-line", "duplicate-key", "str", "bytearray",
         "null-key-raw-utf8", "null-key-escaped-slash", "extra-null-key-u-escape",
         "extra-null-key-raw-utf8"],
)
def test_raw_path_reads_what_json_loads_reads(bodies: list[Any]) -> None:
    try:
        expected: Any = records_to_frame([json.loads(b) for b in bodies])
    except ValueError:
        expected = ValueError
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(raw_to_frame(bodies), expected)
    else:
        with pytest.raises(expected):
            raw_to_frame(bodies)


@pytest.mark.parametrize(
    ("bodies", "message"),
    [([b'{"id": "a"}', b'{"id": '], "'gen-2' is not valid JSON"),
     ([b'{"id": "a"}', b"[1, 2]"], "'gen-2' is a JSON list, not an object")],
    ids=["truncated", "not-an-object"],
)
def test_raw_path_names_a_bad_body(bodies: list[bytes], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        raw_to_frame(bodies, ids=["gen-1", "gen-2"])


def test_raw_path_of_nothing_is_the_empty_frame() -> None:
    pd.testing.assert_frame_equal(raw_to_frame([]), records_to_frame([]))


def test_extra_fields_keep_first_seen_order_across_reader_blocks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fastjson, "_MIN_BLOCK", 1 << 12)  # many blocks, read in parallel
    monkeypatch.setattr(_fastjson, "_BATCH", 7)
    monkeypatch.setattr(_fastjson, "_SAMPLE", 100)
    records: list[dict[str, Any]] = [{"id": f"g{i}", "a": i} for i in range(3000)]
    records[1500].update(c=None, b="x")
    records[2900].update(d=[{"k": 1}], b="y")
    expected = _records_to_frame_simple(records)
    assert list(expected.columns[len(schema.COLUMNS):]) == ["a", "c", "b", "d"]
    pd.testing.assert_frame_equal(raw_to_frame(_bodies(records)), expected)
    pd.testing.assert_frame_equal(records_to_frame(records), expected)


@pytest.mark.parametrize(
    "late",
    [{"x": 2.5}, {"x": "text"}, {"s": {"a": 1, "new": [1]}}, {"n": 7}, {"l": [{"k": 1}]}],
    ids=["int-then-float", "int-then-string", "struct-gains-key", "null-then-int",
         "empty-list-then-items"],
)
def test_bodies_after_the_sample_may_disagree_with_it(late: dict[str, Any],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fastjson, "_SAMPLE", 200)  # types learnt from the first 200
    records: list[dict[str, Any]] = [
        {"id": f"g{i}", "x": i, "s": {"a": i}, "n": None, "l": []} for i in range(2600)]
    records[2500].update(late)
    expected = _records_to_frame_simple(records)
    pd.testing.assert_frame_equal(raw_to_frame(_bodies(records)), expected)


def test_records_with_differing_keys_and_mappings(sim: Simulator) -> None:
    records: list[Any] = [sim.record(i) for i in sim.ids(40)]
    records[7] = {k: v for k, v in records[7].items() if k != "router"}
    records[9] = dict(records[9], late="z")
    expected = _records_to_frame_simple(records)
    pd.testing.assert_frame_equal(records_to_frame(records), expected)
    pd.testing.assert_frame_equal(records_to_frame(iter(records)), expected)
    proxies = [MappingProxyType(r) for r in records]  # mappings, not dicts
    pd.testing.assert_frame_equal(records_to_frame(proxies), expected)


# -- scale --------------------------------------------------------------------------------
SCALE_ROWS = 1_000_000  # the scale: a month of heavy use
#: Rows for the three paths' agreement at size: above the raw reader's sample (2,000) and
#: its one-read limit (20,000), so the sample-then-everything read runs, with many blocks.
AGREEMENT_ROWS = 60_000


def _tiled(sim: Simulator, n: int) -> list[dict[str, Any]]:
    """``n`` records: the simulator's first 1,000 repeated, each with a unique id."""
    base = [sim.record(i) for i in sim.ids(1000)]
    return [dict(base[k % len(base)], id=f"{base[k % len(base)]['id']}-{k}") for k in range(n)]


@pytest.fixture(scope="module")
def large_records(sim: Simulator) -> list[dict[str, Any]]:
    return _tiled(sim, SCALE_ROWS)


def _assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """``assert_frame_equal`` at the speed of ``DataFrame.equals`` (which it explains)."""
    same_categories = all(
        list(left[c].cat.categories) == list(right[c].cat.categories)
        for c in left.columns if isinstance(left[c].dtype, pd.CategoricalDtype)
        and isinstance(right[c].dtype, pd.CategoricalDtype))
    if not (left.equals(right) and same_categories
            and list(left.dtypes.astype(str)) == list(right.dtypes.astype(str))):
        pd.testing.assert_frame_equal(left, right)
        raise AssertionError("the frames differ in category order")


def _orgen_results(df: pd.DataFrame) -> dict[str, Any]:
    """Every df.orgen method on ``df``: tables as they are, plots as what they drew."""
    import matplotlib.pyplot as plt

    acc = df.orgen
    out: dict[str, Any] = {
        "summary": acc.summary(),
        "cost_summary": acc.cost_summary(by="model"),
        "cost_summary_none": acc.cost_summary(by=None),
        "latency_summary": acc.latency_summary(by="provider_name"),
        "cost_over_time": acc.cost_over_time(freq="W", by="model"),
        "finish_reasons": acc.finish_reasons(by="model"),
        "tokens_per_second": acc.tokens_per_second(),
        "top": acc.top(10),
    }
    for name, call in [("plot_cost_over_time", lambda: acc.plot_cost_over_time(freq="W")),
                       ("plot_cost_by", acc.plot_cost_by),
                       ("plot_latency", acc.plot_latency),
                       ("plot_latency_box", lambda: acc.plot_latency(kind="box")),
                       ("plot_tokens_vs_cost", acc.plot_tokens_vs_cost)]:
        ax = call()
        out[name] = (ax.get_xlabel(), ax.get_ylabel(), len(ax.patches), len(ax.lines),
                     len(ax.collections))
        plt.close(ax.figure)
    out["view"] = type(acc.view()).__name__
    return out


@pytest.mark.slow
@BACKENDS
def test_the_three_paths_agree_at_size(large_records: list[dict[str, Any]],
                                       backend: str) -> None:
    # Value by value (the reference), column-wise, and pyarrow's reader in many blocks
    # after a sample: the same frame.  (Random records: the property tests above.)
    records = large_records[:AGREEMENT_ROWS]
    frame = records_to_frame(records, dtype_backend=backend)
    _assert_same(frame, _records_to_frame_simple(records, dtype_backend=backend))
    bodies = [json.dumps(r, separators=(",", ":")).encode() for r in records]
    _assert_same(raw_to_frame(bodies, dtype_backend=backend), frame)


@pytest.mark.slow
@BACKENDS
def test_large_frame_keeps_every_dtype_through_parquet_and_orgen(
        large_records: list[dict[str, Any]], backend: str, tmp_path: Path) -> None:
    frame = records_to_frame(large_records, dtype_backend=backend)
    for name, expected in schema.dtypes(backend).items():
        assert frame[name].dtype == expected, name

    # The whole frame, extras too, as a user saves it.  Nested extras (lists of
    # dicts) come back as arrays under numpy_nullable, and with the pyarrow
    # backend as Arrow's list type (read_parquet types every column then); there
    # provider_responses is already Arrow's list<struct> (schema.ATTEMPTS_TYPE).
    typed = frame
    dtypes = typed.dtypes.copy()
    typed.to_parquet(tmp_path / "g.parquet")
    back = pd.read_parquet(tmp_path / "g.parquet", dtype_backend=backend)
    objects = [c for c in typed.columns if typed[c].dtype == object]
    assert objects == (["provider_responses"] if backend == "numpy_nullable" else [])
    nested = ["provider_responses"]
    _assert_same(back.drop(columns=nested), typed.drop(columns=nested))
    if backend == "numpy_nullable":
        assert back["provider_responses"].dtype == object
    # Parquet stores the attempts as one struct type, the union of every attempt's
    # keys, so a key an attempt never sent comes back as None: nothing else changes.
    sample = typed.index[::9973]
    for got, sent in zip(back.loc[sample, "provider_responses"],
                         typed.loc[sample, "provider_responses"], strict=True):
        if sent is None or sent is pd.NA:  # pd.NA: the pyarrow backend's null
            assert got is None or got is pd.NA
            continue
        assert len(got) == len(sent)
        for read, attempt in zip(got, sent, strict=True):
            read = dict(read)
            assert {k: read[k] for k in attempt} == attempt
            assert all(read[k] is None for k in read.keys() - attempt.keys())

    ours, theirs = _orgen_results(typed), _orgen_results(back)
    assert ours.keys() == theirs.keys()
    for name, value in ours.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(theirs[name].drop(columns=nested, errors="ignore"),
                                          value.drop(columns=nested, errors="ignore"), obj=name)
        elif isinstance(value, pd.Series):
            pd.testing.assert_series_equal(theirs[name], value, obj=name)
        else:
            assert theirs[name] == value, name
    pd.testing.assert_series_equal(typed.dtypes, dtypes)  # no method changed a column
    pd.testing.assert_series_equal(back.dtypes.drop(nested), dtypes.drop(nested))
