"""The project's tables as columns: which entity each section holds, each column's
header (with its unit in parentheses), kind and decimals, which columns refer to other
sections, and which field names a row. The editing functions, the desktop tables, the
workbook's input sheets and the fleet import all read it. No Qt and no pixels here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from planner.domain.columns import Column as Column
from planner.domain.columns import ColumnKind as ColumnKind
from planner.domain.project import (
    ConversionPlan,
    FleetRow,
    PowerContract,
    ResaleTier,
    RigModel,
    Scenario,
    Site,
    SwapCandidate,
)
from planner.domain.schema_treasury import TREASURY_COLUMNS as TREASURY_COLUMNS
from planner.domain.schema_treasury import TREASURY_TABLES
from planner.domain.treasury import DebtInstrument, Hedge

Section = Literal[
    "fleet",
    "sites",
    "contracts",
    "catalog",
    "scenarios",
    "conversions",
    "swaps",
    "resale_curve",
    "debt",
    "hedges",
]

ENTITIES: dict[str, type[BaseModel]] = {
    "fleet": FleetRow,
    "sites": Site,
    "contracts": PowerContract,
    "catalog": RigModel,
    "scenarios": Scenario,
    "conversions": ConversionPlan,
    "swaps": SwapCandidate,
    "resale_curve": ResaleTier,
    "debt": DebtInstrument,
    "hedges": Hedge,
}
# Which section's names a reference column points at, and who points at each section.
REFERENCES = {
    ("fleet", "model"): "catalog",
    ("fleet", "site"): "sites",
    ("sites", "contract"): "contracts",
    ("conversions", "site"): "sites",
    ("swaps", "row"): "fleet",
    ("swaps", "model"): "catalog",
    ("debt", "fleet_rows"): "fleet",  # a list of names
}
REFERRED_BY: dict[str, tuple[tuple[str, str], ...]] = {
    "fleet": (("swaps", "row"), ("debt", "fleet_rows")),
    "catalog": (("fleet", "model"), ("swaps", "model")),
    "sites": (("fleet", "site"), ("conversions", "site")),
    "contracts": (("sites", "contract"),),
}
# The field that names a row of each section (unique, case-insensitive).
KEY_FIELD = {"conversions": "site", "swaps": "", "resale_curve": ""}  # "": no unique key
# The columns with a meaningful total (a table's totals row): sums, but effective uptime
# and power price, which are energy-weighted over the rows.
TOTALS: dict[str, tuple[str, ...]] = {
    "fleet": (
        "count",
        "result:npv_usd",
        "result:marginal_npv_usd",
        "result:btc_mined",
        "result:uptime_effective",
        "result:effective_power_price",
        "result:curtailment_savings_usd",
        "result:power_sales_usd",
    ),
    "sites": (
        "capacity_mw",
        "fixed_opex_usd_per_month",
        "infrastructure_capex_usd",
        "result:npv_usd",
        "result:btc_mined",
        "result:uptime_effective",
        "result:effective_power_price",
        "result:curtailment_savings_usd",
        "result:fourcp_savings_usd",
        "result:power_sales_usd",
        "result:demand_response_usd",
    ),
    "swaps": ("count",),
}


_C = Column
# Hourly power's columns that the Fleet (a batch's) and Sites (a site's rows') tables share.
_CURTAILMENT_SAVINGS = _C(
    "result:curtailment_savings_usd",
    "Curtailment savings (USD)",
    "result",
    tip="On hourly prices: the margin gained by running only in the hours that pay, "
    "against running every hour (n/a: no price profile sets the strike)",
)
_POWER_SALES = _C(
    "result:power_sales_usd",
    "Power sales (USD)",
    "result",
    tip="Contracted power resold while the rigs are off (a fixed contract that "
    "allows resale, with a price profile; n/a: none)",
)
# What the breakevens assume where a site's price profile sets the rows' strike.
_AVERAGE_PRICE = (
    ". At a site with a price profile: running every hour of the month at its average "
    "price (on its strike the row runs only in the hours it covers)"
)
COLUMNS: dict[str, tuple[Column, ...]] = {
    "fleet": (
        _C("name", "Batch", "text"),
        _C("model", "Rig model", "ref"),
        _C("site", "Site", "ref"),
        _C("count", "Rigs", "int"),
        _C("unit_price_usd", "Unit price (USD)", "usd"),
        _C("purchase_month", "Purchased", "month"),
        _C("online_month", "Online", "month", tip="Empty: the purchase month"),
        _C("retire_month", "Retired", "month", tip="Empty: runs to the horizon"),
        _C("resale_usd_per_unit", "Resale (USD/rig)", "usd"),
        _C("terminal_value_usd_per_unit", "Terminal value (USD/rig)", "usd"),
        _C("degradation_per_year", "Degradation (%/yr)", "fraction", decimals=1),
        _C(
            "import_tariff",
            "Import tariff (%)",
            "fraction",
            decimals=1,
            tip="On the price: 21.6 % from Southeast Asia, 57.6 % from China in 2025",
        ),
        _C("sales_tax", "Sales tax (%)", "fraction", decimals=2),
        _C("shipping_usd_per_unit", "Shipping (USD/rig)", "usd"),
        _C("installation_usd_per_unit", "Installation (USD/rig)", "usd"),
        _C(
            "deposit_share",
            "Deposit (%)",
            "fraction",
            decimals=0,
            tip="Paid in the order month; the rest on delivery (the purchase month)",
        ),
        _C("order_month", "Ordered", "month", tip="Empty: the purchase month"),
        _C("notes", "Notes", "text"),
        _C(
            "result:npv_usd",
            "NPV (USD)",
            "result",
            tip="The row's cash flow after its share of the company's tax",
        ),
        _C(
            "result:marginal_npv_usd",
            "Marginal NPV (USD)",
            "result",
            tip="What the row adds: the fleet's NPV with it less without it (the company's "
            "tax refiled without the row)",
        ),
        _C("result:payback", "Payback", "result"),
        _C(
            "result:breakeven_btc_price_usd",
            "Breakeven BTC (USD)",
            "result",
            tip="The BTC price at which the row covers its power in its first online month, "
            f"at full availability{_AVERAGE_PRICE}",
        ),
        _C(
            "result:breakeven_btc_after_halving_usd",
            "Breakeven BTC after halving (USD)",
            "result",
            tip="The BTC price at which the row covers its power in the first month after "
            "the next halving (n/a: not online then, or the halving is past the horizon)"
            f"{_AVERAGE_PRICE}",
        ),
        _C(
            "result:breakeven_hashprice",
            "Breakeven (USD/PH/day)",
            "result",
            tip="The hashprice at which the row covers its power in its first online month"
            f"{_AVERAGE_PRICE}",
        ),
        _C(
            "result:breakeven_power",
            "Breakeven power (USD/kWh)",
            "result",
            tip="The electricity price at which the row's revenue covers its power in its "
            "first online month: its revenue per kWh (at a site with a price profile, its "
            "strike: it runs in the hours cheaper than this)",
        ),
        _C("result:unprofitable_from", "Unprofitable from", "result"),
        _C(
            "result:uptime_effective",
            "Effective uptime (%)",
            "result",
            tip="The share of its online hours the batch ran, energy-weighted over the "
            "horizon: site uptime, curtailment, the hourly strike and 4CP together",
        ),
        _C(
            "result:effective_power_price",
            "Effective power price (USD/kWh)",
            "result",
            tip="Power cost less power sales per kWh drawn over the horizon: on hourly "
            "prices, the mean of the hours it ran in",
        ),
        _CURTAILMENT_SAVINGS,
        _POWER_SALES,
    ),
    "sites": (
        _C("name", "Site", "text"),
        _C("contract", "Power contract", "ref"),
        _C("capacity_mw", "Capacity (MW)", "number", decimals=2),
        _C("overhead", "Cooling overhead (x)", "number", decimals=3),
        _C("uptime", "Uptime (%)", "fraction", decimals=1),
        _C("fixed_opex_usd_per_month", "Fixed opex (USD/month)", "usd"),
        _C(
            "maintenance_usd_per_rig_month",
            "Maintenance (USD/rig/month)",
            "usd",
            decimals=2,
        ),
        _C("infrastructure_capex_usd", "Infrastructure capex (USD)", "usd"),
        _C("infrastructure_capex_month", "Capex month", "month"),
        _C(
            "cooling",
            "Cooling",
            "choice",
            choices=("air", "hydro", "immersion"),
            tip="The cooling the site has; empty: any. The best buy buys only rigs of this "
            "cooling for it",
        ),
        _C(
            "fourcp_charge_usd_per_kw_year",
            "4CP charge (USD/kW-year)",
            "usd",
            decimals=2,
            tip="Transmission charge per kW of the site's demand in the year's four coincident "
            "peaks (ERCOT 4CP), billed over the next calendar year",
        ),
        _C(
            "demand_response_mw",
            "Demand response (MW)",
            "number",
            decimals=2,
            tip="Capacity enrolled in demand response or ancillary services",
        ),
        _C(
            "demand_response_usd_per_mw_month",
            "Demand response (USD/MW-month)",
            "usd",
            tip="What the enrolled capacity is paid each month",
        ),
        _C("notes", "Notes", "text"),
        _C("result:npv_usd", "NPV (USD)", "result"),
        _C("result:payback", "Payback", "result"),
        _C("result:btc_mined", "BTC mined", "result"),
        _C(
            "result:peak_mw",
            "Peak draw (MW)",
            "result",
            tip="The most the site's rigs draw in a month, cooling overhead included",
        ),
        _C(
            "result:utilisation",
            "Peak use of capacity (%)",
            "result",
            tip="Peak draw over the site's capacity; above 100 % the plan puts more on the "
            "site than it can take",
        ),
        _C(
            "result:uptime_effective",
            "Effective uptime (%)",
            "result",
            tip="The share of its online hours the site's rigs ran, energy-weighted over the "
            "horizon: site uptime, curtailment, the hourly strike and 4CP together",
        ),
        _C(
            "result:effective_power_price",
            "Effective power price (USD/kWh)",
            "result",
            tip="Power cost less power sales per kWh drawn over the horizon: on hourly "
            "prices, the mean of the hours its rigs ran in",
        ),
        _CURTAILMENT_SAVINGS,
        _C(
            "result:fourcp_savings_usd",
            "4CP savings (USD)",
            "result",
            tip="Transmission charge avoided by having the rigs off in the 4CP intervals, "
            "billed over the next calendar year (n/a: no 4CP charge)",
        ),
        _POWER_SALES,
        _C(
            "result:demand_response_usd",
            "Demand response pay (USD)",
            "result",
            tip="What the capacity enrolled in demand response is paid over the horizon "
            "(n/a: none enrolled)",
        ),
    ),
    "contracts": (
        _C("name", "Contract", "text"),
        _C("type", "Type", "choice", choices=("fixed", "hosting", "index")),
        _C("price_usd_per_kwh", "Rate or flat index (USD/kWh)", "price", decimals=4),
        _C("escalator_per_year", "Escalator (%/yr)", "rate", decimals=1),
        _C(
            "start_month",
            "Contract start",
            "month",
            tip="The month the rate is from: the escalator steps on its anniversaries "
            "(empty: on the scenario start's)",
        ),
        _C(
            "index_path_usd_per_kwh",
            "Index path (USD/kWh by month)",
            "list",
            tip="Monthly index values from the scenario start, separated by ';'",
        ),
        _C("adder_usd_per_kwh", "Adder (USD/kWh)", "price", decimals=4),
        _C(
            "index_after_path",
            "After the path",
            "choice",
            choices=("repeat_year", "hold"),
            tip="repeat_year: its last 12 months repeat (the seasons); hold: its last value",
        ),
        _C(
            "demand_charge_usd_per_kw_month",
            "Demand charge (USD/kW-month)",
            "usd",
            decimals=2,
        ),
        _C("curtailment_share", "Curtailed hours (%)", "fraction", decimals=1),
        _C(
            "curtailment_credit_usd_per_mwh",
            "Curtailment credit (USD/MWh)",
            "usd",
            decimals=2,
        ),
        _C(
            "take_or_pay_share",
            "Take-or-pay (% of capacity)",
            "fraction",
            decimals=0,
            tip="Billed every hour at the contract's rate whether or not the rigs draw it",
        ),
        _C(
            "profit_share",
            "Host's profit share (%)",
            "fraction",
            decimals=0,
            tip="The host's share of the site's rigs' revenue above their power cost",
        ),
        _C(
            "resale_allowed",
            "Resale allowed",
            "bool",
            tip="A fixed-price contract may sell the power the rigs leave unused at the "
            "hour's price (needs the site's price profile)",
        ),
        _C("resale_fee_usd_per_mwh", "Resale fee (USD/MWh)", "usd", decimals=2),
        _C("notes", "Notes", "text"),
    ),
    "catalog": (
        _C("name", "Model", "text"),
        _C("maker", "Maker", "text"),
        _C("hashrate_th", "Hashrate (TH/s)", "hashrate_th", decimals=1),
        _C("power_w", "Power (W)", "power_w"),
        _C("result:efficiency", "Efficiency (J/TH)", "result"),
        _C("cooling", "Cooling", "choice", choices=("air", "hydro", "immersion")),
        _C("release_year", "Released", "int"),
        _C("reference_price_usd", "Reference price (USD)", "usd"),
        _C(
            "degradation_per_year",
            "Degradation (%/yr)",
            "fraction",
            decimals=1,
            tip="Hashrate the model loses a year; imported rows without a figure take it "
            "(empty: the fleet's figure for the model)",
        ),
        _C("source", "Source", "text"),
    ),
    "scenarios": (
        _C("name", "Scenario", "text"),
        _C("start_month", "Start", "month"),
        _C("start_block_height", "Start block", "int"),
        _C("block_time_s", "Block time (s)", "number", decimals=1),
        _C("network_hashrate_ehs", "Network (EH/s)", "number", decimals=1),
        _C(
            "start_difficulty_t",
            "Difficulty at start (T)",
            "number",
            decimals=2,
            tip="What pools quote; blocks come faster when the hashrate is above what it "
            "implies. Empty: the hashrate's, one retarget (2,016 blocks) behind its growth",
        ),
        _C(
            "network_hashrate_growth_per_year",
            "Network growth (%/yr)",
            "rate",
            decimals=1,
        ),
        _C("network_hashrate_path_ehs", "Network path (EH/s by month)", "list"),
        _C("btc_price_usd", "BTC price (USD)", "usd"),
        _C("btc_price_growth_per_year", "Price growth (%/yr)", "rate", decimals=1),
        _C("btc_price_path_usd", "Price path (USD by month)", "list"),
        _C("fees_btc_per_block", "Fees (BTC/block)", "number", decimals=4),
        _C("pool_fee", "Pool fee (%)", "fraction", decimals=2),
        _C("notes", "Notes", "text"),
    ),
    "conversions": (
        _C("site", "Site", "ref"),
        _C("enabled", "On", "bool", tip="Include this plan in the analysis"),
        _C("share", "Share converted (%)", "fraction", decimals=0),
        _C("start_month", "Conversion start", "month"),
        _C("construction_months", "Build (months)", "int"),
        _C("ai_pue", "AI PUE (x)", "number", decimals=2),
        _C(
            "it_mw",
            "Critical IT (MW)",
            "number",
            decimals=1,
            tip="Empty: gross MW / PUE",
        ),
        _C("capex_usd_per_mw_it", "Build capex (USD/MW IT)", "usd"),
        _C("rent_usd_per_kw_month", "Rent (USD/kW-month)", "usd", decimals=2),
        _C("rent_escalator_per_year", "Rent escalator (%/yr)", "rate", decimals=1),
        _C("lease_term_years", "Lease (years)", "number", decimals=1),
        _C("ramp_months", "Ramp (months)", "int"),
        _C("noi_margin", "NOI margin (%)", "fraction", decimals=1),
        _C(
            "opex_usd_per_month",
            "Opex (USD/month)",
            "usd",
            tip="Empty: NOI is rent x the NOI margin; set: NOI is rent - this opex",
        ),
        _C(
            "power_pass_through",
            "Tenant pays power",
            "bool",
            tip="No: the landlord pays IT kW x PUE at the site's contract price",
        ),
        _C(
            "rig_resale_usd_per_th",
            "Rig resale (USD/TH)",
            "usd",
            decimals=2,
            tip="Empty: each fleet row's resale value per rig",
        ),
        _C("mining_site_value_usd_per_mw", "Mining site value (USD/MW)", "usd"),
        _C("cap_rate", "AI cap rate (%)", "fraction", decimals=2),
        _C("loan_to_cost", "Loan to cost (%)", "fraction", decimals=0),
        _C("loan_rate_per_year", "Loan rate (%/yr)", "rate", decimals=2),
        _C("loan_term_years", "Loan term (years)", "number", decimals=1),
        _C("notes", "Notes", "text"),
    ),
    "swaps": (
        _C("row", "Replace batch", "ref"),
        _C("model", "With model", "ref"),
        _C("month", "At month", "month"),
        _C("unit_price_usd", "Unit price (USD)", "usd"),
        _C("count", "Rigs", "int", tip="Empty: enough for the same MW"),
        _C("downtime_months", "Downtime (months)", "int"),
        _C("notes", "Notes", "text"),
    ),
    "resale_curve": (
        _C(
            "max_j_per_th",
            "Up to (J/TH)",
            "number",
            decimals=1,
            tip="Rigs at or below this efficiency (and above the tier before)",
        ),
        _C("usd_per_th", "Resale (USD/TH)", "usd", decimals=2),
    ),
    **TREASURY_TABLES,
}
FINANCE_COLUMNS: tuple[Column, ...] = (
    _C("horizon_months", "Horizon (months)", "int"),
    _C("discount_rate_per_year", "Discount rate (%/yr)", "rate", decimals=1),
    _C("tax_rate", "Tax rate (%)", "fraction", decimals=1),
    _C("depreciation_years", "Depreciation life (years)", "number", decimals=2),
    _C("auto_shutdown", "Switch off rigs that lose money on power", "bool"),
    _C(
        "infrastructure_depreciation_years",
        "Infrastructure depreciation life (years)",
        "number",
        decimals=2,
    ),
    _C("g_and_a_usd_per_month", "Corporate G&A (USD/month)", "usd"),
    _C(
        "fiscal_year_end_month",
        "Fiscal year ends in month (1-12)",
        "int",
        tip="12: the calendar year. The year's tax is on its summed taxable income",
    ),
    _C(
        "tax_payments",
        "Tax paid",
        "choice",
        choices=("annual", "quarterly"),
        tip="annual: in the fiscal year's last month; quarterly: four equal instalments",
    ),
    _C(
        "loss_offset_limit",
        "Losses may offset (% of a year's taxable income)",
        "fraction",
        decimals=0,
        tip="US federal: 80 % for losses since 2018; 100 %: no limit",
    ),
    _C(
        "loss_expiry_years",
        "Losses expire after (years)",
        "int",
        tip="0: never (US federal losses since 2018)",
    ),
    _C(
        "rig_tax_depreciation",
        "Rigs' tax depreciation",
        "choice",
        choices=("macrs_5", "straight_line"),
        tip="MACRS 5-year (half-year convention) or straight line over the book life",
    ),
    _C(
        "infrastructure_tax_depreciation",
        "Infrastructure's tax depreciation",
        "choice",
        choices=("macrs_15", "macrs_39", "straight_line"),
        tip="MACRS 15-year or 39-year, or straight line over the infrastructure's book life",
    ),
    _C(
        "bonus_depreciation_share",
        "Bonus depreciation (%)",
        "fraction",
        decimals=0,
        tip="Empty: 100 % for property placed in service from 2025-01-20, 0 % before",
    ),
    _C(
        "tax_terminal_value",
        "Tax the terminal value as a sale",
        "bool",
        tip="The value at the horizon counted after the tax its sale would bring",
    ),
)


def column(section: str, key: str) -> Column:
    """The column `key` of a section; KeyError when the section has none."""
    for candidate in COLUMNS[section]:
        if candidate.key == key:
            return candidate
    raise KeyError(f"{section} has no column {key!r}")
