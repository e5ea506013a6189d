"""One colour per model, provider or any other group label, the same in every plot and the viewer.

:func:`color_for` maps a value to a colour of :data:`PALETTE`, a qualitative
palette with no light/dark pairs (which would suggest pairings that do not
exist) and no grey: grey is :data:`OTHER_COLOR`, kept for the ``other`` group.
The mapping is stable:

* a value's first choice is a slot picked by a hash of its text (BLAKE2,
  not Python's salted ``hash``), so ``openai/gpt-4o`` gets the same colour
  in every session that sees the same values in the same order;
* a value takes the first free slot from its first choice on, so distinct
  values seen in one session get distinct colours until the palette runs out
  (then the hash slot is shared);
* once given, a value keeps its colour for the life of the process: every
  plot, the report card and the viewer agree;
* each column has its own slots (``column="model"``, ``column="provider_name"``),
  so providers do not use up the models' colours.  A value with no column
  shares the ``""`` slots.

Examples
--------
>>> from openrouter_frame.analysis.colors import color_for, OTHER_COLOR
>>> color_for("openai/gpt-4o") == color_for("openai/gpt-4o")
True
>>> color_for("other") == OTHER_COLOR
True
>>> color_for("openai/gpt-4o").startswith("#")
True
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Hashable, Iterable

from .groups import OTHER_LABEL, label_text

__all__ = ["OTHER_COLOR", "PALETTE", "ColorMap", "color_for", "colors_for"]

#: Qualitative colours, distinct in hue or lightness, no light/dark pairs, no grey:
#: matplotlib's ``tab10`` without its grey, then five hues unlike any of them
#: (indigo, gold and teal from ColorBrewer's Dark2 family, wine, buff).
PALETTE: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#bcbd22", "#17becf", "#393b79", "#e6ab02", "#1b9e77", "#7b0043", "#c2b280",
)
#: Colour of the ``other`` group (everything outside the top N).
OTHER_COLOR = "#9e9e9e"


class ColorMap:
    """A stable value -> colour mapping (see the module docstring); thread-safe.

    Examples
    --------
    >>> cmap = ColorMap(("#000001", "#000002"))
    >>> a, b = cmap("a"), cmap("b")
    >>> a != b, cmap("a") == a, cmap("other")
    (True, True, '#9e9e9e')
    >>> cmap("a", column="provider_name") in ("#000001", "#000002")
    True
    """

    def __init__(self, palette: Iterable[str] = PALETTE, other: str = OTHER_COLOR) -> None:
        self.palette = tuple(palette)
        self.other = other
        self._given: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _slot(text: str, n: int) -> int:
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % n

    def __call__(self, value: Hashable, column: str | None = None) -> str:
        """The colour of ``value`` (a label, or a tuple of several keys) of ``column``."""
        text = label_text(value)
        if text == OTHER_LABEL:
            return self.other
        key = (column or "", text)
        with self._lock:
            color = self._given.get(key)
            if color is None:
                n = len(self.palette)
                first = self._slot(text, n)
                used = {c for (col, _), c in self._given.items() if col == key[0]}
                color = next((self.palette[(first + k) % n] for k in range(n)
                              if self.palette[(first + k) % n] not in used),
                             self.palette[first])
                self._given[key] = color
            return color

    def reset(self) -> None:
        """Forget every colour given (tests; a fresh session)."""
        with self._lock:
            self._given.clear()


#: The process-wide mapping shared by the plots, the report card and the viewer.
DEFAULT = ColorMap()


def color_for(value: Hashable, column: str | None = None) -> str:
    """The colour of one model, provider or other group label: ``#rrggbb``.

    ``column`` is the column the value comes from (``"model"``,
    ``"provider_name"``; several joined with `` / ``, as the plots' ``by``):
    each column has its own colours.  ``"other"`` is :data:`OTHER_COLOR`;
    every other value keeps the colour it was first given for the life of
    the process.

    >>> color_for("anthropic/claude-3.5-sonnet", "model") == color_for(
    ...     "anthropic/claude-3.5-sonnet", "model")
    True
    """
    return DEFAULT(value, column)


def colors_for(labels: Iterable[Hashable], column: str | None = None) -> list[str]:
    """:func:`color_for` of each label of ``column``, in order (give the largest first).

    >>> colors_for(["x", "other"])[1]
    '#9e9e9e'
    """
    return [DEFAULT(label, column) for label in labels]
