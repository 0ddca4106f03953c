"""The workbook's formula helpers: plain text in, formula text out, no openpyxl.

Each helper mirrors one step of the engine (docs/model-notes.md); the recalculation test
holds the whole workbook to the engine's figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from planner.engine.timeline import HALVING_INTERVAL_BLOCKS


class Formula(str):
    """An Excel formula ("=..."), built here from cell references, names and constants.

    Only a Formula is ever written as a formula: any other str, project text above all,
    goes through `text_cell` and stays text whatever it starts with (`cell`, `Sheet`).
    """

    __slots__ = ()


def exact_match(key: str, names: str) -> str:
    """The position of the text in `key` among `names`, compared character for character.

    MATCH(key, names, 0), VLOOKUP and the *IF(S) criteria read `*`, `?` and `~` in the key
    as wildcards (and criteria read a leading `<`, `>` or `=` as a comparison), so a site
    named "P*cos" would find "Pecos". EXACT compares the text as it is; INDEX(..., 0)
    makes Excel and LibreOffice evaluate it over the whole range without array entry.
    Project names are text the user chose: every lookup by one goes through here, once
    per row into a "#" column, and sums by site or model use that number as criterion.
    """
    return f"MATCH(TRUE,INDEX(EXACT({names},{key}),0),0)"


def month_index(cell: str) -> str:
    """Months from the scenario start to the month in `cell` (a date)."""
    return f"(YEAR({cell})-YEAR(StartMonth))*12+MONTH({cell})-MONTH(StartMonth)"


def straight_line(per_month: str, start: str, end: str, t: str) -> str:
    """Depreciation of month t: `per_month` for each whole month in [start, end), the
    fraction of the month before `end` when the life ends mid-month."""
    return f"{per_month}*({t}>={start})*(({end}>={t}+1)+({end}>{t})*({end}<{t}+1)*({end}-{t}))"


def subsidy(height: str) -> str:
    """The block subsidy (BTC) at block `height`: 50 BTC halved each era, in satoshis."""
    era = f"INT({height}/{HALVING_INTERVAL_BLOCKS})"
    return f"IF({era}>=64,0,INT(5000000000/2^{era})/100000000)"


def grown(t: int, start: str, growth: str, path: str, length: str) -> str:
    """Month t of a path given for its first `length` months, else grown from `start`;
    after the path's last value, growth continues from it."""
    return (
        f"IF({length}=0,{start}*(1+{growth})^({t}/12),IF({t}<{length},INDEX({path},{t + 1}),"
        f"INDEX({path},{length})*(1+{growth})^(({t}-{length}+1)/12)))"
    )


# A payment at the start of a month is worth (1 + this) times one at its end.
START_PREMIUM = "((1+DiscountRate)^(1/12)-1)"


@dataclass(frozen=True)
class StartLevels:
    """Cumulative cash at each month's start, after the capex paid then (MODEL.md: capex
    is paid at the start of its month): `first_negative` is an expression of the first
    month # where it is below zero (-1: none), `level(t)` one of its value in month # t."""

    first_negative: str
    level: Callable[[str], str]

    @staticmethod
    def of_range(key_range: str, start_range: str) -> StartLevels:
        """From a range of the levels, month by month along `key_range`'s month numbers."""
        first = f'IF(COUNTIF({start_range},"<0")=0,-1,_xlfn.MINIFS({key_range},{start_range},"<0"))'
        return StartLevels(first, lambda t: f"INDEX({start_range},{t}+1)")


def payback_cells(
    key_range: str,
    cum_range: str,
    cells: tuple[str, str, str],
    dates: bool = False,
    start: StartLevels | None = None,
) -> tuple[Formula, Formula, Formula, Formula, Formula]:
    """Formulas of the interpolated payback (docs/model-notes.md), as the engine does it:
    the first month in which cumulative FCF is negative (at its end, or with `start` at
    its start after its capex), the first month from then on where it is back at zero or
    above at its end, the point inside that month (the month's flow accruing evenly from
    its start level), the months from the first, the status.

    `key_range` holds the month numbers (or, with `dates`, the months as dates) of the
    flows; `cells` are the helper cells that hold the first three results.
    """
    neg, back, at = cells

    def to_t(expr: str) -> str:
        return f"({month_index(expr)})" if dates else expr

    def key(t_cell: str) -> str:
        return f"EDATE(StartMonth,{t_cell})" if dates else t_cell

    minifs_neg = to_t(f'_xlfn.MINIFS({key_range},{cum_range},"<0")')
    if start is None:
        first_neg = Formula(f'=IF(COUNTIF({cum_range},"<0")=0,-1,{minifs_neg})')
        before = f"INDEX({cum_range},{back})"  # the month before's end (back > neg >= 0)
    else:
        s = start.first_negative
        first_neg = Formula(
            f'=IF(COUNTIF({cum_range},"<0")=0,{s},IF({s}<0,{minifs_neg},MIN({s},{minifs_neg})))'
        )
        before = start.level(back)
    later = f'{key_range},">="&{key(neg)}'
    minifs_back = f'_xlfn.MINIFS({key_range},{cum_range},">=0",{later})'
    first_back = Formula(
        f'=IF({neg}<0,-1,IF(COUNTIFS({cum_range},">=0",{later})=0,-1,{to_t(minifs_back)}))'
    )
    during = f"(INDEX({cum_range},{back}+1)-{before})"
    payback_at = Formula(f'=IF({back}<0,"",{back}+IF({during}>0,-{before}/{during},0))')
    months = Formula(f'=IF({neg}<0,0,IF({back}<0,"",{at}-{neg}))')
    status = Formula(f'=IF({neg}<0,"immediate",IF({back}<0,"never","paid back"))')
    return first_neg, first_back, payback_at, months, status


def monthly_irr(flows: str, annual_guess: float) -> Formula:
    """Excel's IRR of monthly flows. Excel solves by Newton's method from a guess (10 %
    by default, which fails for deeply negative monthly returns); the guess here is the
    planner's own rate at export, so Excel converges to the root the planner reports."""
    guess = (1.0 + annual_guess) ** (1.0 / 12.0) - 1.0 if math.isfinite(annual_guess) else 0.01
    return Formula(f'=IFERROR(IRR({flows},{guess:.17g}),"")')


def annual_irr(monthly: str, status_cell: str) -> Formula:
    """The annual IRR from the monthly one; none where nothing was put at risk, and none
    outside the rates the planner searches (above -100 %, at most 1,000 % a month)."""
    return Formula(
        f'=IF(OR({status_cell}="immediate",{monthly}=""),"",'
        f'IF(OR({monthly}<=-1,{monthly}>10),"",(1+{monthly})^12-1))'
    )


def npv(flows: str, capex_pv: str | None = None) -> Formula:
    """NPV of monthly flows at the monthly equivalent of the annual DiscountRate; with
    `capex_pv` (an expression of the PV of the capex in the flows, at month ends), that
    capex is discounted from its months' starts instead."""
    if capex_pv is None:
        return Formula(f"=NPV({START_PREMIUM[1:-1]},{flows})")
    return Formula(f"=NPV({START_PREMIUM[1:-1]},{flows})-{START_PREMIUM}*{capex_pv}")


def pv(flows: str) -> str:
    """The expression of the PV of monthly flows at month ends (for `npv`'s capex)."""
    return f"NPV({START_PREMIUM[1:-1]},{flows})"


def capex_paid_pv(t: str, usd: str) -> str:
    """The expression of the PV at month ends of `usd` paid in month # `t` (nothing when
    `t` is outside the horizon, -1)."""
    return f"IF(AND({t}>=0,{t}<HorizonMonths),{usd}*(1+DiscountRate)^(-({t}+1)/12),0)"
