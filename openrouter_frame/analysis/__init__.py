"""Analysis of a generations frame: summaries, metrics, grouping, plots, unit formatting.

Pure functions of a frame (nothing here fetches): :mod:`.summary` (the
summaries ``df.orgen`` returns), :mod:`.metrics` (column access and per-row
metrics), :mod:`.groups` (group codes and per-group reductions),
:mod:`.plotting` (matplotlib), :mod:`.units` (money, ms and rate formatting,
shared with the viewer), :mod:`.display` (summaries drawn as formatted tables
in Jupyter; ``<NA>`` for missing categories), :mod:`.colors` (one colour per
model or provider, shared by the plots and the viewer), :mod:`.report` (the
``report()`` card), :mod:`.reconcile` (the frame against the account's billed
activity), :mod:`.pricing` (list-price cost, the price check, repricing),
:mod:`.partials` (each summary as per-row inputs, per-group reductions and one
finish step, and the partials Dask merges) and :mod:`.accessor` (``df.orgen``).
:mod:`.dask` registers ``df.orgen`` on Dask DataFrames; it is imported only on
demand (``import openrouter_frame.analysis.dask``, or ``read_dataset(engine="dask")``),
never by this package.
"""
