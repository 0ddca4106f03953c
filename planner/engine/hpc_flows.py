"""One site's options as monthly cash flows: keep mining, and convert, in its parts.

The convert case, for the whole site: the site's mining cash flow until the start month;
then the rigs sold, the build capex spread over construction, rent from the end of
construction (ramped, escalating each lease year), NOI, the landlord's power, an optional
loan, and the data centre's value at the horizon. planner/engine/hpc.py compares them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.domain.project import ConversionPlan


@dataclass(frozen=True)
class ConvertParts:
    """The convert case's monthly components in USD, for the whole site converted."""

    mining: np.ndarray  # the site's mining cash flow, before the start month only
    mining_capex: np.ndarray  # the capex in it (rigs, infrastructure)
    rig_sale: np.ndarray
    capex: np.ndarray
    loan_draw: np.ndarray
    rent: np.ndarray
    noi: np.ndarray  # rent less the operating costs (before the landlord's power)
    power: np.ndarray  # the landlord's power and demand charges (0 with pass-through)
    interest: np.ndarray
    principal: np.ndarray
    terminal: np.ndarray

    def total(self) -> np.ndarray:
        """Cash flow of each month: the sum of the parts with their signs."""
        return (
            self.mining
            + self.rig_sale
            - self.capex
            + self.loan_draw
            + self.noi
            - self.power
            - self.interest
            - self.principal
            + self.terminal
        )

    def at_start(self) -> np.ndarray:
        """The part of `total` at the start of its month: capex (mining's and the build),
        and the loan drawn with the build capex."""
        return self.loan_draw - self.capex - self.mining_capex


@dataclass(frozen=True)
class SiteContext:
    """What a conversion plan is computed against: the site under one scenario."""

    months: int
    start_index: int
    hours: np.ndarray  # hours in each month
    price_usd_per_kwh: np.ndarray  # the site's contract price in each month
    demand_usd_per_month: float
    capacity_mw: float
    mining: np.ndarray  # the site's mining cash flow before tax (no site value added)
    mining_capex: np.ndarray  # the capex in it (paid at the start of its month)
    rig_sale_usd: float  # the rigs owned at the start month, sold then
    discount_rate_per_year: float


def it_mw_of(plan: ConversionPlan, capacity_mw: float) -> float:
    """Critical IT MW when the whole site converts: the plan's figure or gross MW / PUE."""
    return plan.it_mw if plan.it_mw is not None else capacity_mw / plan.ai_pue


def keep_flows(plan: ConversionPlan, ctx: SiteContext) -> np.ndarray:
    """Keep mining: the site's mining cash flow plus its value as a mining site at the end."""
    flows = ctx.mining.copy()
    flows[-1] += plan.mining_site_value_usd_per_mw * ctx.capacity_mw
    return flows


def convert_parts(
    plan: ConversionPlan, ctx: SiteContext, rent_usd_per_kw_month: float | None = None
) -> ConvertParts:
    """The convert case (whole site) month by month; `rent_usd_per_kw_month` overrides the
    plan's rent."""
    months = ctx.months
    start = ctx.start_index
    rent_rate_usd_per_kw_month = (
        plan.rent_usd_per_kw_month if rent_usd_per_kw_month is None else rent_usd_per_kw_month
    )
    it_kw = it_mw_of(plan, ctx.capacity_mw) * 1000.0

    before_start = np.arange(months) < start
    mining_usd = np.where(before_start, ctx.mining, 0.0)
    rig_sale_usd = np.zeros(months)
    rig_sale_usd[start] = ctx.rig_sale_usd
    capex_usd, capex_total_usd, capex_after_horizon_usd = _build_capex(plan, it_kw, start, months)
    lease_start = start + plan.construction_months
    lease = _lease(plan, it_kw, rent_rate_usd_per_kw_month, lease_start, months)
    power_usd, full_power_usd = _landlord_power(plan, ctx, it_kw, lease.occupancy)
    terminal_usd = np.zeros(months)
    last = months - 1
    if lease.end > last:  # the data centre's value, as its lease runs on past the horizon
        terminal_usd[last] = _terminal_value_usd(
            plan, lease.full_noi_usd[last], full_power_usd[last], capex_after_horizon_usd
        )
    loan_draw_usd, interest_usd, principal_usd = _loan(
        plan, capex_usd, capex_total_usd, start, lease_start
    )
    return ConvertParts(
        mining=mining_usd,
        mining_capex=np.where(before_start, ctx.mining_capex, 0.0),
        rig_sale=rig_sale_usd,
        capex=capex_usd,
        loan_draw=loan_draw_usd,
        rent=lease.rent_usd,
        noi=lease.noi_usd,
        power=power_usd,
        interest=interest_usd,
        principal=principal_usd,
        terminal=terminal_usd,
    )


def _build_capex(
    plan: ConversionPlan, it_kw: float, start: int, months: int
) -> tuple[np.ndarray, float, float]:
    """The build capex spent evenly over the construction months from `start` (all in the
    start month without construction), its total, and the part that falls after the
    horizon (USD)."""
    t = np.arange(months)
    build_months = plan.construction_months
    capex_total_usd = it_kw / 1000.0 * plan.capex_usd_per_mw_it
    capex_usd = np.zeros(months)
    if build_months == 0:
        capex_usd[start] = capex_total_usd
        return capex_usd, capex_total_usd, 0.0
    spending = (t >= start) & (t < start + build_months)
    capex_usd[spending] = capex_total_usd / build_months
    after_horizon_usd = capex_total_usd / build_months * max(0, start + build_months - months)
    return capex_usd, capex_total_usd, after_horizon_usd


@dataclass(frozen=True)
class _Lease:
    """The lease month by month: occupancy, rent and NOI, and NOI at full occupancy."""

    end: int  # the month index after the lease's last month
    occupancy: np.ndarray  # share of the IT load leased, ramping up from the lease start
    rent_usd: np.ndarray
    noi_usd: np.ndarray  # rent less the operating costs (before the landlord's power)
    full_noi_usd: np.ndarray  # NOI at full occupancy, for the data centre's value


def _lease(
    plan: ConversionPlan,
    it_kw: float,
    rent_rate_usd_per_kw_month: float,
    lease_start: int,
    months: int,
) -> _Lease:
    """Rent from `lease_start` for the lease term, ramping up linearly over the ramp
    months and escalating each lease year; NOI as a margin of rent or rent less opex."""
    lease_months = round(plan.lease_term_years * 12)
    k = np.arange(months) - lease_start  # months since the lease start
    leased = (k >= 0) & (k < lease_months)
    ramp_months = plan.ramp_months
    occupancy = np.where(
        leased, np.minimum(1.0, (k + 1) / ramp_months) if ramp_months > 0 else 1.0, 0.0
    )
    level = (1.0 + plan.rent_escalator_per_year) ** np.floor(np.maximum(k, 0) / 12.0)
    full_rent_usd = it_kw * rent_rate_usd_per_kw_month * level  # at full occupancy
    rent_usd = full_rent_usd * occupancy
    if plan.opex_usd_per_month is None:
        noi_usd = rent_usd * plan.noi_margin
        full_noi_usd = full_rent_usd * plan.noi_margin
    else:
        noi_usd = np.where(leased, rent_usd - plan.opex_usd_per_month, 0.0)
        full_noi_usd = full_rent_usd - plan.opex_usd_per_month
    return _Lease(
        end=lease_start + lease_months,
        occupancy=occupancy,
        rent_usd=rent_usd,
        noi_usd=noi_usd,
        full_noi_usd=full_noi_usd,
    )


def _landlord_power(
    plan: ConversionPlan, ctx: SiteContext, it_kw: float, occupancy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The landlord's power and demand charges each month (USD), as leased and at full
    occupancy; zero when power is passed through to the tenant."""
    power_usd = np.zeros(ctx.months)
    full_power_usd = np.zeros(ctx.months)
    if not plan.power_pass_through:
        energy_usd_per_kw = ctx.hours * ctx.price_usd_per_kwh * plan.ai_pue
        power_usd = it_kw * occupancy * energy_usd_per_kw + np.where(
            np.arange(ctx.months) >= ctx.start_index, ctx.demand_usd_per_month, 0.0
        )
        full_power_usd = it_kw * energy_usd_per_kw + ctx.demand_usd_per_month
    return power_usd, full_power_usd


def _terminal_value_usd(
    plan: ConversionPlan,
    full_noi_usd: float,
    full_power_usd: float,
    capex_after_horizon_usd: float,
) -> float:
    """The data centre's value in the last month: a year of stabilized NOI (at full
    occupancy, less the landlord's power) over the cap rate, less the build capex still
    to spend."""
    stabilized_noi_usd_per_year = 12.0 * (full_noi_usd - full_power_usd)
    return float(stabilized_noi_usd_per_year / plan.cap_rate - capex_after_horizon_usd)


def _loan(
    plan: ConversionPlan,
    capex_usd: np.ndarray,
    capex_total_usd: float,
    start: int,
    lease_start: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draws, interest and principal (USD) of the loan drawn with the capex: interest only
    until the lease starts, then level monthly payments; the balance is repaid in the
    last month."""
    months = capex_usd.size
    loan_draw_usd = capex_usd * plan.loan_to_cost
    interest_usd = np.zeros(months)
    principal_usd = np.zeros(months)
    if plan.loan_to_cost > 0 and capex_total_usd > 0:
        rate_per_month = (1.0 + plan.loan_rate_per_year) ** (1.0 / 12.0) - 1.0
        term_months = max(1, round(plan.loan_term_years * 12))
        balance_usd = 0.0
        payment_usd = 0.0
        for month in range(start, months):
            interest_usd[month] = balance_usd * rate_per_month
            if month >= lease_start and balance_usd > 0:
                if payment_usd == 0.0:
                    payment_usd = (
                        balance_usd
                        * rate_per_month
                        / (1.0 - (1.0 + rate_per_month) ** -term_months)
                        if rate_per_month > 0
                        else balance_usd / term_months
                    )
                principal_usd[month] = min(balance_usd, payment_usd - interest_usd[month])
            balance_usd += loan_draw_usd[month] - principal_usd[month]
        principal_usd[months - 1] += balance_usd  # repaid at the end of the horizon
    return loan_draw_usd, interest_usd, principal_usd
