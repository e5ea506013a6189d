"""The command line, run as ``python -m openrouter_frame`` against a loopback simulator."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pandas as pd
import pytest

from openrouter_frame import cli
from openrouter_frame.frame import coerce
from openrouter_frame.testing import Simulator, serve

KEY = "sk-or-v1-cli-test-0123456789abcdef-do-not-print"


@pytest.fixture(scope="module")
def keyed_sim() -> Iterator[Simulator]:
    """A simulator whose key is distinctive, so a leak into any output is caught."""
    with serve(api_key=KEY) as s:
        yield s


def run(*args: str, key: str | None = KEY, env: dict[str, str] | None = None,
        stdin: str | None = None, cwd: object = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER")}
    if key is not None:
        environ["OPENROUTER_API_KEY"] = key
    environ.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "openrouter_frame", *args], input=stdin,
                          capture_output=True, text=True, env=environ, cwd=cwd, timeout=120)
    for secret in {KEY, key} - {None}:
        assert secret not in proc.stdout and secret not in proc.stderr
    return proc


def _ids_file(path, lines: list[str]):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fetch_writes_parquet_and_failures(keyed_sim, tmp_path):
    ids = keyed_sim.ids(20)
    foreign = keyed_sim.foreign_ids(1)[0]
    lines = ["# generations of the nightly job", "", *ids[:10], "   ", f"{foreign}  # not ours",
             "gen-does-not-exist", *ids[10:], ids[0]]
    out = tmp_path / "nightly.parquet"
    proc = run("fetch", str(_ids_file(tmp_path / "ids.txt", lines)), "-o", str(out),
               "--base-url", keyed_sim.base_url, "--workers", "4")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert "generations:" in proc.stderr and "100%" in proc.stderr  # the progress bar
    frame = pd.read_parquet(out)
    assert frame["id"].tolist() == ids  # input order, duplicates once, comments skipped
    failures = pd.read_csv(tmp_path / "nightly.parquet.failures.csv")
    assert failures.columns.tolist() == ["id", "status", "error"]
    assert dict(zip(failures["id"], failures["status"], strict=True)) == {
        foreign: 403, "gen-does-not-exist": 404}
    assert "nightly.parquet.failures.csv" in proc.stderr and "2 id(s) failed" in proc.stderr


def test_fetch_from_stdin_to_csv(keyed_sim, tmp_path):
    ids = keyed_sim.ids(15, start=100)
    proc = run("fetch", "-", "-o", "out.csv", "--no-progress",
               stdin="\ufeff# from a pipe\n" + "\n".join(ids) + "\n\n", cwd=tmp_path,
               env={"OPENROUTER_BASE_URL": keyed_sim.base_url})  # base URL from the env
    assert proc.returncode == 0, proc.stderr
    assert "generations:" not in proc.stderr
    frame = coerce(pd.read_csv(tmp_path / "out.csv"))
    assert frame["id"].tolist() == ids
    assert frame["total_cost"].tolist() == pytest.approx(
        [keyed_sim.record(i)["total_cost"] for i in ids])
    assert not (tmp_path / "out.csv.failures.csv").exists()


def test_fetch_jsonl_default_name_and_stale_failures(keyed_sim, tmp_path):
    ids_file = _ids_file(tmp_path / "week.txt", keyed_sim.ids(12, start=200))
    stale = tmp_path / "week.jsonl.failures.csv"
    stale.write_text("id,status,error\ngen-old,404,Generation not found\n")
    proc = run("fetch", str(ids_file), "--format", "jsonl", "--base-url", keyed_sim.base_url)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "week.jsonl"
    assert len(out.read_text().splitlines()) == 12
    assert not stale.exists()  # a failures file from an earlier run would mislead


def test_fetch_with_a_wrong_key_exits_1(keyed_sim, tmp_path):
    ids = keyed_sim.ids(5)
    wrong = "sk-or-v1-wrong-key-abcdef-secret"
    proc = run("fetch", str(_ids_file(tmp_path / "ids.txt", ids)), "-o", str(tmp_path / "g.csv"),
               "--base-url", keyed_sim.base_url, key=wrong)
    assert proc.returncode == 1
    assert "HTTP 401" in proc.stderr and "no file written" in proc.stderr
    assert "network" not in proc.stderr
    assert not (tmp_path / "g.csv").exists()  # no 0-row file that looks like a result
    assert not (tmp_path / "g.csv.failures.csv").exists()


def test_a_batch_stopped_midway_counts_untried_ids_as_not_tried(tmp_path):
    with serve(api_key=KEY, faults={"revoke_after": 20}) as s:
        ids = s.ids(200)
        proc = run("fetch", str(_ids_file(tmp_path / "ids.txt", ids)), "-o",
                   str(tmp_path / "g.parquet"), "--base-url", s.base_url, "--workers", "2")
    assert proc.returncode == 1
    frame = pd.read_parquet(tmp_path / "g.parquet")
    failures = pd.read_csv(tmp_path / "g.parquet.failures.csv")
    assert len(frame) + len(failures) == 200 and 0 < len(frame) <= 20
    untried = int(failures["status"].isna().sum())
    assert f"not tried: {untried} id(s)" in proc.stderr
    assert "network/none" not in proc.stderr


@pytest.mark.parametrize("path", ["", "/"], ids=["no-path", "slash"])
def test_a_base_url_without_the_api_path_is_a_hint_not_404s(keyed_sim, tmp_path, path):
    root = keyed_sim.base_url.removesuffix("/api/v1")
    before = keyed_sim.stats.requests
    proc = run("fetch", str(_ids_file(tmp_path / "ids.txt", keyed_sim.ids(3))),
               "-o", str(tmp_path / "g.parquet"), "--base-url", root + path)
    assert proc.returncode == 2
    assert f"did you mean --base-url {root}/api/v1" in proc.stderr
    assert keyed_sim.stats.requests == before and not (tmp_path / "g.parquet").exists()


def test_a_base_url_with_another_path_gets_the_hint_after_its_404s(keyed_sim, tmp_path):
    root = keyed_sim.base_url.removesuffix("/api/v1")
    ids = keyed_sim.ids(6)
    proc = run("fetch", str(_ids_file(tmp_path / "ids.txt", ids)),
               "-o", str(tmp_path / "g.parquet"), "--base-url", root + "/v1")
    assert proc.returncode == 1
    assert "does not end in /api/v1" in proc.stderr
    named = [i for i in ids if i in proc.stderr]
    assert len(named) >= 5  # the 404 group names its ids, not only the first


@pytest.mark.parametrize("lines", [[], ["", "# only a comment", "   "]], ids=["empty", "comments"])
def test_an_ids_file_without_ids_is_a_usage_error(keyed_sim, tmp_path, lines):
    proc = run("fetch", str(_ids_file(tmp_path / "ids.txt", lines)),
               "-o", str(tmp_path / "g.parquet"), "--base-url", keyed_sim.base_url)
    assert proc.returncode == 2
    assert "lists no ids" in proc.stderr
    assert "generations:" not in proc.stderr  # no progress bar at all
    assert not (tmp_path / "g.parquet").exists()


def test_version(capsys):
    import openrouter_frame

    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"openrouter-frame {openrouter_frame.__version__}"


def test_demo_help_describes_the_demo(capsys):
    assert cli.main(["demo", "--help"]) == 0
    out = capsys.readouterr().out
    assert "simulator" in out and "no key" in out


@pytest.mark.parametrize(("args", "key", "message"), [
    (["fetch", "IDS"], None, "OPENROUTER_API_KEY is not set"),
    (["fetch", "IDS", "--api-key", KEY], KEY, "unrecognized arguments"),
    (["fetch", "missing.txt"], KEY, "cannot read ids from missing.txt"),
], ids=["no-key", "key-flag", "missing-ids-file"])
def test_fetch_bad_usage_exits_2(tmp_path, keyed_sim, args, key, message):
    _ids_file(tmp_path / "ids.txt", keyed_sim.ids(2))
    args = [str(tmp_path / "ids.txt") if a == "IDS" else a for a in args]
    proc = run(*args, "--base-url", keyed_sim.base_url, key=key, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert not list(tmp_path.glob("*.parquet"))


@pytest.mark.parametrize(("args", "message"), [
    (["--workers", "0"], "must be a whole number >= 1"),
    (["--format", "xml"], "invalid choice"),
    (["-o", "out.txt"], "cannot tell the format"),
    (["-o", "out.csv", "--format", "parquet"], "conflicts"),
    (["-o", "nowhere/out.csv"], "does not exist"),
    (["--base-url", "http://example.com/api/v1"], "plain http"),
    (["-o", "-"], "not supported"),
], ids=["workers", "format", "suffix", "conflict", "directory", "http", "stdout"])
def test_fetch_usage_errors_in_process(tmp_cwd, monkeypatch, capsys, args, message):
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    _ids_file(tmp_cwd / "ids.txt", ["gen-1"])
    assert cli.main(["fetch", "ids.txt", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and KEY not in err


@pytest.mark.parametrize(("out", "message"), [
    ("/proc/out.parquet", "cannot write to the output directory /proc"),
    ("/proc/self/out.csv", "cannot write to the output directory /proc/self"),
    ("{tmp}/taken.parquet", "is a directory"),
], ids=["proc", "proc-self", "a-directory"])
def test_an_unwritable_output_is_refused_before_any_fetch(keyed_sim, tmp_path, out, message):
    # Tests run as root, which a chmod does not stop: /proc refuses new files to anyone.
    (tmp_path / "taken.parquet").mkdir()
    ids = _ids_file(tmp_path / "ids.txt", keyed_sim.ids(3))
    sent = keyed_sim.stats.requests
    proc = run("fetch", str(ids), "-o", out.format(tmp=tmp_path), "--base-url",
               keyed_sim.base_url)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert keyed_sim.stats.requests == sent  # nothing fetched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ids.txt", "taken.parquet"]


def test_ids_file_rules(tmp_path):
    path = _ids_file(tmp_path / "ids.txt", ["\ufeffgen-a", "  gen-b  ", "", "# gen-c",
                                            "gen-d # trailing note", "\t"])
    assert cli.read_ids(str(path)) == ["gen-a", "gen-b", "gen-d"]


@pytest.fixture(scope="module")
def fetched(keyed_sim, tmp_path_factory) -> dict[str, object]:
    """Forty generations written as parquet, CSV and JSON lines by the library."""
    from openrouter_frame import generations_to_frame

    root = tmp_path_factory.mktemp("summary")
    frame = generations_to_frame(keyed_sim.ids(40, start=300), api_key=KEY,
                                 base_url=keyed_sim.base_url, progress=False)
    paths = {}
    for fmt in cli.FORMATS:
        paths[fmt] = root / f"g.{fmt}"
        cli.write_frame(frame, paths[fmt], fmt)
    return {"frame": frame, **paths}


@pytest.mark.parametrize("fmt", cli.FORMATS)
def test_summary_prints_the_summary(fetched, fmt):
    proc = run("summary", str(fetched[fmt]), key=None)
    assert proc.returncode == 0, proc.stderr
    rows = dict(line.split(maxsplit=1) for line in proc.stdout.splitlines())
    expected = fetched["frame"].orgen.summary()
    assert list(rows) == expected.index.tolist()
    assert rows["generations"] == "40"
    assert float(rows["total_cost_usd"]) == pytest.approx(expected["total_cost_usd"], rel=1e-5)
    widths = {len(line) for line in proc.stdout.splitlines()}
    assert len(widths) == 1  # aligned


def test_summary_by_and_latency(fetched):
    proc = run("summary", str(fetched["csv"]), "--by", "model", key=None)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:3] == ["count", "total_cost_usd", "share_of_cost"]
    table = fetched["frame"].orgen.cost_summary(by="model")
    assert [line.split()[0] for line in lines[2:]] == table.index.tolist()

    proc = run("summary", str(fetched["parquet"]), "--latency", "--percentiles", "0.5,0.999",
               key=None)
    assert proc.returncode == 0, proc.stderr
    header = proc.stdout.splitlines()[0].split()
    assert header[:3] == ["count", "latency_p50_ms", "latency_p99.9_ms"]
    assert proc.stdout.splitlines()[1].strip() == "provider_name"


@pytest.mark.parametrize(("args", "message"), [
    (["FILE", "--by", "shoe_size"], "cost_summary() needs the column(s) 'shoe_size'"),
    (["FILE", "--latency", "--percentiles", "0.5,1"], "strictly between 0 and 1"),
    (["missing.parquet"], "no such file"),
    (["FILE", "--format", "csv"], "conflicts"),
    (["NOTGEN"], "none of the schema's columns"),
], ids=["unknown-column", "percentile", "missing-file", "format-conflict", "not-generations"])
def test_summary_bad_usage_exits_2(fetched, tmp_cwd, capsys, args, message):
    pd.DataFrame({"a": [1], "b": [2]}).to_csv(tmp_cwd / "other.csv", index=False)
    args = [{"FILE": str(fetched["parquet"]), "NOTGEN": "other.csv"}.get(a, a) for a in args]
    assert cli.main(["summary", *args]) == 2
    assert message in capsys.readouterr().err


def test_summary_of_an_empty_fetch(tmp_cwd, capsys):
    from openrouter_frame.frame import empty_frame

    cli.write_frame(empty_frame(), tmp_cwd / "none.csv", "csv")
    assert cli.main(["summary", "none.csv", "--by", "model"]) == 0
    assert capsys.readouterr().out.startswith("(no rows; columns: count, total_cost_usd")


def test_demo_still_works_and_uses_the_accessor(tmp_cwd, capsys):
    assert cli.main(["demo", "-n", "25", "-o", "demo.parquet", "--latency-ms", "0"]) == 0
    out = capsys.readouterr().out
    assert "== summary ==" in out and "total_cost_usd" in out and "latency_p99_ms" in out
    assert len(pd.read_parquet(tmp_cwd / "demo.parquet")) == 25


def test_help_and_no_subcommand(capsys):
    assert cli.main(["--help"]) == 0
    assert "fetch" in capsys.readouterr().out
    assert cli.main([]) == 2


@pytest.mark.parametrize("text", [
    f"unrecognized arguments: --api-key {KEY}", f"unrecognized arguments: --key={KEY}",
    "unrecognized arguments: sk-or-v1-someone-elses-key", f"error from the server for {KEY}"],
    ids=["flag", "flag-equals", "key-like", "env-key"])
def test_redact_removes_keys(monkeypatch, text):
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    cleaned = cli.redact(text)
    assert "sk-or" not in cleaned and "***" in cleaned
    assert cli.redact("/home/desk-notes/ids.txt") == "/home/desk-notes/ids.txt"


# -- reconcile ------------------------------------------------------------------------------
@pytest.mark.parametrize("source", ["activity-file", "management-key"])
def test_reconcile_prints_the_headline_and_table(account_sim, history_frame, account_activity,
                                                 tmp_path, capsys, monkeypatch, source):
    listed = history_frame[history_frame["id"].isin(account_sim.listed_ids())]
    listed.to_parquet(tmp_path / "gens.parquet")
    if source == "activity-file":
        account_activity.to_csv(tmp_path / "activity.csv", index=False)
        extra = ["--activity", str(tmp_path / "activity.csv")]
    else:
        monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", account_sim.management_key)
        extra = ["--base-url", account_sim.base_url]
    code = cli.main(["reconcile", str(tmp_path / "gens.parquet"), *extra, "--by", "date"])
    out, err = capsys.readouterr()
    assert code == 0, err
    head, table = out.split("\n", 1)
    assert head == str(listed.orgen.coverage_summary(account_activity))
    assert "of billed spend over the 30 days" in head
    assert "spend_coverage_share" in table and table.count("\n") >= 31
    assert account_sim.management_key not in out + err


def test_reconcile_with_the_inference_key_says_a_management_key_is_needed(
        account_sim, tmp_path, capsys, monkeypatch):
    pd.DataFrame({"created_at": pd.to_datetime(["2026-11-01 10:00Z"]), "model": ["a/x"],
                  "total_cost": [1.0]}).to_parquet(tmp_path / "gens.parquet")
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", account_sim.api_key)
    code = cli.main(["reconcile", str(tmp_path / "gens.parquet"), "--base-url",
                     account_sim.base_url])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE and "management key" in err
    assert account_sim.api_key not in err


@pytest.mark.parametrize("args, message", [
    ([], "OPENROUTER_MANAGEMENT_KEY"),
    (["--activity", "nowhere.csv"], "no such file: nowhere.csv"),
    (["--activity", "act.csv", "--by", "date,workspace_id"], "workspace_id"),
], ids=["no-key-no-activity", "missing-activity-file", "key-the-activity-lacks"])
def test_reconcile_usage_errors(tmp_cwd, capsys, args, message):
    frame = pd.DataFrame({"created_at": pd.to_datetime(["2026-11-01 10:00Z"]),
                          "model": ["a/x"], "total_cost": [1.0]})
    frame.to_parquet("gens.parquet")
    pd.DataFrame({"date": ["2026-11-01"], "model": ["a/x"], "requests": [1],
                  "usage": [1.0]}).to_csv("act.csv", index=False)
    assert cli.main(["reconcile", "gens.parquet", *args]) == cli.EXIT_USAGE
    assert message in capsys.readouterr().err


def test_prices_writes_the_price_table(keyed_sim, tmp_path):
    out = tmp_path / "prices.parquet"
    proc = run("prices", "-o", str(out), "--base-url", keyed_sim.base_url)
    assert proc.returncode == 0, proc.stderr
    df = pd.read_parquet(out)
    assert (df["level"] == "model").all() and len(df) > 10
    assert "wrote the list prices of" in proc.stderr and str(out) in proc.stderr
    assert df["prompt"].notna().all() and df["as_of"].notna().all()


def test_prices_with_endpoints_for_some_models_to_csv(keyed_sim, tmp_path):
    out = tmp_path / "p.csv"
    proc = run("prices", "--endpoints", "--models", "openai/gpt-4o,deepseek/deepseek-r1",
               "-o", str(out), "--base-url", keyed_sim.base_url, key=None)
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(out, keep_default_na=False, na_values=["<NA>"])
    assert set(df["model"]) == {"openai/gpt-4o", "deepseek/deepseek-r1"}
    assert set(df.loc[df["level"] == "endpoint", "provider_name"]) == {
        "OpenAI", "Azure", "DeepSeek", "Together", "Fireworks", "DeepInfra"}
    assert "2 model(s) and 6 provider endpoint(s)" in proc.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["-o", "nowhere/p.parquet"], "does not exist"),
    (["-o", "p.xlsx"], "format"),
    (["--base-url", "http://example.com/api/v1"], "plain http"),
], ids=["missing-dir", "unknown-format", "plain-http"])
def test_prices_bad_usage_exits_2(tmp_cwd, capsys, args, message):
    assert cli.main(["prices", *args]) == cli.EXIT_USAGE
    assert message in capsys.readouterr().err
