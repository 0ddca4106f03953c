"""The company's treasury: its opening balance sheet and BTC policy, its debt and its
hedges (MODEL.md "Treasury, debt and hedges"; the rules are in planner/engine/treasury.py).

Plain pydantic entities; checks that span entities (a fleet row an equipment loan names,
duplicate names) are in validation.py, and `treasury_notes` says what is allowed but has
no effect (a draw after the horizon). Percentages are fractions.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, Strict, model_validator

from planner.domain.fields import (
    MAX_HORIZON_MONTHS,
    MAX_USD,
    BtcPrice,
    Entity,
    Fraction,
    Month,
    Name,
    Notes,
    SmallRate,
    Whole,
    _lenient,
)
from planner.domain.months import months_between

MAX_BTC = 21_000_000.0
INTEREST_LIMIT_SHARE = 0.30  # of EBITDA: the US business-interest limitation (IRC 163(j))

Btc = Annotated[float, _lenient("number"), Field(ge=0, le=MAX_BTC)]
PositiveUsd = Annotated[float, _lenient("usd"), Field(ge=0, le=MAX_USD)]
SignedUsd = Annotated[float, _lenient("usd"), Field(ge=-MAX_USD, le=MAX_USD)]
LoanRate = Annotated[SmallRate, Field(ge=0)]
Months = Annotated[Whole, Field(ge=0, le=MAX_HORIZON_MONTHS)]
Ltv = Annotated[Fraction, Field(gt=0)]

CostBasisMethod = Literal["fifo", "average"]
DebtType = Literal["term_loan", "equipment", "btc_loan", "convertible", "prepayment"]
Repayment = Literal["level", "bullet"]
HedgeType = Literal["hashprice_forward", "put", "collar", "short_future"]

DEBT_TYPES: tuple[str, ...] = DebtType.__args__  # type: ignore[attr-defined]
HEDGE_TYPES: tuple[str, ...] = HedgeType.__args__  # type: ignore[attr-defined]


class TreasurySettings(Entity):
    """The company at the start of the horizon and what it does with its BTC.

    Each month `sell_share_of_mined` of the BTC mined is sold in its month; with
    `cover_shortfalls`, when cash would fall below `min_cash_usd` the rest of the month's
    mined BTC is sold first, then held BTC, until cash is back at the buffer. With
    `sell_above_price_usd`, `sell_above_share` of the BTC held is sold in each month whose
    price is at or above it. Sales realise a gain against the cost basis (FIFO lots or the
    average cost), taxed in the fiscal year; held BTC is carried at fair value.
    """

    opening_cash_usd: PositiveUsd = 0.0
    opening_btc_held: Btc = 0.0
    opening_btc_cost_basis_usd: PositiveUsd = 0.0  # the total cost of the BTC held
    min_cash_usd: PositiveUsd = 0.0
    sell_share_of_mined: Fraction = 1.0
    cover_shortfalls: Annotated[bool, Strict()] = True
    sell_above_price_usd: BtcPrice | None = None
    sell_above_share: Fraction = 0.0
    cost_basis_method: CostBasisMethod = "fifo"
    interest_limit: Annotated[bool, Strict()] = False  # deductible interest <= 30 % EBITDA
    notes: Notes = ""


class DebtInstrument(Entity):
    """One debt instrument; which fields matter depends on `type`.

    All: `principal_usd` drawn at the start of `draw_month` (empty: the horizon's first),
    interest at `rate_per_year` / 12 a month on the balance (or the `rate_path_per_year`
    of the horizon's months, its last value holding), `interest_only_months`, then
    `repayment` "level" (an annuity over the months left of `term_months`) or "bullet"
    (all at the term's end), and `upfront_fee_share` of the principal paid at the draw.
    equipment: the principal is `advance_rate` x the landed cost of `fleet_rows`, drawn
    in the latest purchase month of those rows unless `draw_month` says otherwise.
    btc_loan: `btc_pledged` of the BTC held as collateral; at `margin_call_ltv` it is
    topped up from held BTC, short of it or at `liquidation_ltv` the lender sells
    collateral until the loan is back at its LTV at the draw.
    convertible: `rate_per_year` is the coupon; at the term's end it converts to equity
    when the BTC price is above `conversion_btc_price_usd`, otherwise it is repaid.
    prepayment: `principal_usd` received at the draw against `delivered_ph` PH/s
    delivered each day of `term_months`, valued at the model's hashprice.
    """

    name: Name
    type: DebtType = "term_loan"
    principal_usd: PositiveUsd = 0.0
    draw_month: Month | None = None
    rate_per_year: LoanRate = 0.0
    rate_path_per_year: list[LoanRate] = Field(default_factory=list)
    interest_only_months: Months = 0
    repayment: Repayment = "level"
    term_months: Annotated[Whole, Field(ge=1, le=MAX_HORIZON_MONTHS)] = 36
    upfront_fee_share: Annotated[Fraction, Field(le=0.5)] = 0.0
    # equipment financing
    fleet_rows: list[Name] = Field(default_factory=list)
    advance_rate: Fraction = 0.0
    # BTC-backed loan
    btc_pledged: Btc = 0.0
    margin_call_ltv: Ltv = 0.70
    liquidation_ltv: Ltv = 0.85
    # convertible note
    conversion_btc_price_usd: BtcPrice | None = None
    # hashrate-backed prepayment
    delivered_ph: Annotated[float, _lenient("number"), Field(ge=0, le=1e9)] = 0.0
    notes: Notes = ""

    @model_validator(mode="after")
    def _consistent(self) -> DebtInstrument:
        for field, message in debt_field_problems(self):
            raise ValueError(f"{field}: {message}")
        return self


def debt_field_problems(debt: DebtInstrument) -> list[tuple[str, str]]:
    """(field, message) for an instrument whose fields contradict each other."""
    found: list[tuple[str, str]] = []
    if debt.interest_only_months > debt.term_months:
        found.append(
            (
                "interest_only_months",
                f"must not exceed term_months ({debt.term_months}), "
                f"got {debt.interest_only_months}",
            )
        )
    if debt.type == "btc_loan":
        if debt.liquidation_ltv <= debt.margin_call_ltv:
            found.append(
                (
                    "liquidation_ltv",
                    f"must be above margin_call_ltv ({debt.margin_call_ltv:.0%}), "
                    f"got {debt.liquidation_ltv:.0%}",
                )
            )
        if debt.btc_pledged <= 0 and debt.principal_usd > 0:
            found.append(("btc_pledged", "a BTC-backed loan needs BTC pledged"))
    if debt.type == "equipment":
        if not debt.fleet_rows:
            found.append(("fleet_rows", "equipment financing names the fleet rows it finances"))
        if debt.principal_usd:
            found.append(
                (
                    "principal_usd",
                    "equipment financing lends advance_rate x the rows' cost: leave it 0",
                )
            )
    if debt.type == "convertible" and debt.conversion_btc_price_usd is None:
        found.append(("conversion_btc_price_usd", "is required for a convertible note"))
    if debt.type == "prepayment" and debt.delivered_ph <= 0 and debt.principal_usd > 0:
        found.append(("delivered_ph", "a prepayment delivers some PH/s"))
    return found


class Hedge(Entity):
    """One hedge. hashprice_forward: `hashrate_ph` sold for `months` months from
    `first_month` at `fixed_usd_per_ph_day`, settled in cash each month as (fixed - the
    model's hashprice) x PH/s x days. put: max(0, `strike_usd` - price) x `btc_amount` at
    `expiry_month`; collar: that put less a sold call, max(0, price - `call_strike_usd`)
    x BTC; short_future: (`strike_usd` - price) x BTC at expiry. The price is the model's
    BTC price of the expiry month. `premium_usd` (net; negative: received) is paid in
    `first_month` (empty: the horizon's first)."""

    name: Name
    type: HedgeType = "put"
    hashrate_ph: Annotated[float, _lenient("number"), Field(ge=0, le=1e9)] = 0.0
    first_month: Month | None = None
    months: Annotated[Whole, Field(ge=1, le=MAX_HORIZON_MONTHS)] = 12
    fixed_usd_per_ph_day: PositiveUsd = 0.0
    btc_amount: Btc = 0.0
    strike_usd: BtcPrice | None = None
    call_strike_usd: BtcPrice | None = None
    premium_usd: SignedUsd = 0.0
    expiry_month: Month | None = None
    notes: Notes = ""

    @model_validator(mode="after")
    def _consistent(self) -> Hedge:
        for field, message in hedge_field_problems(self):
            raise ValueError(f"{field}: {message}")
        return self


def hedge_field_problems(hedge: Hedge) -> list[tuple[str, str]]:
    """(field, message) for a hedge whose fields contradict each other."""
    found: list[tuple[str, str]] = []
    if hedge.type == "hashprice_forward":
        return found
    if hedge.strike_usd is None:
        found.append(("strike_usd", f"is required for a {hedge.type.replace('_', ' ')}"))
    if hedge.expiry_month is None:
        found.append(("expiry_month", f"is required for a {hedge.type.replace('_', ' ')}"))
    if hedge.type == "collar":
        if hedge.call_strike_usd is None:
            found.append(("call_strike_usd", "is required for a collar"))
        elif hedge.strike_usd is not None and hedge.call_strike_usd <= hedge.strike_usd:
            found.append(
                (
                    "call_strike_usd",
                    f"must be above the put's strike_usd ({hedge.strike_usd:,.0f}), "
                    f"got {hedge.call_strike_usd:,.0f}",
                )
            )
    if (
        hedge.expiry_month is not None
        and hedge.first_month is not None
        and hedge.expiry_month < hedge.first_month
    ):
        found.append(
            (
                "expiry_month",
                f"must not be before first_month {hedge.first_month:%Y-%m}, "
                f"got {hedge.expiry_month:%Y-%m}",
            )
        )
    return found


def treasury_notes(
    debt: list[DebtInstrument],
    hedges: list[Hedge],
    horizon: tuple[date, date],
    opening_btc_held: float | None = None,
) -> list[str]:
    """What is allowed but worth saying: a draw, a start or an expiry after the horizon;
    with the opening BTC held, a BTC-backed loan drawn at or before the horizon's start
    that asks for more BTC than is free then (`over_pledged_notes`)."""
    last = horizon[1]
    notes = []
    for instrument in debt:
        if instrument.draw_month is not None and instrument.draw_month > last:
            notes.append(
                f"debt {instrument.name!r} is drawn in {instrument.draw_month:%Y-%m}, after "
                f"the horizon ends ({last:%Y-%m}): it has no effect"
            )
    for hedge in hedges:
        when = hedge.expiry_month if hedge.type != "hashprice_forward" else hedge.first_month
        if when is not None and when > last:
            notes.append(
                f"hedge {hedge.name!r} settles from {when:%Y-%m}, after the horizon ends "
                f"({last:%Y-%m}): it has no effect"
            )
    if opening_btc_held is not None:
        notes += over_pledged_notes(debt, horizon[0], opening_btc_held)
    return notes


def over_pledged_notes(
    debt: list[DebtInstrument], start: date, opening_btc_held: float
) -> list[str]:
    """BTC-backed loans drawn at or before `start` whose pledge exceeds the BTC free at
    their draw: the opening holding less what the loans before it pledged (those drawn
    before the start and still running first, then those drawn at the start, each group
    in the list's order; each pledges at most the holding). Later draws depend on the BTC
    mined and sold: the treasury's pass names those."""
    loans = [d for d in debt if d.type == "btc_loan" and d.btc_pledged > 0]
    before = [
        d
        for d in loans
        if d.draw_month is not None
        and d.draw_month < start
        and months_between(d.draw_month, start) < d.term_months  # not repaid before it
    ]
    at_start = [d for d in loans if d.draw_month is None or d.draw_month == start]
    elsewhere = 0.0
    notes = []
    for loan in before + at_start:
        free = max(opening_btc_held - elsewhere, 0.0)
        if loan.btc_pledged > free + 1e-9:
            when = loan.draw_month or start
            notes.append(
                f"BTC loan {loan.name!r} asks for {loan.btc_pledged:,.4f} BTC pledged at its "
                f"draw in {when:%Y-%m}, but {free:,.4f} BTC is free then "
                f"({opening_btc_held:,.4f} held less {elsewhere:,.4f} pledged to other loans)"
            )
        elsewhere += min(loan.btc_pledged, opening_btc_held)
    return notes
