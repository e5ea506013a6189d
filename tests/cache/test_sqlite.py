"""cache.py: the resumable on-disk record cache, over real HTTP to the simulator."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import openrouter_frame as orf
from openrouter_frame import OpenRouterClient, cache_info, clear_cache
from openrouter_frame.cache import FILE_NAME, GenerationCache, default_path, open_cache
from openrouter_frame.errors import CacheError
from openrouter_frame.fetch import Secret
from openrouter_frame.testing import Simulator, serve


def _fetch(sim: Simulator, ids: list[str], cache: Any, **kw: Any) -> orf.FetchResult:
    return orf.fetch_generations(ids, api_key=sim.api_key, base_url=sim.base_url, cache=cache,
                                 progress=False, **kw)


# -- a re-run costs nothing -------------------------------------------------------------
@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
def test_rerun_sends_no_request_and_gives_the_same_frame(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "c.sqlite"
    with serve() as s:
        ids = s.ids(60)
        first = _fetch(s, ids, path, dtype_backend=backend)
        assert s.stats.requests == 60
        again = _fetch(s, ids, path, dtype_backend=backend)
        assert s.stats.requests == 60  # not one more
    assert again.records == first.records == [s.record(i) for i in ids]
    pd.testing.assert_frame_equal(again.frame, first.frame)


def test_partly_cached_batch_fetches_only_the_rest_in_input_order(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with serve() as s:
        ids = s.ids(50)
        _fetch(s, ids[10:30], path)
        s.stats.reset()
        s.received_ids.clear()
        shuffled = ids[::-1]
        result = _fetch(s, shuffled, path)
        assert s.stats.requests == 30
        assert sorted(s.received_ids) == sorted(ids[:10] + ids[30:])
    assert list(result.frame["id"]) == shuffled


def test_get_generation_reads_and_fills_the_cache(tmp_path: Path) -> None:
    with serve() as s, OpenRouterClient(s.api_key, s.base_url, cache=tmp_path / "c") as c:
        id = s.ids(1)[0]
        assert c.get_generation(id) == c.get_generation(id) == s.record(id)
        assert s.stats.requests == 1


def test_generations_to_frame_and_client_take_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with serve() as s:
        ids = s.ids(5)
        orf.generations_to_frame(ids, api_key=s.api_key, base_url=s.base_url, cache=path)
        with OpenRouterClient(s.api_key, s.base_url, cache=path) as c:
            assert repr(c).endswith(f"cache={str(path)!r})")
            assert len(c.fetch(ids).frame) == 5
        assert s.stats.requests == 5


# -- only complete 200 records, written as they arrive ---------------------------------
def test_only_complete_200_records_are_stored(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with serve() as plain:
        ids = plain.ids(8)
        foreign = plain.foreign_ids(1)
    faults = {"status_for": {ids[0]: 502, ids[1]: 429}, "retry_after": 0.01,
              "body_for": {ids[2]: {"error": "no data"}, ids[3]: {"data": [1, 2]},
                           ids[4]: b'{"data": {"id": '}}
    with serve(faults=faults) as s, OpenRouterClient(s.api_key, s.base_url, cache=path,
                                                     max_retries=1, backoff_factor=0) as c:
        result = c.fetch(ids + foreign + ["gen-0000000000-missing"])
        assert sorted(result.failures["id"]) == sorted(ids[:5] + foreign
                                                       + ["gen-0000000000-missing"])
        assert set(c.cache.get_many(c.cache.account(Secret(s.api_key)), ids)) == set(ids[5:])
    assert cache_info(path).entries == 3


def test_records_are_written_as_they_arrive_and_a_rerun_resumes(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with serve(faults={"revoke_after": 40}) as s:  # the key is revoked mid-batch
        ids = s.ids(200)
        with pytest.raises(orf.AuthenticationError) as info:
            _fetch(s, ids, path, max_workers=4)
    fetched = list(info.value.result.frame["id"])
    assert len(fetched) == 40
    assert cache_info(path).entries == 40
    with serve() as s:  # same seed: same key and ids, no faults
        result = _fetch(s, ids, path)
        assert s.stats.requests == 160
        assert set(s.received_ids) == set(ids) - set(fetched)
    assert result.ok and list(result.frame["id"]) == ids


def test_accounts_never_see_each_others_records(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with serve(api_key="sk-or-v1-account-a") as a:
        ids = a.ids(10)
        _fetch(a, ids, path)
    with serve(api_key="sk-or-v1-account-b") as b:
        result = _fetch(b, ids, path)  # account b asks for account a's ids
        assert b.stats.requests == 10
        assert len(result.frame) == 0 and len(result.failures) == 10
        _fetch(b, b.ids(4), path)
    info = cache_info(path)
    assert (info.entries, info.accounts) == (14, 2)




def test_raw_bodies_are_compact_json_of_the_data_object(tmp_path: Path) -> None:
    with serve() as s, OpenRouterClient(s.api_key, s.base_url, cache=tmp_path / "c") as c:
        ids = s.ids(20)
        c.fetch(ids)
        account = c.cache.account(Secret(s.api_key))
        raw = c.cache.get_raw_many(account, ids + ["gen-0000000000-absent"])
    assert set(raw) == set(ids)
    for id, body in raw.items():
        assert isinstance(body, bytes)
        assert json.loads(body) == s.record(id)
        assert body == json.dumps(s.record(id), separators=(",", ":"),
                                  ensure_ascii=False).encode()


def test_many_ids_are_read_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("openrouter_frame.cache.sqlite._CHUNK", 1_000)
    with GenerationCache(tmp_path / "c.sqlite") as cache:
        key = cache.account(Secret("sk-test"))
        ids = [f"gen-{i}" for i in range(2_345)]
        cache.put_many(key, [(i, {"id": i}) for i in ids])
        assert len(cache.get_many(key, ids + ["gen-x"])) == 2_345


# -- where the cache lives ----------------------------------------------------------------
@pytest.fixture()
def fake_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every platform's user cache directory into tmp_path."""
    for name in ("HOME", "XDG_CACHE_HOME", "LOCALAPPDATA", "USERPROFILE"):
        monkeypatch.setenv(name, str(tmp_path / "home"))
    return tmp_path / "home"


def test_cache_true_uses_the_platform_user_cache_dir(fake_home: Path) -> None:
    import platformdirs

    expected = Path(platformdirs.user_cache_dir("openrouter_frame", appauthor=False)) / FILE_NAME
    assert default_path() == expected
    assert fake_home in expected.parents
    with serve() as s:
        _fetch(s, s.ids(3), True)
    assert expected.exists() and cache_info(True).entries == 3
    assert cache_info().path == expected  # no variable: the default location


@pytest.mark.parametrize(
    ("value", "where"),
    [("{tmp}/env.sqlite", "file"), ("1", "default"), ("true", "default"), ("0", None),
     ("", None), ("off", None)],
    ids=["path", "one", "true", "zero", "empty", "off"],
)
def test_environment_variable_when_cache_is_none(
        value: str, where: str | None, tmp_path: Path, fake_home: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_FRAME_CACHE", value.format(tmp=tmp_path))
    cache = open_cache(None)
    try:
        expected = {"file": tmp_path / "env.sqlite", "default": default_path(), None: None}
        assert (cache.path if cache else None) == expected[where]
    finally:
        if cache is not None:
            cache.close()


def test_cache_false_ignores_the_variable(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_FRAME_CACHE", str(tmp_path / "env.sqlite"))
    with serve() as s:
        _fetch(s, s.ids(3), False)
        assert not (tmp_path / "env.sqlite").exists()
        _fetch(s, s.ids(3), None)
    assert cache_info(tmp_path / "env.sqlite").entries == 3


def test_a_directory_gets_the_default_file_name_and_tilde_expands(
        tmp_path: Path, fake_home: Path) -> None:
    with open_cache(tmp_path) as cache:  # type: ignore[union-attr]
        assert cache.path == tmp_path / FILE_NAME
    with open_cache("~/sub/c.sqlite") as cache:  # type: ignore[union-attr]
        assert cache.path == fake_home / "sub" / "c.sqlite"


@pytest.mark.parametrize(("cache", "error"), [(1, TypeError), ("", ValueError)],
                         ids=["int", "empty-string"])
def test_bad_cache_argument(cache: Any, error: type) -> None:
    with pytest.raises(error):
        OpenRouterClient("sk", "http://127.0.0.1:1", cache=cache)


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_files_are_private_to_their_owner(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "c.sqlite"
    with serve() as s:
        _fetch(s, s.ids(5), path)
        with GenerationCache(path) as cache:  # keep it open: -wal and -shm exist now
            cache.put(cache.account(Secret("sk")), "gen-x", {"id": "gen-x"})
            files = [path, path.with_name(path.name + "-wal"),
                     path.with_name(path.name + "-shm")]
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
    assert modes == {f.name: 0o600 for f in files}
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

# -- processes -------------------------------------------------------------------------------
_WRITER = """
import sys
from openrouter_frame.cache import GenerationCache
from openrouter_frame.fetch import Secret
path, who = sys.argv[1], sys.argv[2]
sys.stdin.readline()  # start together
with GenerationCache(path, timeout=60) as cache:
    for i in range(300):
        cache.put(cache.account(Secret("sk-shared")), f"gen-{who}-{i}", {"id": f"gen-{who}-{i}"})
    ids = [f"gen-{who}-{i}" for i in range(300)]
    found = cache.get_many(cache.account(Secret("sk-shared")), ids)
    assert len(found) == 300
"""


def test_two_processes_create_and_write_one_file_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), who],
                              stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for who in ("a", "b")]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with GenerationCache(path) as cache:  # one salt: both wrote under one fingerprint
        found = cache.get_many(cache.account(Secret("sk-shared")),
                               [f"gen-{w}-{i}" for w in "ab" for i in range(300)])
        assert len(found) == 600 and cache.info().accounts == 1


# -- cache_info and clear_cache -----------------------------------------------------------
def test_cache_info_and_clear_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with serve() as s:
        _fetch(s, s.ids(40), path)
    info = orf.cache_info(str(path))
    assert isinstance(info, orf.CacheInfo)
    assert (info.path, info.entries, info.accounts) == (path, 40, 1)
    assert info.size_bytes >= path.stat().st_size > 0
    assert "40 record(s)" in str(info)
    assert orf.clear_cache(path) == 40
    after = orf.cache_info(path)
    assert after.entries == 0 and after.size_bytes < info.size_bytes
    with serve() as s:  # a cleared cache fetches again
        _fetch(s, s.ids(3), path)
        assert s.stats.requests == 3


def test_cache_info_of_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "absent.sqlite"
    assert cache_info(path) == orf.CacheInfo(path=path, entries=0, accounts=0, size_bytes=0)
    assert clear_cache(path) == 0
    assert not path.exists()


def test_admin_functions_take_an_open_cache_and_refuse_false(tmp_path: Path) -> None:
    with GenerationCache(tmp_path / "c.sqlite") as cache:
        cache.put(cache.account(Secret("k")), "gen-1", {"id": "gen-1"})
        assert cache_info(cache).entries == 1
        assert clear_cache(cache) == 1
    for fn in (cache_info, clear_cache):
        with pytest.raises(ValueError, match="cache=False"):
            fn(False)


def test_client_closes_only_a_cache_it_opened(tmp_path: Path) -> None:
    with GenerationCache(tmp_path / "c.sqlite") as shared:
        with OpenRouterClient("sk", "http://127.0.0.1:1", cache=shared):
            pass
        assert shared.info().entries == 0  # still open
        with OpenRouterClient("sk", "http://127.0.0.1:1", cache=tmp_path / "d") as own:
            opened = own.cache
        with pytest.raises(CacheError, match="closed"):
            opened.info()  # type: ignore[union-attr]


# -- the command line -----------------------------------------------------------------------
def test_cli_fetch_cache_and_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from openrouter_frame import cli

    path = tmp_path / "c.sqlite"
    ids_file = tmp_path / "ids.txt"
    with serve() as s:
        ids_file.write_text("\n".join(s.ids(25)) + "\n")
        monkeypatch.setenv("OPENROUTER_API_KEY", s.api_key)
        monkeypatch.setenv("OPENROUTER_BASE_URL", s.base_url)
        out = ["-o", str(tmp_path / "out.parquet"), "--no-progress"]
        assert cli.main(["fetch", str(ids_file), *out, "--cache", str(path)]) == 0
        assert cli.main(["fetch", str(ids_file), *out, "--cache", str(path)]) == 0
        assert s.stats.requests == 25  # the second run read every record from the cache
        monkeypatch.setenv("OPENROUTER_FRAME_CACHE", str(tmp_path / "env.sqlite"))
        assert cli.main(["fetch", str(ids_file), *out, "--no-cache"]) == 0
        assert s.stats.requests == 50 and not (tmp_path / "env.sqlite").exists()
        assert cli.main(["fetch", str(ids_file), *out, "--cache", str(path), "--no-cache"]) == 2
    assert "not allowed with" in capsys.readouterr().err
    assert pd.read_parquet(tmp_path / "out.parquet")["id"].tolist() == ids_file.read_text().split()
