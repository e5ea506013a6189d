"""A saved notebook shows the viewer's selected generation without a kernel.

Notebook 03 is executed, then rendered to HTML by nbconvert the way static
renderers (GitHub, nbviewer without widget state) do: with no widget manager,
so the widget's ``text/html`` fallback is what shows.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
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


def test_nbconvert_html_of_notebook_03_shows_the_selected_generation(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=240, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute(env=env)
    bundles = [o.data for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if WIDGET_MIME in o.get("data", {})]
    assert len(bundles) == 1 and "text/html" in bundles[0]

    priority = HTMLExporter().default_config.NbConvertBase.display_data_priority
    exporter = HTMLExporter(config=Config({"NbConvertBase": {  # no widget manager
        "display_data_priority": [m for m in priority if m != WIDGET_MIME]}}))
    body, _ = exporter.from_notebook_node(nb)
    (tmp_path / "03.html").write_text(body)
    top = _paid_top()
    static = body[body.index('class="orgen-static"'):]
    assert top["id"] in static[:20_000]
    assert fmt.format_usd(top["paid"]) in static[:20_000]
    assert "Provider attempts" in static and "Conversation" in static or \
        "zero data retention" in static
    assert "sk-" not in static  # the simulator's key never lands in an output
