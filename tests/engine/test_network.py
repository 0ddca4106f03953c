"""Block times from the hashrate path, worked by hand: the difficulty lags the hashrate by
one retarget epoch, so blocks come faster while it grows and the halving comes earlier."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import pytest

from planner.engine import compile_inputs, compute
from planner.io.report import build_report

START_HEIGHT = 1_010_000  # 40,000 blocks before the halving


def _results(project_factory, **scenario):
    project = project_factory(
        fleet=[{"model": "S21", "count": 10, "purchase_month": "2027-06"}],
        scenario={"start_block_height": START_HEIGHT, **scenario},
        finance={"horizon_months": 24},
    )
    return project, compute(compile_inputs(project))


def _months(n: int):
    year, month = 2027, 6
    for _ in range(n):
        yield date(year, month, 1), calendar.monthrange(year, month)[1]
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def test_no_growth_changes_nothing(project_factory) -> None:
    _p, res = _results(project_factory)
    assert res.inputs.timeline.block_time_s.tolist() == [600.0] * 24
    # 40,000 blocks at 600 s: 277 days 18 hours after 2027-06-01.
    assert res.next_halving[1] == (datetime(2027, 6, 1) + timedelta(seconds=40_000 * 600)).date()


def test_fifty_percent_growth_brings_blocks_and_the_halving_forward(project_factory) -> None:
    _p, res = _results(project_factory, network_hashrate_growth_per_year=0.5)
    monthly_growth = 1.5 ** (1 / 12)
    height, when = float(START_HEIGHT), None
    for t, (first, days) in enumerate(_months(24)):
        # One epoch is 2,016 x 600 s; as a share of the month, the lag of the difficulty.
        block_time = 600 * monthly_growth ** (-(2_016 * 600) / (days * 86_400))
        assert res.inputs.timeline.block_time_s[t] == pytest.approx(block_time, rel=1e-12)
        blocks = days * 86_400 / block_time
        if when is None and height + blocks > 1_050_000:
            seconds = (1_050_000 - height) * block_time
            when = datetime.combine(first, datetime.min.time()) + timedelta(seconds=seconds)
        height += blocks
    assert when is not None and res.next_halving[1] == when.date()
    flat = (datetime(2027, 6, 1) + timedelta(seconds=40_000 * 600)).date()
    # About 1.6 % faster blocks: over 278 days, four to five days earlier.
    assert 4 <= (flat - res.next_halving[1]).days <= 5


def test_a_scenario_starting_from_the_difficulty_pools_quote(project_factory) -> None:
    project, res = _results(project_factory, network_hashrate_ehs=1_000, start_difficulty_t=144.40)
    # 144.40 T implies 144.40e12 x 2^32 / 600 s = 1,033.7 EH/s; the network is at 1,000:
    # blocks take 600 x 1,033.7 / 1,000 = 620.2 s until the next month's retarget.
    implied = 144.40e12 * 2**32 / 600 / 1e18
    assert implied == pytest.approx(1_033.7, abs=0.05)
    assert res.inputs.timeline.block_time_s[0] == pytest.approx(600 * implied / 1_000)
    assert res.inputs.timeline.block_time_s[1] == pytest.approx(600.0)
    monthly = build_report(project, res, uncertainty=False)["monthly"]
    assert monthly[0]["difficulty_t"] == pytest.approx(144.40)
    assert monthly[0]["block_time_s"] == pytest.approx(600 * implied / 1_000)
    assert monthly[1]["difficulty_t"] == pytest.approx(1_000 * 1e18 * 600 / 2**32 / 1e12)
