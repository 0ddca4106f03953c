"""Equipment financing's collateral: the rigs of the fleet rows a loan finances
(MODEL.md "Treasury, debt and hedges"; the rules in docs/model-notes.md).

- Collateral value at a month's end: the book value of the financed rigs still in
  service, their landed cost less straight-line book depreciation from the online month
  over the book life (as the model depreciates them); a row counts from its purchase
  month up to its retire month, when its rigs are sold and count no more.
- A row retiring before the loan is repaid takes its share of the balance with it: in
  its retire month (a row retired before the draw: the draw month) the balance left after
  the scheduled payment x the row's cost / the cost of the financed rows not yet retired
  becomes due and is repaid in cash, as principal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.engine.inputs import EngineInputs


@dataclass(frozen=True)
class FinancedRows:
    """The fleet rows of one equipment loan: their landed cost (count x unit cost), their
    purchase, online and retire month indexes, and the book life in months."""

    cost_usd: np.ndarray
    purchase_idx: np.ndarray
    online_idx: np.ndarray
    retire_idx: np.ndarray
    life_months: float

    @staticmethod
    def of(names: list[str], inputs: EngineInputs) -> FinancedRows:
        """The rows called `names` (names not in the fleet are left out)."""
        rows = [inputs.row_names.index(n) for n in names if n in inputs.row_names]
        return FinancedRows(
            cost_usd=(inputs.count[rows] * inputs.unit_price_usd[rows]).astype(float),
            purchase_idx=inputs.purchase_idx[rows].astype(np.int64),
            online_idx=inputs.online_idx[rows].astype(np.int64),
            retire_idx=inputs.retire_idx[rows].astype(np.int64),
            life_months=float(inputs.depreciation_months),
        )

    def retired_shares(self, draw_idx: int, maturity_idx: int) -> dict[int, float]:
        """{month index: share of the balance due} for the months in which financed rows
        retire while the loan runs: the retiring rows' cost / the cost of the rows not
        retired before that month (rows retired before the draw count at the draw)."""
        due_idx = np.maximum(self.retire_idx, draw_idx)
        shares: dict[int, float] = {}
        for t in np.unique(due_idx[due_idx <= maturity_idx]).tolist():
            left_usd = float(self.cost_usd[due_idx >= t].sum())
            if left_usd > 0:
                shares[int(t)] = float(self.cost_usd[due_idx == t].sum()) / left_usd
        return shares

    def value_end_usd(self, months: int) -> np.ndarray:
        """(H,) the book value of the rigs in service at each month's end:
        cost x (1 - min(1, max(0, (t + 1 - online) / life))) for purchase <= t < retire."""
        t = np.arange(months)[None, :]
        used = np.clip((t + 1 - self.online_idx[:, None]) / self.life_months, 0.0, 1.0)
        held = (t >= self.purchase_idx[:, None]) & (t < self.retire_idx[:, None])
        return (self.cost_usd[:, None] * (1.0 - used) * held).sum(axis=0)
