"""A cache that cannot be used raises CacheError: a library error naming the file and the cure.

Issue 18: the cache raised bare ``ValueError`` and ``sqlite3.DatabaseError``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import openrouter_frame as orf
from openrouter_frame.cache import GenerationCache, cache_info, clear_cache, open_cache
from openrouter_frame.errors import CacheError, OpenRouterError
from openrouter_frame.fetch import Secret
from openrouter_frame.testing import serve


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a database" * 100)


def _foreign(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE mine (a)")


def _other_format(path: Path) -> None:
    GenerationCache(path).close()
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:  # closed: checkpointed
        conn.execute("UPDATE meta SET value = 'openrouter_frame.generations/99' "
                     "WHERE name = 'format'")


NOT_OURS: dict[str, Callable[[Path], None]] = {
    "not-sqlite": _garbage, "foreign-sqlite": _foreign, "other-format": _other_format}
OPENERS: dict[str, Callable[[Path], Any]] = {
    "GenerationCache": GenerationCache, "open_cache": open_cache, "cache_info": cache_info,
    "clear_cache": clear_cache,
    "OpenRouterClient": lambda p: orf.OpenRouterClient("sk-x", "http://127.0.0.1:1", cache=p)}


def _check(error: CacheError, path: Path, *words: str) -> None:
    assert isinstance(error, OpenRouterError) and isinstance(error, ValueError)
    assert error.path == path and str(path) in str(error)
    for word in words:
        assert word in str(error)


@pytest.mark.parametrize("opener", list(OPENERS), ids=list(OPENERS))
@pytest.mark.parametrize("make", list(NOT_OURS), ids=list(NOT_OURS))
def test_a_file_that_is_not_our_cache_raises_cache_error(tmp_path: Path, make: str,
                                                         opener: str) -> None:
    path = tmp_path / "x.sqlite"
    NOT_OURS[make](path)
    before = path.read_bytes()
    with pytest.raises(CacheError) as info:
        OPENERS[opener](path)
    _check(info.value, path, "not a usable openrouter_frame cache", "another cache path")
    assert path.read_bytes() == before  # never touched


def test_another_format_says_which(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite"
    _other_format(path)
    with pytest.raises(CacheError, match="generations/99"):
        GenerationCache(path)


@pytest.mark.parametrize("keep", [100, 0.5], ids=["all-but-the-header", "second-half"])
def test_a_damaged_file_names_itself_and_the_cure(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "c.sqlite"
    with GenerationCache(path) as cache:
        account = cache.account(Secret("sk-x"))
        cache.put_raw_many(account, [(f"gen-{i}", b'{"id":"x"}' * 50) for i in range(2_000)])
    data = path.read_bytes()
    cut = int(keep if keep >= 1 else len(data) * keep)
    path.write_bytes(data[:cut] + os.urandom(len(data) - cut))
    for name in ("c.sqlite-wal", "c.sqlite-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    with pytest.raises(CacheError) as info:  # on opening, or on reading
        with GenerationCache(path) as cache:
            cache.get_raw_many(account, [f"gen-{i}" for i in range(2_000)])
    _check(info.value, path, "damaged", f"rm {path} {path}-wal {path}-shm")


def test_a_read_only_file_raises_on_write_and_never_fails_a_fetch(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "c.sqlite"
    with GenerationCache(path) as cache:
        # What SQLite answers for a file it may not write (root ignores file modes).
        cache._conn.execute("PRAGMA query_only = ON")
        with pytest.raises(CacheError) as info:
            cache.put_raw(cache.account(Secret("sk-x")), "gen-1", b"{}")
        _check(info.value, path, "read-only", "writable")
        with serve() as s:
            result = orf.fetch_generations(s.ids(5), api_key=s.api_key, base_url=s.base_url,
                                           cache=cache, progress=False)
    assert result.ok and len(result.frame) == 5
    [warning] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert str(path) in warning and "read-only" in warning


def test_a_file_locked_too_long_says_so(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    GenerationCache(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(CacheError) as info:  # opening writes (its schema), so it waits
            GenerationCache(path, timeout=0.05)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _check(info.value, path, "locked")


def test_a_closed_cache_says_so(tmp_path: Path) -> None:
    cache = GenerationCache(tmp_path / "c.sqlite")
    cache.close()
    cache.close()  # idempotent
    with pytest.raises(CacheError, match="closed"):
        cache.info()


def test_a_file_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    path = tmp_path / "file" / "c.sqlite"
    with pytest.raises(CacheError) as info:
        GenerationCache(path)
    _check(info.value, path, "cannot create", "cache=False")


def test_a_batch_over_an_unusable_file_sends_nothing(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite"
    _garbage(path)
    with serve() as s:
        with pytest.raises(CacheError):
            orf.generations_to_frame(s.ids(3), api_key=s.api_key, base_url=s.base_url,
                                     cache=path)
        assert s.stats.requests == 0


def test_cache_error_pickles_with_its_path(tmp_path: Path) -> None:
    error = CacheError("the cache file x is damaged", path=tmp_path / "x")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is CacheError and again.path == error.path and str(again) == str(error)


def test_the_command_line_names_an_unusable_cache_and_fetches_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from openrouter_frame import cli

    path = tmp_path / "x.sqlite"
    _garbage(path)
    ids_file = tmp_path / "ids.txt"
    with serve() as s:
        ids_file.write_text("\n".join(s.ids(3)) + "\n")
        monkeypatch.setenv("OPENROUTER_API_KEY", s.api_key)
        monkeypatch.setenv("OPENROUTER_BASE_URL", s.base_url)
        code = cli.main(["fetch", str(ids_file), "-o", str(tmp_path / "out.parquet"),
                         "--no-progress", "--cache", str(path)])
        assert s.stats.requests == 0
    err = capsys.readouterr().err
    assert code != 0 and str(path) in err and "Traceback" not in err
    assert not (tmp_path / "out.parquet").exists()
