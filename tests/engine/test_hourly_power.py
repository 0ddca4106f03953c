"""Hourly power worked by hand: each row runs on its own strike price against a site's
price profile; power resold; 4CP intervals off and the charge avoided; demand response.

The scenario (conftest): 800 EH/s, no growth, $100,000, 0.02 BTC fees a block, 2.5 % pool
fee, blocks every 600 s, subsidy 3.125 BTC until the halving (month 9). A TH/s mines
144 x 3.145 x 0.975 / 800e6 = 5.5194750e-7 BTC a day, $0.0551948. An S21 (200 TH/s,
3,500 W) with overhead 1.05 draws 88.2 kWh a day: it earns 200 x 0.0551948 / 88.2 =
$0.125158 per kWh; an S19j Pro (104 TH/s, 3,068 W) 104 x 0.0551948 / (3.068 x 1.05 x 24)
= $0.074246 per kWh. June 2027 (month 0) has 720 hours.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from planner.domain.price_profile import FourCpInterval, PriceProfile
from planner.engine import compile_inputs, compute
from planner.engine.hourly_inputs import local_intervals
from planner.engine.warnings import plan_warnings
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path

CHICAGO = "America/Chicago"
S21_USD_PER_KWH = 200 * 144 * 3.145 * 0.975 / 800e6 * 100_000 / 88.2
S19J_USD_PER_KWH = 104 * 144 * 3.145 * 0.975 / 800e6 * 100_000 / (3.068 * 1.05 * 24)
TEN_S21_KW = 10 * 3.5 * 1.05  # 36.75 kW with overhead
JUNE_HOURS = 720


def profile_2024(price: Callable[[datetime], float], scale: bool = False) -> PriceProfile:
    """A year of hourly prices (2024, local Chicago clock), each from its local start."""
    start = datetime(2024, 1, 1, 6, tzinfo=UTC)  # midnight CST
    hours = 366 * 24
    zone_starts = [(start + timedelta(hours=h)).astimezone(_zone()) for h in range(hours)]
    return PriceProfile(
        source="test",
        time_zone=CHICAGO,
        start_utc=start,
        interval_minutes=60,
        usd_per_mwh=[float(price(local)) for local in zone_starts],
        scale_to_contract=scale,
    )


def _zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo(CHICAGO)


def june_ladder(cheap: int, middle: int, usd_per_mwh: tuple[float, float, float]):
    """June: the first `cheap` hours at the first price, the next `middle` at the second,
    the rest at the third; other months at the first."""

    def price(local: datetime) -> float:
        if local.month != 6:
            return usd_per_mwh[0]
        hour_of_month = (local.day - 1) * 24 + local.hour
        if hour_of_month < cheap:
            return usd_per_mwh[0]
        return usd_per_mwh[1] if hour_of_month < cheap + middle else usd_per_mwh[2]

    return price


INDEX = {"name": "ERCOT", "type": "index", "price_usd_per_kwh": 0.04, "adder_usd_per_kwh": 0.005}


def run(project_factory, *, site=None, contract=None, fleet=None, months=12):
    project = project_factory(
        fleet=fleet or [{"model": "S21", "count": 10, "purchase_month": "2027-06"}],
        contract={**INDEX, **(contract or {})},
        site={"uptime": 1.0, **(site or {})},
        finance={"horizon_months": months},
    )
    return compute(compile_inputs(project), keep_rows=True)


def test_revenue_per_kwh_matches_the_hand_figures(project_factory) -> None:
    res = run(project_factory)
    kwh = TEN_S21_KW * JUNE_HOURS
    assert res.rows.revenue_usd[0, 0] / kwh == pytest.approx(S21_USD_PER_KWH, rel=1e-9)
    assert pytest.approx(0.125158, abs=1e-6) == S21_USD_PER_KWH
    assert pytest.approx(0.074246, abs=1e-6) == S19J_USD_PER_KWH


def test_a_strike_above_every_hour_runs_every_hour_as_without_a_profile(project_factory) -> None:
    # Every hour at $40/MWh: 0.040 + 0.005 < 0.125, the row runs all 720 hours and pays
    # 0.045 per kWh, as the monthly index of 0.04 + 0.005 does without a profile.
    flat = profile_2024(lambda local: 40.0)
    hourly = run(project_factory, site={"price_profile": flat})
    monthly = run(project_factory)
    for name in ("btc_mined", "revenue_usd", "power_cost_usd", "energy_kwh", "ebitda_usd"):
        assert getattr(hourly.rows, name) == pytest.approx(getattr(monthly.rows, name), rel=1e-12)
    assert hourly.rows.power_cost_usd[0, 0] == pytest.approx(TEN_S21_KW * 720 * 0.045)
    assert hourly.row_power.uptime_effective[0] == pytest.approx(1.0)
    assert hourly.row_power.effective_power_price_usd_per_kwh[0] == pytest.approx(0.045)
    assert hourly.row_power.curtailment_savings_usd[0] == pytest.approx(0.0, abs=1e-6)


def test_spikes_lower_the_effective_price_and_the_uptime(project_factory) -> None:
    # June: 700 hours at $30, 20 at $1,000/MWh (1.005 > 0.125: off). The row runs 700 of
    # 720 hours and pays 0.030 + 0.005 = 0.035 per kWh, where the month averages
    # (700 x 30 + 20 x 1,000) / 720 = $56.94/MWh, 0.06194 with the adder.
    spiky = profile_2024(june_ladder(700, 0, (30.0, 30.0, 1000.0)))
    res = run(project_factory, site={"price_profile": spiky})
    june_kwh = TEN_S21_KW * 700
    assert res.rows.energy_kwh[0, 0] == pytest.approx(june_kwh)
    assert res.rows.power_cost_usd[0, 0] == pytest.approx(june_kwh * 0.035)
    assert res.row_month_uptime()[0, 0] == pytest.approx(700 / 720)
    assert res.row_month_power_price_usd_per_kwh()[0, 0] == pytest.approx(0.035)
    full_revenue_usd = S21_USD_PER_KWH * TEN_S21_KW * 720
    assert res.rows.revenue_usd[0, 0] == pytest.approx(full_revenue_usd * 700 / 720, rel=1e-9)
    # Against running all 720 hours at the average: the 20 spike hours cost 1.005 a kWh
    # and earn 0.125158: 36.75 x 20 x (1.005 - 0.125158) = $12,943.6 saved in June; the
    # other months are flat at $30 (nothing saved).
    saved_usd = TEN_S21_KW * 20 * (1.005 - S21_USD_PER_KWH)
    assert res.row_power.curtailment_savings_usd[0] == pytest.approx(saved_usd, rel=1e-9)
    # Over the year: 12 months, 8,760 hours online (June 2027 to May 2028), 20 off.
    hours = res.inputs.timeline.days.sum() * 24
    assert res.row_power.uptime_effective[0] == pytest.approx((hours - 20) / hours)
    assert res.row_power.effective_power_price_usd_per_kwh[0] == pytest.approx(0.035)


def test_two_models_on_one_site_run_on_their_own_strikes(project_factory) -> None:
    # June: 600 hours at $30, 60 at $100, 60 at $1,000. The S21 (0.1252 a kWh) runs where
    # price + adder < 0.1252: the 660 hours up to $100 (0.105); the S19j Pro (0.0742)
    # only the 600 at $30 (0.035).
    ladder = profile_2024(june_ladder(600, 60, (30.0, 100.0, 1000.0)))
    res = run(
        project_factory,
        site={"price_profile": ladder},
        fleet=[
            {"model": "S21", "count": 10, "purchase_month": "2027-06"},
            {"model": "S19j Pro", "count": 10, "purchase_month": "2027-06"},
        ],
    )
    uptime = res.row_month_uptime()[:, 0]
    assert uptime == pytest.approx([660 / 720, 600 / 720])
    # The site's figures are its rows' summed: savings add up, uptime is energy-weighted.
    site = res.site_power
    assert site.curtailment_savings_usd[0] == pytest.approx(
        res.row_power.curtailment_savings_usd.sum()
    )
    assert site.energy_kwh[0] == pytest.approx(res.sites.energy_kwh[0].sum())
    row_uptime = res.row_power.uptime_effective
    weights = res.row_power.online_kwh
    assert site.uptime_effective[0] == pytest.approx((row_uptime * weights).sum() / weights.sum())
    # The chart's figures: June's curve (price + adder) and each model's strike line.
    curve = res.inputs.hourly.price_duration_usd_per_kwh(0, 0)
    assert curve.size == 720 and curve[0] == pytest.approx(0.035)
    assert curve[-1] == pytest.approx(1.005)
    strikes = res.row_month_strike_usd_per_kwh()[:, 0]
    assert strikes == pytest.approx([S21_USD_PER_KWH, S19J_USD_PER_KWH], rel=1e-9)
    assert (curve < strikes[0]).sum() == 660 and (curve < strikes[1]).sum() == 600
    price = res.row_month_power_price_usd_per_kwh()[:, 0]
    assert price == pytest.approx([(600 * 0.030 + 60 * 0.100) / 660 + 0.005, 0.035])


def test_no_hour_pays_switches_the_row_off(project_factory) -> None:
    # Every June hour at $200/MWh: 0.205 > 0.125, the shutdown's limit case: no energy,
    # no power cost, no revenue; maintenance is still paid.
    dear = profile_2024(june_ladder(0, 0, (30.0, 30.0, 200.0)))
    res = run(project_factory, site={"price_profile": dear, "maintenance_usd_per_rig_month": 5})
    assert res.rows.energy_kwh[0, 0] == 0
    assert res.rows.power_cost_usd[0, 0] == 0
    assert res.rows.ebitda_usd[0, 0] == pytest.approx(-50.0)
    assert res.row_month_uptime()[0, 0] == 0


def test_scaled_to_the_contract_the_month_averages_its_index(project_factory) -> None:
    # Flat $20 scaled to the index's 0.04: every hour at 0.04, paid 0.045 with the adder.
    flat = profile_2024(lambda local: 20.0, scale=True)
    res = run(project_factory, site={"price_profile": flat})
    assert res.row_month_power_price_usd_per_kwh()[0] == pytest.approx(np.full(12, 0.045))


def test_a_month_that_cannot_be_scaled_keeps_its_own_prices(project_factory) -> None:
    # June averages below zero: scaling it to the index's 0.04 would turn it upside down,
    # so June keeps its own prices (-$10: 0.005 a kWh paid with the adder) and the plan
    # says so; the other months (flat $20) scale to 0.04.
    def price(local: datetime) -> float:
        return -10.0 if local.month == 6 else 20.0

    res = run(project_factory, site={"price_profile": profile_2024(price, scale=True)})
    paid = res.row_month_power_price_usd_per_kwh()[0]
    assert paid[0] == pytest.approx(-0.010 + 0.005)
    assert paid[1:] == pytest.approx(np.full(11, 0.045))
    (warning,) = [w for w in plan_warnings(res) if w.key == "price_profile"]
    assert warning.message == (
        "site 'Site': its price profile cannot be scaled to the contract in Jun (the month's "
        "mean price or the contract's price is not above zero): its own prices apply in 1 "
        "month of the plan (first 2027-06)"
    )


def test_power_resale_by_hand(project_factory) -> None:
    # A fixed contract at 0.05 that resells at the hour's price less $2/MWh. June: 600
    # hours at $20, 120 at $300: the row earns 0.125 < 0.300 - 0.002, so it is off in
    # those and the power is sold: 36.75 kW x 120 h x 0.298 = $1,314.18. It pays the
    # fixed price on every hour: 36.75 x 720 x 0.05 = $1,323.
    resale = profile_2024(june_ladder(600, 0, (20.0, 20.0, 300.0)))
    res = run(
        project_factory,
        site={"price_profile": resale},
        contract={
            "type": "fixed",
            "price_usd_per_kwh": 0.05,
            "adder_usd_per_kwh": 0.0,
            "resale_allowed": True,
            "resale_fee_usd_per_mwh": 2.0,
        },
    )
    assert res.rows.power_sales_usd[0, 0] == pytest.approx(TEN_S21_KW * 120 * 0.298)
    assert res.sites.power_sales_usd[0, 0] == pytest.approx(1314.18)
    assert res.rows.power_cost_usd[0, 0] == pytest.approx(TEN_S21_KW * 720 * 0.05)
    assert res.rows.energy_kwh[0, 0] == pytest.approx(TEN_S21_KW * 600)
    revenue_usd = S21_USD_PER_KWH * TEN_S21_KW * 600
    assert res.rows.ebitda_usd[0, 0] == pytest.approx(revenue_usd - 1323.0 + 1314.18)
    assert res.fleet.power_sales_usd[0, 0] == pytest.approx(1314.18)
    # Net of the sales, the power the rigs drew cost (1,323 - 1,314.18) / 22,050 kWh.
    assert res.row_month_power_price_usd_per_kwh()[0, 0] == pytest.approx(8.82 / 22_050)
    # Without resale the fixed contract runs as without a profile.
    plain = run(project_factory, contract={"type": "fixed", "price_usd_per_kwh": 0.05})
    kept = run(
        project_factory,
        site={"price_profile": resale},
        contract={"type": "fixed", "price_usd_per_kwh": 0.05},
    )
    assert kept.fleet.ebitda_usd == pytest.approx(plain.fleet.ebitda_usd, rel=1e-12)


FOURCP = [
    FourCpInterval(month=6, day=15, hour=16),
    FourCpInterval(month=7, day=20, hour=17, probability=0.5),
]


def test_fourcp_savings_by_hand(project_factory) -> None:
    # A fixed contract, no profile, $50 per kW-year. The rigs (36.75 kW) are off June 15
    # at 16:00 and July 20 at 17:00: June runs 719 of 720 hours. The expected 4CP demand
    # of 2027: (1 x 36.75 + 0.5 x 36.75) / 4 = 13.78125 kW; avoided, it saves
    # 50 x 13.78125 = $689.06 billed over 2028: $57.42 a month. 2028's June and July are
    # in the horizon (to May 2029): the same in January to May 2029.
    res = run(
        project_factory,
        site={"fourcp_charge_usd_per_kw_year": 50.0, "fourcp_intervals": FOURCP},
        contract={"type": "fixed", "price_usd_per_kwh": 0.05},
        months=24,
    )
    assert res.rows.energy_kwh[0, 0] == pytest.approx(TEN_S21_KW * 719)
    assert res.rows.energy_kwh[0, 1] == pytest.approx(TEN_S21_KW * (31 * 24 - 1))
    assert res.rows.energy_kwh[0, 2] == pytest.approx(TEN_S21_KW * 31 * 24)
    savings = res.sites.fourcp_savings_usd[0]
    assert savings[:7] == pytest.approx(np.zeros(7))  # June to December 2027
    assert savings[7:] == pytest.approx(np.full(17, 50 * 13.78125 / 12))
    assert res.fleet.fourcp_savings_usd[0] == pytest.approx(savings)
    rows_ebitda = res.rows.ebitda_usd.sum(axis=0)
    assert res.sites.ebitda_usd[0] == pytest.approx(rows_ebitda + savings)


def test_fourcp_intervals_with_a_profile_are_off_whatever_they_pay(project_factory) -> None:
    # Flat $40/MWh: the row would run every hour; June 15 16:00 is listed, so it runs 719.
    flat = profile_2024(lambda local: 40.0)
    res = run(
        project_factory,
        site={
            "price_profile": flat,
            "fourcp_charge_usd_per_kw_year": 50.0,
            "fourcp_intervals": FOURCP[:1],
        },
    )
    assert res.rows.energy_kwh[0, 0] == pytest.approx(TEN_S21_KW * 719)
    assert res.rows.power_cost_usd[0, 0] == pytest.approx(TEN_S21_KW * 719 * 0.045)
    # It forgoes the hour's margin: 36.75 x (0.125158 - 0.045).
    lost_usd = TEN_S21_KW * (S21_USD_PER_KWH - 0.045)
    assert res.row_power.curtailment_savings_usd[0] == pytest.approx(-lost_usd)


def test_demand_response_by_hand(project_factory) -> None:
    # 1 MW enrolled, capped at the rigs' 36.75 kW online: 0.03675 MW x $5,000 = $183.75 a
    # month while they are online (bought in month 2: nothing before).
    res = run(
        project_factory,
        site={"demand_response_mw": 1.0, "demand_response_usd_per_mw_month": 5000.0},
        fleet=[{"model": "S21", "count": 10, "purchase_month": "2027-08"}],
    )
    dr = res.sites.demand_response_usd[0]
    assert dr[:2] == pytest.approx([0.0, 0.0])
    assert dr[2:] == pytest.approx(np.full(10, 183.75))
    assert res.sites.ebitda_usd[0] == pytest.approx(res.rows.ebitda_usd.sum(axis=0) + dr)


def test_daylight_saving_days_put_intervals_in_their_local_months() -> None:
    # 2024 in Chicago: spring forward on March 10 (23-hour day), fall back on November 3
    # (25 hours). Local March has 31 x 24 - 1 = 743 hours, November 30 x 24 + 1 = 721.
    # The last local hour of March (23:00 CDT) starts at 04:00 UTC on April 1.
    start = datetime(2024, 1, 1, 6, tzinfo=UTC)
    local = local_intervals(CHICAGO, start, 60, 366 * 24)
    counts = np.bincount(local.month, minlength=13)[1:]
    assert counts[2] == 743
    assert counts[10] == 721
    assert counts.sum() == 366 * 24
    april_first_4utc = int((datetime(2024, 4, 1, 4, tzinfo=UTC) - start).total_seconds() // 3600)
    assert (local.month[april_first_4utc], local.day[april_first_4utc]) == (3, 31)
    assert local.hour[april_first_4utc] == 23
    assert local.month[april_first_4utc + 1] == 4
    # November 3: local hour 1 appears twice (CDT then CST).
    nov3 = (local.month == 11) & (local.day == 3)
    assert np.bincount(local.hour[nov3]).tolist()[:3] == [1, 2, 1]
    # The same months as the profile's own calendar (domain/price_profile.py).
    profile = PriceProfile(
        source="test",
        time_zone=CHICAGO,
        start_utc=start,
        interval_minutes=15,
        usd_per_mwh=[1.0] * (366 * 96),
    )
    spans = profile.local_month_spans()
    quarter = local_intervals(CHICAGO, start, 15, 366 * 96)
    for span in spans:
        assert (quarter.month[span.start : span.stop] == span.month).all()
    assert np.count_nonzero(quarter.month == 3) == 743 * 4


def test_a_profile_in_march_prices_the_right_local_hours(project_factory) -> None:
    # The last local hour of March 2024 at $5,000: March's curve holds it (the row is off
    # one hour in March 2028, month 9), April's does not.
    last_of_march = datetime(2024, 3, 31, 23)

    def price(local: datetime) -> float:
        return 5000.0 if local.replace(tzinfo=None) == last_of_march else 40.0

    res = run(project_factory, site={"price_profile": profile_2024(price)})
    uptime = res.row_month_uptime()[0]
    assert uptime[9] == pytest.approx(742 / 743)
    assert uptime[10] == pytest.approx(1.0)


def test_a_month_the_profile_lacks_runs_as_without(project_factory) -> None:
    # A profile of June 2024 only: June runs on it, the other months on the monthly index.
    june = PriceProfile(
        source="test",
        time_zone=CHICAGO,
        start_utc=datetime(2024, 6, 1, 5, tzinfo=UTC),
        interval_minutes=60,
        usd_per_mwh=[30.0] * 700 + [1000.0] * 20,
    )
    res = run(project_factory, site={"price_profile": june})
    monthly = run(project_factory)
    assert res.row_month_uptime()[0, 0] == pytest.approx(700 / 720)
    assert res.rows.power_cost_usd[0, 1:] == pytest.approx(monthly.rows.power_cost_usd[0, 1:])
    assert len(res.inputs.hourly.uncovered) == 11
    (warning,) = [w for w in plan_warnings(res) if w.key == "price_profile"]
    assert warning.message == (
        "site 'Site': its price profile has no prices for Jan, Feb, Mar, Apr, May, Jul, Aug, "
        "Sep, Oct, Nov, Dec: the contract's monthly price applies in 11 months of the plan "
        "(first 2027-07)"
    )
    assert (warning.section, warning.row) == ("sites", 0)


# The sample before hourly power (fleet NPV, BTC mined, power cost and EBITDA over the
# horizon): a project without profiles computes the same numbers, bit for bit. (The
# sample's ERCOT site now carries a profile, 4CP hours and demand response: without them
# it is the sample of before.)
SAMPLE_BEFORE = (-16574938.76513294, 1004.6705516019672, 74168441.39486957, 7729901.840512791)
BEFORE_CURTAILMENT = {"curtailment_share": 0.06, "curtailment_credit_usd_per_mwh": 60.0}
NO_HOURLY_TERMS = {
    "price_profile": None,
    "fourcp_charge_usd_per_kw_year": 0.0,
    "fourcp_intervals": [],
    "demand_response_mw": 0.0,
    "demand_response_usd_per_mw_month": 0.0,
}


def test_a_project_without_profiles_computes_as_before() -> None:
    project = load_project(sample_project_path())
    assert project.sites[0].price_profile is not None
    # Before hourly power the ERCOT contract stood for 4CP and demand response with a 6 %
    # curtailment credited at $60/MWh; the sample's site carries them now.
    contracts = [
        c.model_copy(update=BEFORE_CURTAILMENT) if c.name == "ERCOT index + adder" else c
        for c in project.contracts
    ]
    project = project.model_copy(
        update={
            "sites": [s.model_copy(update=NO_HOURLY_TERMS) for s in project.sites],
            "contracts": contracts,
        }
    )
    res = compute(compile_inputs(project))
    assert res.inputs.hourly is None
    figures = (
        float(res.fleet_kpis.npv_usd[0]),
        float(res.fleet_kpis.btc_mined[0]),
        float(res.fleet.power_cost_usd.sum()),
        float(res.fleet.ebitda_usd.sum()),
    )
    assert figures == SAMPLE_BEFORE
    assert not res.fleet.power_sales_usd.any()
    assert not res.fleet.fourcp_savings_usd.any()
    assert not res.fleet.demand_response_usd.any()


def test_the_hourly_benchmark_puts_every_row_on_a_strike() -> None:
    from planner.benchmark import hourly_case, synthetic_project, with_price_profiles

    plain = synthetic_project(30, 12)
    assert all(site.price_profile is None for site in plain.sites)
    inputs = compile_inputs(with_price_profiles(plain))
    assert inputs.hourly is not None
    used = np.unique(inputs.site_idx)
    assert (inputs.hourly.block[used] >= 0).all()
    case = hourly_case(30, 12, repeats=1)
    assert case["rows"] == 30 and case["months"] == 12
    assert case["median_ms"] > 0 and case["plain_median_ms"] > 0


def test_the_report_carries_each_rows_and_months_hourly_figures(project_factory) -> None:
    from planner.io.report import build_report

    # The resale case above: June sells $1,314.18 of power; the row ran 600 of 720 hours.
    resale = profile_2024(june_ladder(600, 0, (20.0, 20.0, 300.0)))
    project = project_factory(
        fleet=[{"model": "S21", "count": 10, "purchase_month": "2027-06"}],
        contract={
            "name": "PPA",
            "type": "fixed",
            "price_usd_per_kwh": 0.05,
            "resale_allowed": True,
            "resale_fee_usd_per_mwh": 2.0,
        },
        site={"uptime": 1.0, "price_profile": resale, "demand_response_mw": 1.0,
              "demand_response_usd_per_mw_month": 5000.0},
        finance={"horizon_months": 12},
    )  # fmt: skip
    results = compute(compile_inputs(project))
    report = build_report(project, results, uncertainty=False)
    (row,) = report["rows"]
    hours = results.inputs.timeline.days.sum() * 24
    assert row["uptime_effective"] == pytest.approx((hours - 120) / hours)
    assert row["power_sales_usd"] == pytest.approx(1314.18)
    june = report["monthly"][0]
    assert june["power_sales_usd"] == pytest.approx(1314.18)
    assert june["demand_response_usd"] == pytest.approx(183.75)
    assert june["fourcp_savings_usd"] == 0.0
    (site,) = report["sites"]
    assert site["demand_response_usd"] == pytest.approx(12 * 183.75)
    assert site["power_sales_usd"] == pytest.approx(1314.18)
    assert site["uptime_effective"] == pytest.approx(row["uptime_effective"])
