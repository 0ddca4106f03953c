"""Tax depreciation: MACRS or straight line by fiscal year, after a bonus share, and the
tax basis left at a disposal (MODEL.md "Tax as filed").

Each method is a table of annual rates under the half-year convention (the IRS's MACRS
tables; straight line as the straight-line election gives it: half a year's rate in the
first and last years). Year 0 is the fiscal year the asset is placed in service; its
deduction (with the bonus share) is spread evenly over its months from the online month,
and a later year's over its twelve months, so a fiscal year's sum is the table's. A
disposal stops the deductions: the basis left is settled by the gain or loss on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from planner.engine.fiscal import FiscalCalendar

# IRS Publication 946, Table A-1 (half-year convention): 5-year (200 % declining
# balance) and 15-year (150 % declining balance) property, % of basis by recovery year.
MACRS_5 = (20.00, 32.00, 19.20, 11.52, 11.52, 5.76)
MACRS_15 = (
    5.00, 9.50, 8.55, 7.70, 6.93, 6.23, 5.90, 5.90, 5.91, 5.90, 5.91, 5.90, 5.91, 5.90, 5.91, 2.95,
)  # fmt: skip
BONUS_FROM = date(2025, 1, 20)  # 100 % bonus for property placed in service from this date


def straight_line_rates(life_years: float) -> np.ndarray:
    """Annual rates of straight line over `life_years` with the half-year convention."""
    rates = [0.5 / life_years]
    while sum(rates) < 1.0 - 1e-12:
        rates.append(min(1.0 / life_years, 1.0 - sum(rates)))
    return np.array(rates)


def rates_of(method: str, life_years: float) -> np.ndarray:
    """The annual rates of a method ("macrs_5", "macrs_15", "macrs_39", "straight_line"
    over `life_years`); they sum to 1."""
    if method == "macrs_5":
        return np.array(MACRS_5) / 100.0
    if method == "macrs_15":
        return np.array(MACRS_15) / 100.0
    if method == "macrs_39":
        return straight_line_rates(39.0)
    return straight_line_rates(life_years)


def month_code(when: date) -> int:
    """A month as year x 12 + month, as the engine's inputs count months."""
    return when.year * 12 + when.month


# The first month whose first day is on or after BONUS_FROM: January 2025 is before.
BONUS_FROM_CODE = month_code(BONUS_FROM) + (BONUS_FROM.day > 1)


def bonus_shares(
    placed_codes: np.ndarray, share: float | None, eligible: bool = True
) -> np.ndarray:
    """Each asset's bonus depreciation share from the month it is placed in service (as
    `month_code`): the user's share, or 100 % from 2025-01-20 and 0 % before."""
    codes = np.asarray(placed_codes)
    if not eligible:
        return np.zeros(codes.shape)
    if share is not None:
        return np.full(codes.shape, float(share))
    return np.where(codes >= BONUS_FROM_CODE, 1.0, 0.0)


@dataclass(frozen=True)
class TaxSchedule:
    """A method's annual rates on a fiscal calendar."""

    rates: np.ndarray  # (K,) by year of service
    calendar: FiscalCalendar

    @property
    def cumulative(self) -> np.ndarray:
        """(K + 1,) the share deducted before each year of service."""
        return np.concatenate(([0.0], np.cumsum(self.rates)))

    def deducted_before(
        self, placed_idx: np.ndarray, bonus: np.ndarray, t: np.ndarray
    ) -> np.ndarray:
        """The share of the basis deducted in the months before `t` (broadcast against the
        assets' `placed_idx` and `bonus`), from the month placed in service."""
        offset = self.calendar.offset
        placed = np.asarray(placed_idx)
        t = np.asarray(t)
        k = (t + offset) // 12 - (placed + offset) // 12  # year of service of month t
        first_year_months = 12 - (placed + offset) % 12
        elapsed = np.where(k == 0, t - placed, (t + offset) % 12)
        span = np.where(k == 0, first_year_months, 12)
        years = self.rates.size
        k_in = np.clip(k, 0, years - 1)
        rate = np.where(
            k == 0, bonus + (1.0 - bonus) * self.rates[0], (1.0 - bonus) * self.rates[k_in]
        )
        before = np.where(k == 0, 0.0, bonus + (1.0 - bonus) * self.cumulative[k_in])
        share = before + rate * elapsed / span
        return np.where(t <= placed, 0.0, np.where(k >= years, 1.0, share))

    def per_month_by_year(
        self, basis_usd: np.ndarray, placed_idx: np.ndarray, bonus: np.ndarray
    ) -> np.ndarray:
        """(N, Y) each asset's deduction per month in service in each fiscal year of the
        horizon: its year of service's rate over that year's months in service."""
        offset = self.calendar.offset
        years = self.rates.size
        first_year_months = 12 - (placed_idx + offset) % 12
        # Each asset's rate per month by year of service (a last column of zeros: after).
        per_month = np.zeros((placed_idx.size, years + 1))
        per_month[:, :years] = (1.0 - bonus)[:, None] * self.rates[None, :] / 12.0
        per_month[:, 0] = (bonus + (1.0 - bonus) * self.rates[0]) / first_year_months
        per_month *= basis_usd[:, None]
        k = np.arange(self.calendar.years)[None, :] - ((placed_idx + offset) // 12)[:, None]
        np.clip(k, 0, years, out=k)
        return np.take_along_axis(per_month, k, axis=1)

    def service_by_year(
        self, placed_idx: np.ndarray, stop_idx: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(N, Y) each asset's first and last month in service (placed <= t < stop) in each
        fiscal year of the horizon; last < first where it has none."""
        calendar = self.calendar
        first = np.maximum(calendar.year_first_month[None, :], placed_idx[:, None])
        last = np.minimum(calendar.year_last_month[None, :], stop_idx[:, None] - 1)
        return first, last

    def monthly(
        self,
        basis_usd: np.ndarray,
        placed_idx: np.ndarray,
        stop_idx: np.ndarray,
        bonus: np.ndarray,
    ) -> np.ndarray:
        """(N, H) each asset's deduction in each month of the horizon, none from `stop_idx`
        (a disposal) on (the same as the differences of `deducted_before`, by a lookup per
        year)."""
        calendar = self.calendar
        deduction = np.take(
            self.per_month_by_year(basis_usd, placed_idx, bonus), calendar.month_year, axis=1
        )
        t = np.arange(calendar.months)
        deduction *= (t[None, :] >= placed_idx[:, None]) & (t[None, :] < stop_idx[:, None])
        return deduction

    def basis_left(
        self, basis_usd: np.ndarray, placed_idx: np.ndarray, at_idx: np.ndarray, bonus: np.ndarray
    ) -> np.ndarray:
        """The tax basis left before month `at_idx` of each asset."""
        return basis_usd * (1.0 - self.deducted_before(placed_idx, bonus, at_idx))


def book_value_left(
    basis_usd: np.ndarray, online_idx: np.ndarray, at_idx: np.ndarray, life_months: float
) -> np.ndarray:
    """Net book value before month `at_idx` under straight line from the online month."""
    used = np.clip((at_idx - online_idx) / life_months, 0.0, 1.0)
    return basis_usd * (1.0 - used)
