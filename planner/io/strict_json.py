"""JSON as a project file may hold it: no NaN or infinity, no duplicate keys, no huge
integers, no deep nesting.

The standard `json` module reads `NaN`, `Infinity` and `1e309` as floats, keeps the last of
two equal keys, raises ValueError past 4,300 digits and RecursionError about 1,000 levels
down. Here each is a `Problem` named by its place in the document (`sites[0].uptime`), or,
for nesting too deep to parse, by line and column.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from planner.domain.errors import Problem, format_path, quote

MAX_DEPTH = 32  # a project nests five levels; anything near this is not a project
MAX_INT_DIGITS = 30  # far above every bound of the model, far below Python's int limit


class StrictJSONError(ValueError):
    """JSON text that cannot be read at all: `line` and `column` name the place."""

    def __init__(self, line: int, column: int, message: str):
        self.line = line
        self.column = column
        self.message = message
        super().__init__(f"line {line}, column {column}: {message}")


class StrictJSONProblems(ValueError):
    """Well-formed JSON holding values no project may hold, each named by its path."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class _Refused:
    """A number the reader keeps aside so that the walk can name where it was."""

    text: str
    reason: str


class _Object(dict[str, Any]):
    """A JSON object that remembers the keys written more than once."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = _Object(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        twice: list[str] = []
        for key, _ in pairs:
            if key in seen and key not in twice:
                twice.append(key)
            seen.add(key)
        result.duplicates = tuple(twice)
    return result


def _float(text: str) -> float | _Refused:
    value = float(text)
    if math.isfinite(value):
        return value
    return _Refused(text, "is too large for a number")


def _int(text: str) -> int | _Refused:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        return _Refused(text, f"is too large ({len(text.lstrip('-')):,} digits)")
    return int(text)


def _constant(text: str) -> _Refused:
    return _Refused(text, "must be a finite number")


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object, parse_float=_float, parse_int=_int, parse_constant=_constant
)


def loads(text: str) -> Any:
    """Parse `text`; StrictJSONError for bad syntax, StrictJSONProblems for refused values."""
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise StrictJSONError(error.lineno, error.colno, f"invalid JSON: {error.msg}") from None
    except RecursionError:
        line, column = _too_deep_at(text)
        raise StrictJSONError(
            line, column, f"invalid JSON: nested more than {MAX_DEPTH} levels deep"
        ) from None
    problems = list(_walk(data, [], 0))
    if problems:
        raise StrictJSONProblems(problems)
    return data


def _walk(value: Any, path: list[Any], depth: int) -> Iterator[Problem]:
    if isinstance(value, _Refused):
        yield Problem(format_path(path), f"{value.reason}, got {quote(value.text, repr_=False)}")
        return
    if not isinstance(value, dict | list):
        return
    if depth >= MAX_DEPTH:
        yield Problem(format_path(path), f"is nested more than {MAX_DEPTH} levels deep")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, [*path, index], depth + 1)
        return
    for key in getattr(value, "duplicates", ()):
        yield Problem(format_path([*path, key]), "is written more than once in this object")
    for key, item in value.items():
        yield from _walk(item, [*path, key], depth + 1)


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _too_deep_at(text: str) -> tuple[int, int]:
    """Line and column of the bracket that opens level MAX_DEPTH + 1 (1-based)."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                offset = match.start()
                line = text.count("\n", 0, offset) + 1
                return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
        elif token in "]}":
            depth -= 1
    return 1, 1
