"""The drill-down viewer: a widget over one frame, its browse index, chart and HTML.

Pure functions of a frame: nothing here fetches.  Importing this package
imports ipywidgets.
"""

from __future__ import annotations

from .widget import GenerationViewer

__all__ = ["GenerationViewer"]
