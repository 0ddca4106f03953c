"""The treasury's tables as columns: the debt instruments, the hedges and the company's
treasury settings (one property a row, as the finance settings)."""

from __future__ import annotations

from planner.domain.columns import Column
from planner.domain.treasury import DEBT_TYPES, HEDGE_TYPES

_C = Column
TREASURY_TABLES: dict[str, tuple[Column, ...]] = {
    "debt": (
        _C("name", "Instrument", "text"),
        _C("type", "Type", "choice", choices=DEBT_TYPES),
        _C(
            "principal_usd",
            "Principal (USD)",
            "usd",
            tip="Prepayment: the USD received. Equipment: empty (advance rate x the rows' cost)",
        ),
        _C("draw_month", "Drawn", "month", tip="Empty: the horizon's first month"),
        _C("rate_per_year", "Rate (%/yr)", "rate", decimals=2, tip="Convertible: the coupon"),
        _C(
            "rate_path_per_year",
            "Rate path (%/yr by month)",
            "list",
            tip="Monthly rates from the scenario start (0.09 is 9 %), separated by ';'; "
            "empty: the fixed rate",
        ),
        _C("interest_only_months", "Interest only (months)", "int"),
        _C(
            "repayment",
            "Repayment",
            "choice",
            choices=("level", "bullet"),
            tip="level: equal payments of interest and principal after the interest-only "
            "months; bullet: all the principal at the term's end",
        ),
        _C("term_months", "Term (months)", "int"),
        _C("upfront_fee_share", "Upfront fee (% of principal)", "fraction", decimals=2),
        _C(
            "fleet_rows",
            "Financed fleet rows",
            "refs",
            tip="Equipment financing: the batches it finances (their rigs are the "
            "collateral), separated by ';'",
        ),
        _C("advance_rate", "Advance rate (% of cost)", "fraction", decimals=0),
        _C("btc_pledged", "BTC pledged", "number", decimals=4),
        _C(
            "margin_call_ltv",
            "Margin call LTV (%)",
            "fraction",
            decimals=0,
            tip="The company tops the collateral up from held BTC back to the LTV at the draw",
        ),
        _C(
            "liquidation_ltv",
            "Liquidation LTV (%)",
            "fraction",
            decimals=0,
            tip="The lender sells collateral until the loan is back at its LTV at the draw",
        ),
        _C(
            "conversion_btc_price_usd",
            "Converts above BTC price (USD)",
            "usd",
            tip="Convertible: equity at maturity when the BTC price is above this, else repaid",
        ),
        _C(
            "delivered_ph",
            "Delivered (PH/s)",
            "number",
            decimals=2,
            tip="Prepayment: the hashrate delivered each day of the term, valued at hashprice",
        ),
        _C("notes", "Notes", "text"),
    ),
    "hedges": (
        _C("name", "Hedge", "text"),
        _C("type", "Type", "choice", choices=HEDGE_TYPES),
        _C("hashrate_ph", "Hashrate sold (PH/s)", "number", decimals=2),
        _C(
            "first_month",
            "From",
            "month",
            tip="Forward: its first month; options and futures: the trade month, when the "
            "premium is paid. Empty: the horizon's first",
        ),
        _C("months", "Months", "int", tip="Forward: how many months it runs"),
        _C("fixed_usd_per_ph_day", "Fixed (USD/PH/day)", "usd", decimals=2),
        _C("btc_amount", "BTC", "number", decimals=4),
        _C("strike_usd", "Strike (USD)", "usd", tip="Put, collar's put, or the future's price"),
        _C("call_strike_usd", "Call strike (USD)", "usd", tip="Collar: the call sold"),
        _C("premium_usd", "Premium (USD)", "usd", tip="Net premium paid; negative: received"),
        _C("expiry_month", "Expiry", "month"),
        _C("notes", "Notes", "text"),
    ),
}

# The company's treasury settings, one property a row (as FINANCE_COLUMNS).
TREASURY_COLUMNS: tuple[Column, ...] = (
    _C("opening_cash_usd", "Opening cash (USD)", "usd"),
    _C("opening_btc_held", "Opening BTC held", "number", decimals=4),
    _C(
        "opening_btc_cost_basis_usd",
        "Cost basis of the BTC held (USD, total)",
        "usd",
    ),
    _C("min_cash_usd", "Minimum cash buffer (USD)", "usd"),
    _C("sell_share_of_mined", "Mined BTC sold in its month (%)", "fraction", decimals=0),
    _C(
        "cover_shortfalls",
        "Sell BTC to keep cash at the buffer",
        "bool",
        tip="The month's mined BTC first, then held BTC",
    ),
    _C(
        "sell_above_price_usd",
        "Sell holdings at or above (USD/BTC)",
        "usd",
        tip="Empty: no price rule",
    ),
    _C("sell_above_share", "Share of holdings sold then (%)", "fraction", decimals=0),
    _C(
        "cost_basis_method",
        "Cost basis",
        "choice",
        choices=("fifo", "average"),
        tip="fifo: the oldest lots are sold first; average: the average cost of the BTC held",
    ),
    _C(
        "interest_limit",
        "Limit deductible interest to 30 % of EBITDA",
        "bool",
        tip="US business-interest limitation; what is disallowed is carried forward",
    ),
)
