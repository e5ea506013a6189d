"""Analysis of a generations frame: summaries, metrics, grouping, plots, unit formatting.

Pure functions of a frame (nothing here fetches): :mod:`.summary` (the
summaries ``df.orgen`` returns), :mod:`.metrics` (column access and per-row
metrics), :mod:`.groups` (group codes and per-group reductions),
:mod:`.plotting` (matplotlib), :mod:`.units` (money, ms and rate formatting,
shared with the viewer) and :mod:`.accessor` (``df.orgen``).
"""
