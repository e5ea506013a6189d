"""ids_from: generation ids out of SDK objects, dicts, files, lines and free text."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import openrouter_frame as orf
from openrouter_frame.fetch.ids import _FILE_SUFFIXES, GENERATION_ID, ids_from

A, B, C = "gen-1740432000-AbCdEfGhIjKlMnOpQrSt", "gen-1740432001-Zz9", "gen-3bhGkxlo4XFrqiab"


@dataclass
class Completion:
    """Looks like openai.types.chat.ChatCompletion: an ``id`` attribute, more fields."""

    id: str
    model: str = "openai/gpt-4o"


class Pydantic:
    """No usable ``.id``, but a ``model_dump()`` (a pydantic model of another shape)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def model_dump(self) -> dict[str, Any]:
        return self._data


def test_exported_at_the_top() -> None:
    assert orf.ids_from is ids_from and "ids_from" in orf.__all__


@pytest.mark.parametrize(
    ("obj", "expected"),
    [(Completion(A), [A]),
     ([Completion(A), Completion(B), Completion(A)], [A, B]),
     (Pydantic({"response": {"id": B}, "other": [C]}), [B, C]),
     ({"id": A, "choices": [{"message": {"content": "see " + B}}]}, [A]),
     ({"data": {"id": A, "response_cache_source_id": B}}, [A]),
     ({"id": "chatcmpl-1", "note": f"from {B}", "n": 3, "ok": True, "x": None}, [B]),
     ((d for d in [{"id": B}, {"id": A}]), [B, A]),
     ({A: 1, B: 2}.keys(), [A, B]),
     (pd.Series([A, None, B]), [A, B]),
     (pd.DataFrame({"id": [B, A], "model": ["m", "m"]}), [B, A]),
     (f'{{"id": "{A}"}}\n{{"id": "{B}", "response_cache_source_id": "{C}"}}\n', [A, B]),
     ([f'{{"id": "{A}"}}', f'{{"id": "{B}"}}'], [A, B]),
     (json.dumps([{"id": C}, {"id": A}]), [C, A]),
     (f"ok {A}\nfailed: {B}\n".encode(), [A, B]),
     (f"{A},{B};{A} ({C}).", [A, B, C]),
     ("nothing here", []),
     ([], [])],
    ids=["sdk-object", "sdk-objects", "model-dump", "completion-dict", "generation-body",
         "dict-without-gen-id", "generator", "dict-keys", "series", "frame", "jsonl-text",
         "jsonl-lines", "json-array", "bytes", "plain-text", "no-ids", "empty"],
)
def test_ids_from(obj: Any, expected: list[str]) -> None:
    assert ids_from(obj) == expected


@pytest.mark.parametrize("kind", ["path", "str-path"], ids=["path", "str-path"])
@pytest.mark.parametrize(
    ("name", "text"),
    [("log.jsonl", f'{{"id": "{A}", "usage": {{}}}}\n\n{{"id": "{B}"}}\n'),
     ("all.json", json.dumps({"results": [{"id": B}, {"id": A}]})),
     ("run.txt", f"started {B}\nfinished {A}\n")],
    ids=["jsonl", "json", "text"],
)
def test_files(tmp_path: Path, kind: str, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert set(ids_from(path if kind == "path" else str(path))) == {A, B}


def test_open_file_lines(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(f'{{"id": "{A}", "response_cache_source_id": "{C}"}}\n{{"id": "{B}"}}\n')
    with path.open() as lines:
        assert ids_from(lines) == [A, B]


@pytest.mark.parametrize("path", ["missing.jsonl", Path("missing.txt")], ids=["str", "path"])
def test_missing_file_is_an_error(tmp_path: Path, path: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError):
        ids_from(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [(f"see {A} in run.log", [A]), (f"{B}.json", [B]), ("runs/missing.txt", None)],
    ids=["text-ending-in-a-suffix", "id-named-file-that-is-absent", "mistyped-path"],
)
def test_text_or_path(tmp_path: Path, monkeypatch: Any, text: str,
                      expected: list[str] | None) -> None:
    monkeypatch.chdir(tmp_path)
    if expected is None:
        with pytest.raises(FileNotFoundError):
            ids_from(text)
    else:
        assert ids_from(text) == expected


def test_an_existing_file_named_like_text_is_read(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ids").write_text(f"{A}\n{B}\n")
    assert ids_from("ids") == [A, B]


@pytest.mark.parametrize("bad", [3, 2.5, None, float("nan"), object()],
                         ids=["int", "float", "none", "nan", "object"])
def test_unsupported_input_is_a_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match="ids_from"):
        ids_from(bad)


# -- the text parser ----------------------------------------------------------------------
_ALNUM = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                 min_size=1, max_size=24)
_IDS = st.lists(_ALNUM, min_size=1, max_size=3).map(lambda parts: "gen-" + "-".join(parts))
#: Text between ids: anything that does not glue itself to an id (no letters, digits, _ or -).
_GAP = st.text(st.characters(blacklist_categories=["L", "N", "Cs"], blacklist_characters="_-"),
               min_size=1, max_size=8)


@given(st.lists(st.tuples(_IDS, _GAP), max_size=12), _GAP)
def test_text_parser_finds_every_id_in_order(pairs: list[tuple[str, str]], lead: str) -> None:
    text = lead + "".join(id + gap for id, gap in pairs)
    assert ids_from(text.replace("{", "(").replace("[", "(")) == list(
        dict.fromkeys(id for id, _ in pairs))


@given(_IDS, st.text(max_size=6), st.text(max_size=6))
def test_an_id_is_found_exactly_when_it_stands_alone(id: str, before: str, after: str) -> None:
    text = f"{before}{id}{after}".replace("{", "(").replace("[", "(")
    glued = bool(re.search(r"[0-9A-Za-z_-]\Z", before) or re.match(r"[0-9A-Za-z_]|-[0-9A-Za-z]",
                                                                   after))
    found = ids_from(text)
    if "gen-" not in before + after:
        assert (id in found) is not glued
    assert all(GENERATION_ID.fullmatch(f) for f in found)


@given(st.text(max_size=200))
def test_text_parser_never_fails(text: str) -> None:
    # Text ending like a file name (and holding no id), or naming a directory ("/"), is
    # taken as a path: not this test's.
    path_like = text.strip().lower().endswith(_FILE_SUFFIXES) or \
        os.path.isdir(text.replace("\n", " ").strip())
    text = text + " gen-0" if path_like else text
    found = ids_from(text.replace("\n", " ") + " ")
    assert len(found) == len(set(found)) and all(GENERATION_ID.fullmatch(f) for f in found)


@given(st.lists(_IDS, max_size=8))
def test_json_and_jsonl_agree(ids: list[str]) -> None:
    records = [{"id": id, "usage": {"prompt_tokens": 1}} for id in ids]
    expected = list(dict.fromkeys(ids))
    assert ids_from(json.dumps(records)) == expected
    assert ids_from("\n".join(map(json.dumps, records))) == expected


# -- issue 18, defects 9 and 10 ---------------------------------------------------------------
DEPTH = 100_000


def _deep_list() -> list[Any]:
    root: list[Any] = [A]
    inner = root
    for _ in range(DEPTH):
        inner.append([])
        inner = inner[-1]
    inner.append({"id": B})
    return root


def _deep_dict() -> dict[str, Any]:
    root: dict[str, Any] = {"note": A}
    inner = root
    for _ in range(DEPTH):
        inner["next"] = {}
        inner = inner["next"]
    inner["data"] = {"id": B}
    return root


def _self_list() -> list[Any]:
    items: list[Any] = [A]
    items.append(items)
    items.append({"id": B})
    return items


def _self_dict() -> dict[str, Any]:
    holder: dict[str, Any] = {"first": A}
    holder["self"] = holder
    holder["then"] = [holder, {"id": B}]
    return holder


@pytest.mark.parametrize("make", [_deep_list, _deep_dict, _self_list, _self_dict],
                         ids=["deep-list", "deep-dict", "self-list", "self-dict"])
def test_any_nesting_and_self_containing_containers(make: Any) -> None:
    assert ids_from(make()) == [A, B]


@pytest.mark.parametrize("where", ["text", "file", "jsonl-line"], ids=["text", "file", "jsonl"])
def test_json_nested_too_deeply_is_a_clear_value_error(tmp_path: Path, where: str) -> None:
    deep = "[" * DEPTH + json.dumps(A) + "]" * DEPTH
    text = deep if where != "jsonl-line" else json.dumps({"id": B}) + "\n" + deep
    obj: Any = text
    if where == "file":
        obj = tmp_path / "deep.json"
        obj.write_text(text)
    with pytest.raises(ValueError, match="nested more deeply than Python's JSON parser") as info:
        ids_from(obj)
    assert not isinstance(info.value, RecursionError)
    if where == "file":
        assert "deep.json" in str(info.value)


@pytest.mark.parametrize("as_path", [False, True], ids=["str", "path"])
def test_a_directory_is_an_error_saying_to_pass_its_files(tmp_path: Path, monkeypatch: Any,
                                                         as_path: bool) -> None:
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "a.jsonl").write_text(json.dumps({"id": A}) + "\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(IsADirectoryError, match="pass its files"):
        ids_from(Path("runs") if as_path else "runs")
    assert ids_from(sorted(Path("runs").glob("*.jsonl"))) == [A]
