"""Book depreciation: straight line over the life from the online month (MODEL.md)."""

from __future__ import annotations

import numpy as np


def straight_line(
    base_usd: np.ndarray,
    start_idx: np.ndarray,
    stop_idx: np.ndarray,
    life_months: float,
    t: np.ndarray,
) -> np.ndarray:
    """Straight-line depreciation of `base_usd` over `life_months` from `start_idx`, for the
    months `t`; it stops at `stop_idx` and fractional lives end with a partial month."""
    end = np.minimum(start_idx + life_months, stop_idx)
    share = np.minimum(end[:, None], t[None, :] + 1.0)
    share -= np.maximum(start_idx[:, None], t[None, :])
    np.maximum(share, 0.0, out=share)
    share *= (base_usd / life_months)[:, None]
    return share


def row_depreciation_usd(
    capex_usd: np.ndarray,
    usd_per_month: np.ndarray,
    online_idx: np.ndarray,
    life_end_idx: np.ndarray,
    retire_idx: np.ndarray,
    life_months: float,
    months: int,
) -> np.ndarray:
    """Each row's depreciation in each month (rows x months). With a whole number of months
    of life it is a flat `usd_per_month` from the online month to `life_end_idx` (the end
    of life or retirement, whichever is first); otherwise `straight_line`."""
    t_int = np.arange(months)
    if float(life_months).is_integer():
        in_life = (t_int[None, :] >= online_idx[:, None]) & (t_int[None, :] < life_end_idx[:, None])
        return usd_per_month[:, None] * in_life
    return straight_line(
        capex_usd,
        online_idx.astype(float),
        retire_idx.astype(float),
        life_months,
        t_int.astype(float),
    )
