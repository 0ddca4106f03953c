"""Named columns: one table per sheet, from which the letters are derived.

`MONTHLY["btc_mined"]` is the letter of the Monthly sheet's BTC mined column and
`MONTHLY.span("btc_mined", 2, 25)` its range `Monthly!$J$2:$J$25`; a column moved in a
table moves every formula that reads it. No openpyxl here.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.domain import schema

# Number formats.
USD = "#,##0;[Red]-#,##0"
USD_CENTS = "#,##0.00;[Red]-#,##0.00"
BTC = "#,##0.0000"
BTC_FINE = "0.000000000"
PERCENT = "0.00%"
KWH = "0.0000"
COUNT = "#,##0"
DECIMAL = "#,##0.00"
MONTH = "mmm yyyy"
BLOCKS = "#,##0.00"

# First month column on the sheets that run months across (A: label, B: detail).
FIRST_MONTH_COLUMN = 3
GRID_FIRST_ROW = 15  # first fleet row on the Calc* grid sheets
TABLE_FIRST_ROW = 4  # first data row on Fleet, Sites, Contracts, Models, CalcRows, Rows
DISCOUNTED_FIRST_ROW = 3  # CalcDiscounted: title, header, then one row a month


def column_letter(number: int) -> str:
    """Excel's letters of column `number` (1: A, 27: AA)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Columns:
    """The columns of one sheet by key, in order from column `first`."""

    def __init__(self, sheet: str, columns: Sequence[tuple[str, str]], first: int = 1) -> None:
        self.sheet = f"'{sheet}'" if " " in sheet else sheet
        self.headers = tuple(header for header, _key in columns)
        self.keys = tuple(key for _header, key in columns)
        self.letters = {key: column_letter(first + i) for i, key in enumerate(self.keys)}
        if len(self.letters) != len(self.keys):
            raise ValueError(f"{sheet}: a column key is used twice")

    def __getitem__(self, key: str) -> str:
        return self.letters[key]

    def __len__(self) -> int:
        return len(self.keys)

    def ref(self, key: str, row: int) -> str:
        """One cell, absolute: Sheet!$X$row."""
        return f"{self.sheet}!${self.letters[key]}${row}"

    def span(self, key: str, first: int, last: int) -> str:
        """A range of the column, absolute: Sheet!$X$first:$X$last."""
        x = self.letters[key]
        return f"{self.sheet}!${x}${first}:${x}${last}"


# The input tables: (field, number format). A column's key is the project's field and its
# header the domain schema's, as the desktop tables show it.
Column = tuple[str, str | None]
FLEET_COLUMNS: tuple[Column, ...] = (
    ("name", None),
    ("model", None),
    ("site", None),
    ("count", COUNT),
    ("unit_price_usd", USD_CENTS),
    ("purchase_month", MONTH),
    ("online_month", MONTH),
    ("retire_month", MONTH),
    ("resale_usd_per_unit", USD_CENTS),
    ("terminal_value_usd_per_unit", USD_CENTS),
    ("degradation_per_year", PERCENT),
    ("import_tariff", PERCENT),
    ("sales_tax", PERCENT),
    ("shipping_usd_per_unit", USD_CENTS),
    ("installation_usd_per_unit", USD_CENTS),
    ("deposit_share", PERCENT),
    ("order_month", MONTH),
    ("notes", None),
)
SITE_COLUMNS: tuple[Column, ...] = (
    ("name", None),
    ("contract", None),
    ("capacity_mw", DECIMAL),
    ("overhead", "0.000"),
    ("uptime", PERCENT),
    ("fixed_opex_usd_per_month", USD),
    ("maintenance_usd_per_rig_month", USD_CENTS),
    ("infrastructure_capex_usd", USD),
    ("infrastructure_capex_month", MONTH),
    ("notes", None),
)
CONTRACT_COLUMNS: tuple[Column, ...] = (
    ("name", None),
    ("type", None),
    ("price_usd_per_kwh", KWH),
    ("escalator_per_year", PERCENT),
    ("start_month", MONTH),
    ("adder_usd_per_kwh", KWH),
    ("index_after_path", None),
    ("demand_charge_usd_per_kw_month", USD_CENTS),
    ("curtailment_share", PERCENT),
    ("curtailment_credit_usd_per_mwh", USD_CENTS),
    ("take_or_pay_share", PERCENT),
    ("profit_share", PERCENT),
    ("notes", None),
)
MODEL_COLUMNS: tuple[Column, ...] = (
    ("name", None),
    ("maker", None),
    ("hashrate_th", DECIMAL),
    ("power_w", COUNT),
    ("cooling", None),
    ("source", None),
)


def _inputs(section: str, columns: tuple[Column, ...]) -> list[tuple[str, str]]:
    """(header, key) of an input table's columns: the schema's header of each field."""
    return [(schema.column(section, field).header, field) for field, _fmt in columns]


# The Inputs sheet: named assumptions on top, the monthly paths below.
INPUTS = Columns(
    "Inputs", [("Assumption", "label"), ("Value", "value"), ("Unit", "unit"), ("Name", "name")]
)
PATHS = Columns(
    "Inputs",
    [
        ("Month", "month"),
        ("BTC price path (USD)", "btc_price"),
        ("Network hashrate path (EH/s)", "network_ehs"),
    ],
)

FLEET = Columns("Fleet", _inputs("fleet", FLEET_COLUMNS))
FLEET_HEADER = FLEET.headers
SITES = Columns(
    "Sites",
    [
        *_inputs("sites", SITE_COLUMNS),
        ("calc: contract #", "contract_no"),
        ("calc: contract type", "contract_type"),
        ("calc: effective overhead", "effective_overhead"),
        ("calc: curtailment share", "curtailment_share"),
        ("calc: curtailment credit (USD/MWh)", "curtailment_credit"),
        ("calc: demand charge (USD/month)", "demand_usd"),
        ("calc: infrastructure capex month #", "infra_t"),
        ("calc: infrastructure depreciation (USD/month)", "infra_depreciation_usd"),
        ("calc: infrastructure depreciation ends (month #)", "infra_depreciation_end"),
        ("calc: infrastructure tax basis (USD)", "infra_basis_usd"),
        ("calc: infrastructure bonus depreciation share", "infra_bonus"),
        ("calc: take-or-pay (share of capacity)", "take_or_pay_share"),
        ("calc: host's profit share", "profit_share"),
    ],
)
CONTRACTS = Columns("Contracts", _inputs("contracts", CONTRACT_COLUMNS))
MODELS = Columns(
    "Models", [*_inputs("catalog", MODEL_COLUMNS), ("Efficiency (J/TH)", "efficiency")]
)

MONTHLY = Columns(
    "Monthly",
    [
        ("Month", "month"),
        ("Days", "days"),
        ("Blocks", "blocks"),
        ("Block height", "height"),
        ("Subsidy (BTC)", "subsidy"),
        ("Fees (BTC)", "fees"),
        ("Network hashrate (EH/s)", "network_ehs"),
        ("Difficulty (T)", "difficulty"),
        ("Block time (s)", "block_time"),
        ("BTC price (USD)", "btc_price"),
        ("Hashprice (USD/PH/day)", "hashprice"),
        ("BTC mined", "btc_mined"),
        ("Revenue (USD)", "revenue"),
        ("Curtailment credit (USD)", "credit"),
        ("Power cost (USD)", "power"),
        ("Opex (USD)", "opex"),
        ("EBITDA (USD)", "ebitda"),
        ("Capex (USD)", "capex"),
        ("Depreciation (USD)", "depreciation"),
        ("Tax (USD)", "tax"),
        ("Free cash flow (USD)", "fcf"),
        ("Cumulative FCF (USD)", "cum_fcf"),
        ("Tax loss carried forward (USD)", "loss_carryforward"),
        ("Corporate G&A (USD)", "g_and_a"),
        ("Tax depreciation (USD)", "tax_depreciation"),
        ("Taxable gain on disposal (USD)", "gain"),
        ("Book gain on disposal (USD)", "book_gain"),
        ("Taxable income (USD)", "taxable_income"),
    ],
)
MONTHLY_HEADER = MONTHLY.headers
MONTHLY_FIRST_ROW = 2  # header, then one row a month

MONTHLY_BY_SITE = Columns(
    "Monthly by site",
    [
        ("Site", "site"),
        ("Site #", "site_no"),
        ("Month", "month"),
        ("Month #", "t"),
        ("BTC mined", "btc_mined"),
        ("Revenue (USD)", "revenue"),
        ("Curtailment credit (USD)", "credit"),
        ("Power cost (USD)", "power"),
        ("Opex (USD)", "opex"),
        ("EBITDA (USD)", "ebitda"),
        ("Capex (USD)", "capex"),
        ("Depreciation (USD)", "depreciation"),
        ("Tax (USD)", "tax"),
        ("Resale (USD)", "resale"),
        ("Free cash flow (USD)", "fcf"),
        ("Cumulative FCF (USD)", "cum_fcf"),
        ("Tax depreciation (USD)", "tax_depreciation"),
        ("Taxable gain on disposal (USD)", "gain"),
        ("Book gain on disposal (USD)", "book_gain"),
        ("Take-or-pay shortfall (USD, in power cost)", "take_or_pay"),
        ("Host's profit share (USD, in opex)", "profit_share"),
    ],
)
SITE_MONTHLY_HEADER = MONTHLY_BY_SITE.headers
SITE_MONTHLY_FIRST_ROW = 3  # title, header, then one row per site and month

CALC_ROWS = Columns(
    "CalcRows",
    [
        ("Fleet row", "row"),
        ("Site", "site"),
        ("Site #", "site_no"),
        ("Hashrate (TH/s per rig)", "hashrate_th"),
        ("Power (W per rig)", "power_w"),
        ("Count", "count"),
        ("Cooling overhead", "overhead"),
        ("Availability (uptime x (1 - curtailment))", "availability"),
        ("Load with overhead (kW)", "load_kw"),
        ("Hashrate when online (TH/s)", "hashrate_online_th"),
        ("Degradation (per year)", "degradation"),
        ("Purchase month #", "purchase_t"),
        ("Online month #", "online_t"),
        ("Retire month #", "retire_t"),
        ("Capex month # (-1: outside the horizon)", "capex_t"),
        ("Capex, landed (USD)", "capex_usd"),
        ("Depreciation (USD/month)", "depreciation_usd"),
        ("Depreciation ends (month #)", "depreciation_end"),
        ("Curtailment credit (USD/hour)", "credit_usd_per_hour"),
        ("Maintenance (USD/month)", "maintenance_usd"),
        ("Resale month # (-1: none)", "resale_t"),
        ("Resale or terminal value (USD)", "resale_usd"),
        ("Model #", "model_no"),
        ("Bonus depreciation share (tax)", "bonus"),
        ("Fiscal year # placed in service", "fy_online"),
        ("Months in service in that fiscal year", "first_year_months"),
        ("Disposal month # (-1: none)", "disposal_t"),
        ("Tax basis left at disposal (USD)", "basis_left_usd"),
        ("Taxable gain on disposal (USD)", "tax_gain_usd"),
        ("Book gain on disposal (USD)", "book_gain_usd"),
        ("Deposit month # (-1: outside the horizon)", "deposit_t"),
        ("Deposit (USD)", "deposit_usd"),
    ],
)

KPI_HEADER = (
    "NPV (USD)",
    "IRR (annual)",
    "Payback (months)",
    "Payback status",
    "ROI",
    "BTC mined",
    "Revenue (USD)",
    "Capex (USD)",
    "Free cash flow (USD)",
    "Cash cost per BTC (USD)",
    "All-in cost per BTC (USD)",
    "Discounted payback (months)",
    "Discounted payback status",
    "Net cost per BTC (USD)",
    "Energy cost per BTC (USD)",
)
SUMMARY = Columns(
    "Summary",
    [
        ("", "label"),
        *zip(
            KPI_HEADER,
            (
                "npv",
                "irr",
                "payback",
                "status",
                "roi",
                "btc_mined",
                "revenue",
                "capex",
                "fcf",
                "cash_cost",
                "all_in_cost",
                "discounted_payback",
                "discounted_status",
                "net_cost",
                "energy_cost",
            ),
            strict=True,
        ),
        ("calc: first negative month #", "neg"),
        ("calc: first month back #", "back"),
        ("calc: payback at month", "at"),
        ("calc: monthly IRR", "irr_monthly"),
        ("calc: discounted, first negative #", "d_neg"),
        ("calc: discounted, first back #", "d_back"),
        ("calc: discounted payback at month", "d_at"),
    ],
)
SUMMARY_FIRST_ROW = 7  # the fleet's row; each site's below

ROWS = Columns(
    "Rows",
    [
        ("Fleet row", "row"),
        ("Model", "model"),
        ("Site", "site"),
        ("Count", "count"),
        ("Capex in horizon (USD)", "capex"),
        ("BTC mined", "btc_mined"),
        ("Revenue (USD)", "revenue"),
        ("Power cost (USD)", "power"),
        ("Opex (USD)", "opex"),
        ("Depreciation (USD)", "depreciation"),
        ("Cash cost per BTC (USD)", "cash_cost"),
        ("All-in cost per BTC (USD)", "all_in_cost"),
        ("Free cash flow (USD)", "fcf"),
        ("NPV (USD)", "npv"),
        ("IRR (annual)", "irr"),
        ("Payback (months)", "payback"),
        ("Payback status", "status"),
        ("First online month #", "first_online"),
        ("Breakeven BTC price (USD)", "breakeven_btc"),
        ("Breakeven hashprice (USD/PH/day)", "breakeven_hashprice"),
        ("Breakeven power price (USD/kWh)", "breakeven_power"),
        ("Breakeven BTC price after the halving (USD)", "breakeven_btc_after"),
        ("Breakeven hashprice after the halving (USD/PH/day)", "breakeven_hashprice_after"),
        ("Breakeven power price after the halving (USD/kWh)", "breakeven_power_after"),
        ("Shutdown months", "shutdown_months"),
        ("Marginal NPV (USD)", "marginal_npv"),
        ("calc: first negative month #", "neg"),
        ("calc: first month back #", "back"),
        ("calc: payback at month", "at"),
        ("calc: monthly IRR", "irr_monthly"),
    ],
)
ROWS_HEADER = ROWS.headers

# CalcDiscounted (months down): these, then a (discounted FCF, cumulative) pair for the
# fleet and for each site (calc.discounted_columns).
DISCOUNTED = Columns(
    "CalcDiscounted",
    [("Month #", "t"), ("Month", "month"), ("Discount factor", "factor")],
)

# Rows of the months-across Calc sheets (month columns from FIRST_MONTH_COLUMN).
T_ROW = 3  # month numbers, on every months-across sheet
DAYS_ROW, HOURS_ROW, BTC_PER_TH_ROW, PRICE_ROW = 4, 5, 6, 7  # CalcRunning's market rows
ROWS_TAXABLE_ROW = 4  # CalcTaxable's tax block, rows 4 to 13
COMPANY_TAXABLE_ROW = 7  # CalcTaxable: the company's taxable income of the month
FISCAL_YEAR_ROW = 8  # CalcTaxable: the month's fiscal year # (0: the horizon's first)
TAX_PAID_ROW = 10  # CalcTaxable: the tax paid in the month
LOSS_CARRIED_ROW = 11  # CalcTaxable: the loss carried forward at each month's end
TAX_SHARE_ROW = 13  # CalcTaxable: tax paid per USD of the rows' positive income of its year
