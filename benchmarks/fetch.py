"""Fetch speed: the client against a bare requests pool doing the same work, and the ideal.

The simulator runs in a separate process (as a real server would), with a
fixed per-request latency; the client side runs here.  The bare pool is a
``ThreadPoolExecutor`` over one ``requests.Session`` that, like the client,
parses each JSON body.  Rows (full run: verdicts against the targets):

* end of a batch: 32 ids with 32 workers, the fetch layer (``run_batch`` of
  a ``GenerationFetcher``: records, no frame, the same work as the bare pool)
  minus the bare pool (median of 5): target at most 10 ms (no fixed wait
  after the last id);
* 2,000 ids at 50 ms with 32 workers against the ideal
  ``n * latency / workers``: target at most 1.08;
* client CPU per request (``time.process_time`` of this process over 2,000
  ids at 0 ms latency, divided by the requests): target at most 500 us, with
  the proxy and CA-bundle environment still honoured (see
  ``tests/fetch/test_hardening.py``);
* the fault mix: the same 2,000 ids with 10% of attempts answered 429
  ``Retry-After: 1``, against ``3 x`` a clean fetch of the same ids plus the
  Retry-After seconds one well-behaved client must wait.  That wait: a client
  that sends no request while a 429's Retry-After runs, with ``w`` requests
  in flight, needs ``A = n / (1 - p)`` attempts in ``A / w`` rounds, of which
  a share ``1 - (1 - p) ** w`` meets at least one 429 and so costs
  ``Retry-After`` seconds: ``wait = A / w * (1 - (1 - p) ** w) * Retry-After``.

    python benchmarks/fetch.py            # full size, verdicts
    python benchmarks/fetch.py --quick    # 300 ids, figures only
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

sys.path.insert(0, str(Path(__file__).parent))
from _common import figures_only, print_table, verdict  # noqa: E402

import openrouter_frame as orf  # noqa: E402

_SERVER = """
import json, sys
from openrouter_frame.testing import serve
with serve(latency_ms={latency}, faults=json.loads({faults!r})) as sim:
    print(json.dumps({{"base_url": sim.base_url, "api_key": sim.api_key,
                      "ids": sim.ids({n})}}), flush=True)
    sys.stdin.read()
    print(json.dumps({{"requests": sim.stats.requests,
                      "early": sim.stats.early_requests}}), flush=True)
"""

RATE_LIMIT = 0.1
RETRY_AFTER = 1.0


class Server:
    """The simulator in a subprocess: ``base_url``, ``api_key``, ``ids``; stats at close."""

    def __init__(self, n: int, latency_ms: float, faults: dict[str, Any] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER.format(latency=latency_ms, n=n,
                                                  faults=json.dumps(faults or {}))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        info = json.loads(self.proc.stdout.readline())
        self.base_url, self.api_key, self.ids = info["base_url"], info["api_key"], info["ids"]
        self.stats: dict[str, int] = {}

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        line = self.proc.stdout.readline()
        self.stats = json.loads(line) if line.strip() else {}
        self.proc.wait(timeout=30)


def bare_pool(base_url: str, key: str, ids: list[str], workers: int) -> int:
    """A thread pool over one session, parsing each JSON body: the baseline."""
    session = requests.Session()
    session.mount("http://", HTTPAdapter(pool_maxsize=workers))
    headers = {"Authorization": f"Bearer {key}"}

    def one(i: str) -> bool:
        response = session.get(f"{base_url}/generation", params={"id": i}, headers=headers,
                               timeout=30)
        return response.status_code == 200 and "data" in response.json()

    with ThreadPoolExecutor(workers) as pool:
        ok = sum(pool.map(one, ids))
    session.close()
    return ok


def ours(base_url: str, key: str, ids: list[str], workers: int) -> int:
    with orf.OpenRouterClient(key, base_url, max_workers=workers) as client:
        return len(client.fetch(ids, progress=False).frame)


def batch(base_url: str, key: str, ids: list[str], workers: int) -> int:
    """The fetch layer alone: records (dicts), no frame."""
    from openrouter_frame.fetch import GenerationFetcher, run_batch

    with GenerationFetcher(key, base_url, max_workers=workers) as fetcher:
        return len(run_batch(fetcher, ids).records)


def end_of_batch(latency_ms: float, workers: int = 32, repeat: int = 5) -> dict[str, object]:
    """32 ids: the fetch layer against the bare pool, median of ``repeat`` (alternating)."""
    with Server(workers, latency_ms) as server:
        args = (server.base_url, server.api_key, server.ids, workers)
        bare_pool(*args), batch(*args)  # warm up: imports
        times: dict[str, list[float]] = {"bare": [], "ours": []}
        for _ in range(repeat):
            for name, fn in (("bare", bare_pool), ("ours", batch)):
                start = time.perf_counter()
                fn(*args)
                times[name].append(time.perf_counter() - start)
    bare, mine = statistics.median(times["bare"]), statistics.median(times["ours"])
    extra_ms = (mine - bare) * 1000
    return {"measure": f"{workers} ids, {workers} workers: run_batch - bare pool",
            "ours": f"{mine:.3f} s", "baseline": f"{bare:.3f} s (bare pool)",
            "figure": f"{extra_ms:+.1f} ms", "target": "<= 10 ms",
            "met": verdict(extra_ms, 10.0)}


def throughput(n: int, latency_ms: float, workers: int) -> list[dict[str, object]]:
    """``n`` ids against the ideal ``n * latency / workers``: the client and the bare pool."""
    ideal = n * latency_ms / 1000 / workers
    with Server(n, latency_ms) as server:
        args = (server.base_url, server.api_key, server.ids, workers)
        start = time.perf_counter()
        bare_pool(*args)
        bare = time.perf_counter() - start
        start = time.perf_counter()
        got = ours(*args)
        mine = time.perf_counter() - start
    assert got == n, f"fetched {got} of {n}"
    return [
        {"measure": f"{n:,} ids at {latency_ms:g} ms, {workers} workers: client / ideal",
         "ours": f"{mine:.2f} s", "baseline": f"{ideal:.2f} s (ideal)",
         "figure": f"{mine / ideal:.3f} x", "target": "<= 1.08 x",
         "met": verdict(mine / ideal, 1.08)},
        {"measure": "  for comparison: bare requests pool / ideal", "ours": f"{bare:.2f} s",
         "baseline": f"{ideal:.2f} s (ideal)", "figure": f"{bare / ideal:.3f} x",
         "target": "-", "met": "-"},
    ]


def cpu_per_request(n: int, workers: int) -> list[dict[str, object]]:
    """Client CPU per request at 0 ms latency: the client and the bare pool."""
    with Server(n, 0) as server:
        args = (server.base_url, server.api_key, server.ids, workers)
        bare_pool(*args[:2], args[2][:50], workers), ours(*args[:2], args[2][:50], workers)
        start = time.process_time()
        bare_pool(*args)
        bare = (time.process_time() - start) / n * 1e6
        start = time.process_time()
        ours(*args)
        mine = (time.process_time() - start) / n * 1e6
    return [
        {"measure": f"client CPU per request ({n:,} ids, 0 ms)", "ours": f"{mine:.0f} us",
         "baseline": f"{bare:.0f} us (bare pool)", "figure": f"{mine:.0f} us",
         "target": "<= 500 us", "met": verdict(mine, 500.0)},
    ]


def well_behaved_wait(n: int, workers: int, p: float = RATE_LIMIT,
                      retry_after: float = RETRY_AFTER) -> float:
    """Seconds of Retry-After one well-behaved client must wait (see the module's doc)."""
    attempts = n / (1 - p)
    return attempts / workers * (1 - (1 - p) ** workers) * retry_after


def fault_mix(n: int, latency_ms: float, workers: int) -> list[dict[str, object]]:
    """``n`` ids with 10% 429 (Retry-After 1) against a clean fetch plus the needed wait."""
    with Server(n, latency_ms) as server:
        start = time.perf_counter()
        ours(server.base_url, server.api_key, server.ids, workers)
        clean = time.perf_counter() - start
    faults = {"rate_limit": RATE_LIMIT, "retry_after": RETRY_AFTER}
    with Server(n, latency_ms, faults) as server:
        start = time.perf_counter()
        got = ours(server.base_url, server.api_key, server.ids, workers)
        faulty = time.perf_counter() - start
    wait = well_behaved_wait(n, workers)
    bound = 3 * clean + wait
    return [
        {"measure": f"fault mix: {n:,} ids, 10% 429 Retry-After 1 ({got:,} fetched, "
                    f"{server.stats.get('early', '?')} early requests)",
         "ours": f"{faulty:.1f} s", "baseline": f"{bound:.1f} s (3 x {clean:.2f} s clean "
                                                f"+ {wait:.1f} s wait)",
         "figure": f"{faulty / bound:.3f} x", "target": "<= 1 x", "met": verdict(faulty, bound)},
    ]


def run(n: int, latency_ms: float, workers: int, faults_n: int,
        only_end: bool = False) -> list[dict[str, object]]:
    rows = [end_of_batch(latency_ms, workers)]
    if only_end:
        return rows
    rows += throughput(n, latency_ms, workers)
    rows += cpu_per_request(n, workers)
    if faults_n:
        rows += fault_mix(faults_n, latency_ms, workers)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 ids, figures only")
    parser.add_argument("-n", type=int, default=None, help="ids (2,000)")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--fault-ids", type=int, default=None,
                        help="ids of the fault mix (as -n; 0 skips it)")
    parser.add_argument("--only-end", action="store_true", help="only the end-of-batch row")
    args = parser.parse_args(argv)
    n = args.n or (300 if args.quick else 2000)
    faults_n = n if args.fault_ids is None else args.fault_ids
    rows = figures_only(run(n, args.latency_ms, args.workers, faults_n, args.only_end),
                        args.quick)
    print_table(f"Fetching at {args.latency_ms:g} ms latency with {args.workers} workers "
                + ("(figures only: a quick run gives no verdicts)" if args.quick
                   else "(verdicts against the targets)"), rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
