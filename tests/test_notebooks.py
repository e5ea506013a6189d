"""The notebooks run top to bottom on the simulator; committed copies carry no outputs.

Their outputs live in ``docs/notebooks/*.html``: renderings (nbconvert) of the
notebooks executed on the simulator, linked from the README.  Each rendering
names the SHA-256 of its notebook's cells, so a notebook edited without a new
rendering fails :func:`test_rendering_is_current`.  To render again::

    ORF_RENDER_DOCS=1 .venv/bin/python -m pytest tests/test_notebooks.py -k rendering
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from openrouter_frame.testing import serve

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
DOCS_DIR = Path(__file__).resolve().parents[1] / "docs" / "notebooks"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
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
    assert "FetchResult(10 records, 1 failure)" in text and "gen-does-not-exist" in text
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


def test_whole_history_adds_a_day_reads_a_week_and_dask_agrees(executed):
    text = [text_of(c) for c in code_cells(executed("04_whole_history.ipynb"))]
    second = next(t for t in text if "ids already there" in t)
    known, added = (int(n.replace(",", "")) for n in re.search(
        r"([\d,]+) ids already there, ([\d,]+) added", second).groups())
    assert known > 0 and added > 0
    assert "ids unique: True" in "\n".join(text)
    week = next(t for t in text if " files opened" in t)
    opened, total = map(int, re.search(r"(\d+) of the dataset's (\d+) files", week).groups())
    assert 0 < opened < total
    assert "dask.dataframe" in "\n".join(text) and "2 workers" in "\n".join(text)
    assert "counts, sums and shares equal: True" in "\n".join(text)


def test_reconcile_notebook_finds_the_held_back_spend_and_checks_prices(executed):
    nb = executed("05_reconcile_and_reprice.ipynb")
    text = "\n".join(text_of(c) for c in code_cells(nb))
    assert "logged ids of 1,452 billed" in text
    assert re.search(r"the frame covers 9[5-6]\.\d% of billed spend over the 30 days it "
                     r"spans; 73 requests on \d+ days are missing", text)
    for reason in ("BYOK", "missing price", "cache write"):
        assert reason in text
    assert re.search(r"moving these [\d,]+ calls from 2 models to their replacements saves "
                     r"\$[\d.]+, \d+%", text)
    images = [o for c in code_cells(nb) for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1


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


# -- the docs/ renderings -----------------------------------------------------------------
def source_sha(path: Path) -> str:
    """SHA-256 of a notebook's cells (type and source): what its rendering was made from."""
    nb = nbformat.read(path, as_version=4)
    text = "\n\x00".join(f"{c.cell_type}\n{c.source}" for c in nb.cells)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _progress_text(nb: nbformat.NotebookNode, model_id: str) -> str | None:
    """A tqdm bar widget (HBox of label, progress, text) as the text it last showed."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    box = state.get(model_id, {})
    if box.get("model_name") != "HBoxModel":
        return None
    parts = [state.get(c.removeprefix("IPY_MODEL_"), {}) for c in box["state"]["children"]]
    if [p.get("model_name") for p in parts] != ["HTMLModel", "FloatProgressModel",
                                                 "HTMLModel"]:
        return None
    done, total = parts[1]["state"]["value"], parts[1]["state"]["max"] or 1
    bar = "\u2588" * round(20 * done / total) + " " * (20 - round(20 * done / total))
    text = html.unescape(f"{parts[0]['state']['value']}|{bar}|{parts[2]['state']['value']}")
    return text.replace("\u2007", " ")  # tqdm pads with figure spaces


def render(nb: nbformat.NotebookNode, sha: str) -> str:
    """An executed notebook as one static HTML page (progress bars as their final text)."""
    from nbconvert import HTMLExporter

    nb = nbformat.from_dict(nb)
    for cell in code_cells(nb):
        for out in cell.outputs:
            view = out.get("data", {}).get(WIDGET_MIME)
            text = _progress_text(nb, view["model_id"]) if view else None
            if text is not None:
                out.data = {"text/plain": text}
    body, _ = HTMLExporter(template_name="basic").from_notebook_node(nb)
    title = html.escape(nb.cells[0].source.splitlines()[0].lstrip("# "))
    style = ("body{font-family:sans-serif;max-width:1280px;margin:auto;padding:1em}"
             "pre{white-space:pre-wrap}.input_area pre{background:#f6f8fa;padding:6px}"
             "table.dataframe{border-collapse:collapse}"
             "table.dataframe td,table.dataframe th{padding:2px 8px;text-align:right}"
             "img{max-width:100%}")
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f'<meta name="orf-notebook-sha256" content="{sha}"><title>{title}</title>'
            f"<style>{style}</style></head><body>\n{body}\n</body></html>\n")


def outputs_text(nb: nbformat.NotebookNode) -> list[str]:
    """Every output's text and HTML (unescaped), one string per output."""
    texts = []
    for cell in code_cells(nb):
        for out in cell.outputs:
            data = out.get("data", {})
            texts.append(out.get("text", "") + data.get("text/plain", "") +
                         html.unescape(data.get("text/html", "")))
    return texts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_rendering_is_current(executed, path):
    target = DOCS_DIR / f"{path.stem}.html"
    if os.environ.get("ORF_RENDER_DOCS"):
        DOCS_DIR.mkdir(parents=True, exist_ok=True)
        target.write_text(render(executed(path.name), source_sha(path)), encoding="utf-8")
    assert target.exists(), f"no rendering of {path.name}: run with ORF_RENDER_DOCS=1"
    page = target.read_text(encoding="utf-8")
    found = re.search(r'name="orf-notebook-sha256" content="([0-9a-f]{64})"', page)
    assert found and found.group(1) == source_sha(path), (
        f"{target.name} is stale: {path.name} changed since it was rendered; "
        "render again with ORF_RENDER_DOCS=1")
    assert page.count("<img") >= sum(1 for c in code_cells(nbformat.read(path, 4))
                                     if c.source.rstrip().endswith(";"))  # plots included
    assert "sk-or-" not in page


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_nan_next_to_na(executed, path):
    """Missing values read <NA> everywhere: in a fresh run and in the committed rendering."""
    texts = outputs_text(executed(path.name))
    assert any("<NA>" in t for t in texts) or path.stem == "03_drill_down"
    rendering = DOCS_DIR / f"{path.stem}.html"
    if rendering.exists():  # each code cell of the page, its input and outputs
        page = re.sub(r"<script[^>]*>.*?</script>", "", rendering.read_text(encoding="utf-8"),
                      flags=re.S)
        texts += [html.unescape(chunk) for chunk in page.split('<div class="cell ')
                  if chunk.startswith("border-box-sizing code_cell")]
    for text in texts:
        if "<NA>" in text:
            assert not re.search(r"\bNaN\b", text), text[:2000]


def test_quickstart_shows_the_rate_limited_progress_bar(executed):
    nb = executed("01_quickstart.ipynb")
    page = render(nb, "0" * 64)
    bars = re.findall(r"generations:.*?100%\|.*?\|.*?40/40.*", page)
    assert bars and "rate-limited=waited " in bars[0], bars
    text = "\n".join(text_of(c) for c in code_cells(nb))
    assert "Report(total cost: $" in text
