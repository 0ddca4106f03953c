"""How the NPV of a site's mining moves with a factor on the BTC price path, from one pass
over the site's rows (planner/engine/hpc.py solves the breakeven multiple on it).

At a site without a price profile each row-month is on or off for the whole month: its
margin is linear in the factor above its switching point. Where a price profile sets the
rows' strike (engine/hourly.py), a row-month runs in the intervals its revenue per kWh
pays for, and that set grows with the factor: the engine's own strike terms are
evaluated at each factor asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from planner.engine import metrics
from planner.engine.hourly import NO_CURVE, HourlyPower, StrikeTerms
from planner.engine.inputs import EngineInputs
from planner.engine.market import HOURS_PER_DAY
from planner.engine.rows import CHUNK_CELLS, RowVectors, full_running, row_vectors

NARROW_EVERY = 4  # halvings of a bracket between narrowings of the strike cells


@dataclass(frozen=True)
class StrikeCells:
    """The row-months of a site whose month has a price-duration curve, for the strike
    terms at any factor m on the BTC price. Arrays are rows x the horizon's months; cells
    outside the analysed months, or without a curve, weigh nothing.

    A cell's discounted margin at m is its kWh at full running while online (with uptime
    and the curtailed share) x (m x r x run share - power cost + power sales per kWh),
    r its revenue per kWh at m = 1, plus its curtailment credit in a month it runs at all
    (run share above 0), as `_strike_cells` in engine/rows.py has it. Cells set aside by
    `within` run the same intervals over a range of m: their sum is the line
    `fixed_usd + m x fixed_slope_usd` there.
    """

    hourly: HourlyPower
    site: np.ndarray  # (R,)
    revenue_usd_per_kwh: np.ndarray  # (R, H) at m = 1
    contract_usd_per_kwh: np.ndarray  # (R, H)
    kwh: np.ndarray  # (R, H) discounted kWh at full running, 0 where the cell is not counted
    credit_usd: np.ndarray  # (R, H) discounted credit of a month running
    fixed_usd: float = 0.0
    fixed_slope_usd: float = 0.0

    def _terms(self, multiple: float) -> StrikeTerms:
        return self.hourly.strike_terms(
            self.site, self.revenue_usd_per_kwh * multiple, self.contract_usd_per_kwh
        )

    def _parts(self, terms: StrikeTerms) -> tuple[np.ndarray, np.ndarray]:
        """Per cell: the slope in m (the revenue of the intervals run) and the rest."""
        slope_usd = self.kwh * self.revenue_usd_per_kwh * terms.run_share
        rest_usd = self.kwh * (terms.sales - terms.cost)
        rest_usd += np.where(terms.run_share > 0.0, self.credit_usd, 0.0)
        return slope_usd, rest_usd

    def value_and_slope_usd(self, multiple: float) -> tuple[float, float]:
        """The cells' discounted margin and credits at `multiple`, and d / d multiple
        there (the revenue of the intervals run)."""
        slope_usd, rest_usd = self._parts(self._terms(multiple))
        slope = float(slope_usd.sum()) + self.fixed_slope_usd
        return multiple * slope + float(rest_usd.sum()) + self.fixed_usd, slope

    def npv_usd(self, multiple: float) -> float:
        """The cells' discounted margin and credits at `multiple`."""
        return self.value_and_slope_usd(multiple)[0]

    def within(self, low: float, high: float) -> StrikeCells:
        """The same sum for multiples from `low` to `high`, the cells that run the same
        intervals at both ends (so at every multiple between: the intervals run only grow
        with m) summed into the line, and only the rows with others kept."""
        at_low = self._terms(low)
        same = at_low.run_share == self._terms(high).run_share
        slope_usd, rest_usd = self._parts(at_low)
        counted = (self.kwh != 0.0) | (self.credit_usd != 0.0)
        keep = (~same & counted).any(axis=1)
        fixed = same | ~keep[:, None]
        return StrikeCells(
            hourly=self.hourly,
            site=self.site[keep],
            revenue_usd_per_kwh=self.revenue_usd_per_kwh[keep],
            contract_usd_per_kwh=self.contract_usd_per_kwh[keep],
            kwh=np.where(fixed, 0.0, self.kwh)[keep],
            credit_usd=np.where(fixed, 0.0, self.credit_usd)[keep],
            fixed_usd=self.fixed_usd + float(rest_usd[fixed].sum()),
            fixed_slope_usd=self.fixed_slope_usd + float(slope_usd[fixed].sum()),
        )


@dataclass(frozen=True)
class MiningResponse:
    """How the NPV of a site's mining from one month on moves with a factor m on the BTC
    price path, from one pass over the site's rows instead of an engine run per m.

    Only revenue moves with the price. Each row-month's EBITDA is its fixed part
    (maintenance) plus (m x revenue - power) at its availability, and its curtailment
    credit while it runs, revenue and power being those of the row running that month;
    under the automatic shutdown it runs only when m x revenue covers power, so it adds
    (m x revenue - power + credit) from m = power / revenue on, and nothing below: the NPV
    is a piecewise linear, non-decreasing function of m (convex without credits; each
    credit is a step up where its cell switches on). In a month with a price-duration
    curve (`strike`) the row runs in the intervals cheaper than m x its revenue per kWh:
    its margin is a sum of max(0, m x r - price) over them, piecewise linear, convex and
    non-decreasing too. Capex, resale and the site's own items do not move. Amounts are
    discounted to the start of the horizon; the cells that run at every multiple are
    summed, the others kept.
    """

    always_revenue_usd: float  # discounted revenue of the cells that run at any multiple
    always_power_usd: float
    revenue_usd: np.ndarray  # each switching cell's discounted revenue, power and credit
    power_usd: np.ndarray
    credit_usd: np.ndarray
    strike: StrikeCells | None = None  # the cells running on a strike price

    def npv_usd(self, multiple: float) -> float:
        """Discounted mining margin (revenue x multiple - power + credit of the cells
        running)."""
        margin = multiple * self.revenue_usd - self.power_usd
        switching = np.where(margin >= 0.0, margin + self.credit_usd, 0.0).sum()
        npv_usd = multiple * self.always_revenue_usd - self.always_power_usd + float(switching)
        if self.strike is not None:
            npv_usd += self.strike.npv_usd(multiple)
        return npv_usd

    def npv_usd_many(self, multiples: np.ndarray) -> np.ndarray:
        """`npv_usd` at each multiple."""
        return np.array([self.npv_usd(float(m)) for m in np.asarray(multiples, dtype=float)])

    def slope_usd(self, multiple: float) -> float:
        """d npv / d multiple just above `multiple`: the revenue of the cells running."""
        return self._value_and_slope_usd(multiple)[1]

    def _value_and_slope_usd(self, multiple: float) -> tuple[float, float]:
        """`npv_usd` and `slope_usd` at `multiple`, the strike terms worked out once."""
        margin = multiple * self.revenue_usd - self.power_usd
        switching = np.where(margin >= 0.0, margin + self.credit_usd, 0.0).sum()
        npv_usd = multiple * self.always_revenue_usd - self.always_power_usd + float(switching)
        running = multiple * self.revenue_usd >= self.power_usd
        slope_usd = self.always_revenue_usd + float(self.revenue_usd[running].sum())
        if self.strike is not None:
            value_usd, strike_slope_usd = self.strike.value_and_slope_usd(multiple)
            npv_usd += value_usd
            slope_usd += strike_slope_usd
        return npv_usd, slope_usd

    def root(self, offset_usd: float, above: float) -> float:
        """The multiple at which offset + npv_usd(m) crosses zero, from `above`, where the
        sum is positive. Newton's method: each step lands on the root of the current
        piece's line; without credits the function is convex, the steps stay at or above
        the root and end exactly on it. A credit's step up can make a step land below
        the crossing: the crossing then lies between that point and the one before, found
        by bisection (the function is non-decreasing). NaN when the sum stays positive
        (flat) below `above`."""
        m = above
        npv_usd, slope = self._value_and_slope_usd(m)
        for _ in range(200):
            value = offset_usd + npv_usd
            if value <= 0.0:
                return m
            if slope <= 0.0:
                return math.nan
            step = value / slope
            if step <= 1e-15 * m:
                return m - step
            below = m - step
            npv_below_usd, slope_below = self._value_and_slope_usd(below)
            if offset_usd + npv_below_usd < 0.0:
                return self._bisect(offset_usd, below, m)
            m, npv_usd, slope = below, npv_below_usd, slope_below
        return m

    def _bisect(self, offset_usd: float, low: float, high: float) -> float:
        """The crossing between `low` (sum < 0) and `high` (sum > 0), to 1e-15 of it.
        Every few halvings the strike cells that run the same intervals across the
        bracket are summed into a line (`StrikeCells.within`): fewer are worked out."""
        response = self
        halvings = 0
        while high - low > 1e-15 * high:
            if response.strike is not None and halvings % NARROW_EVERY == 0:
                response = replace(response, strike=response.strike.within(low, high))
            halvings += 1
            middle = 0.5 * (low + high)
            if middle in (low, high):
                break
            if offset_usd + response.npv_usd(middle) < 0.0:
                low = middle
            else:
                high = middle
        return high


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
    credit_cells_usd: list[np.ndarray] = []
    hours = HOURS_PER_DAY * inputs.timeline.days
    hourly = inputs.hourly
    strike_parts: list[StrikeCells] = []
    rows = rv.order.size
    chunk = max(8, CHUNK_CELLS // max(months, 1))
    for a in range(0, rows, chunk):
        c = slice(a, min(a + chunk, rows))
        online, _btc, revenue_full_usd, power_full_usd = full_running(
            rv, c, btc_per_th_table, inputs.btc_price_usd
        )
        weight = online[:, start_index:] * rv.availability_factor[c, None] * discount[None, :]
        if hourly is not None:
            # Months with a curve run on the strike; the others as without a profile,
            # less the share of the month off for 4CP.
            site = rv.site[c]
            strike = hourly.block[site] != NO_CURVE
            if strike.any():
                strike_parts.append(
                    _strike_cells(inputs, hourly, rv, c, revenue_full_usd, start_index)
                )
            weight = (
                weight * np.where(strike, 0.0, 1.0 - hourly.fourcp_off_share[site])[:, start_index:]
            )
        revenue_usd = revenue_full_usd[:, start_index:] * weight  # discounted
        power_usd = power_full_usd[:, start_index:] * weight
        if not inputs.auto_shutdown:
            # Every online cell runs at any multiple: its credit does not move with m.
            always_revenue_usd += float(revenue_usd.sum())
            always_power_usd += float(power_usd.sum())
            continue
        # Cells with no revenue either never run (power to pay) or always run (none):
        # either way their credit does not move with m.
        earning = revenue_usd > 0.0
        credit_usd = (
            rv.credit_usd_per_hour[c, None]
            * hours[None, start_index:]
            * online[:, start_index:]
            * discount[None, :]
        )
        revenue_cells_usd.append(revenue_usd[earning])
        power_cells_usd.append(power_usd[earning])
        credit_cells_usd.append(credit_usd[earning])
    empty = np.zeros(0)
    return MiningResponse(
        always_revenue_usd=always_revenue_usd,
        always_power_usd=always_power_usd,
        revenue_usd=np.concatenate(revenue_cells_usd) if revenue_cells_usd else empty,
        power_usd=np.concatenate(power_cells_usd) if power_cells_usd else empty,
        credit_usd=np.concatenate(credit_cells_usd) if credit_cells_usd else empty,
        strike=_joined(strike_parts),
    )


def _strike_cells(
    inputs: EngineInputs,
    hourly: HourlyPower,
    rv: RowVectors,
    c: slice,
    revenue_full_usd: np.ndarray,
    start_index: int,
) -> StrikeCells:
    """The rows `c` of `rv` in their months with a curve, from `start_index` on."""
    months = inputs.months
    hours = HOURS_PER_DAY * inputs.timeline.days
    site = rv.site[c]
    t = np.arange(months)
    online = (t[None, :] >= rv.online_idx[c, None]) & (t[None, :] < rv.retire_idx[c, None])
    counted = online & (hourly.block[site] != NO_CURVE) & (t[None, :] >= start_index)
    discount = metrics.discount_factors(inputs.discount_rate_per_year, months)
    full_kwh = rv.load_kw[c, None] * hours[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        revenue_usd_per_kwh = np.nan_to_num(revenue_full_usd / full_kwh)
    weight = np.where(counted, discount[None, :], 0.0)
    return StrikeCells(
        hourly=hourly,
        site=site,
        revenue_usd_per_kwh=revenue_usd_per_kwh,
        contract_usd_per_kwh=inputs.contract_price_usd_per_kwh[rv.contract[c]],
        kwh=full_kwh * rv.availability_factor[c, None] * weight,
        credit_usd=rv.credit_usd_per_hour[c, None] * hours[None, :] * weight,
    )


def _joined(parts: list[StrikeCells]) -> StrikeCells | None:
    """One set of strike cells from a chunk's each (rows stacked)."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return StrikeCells(
        hourly=parts[0].hourly,
        site=np.concatenate([p.site for p in parts]),
        revenue_usd_per_kwh=np.vstack([p.revenue_usd_per_kwh for p in parts]),
        contract_usd_per_kwh=np.vstack([p.contract_usd_per_kwh for p in parts]),
        kwh=np.vstack([p.kwh for p in parts]),
        credit_usd=np.vstack([p.credit_usd for p in parts]),
    )
