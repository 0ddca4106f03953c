"""A swap worked by hand: a batch of S19j Pro replaced by S21 XP at month 6."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from planner.domain.project import SwapCandidate
from planner.engine import run
from planner.engine.swaps import analyse_swap, analyse_swaps, resale_usd_per_th, swapped_project
from tests.engine.conftest import make_project

OLD_COUNT = 1_000
PRICE = 5_000.0
SWAP_MONTH = 6


def project():
    p = make_project(
        fleet=[
            {
                "model": "S19j Pro",
                "count": OLD_COUNT,
                "unit_price_usd": 2_000,
                "purchase_month": "2025-01",
                "terminal_value_usd_per_unit": 150,
            }
        ],
        finance={"horizon_months": 24, "auto_shutdown": False, "tax_rate": 0.0},
    )
    swap = SwapCandidate(
        row="Row 0",
        model="S21 XP",
        month=date(2027, 12, 1),  # month 6 from 2027-06
        unit_price_usd=PRICE,
        downtime_months=1,
    )
    return p.model_copy(update={"swaps": [swap]}), swap


def test_resale_curve_tiers() -> None:
    p, _ = project()
    assert resale_usd_per_th(p.resale_curve, 29.5) == 2.5  # S19j Pro: 25-38 J/TH
    assert resale_usd_per_th(p.resale_curve, 13.5) == 12.0  # S21 XP: under 19 J/TH
    assert resale_usd_per_th(p.resale_curve, 19.0) == 12.0  # the edge belongs to its tier
    assert resale_usd_per_th(p.resale_curve, 45.0) == 0.5


def test_a_swap_by_hand() -> None:
    p, swap = project()
    base = run(p)
    result = analyse_swap(p, swap, base)
    market = base.market
    days = base.inputs.timeline.days
    hours = 24 * days
    price_kwh = 0.06
    overhead, uptime = 1.05, 0.97
    t = np.arange(24)
    new_count = OLD_COUNT * 3068 // 3645  # same MW: 841 S21 XP
    assert result.new_count == new_count == 841

    def ebitda(count: int, th: float, watts: float, on: np.ndarray) -> np.ndarray:
        btc = count * th * market.btc_per_th_month * uptime
        revenue = btc * market.btc_price_usd
        power = count * watts / 1000 * overhead * hours * price_kwh * uptime
        return np.where(on, revenue - power, 0.0)

    old_after = t >= SWAP_MONTH
    new_online = t >= SWAP_MONTH + 1  # one month of downtime
    sale = OLD_COUNT * 104 * 2.5  # 104 TH at $2.50/TH: $260,000
    capex = new_count * PRICE  # $4,205,000
    expected = -ebitda(OLD_COUNT, 104, 3068, old_after) + ebitda(new_count, 270, 3645, new_online)
    expected[SWAP_MONTH] += sale - capex
    expected[-1] += (
        new_count * 270 * 12.0 - OLD_COUNT * 150
    )  # terminal: new at the curve, old as set
    assert result.sale_usd == sale
    assert result.capex_usd == capex
    assert result.incremental_usd == pytest.approx(expected, rel=1e-9, abs=1e-6)
    rate = 0.10
    npv = sum(f / (1 + rate) ** ((m + 1) / 12) for m, f in enumerate(expected))
    # The new rigs' capex is paid at the start of the swap month, not its end.
    npv -= capex * ((1 + rate) ** (-SWAP_MONTH / 12) - (1 + rate) ** (-(SWAP_MONTH + 1) / 12))
    assert result.npv_usd == pytest.approx(npv, rel=1e-9)
    cumulative = np.cumsum(expected)
    first_back = int(np.argmax((cumulative >= 0) & (t > SWAP_MONTH)))
    at = first_back - cumulative[first_back - 1] / expected[first_back]
    assert result.payback_at_month == pytest.approx(at, rel=1e-12)
    assert result.payback_months == pytest.approx(at - SWAP_MONTH, rel=1e-12)
    assert result.pays_back_before_halving == (at <= result.halving_month)
    assert 9 < result.halving_month < 10  # block 1,050,000 in March 2028 here
    irr_monthly = (1 + result.irr_annual) ** (1 / 12) - 1
    at_rate = sum(f / (1 + irr_monthly) ** m for m, f in enumerate(expected))
    at_rate -= capex * ((1 + irr_monthly) ** (-SWAP_MONTH + 1) - (1 + irr_monthly) ** -SWAP_MONTH)
    assert at_rate == pytest.approx(0, abs=1e-3)


def test_swapped_project_and_errors() -> None:
    p, swap = project()
    changed = swapped_project(p, swap)
    old, new = changed.fleet
    assert old.retire_month == date(2027, 12, 1) and old.resale_usd_per_unit == 260.0
    assert (new.model, new.site, new.count) == ("S21 XP", "Site", 841)
    assert new.online_month == date(2028, 1, 1)
    with pytest.raises(ValueError, match="unknown fleet row"):
        swapped_project(p, swap.model_copy(update={"row": "Nope"}))
    with pytest.raises(ValueError, match="unknown rig model"):
        swapped_project(p, swap.model_copy(update={"model": "Nope"}))
    with pytest.raises(ValueError, match="not online before"):
        swapped_project(p, swap.model_copy(update={"month": date(2024, 1, 1)}))
    counted = swapped_project(p, swap.model_copy(update={"count": 500}))
    assert counted.fleet[-1].count == 500


def test_several_candidates_best_first() -> None:
    p, swap = project()
    cheaper = swap.model_copy(update={"unit_price_usd": 3_000})
    late = swap.model_copy(update={"month": date(2028, 6, 1)})
    results = analyse_swaps(p.model_copy(update={"swaps": [swap, cheaper, late]}))
    npvs = [r.npv_usd for r in results]
    assert npvs == sorted(npvs, reverse=True)
    assert results[0].swap.unit_price_usd == 3_000
