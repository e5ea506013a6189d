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

import json
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
#: A conversation longer than this shows its first and last :data:`KEEP` messages and
#: folds the middle ones into a collapsible.
FOLD_OVER = 6
KEEP = 2


def _parsed(value: Any) -> Any:
    """``value`` read as JSON when it is JSON text, else as it is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def error_message(error: Any) -> str:
    """A stored failure (``error``: JSON text or a mapping) as one readable line.

    Its status, provider and message, then the message inside its ``raw`` body
    when that is the provider's JSON error, and how many earlier errors it had.

    >>> raw = json.dumps({"error": {"code": 502, "message": "upstream connect error"}})
    >>> error_message(json.dumps({"status": 502, "message": "Provider returned error",
    ...                           "provider_name": "OpenAI", "raw": raw}))
    '502 from OpenAI: Provider returned error: upstream connect error'
    >>> error_message("plain text"), error_message({"message": "boom"})
    ('plain text', 'boom')
    """
    data = _parsed(error)
    if not isinstance(data, Mapping):
        return str(data)
    status = data.get("status", data.get("code"))
    head = "" if status is None or is_na(status) else str(status)
    provider = data.get("provider_name")
    parts = [str(data.get("message") or "")]
    raw = _parsed(data.get("raw"))
    inner = raw.get("error", raw) if isinstance(raw, Mapping) else raw
    inner_text = (inner.get("message") if isinstance(inner, Mapping) else inner)
    if inner_text and not is_na(inner_text) and str(inner_text) not in parts:
        parts.append(str(inner_text))
    text = ": ".join(p for p in parts if p)
    where = " ".join(x for x in (head, f"from {provider}" if provider else "") if x)
    previous = data.get("previous_errors")
    more = (f" (after {len(previous)} earlier error{'s' if len(previous) != 1 else ''})"
            if isinstance(previous, list) and previous else "")
    return (f"{where}: {text}" if where and text else where or text or str(error)) + more


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


def _block(role: str, text: Any, cls: str, more: str = "") -> str:
    return (f'<div class="orgen-msg {cls}"><div class="orgen-role">{escape(role)}</div>'
            f'<div class="orgen-text">{escape(text)}</div>{more}</div>')


def _error_block(error: Any) -> str:
    """The stored failure: its readable message, the JSON it came from collapsed."""
    raw = error if isinstance(error, str) else json.dumps(error, default=str)
    return _block("error", error_message(error), "orgen-content-error",
                  f'<details class="orgen-extra"><summary>as stored</summary>'
                  f'<div class="orgen-text">{escape(raw)}</div></details>')


def fold(blocks: list[str], over: int = FOLD_OVER, keep: int = KEEP) -> list[str]:
    """The message blocks of a long conversation: the first and last ``keep`` shown,
    the middle ones in a collapsible (``<details>``) saying how many.

    >>> fold(list("abcdefgh"), over=6, keep=2)[2][:48]
    '<details class="orgen-more"><summary>4 more mess'
    >>> fold(list("abc"))
    ['a', 'b', 'c']
    """
    if len(blocks) <= over:
        return blocks
    middle = blocks[keep:len(blocks) - keep]
    return (blocks[:keep] + [f'<details class="orgen-more"><summary>{len(middle)} more '
                             f"messages</summary>{''.join(middle)}</details>"]
            + blocks[len(blocks) - keep:])


def content_html(row: Mapping[str, Any]) -> str:
    """The conversation of one contents row (see the module docs)."""
    stored = row.get("stored")
    if not is_na(stored) and not bool(stored):
        return state_html(NOT_STORED, "not-stored")
    parts = ['<div class="orgen-content"><div class="orgen-content-title">Conversation</div>']
    if _present(row.get("error")):  # what went wrong first
        parts.append(_error_block(row["error"]))
    blocks = []
    messages = row.get("messages")
    if messages is not None and _present(messages):
        for m in list(messages):
            if isinstance(m, Mapping):
                role, text = m.get("role") or "?", m.get("content")
            else:
                role, text = "?", m
            if not isinstance(text, str):
                text = "" if text is None else str(text)
            blocks.append(_block(str(role), text, css_class(
                "role-" + re.sub(r"[^A-Za-z0-9_-]", "-", str(role)))))
    parts.extend(fold(blocks))
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
    parts.append("</div>")
    return "".join(parts)
