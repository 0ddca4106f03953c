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
from planner.engine.hpc_flows import (
    ConvertParts,
    SiteContext,
    convert_parts,
    it_mw_of,
    keep_flows,
)
from planner.engine.hpc_mining import MiningResponse as MiningResponse
from planner.engine.hpc_mining import mining_response as mining_response
from planner.engine.inputs import EngineInputs
from planner.engine.market import HOURS_PER_DAY, market_of
from planner.engine.model import Results, compute
from planner.engine.roots import brentq

RENT_SEARCH_MAX = 100_000.0  # USD per kW-month: the breakeven rent is searched below this
MULTIPLE_MIN, MULTIPLE_MAX = 1.0 / 1024.0, 1024.0


def npv_gap(plan: ConversionPlan, ctx: SiteContext, rent: float | None = None) -> float:
    """Convert NPV - keep-mining NPV for the whole site."""
    parts = convert_parts(plan, ctx, rent)
    flows = np.vstack((parts.total(), keep_flows(plan, ctx)))
    at_start = np.vstack((parts.at_start(), -ctx.mining_capex))
    npv_usd = metrics.npv(flows, ctx.discount_rate_per_year, at_start)
    return float(npv_usd[0] - npv_usd[1])


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
    def at_start(self) -> np.ndarray:
        """The part of `flows` at the start of its month (capex, the loan drawn with it)."""
        keep = -self.context.mining_capex
        convert = self.parts.at_start()
        share = self.plan.share
        return np.vstack((keep, convert, (1.0 - share) * keep + share * convert))

    @cached_property
    def npv_usd(self) -> np.ndarray:
        return metrics.npv(self.flows, self.context.discount_rate_per_year, self.at_start)

    @cached_property
    def payback(self) -> metrics.Payback:
        return metrics.payback(self.flows, self.at_start)

    @cached_property
    def irr_annual(self) -> np.ndarray:
        return metrics.irr_annual_many(
            self.flows, self.payback.status != metrics.NEVER_NEGATIVE, self.at_start
        )

    @property
    def keep_npv_usd(self) -> float:
        return float(self.npv_usd[0])

    @property
    def convert_npv_usd(self) -> float:
        return float(self.npv_usd[1])

    @property
    def partial_npv_usd(self) -> float:
        return float(self.npv_usd[2])

    @cached_property
    def convert_value_at_horizon_npv_usd(self) -> float:
        """The convert case's NPV from the data centre's value at the horizon (at the
        horizon's end)."""
        factors = metrics.discount_factors(self.context.discount_rate_per_year, self.context.months)
        return float(self.parts.terminal @ factors)

    @property
    def convert_operations_npv_usd(self) -> float:
        """The convert case's NPV from its months of operation (all but the value at the
        horizon): mining until the start, the rig sale, the build, rent, power, the loan."""
        return self.convert_npv_usd - self.convert_value_at_horizon_npv_usd

    def keep_reconciliation(self, results: Results) -> list[tuple[str, float]]:
        """From the site's NPV on the Sites tab (after its share of the company's tax) to
        keep mining's here (before tax, with the site's value as a mining site at the
        horizon): the lines sum to `keep_npv_usd`."""
        s = self.site_index
        factors = metrics.discount_factors(self.context.discount_rate_per_year, self.context.months)
        site_value_usd = self.plan.mining_site_value_usd_per_mw * self.context.capacity_mw
        return [
            ("Site NPV (Sites tab: after its share of tax)", float(results.site_kpis.npv_usd[s])),
            ("+ its share of the company's tax", float(results.sites.tax_usd[s] @ factors)),
            ("+ its value as a mining site at the horizon", float(site_value_usd * factors[-1])),
        ]

    @property
    def npv_gain_usd(self) -> float:
        """What converting the whole site adds to its NPV (negative: converting loses)."""
        return self.convert_npv_usd - self.keep_npv_usd

    @cached_property
    def peak_funding_usd(self) -> float:
        """The convert case's most negative cumulative cash at a month's end, as a positive
        amount."""
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
            "deposit_share",
            "order_idx",
            "site_idx",
            "row_bonus_share",
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
        mining_capex=sites.capex_usd[s],
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
