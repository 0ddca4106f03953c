"""Numbers written as text, read column by column: which separator is the decimal one.

`0,3`, `5,50` and `1.234,5` can only have a decimal comma; `0.27`, `1,234.5` and
`1,234,567` only a decimal point; `5,500` and `5.500` could have either. The rule:

1. a column whose values show one convention is read with it (values showing both are a
   problem naming the column);
2. a column whose values could be either takes the convention the table's other number
   columns show, when they agree;
3. else the one the file format implies: a `;`-delimited text file has a decimal comma
   (spreadsheets write `;` exactly where the comma is the decimal separator), a
   `,`-delimited file or a workbook a decimal point (a workbook keeps numbers as numbers;
   text that looks like one follows the planner's own `1,234.5`);
4. else (a tab-delimited file, say) the column is a problem naming it, not a guess.

Spaces, no-break spaces and narrow no-break spaces between groups of three digits are
thousands separators in either convention: `2 400` is 2400.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_SPACES = " \u00a0\u202f\u2009"
_RUN = re.compile(rf"\d[\d.,{_SPACES}]*\d|\d")
_SPACE_SPLIT = re.compile(rf"[{_SPACES}]")
_SPACE_GROUPED = re.compile(r"^\d{1,3}( \d{3})+([.,]\d*)?$")


def _number_run(text: str) -> re.Match[str] | None:
    return _RUN.search(text)


def _without_spaces(token: str) -> str | None:
    """`2 400,5` -> `2400,5`; None when spaces do not separate groups of three digits."""
    if not _SPACE_SPLIT.search(token):
        return token
    plain = _SPACE_SPLIT.sub(" ", token)
    if not _SPACE_GROUPED.match(plain):
        return None
    return plain.replace(" ", "")


def _grouped(integer: str, separator: str) -> bool:
    """Whether `integer` is digits in groups of three, `separator` between groups."""
    groups = integer.split(separator)
    head = groups[0]
    return (
        len(groups) > 1
        and 1 <= len(head) <= 3
        and head.isdigit()
        and head != "0"
        and all(len(g) == 3 and g.isdigit() for g in groups[1:])
    )


def classify(token: str) -> str:
    """Which decimal separator a number token proves: "." or ","; "?" for either; "" for
    neither (no separator); "bad" for no number a convention would write."""
    has_dot, has_comma = "." in token, "," in token
    if not has_dot and not has_comma:
        return ""
    if has_dot and has_comma:
        last = "." if token.rindex(".") > token.rindex(",") else ","
        other = "," if last == "." else "."
        integer, _, fraction = token.rpartition(last)
        if other in fraction or not _grouped(integer, other):
            return "bad"
        return last
    separator = "." if has_dot else ","
    other = "," if has_dot else "."
    parts = token.split(separator)
    if len(parts) > 2:
        return other if _grouped(token, separator) else "bad"
    integer, fraction = parts
    if len(fraction) == 3 and _grouped(token, separator):
        return "?"
    return separator


def _tokens(values: Iterable[str]) -> Iterable[tuple[str, str]]:
    """(value, number token without space separators) for each value holding a number."""
    for value in values:
        match = _number_run(value)
        if match:
            token = _without_spaces(match.group())
            if token is not None:
                yield value, token


@dataclass(frozen=True)
class ColumnFormat:
    """How a column's numbers are written: the decimal separator, or why it is unknown."""

    decimal: str | None
    problem: str = ""
    example: str = ""
    separators: bool = False  # whether any value has a separator the decimal one decides


def _shown(decimal: str) -> str:
    return "decimal comma" if decimal == "," else "decimal point"


def decide_columns(
    columns: Mapping[str, Iterable[str]], hint: str | None
) -> dict[str, ColumnFormat]:
    """The format of each column of text numbers (see the module's rule)."""
    evidence: dict[str, dict[str, str]] = {}
    ambiguous: dict[str, str] = {}
    separated: set[str] = set()
    for name, values in columns.items():
        found: dict[str, str] = {}
        for value, token in _tokens(values):
            kind = classify(token)
            if kind in (".", ","):
                found.setdefault(kind, value)
            elif kind == "?":
                ambiguous.setdefault(name, value)
            if kind:
                separated.add(name)
        evidence[name] = found
    shown_by_table = {kind for found in evidence.values() for kind in found}
    decided: dict[str, ColumnFormat] = {}
    for name, found in evidence.items():
        if len(found) == 2:
            decided[name] = ColumnFormat(
                None,
                f"mixes a decimal comma ({found[',']!r}) and a decimal point ({found['.']!r})",
                found[","],
            )
        elif found:
            decided[name] = ColumnFormat(next(iter(found)))
        elif name not in ambiguous:
            decided[name] = ColumnFormat(hint or ".")
        elif len(shown_by_table) == 1:
            decided[name] = ColumnFormat(next(iter(shown_by_table)))
        elif hint:
            decided[name] = ColumnFormat(hint)
        else:
            example = ambiguous[name]
            decided[name] = ColumnFormat(
                None,
                f"cannot tell whether {example!r} has a decimal separator or a thousands "
                "separator: no value in the table settles it; write the numbers without "
                "thousands separators (or with a decimal part)",
                example,
            )
    return {
        name: ColumnFormat(f.decimal, f.problem, f.example, name in separated)
        for name, f in decided.items()
    }


def normalise(text: str, decimal: str | None) -> str:
    """`text` with its number written the planner's way (`1234.5`), under `decimal`."""
    match = _number_run(text)
    if not match or decimal is None:
        return text
    token = _without_spaces(match.group())
    if token is None or classify(token) not in ("", "?", decimal):
        return text  # not a number, or one written the other way: left for the caller
    grouping = "," if decimal == "." else "."
    plain = token.replace(grouping, "").replace(decimal, ".")
    return text[: match.start()] + plain + text[match.end() :]


def describe(decided: Mapping[str, ColumnFormat]) -> str:
    """A note such as "numbers read with a decimal comma" when any column uses one."""
    commas = [name for name, f in decided.items() if f.decimal == "," and f.separators]
    return f"{', '.join(commas)}: read with a {_shown(',')}" if commas else ""
