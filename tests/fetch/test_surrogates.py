"""Defect 1 of issue 18: a lone surrogate in a 200 body is a per-id failure naming the field.

JSON can spell ``"\\udc80"``, which no UTF-8 text can hold; it once raised
``UnicodeEncodeError`` from the frame builder and lost the whole batch.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest
from _loopback import loopback_server, reply

from openrouter_frame import OpenRouterClient, ResponseError
from openrouter_frame.fetch.client import unpaired_surrogate

GOOD = [f"gen-1740432000-Good{i}" for i in range(4)]
BAD = "gen-1740432000-Bad"
IDS = [GOOD[0], GOOD[1], BAD, GOOD[2], GOOD[3]]
#: The bad id's body: the same record with ``LONE`` (JSON text) in one field.
LONE = "\\udc80"


def _record(id: str, model: str) -> str:
    return (f'{{"data": {{"id": "{id}", "model": "{model}", "total_cost": 0.25, '
            '"origin": "", "provider_name": "P"}}')


def _content(id: str, prompt: str) -> str:
    return (f'{{"data": {{"id": "{id}", "input": {{"prompt": "{prompt}"}}, '
            '"output": {"completion": "fine"}}}')


class _Server(BaseHTTPRequestHandler):
    """Records and contents; the bad id's model or prompt holds a lone surrogate."""

    requested: list[str] = []
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        url = urlsplit(self.path)
        id = parse_qs(url.query)["id"][0]
        with self.lock:
            self.requested.append(id)
        text = "m" + LONE if id == BAD else "m"
        body = _content(id, text) if url.path.endswith("/content") else _record(id, text)
        reply(self, 200, body.encode())


@pytest.fixture()
def server():
    _Server.requested = []
    with loopback_server(_Server) as url:
        yield url


def _fetch(client: OpenRouterClient, what: str):
    return client.fetch(IDS, progress=False) if what == "records" else \
        client.fetch_contents(IDS, progress=False)


@pytest.mark.parametrize("what,field", [("records", "model"), ("contents", "input.prompt")],
                         ids=["records", "contents"])
@pytest.mark.parametrize("cached", [False, True], ids=["no-cache", "cache"])
@pytest.mark.filterwarnings("ignore::openrouter_frame.SchemaWarning")
def test_a_lone_surrogate_is_a_per_id_failure_and_the_batch_survives(
        server, tmp_path, what, field, cached):
    cache = tmp_path / "c.sqlite" if cached else False
    runs = 2 if cached else 1
    for _ in range(runs):  # with a cache, a second run must finish too
        with OpenRouterClient("sk-test", server, cache=cache) as client:
            result = _fetch(client, what)
        assert result.frame["id"].tolist() == [i for i in IDS if i != BAD]
        assert result.failures["id"].tolist() == [BAD]
        row = result.failures.iloc[0]
        assert row["status"] == 200
        assert f"field {field!r} holds an unpaired surrogate U+DC80" in row["error"]
        row["error"].encode("utf-8")  # the message itself is valid text
    if cached:  # the good ids came from the cache; only the bad one was asked again
        assert sorted(_Server.requested) == sorted(IDS + [BAD])


def test_get_generation_raises_a_response_error_naming_the_field(server):
    with OpenRouterClient("sk-test", server) as client:
        with pytest.raises(ResponseError, match="field 'model' holds an unpaired surrogate"):
            client.get_generation(BAD)
        assert client.get_generation(GOOD[0])["model"] == "m"


@pytest.mark.parametrize(
    "text,expected",
    [('{"a": "\\ud83d\\ude00"}', None),
     ('{"a": "\\udc80"}', "field 'a'"),
     ('{"a": "\\ud800x"}', "field 'a'"),
     ('{"a": [{"b": ["ok", "\\uDFFF"]}]}', "field 'a[0].b[1]'"),
     ('{"a": {"\\udc80": 1}}', "a key of field 'a', '\\\\udc80'"),
     (b'{"a": "\xed\xb2\x80"}', "field 'a'")],
    ids=["pair", "lone-low", "lone-high", "nested", "in-a-key", "raw-bytes"])
def test_unpaired_surrogate_names_the_place(text, expected):
    problem = unpaired_surrogate(json.loads(text))
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and problem.startswith(expected)
