"""The code base stays ruff- and mypy-clean, and every module stays small."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-m", "ruff", "check", "."],
     [sys.executable, "-m", "mypy", "--no-incremental"]],
    ids=["ruff", "mypy"],
)
def test_static_checks_pass(command: list[str]) -> None:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_package_is_typed() -> None:
    assert (ROOT / "openrouter_frame" / "py.typed").is_file()
