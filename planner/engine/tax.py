"""The fleet's tax as filed, and its allocation to rows and sites.

The company's taxable income is the fleet's EBITDA (after the sites' demand charges and
fixed opex and corporate G&A) - tax depreciation (rows' and infrastructure's) + gains on
disposal. It is summed by fiscal year and taxed with the losses carried from earlier
years (fiscal.annual_tax); the year's tax is paid in its last month or in quarterly
instalments. A payment is allocated to rows in proportion to their positive taxable
income of the fiscal year it is for, so row, site and fleet cash flows add up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.engine.fiscal import AnnualTax, annual_tax
from planner.engine.inputs import EngineInputs


@dataclass(frozen=True)
class PaidTax:
    """The tax of each fiscal year, and when it is paid."""

    years: AnnualTax  # (..., Y)
    paid_usd: np.ndarray  # (..., H)
    loss_carried_usd: np.ndarray  # (..., H) at each month's end


def paid_tax(inputs: EngineInputs, taxable_usd: np.ndarray) -> PaidTax:
    """Tax as filed on the company's monthly taxable income (..., H): by fiscal year, and
    paid by month."""
    calendar = inputs.fiscal
    years = annual_tax(
        calendar.by_year(taxable_usd),
        inputs.tax_rate,
        inputs.loss_offset_limit,
        inputs.loss_expiry_years,
    )
    weights = calendar.payment_weights(inputs.tax_payments_quarterly)
    return PaidTax(
        years=years,
        paid_usd=years.tax_usd[..., calendar.month_year] * weights,
        loss_carried_usd=calendar.carried_by_month(years.loss_carryforward_end_usd),
    )


@dataclass(frozen=True)
class FleetTax:
    """The fleet's tax and its allocation."""

    taxable_income_usd: np.ndarray  # (H,) the company's, by month
    paid: PaidTax
    usd_per_positive_usd: np.ndarray  # (H,) tax paid per USD of positive row income
    site_tax_usd: np.ndarray  # (S, H) the allocation summed over each site's rows

    @property
    def loss_carried_usd(self) -> np.ndarray:
        return self.paid.loss_carried_usd


def fleet_tax(
    inputs: EngineInputs,
    taxable_income_usd: np.ndarray,
    row_taxable_by_year_usd: np.ndarray,
    row_site: np.ndarray,
) -> FleetTax:
    """Tax as filed on the company's monthly taxable income (H,), allocated by the rows'
    fiscal-year taxable income (R, Y) of rows at the sites `row_site`."""
    paid = paid_tax(inputs, taxable_income_usd)
    month_year = inputs.fiscal.month_year
    positive_usd = np.maximum(row_taxable_by_year_usd, 0.0)
    site_positive_usd = np.zeros((len(inputs.site_names), positive_usd.shape[1]))
    np.add.at(site_positive_usd, row_site, positive_usd)
    total_usd = site_positive_usd.sum(axis=0)[month_year]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total_usd > 0, paid.paid_usd / total_usd, 0.0)
    return FleetTax(
        taxable_income_usd=taxable_income_usd,
        paid=paid,
        usd_per_positive_usd=share,
        site_tax_usd=site_positive_usd[:, month_year] * share[None, :],
    )
