"""A saved notebook shows the viewer's selected generation without a kernel.

Notebook 03 is executed, then rendered to HTML by nbconvert the way static
renderers (GitHub, nbviewer without widget state) do: with no widget manager,
so the widget's ``text/html`` fallback is what shows.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from traitlets.config import Config

from openrouter_frame.analysis import units as fmt
from openrouter_frame.testing import serve

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "03_drill_down.ipynb"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _paid_top() -> dict:
    with serve(seed=0) as sim:
        records = [sim.record(i) for i in sim.ids(500)]
    for r in records:
        r["paid"] = r["total_cost"] + (r["upstream_inference_cost"] or 0.0 if r["is_byok"]
                                       else 0.0)
    return max(records, key=lambda r: r["paid"])


def _outside_scripts(page: str) -> str:
    """The page without its <script> elements: what a browser shows with no JavaScript
    (the widget state, where the live viewer's HTML sits, is in a script)."""
    return re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S | re.I)


def _assert_shows_the_selection(page: str) -> None:
    """The selected generation's id, cost, conversation and attempts table, as HTML."""
    top = _paid_top()
    static = _outside_scripts(page)
    snapshot = static[static.index('class="orgen-static"'):]
    assert top["id"] in snapshot[:20_000]
    assert fmt.format_usd(top["paid"]) in snapshot[:20_000]
    assert "Conversation" in snapshot or "zero data retention" in snapshot
    assert '<table class="orgen-fallback">' in snapshot and "<th>provider</th>" in snapshot
    assert "sk-" not in snapshot  # the simulator's key never lands in an output


@pytest.fixture(scope="module")
def executed_03() -> nbformat.NotebookNode:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=240, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute(env=env)
    return nb


@pytest.mark.slow
def test_plain_nbconvert_of_notebook_03_shows_the_selection_outside_scripts(executed_03,
                                                                              tmp_path):
    """``jupyter nbconvert --to html`` as is: the widget state is saved, so the widget
    view wins its output; the snapshot is the viewer's second output."""
    nb = executed_03
    assert nb.metadata.get("widgets")  # the widget state was saved with the notebook
    bundles = [o.data for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if WIDGET_MIME in o.get("data", {})]
    assert len(bundles) == 1
    body, _ = HTMLExporter().from_notebook_node(nb)
    (tmp_path / "03.html").write_text(body)
    _assert_shows_the_selection(body)


@pytest.mark.slow
def test_nbconvert_without_a_widget_manager_shows_one_snapshot(executed_03):
    priority = HTMLExporter().default_config.NbConvertBase.display_data_priority
    exporter = HTMLExporter(config=Config({"NbConvertBase": {  # no widget manager
        "display_data_priority": [m for m in priority if m != WIDGET_MIME]}}))
    body, _ = exporter.from_notebook_node(executed_03)
    _assert_shows_the_selection(body)
    assert _outside_scripts(body).count('class="orgen-static"') == 1


def test_committed_rendering_of_notebook_03_shows_the_selection():
    """docs/notebooks/03_drill_down.html, linked from the README (issue 21: it was empty)."""
    _assert_shows_the_selection((ROOT / "docs" / "notebooks" / "03_drill_down.html")
                                .read_text(encoding="utf-8"))
