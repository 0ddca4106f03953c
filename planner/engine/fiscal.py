"""Tax as filed: fiscal years, losses carried forward with a limit and an expiry, and the
months the year's tax is paid in (MODEL.md "Tax as filed").

Months are counted from the scenario's start (month 0). A fiscal year ends in the
fiscal-year-end month; it is labelled by the calendar year it ends in. The horizon's
first and last years may be partial: they hold the months inside the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class FiscalCalendar:
    """Where each month of the horizon falls in the fiscal years."""

    months: int
    offset: int  # the horizon's first month's position in its fiscal year (0 to 11)
    first_label: int  # the calendar year the first fiscal year ends in

    @staticmethod
    def of(start_month: date, months: int, year_end_month: int) -> FiscalCalendar:
        first_month_of_year = year_end_month % 12 + 1
        offset = (start_month.month - first_month_of_year) % 12
        # The first year's last month is 11 - offset months after the start.
        end = start_month.year * 12 + start_month.month - 1 + 11 - offset
        return FiscalCalendar(months=months, offset=offset, first_label=end // 12)

    def year_of(self, t: np.ndarray | int) -> np.ndarray:
        """Each month's fiscal year (0 for the horizon's first), for any month index."""
        return (np.asarray(t) + self.offset) // 12

    @cached_property
    def month_year(self) -> np.ndarray:
        """(H,) the fiscal year of each month of the horizon."""
        return self.year_of(np.arange(self.months))

    @property
    def years(self) -> int:
        return int(self.month_year[-1]) + 1 if self.months else 0

    @cached_property
    def year_first_month(self) -> np.ndarray:
        """(Y,) each year's first month inside the horizon."""
        return np.maximum(np.arange(self.years) * 12 - self.offset, 0)

    @cached_property
    def year_last_month(self) -> np.ndarray:
        """(Y,) each year's last month inside the horizon."""
        return np.minimum(np.arange(self.years) * 12 + 11 - self.offset, self.months - 1)

    @property
    def labels(self) -> list[int]:
        return [self.first_label + y for y in range(self.years)]

    def by_year(self, monthly: np.ndarray) -> np.ndarray:
        """Sums over each fiscal year of the last axis: (..., H) -> (..., Y)."""
        return np.add.reduceat(monthly, self.year_first_month, axis=-1)

    def payment_weights(self, quarterly: bool) -> np.ndarray:
        """(H,) the share of its fiscal year's tax paid in each month.

        Annual: all in the year's last month (the horizon's last for a year it cuts).
        Quarterly: equal instalments in the year's quarter-end months from the horizon's
        start; instalments due after the horizon are paid in its last month."""
        t = np.arange(self.months)
        position = (t + self.offset) % 12
        last = t == self.months - 1
        if not quarterly:
            return ((position == 11) | last).astype(float)
        due = np.where(last, 4 - position // 3, (position % 3 == 2).astype(int))
        instalments = np.where(self.month_year == 0, 4 - self.offset // 3, 4)
        return due / instalments

    def carried_by_month(self, carried_end_by_year: np.ndarray) -> np.ndarray:
        """(..., H) the loss carried forward at each month's end: the last closed year's
        (a year closes in its last month inside the horizon); 0 before the first closes."""
        closed = np.zeros(self.months, dtype=np.int64)  # years closed by each month's end
        closed[self.year_last_month] = 1
        closed = np.cumsum(closed)
        padded = np.concatenate(
            (np.zeros((*carried_end_by_year.shape[:-1], 1)), carried_end_by_year), axis=-1
        )
        return padded[..., closed]


@dataclass(frozen=True)
class AnnualTax:
    """The tax of each fiscal year (arrays (..., Y))."""

    taxable_income_usd: np.ndarray
    loss_used_usd: np.ndarray
    loss_expired_usd: np.ndarray
    tax_usd: np.ndarray
    loss_carryforward_end_usd: np.ndarray


def annual_tax(
    taxable_by_year_usd: np.ndarray, rate: float, offset_limit: float, expiry_years: int
) -> AnnualTax:
    """Tax at `rate` on each fiscal year's taxable income (..., Y), after losses carried
    from earlier years: a year may offset at most `offset_limit` of its taxable income,
    oldest losses first; a loss expires unused after `expiry_years` (0: never)."""
    taxable = np.asarray(taxable_by_year_usd, dtype=float)
    if expiry_years <= 0:
        return _annual_tax_without_expiry(taxable, rate, offset_limit)
    years = taxable.shape[-1]
    pool = np.zeros((*taxable.shape[:-1], years))  # unused loss of each year's vintage
    used = np.zeros_like(taxable)
    expired = np.zeros_like(taxable)
    carried = np.zeros_like(taxable)
    for y in range(years):
        income = taxable[..., y]
        allowed = offset_limit * np.maximum(income, 0.0)
        older = np.cumsum(pool, axis=-1) - pool  # what older vintages hold
        use = np.clip(allowed[..., None] - older, 0.0, pool)
        pool -= use
        used[..., y] = use.sum(axis=-1)
        pool[..., y] = np.maximum(-income, 0.0)
        if expiry_years > 0 and y - expiry_years >= 0:
            gone = slice(0, y - expiry_years + 1)
            expired[..., y] = pool[..., gone].sum(axis=-1)
            pool[..., gone] = 0.0
        carried[..., y] = pool.sum(axis=-1)
    return AnnualTax(
        taxable_income_usd=taxable,
        loss_used_usd=used,
        loss_expired_usd=expired,
        tax_usd=rate * np.maximum(taxable - used, 0.0),
        loss_carryforward_end_usd=carried,
    )


def _annual_tax_without_expiry(taxable: np.ndarray, rate: float, offset_limit: float) -> AnnualTax:
    """`annual_tax` when losses never expire: one pool (the order of use does not matter)."""
    pool = np.zeros(taxable.shape[:-1])
    used = np.zeros_like(taxable)
    carried = np.zeros_like(taxable)
    for y in range(taxable.shape[-1]):
        income = taxable[..., y]
        use = np.minimum(pool, offset_limit * np.maximum(income, 0.0))
        pool = pool - use + np.maximum(-income, 0.0)
        used[..., y] = use
        carried[..., y] = pool
    return AnnualTax(
        taxable_income_usd=taxable,
        loss_used_usd=used,
        loss_expired_usd=np.zeros_like(taxable),
        tax_usd=rate * np.maximum(taxable - used, 0.0),
        loss_carryforward_end_usd=carried,
    )
