"""Fetching at the account's rate limit: the adaptive client against the plain 429-gate client.

The simulator runs in a separate process (as a real server would) in its
rate-limited mode: a token bucket of ``R`` requests/s per key (a tenth of a
second's worth at most), a 429 with a whole-second ``Retry-After`` (as the
service sends) when a request finds no token, ``X-RateLimit-*`` headers on
every answer.  Both clients run here, one after the other, each against a
fresh server with the same settings:

* **adaptive**: ``GenerationFetcher`` as shipped: once a 429 shows the limit
  binds, it paces its requests at the rate the headers give (see
  ``openrouter_frame/fetch/pace.py``);
* **plain** (the baseline): ``adaptive=False``, the client before the pace:
  every 429 holds all workers until its ``Retry-After``, then they all send
  again at once.  It is so slow at this limit that it gets fewer ids (its
  figures are rates and shares, comparable whatever the count).

Targets (issue 19, item 5; 5,000 ids against R = 200/s, 64 workers):
throughput at least 90% of R, 429s at most 5% of requests, 0 requests sent
during a ``Retry-After`` (counted by the simulator: ``early``).

    python benchmarks/ratelimit.py            # 5,000 ids (plain client: 1,000), verdicts
    python benchmarks/ratelimit.py --quick    # 1,000 ids (plain client: 200), figures only
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import figures_only, print_table  # noqa: E402

from openrouter_frame.fetch import GenerationFetcher, run_batch  # noqa: E402

_SERVER = """
import json, sys
from openrouter_frame.testing import serve
with serve(faults={{"rate_limit_rps": {rate}}}) as sim:
    print(json.dumps({{"base_url": sim.base_url, "api_key": sim.api_key,
                      "ids": sim.ids({n})}}), flush=True)
    sys.stdin.read()
    print(json.dumps({{"requests": sim.stats.requests, "limited": sim.stats.by_status[429],
                      "early": sim.stats.early_requests}}), flush=True)
"""


def fetch(n: int, rate: float, workers: int, adaptive: bool) -> dict[str, Any]:
    """Fetch ``n`` ids from a fresh rate-limited simulator (a subprocess): one table row."""
    proc = subprocess.Popen([sys.executable, "-c", _SERVER.format(rate=rate, n=n)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        info = json.loads(proc.stdout.readline())
        with GenerationFetcher(info["api_key"], info["base_url"], max_workers=workers,
                               max_retries=100, adaptive=adaptive) as fetcher:
            start = time.perf_counter()
            batch = run_batch(fetcher, info["ids"])
            seconds = time.perf_counter() - start
            pace = fetcher.pace
    finally:
        proc.stdin.close()
        stats = json.loads(proc.stdout.readline() or "{}")
        proc.wait(timeout=30)
    share = stats["limited"] / stats["requests"]
    speed = len(batch.records) / seconds
    return {"client": "adaptive" if adaptive else "plain (baseline)", "ids": n,
            "records": len(batch.records), "seconds": f"{seconds:.1f}",
            "records/s": f"{speed:.1f}", "% of R": f"{speed / rate:.1%}",
            "requests": stats["requests"], "429s": stats["limited"],
            "429 share": f"{share:.1%}", "early": stats["early"],
            "learned R": "-" if pace.server_rate is None else f"{pace.server_rate:.0f}/s",
            "target met": ("yes" if speed >= 0.9 * rate and share <= 0.05
                           and stats["early"] == 0 and len(batch.records) == n else "NO")
            if adaptive else "(baseline)"}


def run(n: int, baseline_n: int, rate: float, workers: int) -> list[dict[str, Any]]:
    """The adaptive client on ``n`` ids, then the plain one on ``baseline_n``."""
    rows = [fetch(n, rate, workers, adaptive=True)]
    if baseline_n:
        rows.append(fetch(baseline_n, rate, workers, adaptive=False))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 ids, figures only")
    parser.add_argument("-n", type=int, default=None, help="ids (5,000)")
    parser.add_argument("--baseline-ids", type=int, default=None,
                        help="ids of the plain client (n / 5; 0 skips it)")
    parser.add_argument("--rate", type=float, default=200.0, help="R, requests/s")
    parser.add_argument("--workers", type=int, default=64)
    args = parser.parse_args(argv)
    n = args.n or (1000 if args.quick else 5000)
    baseline = n // 5 if args.baseline_ids is None else args.baseline_ids
    rows = figures_only(run(n, baseline, args.rate, args.workers), args.quick)
    print_table(f"Fetching at a rate limit of {args.rate:g} requests/s with {args.workers} "
                "workers " + ("(figures only: a quick run gives no verdicts)" if args.quick
                              else "(target: >= 90% of R, <= 5% 429s, 0 early)"), rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
