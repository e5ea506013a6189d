"""The cache holds a fetched ``data`` object's bytes exactly as the server sent them.

Issue 18, "the data walks one way": a fetched record was decoded, encoded
again (compact JSON) and stored, so the cache held bytes the server never
sent.  Each loopback server here spells its bodies in ways ``json.dumps``
would not reproduce (whitespace, ``\\u00e9`` escapes, key order, ``1.50``,
``1E-3``, raw UTF-8, extra envelope keys, a repeated ``"data"`` key), and the
stored row must be the ``data`` member's bytes, byte for byte.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from _loopback import loopback_server, reply

from openrouter_frame import OpenRouterClient

KEY = "sk-or-v1-" + "r4wput" * 8

#: Records as a server might spell them: ``{id}`` is replaced by the id asked for.
RECORDS = {
    "whitespace-escapes-floats": (
        b'{\n  "data" :  {"model":"caf\\u00e9/m\\u00fcsli",  "id" : "{id}",\n'
        b'    "total_cost":1.50, "latency" : 1E-3, "tokens_prompt": 12 ,\n'
        b'    "provider_name": "P\\/Q", "is_byok": false}\n}\n'),
    "raw-utf8-and-extra-keys": (
        '{"meta": {"x": [1, 2.0]}, "data": {"id": "{id}", "model": "café/ünï 語",'
        ' "total_cost": 0.50, "cost_details": {"b": 1, "a": null}}, "trailer": "ok"}'
        .encode()),
    "data-twice-last-wins": (
        b'{"data": {"id": "{id}", "model": "first"},'
        b' "data" : { "model" : "second" , "id" : "{id}" , "total_cost" : 2.500 } }'),
}

#: Contents as a server might spell them (with no id: a content is read with its id).
CONTENTS = {
    "whitespace-and-escapes": (
        b'{ "data": { "input" : {"prompt": "na\\u00efve \\"q\\""} ,'
        b' "output": {"completion": "r\\u00e9ponse",  "reasoning": null} } }'),
    "raw-utf8": '{"data":{"output":{"completion":"réponse 答"},"input":{"messages":[ ]}}}'.encode(),
}


def _body(template: bytes, id: str) -> bytes:
    return template.replace(b"{id}", id.encode())


def _member(body: bytes) -> bytes:
    """The bytes of the last top-level ``data`` member of ``body`` (as written above)."""
    start = body.rindex(b'"data"')
    start = body.index(b"{", start)
    end = body.rindex(b"}", 0, body.rstrip().rindex(b"}"))
    return body[start:end + 1]


def _server(records: bytes, contents: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            url = urlsplit(self.path)
            id = parse_qs(url.query)["id"][0]
            template = contents if url.path.endswith("/content") else records
            reply(self, 200, _body(template, id))

    return Handler


@contextlib.contextmanager
def _client(tmp_path: Path, records: bytes, contents: bytes = CONTENTS["raw-utf8"]
            ) -> Iterator[tuple[OpenRouterClient, Path]]:
    path = tmp_path / "cache.sqlite"
    with loopback_server(_server(records, contents)) as url:
        with OpenRouterClient(KEY, url, cache=path, not_found_grace=0) as client:
            yield client, path


def _stored(path: Path, table: str) -> dict[str, bytes]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return {id: bytes(body) for id, body in conn.execute(f"SELECT id, body FROM {table}")}


IDS = ["gen-1700000000-aaaa", "gen-1700000000-bbbb", "gen-1700000000-cccc"]

RECORD_CALLS: dict[str, Callable[[OpenRouterClient], Any]] = {
    "fetch": lambda c: c.fetch(IDS, progress=False),
    "get_generation": lambda c: [c.get_generation(i) for i in IDS],
}


@pytest.mark.parametrize("call", list(RECORD_CALLS), ids=list(RECORD_CALLS))
@pytest.mark.parametrize("spelling", list(RECORDS), ids=list(RECORDS))
@pytest.mark.filterwarnings("ignore::openrouter_frame.SchemaWarning")
def test_a_fetched_record_is_stored_as_the_server_spelled_it(tmp_path: Path, spelling: str,
                                                             call: str) -> None:
    template = RECORDS[spelling]
    expected = {id: _member(_body(template, id)) for id in IDS}
    for id, member in expected.items():  # the test's own premise: bytes json.dumps won't give
        record = json.loads(_body(template, id))["data"]
        assert json.loads(member) == record
        assert member not in {json.dumps(record).encode(), json.dumps(record, separators=(
            ",", ":"), ensure_ascii=False).encode()}
    with _client(tmp_path, template) as (client, path):
        RECORD_CALLS[call](client)
        assert _stored(path, "generations") == expected
        fetched = client.fetch(IDS, progress=False)  # now all cached: read from those bytes
    frame = fetched.frame
    assert frame["id"].tolist() == IDS
    last = json.loads(_body(template, IDS[0]))["data"]
    assert frame["model"].tolist() == [last["model"]] * len(IDS)
    assert frame["total_cost"].tolist() == [last["total_cost"]] * len(IDS)


CONTENT_CALLS: dict[str, Callable[[OpenRouterClient], Any]] = {
    "fetch_contents": lambda c: c.fetch_contents(IDS, progress=False),
    "get_content": lambda c: [c.get_content(i) for i in IDS],
}


@pytest.mark.parametrize("call", list(CONTENT_CALLS), ids=list(CONTENT_CALLS))
@pytest.mark.parametrize("spelling", list(CONTENTS), ids=list(CONTENTS))
def test_a_fetched_content_is_stored_as_the_server_spelled_it(tmp_path: Path, spelling: str,
                                                              call: str) -> None:
    template = CONTENTS[spelling]
    with _client(tmp_path, RECORDS["raw-utf8-and-extra-keys"], template) as (client, path):
        CONTENT_CALLS[call](client)
        assert _stored(path, "contents") == {id: _member(template) for id in IDS}
        again = client.fetch_contents(IDS, progress=False)  # from the cache, ids added back
        one = client.get_content(IDS[1])
    assert again.frame["id"].tolist() == IDS
    assert one == {**json.loads(template)["data"], "id": IDS[1]}


@pytest.mark.filterwarnings("ignore::openrouter_frame.SchemaWarning")
def test_a_record_without_its_id_is_stored_with_it(tmp_path: Path) -> None:
    """The one record not stored as received: the bytes alone would read with no id."""
    template = b'{"data": {"model": "m",  "total_cost": 1.50}}'
    with _client(tmp_path, template) as (client, path):
        client.fetch(IDS, progress=False)
        stored = _stored(path, "generations")
        cached = client.fetch(IDS, progress=False)  # the fast raw-bytes reader
    assert {id: json.loads(body) for id, body in stored.items()} == {
        id: {"model": "m", "total_cost": 1.5, "id": id} for id in IDS}
    assert cached.frame["id"].tolist() == IDS
    assert not pd.isna(cached.frame["id"]).any()


@pytest.mark.filterwarnings("ignore::openrouter_frame.SchemaWarning")
def test_a_record_with_non_finite_numbers_is_stored_and_reads_back_the_same(tmp_path: Path
                                                                           ) -> None:
    """``NaN`` and ``1e400`` (inf), which strict JSON encoding refuses, are kept as sent."""
    template = b'{"data": {"id": "{id}", "latency": 1e400, "total_cost": NaN, "model": "m"}}'
    with _client(tmp_path, template) as (client, path):
        fresh = client.fetch(IDS, progress=False)
        stored = _stored(path, "generations")
        cached = client.fetch(IDS, progress=False)
        one = client.get_generation(IDS[0])
    assert stored == {id: _member(_body(template, id)) for id in IDS}
    pd.testing.assert_frame_equal(cached.frame, fresh.frame)  # the cached read, as fetched
    assert one["latency"] == float("inf") and one["total_cost"] != one["total_cost"]
