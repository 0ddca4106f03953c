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

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from planner.domain.treasury import DebtInstrument, Hedge
from planner.engine.debt import LoanTerms, balance_at_start_usd
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
from planner.io.workbook.treasury_collateral import FinancedTable

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
    return balance_at_start_usd(terms)


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


class _Loan:
    """The formulas of instrument j's months on sheet row i (debt.py's rules)."""

    def __init__(self, j: int, item: DebtInstrument, kind: str, term_row: int, at: Refs) -> None:
        self.p, self.item, self.kind, self.row, self.at = f"d{j}_", item, kind, term_row, at
        self.draw, self.length = self.term("draw"), self.term("term")

    def term(self, key: str) -> str:
        return f"${term_letter(DEBT_TERMS, key)}${self.row}"

    def col(self, key: str, i: int) -> str:
        return self.at(self.p + key, i)

    def k(self, i: int) -> str:
        """Months since the draw."""
        return f"($B{i}-{self.draw})"

    def active(self, i: int) -> str:
        return f"AND({self.k(i)}>=0,{self.k(i)}<{self.length})"

    def owed(self, i: int) -> str:
        """The balance the month's interest and principal are due on (after the draw)."""
        return f"({self.col('open', i)}+{self.col('draw', i)})"

    def opening(self, t: int, i: int) -> Formula:
        return Formula(f"={self.term('opening')}" if t == 0 else f"={self.col('close', i - 1)}")

    def at_draw(self, key: str) -> Make:
        return lambda _t, i: Formula(f"=IF($B{i}={self.draw},{self.term(key)},0)")

    def rate(self, t: int, _i: int) -> object:
        path = self.item.rate_path_per_year
        if path:
            return float(path[min(t, len(path) - 1)])
        return Formula(f"={self.term('rate')}")

    def interest(self, _t: int, i: int) -> Formula:
        if self.kind == "prepayment":
            return Formula("=0")
        return Formula(f"=IF({self.active(i)},{self.owed(i)}*({self.col('rate', i)}/12),0)")

    def scheduled(self, t: int, i: int) -> Formula:
        """The annuity less the interest after the interest-only months; all of it in the
        term's last month (a convertible above its conversion price: none, converted)."""
        if self.kind == "prepayment":
            return Formula("=0")
        k, n, owed = self.k(i), self.length, self.owed(i)
        last = owed
        if self.kind == "convertible":
            last = f"IF({monthly('btc_price', t)}>{self.term('conversion')},0,{owed})"
        level = f"-PMT(({self.col('rate', i)}/12),{n}-{k},{owed})-{self.col('interest', i)}"
        return Formula(
            f"=IF(OR({k}<0,{k}>={n}),0,IF({k}={n}-1,{last},"
            f"IF(OR({self.term('bullet')}=1,{k}<{self.term('io')}),0,{level})))"
        )

    def on_retired(self, _t: int, i: int) -> Formula:
        """An equipment loan's balance left after the scheduled payment x the share due
        on its rows retiring in the month."""
        left = f"({self.owed(i)}-{self.col('scheduled', i)})"
        return Formula(f"={left}*{self.col('retired_share', i)}")

    def loan_to_value(self, _t: int, i: int) -> Formula:
        """Balance / the rigs' value; empty when nothing is owed or no rigs are left."""
        close, value = self.col("close", i), self.col("collateral_value", i)
        return Formula(f'=IF({close}>0.005,IF({value}>0,{close}/{value},""),"")')

    def non_cash(self, t: int, i: int) -> Formula:
        if self.kind == "prepayment":
            return Formula(f"=IF({self.active(i)},{self.term('principal')}/{self.length},0)")
        if self.kind == "convertible":
            converts = f"{monthly('btc_price', t)}>{self.term('conversion')}"
            return Formula(f"=IF(AND({self.k(i)}={self.length}-1,{converts}),{self.owed(i)},0)")
        if self.kind == "btc_loan":
            left = f"({self.owed(i)}-{self.col('principal', i)})"
            return Formula(f"=MIN({self.col('liquidated_btc', i)}*{self.at('price', i)},{left})")
        return Formula("=0")

    def closing(self, _t: int, i: int) -> Formula:
        left = f"{self.owed(i)}-{self.col('principal', i)}-{self.col('non_cash', i)}"
        return Formula(f"=MAX({left},0)" if self.kind == "prepayment" else f"={left}")

    def delivered(self, t: int, i: int) -> Formula:
        value = f"{monthly('hashprice', t)}*{self.term('delivered_ph')}*{monthly('days', t)}"
        return Formula(f"=IF({self.active(i)},{value},0)")


NON_CASH_HEADERS = {
    "btc_loan": "repaid by liquidation (USD)",
    "convertible": "converted (USD)",
    "prepayment": "revenue recognised (USD)",
}


def debt_columns(
    j: int,
    item: DebtInstrument,
    terms: LoanTerms,
    term_row: int,
    at: Refs,
    model: dict[str, list[float]],
    financed: FinancedTable | None = None,
    btc_loans: Sequence[BtcLoanRef] = (),
) -> list[Col]:
    """Instrument j's columns: opening, draw, fee, rate, interest, principal, repaid
    without cash, closing; a BTC loan's collateral and LTV lines; a prepayment's delivery;
    an equipment loan's principal split into the scheduled and the due on retired rows,
    and its rigs' value (`financed`: the table of the equipment loans' rows).
    `model`: the engine's values of the columns the sheet takes from the model.
    `btc_loans`: every BTC loan's place, in the project's order (what the others have
    pledged is not free at a draw)."""
    loan = _Loan(j, item, terms.type, term_row, at)
    p = loan.p
    cols = [
        Col(p + "open", "opening balance (USD)", USD, loan.opening),
        Col(p + "draw", "draw (USD)", USD, loan.at_draw("principal")),
        Col(p + "fee", "upfront fee (USD)", USD, loan.at_draw("fee")),
        Col(p + "rate", "rate (per year)", PERCENT, loan.rate, given=bool(item.rate_path_per_year)),
        Col(p + "interest", "interest (USD)", USD, loan.interest),
    ]
    table = financed if terms.type == "equipment" else None
    if table is not None:
        rows: FinancedTable = table
        cols += [
            Col(p + "scheduled", "scheduled principal (USD)", USD, loan.scheduled),
            Col(
                p + "retired_share",
                "share of the balance due on retired rows",
                DECIMAL,
                lambda _t, i: rows.retired_share(j + 1, i),
            ),
            Col(p + "on_retired", "due on retired rows (USD)", USD, loan.on_retired),
            Col(
                p + "principal",
                "principal (USD)",
                USD,
                lambda _t, i: Formula(f"={loan.col('scheduled', i)}+{loan.col('on_retired', i)}"),
            ),
        ]
    else:
        cols.append(Col(p + "principal", "principal (USD)", USD, loan.scheduled))
    cols += [
        Col(
            p + "non_cash",
            NON_CASH_HEADERS.get(terms.type, "repaid without cash (USD)"),
            USD,
            loan.non_cash,
        ),
        Col(p + "close", "closing balance (USD)", USD, loan.closing),
    ]
    if table is not None:
        value_of: FinancedTable = table
        cols += [
            Col(
                p + "collateral_value",
                "rigs' book value in service (USD)",
                USD,
                lambda _t, i: value_of.value(j + 1, i),
            ),
            Col(p + "loan_to_value", "loan to the rigs' value", PERCENT, loan.loan_to_value),
        ]
    if terms.type == "prepayment":
        cols.append(Col(p + "delivered", "hashrate delivered (USD)", USD, loan.delivered))
    if terms.type == "btc_loan":
        cols += _btc_loan_columns(BtcLoanRef(p, term_row), at, model, btc_loans)
    return cols


@dataclass(frozen=True)
class BtcLoanRef:
    """Where a BTC loan's monthly columns (prefix `p`) and its terms (row `term_row`) are."""

    p: str
    term_row: int

    def term(self, key: str) -> str:
        return f"${term_letter(DEBT_TERMS, key)}${self.term_row}"


def _btc_loan_columns(
    loan: BtcLoanRef, at: Refs, model: dict[str, list[float]], btc_loans: Sequence[BtcLoanRef]
) -> list[Col]:
    """A BTC loan's collateral (pledged at the draw from the BTC held that no loan has
    pledged, topped up and liquidated as the engine's margin-call rules did: values from
    the model), its LTV = balance / (collateral x price) and the margin-call and
    liquidation lines. The loans are served in the project's order: at a draw, those
    before have drawn, repaid and pledged for the month, those after hold their opening
    collateral."""
    p, term = loan.p, loan.term
    others = list(btc_loans) or [loan]
    mine = next(k for k, ref in enumerate(others) if ref.p == p)

    def collateral_open(t: int, i: int, ref: BtcLoanRef = loan) -> str:
        return ref.term("collateral") if t == 0 else at(ref.p + "collateral", i - 1)

    def done(i: int, ref: BtcLoanRef = loan) -> str:
        repaid = f"{at(ref.p + 'open', i)}+{at(ref.p + 'draw', i)}-{at(ref.p + 'principal', i)}<=0"
        return f"AND($B{i}-{ref.term('draw')}>={ref.term('term')}-1,{repaid})"

    def pledged(t: int, i: int) -> Formula:
        taken = [
            f"IF({done(i, ref)},0,{collateral_open(t, i, ref)}+{at(ref.p + 'pledge', i)})"
            if k < mine
            else collateral_open(t, i, ref)
            for k, ref in enumerate(others)
        ]
        free = f"MAX({at('held_start', i)}-{'-'.join(taken)},0)"
        return Formula(f"=IF($B{i}={term('draw')},MIN({term('pledged')},{free}),0)")

    def collateral(t: int, i: int) -> Formula:
        kept = (
            f"{collateral_open(t, i)}+{at(p + 'pledge', i)}+{at(p + 'top_up', i)}"
            f"-{at(p + 'liquidated_btc', i)}"
        )
        return Formula(f"=IF({done(i)},0,{kept})")

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
