"""How the planner writes a figure for people: money, percents, months, payback, prices.

One place for the window's tables, KPI strip, charts and Decisions pages and for the text
report, so the same figure reads the same everywhere. A missing figure (None, NaN or
infinite) reads "n/a" unless a caller says otherwise.
"""

from __future__ import annotations

import math

from planner.engine.metrics import PaybackStatus

NOT_AVAILABLE = "n/a"


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def money(value: float | None, compact: bool = True) -> str:
    """$1.23M, -$450.1k, $87,512 (compact) or $1,234,567 (full)."""
    if value is None or not math.isfinite(value):
        return NOT_AVAILABLE
    sign = "-" if value < 0 else ""
    size = abs(value)
    if compact and size >= 1e9:
        return f"{sign}${size / 1e9:,.2f}B"
    if compact and size >= 1e6:
        return f"{sign}${size / 1e6:,.2f}M"
    if compact and size >= 1e5:
        return f"{sign}${size / 1e3:,.1f}k"
    return f"{sign}${size:,.0f}"


def _scaled(size: float) -> tuple[float, str]:
    for unit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= unit:
            return unit, suffix
    return 1.0, ""


def money_short(value: float | None) -> str:
    """USD with three significant digits: "$1.23M", "-$350k", "$950" (charts, hover)."""
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
        return money_short(math.copysign(1000 * unit, value))
    sign = "-" if value < 0 and float(text.replace(",", "")) != 0 else ""
    return f"{sign}${text}{suffix}"


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
