"""Sites' price profiles compiled for the engine: each profile's intervals by local calendar
month (pooled over its years), cut into price-duration curves per site and calendar month,
the 4CP intervals' own curves, and each horizon month's scale and terms (hourly.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from planner.domain.price_profile import FourCpInterval, PriceProfile
from planner.domain.project import PowerContract, Site
from planner.engine.hourly import NO_CURVE, DurationCurves, HourlyPower

USD_PER_MWH_PER_USD_PER_KWH = 1000.0
HOURS_PER_DAY = 24


@dataclass(frozen=True)
class LocalIntervals:
    """A profile's intervals by their local start: calendar month (1-12), day and hour."""

    month: np.ndarray
    day: np.ndarray
    hour: np.ndarray


# Local calendars of the latest profiles, by (zone, start, step, count): a profile is
# placed in its months once however many recomputes read it.
_LOCAL: dict[tuple[str, datetime, int, int], LocalIntervals] = {}
_LOCAL_KEEP = 16  # profiles kept: a 10-year 15-minute one holds about 10 MB
_NO_OFFSET = timedelta(0)


def local_intervals(
    time_zone: str, start_utc: datetime, interval_minutes: int, count: int
) -> LocalIntervals:
    """The local calendar month, day and hour (hour starting) of each of `count` intervals
    of `interval_minutes` from `start_utc` (naive: UTC) in the IANA zone `time_zone`.
    Daylight saving is the zone's: the UTC offset is looked up for every UTC hour the
    intervals touch."""
    start = start_utc.replace(tzinfo=UTC) if start_utc.tzinfo is None else start_utc
    start = start.astimezone(UTC)
    key = (time_zone, start, interval_minutes, count)
    hit = _LOCAL.get(key)
    if hit is not None:
        return hit
    zone = ZoneInfo(time_zone)
    utc_s = int(start.timestamp()) + np.arange(count, dtype=np.int64) * (interval_minutes * 60)
    hours_s, which = np.unique(utc_s - utc_s % 3600, return_inverse=True)
    offset_s = np.array(
        [
            int((datetime.fromtimestamp(int(h), zone).utcoffset() or _NO_OFFSET).total_seconds())
            for h in hours_s
        ],
        dtype=np.int64,
    )
    local_minutes = ((utc_s + offset_s[which.reshape(-1)]) // 60).astype("datetime64[m]")
    local_days = local_minutes.astype("datetime64[D]")
    local_months = local_minutes.astype("datetime64[M]")
    out = LocalIntervals(
        month=local_months.astype(np.int64) % 12 + 1,
        day=(local_days - local_months.astype("datetime64[D]")).astype(np.int64) + 1,
        hour=(local_minutes - local_days.astype("datetime64[m]")).astype(np.int64) // 60,
    )
    if len(_LOCAL) >= _LOCAL_KEEP:
        _LOCAL.clear()
    _LOCAL[key] = out
    return out


@dataclass(frozen=True)
class ProfileMonths:
    """A profile's prices (USD/kWh) and local calendar, and its intervals by month."""

    usd_per_kwh: np.ndarray
    local: LocalIntervals
    by_month: dict[int, np.ndarray]  # calendar month -> positions of its intervals


# The latest profiles, by object: profiles are frozen, and an edit makes a new one.
_PROFILES: dict[int, tuple[PriceProfile, ProfileMonths]] = {}


def profile_months(profile: PriceProfile) -> ProfileMonths:
    """`profile`'s prices in USD/kWh and its intervals grouped by local calendar month."""
    hit = _PROFILES.get(id(profile))
    if hit is not None and hit[0] is profile:
        return hit[1]
    usd_per_kwh = np.asarray(profile.usd_per_mwh, dtype=float) / USD_PER_MWH_PER_USD_PER_KWH
    local = local_intervals(
        profile.time_zone, profile.start_utc, profile.interval_minutes, usd_per_kwh.size
    )
    by_month = {int(m): np.flatnonzero(local.month == m) for m in np.unique(local.month)}
    out = ProfileMonths(usd_per_kwh, local, by_month)
    if len(_PROFILES) >= _LOCAL_KEEP:
        _PROFILES.clear()
    _PROFILES[id(profile)] = (profile, out)
    return out


@dataclass(frozen=True)
class SitePower:
    """What the sites' hourly terms add: the strike terms for the rows (None when no site
    has a profile that matters, nor 4CP), and the sites' own 4CP and demand-response terms."""

    hourly: HourlyPower | None
    fourcp_charge_usd_per_kw_year: np.ndarray  # (S,) 0 without 4CP
    fourcp_weight: np.ndarray  # (S, H) sum of the listed intervals' probabilities in t
    demand_response_mw: np.ndarray  # (S,)
    demand_response_usd_per_mw_month: np.ndarray  # (S,)


def strike_mode(site: Site, contract: PowerContract) -> str | None:
    """ "index" or "resale" where a site's profile sets its rows' strike, else None."""
    if site.price_profile is None:
        return None
    if contract.type == "index":
        return "index"
    if contract.type == "fixed" and contract.resale_allowed:
        return "resale"
    return None


def fourcp_of(site: Site) -> list[FourCpInterval]:
    """The 4CP intervals the rigs are off in: only with a charge to avoid."""
    return list(site.fourcp_intervals) if site.fourcp_charge_usd_per_kw_year > 0 else []


def _listed_in(
    intervals: list[FourCpInterval], month_start: date, days: int
) -> list[FourCpInterval]:
    """Those of `intervals` in the calendar month of `month_start` (of `days` days)."""
    return [x for x in intervals if x.month == month_start.month and x.day <= days]


class _Blocks:
    """Price blocks with their positions, numbered as they are added, one per key."""

    def __init__(self) -> None:
        self.prices: list[np.ndarray] = []
        self.index: dict[tuple[int, int], int] = {}

    def add(self, key: tuple[int, int], prices: np.ndarray) -> int:
        if key not in self.index:
            self.index[key] = len(self.prices)
            self.prices.append(prices)
        return self.index[key]


def site_power(
    sites: Sequence[Site],
    contracts: Sequence[PowerContract],
    site_contract: np.ndarray,
    contract_price_usd_per_kwh: np.ndarray,
    month_starts: Sequence[date],
    days: np.ndarray,
) -> SitePower:
    """The sites' hourly terms over the horizon of `month_starts` (with their `days`)."""
    grid = _Grid.empty(len(sites), len(month_starts))
    for s, site in enumerate(sites):
        c = int(site_contract[s])
        contract = contracts[c]
        listed = fourcp_of(site)
        if strike_mode(site, contract) is None and not listed:
            continue  # as without a profile: nothing to work out month by month
        adder = contract.adder_usd_per_kwh if contract.type == "index" else 0.0
        strikes = strike_mode(site, contract) is not None
        target_usd_per_kwh = contract_price_usd_per_kwh[c] - adder
        _site_months(grid, s, site, strikes, listed, target_usd_per_kwh, month_starts, days)
    return SitePower(
        hourly=_hourly(sites, contracts, site_contract, grid),
        fourcp_charge_usd_per_kw_year=np.array(
            [s.fourcp_charge_usd_per_kw_year if fourcp_of(s) else 0.0 for s in sites], dtype=float
        ),
        fourcp_weight=grid.weight,
        demand_response_mw=np.array([s.demand_response_mw for s in sites], dtype=float),
        demand_response_usd_per_mw_month=np.array(
            [s.demand_response_usd_per_mw_month for s in sites], dtype=float
        ),
    )


@dataclass(frozen=True)
class _Grid:
    """The site x month terms being filled in, and the curves they point at."""

    block: np.ndarray
    fourcp_block: np.ndarray
    scale: np.ndarray
    off_share: np.ndarray
    weight: np.ndarray
    curves: _Blocks
    fourcp_curves: _Blocks
    uncovered: list[tuple[int, int]]
    unscaled: list[tuple[int, int]]

    @staticmethod
    def empty(sites: int, months: int) -> _Grid:
        shape = (sites, months)
        return _Grid(
            block=np.full(shape, NO_CURVE),
            fourcp_block=np.full(shape, NO_CURVE),
            scale=np.ones(shape),
            off_share=np.zeros(shape),
            weight=np.zeros(shape),
            curves=_Blocks(),
            fourcp_curves=_Blocks(),
            uncovered=[],
            unscaled=[],
        )


def _site_months(
    grid: _Grid,
    s: int,
    site: Site,
    strikes: bool,
    listed: list[FourCpInterval],
    target_usd_per_kwh: np.ndarray,
    month_starts: Sequence[date],
    days: np.ndarray,
) -> None:
    """Site `s`'s terms month by month: its curve (and scale) where its profile sets the
    strike (`strikes`) and covers the month, else the share off for 4CP; its 4CP
    weights. A month whose mean price or contract price is not above zero is not scaled."""
    profile = site.price_profile
    months_of = profile_months(profile) if profile is not None and strikes else None
    means: dict[int, float] = {}
    for t, month_start in enumerate(month_starts):
        in_month = _listed_in(listed, month_start, int(days[t]))
        grid.weight[s, t] = sum(x.probability for x in in_month)
        m = month_start.month
        if months_of is None or m not in months_of.by_month:
            if months_of is not None:
                grid.uncovered.append((s, t))
            grid.off_share[s, t] = len(in_month) / (HOURS_PER_DAY * float(days[t]))
            continue
        positions = months_of.by_month[m]
        if m not in means:
            prices = months_of.usd_per_kwh[positions]
            grid.curves.add((s, m), prices)
            means[m] = float(prices.mean())
        grid.block[s, t] = grid.curves.index[(s, m)]
        if profile is not None and profile.scale_to_contract:
            mean, target = means[m], float(target_usd_per_kwh[t])
            if mean > 0 and target > 0:
                grid.scale[s, t] = target / mean
            else:
                grid.unscaled.append((s, t))
        hours = _fourcp_positions(months_of, positions, in_month)
        if hours.size:
            grid.fourcp_block[s, t] = grid.fourcp_curves.add((s, m), months_of.usd_per_kwh[hours])


def _fourcp_positions(
    months_of: ProfileMonths, positions: np.ndarray, listed: list[FourCpInterval]
) -> np.ndarray:
    """Positions among `positions` (a month's intervals) of those in a listed 4CP hour."""
    if not listed:
        return np.zeros(0, dtype=np.int64)
    day = months_of.local.day[positions]
    hour = months_of.local.hour[positions]
    hit = np.zeros(positions.size, dtype=bool)
    for x in listed:
        hit |= (day == x.day) & (hour == x.hour)
    return positions[hit]


def _hourly(
    sites: Sequence[Site],
    contracts: Sequence[PowerContract],
    site_contract: np.ndarray,
    grid: _Grid,
) -> HourlyPower | None:
    """The strike terms, or None when no site-month has a curve or a 4CP share."""
    if not grid.curves.prices and not grid.off_share.any():
        return None
    site_contracts = [contracts[int(c)] for c in site_contract]
    resale = [strike_mode(s, c) == "resale" for s, c in zip(sites, site_contracts, strict=True)]
    return HourlyPower(
        curves=DurationCurves.of(grid.curves.prices),
        block=grid.block,
        scale=grid.scale,
        adder_usd_per_kwh=np.array(
            [c.adder_usd_per_kwh if c.type == "index" else 0.0 for c in site_contracts]
        ),
        resale_fee_usd_per_kwh=np.array(
            [
                c.resale_fee_usd_per_mwh / USD_PER_MWH_PER_USD_PER_KWH if sells else 0.0
                for c, sells in zip(site_contracts, resale, strict=True)
            ]
        ),
        resale=np.array(resale, dtype=bool),
        fourcp=DurationCurves.of(grid.fourcp_curves.prices) if grid.fourcp_curves.prices else None,
        fourcp_block=grid.fourcp_block,
        fourcp_off_share=grid.off_share,
        uncovered=tuple(grid.uncovered),
        unscaled=tuple(grid.unscaled),
    )
