"""Monthly series of rows, sites or the fleet, and the answers computed from them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.engine import metrics

SERIES_FIELDS = (
    "btc_mined",
    "revenue_usd",
    "curtailment_credit_usd",
    "power_cost_usd",
    "opex_usd",
    "ebitda_usd",
    "capex_usd",
    "depreciation_usd",
    "tax_usd",
    "resale_usd",
    "free_cash_flow_usd",
    "energy_kwh",
    "tax_depreciation_usd",
    "gain_on_disposal_usd",
    "book_gain_on_disposal_usd",
    "g_and_a_usd",
    "power_sales_usd",
    "fourcp_savings_usd",
    "demand_response_usd",
)


@dataclass(frozen=True)
class Series:
    """Monthly series of K entities (rows, sites, or the fleet as K = 1); each is K x H."""

    btc_mined: np.ndarray
    revenue_usd: np.ndarray
    curtailment_credit_usd: np.ndarray
    power_cost_usd: np.ndarray
    opex_usd: np.ndarray
    ebitda_usd: np.ndarray
    capex_usd: np.ndarray
    depreciation_usd: np.ndarray
    tax_usd: np.ndarray
    resale_usd: np.ndarray
    free_cash_flow_usd: np.ndarray
    energy_kwh: np.ndarray
    tax_depreciation_usd: np.ndarray  # tax's depreciation (MACRS or straight line)
    gain_on_disposal_usd: np.ndarray  # taxable: proceeds - tax basis left
    book_gain_on_disposal_usd: np.ndarray  # P&L: proceeds - net book value
    g_and_a_usd: np.ndarray  # corporate G&A: the fleet's only (0 for rows and sites)
    power_sales_usd: np.ndarray  # contracted power resold while the rigs are off
    fourcp_savings_usd: np.ndarray  # 4CP transmission charge avoided: sites' only
    demand_response_usd: np.ndarray  # demand-response pay: sites' only

    def total(self) -> Series:
        """The sum over entities, as a Series with K = 1."""
        return Series(
            **{name: getattr(self, name).sum(axis=0, keepdims=True) for name in SERIES_FIELDS}
        )


@dataclass(frozen=True)
class Kpis:
    """Answers per entity (arrays of length K). NaN means "none" (see each field)."""

    npv_usd: np.ndarray
    payback_months: np.ndarray  # NaN: does not pay back within the horizon
    payback_at_month: np.ndarray
    payback_status: np.ndarray  # metrics.PAID_BACK / NEVER / NEVER_NEGATIVE
    discounted_payback_months: np.ndarray
    discounted_payback_at_month: np.ndarray
    discounted_payback_status: np.ndarray
    roi: np.ndarray  # NaN when there is no capex in the horizon
    btc_mined: np.ndarray
    revenue_usd: np.ndarray
    capex_usd: np.ndarray
    free_cash_flow_usd: np.ndarray
    energy_mwh: np.ndarray
    cost_per_btc_cash_usd: np.ndarray  # NaN when nothing is mined
    cost_per_btc_all_in_usd: np.ndarray
    cost_per_btc_net_usd: np.ndarray  # cash cost net of curtailment credits
    cost_per_btc_energy_usd: np.ndarray  # power only
    revenue_usd_per_mwh: np.ndarray

    def take(self, order: np.ndarray) -> Kpis:
        """The same answers with entities reordered by `order`."""
        return Kpis(**{name: getattr(self, name)[order] for name in self.__dataclass_fields__})

    @staticmethod
    def concatenate(parts: list[Kpis]) -> Kpis:
        return Kpis(
            **{
                name: np.concatenate([getattr(p, name) for p in parts])
                for name in Kpis.__dataclass_fields__
            }
        )


def kpis_from_totals(
    fcf: np.ndarray,
    discount_rate_per_year: float,
    *,
    btc: np.ndarray,
    revenue_usd: np.ndarray,
    capex_usd: np.ndarray,
    cash_cost_usd: np.ndarray,
    depreciation_usd: np.ndarray,
    energy_kwh: np.ndarray,
    power_cost_usd: np.ndarray,
    credit_usd: np.ndarray,
    g_and_a_usd: np.ndarray | float = 0.0,
    at_start: metrics.AtStart = None,
) -> Kpis:
    """Answers from each entity's monthly FCF (K x H) and its horizon totals (length K).
    `at_start` is the part of the FCF paid at its months' starts (capex, negative). The
    all-in cost per BTC adds depreciation and corporate G&A to the cash cost."""
    at_start = (
        metrics.StartFlows.of_dense(at_start) if isinstance(at_start, np.ndarray) else at_start
    )
    simple = metrics.payback(fcf, at_start)
    discounted = metrics.discounted_payback(fcf, discount_rate_per_year, at_start)
    total_fcf = fcf.sum(axis=1)
    energy_mwh = energy_kwh / 1000.0
    with np.errstate(divide="ignore", invalid="ignore"):
        mined = btc > 0
        cost_cash = np.where(mined, cash_cost_usd / btc, np.nan)
        all_in_usd = cash_cost_usd + depreciation_usd + g_and_a_usd
        cost_all_in = np.where(mined, all_in_usd / btc, np.nan)
        cost_net = np.where(mined, (cash_cost_usd - credit_usd) / btc, np.nan)
        cost_energy = np.where(mined, power_cost_usd / btc, np.nan)
        roi = np.where(capex_usd > 0, total_fcf / capex_usd, np.nan)
        revenue_per_mwh = np.where(energy_mwh > 0, revenue_usd / energy_mwh, np.nan)
    return Kpis(
        npv_usd=metrics.npv(fcf, discount_rate_per_year, at_start),
        payback_months=simple.months,
        payback_at_month=simple.at_month,
        payback_status=simple.status,
        discounted_payback_months=discounted.months,
        discounted_payback_at_month=discounted.at_month,
        discounted_payback_status=discounted.status,
        roi=roi,
        btc_mined=btc,
        revenue_usd=revenue_usd,
        capex_usd=capex_usd,
        free_cash_flow_usd=total_fcf,
        energy_mwh=energy_mwh,
        cost_per_btc_cash_usd=cost_cash,
        cost_per_btc_all_in_usd=cost_all_in,
        cost_per_btc_net_usd=cost_net,
        cost_per_btc_energy_usd=cost_energy,
        revenue_usd_per_mwh=revenue_per_mwh,
    )


def kpis_of(series: Series, discount_rate_per_year: float) -> Kpis:
    """NPV, payback, ROI, BTC mined and cost per BTC of each entity of `series`."""
    return kpis_from_totals(
        series.free_cash_flow_usd,
        discount_rate_per_year,
        btc=series.btc_mined.sum(axis=1),
        revenue_usd=series.revenue_usd.sum(axis=1),
        capex_usd=series.capex_usd.sum(axis=1),
        cash_cost_usd=series.power_cost_usd.sum(axis=1) + series.opex_usd.sum(axis=1),
        depreciation_usd=series.depreciation_usd.sum(axis=1),
        energy_kwh=series.energy_kwh.sum(axis=1),
        power_cost_usd=series.power_cost_usd.sum(axis=1),
        credit_usd=series.curtailment_credit_usd.sum(axis=1),
        g_and_a_usd=series.g_and_a_usd.sum(axis=1),
        at_start=-series.capex_usd,
    )
