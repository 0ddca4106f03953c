"""The bridge from the rows' NPVs to the fleet's (MODEL.md "Answers").

A row's NPV is its own cash flow after its share of the company's tax (with the power it
sells back where a price profile lets it: that is in its EBITDA). The fleet's adds what
no row carries: each site's demand charges, hosting terms (the take-or-pay shortfall,
the host's profit share), fixed opex and infrastructure capex, the 4CP transmission
charge it avoids and its demand-response pay (income), and corporate G&A, each at its
pre-tax value (the capex from its month's start, as in every NPV) (their tax shields
are already in the rows' shares of the tax, which sum to the company's). So the lines
sum to the fleet's NPV to floating-point precision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.engine import metrics
from planner.engine.model import Results


@dataclass(frozen=True)
class BridgeLine:
    label: str
    npv_usd: float
    kind: str  # "row", "site" or "company"
    site: str = ""  # the row's or the site item's site


def bridge_of(results: Results) -> list[BridgeLine]:
    """The rows' NPVs (project order), each site's own items with a value, corporate G&A."""
    inputs = results.inputs
    factors = metrics.discount_factors(inputs.discount_rate_per_year, inputs.months)
    at_start = 1.0 + metrics.start_premium(inputs.discount_rate_per_year)
    lines = [
        BridgeLine(name, float(npv), "row", site)
        for name, site, npv in zip(
            inputs.row_names, inputs.row_sites, results.row_kpis.npv_usd, strict=True
        )
    ]
    items = results.site_items
    for s, site in enumerate(inputs.site_names):
        # Costs count against the NPV (-1 x their value, the capex from its month's start),
        # income for it (+1).
        for label, flows_usd, factor in (
            ("demand charges", items.demand_usd[s], -1.0),
            ("take-or-pay shortfall", items.take_or_pay_usd[s], -1.0),
            ("host's profit share", items.profit_share_usd[s], -1.0),
            ("fixed opex", items.fixed_opex_usd[s], -1.0),
            ("infrastructure capex", items.infra_capex_usd[s], -at_start),
            ("4CP savings", items.fourcp_savings_usd[s], 1.0),
            ("demand-response pay", items.demand_response_usd[s], 1.0),
        ):
            if np.any(flows_usd):
                npv_usd = float(flows_usd @ factors) * factor
                lines.append(BridgeLine(f"{site}: {label}", npv_usd, "site", site))
    g_and_a_usd = results.fleet.g_and_a_usd[0]
    if np.any(g_and_a_usd):
        lines.append(BridgeLine("Corporate G&A", -float(g_and_a_usd @ factors), "company"))
    return lines
