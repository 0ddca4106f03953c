"""Capex, resale and terminal value of fleet rows, and the sites' own items.

A row's capex (count x unit price) is paid in its purchase month; its resale value is
received in its retire month, or as a terminal value in the last month when it is still
owned at the horizon. A site adds demand charges (part of its power cost), fixed opex,
and infrastructure capex depreciated straight line over the same life from its month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.engine.depreciation import straight_line
from planner.engine.inputs import NO_MONTH, EngineInputs
from planner.engine.rows import RowPass, RowVectors


def add_capex_and_resale(inputs: EngineInputs, rv: RowVectors, mined: RowPass) -> np.ndarray:
    """Add each row's capex and resale to its pre-tax cash flow and to its site's sums
    (and to the kept row series); return each row's capex inside the horizon."""
    months = inputs.months
    rows = rv.order.size
    row_index = np.arange(rows)
    purchase_idx, online_idx, retire_idx = rv.purchase_idx, rv.online_idx, rv.retire_idx
    site_sums = mined.site_sums
    bought = (purchase_idx >= 0) & (purchase_idx < months)
    capex_usd_by_row = np.where(bought, rv.capex_per_row, 0.0)
    mined.pretax_fcf_usd[row_index[bought], purchase_idx[bought]] -= rv.capex_per_row[bought]
    np.add.at(
        site_sums["capex_usd"], (rv.site[bought], purchase_idx[bought]), rv.capex_per_row[bought]
    )
    sold = (retire_idx >= 0) & (retire_idx < months) & (retire_idx > online_idx)
    resale_usd = rv.count * inputs.resale_usd_per_unit[rv.order]
    at_horizon = (retire_idx >= months) & (purchase_idx <= months - 1)  # owned at the end
    terminal_usd = rv.count * inputs.terminal_value_usd_per_unit[rv.order]
    resale_rows, resale_months, resale_values_usd = (
        np.concatenate((row_index[sold], row_index[at_horizon])),
        np.concatenate((retire_idx[sold], np.full(int(at_horizon.sum()), months - 1))),
        np.concatenate((resale_usd[sold], terminal_usd[at_horizon])),
    )
    np.add.at(mined.pretax_fcf_usd, (resale_rows, resale_months), resale_values_usd)
    np.add.at(site_sums["resale_usd"], (rv.site[resale_rows], resale_months), resale_values_usd)
    if mined.kept is not None:
        mined.kept["capex_usd"][row_index[bought], purchase_idx[bought]] = rv.capex_per_row[bought]
        np.add.at(mined.kept["resale_usd"], (resale_rows, resale_months), resale_values_usd)
    return capex_usd_by_row


@dataclass(frozen=True)
class SiteItems:
    """Each site's own monthly items (S x H, USD), beside its rows'."""

    demand_usd: np.ndarray
    fixed_opex_usd: np.ndarray
    infra_capex_usd: np.ndarray
    infra_depreciation_usd: np.ndarray


def site_items(inputs: EngineInputs) -> SiteItems:
    """Demand charges and fixed opex every month; infrastructure capex in its month and
    its straight-line depreciation from then."""
    months = inputs.months
    sites = len(inputs.site_names)
    t = np.arange(months).astype(float)
    demand_usd = inputs.site_demand_charge_usd_per_month[:, None] * np.ones(months)[None, :]
    fixed_usd = inputs.site_fixed_opex_usd_per_month[:, None] * np.ones(months)[None, :]
    has_infra = (inputs.site_infra_capex_usd > 0) & (inputs.site_infra_capex_idx != NO_MONTH)
    infra_base_usd = np.where(has_infra, inputs.site_infra_capex_usd, 0.0)
    infra_idx = inputs.site_infra_capex_idx.astype(float)
    infra_depreciation_usd = straight_line(
        infra_base_usd, infra_idx, np.full(sites, np.inf), inputs.depreciation_months, t
    )
    infra_capex_usd = np.zeros((sites, months))
    in_horizon = (
        has_infra & (inputs.site_infra_capex_idx >= 0) & (inputs.site_infra_capex_idx < months)
    )
    infra_capex_usd[np.flatnonzero(in_horizon), inputs.site_infra_capex_idx[in_horizon]] = (
        inputs.site_infra_capex_usd[in_horizon]
    )
    return SiteItems(
        demand_usd=demand_usd,
        fixed_opex_usd=fixed_usd,
        infra_capex_usd=infra_capex_usd,
        infra_depreciation_usd=infra_depreciation_usd,
    )
