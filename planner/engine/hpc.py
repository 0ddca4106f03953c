"""AI/HPC conversion of a site: keep mining, convert, or convert a share.

For each site with an enabled ConversionPlan, three monthly cash-flow streams over the
same horizon, before tax (the fleet's tax depends on every site, so the options are
compared on the site's cash flows before it, as project finance compares them):

- keep mining: the site's EBITDA - capex + resale from the engine, plus the site's value
  as a powered mining site (USD per MW of capacity) at the end of the horizon;
- convert (the whole site): the same until the conversion start month; then the rigs
  are sold, the build capex is spent evenly over the construction months, rent runs
  from the end of construction for the lease term (ramping up linearly, escalating each
  lease year), NOI is kept, the landlord pays power and demand charges unless power is
  passed through, an optional loan is drawn with the capex (interest only during
  construction, then level monthly payments; the balance is repaid at the horizon), and
  the last month adds the data centre's value: a year of stabilized NOI over the cap
  rate, less any build capex still to spend;
- partial: (1 - share) x keep mining + share x convert.

docs/model-notes.md records each convention.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from planner.domain.months import months_between
from planner.domain.project import ConversionPlan, Project
from planner.engine import metrics
from planner.engine.inputs import EngineInputs
from planner.engine.market import HOURS_PER_DAY, market_of
from planner.engine.model import Results, compute
from planner.engine.roots import brentq
from planner.engine.rows import CHUNK_CELLS, full_running, row_vectors

RENT_SEARCH_MAX = 100_000.0  # USD per kW-month: the breakeven rent is searched below this
MULTIPLE_MIN, MULTIPLE_MAX = 1.0 / 1024.0, 1024.0


@dataclass(frozen=True)
class ConvertParts:
    """The convert case's monthly components in USD, for the whole site converted."""

    mining: np.ndarray  # the site's mining cash flow, before the start month only
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

    mining_usd = np.where(np.arange(months) < start, ctx.mining, 0.0)
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


def npv_gap(plan: ConversionPlan, ctx: SiteContext, rent: float | None = None) -> float:
    """Convert NPV - keep-mining NPV for the whole site."""
    flows = np.vstack((convert_parts(plan, ctx, rent).total(), keep_flows(plan, ctx)))
    npv_usd = metrics.npv(flows, ctx.discount_rate_per_year)
    return float(npv_usd[0] - npv_usd[1])


@dataclass(frozen=True)
class MiningResponse:
    """How the NPV of a site's mining from one month on moves with a factor m on the BTC
    price path, from one pass over the site's rows instead of an engine run per m.

    Only revenue moves with the price. Each row-month's EBITDA is its fixed part (credits,
    maintenance) plus (m x revenue - power) at its availability, revenue and power being
    those of the row running that month; under the automatic shutdown it runs only when
    m x revenue covers power, so it adds max(0, m x revenue - power): the NPV is a convex,
    piecewise linear, non-decreasing function of m. Capex, resale and the site's own items
    do not move. Amounts are discounted to the start of the horizon; the cells that run at
    every multiple are summed, the others (switching on at m = power / revenue) kept.
    """

    always_revenue_usd: float  # discounted revenue of the cells that run at any multiple
    always_power_usd: float
    revenue_usd: np.ndarray  # each switching cell's discounted revenue (and power)
    power_usd: np.ndarray

    def npv_usd(self, multiple: float) -> float:
        """Discounted mining margin (revenue x multiple - power of the cells running)."""
        switching = np.maximum(multiple * self.revenue_usd - self.power_usd, 0.0).sum()
        return multiple * self.always_revenue_usd - self.always_power_usd + float(switching)

    def npv_usd_many(self, multiples: np.ndarray) -> np.ndarray:
        """`npv_usd` at each multiple."""
        return np.array([self.npv_usd(float(m)) for m in np.asarray(multiples, dtype=float)])

    def slope_usd(self, multiple: float) -> float:
        """d npv / d multiple just above `multiple`: the revenue of the cells running."""
        running = multiple * self.revenue_usd >= self.power_usd
        return self.always_revenue_usd + float(self.revenue_usd[running].sum())

    def root(self, offset_usd: float, above: float) -> float:
        """The multiple at which offset + npv_usd(m) = 0, by Newton's method from `above`,
        where the sum is positive: on a convex, non-decreasing piecewise linear function
        each step lands on the root of the current piece's line, at or above the root, so
        the steps fall monotonically and end exactly on the root's piece. NaN when the sum
        stays positive (flat) below `above`."""
        m = above
        for _ in range(200):
            value = offset_usd + self.npv_usd(m)
            if value <= 0.0:
                return m
            slope = self.slope_usd(m)
            if slope <= 0.0:
                return math.nan
            step = value / slope
            if step <= 1e-15 * m:
                return m - step
            m -= step
        return m


def mining_response(
    inputs: EngineInputs, site_index: int, start_index: int, btc_per_th_month: np.ndarray
) -> MiningResponse:
    """The site's `MiningResponse` for its mining from `start_index` to the horizon;
    `btc_per_th_month` is the market's BTC per TH at full availability after pool fee."""
    months = inputs.months
    rv = row_vectors(inputs, np.flatnonzero(inputs.site_idx == site_index))
    btc_per_th_table = rv.degradation_table * btc_per_th_month[None, :]
    discount = metrics.discount_factors(inputs.discount_rate_per_year, months)[start_index:]
    always_revenue_usd = always_power_usd = 0.0
    revenue_cells_usd: list[np.ndarray] = []
    power_cells_usd: list[np.ndarray] = []
    rows = rv.order.size
    chunk = max(8, CHUNK_CELLS // max(months, 1))
    for a in range(0, rows, chunk):
        c = slice(a, min(a + chunk, rows))
        online, _btc, revenue_full_usd, power_full_usd = full_running(
            rv, c, btc_per_th_table, inputs.btc_price_usd
        )
        weight = online[:, start_index:] * rv.availability_factor[c, None] * discount[None, :]
        revenue_usd = revenue_full_usd[:, start_index:] * weight  # discounted
        power_usd = power_full_usd[:, start_index:] * weight
        if not inputs.auto_shutdown:
            always_revenue_usd += float(revenue_usd.sum())
            always_power_usd += float(power_usd.sum())
            continue
        # Cells with no revenue never run under the shutdown (and lose nothing).
        earning = revenue_usd > 0.0
        revenue_cells_usd.append(revenue_usd[earning])
        power_cells_usd.append(power_usd[earning])
    empty = np.zeros(0)
    return MiningResponse(
        always_revenue_usd=always_revenue_usd,
        always_power_usd=always_power_usd,
        revenue_usd=np.concatenate(revenue_cells_usd) if revenue_cells_usd else empty,
        power_usd=np.concatenate(power_cells_usd) if power_cells_usd else empty,
    )


@dataclass(frozen=True)
class SiteConversion:
    """One site's options side by side, and the answers about them."""

    site: str
    site_index: int
    plan: ConversionPlan
    context: SiteContext
    keep: np.ndarray
    parts: ConvertParts
    breakeven_btc_price_multiple: float = math.nan  # NaN: not solved or none in range
    response: MiningResponse | None = None  # the site's mining against the BTC price

    @property
    def start_index(self) -> int:
        return self.context.start_index

    @property
    def lease_start_index(self) -> int:
        return self.context.start_index + self.plan.construction_months

    @property
    def it_mw(self) -> float:
        return it_mw_of(self.plan, self.context.capacity_mw)

    @cached_property
    def convert(self) -> np.ndarray:
        return self.parts.total()

    @cached_property
    def partial(self) -> np.ndarray:
        share = self.plan.share
        return (1.0 - share) * self.keep + share * self.convert

    @cached_property
    def flows(self) -> np.ndarray:
        """Keep, convert and partial as a 3 x H array."""
        return np.vstack((self.keep, self.convert, self.partial))

    @cached_property
    def npv_usd(self) -> np.ndarray:
        return metrics.npv(self.flows, self.context.discount_rate_per_year)

    @cached_property
    def payback(self) -> metrics.Payback:
        return metrics.payback(self.flows)

    @cached_property
    def irr_annual(self) -> np.ndarray:
        return metrics.irr_annual_many(self.flows, self.payback.status != metrics.NEVER_NEGATIVE)

    @property
    def keep_npv_usd(self) -> float:
        return float(self.npv_usd[0])

    @property
    def convert_npv_usd(self) -> float:
        return float(self.npv_usd[1])

    @property
    def partial_npv_usd(self) -> float:
        return float(self.npv_usd[2])

    @property
    def npv_gain_usd(self) -> float:
        """What converting the whole site adds to its NPV (negative: converting loses)."""
        return self.convert_npv_usd - self.keep_npv_usd

    @cached_property
    def peak_funding_usd(self) -> float:
        """The convert case's most negative cumulative cash, as a positive amount."""
        return float(max(0.0, -float(np.cumsum(self.convert).min())))

    @cached_property
    def crossover_month(self) -> int:
        """First month, from the start month on, in which the convert case's cumulative
        cash is back at or above keep mining's after falling below it; -1: never."""
        gap = np.cumsum(self.convert) - np.cumsum(self.keep)
        below = np.flatnonzero(gap[self.start_index :] < 0)
        if below.size == 0:
            return -1
        first_below = self.start_index + int(below[0])
        back = np.flatnonzero(gap[first_below:] >= 0)
        return first_below + int(back[0]) if back.size else -1

    @cached_property
    def breakeven_rent_usd_per_kw_month(self) -> float:
        """The rent at which converting the whole site matches keep mining's NPV; NaN when
        no rent from 0 to 100,000 USD per kW-month does. Solved by brentq to 1e-7."""
        gap_at_zero_usd = npv_gap(self.plan, self.context, 0.0)
        gap_at_max_usd = npv_gap(self.plan, self.context, RENT_SEARCH_MAX)
        if gap_at_zero_usd == 0.0:
            return 0.0
        if gap_at_zero_usd > 0 or gap_at_max_usd < 0:
            return math.nan
        return float(
            brentq(
                lambda rent: npv_gap(self.plan, self.context, rent),
                0.0,
                RENT_SEARCH_MAX,
                xtol=1e-9,
                rtol=1e-14,
                maxiter=200,
            )
        )

    def npv_gap_at_rents(self, rents: np.ndarray) -> np.ndarray:
        """Convert - keep NPV at each rent (USD per kW-month)."""
        return np.array([npv_gap(self.plan, self.context, float(r)) for r in rents])

    def npv_gain_at_multiples(self, multiples: np.ndarray) -> np.ndarray:
        """Convert - keep NPV (whole site) with the BTC price path scaled by each multiple;
        needs the analysis built with `solve_btc_multiple`."""
        if self.response is None:
            raise ValueError("the analysis was built without the BTC price response")
        at_one = npv_gap(self.plan, self.context)
        return at_one - (self.response.npv_usd_many(multiples) - self.response.npv_usd(1.0))


# ------------------------------------------------------------------ building the analysis


def site_mining_flows(inputs: EngineInputs, site_index: int, multiple: float = 1.0) -> np.ndarray:
    """The site's mining cash flow before tax (EBITDA - capex + resale), with the BTC
    price path scaled by `multiple`; computed on the site's rows only."""
    mask = inputs.site_idx == site_index
    rows: dict[str, object] = {
        name: getattr(inputs, name)[mask]
        for name in (
            "count",
            "hashrate_th",
            "power_w",
            "unit_price_usd",
            "purchase_idx",
            "online_idx",
            "retire_idx",
            "resale_usd_per_unit",
            "terminal_value_usd_per_unit",
            "degradation_per_year",
            "site_idx",
        )
    }
    for name in ("row_names", "row_models", "row_sites"):
        rows[name] = tuple(v for v, keep in zip(getattr(inputs, name), mask, strict=True) if keep)
    subset = replace(inputs, btc_price_usd=inputs.btc_price_usd * multiple, **rows)  # type: ignore[arg-type]
    sites = compute(subset).sites
    return sites.ebitda_usd[site_index] - sites.capex_usd[site_index] + sites.resale_usd[site_index]


def _rig_sale_usd(inputs: EngineInputs, site_index: int, plan: ConversionPlan, start: int) -> float:
    owned = (
        (inputs.site_idx == site_index)
        & (inputs.purchase_idx < start)
        & (inputs.retire_idx >= start)
    )
    if plan.rig_resale_usd_per_th is not None:
        per_rig_usd = plan.rig_resale_usd_per_th * inputs.hashrate_th
    else:
        per_rig_usd = inputs.resale_usd_per_unit
    return float((inputs.count * per_rig_usd)[owned].sum())


@dataclass(frozen=True)
class ConversionAnalysis:
    """Every enabled plan's site, ranked by the NPV that converting adds."""

    sites: tuple[SiteConversion, ...]
    skipped: tuple[str, ...]  # plans not analysed, and why

    def ranked(self) -> list[SiteConversion]:
        return sorted(self.sites, key=lambda s: s.npv_gain_usd, reverse=True)


def analyse_conversions(
    project: Project, results: Results, solve_btc_multiple: bool = True
) -> ConversionAnalysis:
    """The conversion analysis of every enabled plan under the results' scenario."""
    inputs = results.inputs
    months = inputs.months
    hours = HOURS_PER_DAY * inputs.timeline.days
    site_pos = {name: i for i, name in enumerate(inputs.site_names)}
    found: list[SiteConversion] = []
    skipped: list[str] = []
    for plan in project.conversions:
        if not plan.enabled:
            continue
        s = site_pos.get(plan.site)
        if s is None:
            skipped.append(f"{plan.site}: unknown site")
            continue
        start = months_between(inputs.start_month, plan.start_month)
        if start >= months:
            skipped.append(
                f"{plan.site}: the conversion starts {plan.start_month:%Y-%m}, after the horizon"
            )
            continue
        ctx = _site_context(results, s, plan, max(start, 0), hours)
        found.append(_site_conversion(results, s, plan, ctx, solve_btc_multiple))
    return ConversionAnalysis(sites=tuple(found), skipped=tuple(skipped))


def _site_context(
    results: Results, site_index: int, plan: ConversionPlan, start: int, hours: np.ndarray
) -> SiteContext:
    """The site under the results' scenario, for a plan starting at month index `start`."""
    inputs = results.inputs
    sites = results.sites
    s = site_index
    mining_usd = sites.ebitda_usd[s] - sites.capex_usd[s] + sites.resale_usd[s]
    contract = int(inputs.site_contract_idx[s])
    return SiteContext(
        months=inputs.months,
        start_index=start,
        hours=hours,
        price_usd_per_kwh=inputs.contract_price_usd_per_kwh[contract],
        demand_usd_per_month=float(inputs.site_demand_charge_usd_per_month[s]),
        capacity_mw=float(inputs.site_capacity_mw[s]),
        mining=mining_usd,
        rig_sale_usd=_rig_sale_usd(inputs, s, plan, start),
        discount_rate_per_year=inputs.discount_rate_per_year,
    )


def _site_conversion(
    results: Results,
    site_index: int,
    plan: ConversionPlan,
    ctx: SiteContext,
    solve_btc_multiple: bool,
) -> SiteConversion:
    """The plan's options side by side, with the breakeven BTC price multiple when asked."""
    response = (
        mining_response(
            results.inputs, site_index, ctx.start_index, results.market.btc_per_th_month
        )
        if solve_btc_multiple
        else None
    )
    multiple = (
        breakeven_multiple_of(response, -npv_gap(plan, ctx)) if response is not None else math.nan
    )
    return SiteConversion(
        site=plan.site,
        site_index=site_index,
        plan=plan,
        context=ctx,
        keep=keep_flows(plan, ctx),
        parts=convert_parts(plan, ctx),
        breakeven_btc_price_multiple=multiple,
        response=response,
    )


def npv_gap_at_multiple(
    plan: ConversionPlan, ctx: SiteContext, inputs: EngineInputs, site_index: int, multiple: float
) -> float:
    """Keep-mining NPV - convert NPV with the BTC price path scaled by `multiple`, by a
    whole engine run on the site's rows (the reference the fast path is tested against)."""
    mining_usd = site_mining_flows(inputs, site_index, multiple)
    return -npv_gap(plan, replace(ctx, mining=mining_usd))


def breakeven_multiple_of(response: MiningResponse, gap_at_one_usd: float) -> float:
    """The factor on the BTC price path at which keep mining's NPV equals the whole site
    converted, from the gap (keep - convert) at today's path and the site's response;
    NaN when none lies between 1/1024 and 1024."""
    if gap_at_one_usd == 0.0:
        return 1.0
    # gap(m) = offset + response(m): only the mining from the start month on moves.
    offset_usd = gap_at_one_usd - response.npv_usd(1.0)
    # Keep mining gains on converting as the price rises (the gap never falls with m).
    if gap_at_one_usd < 0:
        if offset_usd + response.npv_usd(MULTIPLE_MAX) <= 0:
            return math.nan
        return response.root(offset_usd, above=MULTIPLE_MAX)
    if offset_usd + response.npv_usd(MULTIPLE_MIN) > 0:
        return math.nan
    return response.root(offset_usd, above=1.0)


def solve_breakeven_multiple(gap: Callable[[float], float]) -> float:
    """The multiple where `gap` (keep - convert NPV, non-decreasing in the multiple)
    crosses zero, by bracketing from 1 in factors of 2 and brentq; NaN when none lies
    between 1/1024 and 1024. The slow path: each evaluation may be an engine run."""
    at_one = gap(1.0)
    if at_one == 0.0:
        return 1.0
    # Keep mining gains on converting as the price rises: look down when it already wins.
    step = 0.5 if at_one > 0 else 2.0
    low, high = 1.0, 1.0
    value = at_one
    while (value > 0) == (at_one > 0):
        nxt = (low if step < 1 else high) * step
        if not MULTIPLE_MIN <= nxt <= MULTIPLE_MAX:
            return math.nan
        value = gap(nxt)
        if step < 1:
            high, low = low, nxt
        else:
            low, high = high, nxt
    return float(brentq(gap, low, high, xtol=1e-12, rtol=1e-10, maxiter=200))


def breakeven_btc_price_multiple(
    plan: ConversionPlan, ctx: SiteContext, inputs: EngineInputs, site_index: int
) -> float:
    """The factor on the scenario's BTC price path at which keep mining's NPV equals the
    whole site converted; NaN when none lies between 1/1024 and 1024."""
    btc_per_th = market_of(inputs).btc_per_th_month
    response = mining_response(inputs, site_index, ctx.start_index, btc_per_th)
    return breakeven_multiple_of(response, -npv_gap(plan, ctx))
