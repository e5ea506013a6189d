"""HTML the library renders: the one escape and the one CSS class prefix.

Every table, card and viewer panel the library writes as HTML escapes text with
:func:`escape` and names its CSS classes with :data:`CSS_PREFIX` (``orgen-``),
so that a name from the service can never inject markup and the library's
styles never touch a notebook's own.

Examples
--------
>>> escape('<b>"evil" & co</b>')
'&lt;b&gt;&quot;evil&quot; &amp; co&lt;/b&gt;'
>>> css_class("table")
'orgen-table'
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["CSS_PREFIX", "css_class", "escape"]

#: The prefix of every CSS class the library's HTML uses.
CSS_PREFIX = "orgen-"


def escape(text: Any) -> str:
    """``text`` (any value, as ``str``) escaped for HTML text and attribute values."""
    return html.escape(str(text), quote=True)


def css_class(name: str) -> str:
    """The library's CSS class for ``name``: ``orgen-`` + ``name``."""
    return CSS_PREFIX + name
