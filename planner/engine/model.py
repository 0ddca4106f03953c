"""The planning model of MODEL.md, vectorized over fleet rows x months.

`compute(inputs)` returns monthly series per row, per site and for the fleet, and the
answers (payback, NPV, IRR, cost per BTC, breakevens). It runs named phases, each in its
module: the market (market.py), the rows' production, revenue, power, opex and
depreciation (rows.py), capex, resale and the sites' own items (capex.py), the fleet's
tax (tax.py), the rows' cash flow after tax, and the breakevens (breakevens.py).
Conventions the model spec leaves open, chosen here and documented in docs/model-notes.md:

- Tax is filed by fiscal year on the company's taxable income (tax.py); each payment is
  allocated to rows in proportion to their positive taxable income of its fiscal year,
  so row, site and fleet cash flows add up. Corporate G&A is the fleet's alone.
- Demand charges are part of a site's power cost; site fixed opex is part of its opex.
- Book depreciation runs straight line from the online month and stops at retirement; a
  site's infrastructure capex is depreciated over its own life from its capex month.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property

import numpy as np

from planner.engine import metrics
from planner.engine.breakevens import Breakevens, breakevens_of
from planner.engine.capex import SiteItems, add_capex_and_resale, site_items
from planner.engine.depreciation import straight_line
from planner.engine.fiscal import AnnualTax
from planner.engine.hourly import PowerTotals, online_hours
from planner.engine.inputs import EngineInputs
from planner.engine.market import HOURS_PER_DAY, TH_PER_EH, Market, market_of
from planner.engine.rows import (
    CHUNK_CELLS,
    KPI_BLOCK_ROWS,
    RowPass,
    RowVectors,
    full_running,
    mine_rows,
    row_vectors,
    rows_after_tax,
)
from planner.engine.series import SERIES_FIELDS, Kpis, Series, kpis_from_totals, kpis_of
from planner.engine.tax import FleetTax, fleet_tax
from planner.engine.timeline import height_date, next_halving_height

__all__ = [
    "CHUNK_CELLS",
    "HOURS_PER_DAY",
    "KPI_BLOCK_ROWS",
    "SERIES_FIELDS",
    "TH_PER_EH",
    "Breakevens",
    "Kpis",
    "Market",
    "Results",
    "Series",
    "compute",
    "full_running",
    "invested",
    "kpis_from_totals",
    "kpis_of",
    "market_of",
    "row_vectors",
    "straight_line",
]


@dataclass(frozen=True)
class Results:
    """Everything one computation answers. Row arrays follow the project's fleet order.

    `rows` (row x month series) is kept only when `compute(..., keep_rows=True)`;
    `row_free_cash_flow()` is always available.
    """

    inputs: EngineInputs
    market: Market
    rows: Series | None
    sites: Series
    fleet: Series
    row_kpis: Kpis
    site_kpis: Kpis
    fleet_kpis: Kpis
    breakevens: Breakevens
    site_irr_annual: np.ndarray
    fleet_irr_annual: float | None
    tax_loss_carried_usd: np.ndarray  # fleet loss carried forward at each month end
    taxable_income_usd: np.ndarray  # (H,) the company's, by month
    fiscal_years: AnnualTax  # (Y,) the tax as filed, year by year
    site_items: SiteItems  # each site's own monthly items (demand, fixed opex, hosting...)
    site_load_mw: np.ndarray  # (S, H) rig load with cooling overhead of the rows online
    row_power: PowerTotals  # (R,) each row's energy, power cost and sales, project order
    _row_fcf: np.ndarray  # (R, H) after tax, rows in the engine's site order
    _row_position: np.ndarray  # engine position of each project row
    _row_taxable_by_year: np.ndarray  # (R, Y) engine order: each row's taxable income
    _tax_share: np.ndarray  # (H,) tax paid per USD of the rows' positive income of its year
    _row_capex: metrics.StartFlows  # rows' capex (at its months' starts), project order

    def row_free_cash_flow(self) -> np.ndarray:
        """Monthly FCF of each fleet row (R x H), after its share of the fleet's tax."""
        if self.rows is not None:
            return self.rows.free_cash_flow_usd
        return self._row_fcf[self._row_position]

    def row_taxable_by_year(self) -> np.ndarray:
        """(R, Y) each fleet row's taxable income by fiscal year, project order."""
        return self._row_taxable_by_year[self._row_position]

    def row_month_uptime(self) -> np.ndarray:
        """(R, H) the share of each online month's hours each row ran (NaN while it is
        not online); needs the rows kept."""
        rows = self._kept_rows("row_month_uptime")
        inputs = self.inputs
        load_kw = inputs.count * inputs.power_w / 1000.0 * inputs.site_overhead[inputs.site_idx]
        t = np.arange(inputs.months)
        online = (t[None, :] >= inputs.online_idx[:, None]) & (
            t[None, :] < inputs.retire_idx[:, None]
        )
        online_kwh = load_kw[:, None] * (HOURS_PER_DAY * inputs.timeline.days)[None, :] * online
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(online_kwh > 0, rows.energy_kwh / online_kwh, np.nan)

    def row_month_power_price_usd_per_kwh(self) -> np.ndarray:
        """(R, H) each row's power cost less power sales per kWh drawn, month by month
        (NaN where it drew none); needs the rows kept."""
        rows = self._kept_rows("row_month_power_price_usd_per_kwh")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                rows.energy_kwh > 0,
                (rows.power_cost_usd - rows.power_sales_usd) / rows.energy_kwh,
                np.nan,
            )

    def row_month_strike_usd_per_kwh(self) -> np.ndarray:
        """(R, H) each row's revenue per kWh at full running, month by month: its strike
        against the site's price-duration curve (NaN for a row that draws no power)."""
        rv = row_vectors(self.inputs, np.arange(self.inputs.count.size))
        table = rv.degradation_table * self.market.btc_per_th_month[None, :]
        _online, _btc, revenue_full_usd, _power = full_running(
            rv, slice(None), table, self.market.btc_price_usd
        )
        hours = HOURS_PER_DAY * self.inputs.timeline.days
        with np.errstate(divide="ignore", invalid="ignore"):
            return revenue_full_usd / (rv.load_kw[:, None] * hours[None, :])

    def _kept_rows(self, what: str) -> Series:
        if self.rows is None:
            raise ValueError(f"{what}: the rows' series were not kept (compute(keep_rows=True))")
        return self.rows

    @property
    def tax_share(self) -> np.ndarray:
        """(H,) the tax paid each month per USD of the rows' positive taxable income of the
        fiscal year it is for: a row's tax is that times its own."""
        return self._tax_share

    @cached_property
    def site_power(self) -> PowerTotals:
        """(S,) each site's rigs' power over the horizon: its rows' totals summed (the
        site's own items, such as demand charges, are not in them)."""
        return self.row_power.by(self.inputs.site_idx, len(self.inputs.site_names))

    @cached_property
    def marginal_npv_usd(self) -> np.ndarray:
        """(R,) each row's marginal NPV (engine/marginal.py), on first use."""
        from planner.engine.marginal import marginal_npv_usd

        return marginal_npv_usd(self)

    @cached_property
    def row_irr_annual(self) -> np.ndarray:
        """IRR of each row (NaN for none); computed on first use, one solve per row."""
        return metrics.irr_annual_many(
            self.row_free_cash_flow(), invested(self.row_kpis.payback_status), self._row_capex
        )

    @property
    def next_halving_height(self) -> int:
        return next_halving_height(self.inputs.start_height)

    @cached_property
    def next_halving(self) -> tuple[int, date]:
        """Height and estimated date of the next halving after the scenario's start."""
        height = self.next_halving_height
        return height, height_date(self.inputs.timeline, height).date()


def invested(payback_status: np.ndarray) -> np.ndarray:
    """Where cumulative cash flow went negative: an IRR means something only there. A
    stream that is positive first and negative later has a rate that zeroes its NPV,
    but it is the cost of borrowing, not a return, and the planner reports none."""
    return payback_status != metrics.NEVER_NEGATIVE


def site_sums_with_items(sums: dict[str, np.ndarray], items: SiteItems) -> dict[str, np.ndarray]:
    """Each site's sums before tax: its rows' and its own items."""
    site = dict(sums)
    site["power_cost_usd"] += items.demand_usd + items.take_or_pay_usd
    site["opex_usd"] += items.fixed_opex_usd + items.profit_share_usd
    site["capex_usd"] += items.infra_capex_usd
    site["depreciation_usd"] += items.infra_depreciation_usd
    site["tax_depreciation_usd"] += items.infra_tax_depreciation_usd
    site["ebitda_usd"] -= (
        items.demand_usd + items.fixed_opex_usd + items.take_or_pay_usd + items.profit_share_usd
    )
    if items.fourcp_savings_usd.any() or items.demand_response_usd.any():
        site["fourcp_savings_usd"] = site["fourcp_savings_usd"] + items.fourcp_savings_usd
        site["demand_response_usd"] = site["demand_response_usd"] + items.demand_response_usd
        site["ebitda_usd"] += items.fourcp_savings_usd + items.demand_response_usd
    return site


def site_series_of(site: dict[str, np.ndarray], tax: FleetTax) -> Series:
    """Each site's series: its sums and items, and its tax allocation."""
    site = dict(site)
    site["tax_usd"] = tax.site_tax_usd
    site["free_cash_flow_usd"] = (
        site["ebitda_usd"] - site["tax_usd"] - site["capex_usd"] + site["resale_usd"]
    )
    return Series(**site)


def fleet_series_of(site_series: Series, g_and_a_usd_per_month: float) -> Series:
    """The fleet: the sites' sum, less corporate G&A (in EBITDA and cash flow)."""
    fleet = site_series.total()
    g_and_a_usd = np.full_like(fleet.ebitda_usd, g_and_a_usd_per_month)
    return replace(
        fleet,
        g_and_a_usd=g_and_a_usd,
        ebitda_usd=fleet.ebitda_usd - g_and_a_usd,
        free_cash_flow_usd=fleet.free_cash_flow_usd - g_and_a_usd,
    )


def compute(inputs: EngineInputs, keep_rows: bool = False) -> Results:
    """Run the model on compiled inputs.

    Rows are processed sorted by site (so site totals are sums of contiguous segments);
    the fleet's tax needs every row's taxable income first, so row FCF, NPV and payback
    are finished in a second pass.
    """
    market = market_of(inputs)
    rv = row_vectors(inputs, np.argsort(inputs.site_idx, kind="stable"))
    inverse = np.empty_like(rv.order)
    inverse[rv.order] = np.arange(rv.order.size)
    mined = mine_rows(inputs, rv, market, keep_rows)
    capex_usd_by_row, capex_at_start = add_capex_and_resale(inputs, rv, mined)
    items = site_items(inputs, mined.site_sums, mined.site_load_kw)
    site_sums = site_sums_with_items(mined.site_sums, items)
    taxable_income_usd = (
        site_sums["ebitda_usd"].sum(axis=0)
        - inputs.g_and_a_usd_per_month
        - site_sums["tax_depreciation_usd"].sum(axis=0)
        + site_sums["gain_on_disposal_usd"].sum(axis=0)
    )
    tax = fleet_tax(inputs, taxable_income_usd, mined.taxable_by_year_usd, rv.site)
    site_series = site_series_of(site_sums, tax)
    rate = inputs.discount_rate_per_year
    row_kpis = rows_after_tax(
        mined,
        capex_usd_by_row,
        capex_at_start,
        tax.usd_per_positive_usd,
        inputs.fiscal.month_year,
        rate,
        inverse,
    )
    breakevens = breakevens_of(inputs, rv, market, mined, inverse)
    row_capex = capex_at_start.renumbered(rv.order)
    return _results(
        inputs,
        market,
        mined,
        site_series,
        row_kpis,
        breakevens,
        tax,
        inverse,
        items,
        row_capex,
        _row_power(inputs, rv, mined, inverse),
    )


def _row_power(
    inputs: EngineInputs, rv: RowVectors, mined: RowPass, inverse: np.ndarray
) -> PowerTotals:
    """Each row's power over the horizon, in the project's row order."""
    hours = HOURS_PER_DAY * inputs.timeline.days
    online_kwh = rv.load_kw * online_hours(rv.online_idx, rv.retire_idx, hours)
    return PowerTotals(
        energy_kwh=mined.total_energy_kwh[inverse],
        online_kwh=online_kwh[inverse],
        power_cost_usd=mined.total_power_cost_usd[inverse],
        power_sales_usd=mined.total_power_sales_usd[inverse],
        curtailment_savings_usd=mined.total_strike_savings_usd[inverse],
    )


def _results(
    inputs: EngineInputs,
    market: Market,
    mined: RowPass,
    site_series: Series,
    row_kpis: Kpis,
    breakevens: Breakevens,
    tax: FleetTax,
    inverse: np.ndarray,
    items: SiteItems,
    row_capex: metrics.StartFlows,
    row_power: PowerTotals,
) -> Results:
    """The answers of the sites and the fleet, assembled with the rows' into Results."""
    rate = inputs.discount_rate_per_year
    fleet_series = fleet_series_of(site_series, inputs.g_and_a_usd_per_month)
    row_series = (
        Series(**{name: values[inverse] for name, values in mined.kept.items()})
        if mined.kept is not None
        else None
    )
    site_kpis = kpis_of(site_series, rate)
    fleet_kpis = kpis_of(fleet_series, rate)
    fleet_irr = metrics.irr_annual_many(
        fleet_series.free_cash_flow_usd,
        invested(fleet_kpis.payback_status),
        -fleet_series.capex_usd,
    )[0]
    return Results(
        inputs=inputs,
        market=market,
        rows=row_series,
        sites=site_series,
        fleet=fleet_series,
        row_kpis=row_kpis,
        site_kpis=site_kpis,
        fleet_kpis=fleet_kpis,
        breakevens=breakevens,
        site_irr_annual=metrics.irr_annual_many(
            site_series.free_cash_flow_usd,
            invested(site_kpis.payback_status),
            -site_series.capex_usd,
        ),
        fleet_irr_annual=None if np.isnan(fleet_irr) else float(fleet_irr),
        tax_loss_carried_usd=tax.loss_carried_usd,
        taxable_income_usd=tax.taxable_income_usd,
        fiscal_years=tax.paid.years,
        site_items=items,
        site_load_mw=mined.site_load_kw / 1000.0,
        row_power=row_power,
        _row_fcf=mined.fcf_usd,
        _row_position=inverse,
        _row_taxable_by_year=mined.taxable_by_year_usd,
        _tax_share=tax.usd_per_positive_usd,
        _row_capex=row_capex,
    )
