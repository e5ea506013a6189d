"""api.py's content path: fetch_contents, generations_to_frame(content=True), the viewer's
content function, all over real HTTP to the simulator."""

from __future__ import annotations

import json
import traceback
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import requests
from _loopback import loopback_server, reply

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


# -- issue 18 --------------------------------------------------------------------------------
ZDR_ID = "gen-1740432000-Zdr"
GONE = "gen-1740432000-Gone"
KEPT = [f"gen-1740432000-Kept{i}" for i in range(3)]


class _ZeroRetention(BaseHTTPRequestHandler):
    """Every record but ``GONE``'s answers; the content of ``ZDR_ID`` is a 404 (zero data
    retention)."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        url = urlsplit(self.path)
        id = parse_qs(url.query)["id"][0]
        if url.path.endswith("/content"):
            if id == ZDR_ID:
                reply(self, 404, b'{"error": {"code": 404, "message": "content not stored"}}')
                return
            data: dict[str, Any] = {"id": id, "input": {"prompt": f"p {id}"},
                                    "output": {"completion": f"c {id}"}}
        elif id == GONE:
            reply(self, 404, b'{"error": {"code": 404, "message": "no such generation"}}')
            return
        else:
            data = {"id": id, "model": "m", "total_cost": 0.5, "origin": "",
                    "provider_name": "P"}
        reply(self, 200, json.dumps({"data": data}).encode())


@pytest.mark.filterwarnings("ignore::openrouter_frame.SchemaWarning")
def test_a_failed_content_keeps_every_record_in_the_error_result():
    ids = [KEPT[0], ZDR_ID, KEPT[1], KEPT[2]]
    with loopback_server(_ZeroRetention) as url:
        with pytest.raises(FetchError) as info:
            orf.generations_to_frame(ids, api_key="sk-test", base_url=url, content=True,
                                     progress=False)
        with pytest.warns(orf.FetchWarning, match=f"(?s)1 id\\(s\\) failed.*{ZDR_ID}"):
            warned = orf.generations_to_frame(ids, api_key="sk-test", base_url=url,
                                              content=True, progress=False, errors="warn")
    err = info.value
    frame = err.result.frame
    assert frame["id"].tolist() == ids  # every record fetched, the ZDR one too
    assert frame["total_cost"].tolist() == [0.5] * 4
    assert frame["completion"].isna().tolist() == [False, True, False, False]
    assert frame.loc[0, "completion"] == f"c {KEPT[0]}"
    assert err.ids == [ZDR_ID]
    assert err.result.failures["error"].tolist() == ["content: content not stored"]
    text = str(err)
    assert text.startswith("1 of 4 id(s) failed (every record fetched is in .result.frame")
    assert f"HTTP 404: 1 id(s) ['{ZDR_ID}']: content: content not stored" in text
    pd.testing.assert_frame_equal(warned, frame)


@pytest.mark.filterwarnings("ignore::openrouter_frame.SchemaWarning")
def test_a_failed_record_and_a_failed_content_are_both_named():
    ids = [KEPT[0], GONE, ZDR_ID]
    with loopback_server(_ZeroRetention) as url:
        with OpenRouterClient("sk-test", url) as client:
            with pytest.raises(FetchError) as info:
                orf.generations_to_frame(ids, client=client, content=True, progress=False)
    err = info.value
    assert err.ids == [GONE, ZDR_ID]
    assert err.result.frame["id"].tolist() == [KEPT[0], ZDR_ID]
    assert err.result.frame["completion"].tolist()[0] == f"c {KEPT[0]}"
    text = str(err)
    assert text.startswith("2 of 3 id(s) failed")
    assert f"['{GONE}']: no such generation" in text
    assert f"['{ZDR_ID}']: content: content not stored" in text


MALFORMED = {"newline": "sk-or-v1-" + "s3cr3t" * 8 + "\nX-Evil: 1",
             "tab": "sk-or-v1-" + "s3cr3t" * 4 + "\t" + "s3cr3t" * 8,
             "zero-width-space": "sk-or-v1-" + "s3cr3t" * 8 + "\u200b",
             "nbsp": "sk-or-v1-s3cr3t\u00a0" + "s3cr3t" * 8}
FRAGMENT = "s3cr3t" * 8


def _call(entry: str, key: str, url: str) -> Any:
    ids = ["gen-1740432000-Any"]
    if entry == "generations_to_frame":
        return orf.generations_to_frame(ids, api_key=key, base_url=url)
    if entry == "generations_to_frame-content":
        return orf.generations_to_frame(ids, api_key=key, base_url=url, content=True)
    if entry == "fetch_generations":
        return orf.fetch_generations(ids, api_key=key, base_url=url)
    if entry == "fetch_contents":
        return orf.fetch_contents(ids, api_key=key, base_url=url)
    if entry == "content_loader":
        return content_loader(api_key=key, base_url=url)
    return OpenRouterClient(key, url)


@pytest.mark.parametrize("entry", ["generations_to_frame", "generations_to_frame-content",
                                   "fetch_generations", "fetch_contents", "content_loader",
                                   "OpenRouterClient"])
@pytest.mark.parametrize("name", list(MALFORMED), ids=list(MALFORMED))
def test_a_malformed_key_is_in_no_local_of_the_traceback(sim, name, entry):
    sent = sim.stats.requests
    with pytest.raises(ValueError, match="api_key has an invalid character") as info:
        _call(entry, MALFORMED[name], sim.base_url)
    assert sim.stats.requests == sent
    exc = info.value
    # Read the traceback from the library's entry point down: the frames of this test and
    # of _call hold the key because the test passes it, which is the caller's business.
    tb = exc.__traceback__.tb_next
    assert tb is not None and tb.tb_frame.f_code.co_name == "_call"
    tb = tb.tb_next
    assert tb is not None
    text = "".join(traceback.TracebackException(
        type(exc), exc, tb, capture_locals=True).format())
    assert "api_key = Secret('***')" in text or "key = Secret('***')" in text
    for shown in (text, str(exc), repr(exc)):
        assert FRAGMENT not in shown
        assert MALFORMED[name] not in shown


_CLIENT_ARGS = {"api_key": "sk-other", "base_url": "http://127.0.0.1:1/api/v1",
                "max_workers": 16, "cache": False, "session": None}


@pytest.mark.parametrize("entry,name", [
    pytest.param(entry, name, id=f"{entry}-{name}")
    for entry in ("generations_to_frame", "fetch_generations", "fetch_contents",
                  "content_loader")
    for name in (_CLIENT_ARGS if entry != "content_loader" else ("api_key", "base_url"))])
def test_client_with_a_client_argument_is_a_type_error_naming_it(sim, entry, name):
    given: dict[str, Any] = {name: _CLIENT_ARGS[name]}
    if name == "session":
        given = {"session": requests.Session()}
    sent = sim.stats.requests
    with OpenRouterClient(sim.api_key, sim.base_url) as client:
        function = getattr(orf, entry, None) or content_loader
        with pytest.raises(TypeError, match=f"{name}= cannot be used with client="):
            if entry == "content_loader":
                function(client, **given)
            else:
                function(sim.ids(2), client=client, **given)
    assert sim.stats.requests == sent


def test_content_loader_closes_the_client_it_made_and_only_that(sim):
    own = content_loader(api_key=sim.api_key, base_url=sim.base_url)
    assert own is not None
    gid = sim.ids(1)[0]
    assert own(gid)["id"] == gid
    session = own.client.session
    pool = session.get_adapter(sim.base_url).poolmanager
    assert len(pool.pools) == 1  # a connection was opened
    with own:
        pass
    assert len(pool.pools) == 0  # the session was closed
    with OpenRouterClient(sim.api_key, sim.base_url) as client:
        given = content_loader(client)
        assert given is not None
        given(gid)
        given.close()
        assert len(client.session.get_adapter(sim.base_url).poolmanager.pools) == 1


# -- fetch_activity and fetch_prices ---------------------------------------------------
MGMT = "sk-or-v1-mgmt-api-test-0123456789abcdef-do-not-store"
INFERENCE = "sk-or-v1-inference-api-test-0123456789abcdef"


@pytest.fixture(scope="module")
def account_sim():
    with serve(api_key=INFERENCE, management_key=MGMT, unlisted_share=0.05) as s:
        yield s


@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
def test_fetch_activity_is_the_served_activity_typed(account_sim, backend):
    df = orf.fetch_activity(api_key=MGMT, base_url=account_sim.base_url,
                            dtype_backend=backend)
    served = account_sim.activity()
    assert len(df) == len(served)
    assert int(df["requests"].sum()) == len(account_sim.history_ids())
    assert df["usage"].sum() == pytest.approx(sum(i["usage"] for i in served), abs=1e-12)
    assert df["byok_usage_inference"].sum() == pytest.approx(
        sum(i["byok_usage_inference"] for i in served), abs=1e-12)
    date_dtype = "datetime64[us]" if backend == "numpy_nullable" else "date32[day][pyarrow]"
    assert str(df["date"].dtype) == date_dtype
    first = pd.Timestamp(df["date"].min()).date()
    assert (first, pd.Timestamp(df["date"].max()).date()) == (
        account_sim.history_start, account_sim.history_end)
    assert df[["date", "model", "provider_name", "endpoint_id"]].astype(str).apply(
        tuple, axis=1).is_monotonic_increasing
    assert df["workspace_id"].isna().all()


def test_fetch_activity_by_workspace_and_date(account_sim):
    day = account_sim.history_end
    by_ws = orf.fetch_activity(api_key=MGMT, base_url=account_sim.base_url, date=day,
                               group_by="workspace")
    assert by_ws["workspace_id"].notna().all()
    assert set(pd.Series(by_ws["date"]).dt.date) == {day}
    one = orf.fetch_activity(api_key=MGMT, base_url=account_sim.base_url, date=str(day),
                             workspace_id=by_ws["workspace_id"].iloc[0])
    assert set(one["workspace_id"]) == {by_ws["workspace_id"].iloc[0]}
    assert int(one["requests"].sum()) == int(
        by_ws.loc[by_ws["workspace_id"] == by_ws["workspace_id"].iloc[0], "requests"].sum())


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"date": "yesterday"}, ValueError, "date must be a UTC day"),
    ({"date": 20261119}, ValueError, "date must be a UTC day"),
    ({"group_by": "model"}, ValueError, "group_by must be None or 'workspace'"),
    ({"workspace_id": 3}, TypeError, "workspace_id must be a str"),
    ({"dtype_backend": "arrow"}, ValueError, "dtype_backend"),
], ids=["date-text", "date-int", "group-by", "workspace-int", "backend"])
def test_fetch_activity_checks_its_arguments_before_any_request(account_sim, kwargs, error,
                                                                message):
    before = account_sim.stats.requests
    with pytest.raises(error, match=message):
        orf.fetch_activity(api_key=MGMT, base_url=account_sim.base_url, **kwargs)
    assert account_sim.stats.requests == before


def test_fetch_activity_with_an_inference_key_says_a_management_key_is_needed(
        account_sim, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", INFERENCE)
    for key in (INFERENCE, None):
        with pytest.raises(orf.ManagementKeyRequiredError) as info:
            orf.fetch_activity(api_key=key, base_url=account_sim.base_url)
        text = "".join(traceback.format_exception(info.value)) + repr(info.value)
        assert "https://openrouter.ai/settings/management-keys" in text
        assert INFERENCE not in text and MGMT not in text
    assert isinstance(info.value, orf.PermissionDeniedError)
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", MGMT)
    assert len(orf.fetch_activity(base_url=account_sim.base_url)) == len(account_sim.activity())


def test_activity_cache_keeps_days_under_the_management_key_and_never_the_key(
        account_sim, tmp_path):
    path = tmp_path / "c.sqlite"
    day = str(account_sim.history_end)
    first = orf.fetch_activity(api_key=MGMT, base_url=account_sim.base_url, cache=path)
    before = account_sim.stats.requests
    again = orf.fetch_activity(api_key=MGMT, base_url=account_sim.base_url, cache=path,
                               date=day)
    assert account_sim.stats.requests == before  # the day came from the cache
    expected = first[pd.Series(first["date"]).dt.strftime("%Y-%m-%d") == day]
    pd.testing.assert_frame_equal(again, expected.reset_index(drop=True))
    orf.fetch_activity(api_key=MGMT, base_url=account_sim.base_url, cache=path, date=day,
                       group_by="workspace")
    assert account_sim.stats.requests == before + 1  # another query, another entry
    with orf.GenerationCache(path) as store:
        mine = store.account(orf.fetch.Secret(MGMT))
        other = store.account(orf.fetch.Secret(INFERENCE))
        assert mine != other
        assert store.get_raw_many(mine, [day + "|workspace=*|group_by=-"], table="activity")
        assert not store.get_raw_many(other, [day + "|workspace=*|group_by=-"],
                                      table="activity")
    for file in tmp_path.iterdir():
        data = file.read_bytes()
        assert MGMT.encode() not in data and b"do-not-store" not in data, file.name


def test_fetch_prices_model_rows(account_sim):
    from openrouter_frame.frame.account import PRICE_COLUMNS
    from openrouter_frame.testing import data as simdata

    df = orf.fetch_prices(base_url=account_sim.base_url)
    assert tuple(df.columns) == PRICE_COLUMNS
    assert (df["level"] == "model").all() and df["provider_name"].isna().all()
    assert len(df) == len(simdata.MODELS) - len(simdata.RETIRED)
    today = pd.Timestamp.now(tz="UTC").date()
    assert df.attrs["as_of"] == today.isoformat()
    assert set(pd.Series(df["as_of"]).dt.date) == {today}
    row = df.set_index("model").loc["openai/gpt-4o"]
    assert (row["prompt"], row["completion"], row["input_cache_read"]) == (
        2.5e-06, 1e-05, 1.25e-06)
    assert pd.isna(row["input_cache_write"]) and pd.isna(row["overrides"])
    pro = df.set_index("model").loc["google/gemini-2.5-pro", "overrides"]
    assert json.loads(pro)[0]["min_prompt_tokens"] == 200_000


def test_fetch_prices_endpoints_and_unlisted_models(account_sim):
    asked = ["meta-llama/llama-3.3-70b-instruct", "cohere/command-r-08-2024"]
    with pytest.warns(orf.OpenRouterWarning, match="cohere/command-r-08-2024"):
        df = orf.fetch_prices(endpoints=True, models=asked, base_url=account_sim.base_url,
                              dtype_backend="pyarrow")
    assert set(df["model"]) == {asked[0]}
    endpoints = df[df["level"] == "endpoint"].set_index("provider_name")
    assert set(endpoints.index) == {"Together", "DeepInfra", "Fireworks", "Groq"}  # no Lambda
    assert endpoints.loc["Groq", "endpoint_tag"] == "groq"
    assert endpoints.loc["Groq", "prompt"] == 5.9e-07
    assert endpoints.loc["Together", "prompt"] == df.loc[df["level"] == "model", "prompt"].iloc[0]
    assert str(df["prompt"].dtype) == "double[pyarrow]"
    assert (endpoints["discount"] == 0).all()


def test_fetch_prices_cached_by_the_day_fetched(account_sim, tmp_path):
    path = tmp_path / "prices.sqlite"
    first = orf.fetch_prices(endpoints=True, models="openai/gpt-4o",
                             base_url=account_sim.base_url, cache=path)
    before = account_sim.stats.requests
    again = orf.fetch_prices(endpoints=True, models="openai/gpt-4o",
                             base_url=account_sim.base_url, cache=path,
                             as_of=first.attrs["as_of"])
    assert account_sim.stats.requests == before
    pd.testing.assert_frame_equal(first, again)
    with pytest.raises(ValueError, match="no prices stored for as_of=2020-01-01"):
        orf.fetch_prices(base_url=account_sim.base_url, cache=path, as_of="2020-01-01")
    assert account_sim.stats.requests == before


def test_an_unreadable_cached_day_is_fetched_again(account_sim):
    store = orf.MemoryStore()
    day = str(account_sim.history_end)
    first = orf.fetch_activity(api_key=MGMT, base_url=account_sim.base_url, cache=store,
                               date=day)
    store.put_raw(store.account(orf.fetch.Secret(MGMT)), day + "|workspace=*|group_by=-",
                  b"{not json", table="activity")
    before = account_sim.stats.requests
    again = orf.fetch_activity(api_key=MGMT, base_url=account_sim.base_url, cache=store,
                               date=day)
    assert account_sim.stats.requests == before + 1
    pd.testing.assert_frame_equal(first, again)
