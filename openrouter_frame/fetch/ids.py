"""The ids a user passes in: :func:`normalize_ids` (one rule set for every entry point)
and :func:`ids_from` (the generation ids in whatever a research script has)."""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
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
    values are searched in order, however deeply nested (an object that holds
    itself is searched once).  Text that is not JSON is scanned for
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
    IsADirectoryError
        A path (or a ``str``) naming a directory: pass its files.
    ValueError
        JSON text nested more deeply than Python's JSON parser can read.
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


def _collect(obj: Any, seen: dict[str, None], *, top: bool = False) -> None:
    """Add the generation ids of ``obj`` to ``seen`` (see :func:`ids_from`).

    Walked with an explicit stack, not recursion, so no depth of nesting ends in
    ``RecursionError``; a container met again (one that holds itself, say) is
    walked once.  A ``str`` may be JSON at the top and as an item of an
    iterable (such as a file's lines), not as a value inside a dict; a
    top-level ``str`` may be a path.
    """
    # Each entry: the items still to visit and whether a str among them may be JSON.
    stack: list[tuple[Iterator[Any], bool]] = []
    walked: set[int] = set()
    alive: list[Any] = []  # every container walked, so no id() is reused during the walk

    def visit(obj: Any, parse: bool, top: bool = False) -> None:
        if isinstance(obj, os.PathLike) or (top and isinstance(obj, str) and _names_file(obj)):
            path = Path(obj.strip() if isinstance(obj, str) else obj)
            if path.is_dir():
                raise IsADirectoryError(
                    f"ids_from() was given the directory {str(path)!r}: pass its files "
                    f"(say sorted(Path({str(path)!r}).glob('*.jsonl')))")
            text = path.read_text(encoding="utf-8", errors="replace")
            push_text(text, True, f"the file {str(path)!r}")
        elif isinstance(obj, (bytes, bytearray, memoryview)):
            push_text(bytes(obj).decode("utf-8", errors="replace"), parse, "the text")
        elif isinstance(obj, str):
            push_text(obj, parse, "the text")
        elif obj is None or isinstance(obj, (bool, int, float, complex)) or is_na(obj):
            return
        elif id(obj) in walked:
            return
        elif isinstance(obj, Mapping):
            own = obj.get("id")
            if isinstance(own, str) and GENERATION_ID.fullmatch(own.strip()):
                seen[own.strip()] = None
            else:
                push(obj, iter(obj.values()), parse=False)
        elif isinstance(getattr(obj, "id", None), str) and \
                GENERATION_ID.fullmatch(obj.id.strip()):
            seen[obj.id.strip()] = None
        elif callable(getattr(obj, "model_dump", None)):  # pydantic (both SDKs' responses)
            push(obj, iter([obj.model_dump()]), parse=False)
        elif callable(getattr(obj, "to_dict", None)) and hasattr(obj, "columns"):  # DataFrame
            push(obj, iter(obj.to_dict(orient="records")), parse=True)
        elif callable(getattr(obj, "to_dict", None)) and not isinstance(obj, Iterable):
            push(obj, iter([obj.to_dict()]), parse=False)
        elif isinstance(obj, Iterable):
            push(obj, iter(obj), parse=True)
        elif top:
            raise TypeError(f"ids_from() found no ids in a {type(obj).__name__}: pass objects "
                            "with an .id, dicts, iterables of them, a JSON/JSONL path or text")

    def push(container: Any, items: Iterator[Any], *, parse: bool) -> None:
        walked.add(id(container))
        alive.append(container)
        stack.append((items, parse))

    def push_text(text: str, parse: bool, what: str) -> None:
        parsed = _json_values(text, what) if parse else None
        if parsed is not None:
            stack.append((iter(parsed), True))
        else:
            seen.update(dict.fromkeys(m.group() for m in GENERATION_ID.finditer(text)))

    visit(obj, parse=True, top=top)
    while stack:
        items, parse = stack[-1]
        for item in items:
            visit(item, parse)
            break
        else:
            stack.pop()


def _names_file(text: str) -> bool:
    """Whether a top-level ``str`` is a path.

    It is when it names an existing file or directory (an error), or when it
    ends in a file suffix and holds no generation id (a mistyped path then
    raises ``FileNotFoundError`` instead of giving no ids; ``"see gen-... in
    run.log"`` stays text).
    """
    stripped = text.strip()
    if "\n" in stripped or len(stripped) > 4096 or not stripped:
        return False
    try:
        if os.path.isfile(stripped) or os.path.isdir(stripped):  # a directory: an error
            return True
    except (OSError, ValueError):
        return False
    return (stripped.lower().endswith(_FILE_SUFFIXES) and stripped[0] not in "{["
            and GENERATION_ID.search(stripped) is None)


def _json_values(text: str, what: str = "the text") -> list[Any] | None:
    """``text`` as one JSON document or JSONL lines, or ``None`` when it is neither.

    ``ValueError`` when it is JSON nested more deeply than Python's parser can
    read (``what`` names where it came from).
    """
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        return [_loads(stripped, what)]
    except ValueError as exc:
        if isinstance(exc, _TooDeep):
            raise
    values = []
    for line in stripped.splitlines():
        line = line.strip()
        if line:
            try:
                values.append(_loads(line, what))
            except _TooDeep:
                raise
            except ValueError:
                return None
    return values


class _TooDeep(ValueError):
    """JSON nested more deeply than the parser can read."""


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise _TooDeep(
            f"ids_from(): {what} is JSON nested more deeply than Python's JSON parser can read "
            f"({len(text):,} characters); pass the ids, or a flatter document") from None
