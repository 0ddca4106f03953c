"""Capex, resale and terminal value of fleet rows, their disposals, and the sites' own
items.

A row's capex (count x landed unit cost: price with tariff and sales tax, shipping and
installation) is paid in its purchase month, less any deposit paid in its order month;
its resale value is
received in its retire month, or as a terminal value in the last month when it is still
owned at the horizon. A disposal's taxable gain is the proceeds less the tax basis left
(a retirement without a sale deducts the basis left); its book gain, the proceeds less
the net book value. The terminal value counts as a sale at the horizon when the finance
setting says so. A site adds demand charges (part of its power cost), fixed opex, and
infrastructure capex, depreciated straight line over its own book life from its month
and for tax by its own method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.engine.depreciation import straight_line
from planner.engine.inputs import NO_MONTH, EngineInputs
from planner.engine.market import HOURS_PER_DAY
from planner.engine.metrics import StartFlows
from planner.engine.rows import RowPass, RowVectors
from planner.engine.tax_depreciation import TaxSchedule, book_value_left


def add_capex_and_resale(
    inputs: EngineInputs, rv: RowVectors, mined: RowPass
) -> tuple[np.ndarray, StartFlows]:
    """Add each row's capex and resale to its pre-tax cash flow and to its site's sums
    (and to the kept row series); return each row's capex inside the horizon, and the
    same as flows at their months' starts (both in the rows' sorted order)."""
    months = inputs.months
    rows = rv.order.size
    row_index = np.arange(rows)
    purchase_idx, online_idx, retire_idx = rv.purchase_idx, rv.online_idx, rv.retire_idx
    site_sums = mined.site_sums
    # The deposit in the order month, the rest on delivery: each paid inside the horizon.
    deposit_usd = rv.capex_per_row * inputs.deposit_share[rv.order]
    pay_rows = np.concatenate((row_index, row_index))
    pay_months = np.concatenate((inputs.order_idx[rv.order], purchase_idx))
    pay_usd = np.concatenate((deposit_usd, rv.capex_per_row - deposit_usd))
    paid = (pay_months >= 0) & (pay_months < months) & (pay_usd != 0)
    pay_rows, pay_months, pay_usd = pay_rows[paid], pay_months[paid], pay_usd[paid]
    capex_usd_by_row = np.bincount(pay_rows, pay_usd, minlength=rows)
    np.subtract.at(mined.fcf_usd, (pay_rows, pay_months), pay_usd)
    np.add.at(site_sums["capex_usd"], (rv.site[pay_rows], pay_months), pay_usd)
    sold = (retire_idx >= 0) & (retire_idx < months) & (retire_idx > online_idx)
    resale_usd = rv.count * inputs.resale_usd_per_unit[rv.order]
    at_horizon = (retire_idx >= months) & (purchase_idx <= months - 1)  # owned at the end
    terminal_usd = rv.count * inputs.terminal_value_usd_per_unit[rv.order]
    resale_rows, resale_months, resale_values_usd = (
        np.concatenate((row_index[sold], row_index[at_horizon])),
        np.concatenate((retire_idx[sold], np.full(int(at_horizon.sum()), months - 1))),
        np.concatenate((resale_usd[sold], terminal_usd[at_horizon])),
    )
    np.add.at(mined.fcf_usd, (resale_rows, resale_months), resale_values_usd)
    np.add.at(site_sums["resale_usd"], (rv.site[resale_rows], resale_months), resale_values_usd)
    if mined.kept is not None:
        np.add.at(mined.kept["capex_usd"], (pay_rows, pay_months), pay_usd)
        np.add.at(mined.kept["resale_usd"], (resale_rows, resale_months), resale_values_usd)
    # Every sale is a disposal; the terminal value is one when the setting says so.
    keep = np.concatenate(
        (np.ones(int(sold.sum()), bool), np.full(int(at_horizon.sum()), inputs.tax_terminal_value))
    )
    _add_disposals(
        inputs, rv, mined, resale_rows[keep], resale_months[keep], resale_values_usd[keep]
    )
    return capex_usd_by_row, StartFlows.of(pay_rows, pay_months, -pay_usd)


def _add_disposals(
    inputs: EngineInputs,
    rv: RowVectors,
    mined: RowPass,
    rows: np.ndarray,
    months_idx: np.ndarray,
    proceeds_usd: np.ndarray,
) -> None:
    """The taxable and book gains on the disposals of `rows` in `months_idx` (a sale in
    the retire month; the terminal value in the horizon's last month, the basis then
    after its deductions): into the rows' fiscal-year taxable income and the sums."""
    # Deductions stop at retirement (before the retire month); at the horizon they run
    # through its last month.
    at_idx = np.where(rv.retire_idx[rows] == months_idx, months_idx, months_idx + 1)
    basis_usd = rv.capex_per_row[rows]
    online_idx = rv.online_idx[rows]
    schedule = TaxSchedule(inputs.rig_tax_rates, inputs.fiscal)
    gain_usd = proceeds_usd - schedule.basis_left(
        basis_usd, online_idx, at_idx, rv.bonus_share[rows]
    )
    book_gain_usd = proceeds_usd - book_value_left(
        basis_usd, online_idx, at_idx, inputs.depreciation_months
    )
    year = inputs.fiscal.month_year[months_idx]
    np.add.at(mined.taxable_by_year_usd, (rows, year), gain_usd)
    sums = mined.site_sums
    np.add.at(sums["gain_on_disposal_usd"], (rv.site[rows], months_idx), gain_usd)
    np.add.at(sums["book_gain_on_disposal_usd"], (rv.site[rows], months_idx), book_gain_usd)
    if mined.kept is not None:
        np.add.at(mined.kept["gain_on_disposal_usd"], (rows, months_idx), gain_usd)
        np.add.at(mined.kept["book_gain_on_disposal_usd"], (rows, months_idx), book_gain_usd)


@dataclass(frozen=True)
class SiteItems:
    """Each site's own monthly items (S x H, USD), beside its rows'."""

    demand_usd: np.ndarray
    fixed_opex_usd: np.ndarray
    infra_capex_usd: np.ndarray
    infra_depreciation_usd: np.ndarray
    infra_tax_depreciation_usd: np.ndarray
    take_or_pay_usd: np.ndarray  # the minimum billed above the energy the rigs drew
    profit_share_usd: np.ndarray  # the host's share of the rigs' revenue above power
    fourcp_savings_usd: np.ndarray  # 4CP transmission charge avoided (income)
    demand_response_usd: np.ndarray  # demand-response pay (income)


def site_items(
    inputs: EngineInputs, rows: dict[str, np.ndarray], load_kw: np.ndarray | None = None
) -> SiteItems:
    """Demand charges and fixed opex every month; infrastructure capex in its month, its
    straight-line book depreciation from then and its tax depreciation; the hosting terms
    on the site's rows' sums `rows` (S x H per Series field): the take-or-pay minimum's
    shortfall and the host's profit share; on the load of its rigs online `load_kw`
    (S x H, with cooling overhead), the 4CP charge avoided and demand-response pay."""
    months = inputs.months
    sites = len(inputs.site_names)
    t = np.arange(months).astype(float)
    demand_usd = inputs.site_demand_charge_usd_per_month[:, None] * np.ones(months)[None, :]
    fixed_usd = inputs.site_fixed_opex_usd_per_month[:, None] * np.ones(months)[None, :]
    has_infra = (inputs.site_infra_capex_usd > 0) & (inputs.site_infra_capex_idx != NO_MONTH)
    infra_base_usd = np.where(has_infra, inputs.site_infra_capex_usd, 0.0)
    infra_idx = inputs.site_infra_capex_idx.astype(float)
    infra_depreciation_usd = straight_line(
        infra_base_usd, infra_idx, np.full(sites, np.inf), inputs.infra_depreciation_months, t
    )
    placed_idx = np.where(has_infra, inputs.site_infra_capex_idx, 0)
    infra_tax_usd = TaxSchedule(inputs.infra_tax_rates, inputs.fiscal).monthly(
        infra_base_usd,
        placed_idx,
        np.full(sites, months + 1),
        inputs.site_infra_bonus_share,
    )
    infra_capex_usd = np.zeros((sites, months))
    in_horizon = (
        has_infra & (inputs.site_infra_capex_idx >= 0) & (inputs.site_infra_capex_idx < months)
    )
    infra_capex_usd[np.flatnonzero(in_horizon), inputs.site_infra_capex_idx[in_horizon]] = (
        inputs.site_infra_capex_usd[in_horizon]
    )
    contract = inputs.site_contract_idx
    hours = HOURS_PER_DAY * inputs.timeline.days
    minimum_kwh = (
        inputs.contract_take_or_pay_share[contract, None]
        * inputs.site_capacity_mw[:, None]
        * 1000.0
        * hours[None, :]
    )
    shortfall_kwh = np.maximum(minimum_kwh - rows["energy_kwh"], 0.0)
    margin_usd = np.maximum(rows["revenue_usd"] - rows["power_cost_usd"], 0.0)
    load_kw = np.zeros((sites, months)) if load_kw is None else load_kw
    return SiteItems(
        fourcp_savings_usd=fourcp_savings_usd(inputs, load_kw),
        demand_response_usd=demand_response_usd(inputs, load_kw),
        take_or_pay_usd=shortfall_kwh * inputs.contract_price_usd_per_kwh[contract],
        profit_share_usd=inputs.contract_profit_share[contract, None] * margin_usd,
        demand_usd=demand_usd,
        fixed_opex_usd=fixed_usd,
        infra_capex_usd=infra_capex_usd,
        infra_depreciation_usd=infra_depreciation_usd,
        infra_tax_depreciation_usd=infra_tax_usd,
    )


def fourcp_savings_usd(inputs: EngineInputs, load_kw: np.ndarray) -> np.ndarray:
    """(S, H) the 4CP transmission charge avoided by the rigs off in the listed intervals:
    a calendar year's expected 4CP demand is a quarter of the sum over its listed
    intervals (in the horizon) of probability x the site's load that month; the charge
    on it (USD per kW-year) is billed evenly over the 12 months of the next calendar
    year, the months of it inside the horizon."""
    power = inputs.site_power
    charge = power.fourcp_charge_usd_per_kw_year
    savings_usd = np.zeros_like(load_kw)
    if not charge.any():
        return savings_usd
    years = np.array([m.year for m in inputs.timeline.month_starts], dtype=np.int64)
    first = int(years[0])
    by_year = np.zeros((load_kw.shape[0], int(years[-1]) - first + 2))
    np.add.at(by_year.T, years - first, (0.25 * power.fourcp_weight * load_kw).T)
    savings_usd[:] = by_year[:, years - first - 1] if years.size else 0.0
    savings_usd[:, years == first] = 0.0  # billed for the year before the plan: unknown
    savings_usd *= charge[:, None] / 12.0
    return savings_usd


def demand_response_usd(inputs: EngineInputs, load_kw: np.ndarray) -> np.ndarray:
    """(S, H) demand-response pay: the enrolled MW, at most the load of the site's rigs
    online, x USD per MW-month, in each month the site has rigs online."""
    power = inputs.site_power
    enrolled_mw = np.minimum(power.demand_response_mw[:, None], load_kw / 1000.0)
    return enrolled_mw * power.demand_response_usd_per_mw_month[:, None]
