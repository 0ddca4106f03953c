"""Calendar, blocks, the subsidy split at halving heights, the halving date, hashprice."""

from __future__ import annotations

import calendar
from datetime import date, datetime

import numpy as np
import pytest

from planner.engine import run
from planner.engine.timeline import (
    build_timeline,
    estimate_height_date,
    next_halving_height,
    subsidy_btc_at_height,
)


def test_subsidy_at_heights() -> None:
    assert subsidy_btc_at_height(0) == 50.0
    assert subsidy_btc_at_height(839_999) == 6.25
    assert subsidy_btc_at_height(840_000) == 3.125
    assert subsidy_btc_at_height(1_049_999) == 3.125
    assert subsidy_btc_at_height(1_050_000) == 1.5625
    assert subsidy_btc_at_height(1_260_000) == 0.78125
    assert subsidy_btc_at_height(64 * 210_000) == 0.0


def test_next_halving_height() -> None:
    assert next_halving_height(927_853) == 1_050_000
    assert next_halving_height(1_049_999.5) == 1_050_000
    assert next_halving_height(1_050_000) == 1_260_000


def test_halving_date_from_december_2025() -> None:
    when = estimate_height_date(datetime(2025, 12, 14), 927_853, 1_050_000, 600)
    assert abs((when.date() - date(2028, 4, 10)).days) <= 1
    # A faster block time brings it forward: 122,147 blocks x 7.1 s = about 10 days.
    sooner = estimate_height_date(datetime(2025, 12, 14), 927_853, 1_050_000, 592.9)
    assert (when - sooner).total_seconds() == pytest.approx(122_147 * 7.1)


def _hand_subsidy(height: float, blocks: float) -> float:
    """Blocks [height, height + blocks) paid by era, written out for one halving."""
    halving = 1_050_000
    if height + blocks <= halving:
        return blocks * 3.125
    if height >= halving:
        return blocks * 1.5625
    before = halving - height
    return before * 3.125 + (blocks - before) * 1.5625


@pytest.mark.parametrize("block_time_s", [600.0, 592.9])
def test_subsidy_split_across_block_1_050_000(block_time_s: float) -> None:
    start_height = 1_030_000
    timeline = build_timeline(date(2027, 12, 1), 12, start_height, block_time_s)
    height = float(start_height)
    crossing = None
    for t, month in enumerate(timeline.month_starts):
        days = calendar.monthrange(month.year, month.month)[1]
        blocks = days * 86_400 / block_time_s
        assert timeline.days[t] == days
        assert timeline.blocks[t] == pytest.approx(blocks, rel=1e-15)
        assert timeline.height_start[t] == pytest.approx(height, rel=1e-15)
        assert timeline.subsidy_btc[t] == pytest.approx(_hand_subsidy(height, blocks), rel=1e-13)
        if height < 1_050_000 <= height + blocks:
            crossing = t
        height += blocks
    # 20,000 blocks after 2027-12-01: about 138.9 days at 600 s (2028-04-18 18:40),
    # 137.2 days at 592.9 s (2028-04-17): April in both cases.
    assert crossing == 4
    april = timeline.subsidy_btc[4]
    assert 1.5625 * timeline.blocks[4] < april < 3.125 * timeline.blocks[4]


def test_subsidy_in_the_crossing_month_by_hand_at_600_s() -> None:
    timeline = build_timeline(date(2028, 4, 1), 1, 1_050_000 - 2_000, 600)
    # April: 30 days x 144 = 4,320 blocks, 2,000 at 3.125 BTC and 2,320 at 1.5625 BTC.
    assert timeline.blocks[0] == 4_320
    assert timeline.subsidy_btc[0] == pytest.approx(2_000 * 3.125 + 2_320 * 1.5625, abs=1e-9)
    assert timeline.subsidy_btc[0] == pytest.approx(9_875.0, abs=1e-9)


def test_hashprice_worked_example(project_factory) -> None:
    # MODEL.md: 1,000 EH/s, $90,000, 3.125 + 0.025 BTC per block, 144 blocks/day.
    project = project_factory(
        fleet=[{"model": "S21", "count": 1, "purchase_month": "2027-06"}],
        scenario={
            "network_hashrate_ehs": 1_000,
            "btc_price_usd": 90_000,
            "fees_btc_per_block": 0.025,
            "start_block_height": 900_000,
        },
    )
    results = run(project)
    assert round(float(results.market.hashprice_usd_per_ph_day[0]), 2) == 40.82
    assert results.market.hashprice_usd_per_ph_day[0] == pytest.approx(40.824, abs=1e-9)
    np.testing.assert_allclose(results.market.hashprice_usd_per_ph_day, 40.824, rtol=1e-12)
