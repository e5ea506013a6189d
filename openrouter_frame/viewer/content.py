"""The conversation panel: a generation's messages, completion and (collapsible) reasoning.

The viewer never fetches: it is given a function ``load(id) -> row`` (built by
:func:`openrouter_frame.api.content_loader`) whose row has the columns of
:func:`openrouter_frame.frame.contents.contents_to_frame`, or a frame that
already holds them.  :func:`content_html` renders a row or one of the states
(loading, not stored, no key, failed).

Examples
--------
>>> row = {"messages": [{"role": "user", "content": "Hi <there>"}],
...        "completion": "Hello!", "reasoning": "Be nice.", "stored": True}
>>> text = content_html(row)
>>> "Hi &lt;there&gt;" in text and "orgen-completion" in text and "<details" in text
True
>>> "zero data retention" in content_html({"stored": False})
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..analysis.markup import css_class
from ..schema import is_na
from .html import escape

#: Columns a frame must have for the viewer to show its content without fetching.
CONTENT_FIELDS = ("prompt", "messages", "completion", "reasoning", "stored")

NO_KEY = ("No key: content not loaded. Set OPENROUTER_API_KEY (or pass client=) "
          "to fetch the prompt and answer of the selected generation.")
NOT_STORED = "Not stored (zero data retention): the service kept no prompt or answer."
LOADING = "Loading the prompt and answer\u2026"


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, (list, tuple)):
        return len(value) > 0
    try:
        return not is_na(value) and value != ""
    except (TypeError, ValueError):  # array-likes
        return True


def state_html(message: str, kind: str) -> str:
    """One state line (``kind`` in loading, no-key, not-stored, failed, none)."""
    return (f'<div class="orgen-content orgen-content-{kind}"><div class="orgen-muted">'
            f"{escape(message)}</div></div>")


def _block(role: str, text: Any, cls: str) -> str:
    return (f'<div class="orgen-msg {cls}"><div class="orgen-role">{escape(role)}</div>'
            f'<div class="orgen-text">{escape(text)}</div></div>')


def content_html(row: Mapping[str, Any]) -> str:
    """The conversation of one contents row (see the module docs)."""
    stored = row.get("stored")
    if not is_na(stored) and not bool(stored):
        return state_html(NOT_STORED, "not-stored")
    parts = ['<div class="orgen-content"><div class="orgen-content-title">Conversation</div>']
    messages = row.get("messages")
    if messages is not None and _present(messages):
        for m in list(messages):
            if isinstance(m, Mapping):
                role, text = m.get("role") or "?", m.get("content")
            else:
                role, text = "?", m
            if not isinstance(text, str):
                text = "" if text is None else str(text)
            parts.append(_block(str(role), text, css_class(
                "role-" + re.sub(r"[^A-Za-z0-9_-]", "-", str(role)))))
    if _present(row.get("prompt")):
        parts.append(_block("prompt", row["prompt"], "orgen-prompt"))
    if _present(row.get("reasoning")):
        text = str(row["reasoning"])
        parts.append(f'<details class="orgen-reasoning"><summary>reasoning ({len(text):,} '
                     f'characters)</summary><div class="orgen-text">{escape(text)}</div>'
                     "</details>")
    if _present(row.get("completion")):
        parts.append(_block("assistant", row["completion"], "orgen-completion"))
    else:
        parts.append('<div class="orgen-muted">No completion stored.</div>')
    if _present(row.get("error")):
        parts.append(_block("error", row["error"], "orgen-content-error"))
    parts.append("</div>")
    return "".join(parts)
