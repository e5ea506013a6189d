"""The loopback OpenRouter simulator and a ready sample frame, for tests, demos and docs.

* :func:`serve` starts a real HTTP server on ``127.0.0.1`` answering like the
  live service (:mod:`.simulator`: the server; :mod:`.data` and :mod:`.content`:
  records and contents; :mod:`.faults`: what it gets wrong).
* :func:`sample_frame` builds a typed generations frame with no HTTP at all,
  for doctests and analysis examples.
"""

from __future__ import annotations

from .faults import EARLY_TOLERANCE, Faults, Stats
from .sample import sample_frame
from .simulator import Simulator, serve

__all__ = ["EARLY_TOLERANCE", "Faults", "Simulator", "Stats", "sample_frame", "serve"]
