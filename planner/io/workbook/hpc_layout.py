"""The HPC sheet's two tables: the plan table (a row per AI/HPC conversion plan, its
inputs then its calculations and results) and the monthly table (a row per plan and
month), their headers, keys and column letters.
"""

from __future__ import annotations

from planner.io.workbook.columns import Columns

# (header, key) of the plan table, inputs first.
PLAN_INPUTS: tuple[tuple[str, str], ...] = (
    ("Site", "site"),
    ("Share converted", "share"),
    ("Conversion start", "start_month"),
    ("Build (months)", "construction_months"),
    ("AI PUE", "ai_pue"),
    ("Critical IT (MW; empty: gross / PUE)", "it_mw"),
    ("Build capex (USD/MW IT)", "capex_usd_per_mw_it"),
    ("Rent (USD/kW-month)", "rent_usd_per_kw_month"),
    ("Rent escalator (per year)", "rent_escalator_per_year"),
    ("Lease (years)", "lease_term_years"),
    ("Ramp (months)", "ramp_months"),
    ("NOI margin", "noi_margin"),
    ("Opex (USD/month; empty: NOI margin)", "opex_usd_per_month"),
    ("Tenant pays power", "power_pass_through"),
    ("Rig resale (USD/TH; empty: fleet values)", "rig_resale_usd_per_th"),
    ("Mining site value (USD/MW)", "mining_site_value_usd_per_mw"),
    ("AI cap rate", "cap_rate"),
    ("Loan to cost", "loan_to_cost"),
    ("Loan rate (per year)", "loan_rate_per_year"),
    ("Loan term (years)", "loan_term_years"),
)
PLAN_CALC: tuple[tuple[str, str], ...] = (
    ("calc: site #", "site_no"),
    ("calc: capacity (MW)", "capacity"),
    ("calc: start month #", "start"),
    ("calc: critical IT (kW)", "it_kw"),
    ("calc: build capex (USD)", "capex_total"),
    ("calc: lease start month #", "lease_start"),
    ("calc: lease months", "lease_months"),
    ("calc: rig sale (USD)", "rig_sale"),
    ("calc: demand charge (USD/month)", "demand"),
    ("calc: loan rate a month", "loan_monthly"),
    ("calc: loan months", "loan_months"),
    ("calc: loan payment (USD/month)", "payment"),
    ("Keep mining NPV (USD)", "keep_npv"),
    ("Convert NPV (USD)", "convert_npv"),
    ("Partial NPV (USD)", "partial_npv"),
    ("NPV gained by converting (USD)", "gain"),
    ("Keep mining IRR", "keep_irr"),
    ("Convert IRR", "convert_irr"),
    ("Partial IRR", "partial_irr"),
    ("Convert payback (months)", "payback"),
    ("Convert payback status", "status"),
    ("Crossover month #", "crossover"),
    ("Crossover", "crossover_date"),
    ("Breakeven rent (USD/kW-month)", "breakeven_rent"),
    ("Breakeven BTC price (x path; planner's figure)", "breakeven_multiple"),
    ("Peak funding (USD)", "peak_funding"),
    ("calc: keep monthly IRR", "keep_irr_m"),
    ("calc: convert monthly IRR", "convert_irr_m"),
    ("calc: partial monthly IRR", "partial_irr_m"),
    ("calc: first negative month #", "neg"),
    ("calc: first month back #", "back"),
    ("calc: payback at month", "at"),
    ("calc: first month below keep mining #", "below"),
    ("calc: NPV per USD/kW-month of rent", "slope"),
    ("Keep mining from: the site's NPV on Summary (after its share of tax)", "rec_site"),
    ("+ its share of the company's tax (PV)", "rec_tax"),
    ("+ its value as a mining site at the horizon (PV)", "rec_value"),
    ("Keep mining NPV less those three (0: it reconciles)", "rec_check"),
    ("Convert NPV: operations (USD)", "convert_operations"),
    ("Convert NPV: the data centre's value at the horizon (USD)", "convert_value"),
)
MONTH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Site", "site"),
    ("Month", "month"),
    ("Month #", "t"),
    ("Keep mining (USD)", "keep"),
    ("Convert: mining (USD)", "mining"),
    ("Rig sale (USD)", "rig_sale"),
    ("Build capex (USD)", "capex"),
    ("Loan draw (USD)", "draw"),
    ("Loan balance at start (USD)", "balance"),
    ("Interest (USD)", "interest"),
    ("Principal (USD)", "principal"),
    ("Occupancy", "occupancy"),
    ("Rent (USD)", "rent"),
    ("NOI (USD)", "noi"),
    ("Landlord's power (USD)", "power"),
    ("Data centre value (USD)", "terminal"),
    ("Convert (USD)", "convert"),
    ("Partial (USD)", "partial"),
    ("Cumulative keep mining (USD)", "cum_keep"),
    ("Cumulative convert (USD)", "cum_convert"),
    ("Cumulative partial (USD)", "cum_partial"),
    ("Convert - keep, cumulative (USD)", "gap"),
    ("NOI and value per USD/kW-month of rent (USD)", "per_rent"),
    ("Keep mining: capex in it (USD)", "keep_capex"),
    ("The site's share of the company's tax (USD)", "site_tax"),
    ("Convert: paid at the month's start (USD)", "convert_start"),
    ("Keep mining: cash at the month's start (USD)", "start_keep"),
    ("Convert: cash at the month's start (USD)", "start_convert"),
    ("Partial: cash at the month's start (USD)", "start_partial"),
    ("Keep mining: flow at the month's start boundary (USD)", "b_keep"),
    ("Convert: flow at the month's start boundary (USD)", "b_convert"),
    ("Partial: flow at the month's start boundary (USD)", "b_partial"),
)
# Each plan's months are followed by a row for the horizon's end (its boundary flows only):
# capex is paid at the start of its month, so the IRRs solve the flows at month boundaries.


PLAN_TABLE = Columns("HPC", PLAN_INPUTS + PLAN_CALC)
MONTH_TABLE = Columns("HPC", MONTH_COLUMNS)
PLAN = PLAN_TABLE.letters  # the plan table's letters by key
MONTH = MONTH_TABLE.letters  # the monthly table's letters by key
PLAN_WIDTH = len(PLAN_INPUTS) + len(PLAN_CALC)
FIRST_PLAN_ROW = 4
