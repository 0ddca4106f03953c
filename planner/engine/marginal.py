"""Each fleet row's marginal NPV: the fleet's NPV with the row less the fleet's NPV
without it (MODEL.md "Tax as filed").

A row's own NPV carries an allocated share of the company's tax, so a loss-making batch
gets none of the tax it saves the company. Without the row, the company's pre-tax flows
lose the row's, and its tax is refiled on its taxable income less the row's, fiscal year
by fiscal year (the same losses, limit and expiry): marginal NPV = the row's pre-tax NPV
- (PV of the tax with it - PV of the tax without it). Exact, and one vectorized tax run
over rows x fiscal years, not a rerun of the model per row.
"""

from __future__ import annotations

import numpy as np

from planner.engine import metrics
from planner.engine.fiscal import annual_tax
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
    without_pv = np.empty(row_taxable.shape[0])
    for a in range(0, row_taxable.shape[0], ROW_BLOCK):
        block = slice(a, a + ROW_BLOCK)
        refiled = annual_tax(
            company.taxable_income_usd[None, :] - row_taxable[block],
            inputs.tax_rate,
            inputs.loss_offset_limit,
            inputs.loss_expiry_years,
        )
        without_pv[block] = refiled.tax_usd @ paid_pv
    return pretax_npv - (tax_pv - without_pv)
