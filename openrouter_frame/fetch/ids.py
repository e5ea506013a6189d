"""The ids a user passes in: :func:`normalize_ids` (one rule set for every entry point)
and :func:`ids_from` (the generation ids in whatever a research script has)."""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
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


#: A generation id inside any text: ``gen-`` then dash-separated letters and digits
#: (``gen-1740432000-AbCd...``, ``gen-3bhGkxlo4X...``), not glued to a longer word.
GENERATION_ID = re.compile(r"(?<![0-9A-Za-z_-])gen-[0-9A-Za-z]+(?:-[0-9A-Za-z]+)*(?![0-9A-Za-z_])")
_FILE_SUFFIXES = (".json", ".jsonl", ".ndjson", ".txt", ".log")


def ids_from(obj: Any) -> list[str]:
    """The unique generation ids in ``obj``, in first-seen order.

    Takes what a research script already has, with no SDK import (duck typing):

    * a response object with an ``.id`` attribute (OpenAI SDK, OpenRouter SDK),
      or one with ``model_dump()`` (pydantic) or ``to_dict()``;
    * a ``dict`` (a chat completion, a ``{"data": {...}}`` body, a log entry);
    * a list, tuple, set, generator or any iterable of the above;
    * a path (``pathlib.Path``, or a ``str`` naming an existing file, or ending
      in ``.json``/``.jsonl``/``.ndjson``/``.txt``/``.log`` with no id in it) of
      a JSON or JSONL file or of any text;
    * a ``str`` or ``bytes`` of JSON, JSONL lines, or any text.

    Where an object or ``dict`` has an ``id`` that is a generation id, that
    id is its id and nothing inside it is searched (a cached response's
    ``response_cache_source_id`` is another generation's).  Otherwise its
    values are searched in order.  Text that is not JSON is scanned for
    ``gen-...`` tokens (:data:`GENERATION_ID`).  Numbers, booleans and NA
    values are skipped.

    Returns
    -------
    list of str
        Possibly empty.

    Raises
    ------
    FileNotFoundError
        A path (or a ``str`` ending in a file suffix above and holding no
        generation id) that does not exist.
    TypeError
        ``obj`` itself is none of the above (say an ``int``).

    Examples
    --------
    >>> ids_from("done: gen-1740432000-AbCdEf, retry gen-1740432001-XyZ; gen-1740432000-AbCdEf")
    ['gen-1740432000-AbCdEf', 'gen-1740432001-XyZ']
    >>> class Completion:  # what openai.OpenAI().chat.completions.create() returns
    ...     id = "gen-1740432002-Qq"
    >>> ids_from([Completion(), {"id": "gen-1740432003-Rr", "choices": []},
    ...           '{"data": {"id": "gen-1740432004-Ss"}}'])
    ['gen-1740432002-Qq', 'gen-1740432003-Rr', 'gen-1740432004-Ss']
    """
    if isinstance(obj, (int, float, complex)) or is_na(obj):
        raise TypeError(f"ids_from() takes objects, dicts, iterables, paths or text, "
                        f"not {type(obj).__name__}")
    seen: dict[str, None] = {}
    _collect(obj, seen, top=True)
    return list(seen)


def _collect(obj: Any, seen: dict[str, None], *, parse: bool = True, top: bool = False
             ) -> None:
    """Add the generation ids of ``obj`` to ``seen`` (see :func:`ids_from`).

    ``parse``: a ``str`` may be JSON (at the top and as an item of an iterable,
    such as a file's lines), not as a value inside a dict.  ``top``: a ``str``
    may be a path.
    """
    if isinstance(obj, os.PathLike) or (top and isinstance(obj, str) and _names_file(obj)):
        _collect_text(Path(obj).read_text(encoding="utf-8", errors="replace"), seen)
    elif isinstance(obj, (bytes, bytearray, memoryview)):
        _collect_text(bytes(obj).decode("utf-8", errors="replace"), seen, parse=parse)
    elif isinstance(obj, str):
        _collect_text(obj, seen, parse=parse)
    elif isinstance(obj, Mapping):
        own = obj.get("id")
        if isinstance(own, str) and GENERATION_ID.fullmatch(own.strip()):
            seen[own.strip()] = None
        else:
            for value in obj.values():
                _collect(value, seen, parse=False)
    elif obj is None or isinstance(obj, (bool, int, float, complex)) or is_na(obj):
        return
    elif isinstance(getattr(obj, "id", None), str) and GENERATION_ID.fullmatch(obj.id.strip()):
        seen[obj.id.strip()] = None
    elif callable(getattr(obj, "model_dump", None)):  # pydantic (both SDKs' responses)
        _collect(obj.model_dump(), seen, parse=False)
    elif callable(getattr(obj, "to_dict", None)) and hasattr(obj, "columns"):  # a DataFrame
        _collect(obj.to_dict(orient="records"), seen)
    elif callable(getattr(obj, "to_dict", None)) and not isinstance(obj, Iterable):
        _collect(obj.to_dict(), seen, parse=False)
    elif isinstance(obj, Iterable):
        for item in obj:
            _collect(item, seen)
    elif top:
        raise TypeError(f"ids_from() found no ids in a {type(obj).__name__}: pass objects "
                        "with an .id, dicts, iterables of them, a JSON/JSONL path or text")


def _names_file(text: str) -> bool:
    """Whether a top-level ``str`` is a path.

    It is when it names an existing file, or when it ends in a file suffix and
    holds no generation id (a mistyped path then raises ``FileNotFoundError``
    instead of giving no ids; ``"see gen-... in run.log"`` stays text).
    """
    stripped = text.strip()
    if "\n" in stripped or len(stripped) > 4096 or not stripped:
        return False
    try:
        if os.path.isfile(stripped):
            return True
    except (OSError, ValueError):
        return False
    return (stripped.lower().endswith(_FILE_SUFFIXES) and stripped[0] not in "{["
            and GENERATION_ID.search(stripped) is None)


def _collect_text(text: str, seen: dict[str, None], *, parse: bool = True) -> None:
    """Ids of JSON, JSONL or plain text (JSON only where ``parse``)."""
    if parse:
        parsed = _json_values(text)
        if parsed is not None:
            for value in parsed:
                _collect(value, seen)
            return
    for match in GENERATION_ID.finditer(text):
        seen[match.group()] = None


def _json_values(text: str) -> list[Any] | None:
    """``text`` as one JSON document or JSONL lines, or ``None`` when it is neither."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        return [json.loads(stripped)]
    except ValueError:
        pass
    values = []
    for line in stripped.splitlines():
        line = line.strip()
        if line:
            try:
                values.append(json.loads(line))
            except ValueError:
                return None
    return values
