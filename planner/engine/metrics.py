"""Payback, NPV and IRR of monthly cash flows (flows at month end).

All functions take a 2-D array of flows (series x months) so that rows, sites and the
fleet share one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy_financial as npf
import pyxirr

PAID_BACK = 0
NEVER = 1  # cumulative cash flow goes negative and does not return to zero in the horizon
NOTHING_TO_RECOVER = 2  # cumulative cash flow never goes negative


def discount_factors(rate_per_year: float, months: int) -> np.ndarray:
    """1 / (1 + rate) ** ((t + 1) / 12): each month's flow is discounted from its end."""
    t = np.arange(1, months + 1, dtype=float)
    return (1.0 + rate_per_year) ** (-t / 12.0)


def npv(flows: np.ndarray, rate_per_year: float) -> np.ndarray:
    """Net present value of each series at the start of the horizon."""
    return flows @ discount_factors(rate_per_year, flows.shape[1])


@dataclass(frozen=True)
class Payback:
    """Payback of each series.

    `months` counts from the start of the month in which cumulative cash flow first went
    negative (the investment month) to the interpolated point where it is back at zero;
    `at_month` is that point in months from the start of the horizon. Both are NaN when
    the series never pays back (`status` NEVER) and 0 when there was nothing to recover.
    """

    months: np.ndarray
    at_month: np.ndarray
    status: np.ndarray


def payback(flows: np.ndarray) -> Payback:
    """Interpolated payback of each series: flows accrue evenly through each month."""
    series, months = flows.shape
    cumulative = np.cumsum(flows, axis=1)
    negative = cumulative < 0
    went_negative = negative.any(axis=1)
    first_negative = negative.argmax(axis=1)
    t = np.arange(months)
    recovered = ~negative & (t[None, :] > first_negative[:, None])
    has_recovered = recovered.any(axis=1) & went_negative
    first_back = recovered.argmax(axis=1)

    rows = np.arange(series)
    before = cumulative[rows, np.maximum(first_back - 1, 0)]
    during = flows[rows, first_back]
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(during > 0, -before / during, 0.0)
    at_month = np.where(has_recovered, first_back + fraction, np.nan)
    at_month = np.where(went_negative, at_month, 0.0)
    months_from_investment = np.where(went_negative, at_month - first_negative, 0.0)
    status = np.where(
        ~went_negative, NOTHING_TO_RECOVER, np.where(has_recovered, PAID_BACK, NEVER)
    ).astype(np.int8)
    return Payback(months=months_from_investment, at_month=at_month, status=status)


def discounted_flows(flows: np.ndarray, rate_per_year: float) -> np.ndarray:
    return flows * discount_factors(rate_per_year, flows.shape[1])[None, :]


def sign_changes(flows: np.ndarray) -> int:
    """How many times the non-zero flows change sign."""
    signs = np.sign(flows[flows != 0])
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


def irr_annual(flows: np.ndarray) -> float | None:
    """Annualized IRR, (1 + m) ** 12 - 1 of the monthly rate m that zeroes NPV.

    None when the flows never change sign or no rate can be found. With one sign change
    the IRR is unique and pyxirr finds it; with several there may be several rates, and
    numpy-financial's choice, the one closest to zero, is reported.
    """
    values = np.asarray(flows, dtype=float)
    changes = sign_changes(values)
    if changes == 0:
        return None
    monthly: float | None
    if changes == 1:
        try:
            monthly = pyxirr.irr(values, silent=True)
        except (pyxirr.InvalidPaymentsError, ValueError):
            monthly = None
    else:
        found = float(npf.irr(values))
        monthly = found if np.isfinite(found) else None
    if monthly is None or not np.isfinite(monthly) or monthly <= -1.0:
        return None
    return float((1.0 + monthly) ** 12 - 1.0)


def irr_annual_many(flows: np.ndarray) -> np.ndarray:
    """`irr_annual` of each series; NaN where there is none."""
    out = np.full(flows.shape[0], np.nan)
    for i, series in enumerate(flows):
        value = irr_annual(series)
        if value is not None:
            out[i] = value
    return out
