"""Monte Carlo: how wrong can we be about the price, the network and fees.

Paths (monthly, seeded, reproducible):
- BTC price: P_t = P_det_t x exp(sigma W_t), W a Brownian motion in years. The scenario's
  deterministic path is the median of every month (the drift convention: mu = g - sigma^2
  / 2 in log terms, so that the planner's path stays the central case).
- Network hashrate: N_t = N_det_t x (P_{t-lag} / P_det_{t-lag})^elasticity x
  exp(sigma_n V_t): miners follow the price with a lag, plus the network's own noise V.
- Fees: the scenario's BTC per block x exp(sigma_f Z_t - sigma_f^2 / 2), independent each
  month (mean kept).
- Blocks: each path's block times follow its own hashrate as the engine's do (engine/
  network.py: difficulty lags hashrate by an epoch, from the same month before the start),
  so its blocks per month, its subsidy and its halving month are its own.

Fleet cash flow on each path uses the engine's own rows: in month t a row runs when the
month's BTC per TH x price, X_t, reaches its breakeven k_rt (its power cost over its TH),
so the rows' EBITDA is X_t x (TH of the rows running) - (their power cost). Rows sorted by
k_rt make each month a binary search per path. Capex, resale, depreciation and site costs
do not depend on the path; the fleet's tax as filed (fiscal years, losses carried) is run
per path. The fleet's BTC mined and revenue on a path move the same way (what the rows
running at the path's x mine); its hashprice is market.py's on the path's blocks.
Where a site's price profile sets its rows' strike, a row-month runs on every path in the
intervals it runs in on the scenario's path, at their net power cost (montecarlo_fleet.py
`scenario_strikes`): a first-order approximation, since the intervals a row pays for move
with the path's revenue per kWh.
With a treasury (run_monte_carlo's `treasury`), the company's cash and BTC held run on
every path too: montecarlo_treasury.py.
With zero volatility and noise the paths reproduce the engine (and the treasury the
scenario's, to the cent).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from planner.engine import metrics
from planner.engine.fiscal import FiscalCalendar
from planner.engine.inputs import EngineInputs
from planner.engine.model import TH_PER_EH, Results, Series
from planner.engine.montecarlo_fleet import (
    RowTable,
    fleet_btc_mined,
    fleet_ebitda,
    row_arrays,
    row_table,
)
from planner.engine.montecarlo_treasury import TreasuryMonteCarlo, treasury_on_paths
from planner.engine.network import block_times_s
from planner.engine.swaps import halving_month_index
from planner.engine.tax import paid_tax
from planner.engine.timeline import SECONDS_PER_DAY, next_halving_height, subsidy_issued
from planner.engine.treasury import TreasuryMarket, TreasuryPlan

# Defaults derived from resources/btc_monthly_history.csv (month-end BTC close and
# difficulty in force, 2016-01 to 2026-05) by history.derive_history_defaults, and kept
# here so that a run does not read a file; a test holds them to the derivation. The
# network's own noise and the fee noise are assumptions (the history's residual, 0.31 a
# year, is mostly the two-week difficulty sawtooth): overwrite them.
DEFAULT_PRICE_VOLATILITY = 0.68
DEFAULT_NETWORK_ELASTICITY = 0.14
DEFAULT_NETWORK_LAG_MONTHS = 2
DEFAULT_NETWORK_NOISE = 0.10
DEFAULT_FEE_NOISE = 0.30
PERCENTILES = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class MonteCarloSettings:
    paths: int = 10_000
    seed: int = 2028
    price_volatility: float = DEFAULT_PRICE_VOLATILITY  # annual, of log price
    network_elasticity: float = DEFAULT_NETWORK_ELASTICITY
    network_lag_months: int = DEFAULT_NETWORK_LAG_MONTHS
    network_noise: float = DEFAULT_NETWORK_NOISE  # annual, of log hashrate
    fee_noise: float = DEFAULT_FEE_NOISE  # monthly, of log fees

    def __post_init__(self) -> None:
        if self.paths < 1:
            raise ValueError(f"paths must be at least 1, got {self.paths}")
        for name in ("price_volatility", "network_noise", "fee_noise"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.network_lag_months < 0:
            raise ValueError(f"network_lag_months must be >= 0, got {self.network_lag_months}")


@dataclass(frozen=True)
class MonteCarloResult:
    settings: MonteCarloSettings
    fleet_fcf_usd: np.ndarray  # (paths, H)
    npv_usd: np.ndarray  # (paths,)
    cumulative_percentiles_usd: np.ndarray  # (5, H): P5, P25, P50, P75, P95 of cumulative FCF
    npv_percentiles_usd: np.ndarray  # (5,)
    p_payback_before_halving: float
    p_payback_within_horizon: float
    halving_month: float
    btc_price_percentiles_usd: np.ndarray  # (5, H)
    treasury: TreasuryMonteCarlo | None = None  # when run with the project's treasury


Progress = Callable[[float], None]


def simulate_markets(
    inputs: EngineInputs, settings: MonteCarloSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Price (USD), network (EH/s) and fees (BTC per block) per path and month."""
    rng = np.random.default_rng(settings.seed)
    n, months = settings.paths, inputs.months
    dt = 1.0 / 12.0
    shocks = rng.standard_normal((n, months))
    noise = rng.standard_normal((n, months))
    fee_shocks = rng.standard_normal((n, months))
    log_price = settings.price_volatility * math.sqrt(dt) * np.cumsum(shocks, axis=1)
    price = inputs.btc_price_usd[None, :] * np.exp(log_price)
    lag = settings.network_lag_months
    lagged = np.zeros_like(log_price)
    if lag < months:
        lagged[:, lag:] = log_price[:, : months - lag]
    own = settings.network_noise * math.sqrt(dt) * np.cumsum(noise, axis=1)
    network = inputs.network_hashrate_ehs[None, :] * np.exp(
        settings.network_elasticity * lagged + own
    )
    sigma_f = settings.fee_noise
    fees = inputs.fees_btc_per_block * np.exp(sigma_f * fee_shocks - sigma_f**2 / 2)
    return price, network, fees


def run_monte_carlo(
    results: Results,
    settings: MonteCarloSettings,
    progress: Progress | None = None,
    treasury: TreasuryPlan | None = None,
) -> MonteCarloResult:
    """Fleet cash flow on every path, from the deterministic results' rows and costs; with
    `treasury` (treasury.treasury_plan of the project), the treasury on every path too
    (montecarlo_treasury.py)."""
    step = progress or (lambda _f: None)
    inputs = results.inputs
    table = row_table(inputs)
    step(0.1)
    price, network, fees = simulate_markets(inputs, settings)
    step(0.3)
    paths = _path_market(inputs, price, network, fees)
    x, halving_by_path = paths.usd_per_th_month, paths.halving_months
    step(0.6 if treasury is None else 0.4)
    fleet = results.fleet
    ebitda = fleet_ebitda(results, x, table)
    tax = paid_tax(inputs, ebitda + _non_cash_usd(fleet)).paid_usd
    fcf = ebitda - fleet.capex_usd[0][None, :] + fleet.resale_usd[0][None, :] - tax
    treasury_mc = None
    if treasury is not None:
        market = _treasury_market(results, table, paths, price, (ebitda, tax, fcf))
        treasury_mc = treasury_on_paths(
            treasury, market, inputs, halving_by_path, lambda f: step(0.45 + 0.45 * f)
        )
    step(0.9)
    at_start = _capex_on_paths(fleet.capex_usd, fcf.shape[0])  # capex at its month's start
    npv = metrics.npv(fcf, inputs.discount_rate_per_year, at_start)
    cumulative = np.cumsum(fcf, axis=1)
    payback = metrics.payback(fcf, at_start)
    halving = halving_month_index(results)
    paid = payback.status == metrics.PAID_BACK
    immediate = payback.status == metrics.NEVER_NEGATIVE
    within = paid | immediate
    before = immediate | (paid & (payback.at_month <= halving_by_path))
    step(1.0)
    return MonteCarloResult(
        settings=settings,
        fleet_fcf_usd=fcf,
        npv_usd=npv,
        cumulative_percentiles_usd=np.percentile(cumulative, PERCENTILES, axis=0),
        npv_percentiles_usd=np.percentile(npv, PERCENTILES),
        p_payback_before_halving=float(before.mean()),
        p_payback_within_horizon=float(within.mean()),
        halving_month=halving,
        btc_price_percentiles_usd=np.percentile(price, PERCENTILES, axis=0),
        treasury=treasury_mc,
    )


def _treasury_market(
    results: Results,
    table: RowTable,
    paths: _PathMarket,
    price_usd: np.ndarray,
    fleet_usd: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> TreasuryMarket:
    """What the treasury takes of each path: its price, hashprice, the fleet's BTC mined
    and revenue, and `fleet_usd` = its EBITDA, tax paid and free cash flow."""
    ebitda, tax, fcf = fleet_usd
    mined, revenue = fleet_btc_mined(results, table, paths.btc_per_th_month, price_usd)
    return TreasuryMarket(
        btc_price_usd=price_usd,
        hashprice_usd_per_ph_day=paths.hashprice_usd_per_ph_day,
        btc_mined=mined,
        revenue_usd=revenue,
        free_cash_flow_usd=fcf,
        tax_usd=tax,
        ebitda_usd=ebitda,
        taxable_income_usd=ebitda + _non_cash_usd(results.fleet),
    )


ROW_PATHS = 500  # paths of the per-row probabilities (a run of its own, same seed)
ROW_CHUNK = 4  # rows a pass over paths works on: (4, paths, months) arrays stay near the cache


@dataclass(frozen=True)
class _PathMarket:
    """What a TH/s mines and earns on each path (P, H), its hashprice, and each path's
    next halving as a fractional month (inf: after the horizon)."""

    btc_per_th_month: np.ndarray  # at full availability, after pool fee
    usd_per_th_month: np.ndarray
    hashprice_usd_per_ph_day: np.ndarray
    halving_months: np.ndarray  # (P,)


def _path_market(
    inputs: EngineInputs, price: np.ndarray, network: np.ndarray, fees: np.ndarray
) -> _PathMarket:
    """Each path's market as market.py's: blocks come at each path's own block times
    (engine/network.py)."""
    month_seconds = inputs.timeline.days * SECONDS_PER_DAY
    block_times, _implied = block_times_s(
        network,
        inputs.network_before_start_ehs,
        inputs.block_time_s,
        month_seconds,
        inputs.start_difficulty_t,
    )
    blocks = month_seconds / block_times
    height_start = inputs.start_height + np.concatenate(
        (np.zeros((blocks.shape[0], 1)), np.cumsum(blocks[:, :-1], axis=1)), axis=1
    )
    issuance = subsidy_issued(height_start, blocks) + blocks * fees
    btc_per_th = issuance / (network * TH_PER_EH) * (1.0 - inputs.pool_fee)
    return _PathMarket(
        btc_per_th_month=btc_per_th,
        usd_per_th_month=btc_per_th * price,
        hashprice_usd_per_ph_day=(issuance / inputs.timeline.days) * price / (network * 1000.0),
        halving_months=_halving_months(height_start, blocks, inputs.start_height),
    )


def _usd_per_th_month(
    inputs: EngineInputs, price: np.ndarray, network: np.ndarray, fees: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """BTC per TH/s in each month (after pool fee) x the price, what a TH/s earns, on each
    path; and each path's next halving as a fractional month (inf: after the horizon)."""
    paths = _path_market(inputs, price, network, fees)
    return paths.usd_per_th_month, paths.halving_months


def _halving_months(
    height_start: np.ndarray, blocks: np.ndarray, start_height: float
) -> np.ndarray:
    """(paths,) the fractional month in which each path reaches the next halving."""
    height = next_halving_height(start_height)
    inside = (height_start <= height) & (height < height_start + blocks)
    found = inside.any(axis=1)
    t = inside.argmax(axis=1)
    rows = np.arange(t.size)
    fraction = (height - height_start[rows, t]) / blocks[rows, t]
    return np.where(found, t + fraction, math.inf)


@dataclass(frozen=True)
class RowPaybackChances:
    """Per fleet row (project order): the share of paths on which it pays back before the
    next halving and within the horizon; NaN for a row with no capex inside the horizon
    (bought before it starts: there is nothing of it to pay back), and the paths run."""

    before_halving: np.ndarray
    within_horizon: np.ndarray
    paths: int
    has_capex: np.ndarray  # bool per row: some of its capex falls inside the horizon


def row_payback_chances(
    results: Results,
    settings: MonteCarloSettings,
    paths: int = ROW_PATHS,
    progress: Progress | None = None,
) -> RowPaybackChances:
    """Each fleet row's chances of paying back (as `row_payback_probabilities`), NaN where
    the row has no capex inside the horizon: a batch bought before the start has no
    outlay in the plan to recover, so a chance of paying it back has no meaning."""
    before, within, count, capex_usd = _row_paybacks(results, settings, paths, progress)
    has_capex = (capex_usd != 0).any(axis=1)
    return RowPaybackChances(
        before_halving=np.where(has_capex, before, np.nan),
        within_horizon=np.where(has_capex, within, np.nan),
        paths=count,
        has_capex=has_capex,
    )


def row_payback_probabilities(
    results: Results,
    settings: MonteCarloSettings,
    paths: int = ROW_PATHS,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Per fleet row (project order): P(payback before the next halving), P(payback within
    the horizon), and the number of paths: a run of min(paths, settings.paths) with the
    same seed and settings. Each row's cash flow on a path carries its share of that
    path's fleet tax, shared as the engine shares it. A row with no capex inside the
    horizon counts as paid back on each path where its flows never go negative;
    `row_payback_chances` gives NaN for it instead (the window shows that)."""
    before, within, count, _capex = _row_paybacks(results, settings, paths, progress)
    return before, within, count


def _row_paybacks(
    results: Results, settings: MonteCarloSettings, paths: int, progress: Progress | None
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """`row_payback_probabilities`, and the rows' capex by month (rows x H, USD)."""
    from planner.engine.model import compute

    inputs = results.inputs
    count = min(paths, settings.paths)
    rows = compute(inputs, keep_rows=True).rows
    assert rows is not None
    r_count = inputs.count.size
    if r_count == 0:
        return np.zeros(0), np.zeros(0), count, np.zeros((0, inputs.months))
    th, power_usd, credit_usd, availability = row_arrays(inputs)
    small = replace(settings, paths=count)
    x, halving_by_path = _usd_per_th_month(inputs, *simulate_markets(inputs, small))
    det = results.market
    path_ebitda = _PathEbitda(
        th=th,
        power_usd=power_usd,
        credit_usd=credit_usd,
        availability=availability,
        auto_shutdown=inputs.auto_shutdown,
        ebitda_det_usd=rows.ebitda_usd,
        x=x,
        x_det=det.btc_per_th_month * det.btc_price_usd,
    )
    chunks = [slice(a, min(a + ROW_CHUNK, r_count)) for a in range(0, r_count, ROW_CHUNK)]
    non_cash_usd = _non_cash_usd(rows)
    share = _tax_share(results, path_ebitda, non_cash_usd, chunks)
    before, within = _row_probabilities(
        path_ebitda,
        inputs.fiscal,
        fixed_usd=rows.resale_usd - rows.capex_usd,
        capex_usd=rows.capex_usd,
        non_cash_usd=non_cash_usd,
        tax_share=share,
        chunks=chunks,
        halving=halving_by_path,
        progress=progress,
    )
    return before, within, count, rows.capex_usd


@dataclass(frozen=True)
class _PathEbitda:
    """The fleet rows' EBITDA on each path: the engine's, moved by the change in what a
    TH/s earns (USD per TH-month x) from the deterministic path to the simulated one."""

    th: np.ndarray  # (rows, T): TH/s at full availability while online
    power_usd: np.ndarray  # (rows, T): power cost at full availability
    credit_usd: np.ndarray  # (rows, T): curtailment credit while running
    availability: np.ndarray  # (rows,)
    auto_shutdown: bool
    ebitda_det_usd: np.ndarray  # (rows, T): the engine's
    x: np.ndarray  # (n, T)
    x_det: np.ndarray  # (T,)

    def variable_usd(self, rows_slice: slice, xs: np.ndarray) -> np.ndarray:
        """Rows' revenue - power at USD per TH-month xs (n, T) -> (rows, n, T); under the
        shutdown, a row that runs also earns its curtailment credit, one that does not
        neither (without it, the credit does not move with the path)."""
        value = self.th[rows_slice, None, :] * xs[None, :, :]
        value -= self.power_usd[rows_slice, None, :]
        if not self.auto_shutdown:
            value *= self.availability[rows_slice, None, None]
            return value
        running = value >= 0.0
        value *= self.availability[rows_slice, None, None]
        value += self.credit_usd[rows_slice, None, :]
        value *= running
        return value

    def ebitda_usd(self, rows_slice: slice) -> np.ndarray:
        """The rows' EBITDA on each path (rows, n, T): the engine's plus the change in
        revenue - power from the deterministic path (exactly the engine's where equal)."""
        ebitda = self.variable_usd(rows_slice, self.x)
        ebitda -= self.variable_usd(rows_slice, self.x_det[None, :])
        ebitda += self.ebitda_det_usd[rows_slice, None, :]
        return ebitda


def _non_cash_usd(series: Series) -> np.ndarray:
    """What turns EBITDA into taxable income: - tax depreciation + gains on disposal
    (neither moves with the path)."""
    return series.gain_on_disposal_usd - series.tax_depreciation_usd


def _positive_by_year(
    calendar: FiscalCalendar, path_ebitda: _PathEbitda, non_cash_usd: np.ndarray, c: slice
) -> np.ndarray:
    """(rows, n, Y) the rows' positive taxable income of each fiscal year on each path."""
    taxable_usd = path_ebitda.ebitda_usd(c)
    taxable_usd += non_cash_usd[c, None, :]
    return np.maximum(calendar.by_year(taxable_usd), 0.0)


def _tax_share(
    results: Results,
    path_ebitda: _PathEbitda,
    non_cash_usd: np.ndarray,
    chunks: list[slice],
) -> np.ndarray:
    """Per path and month, the fleet's tax paid (as in run_monte_carlo) over the rows'
    positive taxable income of the fiscal year it is for."""
    inputs = results.inputs
    calendar = inputs.fiscal
    positive = np.zeros((path_ebitda.x.shape[0], calendar.years))
    for c in chunks:
        positive += _positive_by_year(calendar, path_ebitda, non_cash_usd, c).sum(axis=0)
    taxable = fleet_ebitda(results, path_ebitda.x) + _non_cash_usd(results.fleet)
    tax = paid_tax(inputs, taxable).paid_usd
    positive_usd = positive[:, calendar.month_year]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(positive_usd > 0, tax / positive_usd, 0.0)


def _row_probabilities(
    path_ebitda: _PathEbitda,
    calendar: FiscalCalendar,
    fixed_usd: np.ndarray,
    capex_usd: np.ndarray,
    non_cash_usd: np.ndarray,
    tax_share: np.ndarray,
    chunks: list[slice],
    halving: np.ndarray,
    progress: Progress | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's share of paths on which it pays back before the halving and within the
    horizon: its EBITDA + resale - capex (at its month's start) - its share of the path's
    tax."""
    count, months = tax_share.shape
    r_count = fixed_usd.shape[0]
    before = np.empty(r_count)
    within = np.empty(r_count)
    step = progress or (lambda _f: None)
    for done, c in enumerate(chunks):
        step(done / len(chunks))
        flows = path_ebitda.ebitda_usd(c)  # EBITDA, then the row's cash flow after tax
        positive = np.maximum(calendar.by_year(flows + non_cash_usd[c, None, :]), 0.0)
        tax_usd = positive[..., calendar.month_year]
        tax_usd *= tax_share[None, :, :]
        flows += fixed_usd[c, None, :]
        flows -= tax_usd
        payback = metrics.payback(flows.reshape(-1, months), _capex_on_paths(capex_usd[c], count))
        status = payback.status.reshape(flows.shape[0], count)
        at = payback.at_month.reshape(flows.shape[0], count)
        immediate = status == metrics.NEVER_NEGATIVE
        paid = status == metrics.PAID_BACK
        within[c] = (paid | immediate).mean(axis=1)
        before[c] = (immediate | (paid & (at <= halving[None, :]))).mean(axis=1)
    return before, within


def _capex_on_paths(capex_usd: np.ndarray, paths: int) -> metrics.StartFlows:
    """Rows' capex (R x H) at its months' starts, the same on each of their paths: as
    flows of the R x paths series, row by row."""
    rows, months = np.nonzero(capex_usd)
    on_path = np.arange(paths)
    return metrics.StartFlows.of(
        (rows[:, None] * paths + on_path[None, :]).ravel(),
        np.repeat(months, paths),
        np.repeat(-capex_usd[rows, months], paths),
    )
