"""binder/ installs the checked-out commit and everything the notebooks import."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LOCAL = {".", "-e .", "--editable .", "-e.", "./"}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def notebook_imports(path: Path) -> set[str]:
    """Top-level modules imported by the code cells of a notebook (magics skipped)."""
    nb = nbformat.read(path, as_version=4)
    found: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def _local(line: str) -> tuple[bool, list[str]]:
    """Whether a requirements line installs the repository itself, and with which extras."""
    found = re.fullmatch(r"(?P<path>[^\[\s]+)\s*(?:\[(?P<extras>[^\]]*)\])?", line)
    if not found or found["path"] not in {x.split()[-1] for x in LOCAL}:
        return False, []
    if line not in LOCAL and not found["extras"]:
        return False, []
    return True, [e.strip() for e in (found["extras"] or "").split(",") if e.strip()]


def binder_distributions() -> tuple[set[str], set[str]]:
    """(distributions binder/ installs, modules of the local project it installs)."""
    lines = [line.split("#", 1)[0].strip()
             for line in (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()]
    dists: set[str] = set()
    local_modules: set[str] = set()
    for line in filter(None, lines):
        local, extras = _local(line)
        if local:
            project = _pyproject()["project"]
            dists.add(canonicalize_name(project["name"]))
            requirements = list(project["dependencies"])
            for extra in extras:
                requirements += project["optional-dependencies"][extra]
            dists.update(canonicalize_name(Requirement(r).name) for r in requirements)
            include = _pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
            local_modules.update(p.rstrip("*").rstrip(".") for p in include)
        else:
            dists.add(canonicalize_name(Requirement(line).name))
    return dists, local_modules


def missing_modules(modules: set[str], dists: set[str], local_modules: set[str]) -> set[str]:
    """Modules neither in the standard library, the local project nor a listed distribution."""
    providers = packages_distributions()
    missing = set()
    for module in modules:
        if module in sys.stdlib_module_names or module in local_modules:
            continue
        if not {canonicalize_name(d) for d in providers.get(module, [])} & dists:
            missing.add(module)
    return missing


def test_the_five_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb", "02_cost_and_latency.ipynb", "03_drill_down.ipynb",
        "04_whole_history.ipynb", "05_reconcile_and_reprice.ipynb"]


def test_binder_installs_the_checked_out_commit_not_a_release():
    lines = {line.split("#", 1)[0].strip()
             for line in (BINDER / "requirements.txt").read_text().splitlines()}
    assert any(_local(line)[0] for line in lines), (
        "binder/requirements.txt must install the repository itself ('.' or '.[extras]')")
    name = canonicalize_name(_pyproject()["project"]["name"])
    released = [line for line in lines if line and not line.startswith(("#", "-", "."))
                and canonicalize_name(Requirement(line).name) == name]
    assert not released, f"binder/ pins a released {name}: {released}"


def test_binder_python_satisfies_requires_python():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", runtime)
    assert match, runtime
    assert SpecifierSet(_pyproject()["project"]["requires-python"]).contains(match[1])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_binder_installs_every_notebook_import(notebook):
    modules = notebook_imports(notebook)
    assert "openrouter_frame" in modules
    dists, local_modules = binder_distributions()
    assert missing_modules(modules, dists, local_modules) == set()


def test_binder_installs_jupyterlab_and_a_kernel():
    dists, _ = binder_distributions()
    assert {"jupyterlab", "ipykernel", "ipywidgets", "matplotlib", "pandas"} <= dists


def test_the_check_catches_an_import_binder_does_not_install(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%matplotlib inline\nimport os\nimport pytest\n"
                                  "from openrouter_frame import viewer\nimport pandas as pd")])
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    modules = notebook_imports(path)
    assert modules == {"os", "pytest", "openrouter_frame", "pandas"}
    dists, local_modules = binder_distributions()
    assert missing_modules(modules, dists, local_modules) == {"pytest"}
