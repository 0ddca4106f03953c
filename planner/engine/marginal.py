"""Each fleet row's marginal NPV: the fleet's NPV with the row less the fleet's NPV
without it (MODEL.md "Tax as filed").

A row's own NPV carries an allocated share of the company's tax, so a loss-making batch
gets none of the tax it saves the company. Without the row, the company's pre-tax flows
lose the row's, and its tax is refiled on its taxable income less the row's, fiscal year
by fiscal year (the same losses, limit and expiry): marginal NPV = the row's pre-tax NPV
- (PV of the tax with it - PV of the tax without it). Exact, and one vectorized tax run
over rows x fiscal years, not a rerun of the model per row.

A site's 4CP savings and demand-response pay follow the load of its rigs online
(engine/capex.py): without the row its site's are worked out again on the site's load
less the row's, and the difference counts with the row, before tax and in the taxable
income refiled.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.engine import metrics
from planner.engine.capex import demand_response_usd, fourcp_savings_usd
from planner.engine.fiscal import annual_tax
from planner.engine.inputs import EngineInputs
from planner.engine.model import Results

ROW_BLOCK = 4_096  # rows refiled at once (losses that expire are tracked by year)


def marginal_npv_usd(results: Results) -> np.ndarray:
    """(R,) each fleet row's marginal NPV, in project order."""
    inputs = results.inputs
    calendar = inputs.fiscal
    factors = metrics.discount_factors(inputs.discount_rate_per_year, inputs.months)
    # The PV of one USD of a fiscal year's tax, paid by the calendar's instalments.
    paid_pv = calendar.by_year(calendar.payment_weights(inputs.tax_payments_quarterly) * factors)
    row_taxable = results.row_taxable_by_year()
    # A row's tax share PV per USD of its positive income of each year.
    share_pv = calendar.by_year(results.tax_share * factors)
    row_tax_pv = np.maximum(row_taxable, 0.0) @ share_pv
    pretax_npv = results.row_kpis.npv_usd + row_tax_pv
    company = results.fiscal_years
    tax_pv = float(company.tax_usd @ paid_pv)
    load_items = _has_load_items(inputs)
    without_pv = np.empty(row_taxable.shape[0])
    for a in range(0, row_taxable.shape[0], ROW_BLOCK):
        block = slice(a, a + ROW_BLOCK)
        taxable_without = company.taxable_income_usd[None, :] - row_taxable[block]
        if load_items:
            items_usd = row_load_items_usd(results, np.arange(row_taxable.shape[0])[block])
            pretax_npv[block] += items_usd @ factors
            taxable_without -= calendar.by_year(items_usd)
        refiled = annual_tax(
            taxable_without,
            inputs.tax_rate,
            inputs.loss_offset_limit,
            inputs.loss_expiry_years,
        )
        without_pv[block] = refiled.tax_usd @ paid_pv
    return pretax_npv - (tax_pv - without_pv)


def _has_load_items(inputs: EngineInputs) -> bool:
    power = inputs.site_power
    return bool(
        power.fourcp_charge_usd_per_kw_year.any()
        or (power.demand_response_mw * power.demand_response_usd_per_mw_month).any()
    )


def row_load_items_usd(results: Results, rows: np.ndarray) -> np.ndarray:
    """(K, H) what the rows `rows` (project order) add to their sites' 4CP savings and
    demand-response pay, month by month: the site's items on its load less the items on
    its load without the row (the load of the row's rigs online, with overhead)."""
    inputs = results.inputs
    site = inputs.site_idx[rows]
    t = np.arange(inputs.months)
    online = (t[None, :] >= inputs.online_idx[rows, None]) & (
        t[None, :] < inputs.retire_idx[rows, None]
    )
    load_kw = inputs.count[rows] * inputs.power_w[rows] / 1000.0 * inputs.site_overhead[site]
    row_load_kw = load_kw[:, None] * online
    site_load_kw = results.site_load_mw[site] * 1000.0
    # Each row as a site of its own with its site's terms: 4CP is linear in the load.
    power = inputs.site_power
    per_row = replace(
        inputs,
        site_power=replace(
            power,
            fourcp_charge_usd_per_kw_year=power.fourcp_charge_usd_per_kw_year[site],
            fourcp_weight=power.fourcp_weight[site],
            demand_response_mw=power.demand_response_mw[site],
            demand_response_usd_per_mw_month=power.demand_response_usd_per_mw_month[site],
        ),
    )
    with_row_usd = demand_response_usd(per_row, site_load_kw)
    without_row_usd = demand_response_usd(per_row, np.maximum(site_load_kw - row_load_kw, 0.0))
    return fourcp_savings_usd(per_row, row_load_kw) + (with_row_usd - without_row_usd)
