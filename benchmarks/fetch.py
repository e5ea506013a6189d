"""Fetch speed: generations_to_frame vs a bare requests thread pool vs the ideal.

The simulator runs in a separate process (as a real server would), with a
fixed per-request latency; the client side runs here.  Prints a table with
each time as a ratio against the ideal ``n * latency / workers``.

    python benchmarks/fetch.py            # 2,000 ids, 50 ms, 32 workers
    python benchmarks/fetch.py --quick    # 300 ids
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

sys.path.insert(0, str(Path(__file__).parent))
from _common import print_table  # noqa: E402

import openrouter_frame as orf  # noqa: E402

_SERVER = """
import json, sys
from openrouter_frame.testing import serve
with serve(latency_ms={latency}) as sim:
    print(json.dumps({{"base_url": sim.base_url, "api_key": sim.api_key,
                      "ids": sim.ids({n})}}), flush=True)
    sys.stdin.read()
"""


def _bare_pool(base_url: str, key: str, ids: list[str], workers: int) -> int:
    session = requests.Session()
    session.mount("http://", HTTPAdapter(pool_maxsize=workers))
    headers = {"Authorization": f"Bearer {key}"}

    def one(i: str) -> int:
        return session.get(f"{base_url}/generation", params={"id": i}, headers=headers,
                           timeout=30).status_code

    with ThreadPoolExecutor(workers) as pool:
        return sum(s == 200 for s in pool.map(one, ids))


def _plain_loop(base_url: str, key: str, ids: list[str]) -> int:
    with requests.Session() as session:
        headers = {"Authorization": f"Bearer {key}"}
        return sum(session.get(f"{base_url}/generation", params={"id": i}, headers=headers,
                               timeout=30).status_code == 200 for i in ids)


def run(n: int = 2000, latency_ms: float = 50.0, workers: int = 32) -> list[dict[str, object]]:
    """Time the three ways over ``n`` ids; return the table's rows."""
    proc = subprocess.Popen([sys.executable, "-c", _SERVER.format(latency=latency_ms, n=n)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        base, key, ids = info["base_url"], info["api_key"], info["ids"]
        ideal = n * latency_ms / 1000 / workers
        rows: list[dict[str, object]] = [
            {"method": "ideal n*latency/workers", "ids": n, "seconds": ideal, "x ideal": 1.0}]

        start = time.perf_counter()
        ok = _bare_pool(base, key, ids, workers)
        bare = time.perf_counter() - start
        rows.append({"method": f"bare requests pool ({workers} workers)", "ids": ok,
                     "seconds": bare, "x ideal": bare / ideal})

        start = time.perf_counter()
        df = orf.generations_to_frame(ids, api_key=key, base_url=base, max_workers=workers,
                                      progress=True)
        ours = time.perf_counter() - start
        rows.append({"method": "generations_to_frame (typed, progress bar)", "ids": len(df),
                     "seconds": ours, "x ideal": ours / ideal})

        sample = ids[: max(1, min(100, n // 20))]
        start = time.perf_counter()
        _plain_loop(base, key, sample)
        loop = (time.perf_counter() - start) * n / len(sample)
        rows.append({"method": f"plain loop (extrapolated from {len(sample)} ids)", "ids": n,
                     "seconds": loop, "x ideal": loop / ideal})
        return rows
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 ids instead of 2,000")
    parser.add_argument("-n", type=int, default=None)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args(argv)
    n = args.n or (300 if args.quick else 2000)
    rows = run(n, args.latency_ms, args.workers)
    print_table(f"Fetch {n:,} ids at {args.latency_ms:g} ms latency, {args.workers} workers "
                "(target: generations_to_frame <= 1.15 x ideal)", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
