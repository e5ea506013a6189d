"""The ``openrouter-frame`` command line (also ``python -m openrouter_frame``).

Exit codes: 0 success, 1 some ids failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pandas as pd

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _cmd_demo(args: argparse.Namespace) -> int:
    from .api import generations_to_frame
    from .testing import serve

    print(f"Starting the loopback OpenRouter simulator (no key, no network); "
          f"fetching {args.n:,} generations ...", file=sys.stderr)
    with serve(latency_ms=args.latency_ms) as sim:
        df = generations_to_frame(sim.ids(args.n), api_key=sim.api_key,
                                  base_url=sim.base_url, max_workers=args.workers,
                                  progress=True)
    with pd.option_context("display.width", 120, "display.max_columns", 8):
        print("\n== dtypes ==")
        print(df.dtypes.to_string())
        print("\n== first rows ==")
        print(df[["id", "model", "provider_name", "total_cost", "latency",
                  "generation_time", "finish_reason"]].head().to_string())
        print("\n== summary ==")
        print(_summary_text(df))
    df.to_parquet(args.output)
    print(f"\nwrote {len(df):,} rows to {args.output}")
    return EXIT_OK


def _summary_text(df: pd.DataFrame) -> str:
    summary = getattr(df, "orgen", None)
    if summary is not None:
        return summary.summary().to_string()
    return df[["total_cost", "latency", "generation_time"]].describe().to_string()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openrouter-frame",
        description="OpenRouter generation records as typed pandas DataFrames. "
        "The API key is read from OPENROUTER_API_KEY only.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="fetch from the built-in simulator and summarise")
    demo.add_argument("-n", type=int, default=1000, help="generations to fetch (1000)")
    demo.add_argument("-o", "--output", default="demo.parquet", help="parquet file to write")
    demo.add_argument("--workers", type=int, default=16, help="concurrent requests (16)")
    demo.add_argument("--latency-ms", type=float, default=5.0,
                      help="simulated server latency per request (5)")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
