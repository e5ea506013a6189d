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
  shares the ``""`` slots;
* within one figure no two labels share a colour (:func:`colors_for`,
  :meth:`ColorMap.distinct`): a label keeps its own colour unless a larger
  label of the same figure already drew it (once the palette has run out, or
  when a value's first session colour collides), then it takes a colour that
  no label of that figure owns, for that figure only.  Past the palette's
  length, extra hues are made up so even 30 groups are all distinct.

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
#: matplotlib's ``tab10`` without its grey, then eight hues unlike any of them
#: (indigo, gold, teal, magenta and lime from ColorBrewer's Dark2 family, wine,
#: buff, rust).  Seventeen: a plot of the top 15 groups plus ``other`` needs 15.
PALETTE: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#bcbd22", "#17becf", "#393b79", "#e6ab02", "#1b9e77", "#7b0043", "#c2b280",
    "#e7298a", "#66a61e", "#b15928",
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

    def distinct(self, labels: Iterable[Hashable], column: str | None = None) -> list[str]:
        """Colours of ``labels`` drawn together (one figure): no two alike but ``other``.

        Each label first gets its own colour (:meth:`__call__`, remembered for
        the process).  Going in order (give the largest first), a label whose
        colour an earlier label already holds takes instead the first palette
        colour, from its hash slot on, that no label of ``labels`` holds; for
        this call only, so it gets its own colour back in figures where that
        colour is free.  With more labels than palette colours, made-up hues
        (never in the palette, never grey) follow.

        >>> cmap = ColorMap(("#000001", "#000002"))
        >>> cmap("a"), cmap("b"), cmap("c") in ("#000001", "#000002")
        ('#000002', '#000001', True)
        >>> picked = cmap.distinct(["a", "c", "b", "other"])
        >>> len(set(picked[:3])), picked[0], picked[3]
        (3, '#000002', '#9e9e9e')
        """
        texts = [label_text(x) for x in labels]
        own = [self(t, column) for t in texts]
        out: list[str | None] = []
        held: set[str] = set()
        for text, color in zip(texts, own, strict=True):
            if text == OTHER_LABEL or color not in held:
                out.append(color)
                held.add(color)
            else:
                out.append(None)
        n = len(self.palette)
        spare = iter(_extra_hues(len(texts), set(self.palette) | {self.other}))
        for i, text in enumerate(texts):
            if out[i] is not None:
                continue
            first = self._slot(text, n)
            free = [self.palette[(first + k) % n] for k in range(n)
                    if self.palette[(first + k) % n] not in held]
            color = free[0] if free else next(c for c in spare if c not in held)
            out[i] = color
            held.add(color)
        return [c for c in out if c is not None]

    def reset(self) -> None:
        """Forget every colour given (tests; a fresh session)."""
        with self._lock:
            self._given.clear()


def _extra_hues(count: int, avoid: set[str]) -> list[str]:
    """``count`` saturated hues evenly around the wheel (golden-angle steps), none in ``avoid``.

    >>> len(set(_extra_hues(5, set()))), _extra_hues(1, set())[0].startswith("#")
    (5, True)
    """
    import colorsys

    out: list[str] = []
    k = 0
    while len(out) < count:
        r, g, b = colorsys.hls_to_rgb((0.11 + 0.618034 * k) % 1.0, 0.45 + 0.1 * (k % 3) / 2,
                                      0.75)
        k += 1
        color = f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
        if color not in avoid and color not in out:
            out.append(color)
    return out


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
    """The colours of labels of ``column`` drawn in one figure: :meth:`ColorMap.distinct`.

    Each label's :func:`color_for` where that keeps every label of the figure
    distinct; give the largest first (they keep their own colour first).

    >>> colors_for(["x", "other"])[1]
    '#9e9e9e'
    >>> len(set(colors_for([f"model-{i}" for i in range(20)], "doctest")))
    20
    """
    return DEFAULT.distinct(labels, column)
