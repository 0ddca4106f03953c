"""The fleet's tax, and its allocation to rows and sites.

Tax is computed on the fleet's monthly taxable income (row EBITDA - row depreciation -
the sites' demand charges, fixed opex and infrastructure depreciation) with losses carried
forward without limit; each month's tax is allocated to rows in proportion to their
positive taxable income (EBITDA - depreciation), so row, site and fleet cash flows add up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def tax_with_loss_carry_forward(
    taxable_usd: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Monthly tax on fleet taxable income with losses carried forward without limit;
    also the loss carried at each month end."""
    tax = np.zeros_like(taxable_usd)
    carried = np.zeros_like(taxable_usd)
    loss = 0.0
    for t, income in enumerate(taxable_usd.tolist()):
        taxed = income - loss
        if taxed > 0:
            tax[t] = rate * taxed
            loss = 0.0
        else:
            loss = -taxed
        carried[t] = loss
    return tax, carried


@dataclass(frozen=True)
class FleetTax:
    """The fleet's tax month by month and its allocation."""

    tax_usd: np.ndarray  # (H,)
    loss_carried_usd: np.ndarray  # (H,) fleet loss carried forward at each month end
    usd_per_taxable_usd: np.ndarray  # (H,) tax per USD of positive row taxable income
    site_tax_usd: np.ndarray  # (S, H) the allocation summed over each site's rows


def fleet_tax(
    rate: float,
    *,
    row_ebitda_usd: np.ndarray,
    row_depreciation_usd: np.ndarray,
    site_demand_usd: np.ndarray,
    site_fixed_opex_usd: np.ndarray,
    site_depreciation_usd: np.ndarray,
    site_taxable_positive_usd: np.ndarray,
) -> FleetTax:
    """Tax at `rate` on the fleet's taxable income. Every argument is a (S, H) array of
    site sums: the rows' EBITDA and depreciation, the sites' own items, and the sum of the
    rows' positive taxable income (the allocation key)."""
    fleet_taxable_usd = (
        row_ebitda_usd.sum(axis=0)
        - row_depreciation_usd.sum(axis=0)
        - site_demand_usd.sum(axis=0)
        - site_fixed_opex_usd.sum(axis=0)
        - site_depreciation_usd.sum(axis=0)
    )
    tax_usd, loss_carried_usd = tax_with_loss_carry_forward(fleet_taxable_usd, rate)
    positive_total_usd = site_taxable_positive_usd.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(positive_total_usd > 0, tax_usd / positive_total_usd, 0.0)
    return FleetTax(
        tax_usd=tax_usd,
        loss_carried_usd=loss_carried_usd,
        usd_per_taxable_usd=share,
        site_tax_usd=site_taxable_positive_usd * share[None, :],
    )
