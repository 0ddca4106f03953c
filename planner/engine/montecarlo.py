"""Monte Carlo: how wrong can we be about the price, the network and fees.

Paths (monthly, seeded, reproducible):
- BTC price: P_t = P_det_t x exp(sigma W_t), W a Brownian motion in years. The scenario's
  deterministic path is the median of every month (the drift convention: mu = g - sigma^2
  / 2 in log terms, so that the planner's path stays the central case).
- Network hashrate: N_t = N_det_t x (P_{t-lag} / P_det_{t-lag})^elasticity x
  exp(sigma_n V_t): miners follow the price with a lag, plus the network's own noise V.
- Fees: the scenario's BTC per block x exp(sigma_f Z_t - sigma_f^2 / 2), independent each
  month (mean kept).

Fleet cash flow on each path uses the engine's own rows: in month t a row runs when the
month's BTC per TH x price, X_t, reaches its breakeven k_rt (its power cost over its TH),
so the rows' EBITDA is X_t x (TH of the rows running) - (their power cost). Rows sorted by
k_rt make each month a binary search per path. Capex, resale, depreciation and site costs
do not depend on the path; the fleet's tax as filed (fiscal years, losses carried) is run
per path.
With zero volatility and noise the paths reproduce the engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from planner.engine import metrics
from planner.engine.fiscal import FiscalCalendar
from planner.engine.inputs import EngineInputs
from planner.engine.model import HOURS_PER_DAY, TH_PER_EH, Results, Series
from planner.engine.rows import row_vectors
from planner.engine.swaps import halving_month_index
from planner.engine.tax import paid_tax

# Defaults derived from resources/btc_monthly_history.csv (month-end BTC close from 2016,
# month-end difficulty 2016 to 2023-01) by history.derive_history_defaults, and kept here
# so that a run does not read a file; a test holds them to the derivation. The network's
# own noise and the fee noise are assumptions (the history's residual, 0.36 a year, is
# mostly the two-week difficulty sawtooth): overwrite them.
DEFAULT_PRICE_VOLATILITY = 0.68
DEFAULT_NETWORK_ELASTICITY = 0.15
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


Progress = Callable[[float], None]


@dataclass(frozen=True)
class _RowTable:
    """Per month, the rows sorted by breakeven: cumulative TH and power cost (x availability)
    and curtailment credit (paid while a row runs)."""

    thresholds: list[np.ndarray]
    cum_th: list[np.ndarray]
    cum_power: list[np.ndarray]
    cum_credit: list[np.ndarray]
    always_th: np.ndarray  # rows that run whatever the price (no shutdown)
    always_power: np.ndarray


def _row_arrays(inputs: EngineInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row and month while online: TH/s at full availability (degraded), the power
    cost at full availability (USD) and the curtailment credit paid if it runs (USD); and
    each row's availability. Load, availability and credit are the engine's (row_vectors)."""
    months = inputs.months
    t = np.arange(months)
    hours = HOURS_PER_DAY * inputs.timeline.days
    rv = row_vectors(inputs, np.arange(inputs.count.size))
    online = (t[None, :] >= inputs.online_idx[:, None]) & (t[None, :] < inputs.retire_idx[:, None])
    online &= inputs.count[:, None] > 0
    decay = (1.0 - inputs.degradation_per_year)[:, None] ** (
        (t[None, :] - inputs.online_idx[:, None]) / 12.0
    )
    th = np.where(online, inputs.count[:, None] * inputs.hashrate_th[:, None] * decay, 0.0)
    power = np.where(online, rv.load_kw[:, None] * rv.energy_cost_usd_per_kw[rv.contract], 0.0)
    credit = np.where(online, rv.credit_usd_per_hour[:, None] * hours[None, :], 0.0)
    return th, power, credit, rv.availability_factor


def _row_table(inputs: EngineInputs) -> _RowTable:
    months = inputs.months
    th, power, credit, availability = _row_arrays(inputs)
    th_a = th * availability[:, None]
    power_a = power * availability[:, None]
    thresholds, cum_th, cum_power, cum_credit = [], [], [], []
    if inputs.auto_shutdown:
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(th > 0, power / th, np.where(power <= 0, -np.inf, np.inf))
        for m in range(months):
            order = np.argsort(k[:, m], kind="stable")
            thresholds.append(k[order, m])
            cum_th.append(np.concatenate(([0.0], np.cumsum(th_a[order, m]))))
            cum_power.append(np.concatenate(([0.0], np.cumsum(power_a[order, m]))))
            cum_credit.append(np.concatenate(([0.0], np.cumsum(credit[order, m]))))
        return _RowTable(
            thresholds, cum_th, cum_power, cum_credit, np.zeros(months), np.zeros(months)
        )
    # Without the shutdown every online row runs: its credit does not move with the path.
    return _RowTable([], [], [], [], th_a.sum(axis=0), power_a.sum(axis=0))


def _variable_ebitda(table: _RowTable, x: np.ndarray, auto_shutdown: bool) -> np.ndarray:
    """Rows' revenue - power cost (+ credits of the rows running, under the shutdown) at
    USD per TH-month x (paths x months)."""
    if not auto_shutdown:
        return x * table.always_th[None, :] - table.always_power[None, :]
    out = np.empty_like(x)
    for m in range(x.shape[1]):
        idx = np.searchsorted(table.thresholds[m], x[:, m], side="right")
        out[:, m] = (
            x[:, m] * table.cum_th[m][idx] - table.cum_power[m][idx] + table.cum_credit[m][idx]
        )
    return out


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
    results: Results, settings: MonteCarloSettings, progress: Progress | None = None
) -> MonteCarloResult:
    """Fleet cash flow on every path, from the deterministic results' rows and costs."""
    step = progress or (lambda _f: None)
    inputs = results.inputs
    table = _row_table(inputs)
    step(0.1)
    price, network, fees = simulate_markets(inputs, settings)
    step(0.3)
    x = _usd_per_th_month(inputs, price, network, fees)
    det = results.market
    x_det = (det.btc_per_th_month * det.btc_price_usd)[None, :]
    variable = _variable_ebitda(table, x, inputs.auto_shutdown)
    variable_det = _variable_ebitda(table, x_det, inputs.auto_shutdown)
    step(0.6)
    fleet = results.fleet
    ebitda = fleet.ebitda_usd[0][None, :] + (variable - variable_det)
    tax = paid_tax(inputs, ebitda + _non_cash_usd(fleet)).paid_usd
    fcf = ebitda - fleet.capex_usd[0][None, :] + fleet.resale_usd[0][None, :] - tax
    step(0.85)
    at_start = _capex_on_paths(fleet.capex_usd, fcf.shape[0])  # capex at its month's start
    npv = metrics.npv(fcf, inputs.discount_rate_per_year, at_start)
    cumulative = np.cumsum(fcf, axis=1)
    payback = metrics.payback(fcf, at_start)
    halving = halving_month_index(results)
    paid = payback.status == metrics.PAID_BACK
    immediate = payback.status == metrics.NEVER_NEGATIVE
    within = paid | immediate
    before = immediate | (paid & (payback.at_month <= halving))
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
    )


ROW_PATHS = 500  # paths of the per-row probabilities (a run of its own, same seed)
ROW_CHUNK = 4  # rows a pass over paths works on: (4, paths, months) arrays stay near the cache


def _usd_per_th_month(
    inputs: EngineInputs, price: np.ndarray, network: np.ndarray, fees: np.ndarray
) -> np.ndarray:
    """BTC per TH/s in each month (after pool fee) x the price: what a TH/s earns."""
    tl = inputs.timeline
    issuance = tl.subsidy_btc[None, :] + tl.blocks[None, :] * fees
    return issuance / (network * TH_PER_EH) * (1.0 - inputs.pool_fee) * price


def row_payback_probabilities(
    results: Results,
    settings: MonteCarloSettings,
    paths: int = ROW_PATHS,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Per fleet row (project order): P(payback before the next halving), P(payback within
    the horizon), and the number of paths: a run of min(paths, settings.paths) with the
    same seed and settings. Each row's cash flow on a path carries its share of that
    path's fleet tax, shared as the engine shares it."""
    from planner.engine.model import compute

    inputs = results.inputs
    count = min(paths, settings.paths)
    rows = compute(inputs, keep_rows=True).rows
    assert rows is not None
    r_count = inputs.count.size
    if r_count == 0:
        return np.zeros(0), np.zeros(0), count
    th, power_usd, credit_usd, availability = _row_arrays(inputs)
    small = replace(settings, paths=count)
    det = results.market
    path_ebitda = _PathEbitda(
        th=th,
        power_usd=power_usd,
        credit_usd=credit_usd,
        availability=availability,
        auto_shutdown=inputs.auto_shutdown,
        ebitda_det_usd=rows.ebitda_usd,
        x=_usd_per_th_month(inputs, *simulate_markets(inputs, small)),
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
        halving=halving_month_index(results),
        progress=progress,
    )
    return before, within, count


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
    taxable = _fleet_ebitda(results, path_ebitda.x) + _non_cash_usd(results.fleet)
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
    halving: float,
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
        before[c] = (immediate | (paid & (at <= halving))).mean(axis=1)
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


def _fleet_ebitda(results: Results, x: np.ndarray) -> np.ndarray:
    inputs = results.inputs
    table = _row_table(inputs)
    det = results.market
    x_det = (det.btc_per_th_month * det.btc_price_usd)[None, :]
    return results.fleet.ebitda_usd[0][None, :] + (
        _variable_ebitda(table, x, inputs.auto_shutdown)
        - _variable_ebitda(table, x_det, inputs.auto_shutdown)
    )
