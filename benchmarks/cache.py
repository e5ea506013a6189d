"""Cache speed: cached ids to a typed frame, against fetching them; and Ctrl-C latency.

The simulator runs in a separate process (as a real server would) with no
latency, so the baseline is the fastest a fetch can be on this machine.  The
first table times, for the same ids (median of ``--repeat`` runs where marked):

* ``generations_to_frame`` with no cache (the baseline, ratio 1.0);
* the same filling a fresh cache (every record written as it arrives);
* the re-run, every id cached: no request at all (target: 10,000 ids under 1 s);
* the pieces of the re-run: reading the raw bodies, and typing them.

The second table times Ctrl-C (``KeyboardInterrupt`` raised in the main
thread) to the moment control returns to the caller, during a 2,000-id fetch
at 50 ms latency and while every worker waits out a 60 s ``Retry-After``
(target: under 2 s), and counts the worker threads left running.

    python benchmarks/cache.py            # 10,000 ids
    python benchmarks/cache.py --quick    # 2,000 ids, one repeat
"""

from __future__ import annotations

import _thread
import argparse
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import median_time, print_table  # noqa: E402

import openrouter_frame as orf  # noqa: E402
from openrouter_frame.fetch.pool import THREAD_PREFIX  # noqa: E402
from openrouter_frame.testing import serve  # noqa: E402

_SERVER = """
import json, sys
from openrouter_frame.testing import serve
with serve(latency_ms=0) as sim:
    print(json.dumps({{"base_url": sim.base_url, "api_key": sim.api_key,
                      "ids": sim.ids({n})}}), flush=True)
    for line in sys.stdin:
        print(sim.stats.requests, flush=True)
"""


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def cache_rows(n: int, repeat: int, workers: int) -> list[dict[str, object]]:
    """Time the fetch baseline and the cached re-run over ``n`` ids."""
    proc = subprocess.Popen([sys.executable, "-c", _SERVER.format(n=n)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None

    def requests_so_far() -> int:
        proc.stdin.write("\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        return int(proc.stdout.readline())  # type: ignore[union-attr]

    try:
        info = json.loads(proc.stdout.readline())
        kw = {"api_key": info["api_key"], "base_url": info["base_url"], "progress": False,
              "max_workers": workers}
        ids = info["ids"]
        path = Path(tempfile.mkdtemp()) / "generations.sqlite"
        base, frame = _timed(lambda: orf.generations_to_frame(ids, cache=False, **kw))
        fill, _ = _timed(lambda: orf.generations_to_frame(ids, cache=path, **kw))
        before = requests_so_far()
        rerun = median_time(lambda: orf.generations_to_frame(ids, cache=path, **kw), repeat)
        sent = requests_so_far() - before
        cached = orf.generations_to_frame(ids, cache=path, **kw)
        same = cached.equals(frame)

        from openrouter_frame.cache import GenerationCache
        from openrouter_frame.fetch import Secret
        from openrouter_frame.frame import raw_to_frame

        with GenerationCache(path) as cache:
            key = cache.account(Secret(info["api_key"]))
            read = median_time(lambda: cache.get_raw_many(key, ids), repeat)
            raw = cache.get_raw_many(key, ids)
            bodies = [raw[i] for i in ids]
            loads = median_time(lambda: [json.loads(b) for b in bodies], repeat)
            typed = median_time(lambda: raw_to_frame(bodies), repeat)
        size = orf.cache_info(path).size_bytes
        orf.clear_cache(path)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    label = f"{n:,} ids"
    return [
        {"step": f"fetch {label}, no cache (baseline)", "seconds": base, "x baseline": 1.0,
         "requests": n},
        {"step": f"fetch {label}, filling a new cache", "seconds": fill,
         "x baseline": fill / base, "requests": n},
        {"step": f"re-run, all cached -> typed frame (median of {repeat})", "seconds": rerun,
         "x baseline": rerun / base, "requests": f"{sent} (same frame: {same})"},
        {"step": "  of which: read raw bodies (get_raw_many)", "seconds": read,
         "x baseline": read / base, "requests": f"{size / 1e6:.1f} MB file"},
        {"step": "  for comparison: json.loads of every body", "seconds": loads,
         "x baseline": loads / base, "requests": "-"},
        {"step": "  for comparison: raw_to_frame (typed from raw bodies)", "seconds": typed,
         "x baseline": typed / base, "requests": "-"},
    ]


def _interrupt_after(seconds: float, mark: list[float]) -> threading.Thread:
    def fire() -> None:
        time.sleep(seconds)
        mark.append(time.perf_counter())
        _thread.interrupt_main()

    thread = threading.Thread(target=fire, daemon=True)
    thread.start()
    return thread


def interrupt_rows() -> list[dict[str, object]]:
    """Ctrl-C to control returned, in two situations."""
    # Python's own handler, so interrupt_main raises even when this process was started
    # with SIGINT ignored (a background job of a non-interactive shell).
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return _interrupt_rows()
    finally:
        signal.signal(signal.SIGINT, before)


def _interrupt_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    cases = [("2,000-id fetch, 50 ms latency, 32 workers", {"latency_ms": 50}, 2000, 32),
             ("all workers waiting out Retry-After: 60", {
                 "faults": {"rate_limit": 1.0, "retry_after": 60}}, 200, 16)]
    for label, options, n, workers in cases:
        with serve(**options) as sim:  # type: ignore[arg-type]
            ids = sim.ids(n)
            mark: list[float] = []
            timer = _interrupt_after(0.5, mark)
            try:
                orf.fetch_generations(ids, api_key=sim.api_key, base_url=sim.base_url,
                                      max_workers=workers, progress=False)
            except KeyboardInterrupt:
                back = time.perf_counter()
            else:  # the fetch won the race (a loaded machine): nothing to time
                try:  # the pending interrupt lands here, not in a later row
                    timer.join()
                    time.sleep(1.0)
                except KeyboardInterrupt:
                    pass
                rows.append({"situation": label, "Ctrl-C -> control (s)": "fetch ended first",
                             "worker threads left": "-", "target": "< 2 s"})
                continue
            timer.join()
            left = sum(t.name.startswith(THREAD_PREFIX) for t in threading.enumerate())
            rows.append({"situation": label, "Ctrl-C -> control (s)": back - mark[0],
                         "worker threads left": left, "target": "< 2 s"})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 ids, one repeat")
    parser.add_argument("-n", type=int, default=None, help="ids (10,000)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per median (3)")
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args(argv)
    n = args.n or (2000 if args.quick else 10_000)
    repeat = args.repeat or (1 if args.quick else 3)
    print_table(f"Cached ids to a typed frame ({n:,} ids, simulator at 0 ms latency, "
                f"{args.workers} workers; target: 10,000 cached ids under 1 s)",
                cache_rows(n, repeat, args.workers))
    print_table("Ctrl-C during a fetch (target: control back within 2 s, no worker left)",
                interrupt_rows())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
