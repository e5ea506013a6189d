"""Normalise the ids a user passes in: one rule set for every entry point."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

from ..errors import InputWarning
from ..schema import is_na


def normalize_ids(ids: str | Iterable[Any]) -> list[str]:
    """Return the unique ids of ``ids``, stripped, in first-seen order.

    A single ``str`` is one id.  NA entries (None, NaN, ``pd.NA``) and blank
    strings are skipped with one :class:`~openrouter_frame.InputWarning` that
    counts them; any other non-string entry raises ``TypeError`` naming its
    position and value, and an id that cannot be sent (not valid Unicode, such
    as a lone surrogate) raises ``ValueError`` naming its position, before any
    request.

    Examples
    --------
    >>> normalize_ids(["gen-1\\n", "gen-2", " gen-1 "])
    ['gen-1', 'gen-2']
    >>> normalize_ids("gen-9")
    ['gen-9']
    """
    if isinstance(ids, str):
        ids = [ids]
    elif isinstance(ids, (bytes, bytearray)):
        raise TypeError("ids must be str or an iterable of str, not bytes")
    elif isinstance(ids, Iterable):
        pass
    else:
        raise TypeError(f"ids must be str or an iterable of str, not {type(ids).__name__}")
    seen: dict[str, None] = {}
    na = blank = 0
    for position, value in enumerate(ids):
        if isinstance(value, str):
            text = value.strip()
            if text:
                check_sendable(text, position)
                seen[text] = None
            else:
                blank += 1
        elif is_na(value):
            na += 1
        else:
            raise TypeError(
                f"ids[{position}] is {value!r} ({type(value).__name__}); every id must be a str"
            )
    if na or blank:
        warnings.warn(
            f"skipped {na + blank} id(s): {na} NA and {blank} blank",
            InputWarning,
            stacklevel=3,
        )
    return list(seen)


def check_sendable(id: str, position: int | None = None) -> None:
    """Raise ``ValueError`` if ``id`` cannot be encoded into a URL (not valid UTF-8).

    >>> check_sendable("x\\udcff", 3)
    Traceback (most recent call last):
    ...
    ValueError: ids[3] cannot be sent (a lone surrogate at character 1): 'x\\udcff'
    """
    try:
        id.encode("utf-8")
    except UnicodeEncodeError as exc:
        where = "id" if position is None else f"ids[{position}]"
        raise ValueError(f"{where} cannot be sent (a lone surrogate at character "
                         f"{exc.start}): {id[:80]!r}") from None
