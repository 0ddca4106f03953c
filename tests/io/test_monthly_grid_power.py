"""The monthly grid's hourly-power lines: power sales, 4CP savings and demand-response pay
appear where a month is not zero, with the engine's figures (worked by hand here), and a
plan without them keeps its lines as before.

The scenario (tests/engine/conftest.py): an S21 earns $0.125158 a kWh at full running, an
S19j Pro $0.074246; ten of each draw 36.75 and 32.214 kW with the cooling overhead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from planner.domain.price_profile import FourCpInterval, PriceProfile
from planner.engine import compile_inputs, compute
from planner.io.monthly_grid import Entity, monthly_grid
from tests.engine.conftest import make_project

LABELS = ("Power sales (USD)", "4CP savings (USD)", "Demand response pay (USD)")
S21_KW = 10 * 3.5 * 1.05
S19J_KW = 10 * 3.068 * 1.05
CHICAGO = ZoneInfo("America/Chicago")


def june_thirds() -> PriceProfile:
    """2024 by the hour: June's days 1-10 at $30, 11-20 at $100, 21-30 at $1,000/MWh;
    every other hour at $30."""
    start = datetime(2024, 1, 1, 6, tzinfo=UTC)
    prices = []
    for h in range(366 * 24):
        local = (start + timedelta(hours=h)).astimezone(CHICAGO)
        third = min((local.day - 1) // 10, 2) if local.month == 6 else 0
        prices.append((30.0, 100.0, 1000.0)[third])
    return PriceProfile(
        source="test",
        time_zone="America/Chicago",
        start_utc=start,
        interval_minutes=60,
        usd_per_mwh=prices,
    )


def results_of(site: dict, contract: dict, months: int = 1):
    project = make_project(
        fleet=[
            {"model": "S21", "count": 10, "purchase_month": "2027-06"},
            {"model": "S19j Pro", "count": 10, "purchase_month": "2027-06"},
        ],
        contract=contract,
        site={"uptime": 1.0, **site},
        finance={"horizon_months": months},
    )
    return compute(compile_inputs(project), keep_rows=True)


def lines_of(results, entity: Entity) -> dict[str, np.ndarray]:
    grid = monthly_grid(results, entity)
    return {line.label: line.values for line in grid.lines}


def test_a_plan_without_hourly_power_has_none_of_the_lines() -> None:
    results = results_of({}, {"type": "fixed", "price_usd_per_kwh": 0.06})
    for entity in (Entity("fleet", 0, "Fleet"), Entity("site", 0, "Site")):
        assert not set(LABELS) & set(lines_of(results, entity))


def test_power_sales_and_demand_response_by_hand() -> None:
    # A fixed $60/MWh contract reselling at the hour's price less $2/MWh: the S21 sells
    # the 240 hours at $1,000 (240 x 36.75 x 0.998 = $8,802.36), the S19j Pro also the
    # 240 at $100 (240 x 32.214 x (0.098 + 0.998)). 0.05 MW of demand response at $3,000.
    results = results_of(
        {
            "price_profile": june_thirds(),
            "demand_response_mw": 0.05,
            "demand_response_usd_per_mw_month": 3000.0,
        },
        {
            "type": "fixed",
            "price_usd_per_kwh": 0.06,
            "resale_allowed": True,
            "resale_fee_usd_per_mwh": 2.0,
        },
    )
    s21_usd = 240 * S21_KW * 0.998
    s19j_usd = 240 * S19J_KW * (0.098 + 0.998)
    site = lines_of(results, Entity("site", 0, "Site"))
    assert site["Power sales (USD)"] == pytest.approx([s21_usd + s19j_usd])
    assert site["Demand response pay (USD)"] == pytest.approx([150.0])
    assert "4CP savings (USD)" not in site
    fleet = lines_of(results, Entity("fleet", 0, "Fleet"))
    assert fleet["Power sales (USD)"] == pytest.approx([s21_usd + s19j_usd])
    row = lines_of(results, Entity("row", 0, "Row 0"))
    assert row["Power sales (USD)"] == pytest.approx([s21_usd])
    assert "Demand response pay (USD)" not in row  # the site's own item
    labels = list(site)
    assert labels.index("Power cost (USD)") < labels.index("Power sales (USD)")
    assert labels.index("Power sales (USD)") < labels.index("Opex (USD)")


def test_fourcp_savings_by_hand() -> None:
    # June 17:00 listed with probability 1 at $60 per kW-year: 2027's 4CP demand is
    # 1/4 x (36.75 + 32.214) kW = 17.241 kW, $1,034.46 avoided, billed over 2028's twelve
    # months ($86.205 each); June 2028's is billed in 2029, past the 19-month horizon.
    results = results_of(
        {
            "price_profile": june_thirds(),
            "fourcp_charge_usd_per_kw_year": 60.0,
            "fourcp_intervals": [FourCpInterval(month=6, day=15, hour=17)],
        },
        {"type": "index", "price_usd_per_kwh": 0.04, "adder_usd_per_kwh": 0.005},
        months=19,
    )
    site = lines_of(results, Entity("site", 0, "Site"))
    monthly_usd = (S21_KW + S19J_KW) / 4 * 60.0 / 12
    expected = np.r_[np.zeros(7), np.full(12, monthly_usd)]  # 2027-06..12, then 2028
    assert site["4CP savings (USD)"] == pytest.approx(expected)
    assert site["4CP savings (USD)"] == pytest.approx(results.sites.fourcp_savings_usd[0])
