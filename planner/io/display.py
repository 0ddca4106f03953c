"""How the planner writes a figure for people: money, percents, months, payback, prices.

One place for the window's tables, KPI strip, charts and Decisions pages and for the text
report, so the same figure reads the same everywhere. A missing figure (None, NaN or
infinite) reads "n/a" unless a caller says otherwise.

Money in the window is whole dollars with thousands separators ("$16,334,781"), in the
KPI strip and in every table column alike, as Excel's `$#,##0` shows it and reads it back
when pasted. A column takes one scale from its largest magnitude (`money_column`): whole
dollars, or whole millions ("$12,346M") once a figure reaches ten billion, so a column never
mixes "$39,729", "$492.0k" and "$10.46M". Compact texts ("$1.23M", three significant
digits) are for charts' ticks and hover labels; print where space is short takes a compact
column (`money_column(values, compact=True)`: "$16.57M", one scale per column as well).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from planner.engine.metrics import PaybackStatus

NOT_AVAILABLE = "n/a"
# A money column whose largest figure reaches this is written in whole millions.
MILLIONS_FROM_USD = 1e10


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


class MoneyText(str):
    """A money figure's text that keeps its number (`usd`, None when missing), so that a
    table can write its whole column at one scale (`uniform_money_columns`)."""

    usd: float | None

    def __new__(cls, text: str, usd: float | None = None) -> MoneyText:
        made = super().__new__(cls, text)
        made.usd = float(usd) if usd is not None and math.isfinite(usd) else None
        return made

    def __reduce__(self) -> tuple[type[MoneyText], tuple[str, float | None]]:
        return MoneyText, (str(self), self.usd)  # copies and pickles keep the number


Scale = tuple[float, str, int]  # unit, suffix, decimals: (1e6, "M", 2) writes "$16.57M"


def money_scale(values: Iterable[float | None], compact: bool = False) -> Scale:
    """The scale a column of USD figures is written at, from its largest magnitude: whole
    dollars, or whole millions once it reaches MILLIONS_FROM_USD; compact (print, where
    space is short): millions with 2 decimals from $1M, billions from $1B."""
    sizes = [abs(v) for v in values if v is not None and math.isfinite(v)]
    largest = max(sizes, default=0.0)
    if compact:
        for unit, suffix in ((1e9, "B"), (1e6, "M")):
            if largest >= unit:
                return unit, suffix, 2
        return 1.0, "", 0
    return (1e6, "M", 0) if largest >= MILLIONS_FROM_USD else (1.0, "", 0)


def _at_scale(value: float | None, scale: Scale) -> str:
    if value is None or not math.isfinite(value):
        return NOT_AVAILABLE
    unit, suffix, decimals = scale
    digits = f"{abs(value) / unit:,.{decimals}f}"
    sign = "-" if value < 0 and digits.strip("0.,") else ""  # never "-$0"
    return f"{sign}${digits}{suffix}"


def money_column(values: Sequence[float | None], compact: bool = False) -> list[str]:
    """A column of USD figures at one scale, picked from its largest magnitude:
    [39729, 492000, 10460000] -> ["$39,729", "$492,000", "$10,460,000"];
    [2.5e10, 4.9e5] -> ["$25,000M", "$0M"]; compact: ["$0.04M", "$0.49M", "$10.46M"].
    A missing figure reads "n/a"."""
    scale = money_scale(values, compact)
    return [MoneyText(_at_scale(v, scale), v) for v in values]


def money(value: float | None, compact: bool = False) -> str:
    """One USD figure as a table column of it shows it: "$1,234,567" (`money_column`);
    compact for print where space is short: "$1.23M", "-$450.1k", "$87,512"."""
    if not compact:
        return money_column([value])[0]
    if value is None or not math.isfinite(value):
        return NOT_AVAILABLE
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size >= 1e9:
        text = f"{sign}${size / 1e9:,.2f}B"
    elif size >= 1e6:
        text = f"{sign}${size / 1e6:,.2f}M"
    elif size >= 1e5:
        text = f"{sign}${size / 1e3:,.1f}k"
    else:
        text = f"{sign}${size:,.0f}"
    return MoneyText(text, value)


def uniform_money_columns(rows: Sequence[Sequence[str]], compact: bool = False) -> list[list[str]]:
    """`rows` with each column's money texts (MoneyText) rewritten at the column's one
    scale (`money_column`); other texts, such as "n/a" or words, stay as they are."""
    out = [list(row) for row in rows]
    width = max((len(row) for row in out), default=0)
    for c in range(width):
        cells = [(r, row[c]) for r, row in enumerate(out) if c < len(row)]
        money_cells = [(r, cell) for r, cell in cells if isinstance(cell, MoneyText)]
        if not money_cells:
            continue
        texts = money_column([cell.usd for _r, cell in money_cells], compact)
        for (r, _cell), text in zip(money_cells, texts, strict=True):
            out[r][c] = text
    return out


def _scaled(size: float) -> tuple[float, str]:
    for unit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= unit:
            return unit, suffix
    return 1.0, ""


def money_short(value: float | None) -> str:
    """USD with three significant digits: "$1.23M", "-$350k", "$950" (charts, hover). In a
    table's column it is written at the column's scale (a MoneyText keeps the number)."""
    if value is None or not math.isfinite(value):
        return NOT_AVAILABLE
    size = abs(value)
    unit, suffix = _scaled(size)
    scaled = size / unit
    decimals = 2 if scaled < 10 else 1 if scaled < 100 else 0
    if not suffix and scaled >= 100:
        decimals = 0
    text = f"{scaled:,.{decimals}f}"
    if float(text.replace(",", "")) >= 1000 and suffix != "B":  # 999.96k rounds to 1.00M
        return MoneyText(money_short(math.copysign(1000 * unit, value)), value)
    sign = "-" if value < 0 and float(text.replace(",", "")) != 0 else ""
    return MoneyText(f"{sign}${text}{suffix}", value)


def money_tick(value: float, spacing: float) -> str:
    """An axis tick in USD: "$1.5M", "-$350k", "$900"; decimals just enough for `spacing`."""
    if not math.isfinite(value):
        return ""
    size = abs(value)
    if size < abs(spacing) * 1e-6:
        return "$0"
    unit, suffix = _scaled(size)
    step = abs(spacing) / unit
    decimals = 0
    while decimals < 2:
        shifted = step * 10**decimals
        if round(shifted) >= 1 and abs(shifted - round(shifted)) <= 1e-6 * shifted:
            break
        decimals += 1
    sign = "-" if value < 0 else ""
    return f"{sign}${size / unit:,.{decimals}f}{suffix}"


def percent(value: float | None, missing: str = NOT_AVAILABLE) -> str:
    """A rate as a percent with one decimal: "26.9%"."""
    return missing if _missing(value) else f"{value * 100:,.1f}%"  # type: ignore[operator]


def months(value: float | None, unit: str = "mo", missing: str = "never") -> str:
    """A number of months with one decimal: "13.9 mo"; `missing` when there is none."""
    return missing if _missing(value) else f"{value:,.1f} {unit}"


def payback(status: int, months_to_payback: float, unit: str = "mo") -> str:
    """A payback: "13.9 mo", "never" (not within the horizon) or "immediate" (cumulative
    cash flow never below zero)."""
    code = PaybackStatus(int(status))
    if code is PaybackStatus.NEVER:
        return "never"
    if code is PaybackStatus.NEVER_NEGATIVE:
        return "immediate"
    return months(months_to_payback, unit)


def payback_note(status: int, horizon_months: int) -> str:
    """What a payback that is not a number of months means, in a few words."""
    code = PaybackStatus(int(status))
    if code is PaybackStatus.NEVER:
        return f"not within {horizon_months} months"
    if code is PaybackStatus.NEVER_NEGATIVE:
        return "cash never below zero"
    return ""


def payback_in_full(
    status: int, months_to_payback: float, horizon_months: int, on: str | None = None
) -> str:
    """A payback for the text report: "13.9 months (13 months 27 days), on 2027-04-27"."""
    code = PaybackStatus(int(status))
    if code is PaybackStatus.NEVER:
        return f"never (not within {horizon_months} months)"
    if code is PaybackStatus.NEVER_NEGATIVE:
        return "immediate (cumulative cash flow never below zero)"
    whole = int(months_to_payback)
    days = int((months_to_payback - whole) * 30)
    text = f"{months_to_payback:,.1f} months ({whole} months {days} days)"
    return f"{text}, on {on}" if on else text


def usd_per_ph_day(value: float | None) -> str:
    return NOT_AVAILABLE if _missing(value) else f"${value:,.2f}/PH/day"


def usd_per_btc(value: float | None) -> str:
    return NOT_AVAILABLE if _missing(value) else f"${value:,.0f}/BTC"


def usd_per_kwh(value: float | None) -> str:
    return NOT_AVAILABLE if _missing(value) else f"${value:,.4f}"
