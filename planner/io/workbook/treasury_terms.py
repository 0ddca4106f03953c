"""The Treasury sheet's terms tables (each debt instrument and hedge as typed inputs,
below the months) and the formulas of each instrument's and hedge's monthly columns.

The schedules follow planner/engine/debt.py and hedges.py step by step: a loan is drawn
at the start of its draw month; interest is the balance at the month's start (after the
draw) x the year's rate / 12; after the interest-only months a level loan pays the
annuity PMT(rate / 12, months left, balance) less the interest, a bullet loan repays all
in its term's last month. No openpyxl here: formulas are text, cells are written by
treasury.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from planner.domain.treasury import DebtInstrument, Hedge
from planner.engine.debt import LoanTerms, due
from planner.engine.hedges import HedgeTerms
from planner.io.workbook.columns import (
    BTC,
    COUNT,
    DECIMAL,
    MONTHLY,
    MONTHLY_FIRST_ROW,
    PERCENT,
    USD,
    USD_CENTS,
    column_letter,
)
from planner.io.workbook.formulas import Formula

# The debt terms table: (key, header, number format).
DEBT_TERMS: tuple[tuple[str, str, str | None], ...] = (
    ("name", "Instrument", None),
    ("type", "Type", None),
    ("principal", "Principal (USD)", USD),
    ("draw", "Draw month #", COUNT),
    ("rate", "Rate (per year)", PERCENT),
    ("io", "Interest-only months", COUNT),
    ("term", "Term (months)", COUNT),
    ("bullet", "Bullet (1: yes)", COUNT),
    ("fee", "Upfront fee (USD)", USD),
    ("pledged", "BTC pledged", BTC),
    ("call_ltv", "Margin-call LTV", PERCENT),
    ("liquidation_ltv", "Liquidation LTV", PERCENT),
    ("conversion", "Conversion price (USD)", USD),
    ("delivered_ph", "Delivered (PH/s)", DECIMAL),
    ("opening", "Balance at the start (USD)", USD_CENTS),
    ("collateral", "Collateral at the start (BTC)", BTC),
)
HEDGE_TERMS: tuple[tuple[str, str, str | None], ...] = (
    ("name", "Hedge", None),
    ("type", "Type", None),
    ("first", "First (or trade) month #", COUNT),
    ("months", "Months", COUNT),
    ("expiry", "Expiry month #", COUNT),
    ("ph", "Hashrate (PH/s)", DECIMAL),
    ("fixed", "Fixed (USD/PH/day)", USD_CENTS),
    ("btc", "BTC", BTC),
    ("strike", "Strike (USD)", USD),
    ("call_strike", "Call strike (USD)", USD),
    ("premium", "Premium (USD)", USD),
)


def term_letter(terms: tuple[tuple[str, str, str | None], ...], key: str) -> str:
    return column_letter(1 + [k for k, _h, _f in terms].index(key))


def opening_balance_usd(terms: LoanTerms, months: int) -> float:
    """The balance at the horizon's start of a loan drawn before it (0 otherwise): its
    schedule run from the draw, as the engine does."""
    if terms.draw_idx >= 0:
        return 0.0
    if terms.type == "prepayment":
        drawn = terms.principal_usd if terms.draw_idx < months else 0.0
        return max(drawn - (-terms.draw_idx) * terms.principal_usd / terms.term_months, 0.0)
    balance = terms.principal_usd
    for t in range(terms.draw_idx, 0):
        balance -= due(terms, t, balance)[1]
    return balance


def debt_term_values(
    item: DebtInstrument, terms: LoanTerms, months: int, opening_btc: float
) -> dict[str, object]:
    """One instrument's row of the terms table (the engine's terms: an equipment loan's
    principal is its advance rate x its rows' cost)."""
    opening = opening_balance_usd(terms, months)
    pledged_before = terms.type == "btc_loan" and terms.draw_idx < 0 and opening > 0
    return {
        "name": item.name,
        "type": item.type,
        "principal": terms.principal_usd,
        "draw": terms.draw_idx,
        "rate": item.rate_per_year,
        "io": terms.interest_only_months,
        "term": terms.term_months,
        "bullet": int(terms.bullet),
        "fee": terms.fee_usd,
        "pledged": terms.btc_pledged,
        "call_ltv": terms.margin_call_ltv,
        "liquidation_ltv": terms.liquidation_ltv,
        "conversion": terms.conversion_btc_price_usd,
        "delivered_ph": terms.delivered_ph,
        "opening": opening,
        "collateral": min(terms.btc_pledged, opening_btc) if pledged_before else 0.0,
    }


def hedge_term_values(item: Hedge, terms: HedgeTerms) -> dict[str, object]:
    return {
        "name": item.name,
        "type": item.type,
        "first": terms.first_idx,
        "months": terms.months,
        "expiry": terms.expiry_idx,
        "ph": terms.hashrate_ph,
        "fixed": terms.fixed_usd_per_ph_day,
        "btc": terms.btc_amount,
        "strike": terms.strike_usd,
        "call_strike": terms.call_strike_usd,
        "premium": terms.premium_usd,
    }


def monthly(key: str, t: int) -> str:
    """Month t's cell of a Monthly column."""
    return f"Monthly!{MONTHLY[key]}{t + MONTHLY_FIRST_ROW}"


# A column's content in month t on sheet row i: a Formula, or a number from the model.
Make = Callable[[int, int], object]


@dataclass(frozen=True)
class Col:
    """One monthly column of the Treasury sheet; `model`: a value from the model (the sale
    policy's or the margin-call rules' outcome), which the formulas around it use;
    `given`: inputs."""

    key: str
    header: str
    fmt: str | None
    make: Make
    model: bool = False
    given: bool = False  # an input (blue): a rate path's months


class Refs:
    """Letters of the Treasury sheet's monthly columns by key, filled in once laid out."""

    def __init__(self) -> None:
        self.letters: dict[str, str] = {}

    def __call__(self, key: str, i: int) -> str:
        return f"{self.letters[key]}{i}"


def debt_columns(
    j: int,
    item: DebtInstrument,
    terms: LoanTerms,
    term_row: int,
    at: Refs,
    model: dict[str, list[float]],
) -> list[Col]:
    """Instrument j's columns: opening, draw, fee, rate, interest, principal, repaid
    without cash, closing; a BTC loan's collateral and LTV lines; a prepayment's delivery.
    `model`: the engine's values of the columns the sheet takes from the model."""

    def term(key: str) -> str:
        return f"${term_letter(DEBT_TERMS, key)}${term_row}"

    p = f"d{j}_"
    kind = terms.type
    draw, length = term("draw"), term("term")

    def k(i: int) -> str:
        return f"($B{i}-{draw})"

    def active(i: int) -> str:
        return f"AND({k(i)}>=0,{k(i)}<{length})"

    def owed(i: int) -> str:  # the balance the month's interest and principal are due on
        return f"({at(p + 'open', i)}+{at(p + 'draw', i)})"

    def opening(t: int, i: int) -> Formula:
        return Formula(f"={term('opening')}" if t == 0 else f"={at(p + 'close', i - 1)}")

    def rate(t: int, _i: int) -> object:
        path = item.rate_path_per_year
        if path:
            return float(path[min(t, len(path) - 1)])
        return Formula(f"={term('rate')}")

    def interest(_t: int, i: int) -> Formula:
        if kind == "prepayment":
            return Formula("=0")
        return Formula(f"=IF({active(i)},{owed(i)}*({at(p + 'rate', i)}/12),0)")

    def principal(t: int, i: int) -> Formula:
        if kind == "prepayment":
            return Formula("=0")
        last = f"{owed(i)}"
        if kind == "convertible":
            last = f"IF({monthly('btc_price', t)}>{term('conversion')},0,{owed(i)})"
        r = f"({at(p + 'rate', i)}/12)"
        level = f"-PMT({r},{length}-{k(i)},{owed(i)})-{at(p + 'interest', i)}"
        return Formula(
            f"=IF(OR({k(i)}<0,{k(i)}>={length}),0,IF({k(i)}={length}-1,{last},"
            f"IF(OR({term('bullet')}=1,{k(i)}<{term('io')}),0,{level})))"
        )

    def non_cash(t: int, i: int) -> Formula:
        if kind == "prepayment":
            return Formula(f"=IF({active(i)},{term('principal')}/{length},0)")
        if kind == "convertible":
            converts = f"{monthly('btc_price', t)}>{term('conversion')}"
            return Formula(f"=IF(AND({k(i)}={length}-1,{converts}),{owed(i)},0)")
        if kind == "btc_loan":
            left = f"({owed(i)}-{at(p + 'principal', i)})"
            return Formula(f"=MIN({at(p + 'liquidated_btc', i)}*{at('price', i)},{left})")
        return Formula("=0")

    def closing(_t: int, i: int) -> Formula:
        left = f"{owed(i)}-{at(p + 'principal', i)}-{at(p + 'non_cash', i)}"
        return Formula(f"=MAX({left},0)" if kind == "prepayment" else f"={left}")

    non_cash_header = {
        "btc_loan": "repaid by liquidation (USD)",
        "convertible": "converted (USD)",
        "prepayment": "revenue recognised (USD)",
    }.get(kind, "repaid without cash (USD)")
    cols = [
        Col(p + "open", "opening balance (USD)", USD, opening),
        Col(
            p + "draw",
            "draw (USD)",
            USD,
            lambda _t, i: Formula(f"=IF($B{i}={draw},{term('principal')},0)"),
        ),
        Col(
            p + "fee",
            "upfront fee (USD)",
            USD,
            lambda _t, i: Formula(f"=IF($B{i}={draw},{term('fee')},0)"),
        ),
        Col(p + "rate", "rate (per year)", PERCENT, rate, given=bool(item.rate_path_per_year)),
        Col(p + "interest", "interest (USD)", USD, interest),
        Col(p + "principal", "principal (USD)", USD, principal),
        Col(p + "non_cash", non_cash_header, USD, non_cash),
        Col(p + "close", "closing balance (USD)", USD, closing),
    ]
    if kind == "prepayment":
        cols.append(
            Col(
                p + "delivered",
                "hashrate delivered (USD)",
                USD,
                lambda t, i: Formula(
                    f"=IF({active(i)},{monthly('hashprice', t)}*{term('delivered_ph')}"
                    f"*{monthly('days', t)},0)"
                ),
            )
        )
    if kind == "btc_loan":
        cols += _btc_loan_columns(p, term, at, model)
    return cols


def _btc_loan_columns(
    p: str, term: Callable[[str], str], at: Refs, model: dict[str, list[float]]
) -> list[Col]:
    """A BTC loan's collateral (pledged at the draw from the BTC held, topped up and
    liquidated as the engine's margin-call rules did: values from the model), its LTV =
    balance / (collateral x price) and the margin-call and liquidation lines."""
    draw, length = term("draw"), term("term")

    def collateral_open(t: int, i: int) -> str:
        return term("collateral") if t == 0 else at(p + "collateral", i - 1)

    def pledged(t: int, i: int) -> Formula:
        free = f"MAX({at('held_start', i)}-{collateral_open(t, i)},0)"
        return Formula(f"=IF($B{i}={draw},MIN({term('pledged')},{free}),0)")

    def collateral(t: int, i: int) -> Formula:
        repaid = f"{at(p + 'open', i)}+{at(p + 'draw', i)}-{at(p + 'principal', i)}<=0"
        done = f"AND($B{i}-{draw}>={length}-1,{repaid})"
        kept = (
            f"{collateral_open(t, i)}+{at(p + 'pledge', i)}+{at(p + 'top_up', i)}"
            f"-{at(p + 'liquidated_btc', i)}"
        )
        return Formula(f"=IF({done},0,{kept})")

    def ltv(_t: int, i: int) -> Formula:
        balance, held = at(p + "close", i), at(p + "collateral", i)
        return Formula(f'=IF({balance}<=0,"",IF({held}<=0,"",{balance}/({held}*{at("price", i)})))')

    def given(key: str) -> Make:
        return lambda t, _i: model[key][t]

    return [
        Col(p + "pledge", "BTC pledged at the draw", BTC, pledged),
        Col(p + "top_up", "BTC topped up (from the model)", BTC, given("top_up"), model=True),
        Col(
            p + "liquidated_btc",
            "BTC liquidated (from the model)",
            BTC,
            given("liquidated"),
            model=True,
        ),
        Col(p + "collateral", "collateral (BTC)", BTC, collateral),
        Col(p + "ltv", "LTV", PERCENT, ltv),
        Col(
            p + "call_line",
            "margin-call LTV",
            PERCENT,
            lambda _t, _i: Formula(f"={term('call_ltv')}"),
        ),
        Col(
            p + "liquidation_line",
            "liquidation LTV",
            PERCENT,
            lambda _t, _i: Formula(f"={term('liquidation_ltv')}"),
        ),
    ]


def hedge_columns(h: int, terms: HedgeTerms, term_row: int, at: Refs) -> list[Col]:
    """Hedge h's settlement (received; negative: paid) and premium (paid) by month."""

    def term(key: str) -> str:
        return f"${term_letter(HEDGE_TERMS, key)}${term_row}"

    p = f"h{h}_"
    first = term("first")

    def settlement(t: int, i: int) -> Formula:
        price = monthly("btc_price", t)
        put = f"MAX(0,{term('strike')}-{price})"
        if terms.type == "hashprice_forward":
            run = f"AND($B{i}>={first},$B{i}<{first}+{term('months')})"
            value = f"({term('fixed')}-{monthly('hashprice', t)})*{term('ph')}*{monthly('days', t)}"
            return Formula(f"=IF({run},{value},0)")
        per_btc = {
            "put": put,
            "collar": f"({put}-MAX(0,{price}-{term('call_strike')}))",
            "short_future": f"({term('strike')}-{price})",
        }[terms.type]
        return Formula(f"=IF($B{i}={term('expiry')},{per_btc}*{term('btc')},0)")

    return [
        Col(p + "settlement", "settlement (USD)", USD, settlement),
        Col(
            p + "premium",
            "premium (USD)",
            USD,
            lambda _t, i: Formula(f"=IF($B{i}={first},{term('premium')},0)"),
        ),
    ]
