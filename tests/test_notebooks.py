"""The notebooks run top to bottom on the simulator; committed copies carry no outputs."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from openrouter_frame.testing import serve

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
TIMEOUT = 240


def _kernel_env(**extra: str) -> dict[str, str]:
    """The test's environment without any OPENROUTER_* variable, the venv first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("MPLBACKEND", None)
    env.update(extra)
    return env


def execute(path: Path, env: dict[str, str]) -> nbformat.NotebookNode:
    """Run a notebook in a fresh python3 kernel with cwd notebooks/; raise on any cell error."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute(env=env)
    return nb


def text_of(cell: nbformat.NotebookNode) -> str:
    """Everything a code cell printed or displayed as text."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts.append(out.data.get("text/plain", ""))
        elif out.output_type == "error":
            parts.append("\n".join(out.traceback))
    return "".join(parts)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(scope="module")
def executed() -> Iterator[Callable[[str], nbformat.NotebookNode]]:
    """Each notebook executed once (simulator mode), shared by this module's tests."""
    cache: dict[str, nbformat.NotebookNode] = {}

    def run(name: str) -> nbformat.NotebookNode:
        if name not in cache:
            cache[name] = execute(NOTEBOOK_DIR / name, _kernel_env())
        return cache[name]

    yield run


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebooks_have_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in code_cells(nb):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert nb.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_code_cell_is_explained_by_markdown(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    for before, cell in zip(nb.cells, nb.cells[1:], strict=False):
        if cell.cell_type == "code":
            assert before.cell_type == "markdown", cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_the_simulator_and_says_so(executed, path):
    nb = executed(path.name)
    first = text_of(code_cells(nb)[0])
    assert first.startswith("Mode: simulator (OPENROUTER_API_KEY is not set)"), first
    errors = [o for c in code_cells(nb) for o in c.outputs if o.output_type == "error"]
    assert errors == []
    assert all(c.execution_count for c in code_cells(nb))


def test_quickstart_shows_dtypes_head_summary_and_failures(executed):
    cells = [text_of(c) for c in code_cells(executed("01_quickstart.ipynb"))]
    text = "\n".join(cells)
    assert "generations x " in text
    assert "total_cost" in text and "Float64" in text and "category" in text
    assert "total_cost_usd" in text  # summary() labels carry units
    assert "FetchResult(10 records, 1 failures)" in text and "gen-does-not-exist" in text
    assert "same dtypes after the round trip: True" in text


def test_cost_and_latency_draws_every_plot(executed):
    nb = executed("02_cost_and_latency.ipynb")
    images = [o for c in code_cells(nb) for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 6
    text = "\n".join(text_of(c) for c in code_cells(nb))
    for label in ("share_of_cost", "cache_savings_usd", "total_cost_usd"):
        assert label in text


def test_drill_down_opens_the_viewer_on_the_most_expensive(executed):
    cells = code_cells(executed("03_drill_down.ipynb"))
    text = [text_of(c) for c in cells]
    headline = next(t for t in text if t.startswith("most expensive: "))
    most_expensive = headline.split()[2]
    widgets = [o for c in cells for o in c.outputs if WIDGET_MIME in o.get("data", {})]
    assert len(widgets) == 1
    assert f"selected: {most_expensive} | 1 of 500" in "\n".join(text)


def test_real_mode_reads_the_ids_file_and_never_prints_the_key(tmp_path):
    """OPENROUTER_API_KEY + OPENROUTER_IDS_FILE: real mode (here against a simulator)."""
    key = "sk-or-v1-notebook-secret-7f1c2d"
    with serve(api_key=key, seed=3) as sim:
        ids_file = tmp_path / "ids.txt"
        ids_file.write_text("# my generations\n\n" + "\n".join(sim.ids(40)) + "\n")
        env = _kernel_env(OPENROUTER_API_KEY=key, OPENROUTER_IDS_FILE=str(ids_file),
                          OPENROUTER_BASE_URL=sim.base_url)
        nb = execute(NOTEBOOK_DIR / "01_quickstart.ipynb", env)
        assert len(sim.received_ids) >= 40  # the kernel fetched from this server
    first = text_of(code_cells(nb)[0])
    assert first.startswith(f"Mode: real OpenRouter API at {sim.base_url}, 40 ids from ids.txt")
    assert "40 generations x " in "".join(text_of(c) for c in code_cells(nb))
    dumped = nbformat.writes(nb)
    assert key not in dumped and key[-6:] not in dumped
