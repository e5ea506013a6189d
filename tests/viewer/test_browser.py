"""A person's view: Voilà serves 03_drill_down.ipynb and headless Chromium clicks through it.

Chromium comes from Debian's packages (``.ci/run`` installs it); Playwright only
drives it through ``executable_path`` and never downloads a browser.  Locally the
test skips when Chromium is absent; in CI (``CI`` set) that is a failure.  The
screenshot lands in ``tests/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from openrouter_frame.analysis import units as fmt
from openrouter_frame.testing import serve

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "03_drill_down.ipynb"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 90.0
RENDER_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def chromium() -> str:
    """Path of Debian's Chromium; skip (locally) or fail (CI) when it is missing."""
    path = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        reason = ("headless Chromium is not installed (Debian: apt-get install chromium; "
                  ".ci/run installs it)")
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; the browser test must run in CI")
        pytest.skip(reason)
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_answering(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "api/status", timeout=2) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"voila did not answer within {START_TIMEOUT:.0f} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def voila_url(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Voilà serving the drill-down notebook on 127.0.0.1 (simulator mode)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "voila", "--no-browser", f"--port={port}",
             "--Voila.ip=127.0.0.1", "--show_tracebacks=True", str(NOTEBOOK)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_until_answering(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _by_cost() -> list[dict]:
    """The notebook's 500 simulator records in the viewer's default order (cost, descending)."""
    with serve(seed=0) as sim:
        records = [sim.record(i) for i in sim.ids(500)]
    return sorted(records, key=lambda r: -r["total_cost"])  # stable: ties in frame order


def test_drill_down_in_a_real_browser(chromium, voila_url):
    from playwright.sync_api import expect, sync_playwright

    records = _by_cost()
    expected_id, expected_cost = records[0]["id"], fmt.format_usd(records[0]["total_cost"])
    cheapest = records[-1]["id"]
    model = records[0]["model"]
    model_rows = sum(r["model"] == model for r in records)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS,
                                    headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(voila_url, timeout=RENDER_TIMEOUT_MS)
            viewer = page.locator(".orgen-viewer").first
            selected = viewer.locator(".orgen-detail .orgen-id")
            expect(selected).to_have_text(expected_id, timeout=RENDER_TIMEOUT_MS)
            expect(viewer.locator(".orgen-detail .orgen-cost")).to_have_text(expected_cost)
            expect(viewer.locator(".orgen-count")).to_have_text("1 of 500")
            expect(viewer.locator(".orgen-ranks")).to_contain_text("100th")
            expect(viewer.locator(".orgen-chart")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "drill_down_page.png"))
            viewer.screenshot(path=str(ARTIFACTS / "drill_down_first.png"))

            viewer.locator(".orgen-next").click()
            expect(selected).not_to_have_text(expected_id, timeout=30_000)
            expect(viewer.locator(".orgen-count")).to_have_text("2 of 500")
            second_id = selected.inner_text()
            assert second_id.startswith("gen-") and second_id != expected_id
            expect(viewer.locator(".orgen-search input")).to_have_value(second_id)
            viewer.screenshot(path=str(ARTIFACTS / "drill_down_next.png"))

            viewer.locator(".orgen-search input").fill(cheapest)  # typing a whole id
            expect(selected).to_have_text(cheapest, timeout=30_000)
            expect(viewer.locator(".orgen-count")).to_have_text("500 of 500")
            expect(viewer.locator(".orgen-next")).to_be_disabled()

            viewer.locator(".orgen-model-filter select").select_option(
                label=f"{model} ({model_rows})")
            expect(viewer.locator(".orgen-count")).to_have_text(f"1 of {model_rows}",
                                                                timeout=30_000)
            expect(selected).to_have_text(expected_id)
            viewer.screenshot(path=str(ARTIFACTS / "drill_down_filtered.png"))
            assert errors == []
        finally:
            browser.close()
