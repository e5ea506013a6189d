"""api.py's content path: fetch_contents, generations_to_frame(content=True), the viewer's
content function, all over real HTTP to the simulator."""

from __future__ import annotations

import pandas as pd
import pytest

import openrouter_frame as orf
from openrouter_frame import FetchError, OpenRouterClient
from openrouter_frame.api import content_loader, open_viewer
from openrouter_frame.testing import Faults, serve
from openrouter_frame.testing.content import is_zdr


def test_fetch_contents_types_every_column_and_flags_zero_retention(sim):
    ids = sim.ids(40)
    df = orf.fetch_contents(ids, api_key=sim.api_key, base_url=sim.base_url, progress=False)
    assert df["id"].tolist() == ids
    assert {c: str(df[c].dtype) for c in df.columns} == {
        "id": "string", "prompt": "string", "messages": "object", "completion": "string",
        "reasoning": "string", "error": "string", "extra": "string", "stored": "boolean"}
    zdr = [is_zdr(i) for i in ids]
    assert 0 < sum(zdr) < len(ids)
    assert df["stored"].tolist() == [not z for z in zdr]
    for gid, row in zip(ids, df.to_dict("records"), strict=True):
        served = sim.content(gid)
        if served["input"].get("messages"):
            assert row["messages"] == served["input"]["messages"]
        assert (None if pd.isna(row["completion"]) else row["completion"]) == \
            served["output"]["completion"]


def test_fetch_contents_pyarrow_backend(sim):
    df = orf.fetch_contents(sim.ids(5), api_key=sim.api_key, base_url=sim.base_url,
                            dtype_backend="pyarrow", progress=False)
    assert str(df["completion"].dtype) == "string[pyarrow]"
    assert str(df["stored"].dtype) == "bool[pyarrow]"


def test_contents_are_cached_in_their_own_table_and_cleared_with_records(tmp_path):
    path = tmp_path / "c.sqlite"
    with serve() as s:
        ids = s.ids(12)
        kw = {"api_key": s.api_key, "base_url": s.base_url, "cache": path, "progress": False}
        orf.generations_to_frame(ids, **kw)
        first = orf.fetch_contents(ids, **kw)
        sent = s.stats.requests
        again = orf.fetch_contents(ids, **kw)
        assert s.stats.requests == sent  # all from the cache
    pd.testing.assert_frame_equal(first, again)
    info = orf.cache_info(path)
    assert (info.entries, info.contents) == (12, 12)
    assert orf.clear_cache(path) == 24
    assert orf.cache_info(path).contents == 0


def test_contents_are_retried_like_records():
    faults = Faults(status_for={}, server_error=0.3)
    with serve(faults=faults, seed=3) as s:
        ids = s.ids(30)
        df = orf.fetch_contents(ids, api_key=s.api_key, base_url=s.base_url, progress=False,
                                max_workers=4)
        assert df["id"].tolist() == ids
        assert s.stats.by_status[500] > 0


def test_a_failed_content_raises_or_warns_with_the_rest_kept(sim):
    ids = [*sim.ids(3), "gen-0000000000-missing0000000000"]
    kw = {"api_key": sim.api_key, "base_url": sim.base_url, "progress": False}
    with pytest.raises(FetchError, match="1 of 4 content"):
        orf.fetch_contents(ids, **kw)
    with pytest.warns(orf.FetchWarning, match="1 content"):
        df = orf.fetch_contents(ids, errors="warn", **kw)
    assert df["id"].tolist() == ids[:3]


@pytest.mark.parametrize("data", [{}, {"object": "generation"}, {"total_cost": 0.1}],
                         ids=["empty", "unknown-keys", "a-record-not-content"])
def test_a_content_body_without_content_is_a_per_id_failure(data):
    with serve(seed=4) as s:
        ids = s.ids(4)
        s.faults.body_for[ids[1]] = {"data": data}
        with OpenRouterClient(s.api_key, s.base_url, cache=False) as client:
            result = client.fetch_contents(ids, progress=False)
    assert result.frame["id"].tolist() == [ids[0], *ids[2:]]
    row = result.failures.iloc[0]
    assert (row["id"], row["status"]) == (ids[1], 200)
    assert "no generation content in the body" in row["error"]


def test_generations_to_frame_joins_content_only_when_asked(sim):
    ids = sim.ids(10)
    kw = {"api_key": sim.api_key, "base_url": sim.base_url, "progress": False}
    plain = orf.generations_to_frame(ids, **kw)
    assert "completion" not in plain.columns
    before = list(sim.received_ids)
    joined = orf.generations_to_frame(ids, content=True, **kw)
    assert joined["id"].tolist() == ids and len(sim.received_ids) - len(before) == 20
    assert list(joined.columns[: plain.shape[1]]) == list(plain.columns)
    assert joined["stored"].tolist() == [not is_zdr(i) for i in ids]


def test_content_loader_needs_a_key_and_uses_the_client(sim, monkeypatch):
    assert content_loader() is None  # no key anywhere: the viewer says so
    with OpenRouterClient(sim.api_key, sim.base_url) as client:
        load = content_loader(client)
        assert load is not None
        gid = sim.ids(2)[1]
        row = load(gid)
    assert row["id"] == gid and row["completion"] == sim.content(gid)["output"]["completion"]
    monkeypatch.setenv("OPENROUTER_API_KEY", sim.api_key)
    monkeypatch.setenv("OPENROUTER_BASE_URL", sim.base_url)
    assert content_loader() is not None


def test_view_fetches_the_selected_content_through_the_environment_key(sim, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", sim.api_key)
    monkeypatch.setenv("OPENROUTER_BASE_URL", sim.base_url)
    df = orf.generations_to_frame(sim.ids(20), progress=False)
    viewer = df.orgen.view()
    assert viewer.wait_content() in ("loaded", "not stored")
    served = sim.content(viewer.selected_id)
    if served["output"]["completion"]:
        assert served["output"]["completion"].split("\n")[0][:20] in viewer.panels.content.value
    assert sim.api_key not in viewer.snapshot_html()
    quiet = open_viewer(df, content=None)
    assert quiet.content_state == "no key"
