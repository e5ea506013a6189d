"""A loopback OpenRouter simulator for tests, demos and benchmarks.

:func:`serve` starts a real HTTP/1.1 server on ``127.0.0.1`` (and nowhere else)
that answers ``GET /api/v1/generation?id=...`` like the live service: realistic,
deterministic records, the same error shapes, and optional reproducible faults
(rate limits with ``Retry-After``, 5xx, truncated or HTML bodies, dropped
connections, revoked keys, exhausted credits, fresh ids that 404 for a while).
It never contacts the network and needs no real key.

Examples
--------
>>> import json, urllib.request
>>> from openrouter_frame.testing import serve
>>> with serve(seed=1) as sim:
...     id = sim.ids(1)[0]
...     req = urllib.request.Request(f"{sim.base_url}/generation?id={id}",
...                                  headers={"Authorization": f"Bearer {sim.api_key}"})
...     body = json.load(urllib.request.urlopen(req))
>>> body["data"] == sim.record(id)
True
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import math
import socket
import socketserver
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import account
from .content import make_content
from .data import account_secret, check_id, make_id, make_record, priced_otherwise
from .faults import EARLY_TOLERANCE, RANDOM_FAULTS, Faults, Stats

__all__ = ["EARLY_TOLERANCE", "Faults", "Simulator", "Stats", "serve"]

_MESSAGES = {
    400: "Missing required parameter: id", 401: "User not found.",
    402: "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
    403: "Forbidden: this generation belongs to another account",
    404: "Generation not found", 405: "Method not allowed",
    429: "Rate limit exceeded: too many requests", 500: "Internal Server Error",
    502: "Bad gateway: upstream provider error", 503: "Service unavailable",
}
_HTML = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
         b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
         b"</body>\r\n</html>\r\n")


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


def _error(status: int, message: str | None = None) -> _Reply:
    text = message or _MESSAGES.get(status, "Error")
    return _Reply(status, json.dumps({"error": {"code": status, "message": text}}).encode())


def _json(body: Any) -> _Reply:
    return _Reply(200, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())


#: The account's endpoints besides ``/models/{author}/{slug}/endpoints``.
_ACCOUNT_PATHS = frozenset({"/api/v1/activity", "/api/v1/models", "/api/v1/credits",
                            "/api/v1/key"})


def _unit(*parts: object) -> float:
    """A uniform number in [0, 1) from a hash of ``parts``."""
    text = "\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") / 2**64


class Simulator:
    """A loopback OpenRouter (use :func:`serve`, or ``with Simulator(...) as sim``).

    Attributes
    ----------
    base_url : str
        ``http://127.0.0.1:PORT/api/v1`` once started.
    api_key : str
        The inference key: the only one ``/generation`` accepts (an obviously fake
        one by default).
    management_key : str
        The account's management key: the only one ``/activity`` and ``/credits``
        accept (they answer 403 to the inference key, as the service does).
    today : datetime.date
        The simulated UTC day (fixed); ``/activity`` covers the 30 days before it,
        ``history_start`` to ``history_end`` (inclusive).
    stats : Stats
        Request counters.
    received_ids : list of str
        Every decoded ``id`` query value received, in arrival order.
    faults : Faults
        The configured faults.
    """

    def __init__(self, *, latency_ms: float = 0, seed: int = 0,
                 faults: Faults | Mapping[str, Any] | None = None,
                 api_key: str | None = None, management_key: str | None = None,
                 unlisted_share: float = 0.0) -> None:
        self.latency_ms = float(latency_ms)
        self.seed = seed
        self.faults = Faults.coerce(faults)
        self.api_key = api_key or "sk-or-v1-simulator-" + hashlib.sha256(
            f"orf-sim-key\0{seed}".encode()).hexdigest()[:16]
        self.management_key = management_key or "sk-or-v1-simulator-mgmt-" + hashlib.sha256(
            f"orf-sim-management-key\0{seed}".encode()).hexdigest()[:16]
        if hmac.compare_digest(self.management_key.encode(), self.api_key.encode()):
            raise ValueError("the management key must differ from the inference key")
        self._secret = account_secret(self.api_key)
        self.unlisted_share = unlisted_share
        self.today: datetime.date = account.TODAY
        self.history_start: datetime.date = account.first_day()
        self.history_end: datetime.date = account.last_day()
        self._held_back: frozenset[str] | None = None
        account.held_back([], unlisted_share, seed)  # checks the share at once
        self._foreign = account_secret(self.api_key, salt="foreign")
        self.stats = Stats()
        self.received_ids: list[str] = []
        self.base_url = ""
        self._lock = self.stats._lock  # one lock for all mutable state
        self._total = 0
        self._attempts: Counter[str] = Counter()
        self._first_seen: dict[str, float] = {}
        # client -> (last 429 sent at, wait until); (client, id) -> wait until
        self._holds: dict[str | None, tuple[float, float]] = {}
        self._limited: dict[tuple[str | None, str | None], float] = {}
        # client -> (tokens, at): the rate limit's token bucket (faults.rate_limit_rps)
        self._buckets: dict[str | None, tuple[float, float]] = {}
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Simulator(base_url={self.base_url!r}, seed={self.seed})"

    # Ids and records ---------------------------------------------------------------
    def ids(self, n: int, *, start: int = 0) -> list[str]:
        """``n`` valid ids of this account (deterministic: the same each time)."""
        return [make_id(self._secret, i) for i in range(start, start + n)]

    def fresh_ids(self, n: int, *, age: float = 0.0) -> list[str]:
        """``n`` valid ids of this account whose embedded time is ``age`` seconds ago.

        Use them with ``faults={"fresh_for": ...}`` for generations that have
        just finished (the ids :meth:`ids` returns are weeks old).
        """
        from .data import ALNUM, _account_check, _global_check  # how data.make_id signs

        ts = int(time.time() - age)
        out = []
        for i in range(n):
            digest = hashlib.sha256(f"fresh\0{self.seed}\0{ts}\0{i}".encode()).digest()
            stem = f"gen-{ts}-" + "".join(ALNUM[b % len(ALNUM)] for b in digest[:14])
            stem += _global_check(stem)
            out.append(stem + _account_check(self._secret, stem))
        return out

    def foreign_ids(self, n: int, *, start: int = 0) -> list[str]:
        """``n`` well-formed ids of another account (the server answers 403)."""
        out: list[str] = []
        i = start
        while len(out) < n:
            candidate = make_id(self._foreign, i)
            if check_id(candidate, self._secret) == "foreign":
                out.append(candidate)
            i += 1
        return out

    def record(self, id: str) -> dict[str, Any]:
        """The exact ``data`` object served for ``id``; ``KeyError`` if not this account's."""
        if check_id(id, self._secret) != "valid":
            raise KeyError(f"not an id of this simulator's account: {id!r}")
        return make_record(id)

    def content(self, id: str) -> dict[str, Any]:
        """The exact ``data`` object served at ``/generation/content`` for ``id``."""
        if check_id(id, self._secret) != "valid":
            raise KeyError(f"not an id of this simulator's account: {id!r}")
        return make_content(id)

    # The account: history, activity, prices ---------------------------------------
    def _history(self) -> tuple[account.Billed, ...]:
        return account.history(self._secret)[0]

    def history_ids(self) -> list[str]:
        """Every id the account's ``/activity`` counts, in id order (deterministic).

        The generations among ``ids(account.HISTORY_INDEXES)`` created in the 30
        completed UTC days before :attr:`today` that name their serving endpoint
        (see :mod:`openrouter_frame.testing.account`)."""
        return [row.id for row in self._history()]

    def _unlisted(self) -> frozenset[str]:
        if self._held_back is None:
            self._held_back = account.held_back(self.history_ids(), self.unlisted_share,
                                                self.seed)
        return self._held_back

    def listed_ids(self) -> list[str]:
        """:meth:`history_ids` without the ``unlisted_share`` a user's logs missed."""
        unlisted = self._unlisted()
        return [id for id in self.history_ids() if id not in unlisted]

    def unlisted_ids(self) -> list[str]:
        """The history ids :meth:`listed_ids` holds back (``round(share * n)`` of them,
        chosen by a hash of ``seed`` and the id)."""
        unlisted = self._unlisted()
        return [id for id in self.history_ids() if id in unlisted]

    def priced_otherwise(self) -> dict[str, str]:
        """``{id: reason}`` for the history's generations whose ``total_cost`` is not the
        list-price cost of their tokens at the price of the endpoint that served them.

        Reasons are the keys of ``data.PRICED_OTHERWISE`` (``missing_price``,
        ``byok``, ``cache_write``, ``endpoint_price``; see
        :func:`openrouter_frame.testing.data.priced_otherwise`).  Every other
        history row costs exactly :func:`~openrouter_frame.testing.data.list_cost`
        minus its cache-read discount (within 1e-9 USD).
        """
        records = account.history(self._secret)[1]
        out = {}
        for id in self.history_ids():
            reason = priced_otherwise(records[id])
            if reason is not None:
                out[id] = reason
        return out

    def activity(self, date: str | None = None, workspace_id: str | None = None,
                 group_by: str | None = None) -> list[dict[str, Any]]:
        """The ``data`` items ``GET /activity`` serves for these query values."""
        return account.activity(self._history(), day=date, workspace_id=workspace_id,
                                by_workspace=group_by == "workspace")

    # Lifecycle ---------------------------------------------------------------------
    def start(self) -> Simulator:
        """Bind ``127.0.0.1:0`` and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("simulator already started")
        self._server = Server(self)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}/api/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="openrouter-simulator", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, close every connection and wait for handler threads."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Request handling --------------------------------------------------------------
    def _enter(self) -> int:
        with self._lock:
            self._total += 1
            stats = self.stats
            stats.requests += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
            return self._total

    def _check_early(self, client: str | None, id: str | None, arrival: float) -> None:
        """Count a request that arrived while its client was told to wait.

        A retry of an id that got a 429 is early at once; any other request of the
        client only from :data:`EARLY_TOLERANCE` after the 429 (before that it may
        have been sent before the client could see the 429).
        """
        with self._lock:
            hold = self._holds.get(client)
            if hold is None:
                return
            sent_at, until = hold
            same = self._limited.get((client, id), 0.0)
            if (arrival < same - EARLY_TOLERANCE
                    or sent_at + EARLY_TOLERANCE <= arrival < until - EARLY_TOLERANCE):
                self.stats.early_requests += 1

    def _count(self, status: int) -> None:
        with self._lock:
            self.stats.by_status[status] += 1

    def _leave(self) -> None:
        with self._lock:
            self.stats.in_flight -= 1

    def _take_token(self, client: str | None) -> tuple[float, dict[str, str]]:
        """Take a token from ``client``'s bucket: (seconds until one is free, or 0 when
        taken; the ``X-RateLimit-*`` headers that tell the bucket's state)."""
        rate, size = self.faults.rate_limit_rps, self.faults.burst
        with self._lock:
            now = time.monotonic()
            tokens, at = self._buckets.get(client, (size, now))
            tokens = min(size, tokens + (now - at) * rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / rate
            if not wait:
                tokens -= 1
            self._buckets[client] = (tokens, now)
        full = time.time() + (size - tokens) / rate
        return wait, {"X-RateLimit-Limit": f"{size:g}",
                      "X-RateLimit-Remaining": str(int(tokens)),
                      "X-RateLimit-Reset": str(math.ceil(full * 1000))}

    def _rate_limited(self, client: str | None, id: str | None,
                      wait: float | None = None, headers: dict[str, str] | None = None
                      ) -> _Reply:
        wait = self.faults.retry_after if wait is None else wait
        now = time.monotonic()
        with self._lock:
            old = self._holds.get(client)
            self._holds[client] = (now, max(now + wait, old[1] if old else 0.0))
            self._limited[client, id] = now + wait
        reset = str(math.ceil((time.time() + wait) * 1000))
        if self.faults.reset_in_body:  # as the chat endpoint reports upstream limits
            return _Reply(429, json.dumps({"error": {
                "code": 429, "message": _MESSAGES[429],
                "metadata": {"headers": {"X-RateLimit-Limit": "20",
                                         "X-RateLimit-Remaining": "0",
                                         "X-RateLimit-Reset": reset}}}}).encode())
        reply = _error(429)
        reply.headers = {
            "Retry-After": str(int(wait)) if wait == int(wait) else f"{wait:g}",
            "X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset,
        }
        reply.headers.update(headers or {})
        return reply

    def _reply(self, method: str, target: str, auth: str | None, number: int,
               arrival: float) -> _Reply:
        reply, limits = self._respond(method, target, auth, number, arrival)
        reply.headers.update(limits)
        return reply

    def _respond(self, method: str, target: str, auth: str | None, number: int,
                 arrival: float) -> tuple[_Reply, dict[str, str]]:
        """The reply, and the rate limit's headers to add to it (when it is on)."""
        faults = self.faults
        url = urlsplit(target)
        values = parse_qs(url.query, keep_blank_values=True).get("id")
        id = values[0] if values else None
        self._check_early(auth, id, arrival)
        path = url.path.rstrip("/")
        if path in _ACCOUNT_PATHS or path.startswith("/api/v1/models/"):
            return self._account(method, path, url.query, auth), {}
        if path not in ("/api/v1/generation", "/api/v1/generation/content"):
            return _error(404, "Not Found"), {}
        if method != "GET":
            return _error(405), {}
        if auth is None or not auth.startswith("Bearer "):
            return _error(401, "No auth credentials found"), {}
        if not hmac.compare_digest(auth[7:].strip().encode(), self.api_key.encode()):
            return _error(401), {}
        if not faults.rate_limit_rps:
            return self._serve(id, path, auth, number), {}
        wait, limits = self._take_token(auth)
        if wait:
            unit = faults.retry_after_unit
            wait = max(unit, round(math.ceil(wait / unit - 1e-9) * unit, 6))
            return self._rate_limited(auth, id, wait, limits), {}
        return self._serve(id, path, auth, number), limits

    def _serve(self, id: str | None, path: str, auth: str | None, number: int) -> _Reply:
        """The answer to a request whose key is good (and, under a rate limit, that got a
        token)."""
        faults = self.faults
        if faults.revoke_after is not None and number > faults.revoke_after:
            return _error(401, "User not found. (key revoked)")
        if faults.credits_after is not None and number > faults.credits_after:
            return _error(402)
        if id is None:
            return _error(400)
        with self._lock:
            self.received_ids.append(id)
            attempt = self._attempts[id]
            self._attempts[id] += 1
        if not id:
            return _error(400)
        if id in faults.status_for and faults.status_for[id] != 200:
            status = faults.status_for[id]
            return self._rate_limited(auth, id) if status == 429 else _error(status)
        if id in faults.body_for:
            body = faults.body_for[id]
            if isinstance(body, str):
                body = body.encode()
            elif not isinstance(body, (bytes, bytearray)):
                body = json.dumps(body).encode()
            return _Reply(200, bytes(body))

        u = _unit(self.seed, id, attempt)
        fault, low = None, 0.0
        for name in RANDOM_FAULTS:
            rate = getattr(faults, name)
            if u < low + rate:
                fault, u = name, (u - low) / rate  # u: uniform again, within the fault
                break
            low += rate
        if fault == "rate_limit":
            return self._rate_limited(auth, id)
        if fault in ("server_error", "bad_gateway"):
            return _error(500 if fault == "server_error" else 502)
        if fault == "drop":
            return _Reply(0, drop=True)
        if fault == "html":
            return _Reply(502 if u < 0.5 else 200, _HTML, "text/html")
        reply = self._lookup(id, content=path.endswith("/content"))
        if fault == "truncated":
            reply.body = reply.body[: max(1, int(len(reply.body) * (0.2 + 0.6 * u)))]
        return reply

    def _key_of(self, auth: str | None) -> str | None:
        """``"inference"``, ``"management"``, or ``None`` for a missing or unknown key."""
        if auth is None or not auth.startswith("Bearer "):
            return None
        given = auth[7:].strip().encode()
        if hmac.compare_digest(given, self.api_key.encode()):
            return "inference"
        if hmac.compare_digest(given, self.management_key.encode()):
            return "management"
        return None

    def _account(self, method: str, path: str, query: str, auth: str | None) -> _Reply:
        """The account's endpoints (no faults apply to them)."""
        if method != "GET":
            return _error(405)
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        if path == "/api/v1/models" or path.endswith("/endpoints"):
            return self._models(path, params)  # public, as on the service
        key = self._key_of(auth)
        if key is None:
            missing = auth is None or not auth.startswith("Bearer ")
            return _error(401, "No auth credentials found" if missing else None)
        rows = self._history()
        if path == "/api/v1/key":
            secret = self.api_key if key == "inference" else self.management_key
            return _json(account.key_body(rows, secret, management=key == "management"))
        if key != "management":
            return _error(403, account.FORBIDDEN)
        if path == "/api/v1/credits":
            return _json(account.credits_body(rows))
        day, group_by = params.get("date"), params.get("group_by")
        workspace = params.get("workspace_id")
        if day is not None and not (self.history_start.isoformat() <= day
                                    <= self.history_end.isoformat()):
            return _error(400, f"date must be a UTC day in the last 30 completed days "
                               f"(YYYY-MM-DD), got {day!r}")
        if group_by not in (None, "workspace"):
            return _error(400, f"group_by must be 'workspace', got {group_by!r}")
        if workspace is not None and workspace not in account.workspaces():
            return _error(404, "Workspace not found")
        return _json({"data": self.activity(day, workspace, group_by)})

    def _models(self, path: str, params: dict[str, str]) -> _Reply:
        if path == "/api/v1/models":
            try:
                offset = int(params["offset"]) if "offset" in params else None
                limit = int(params["limit"]) if "limit" in params else None
            except ValueError:
                return _error(400, "offset and limit must be integers")
            return _json(account.models_body(
                output_modalities=params.get("output_modalities"), offset=offset, limit=limit))
        slug = unquote(path[len("/api/v1/models/"):-len("/endpoints")])
        body = account.endpoints_body(slug) if slug.count("/") == 1 else None
        return _error(404, "Resource not found") if body is None else _json(body)

    def _lookup(self, id: str, content: bool = False) -> _Reply:
        verdict = check_id(id, self._secret)
        if verdict == "foreign":
            return _error(403)
        if verdict != "valid":
            return _error(404)
        if self.faults.fresh_for:
            now = time.monotonic()
            with self._lock:
                first = self._first_seen.setdefault(id, now)
            if now - first < self.faults.fresh_for:
                return _error(404)
        data = make_content(id) if content else make_record(id)
        body = json.dumps({"data": data}, ensure_ascii=False,
                          separators=(",", ":")).encode()
        return _Reply(200, body)


@contextmanager
def serve(*, latency_ms: float = 0, seed: int = 0,
          faults: Faults | Mapping[str, Any] | None = None,
          api_key: str | None = None, management_key: str | None = None,
          unlisted_share: float = 0.0) -> Iterator[Simulator]:
    """Run a loopback OpenRouter simulator for the duration of a ``with`` block.

    Parameters
    ----------
    latency_ms : float
        Time each request sleeps before it is answered.
    seed : int
        Drives the default API key (hence the account's ids) and the fault draws.
    faults : Faults or dict, optional
        Faults to inject, e.g. ``{"rate_limit": 0.1, "retry_after": 0.2}``.
    api_key : str, optional
        The key to accept instead of the default fake one.
    management_key : str, optional
        The management key (``/activity``, ``/credits``) instead of the default fake one.
    unlisted_share : float
        The share of the account's history that :meth:`Simulator.listed_ids` holds
        back (the ids a user's logs missed), in [0, 1].

    Yields
    ------
    Simulator
        Started, bound to ``127.0.0.1`` on a free port.
    """
    sim = Simulator(latency_ms=latency_ms, seed=seed, faults=faults, api_key=api_key,
                    management_key=management_key, unlisted_share=unlisted_share)
    sim.start()
    try:
        yield sim
    finally:
        sim.close()


# -- HTTP plumbing: a keep-alive handler and a loopback-only server -------------------
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OpenRouterSimulator/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    wbufsize = -1  # buffer headers + body into one write, flushed per request
    timeout = 60  # idle keep-alive connections are closed after this
    server: Server

    def setup(self) -> None:
        super().setup()
        self.conn_id = self.server.register(self)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.unregister(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr log."""

    def _handle(self) -> None:
        sim = self.server.simulator
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        arrival = time.monotonic()
        number = sim._enter()
        reply = None
        left = False
        try:
            # Always sleep, if only for 0 s: that yields the GIL like a real server's
            # I/O would, so concurrent requests overlap (and max_in_flight shows it).
            time.sleep(sim.latency_ms / 1000)
            reply = sim._reply(self.command, self.path, self.headers.get("Authorization"),
                               number, arrival)
            sim._count(reply.status)  # before the client can see the answer
            sim._leave()  # likewise: a client that has its answer sees it counted out
            left = True
            if reply.drop:
                self.close_connection = True
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        finally:
            if reply is None:  # the simulator itself failed: the connection drops
                sim._count(0)
            if not left:
                sim._leave()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self._open: dict[int, tuple[socket.socket, threading.Thread]] = {}
        self._open_lock = threading.Lock()
        self._next_conn = 0
        self._closing = False
        super().__init__(("127.0.0.1", 0), Handler)

    def server_bind(self) -> None:
        # Skip HTTPServer.server_bind's socket.getfqdn(): a reverse DNS lookup.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def register(self, handler: Handler) -> int:
        with self._open_lock:
            self._next_conn += 1
            self._open[self._next_conn] = (handler.connection, threading.current_thread())
            with self.simulator._lock:
                self.simulator.stats.connections += 1
            if self._closing:  # accepted just before close(): end it at once
                shut(handler.connection)
            return self._next_conn

    def unregister(self, handler: Handler) -> None:
        with self._open_lock:
            self._open.pop(getattr(handler, "conn_id", -1), None)

    def close_connections(self, timeout: float = 5.0) -> None:
        """Shut every open connection so idle keep-alive handlers end, then join them."""
        with self._open_lock:
            self._closing = True
            open_now = list(self._open.values())
        for sock, _ in open_now:
            shut(sock)
        deadline = time.monotonic() + timeout
        for _, thread in open_now:
            thread.join(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that went away; report anything else."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
