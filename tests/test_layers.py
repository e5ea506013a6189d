"""The layers hold: import-linter's contracts (pyproject.toml) pass, and can fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
        " sys.exit(lint_imports_command())"]


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(LINT, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_every_contract_is_kept() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("analysis/summary.py", "from ..fetch import client as _client  # noqa",
     "analysis and viewer are pure functions of a frame"),
    ("fetch/batch.py", "import pandas as _pd  # noqa", "fetch returns records, never frames"),
    ("testing/data.py", "from ..frame import kinds as _kinds  # noqa",
     "the simulator imports neither fetch nor frame"),
    ("schema.py", "from . import errors as _errors  # noqa", "cli > dataset > api > viewer"),
    ("errors.py", "from .frame import result as _result  # noqa",
     "schema and errors import nothing"),
    ("frame/kinds.py", "from ..analysis import units as _units  # noqa",
     "cli > dataset > api > viewer"),
    ("api.py", "from . import dataset as _dataset  # noqa", "cli > dataset > api > viewer"),
], ids=["analysis-imports-fetch", "fetch-imports-pandas", "testing-imports-frame",
        "schema-imports-errors", "errors-imports-frame", "frame-imports-analysis",
        "api-imports-dataset"])
def test_a_forbidden_import_breaks_a_contract(tmp_path: Path, module: str, line: str,
                                              contract: str) -> None:
    shutil.copytree(ROOT / "openrouter_frame", tmp_path / "openrouter_frame",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "openrouter_frame" / module
    target.write_text(target.read_text() + f"\n{line}\n")
    done = _lint(tmp_path)
    assert done.returncode != 0
    broken = done.stdout.split("Broken contracts")[-1]
    assert contract in broken, done.stdout
