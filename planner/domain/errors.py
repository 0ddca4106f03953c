"""Problems found in project data, each named by its field path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_SHOWN = 80  # characters of a user's value echoed in a message
MAX_MESSAGE = 400  # a message longer than this is cut, whatever made it long


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """`text` cut to about `limit` characters, with an ellipsis where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def quote(value: Any, repr_: bool = True) -> str:
    """A user's value as a message shows it: quoted (control characters escaped) and cut;
    null, true and false as the project file spells them."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        # str() of an int past 4,300 digits raises; nobody reads 78 digits anyway.
        return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    if isinstance(value, str):
        # Cut before repr: a 10 MB string is not copied whole only to be cut.
        value = value[: MAX_SHOWN * 2]
    return shorten(repr(value) if repr_ else str(value))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a project, at a field path such as `fleet[3].count`."""

    path: str
    message: str

    def __post_init__(self) -> None:
        if len(self.message) > MAX_MESSAGE:
            object.__setattr__(self, "message", shorten(self.message, MAX_MESSAGE))
        if len(self.path) > MAX_MESSAGE:
            object.__setattr__(self, "path", shorten(self.path, MAX_MESSAGE))

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ProjectValidationError(ValueError):
    """A project that cannot be used, with every problem found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _plain_key(key: str) -> bool:
    return bool(key) and len(key) <= MAX_SHOWN and key.isprintable()


def format_path(loc: Iterable[Any]) -> str:
    """('fleet', 3, 'count') -> 'fleet[3].count'; an odd key is quoted: "sites[0]['\\x1b']"."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _plain_key(str(part)):
            out += f"[{quote(str(part))}]"
        else:
            out += f".{part}" if out else str(part)
    return out
