"""A reselling fixed contract in the months its site's price profile lacks: no curve, so
no power is sold (the rigs run as without a profile)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planner.domain.price_profile import PriceProfile
from planner.engine import compile_inputs, compute

FIXED_RESALE = {
    "name": "PPA",
    "type": "fixed",
    "price_usd_per_kwh": 0.05,
    "resale_allowed": True,
    "resale_fee_usd_per_mwh": 2.0,
}


def test_no_power_is_sold_in_a_month_the_profile_lacks(project_factory) -> None:
    # June 2024 only: 600 hours at $20 and 120 at $300. The row (10 S21, 36.75 kW with
    # overhead) earns about $0.125/kWh, less than 0.300 - 0.002, so in June it is off in
    # the dear hours and their power is sold: 36.75 kW x 120 h x $0.298 = $1,314.18.
    # July has no curve: the row runs every hour at the fixed price and sells nothing.
    june = PriceProfile(
        source="test",
        time_zone="America/Chicago",
        start_utc=datetime(2024, 6, 1, 5, tzinfo=UTC),
        interval_minutes=60,
        usd_per_mwh=[20.0] * 600 + [300.0] * 120,
    )
    project = project_factory(
        fleet=[{"model": "S21", "count": 10, "purchase_month": "2027-06"}],
        contract=FIXED_RESALE,
        site={"uptime": 1.0, "price_profile": june},
        finance={"horizon_months": 3},
    )
    res = compute(compile_inputs(project), keep_rows=True)
    assert res.rows.power_sales_usd[0, 0] == pytest.approx(36.75 * 120 * 0.298)
    assert res.rows.power_sales_usd[0, 1:].tolist() == [0.0, 0.0]
    assert res.sites.power_sales_usd[0, 1:].tolist() == [0.0, 0.0]
    # July: every one of its 744 hours at the fixed price.
    assert res.rows.power_cost_usd[0, 1] == pytest.approx(36.75 * 744 * 0.05)
    assert res.rows.energy_kwh[0, 1] == pytest.approx(36.75 * 744)
