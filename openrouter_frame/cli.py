"""The ``openrouter-frame`` command line (also ``python -m openrouter_frame``).

Subcommands:

``fetch IDS_FILE [-o OUT] [--format parquet|csv|jsonl] [--workers N] [--base-url URL]``
    Read one generation id per line (``-`` for stdin; blank lines and ``#``
    comments skipped), fetch them with a progress bar on stderr, write the
    typed frame to ``OUT`` and the failures (``id``, ``status``, ``error``)
    to ``OUT.failures.csv``.
``fetch IDS_FILE --dataset DIR``
    Add the ids not yet in the parquet dataset ``DIR`` to it
    (:func:`openrouter_frame.fetch_to_dataset`); failures go to ``DIR/_failures.csv``.
``summary FILE [--by COLUMN[,COLUMN...]] [--latency] [--percentiles P,...]``
    Print ``df.orgen.summary()``, ``cost_summary(by=...)`` or, with
    ``--latency``, ``latency_summary(by=...)`` as an aligned table.
``reconcile FILE [--activity ACTIVITY_FILE] [--by COLUMN[,COLUMN...]] [--base-url URL]``
    Print how much of the account's billed spend the frame in ``FILE`` covers
    (``df.orgen.reconcile(activity, by=...)``): the coverage headline, then the
    table.  The activity is read from ``ACTIVITY_FILE`` (parquet, CSV or JSON
    lines, as ``orf.fetch_activity()`` returns it), else fetched with the
    management key from ``OPENROUTER_MANAGEMENT_KEY``.
``prices [-o OUT] [--endpoints] [--models M[,M...]] [--format ...] [--base-url URL]``
    Write the list prices of ``GET /models`` (with ``--endpoints``, one row per
    provider endpoint too) as a typed table (:func:`openrouter_frame.fetch_prices`)
    to ``OUT`` (default ``prices.parquet``).  No key needed (the prices are public).
``demo``
    Fetch from the built-in simulator and summarise (no key, no network).

Exit codes: 0 success, 1 some ids failed (or the batch stopped), 2 bad usage
(unknown option, unreadable file, unwritable output, no API key, bad base URL,
missing column).
The API key is read from ``OPENROUTER_API_KEY`` only (the management key
from ``OPENROUTER_MANAGEMENT_KEY``), never from a flag, and is never printed;
the base URL is ``--base-url``, else ``OPENROUTER_BASE_URL``, else OpenRouter's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from . import __version__, schema
from .errors import check_whole
from .fetch import auth
from .frame.io import FORMATS, read_frame, write_frame
from .frame.io import format_of as _format_of

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130

#: Where ``reconcile`` reads the management key (``/activity`` needs one).
MANAGEMENT_KEY_ENV = "OPENROUTER_MANAGEMENT_KEY"
#: Suffix appended to the output path for the failures file.
FAILURES_SUFFIX = ".failures.csv"


class UsageError(Exception):
    """Bad usage: the message is printed and the exit code is 2."""


def redact(text: str) -> str:
    """``text`` without the value of ``OPENROUTER_API_KEY`` or anything key-like."""
    return auth.redact(text, os.environ.get("OPENROUTER_API_KEY", "").strip(),
                       os.environ.get(MANAGEMENT_KEY_ENV, "").strip())


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose error messages never echo a key."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {redact(message)}\n")


def _err(message: str) -> None:
    print(f"openrouter-frame: {redact(message)}", file=sys.stderr)


# -- reading and writing ----------------------------------------------------------------
def read_ids(source: str) -> list[str]:
    """Ids of ``source`` (a path, or ``-`` for stdin), one per line.

    Blank lines and everything from a ``#`` on are skipped; surrounding
    whitespace and a UTF-8 byte order mark are removed.
    """
    if source == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read ids from {source}: {exc}") from None
    ids = (line.split("#", 1)[0].strip() for line in text.lstrip("\ufeff").splitlines())
    return [i for i in ids if i]


def format_of(path: str | Path, given: str | None = None) -> str:
    """:func:`openrouter_frame.frame.io.format_of`, its ``ValueError`` as a usage error."""
    try:
        return _format_of(path, given)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _cell(value: Any) -> str:
    if schema.is_na(value):
        return schema.NA_LABEL
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float):
        return _number(value)
    return str(value)


def _number(value: float) -> str:
    """Six significant digits, without exponents for large values."""
    return f"{value:.0f}" if abs(value) >= 1e6 else f"{value:.6g}"


def format_table(result: pd.Series | pd.DataFrame) -> str:
    """``summary()`` (a Series) or a summary frame as an aligned text table."""
    if isinstance(result, pd.Series):
        width = max((len(str(i)) for i in result.index), default=0)
        cells = [_cell(v) for v in result]
        right = max((len(c) for c in cells), default=0)
        return "\n".join(f"{str(i).ljust(width)}  {c.rjust(right)}"
                         for i, c in zip(result.index, cells, strict=True))
    if result.empty:
        names = ", ".join(map(str, result.columns))
        return f"(no rows; columns: {names})"
    return result.to_string(float_format=_number)


# -- fetch ------------------------------------------------------------------------------
def _output_path(args: argparse.Namespace) -> tuple[Path, str]:
    if args.output is not None:
        if args.output == "-":
            raise UsageError("-o - (stdout) is not supported: give a file name")
        out = Path(args.output)
        return out, format_of(out, args.format)
    fmt = args.format or "parquet"
    ext = "jsonl" if fmt == "jsonl" else fmt
    if args.ids_file == "-":
        return Path(f"generations.{ext}"), fmt
    source = Path(args.ids_file)
    out = source.with_suffix(f".{ext}")
    if out.resolve() == source.resolve():
        raise UsageError(f"the default output {out} is the ids file itself; pass -o OUT")
    return out, fmt


def check_writable(out: Path) -> None:
    """Raise :class:`UsageError` unless a file can be written at ``out`` (before any fetch).

    The directory must exist and take a new file: one is created there and
    removed (a read-only or virtual file system such as ``/proc`` refuses it);
    ``out`` itself must not be a directory.
    """
    folder = out.parent
    if not folder.is_dir():
        raise UsageError(f"the output directory {folder} does not exist")
    if out.is_dir():
        raise UsageError(f"the output {out} is a directory: give a file name")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".openrouter-frame-", suffix=".tmp"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write to the output directory {folder} "
                         f"({exc.strerror or type(exc).__name__}): nothing fetched") from None


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of :class:`OpenRouterClient` from the command line.

    ``--cache PATH`` keeps records in that SQLite file; ``--no-cache`` ignores
    ``$OPENROUTER_FRAME_CACHE``; neither: the variable decides.
    """
    cache = False if args.no_cache else args.cache
    return {"max_workers": args.workers, "cache": cache}


def _read_key_and_ids(args: argparse.Namespace) -> list[str]:
    """The ids to fetch; a usage error when no key is set or the file lists none."""
    if not os.environ.get("OPENROUTER_API_KEY", "").strip():
        raise UsageError("OPENROUTER_API_KEY is not set: export your OpenRouter API key "
                         "(the key is read from the environment only)")
    ids = read_ids(args.ids_file)
    if not ids:
        raise UsageError(f"{args.ids_file} lists no ids (one id per line; blank lines and "
                         "# comments are skipped): nothing to fetch, nothing written")
    return ids


def _open_client(args: argparse.Namespace) -> tuple[Any, str | None]:
    """The client of ``args`` and the base URL hint (a usage error when the URL is unusable)."""
    from .api import OpenRouterClient

    try:
        client = OpenRouterClient(None, args.base_url, **_client_options(args))
    except ValueError as exc:  # a base URL that is not https (or loopback http)
        raise UsageError(str(exc)) from None
    hint = _base_url_hint(client.base_url)
    if hint and not urlsplit(client.base_url).path.strip("/"):
        client.close()
        raise UsageError(hint)
    return client, hint


def _cmd_fetch(args: argparse.Namespace) -> int:
    from .errors import OpenRouterError

    if args.dataset is not None:
        return _cmd_fetch_dataset(args)
    out, fmt = _output_path(args)
    check_writable(out)
    ids = _read_key_and_ids(args)
    client, hint = _open_client(args)
    stopped: OpenRouterError | None = None
    with client:
        try:
            result = client.fetch(ids, progress=not args.no_progress)
        except OpenRouterError as exc:  # 401/402 stop the batch; keep what was fetched
            if exc.result is None:
                _err(str(exc))
                return EXIT_FAILED
            stopped, result = exc, exc.result
    if stopped is not None and result.frame.empty:
        _err(f"nothing fetched: the batch stopped at HTTP {stopped.status} "
             f"({type(stopped).__name__}: {stopped.message}); no file written")
        return EXIT_FAILED
    failures_path = Path(f"{out}{FAILURES_SUFFIX}")
    try:
        write_frame(result.frame, out, fmt)
        if not result.failures.empty:
            result.failures.to_csv(failures_path, index=False)
        elif failures_path.exists():
            failures_path.unlink()  # a stale file from an earlier run would mislead
    except (OSError, ValueError) as exc:
        _err(f"cannot write {out}: {exc}")
        return EXIT_FAILED
    total = len(result.frame) + len(result.failures)
    _err(f"wrote {len(result.frame):,} of {total:,} generation(s) to {out} ({fmt})")
    if stopped is not None:
        _err(f"the batch stopped at HTTP {stopped.status} ({type(stopped).__name__}); "
             "the ids it did not try are listed as failures")
    return _report_failures(result.failures, failures_path, hint)


def _cmd_fetch_dataset(args: argparse.Namespace) -> int:
    """``fetch IDS_FILE --dataset DIR``: add the ids not yet in DIR to the parquet dataset."""
    from .dataset import FAILURES_FILE, fetch_to_dataset
    from .errors import OpenRouterError

    if args.output is not None or args.format is not None:
        raise UsageError("--dataset writes a parquet dataset: -o and --format do not apply")
    root = Path(args.dataset)
    if root.exists() and not root.is_dir():
        raise UsageError(f"the dataset {root} is a file: give a directory")
    check_writable(root / FAILURES_FILE if root.is_dir() else root)
    ids = _read_key_and_ids(args)
    client, hint = _open_client(args)
    with client:
        try:
            result = fetch_to_dataset(ids, root, client=client, progress=not args.no_progress)
        except OpenRouterError as exc:  # 401/402: what came before is written
            _err(f"the batch stopped at HTTP {exc.status} ({type(exc).__name__}: "
                 f"{exc.message}); every record fetched before is in {root}")
            return EXIT_FAILED
        except (OSError, ValueError) as exc:
            _err(f"cannot write the dataset {root}: {exc}")
            return EXIT_FAILED
    _err(f"wrote {result.written:,} new generation(s) to {root} ({result.skipped:,} already "
         f"there, {len(result.files):,} file(s) added)")
    return _report_failures(result.failures, root / FAILURES_FILE, hint)


def _report_failures(failures: pd.DataFrame, written_to: Path, hint: str | None) -> int:
    """Say which ids failed and where they are listed (with the base-URL hint when every
    failure is a 404); the exit code: :data:`EXIT_FAILED` if any failed, else :data:`EXIT_OK`."""
    if failures.empty:
        return EXIT_OK
    from .frame import FetchResult

    described = FetchResult(failures.iloc[:0], failures).describe_failures(limit=5)
    _err(f"{len(failures):,} id(s) failed; written to {written_to}\n{described}")
    if hint and bool((failures["status"] == 404).fillna(False).all()):
        _err(hint)
    return EXIT_FAILED


#: The path every OpenRouter API URL starts with.
API_PATH = "/api/v1"


def _base_url_hint(base_url: str) -> str | None:
    """A hint when ``base_url`` does not end in ``/api/v1`` (every id would 404)."""
    parts = urlsplit(base_url)
    if parts.path.rstrip("/").endswith(API_PATH):
        return None
    suggestion = urlunsplit(parts._replace(path=parts.path.rstrip("/") + API_PATH))
    return (f"the base URL {base_url} does not end in {API_PATH}, where OpenRouter's API "
            f"lives: did you mean --base-url {suggestion} ?")


# -- summary ----------------------------------------------------------------------------
def _read_table(path: str, fmt: str | None, what: str) -> pd.DataFrame:
    """A file the CLI reads (``FILE`` as a generations frame, else a plain table)."""
    kind = format_of(path, fmt)
    if not Path(path).is_file():
        raise UsageError(f"no such file: {path}")
    try:
        if what == "frame":
            return read_frame(path, kind)
        if kind == "parquet":
            return pd.read_parquet(path)
        if kind == "csv":
            return pd.read_csv(path)
        return pd.read_json(path, lines=True, dtype=False)
    except Exception as exc:  # noqa: BLE001 - any parser error means an unusable file
        raise UsageError(f"cannot read {path} as {kind}: {type(exc).__name__}: {exc}"
                         ) from None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _cmd_summary(args: argparse.Namespace) -> int:
    from .errors import MissingColumnsError

    frame = _read_table(args.file, args.format, "frame")
    by: list[str] | None = _split(args.by) if args.by else None
    try:
        orgen = frame.orgen
        if args.latency:
            percentiles = [float(p) for p in _split(args.percentiles)]
            result: pd.Series | pd.DataFrame = orgen.latency_summary(
                by=by or "provider_name", percentiles=percentiles)
        elif by:
            result = orgen.cost_summary(by=by)
        else:
            result = orgen.summary()
    except (AttributeError, MissingColumnsError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    with pd.option_context("display.width", 250, "display.max_columns", None,
                           "display.max_rows", None, "display.max_colwidth", 60):
        print(format_table(result))
    return EXIT_OK


# -- reconcile --------------------------------------------------------------------------
def _fetch_activity(args: argparse.Namespace) -> pd.DataFrame:
    from .api import fetch_activity

    key = os.environ.get(MANAGEMENT_KEY_ENV, "").strip()
    if not key:
        raise UsageError(f"reconcile needs the account's activity: pass --activity FILE, or "
                         f"set {MANAGEMENT_KEY_ENV} to a management key (created at "
                         "https://openrouter.ai/settings/management-keys)")
    try:
        return fetch_activity(api_key=key, base_url=args.base_url)
    except Exception as exc:  # noqa: BLE001 - shown (redacted), exit code 2
        raise UsageError(f"cannot fetch the activity: {type(exc).__name__}: {exc}") from None


def _cmd_reconcile(args: argparse.Namespace) -> int:
    from .errors import MissingColumnsError

    frame = _read_table(args.file, args.format, "frame")
    activity = (_read_table(args.activity, None, "activity") if args.activity
                else _fetch_activity(args))
    by = _split(args.by) if args.by else ["date", "model"]
    try:
        table = frame.orgen.reconcile(activity, by=by)
    except (AttributeError, MissingColumnsError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    print(table.attrs["coverage_summary"])
    print()
    with pd.option_context("display.width", 250, "display.max_columns", None,
                           "display.max_rows", None, "display.max_colwidth", 60):
        print(format_table(pd.DataFrame(table)))
    return EXIT_OK


# -- demo -------------------------------------------------------------------------------
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
        print(format_table(df.orgen.summary()))
    df.to_parquet(args.output)
    print(f"\nwrote {len(df):,} rows to {args.output}")
    return EXIT_OK


# -- parser -----------------------------------------------------------------------------
def _cmd_prices(args: argparse.Namespace) -> int:
    """``prices``: write the list price table."""
    from .api import fetch_prices
    from .errors import OpenRouterError

    out = Path(args.output)
    fmt = format_of(out, args.format)
    check_writable(out)
    models = _split(args.models) if args.models else None
    try:
        prices = fetch_prices(endpoints=args.endpoints, models=models, base_url=args.base_url,
                              cache=False if args.no_cache else args.cache)
    except ValueError as exc:  # a base URL that is not https (or loopback http)
        raise UsageError(str(exc)) from None
    except OpenRouterError as exc:
        _err(f"cannot fetch the prices: {exc}")
        return EXIT_FAILED
    try:
        write_frame(prices, out, fmt)
    except (OSError, ValueError) as exc:
        _err(f"cannot write {out}: {exc}")
        return EXIT_FAILED
    levels = prices["level"].value_counts()
    _err(f"wrote the list prices of {int(levels.get('model', 0)):,} model(s)"
         + (f" and {int(levels.get('endpoint', 0)):,} provider endpoint(s)"
            if args.endpoints else "")
         + f" as of {prices.attrs['as_of']} to {out} ({fmt})")
    return EXIT_OK


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    try:
        return check_whole("the number", value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="openrouter-frame",
        description="OpenRouter generation records as typed pandas DataFrames. "
        "The API key is read from OPENROUTER_API_KEY only.",
        epilog="exit codes: 0 success, 1 some ids failed, 2 bad usage",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    fetch = sub.add_parser(
        "fetch", help="fetch generations by id into a parquet, CSV or JSON-lines file",
        description="Fetch the generations whose ids IDS_FILE lists (one per line; blank "
        "lines and # comments skipped). The key comes from OPENROUTER_API_KEY. Failed ids "
        f"go to OUT{FAILURES_SUFFIX} and make the exit code 1.")
    fetch.add_argument("ids_file", metavar="IDS_FILE", help="file of ids, or - for stdin")
    target = fetch.add_mutually_exclusive_group()
    target.add_argument("-o", "--output", metavar="OUT",
                        help="file to write (default: IDS_FILE with the format's suffix, "
                        "or generations.<format> for stdin)")
    target.add_argument("--dataset", metavar="DIR", default=None,
                        help="add the records to the parquet dataset DIR "
                        "(DIR/created_date=YYYY-MM-DD/*.parquet): ids already there are "
                        "neither fetched nor written again; failures go to "
                        "DIR/_failures.csv")
    fetch.add_argument("--format", choices=FORMATS,
                       help="output format (default: from OUT's suffix, else parquet)")
    fetch.add_argument("--workers", type=_positive_int, default=16, metavar="N",
                       help="concurrent requests (16)")
    fetch.add_argument("--base-url", metavar="URL", default=None,
                       help="API base URL (default: $OPENROUTER_BASE_URL, else "
                       "https://openrouter.ai/api/v1)")
    fetch.add_argument("--no-progress", action="store_true",
                       help="no progress bar on stderr")
    caching = fetch.add_mutually_exclusive_group()
    caching.add_argument("--cache", metavar="PATH", default=None,
                         help="keep fetched records in this SQLite file, so a re-run "
                         "requests only ids not yet fetched (default: "
                         "$OPENROUTER_FRAME_CACHE, else no cache)")
    caching.add_argument("--no-cache", action="store_true",
                         help="no cache, even if OPENROUTER_FRAME_CACHE is set")
    fetch.set_defaults(func=_cmd_fetch)

    summ = sub.add_parser(
        "summary", help="print a cost or latency summary of a fetched file",
        description="Print df.orgen.summary(), cost_summary(by=...) or, with --latency, "
        "latency_summary(by=...) of FILE (parquet, CSV or JSON lines) as a table.")
    summ.add_argument("file", metavar="FILE", help="a file written by `fetch`")
    summ.add_argument("--by", metavar="COLUMN[,COLUMN...]", default=None,
                      help="group by these columns: cost_summary (or latency_summary with "
                      "--latency; default provider_name there)")
    summ.add_argument("--latency", action="store_true",
                      help="latency percentiles per group instead of costs")
    summ.add_argument("--percentiles", default="0.5,0.9,0.99", metavar="P,...",
                      help="percentiles for --latency, each in (0, 1) (0.5,0.9,0.99)")
    summ.add_argument("--format", choices=FORMATS,
                      help="input format (default: from FILE's suffix)")
    summ.set_defaults(func=_cmd_summary)

    recon = sub.add_parser(
        "reconcile", help="how much of the account's billed spend a fetched file covers",
        description="Print the coverage headline and df.orgen.reconcile(activity, by=...) of "
        f"FILE. The activity comes from --activity, else from GET /activity with the "
        f"management key in {MANAGEMENT_KEY_ENV}.")
    recon.add_argument("file", metavar="FILE", help="a file written by `fetch`")
    recon.add_argument("--activity", metavar="ACTIVITY_FILE", default=None,
                       help="the account's activity (parquet, CSV or JSON lines) instead "
                       "of fetching it")
    recon.add_argument("--by", metavar="COLUMN[,COLUMN...]", default=None,
                       help="group keys among date, model, provider_name, endpoint_id, "
                       "model_permaslug, workspace_id (date,model)")
    recon.add_argument("--base-url", metavar="URL", default=None,
                       help="API base URL for fetching the activity")
    recon.add_argument("--format", choices=FORMATS,
                       help="format of FILE (default: from its suffix)")
    recon.set_defaults(func=_cmd_reconcile)
    prices = sub.add_parser(
        "prices", help="write the list prices per model (and per provider endpoint)",
        description="Fetch the list prices of GET /models (USD per token, per request, per "
        "image...) and, with --endpoints, of each model's provider endpoints, and write them "
        "as a typed table. The prices are public: no key is needed.")
    prices.add_argument("-o", "--output", metavar="OUT", default="prices.parquet",
                        help="file to write (prices.parquet)")
    prices.add_argument("--endpoints", action="store_true",
                        help="also one row per provider endpoint (one request per model)")
    prices.add_argument("--models", metavar="MODEL[,MODEL...]", default=None,
                        help="only these models (author/slug; default every listed one)")
    prices.add_argument("--format", choices=FORMATS,
                        help="output format (default: from OUT's suffix, else parquet)")
    prices.add_argument("--base-url", metavar="URL", default=None,
                        help="API base URL (default: $OPENROUTER_BASE_URL, else "
                        "https://openrouter.ai/api/v1)")
    price_cache = prices.add_mutually_exclusive_group()
    price_cache.add_argument("--cache", metavar="PATH", default=None,
                             help="keep today's prices in this SQLite file (default: "
                             "$OPENROUTER_FRAME_CACHE, else no cache)")
    price_cache.add_argument("--no-cache", action="store_true",
                             help="no cache, even if OPENROUTER_FRAME_CACHE is set")
    prices.set_defaults(func=_cmd_prices)

    demo = sub.add_parser(
        "demo", help="fetch from the built-in simulator and summarise",
        description="Start the loopback OpenRouter simulator (no key, no network), fetch N "
        "generations from it over real HTTP, print their dtypes, first rows and a cost and "
        "latency summary, and write them to a parquet file.")
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
    try:
        return int(args.func(args))
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
