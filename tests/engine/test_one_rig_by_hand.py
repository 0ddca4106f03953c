"""100 S21 at $0.06/kWh, 1.05 overhead, 97 % uptime, 2.5 % pool fee, worked by hand.

The expected figures come from a plain-Python month loop written from MODEL.md, and
the first month is also written out as literal numbers worked on paper. Tax as filed:
calendar fiscal years, paid in December (or the horizon's last month); the rigs are
placed in service in June 2027, so 100 % bonus depreciation takes their $280,000 in
2027's seven months; 80 % of 2028's income may be offset by 2027's loss.
"""

from __future__ import annotations

import calendar
import itertools
import math

import pytest

from planner.engine import compile_inputs, compute
from planner.io.report import build_report

COUNT = 100
HASH_TH = 200.0
POWER_W = 3_500.0
PRICE_KWH = 0.06
OVERHEAD = 1.05
UPTIME = 0.97
POOL_FEE = 0.025
MAINTENANCE = 5.0
UNIT_PRICE = 2_800.0
DEGRADATION = 0.03
TAX = 0.21
LIFE_MONTHS = 36
NETWORK_EHS = 800.0
BTC_USD = 100_000.0
FEES = 0.02
START_HEIGHT = 1_010_000  # 40,000 blocks before the halving: it lands in 2028-03


@pytest.fixture
def results(project_factory):
    project = project_factory(
        fleet=[
            {
                "model": "S21",
                "count": COUNT,
                "unit_price_usd": UNIT_PRICE,
                "purchase_month": "2027-06",
                "degradation_per_year": DEGRADATION,
            }
        ],
        site={"maintenance_usd_per_rig_month": MAINTENANCE},
        finance={"tax_rate": TAX, "auto_shutdown": True},
        scenario={"start_block_height": START_HEIGHT},
    )
    return project, compute(compile_inputs(project), keep_rows=True)


def hand_months(n: int) -> list[dict[str, float]]:
    out = _pretax_months(n)
    loss = 0.0
    # Fiscal (calendar) years: 2027 is June to December (months 0-6), then 12 months each.
    bounds = [0, *range(7, n, 12), n]
    for start, end in itertools.pairwise(bounds):
        year = out[start:end]
        income = sum(m["ebitda_usd"] - m["tax_depreciation_usd"] for m in year)
        used = min(loss, 0.8 * max(income, 0.0))
        loss = loss - used + max(-income, 0.0)
        for m in year:
            m["tax_usd"] = 0.0
        year[-1]["tax_usd"] = TAX * max(income - used, 0.0)
    for m in out:
        m["free_cash_flow_usd"] = m["ebitda_usd"] - m["capex_usd"] - m["tax_usd"]
    return out


def _pretax_months(n: int) -> list[dict[str, float]]:
    out = []
    height = float(START_HEIGHT)
    year, month = 2027, 6
    for t in range(n):
        days = calendar.monthrange(year, month)[1]
        blocks = days * 144
        before_halving = min(max(1_050_000 - height, 0.0), blocks)
        subsidy = before_halving * 3.125 + (blocks - before_halving) * 1.5625
        issuance = subsidy + blocks * FEES
        hash_th = COUNT * HASH_TH * (1 - DEGRADATION) ** (t / 12)
        btc_full = hash_th * 1e-6 / NETWORK_EHS * issuance * (1 - POOL_FEE)
        kwh_full = COUNT * POWER_W / 1000 * 24 * days * OVERHEAD
        on = btc_full * BTC_USD >= kwh_full * PRICE_KWH
        availability = UPTIME * on
        btc = btc_full * availability
        revenue = btc * BTC_USD
        energy = kwh_full * availability
        power = energy * PRICE_KWH
        opex = COUNT * MAINTENANCE
        ebitda = revenue - power - opex
        capex = COUNT * UNIT_PRICE if t == 0 else 0.0
        depreciation = COUNT * UNIT_PRICE / LIFE_MONTHS
        out.append(
            {
                "days": days,
                "blocks": blocks,
                "block_height_start": height,
                "subsidy_btc": subsidy,
                "fees_btc": blocks * FEES,
                "hashprice_usd_per_ph_day": issuance / days * BTC_USD / (NETWORK_EHS * 1000),
                "btc_mined": btc,
                "revenue_usd": revenue,
                "power_cost_usd": power,
                "opex_usd": opex,
                "ebitda_usd": ebitda,
                "capex_usd": capex,
                "depreciation_usd": depreciation,
                "tax_depreciation_usd": COUNT * UNIT_PRICE / 7 if t < 7 else 0.0,
                "curtailment_credit_usd": 0.0,
            }
        )
        height += blocks
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


def test_first_month_written_out(results) -> None:
    project, res = results
    m0 = build_report(project, res)["monthly"][0]
    # June 2027: 30 days, 4,320 blocks, all before the halving.
    assert m0["month"] == "2027-06"
    assert m0["blocks"] == 4_320
    assert m0["subsidy_btc"] == pytest.approx(13_500.0, abs=1e-9)
    assert m0["fees_btc"] == pytest.approx(86.4, abs=1e-9)
    # 20,000 TH/s of 800 EH/s, 13,586.4 BTC issued, 97 % uptime, 2.5 % pool fee:
    # 20,000 x 13,586.4 / 800,000,000 = 0.33966 BTC; x 0.97 x 0.975 = 0.321233445 BTC.
    assert m0["btc_mined"] == pytest.approx(0.321233445, abs=1e-12)
    assert m0["revenue_usd"] == pytest.approx(32_123.3445, abs=1e-6)
    # 350 kW x 720 h x 0.97 x 1.05 = 256,662 kWh at $0.06.
    assert m0["power_cost_usd"] == pytest.approx(15_399.72, abs=1e-6)
    assert m0["opex_usd"] == pytest.approx(500.0, abs=1e-9)
    assert m0["ebitda_usd"] == pytest.approx(16_223.6245, abs=1e-6)
    assert m0["capex_usd"] == pytest.approx(280_000.0, abs=1e-9)
    assert m0["depreciation_usd"] == pytest.approx(7_777.777778, abs=1e-6)
    # Bonus depreciation: $280,000 over June to December 2027, $40,000 a month; the
    # year's tax is paid in December.
    assert m0["tax_depreciation_usd"] == pytest.approx(40_000.0, abs=1e-9)
    assert m0["taxable_income_usd"] == pytest.approx(16_223.6245 - 40_000, abs=1e-6)
    assert m0["tax_usd"] == 0.0
    assert m0["free_cash_flow_usd"] == pytest.approx(16_223.6245 - 280_000, abs=1e-5)


def test_first_year_every_figure(results) -> None:
    project, res = results
    report = build_report(project, res)
    expected = hand_months(24)[:12]  # the 2028 tax is paid in December 2028
    cumulative = 0.0
    for t, (got, want) in enumerate(zip(report["monthly"][:12], expected, strict=True)):
        cumulative += want["free_cash_flow_usd"]
        for key, value in want.items():
            assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-9), (t, key)
        assert got["cumulative_fcf_usd"] == pytest.approx(cumulative, rel=1e-12), t
        assert got["network_hashrate_ehs"] == NETWORK_EHS
        assert got["btc_price_usd"] == BTC_USD
    # The halving lands in March 2028 (month 9): its subsidy is split.
    assert report["monthly"][9]["month"] == "2028-03"
    assert 1.5625 * 4_464 < report["monthly"][9]["subsidy_btc"] < 3.125 * 4_464
    # One row: the row's own series are the fleet's.
    for key in ("btc_mined", "revenue_usd", "power_cost_usd", "tax_usd", "free_cash_flow_usd"):
        assert getattr(res.rows, key)[0, :12] == pytest.approx(
            [m[key] for m in expected], rel=1e-12, abs=1e-9
        )


def test_answers_from_the_hand_cash_flows(results) -> None:
    project, res = results
    flows = [m["free_cash_flow_usd"] for m in hand_months(24)]
    capex = [m["capex_usd"] for m in hand_months(24)]
    # Capex at the start of its month, the rest of the month's flow at its end.
    npv = sum(
        (f + c) / 1.10 ** ((t + 1) / 12) - c / 1.10 ** (t / 12)
        for t, (f, c) in enumerate(zip(flows, capex, strict=True))
    )
    assert capex[0] == 280_000
    assert res.fleet_kpis.npv_usd[0] == pytest.approx(npv, rel=1e-12)
    cumulative, payback = 0.0, None
    for t, (f, c) in enumerate(zip(flows, capex, strict=True)):
        start = cumulative - c  # after the month's capex, which comes first
        if start < 0 <= cumulative + f:
            payback = t + (-start) / (f + c)
            break
        cumulative += f
    fleet = build_report(project, res)["fleet"]
    if payback is None:
        assert fleet["payback_status"] == "never"
        assert fleet["payback_months"] is None
    else:
        assert fleet["payback_months"] == pytest.approx(payback, rel=1e-12)
    btc = sum(m["btc_mined"] for m in hand_months(24))
    cash = sum(m["power_cost_usd"] + m["opex_usd"] for m in hand_months(24))
    dep = sum(m["depreciation_usd"] for m in hand_months(24))
    assert fleet["btc_mined"] == pytest.approx(btc, rel=1e-12)
    assert fleet["cost_per_btc_cash_usd"] == pytest.approx(cash / btc, rel=1e-12)
    assert fleet["cost_per_btc_all_in_usd"] == pytest.approx((cash + dep) / btc, rel=1e-12)
    assert fleet["roi"] == pytest.approx(sum(flows) / 280_000, rel=1e-12)


def test_breakevens_in_the_first_month(results) -> None:
    project, res = results
    row = build_report(project, res)["rows"][0]
    days = 30
    issuance = 13_500 + 86.4
    btc_per_day = COUNT * HASH_TH * 1e-6 / NETWORK_EHS * issuance / days * (1 - POOL_FEE)
    power_per_day = COUNT * POWER_W / 1000 * 24 * OVERHEAD * PRICE_KWH
    assert row["breakeven_btc_price_usd"] == pytest.approx(power_per_day / btc_per_day, rel=1e-12)
    # $529.20 a day for 20 PH/s after a 2.5 % pool fee: $27.138 per PH/s per day.
    assert row["breakeven_hashprice_usd_per_ph_day"] == pytest.approx(
        529.2 / (20 * 0.975), rel=1e-12
    )
    kwh_per_day = COUNT * POWER_W / 1000 * 24 * OVERHEAD
    assert row["breakeven_power_usd_per_kwh"] == pytest.approx(
        btc_per_day * BTC_USD / kwh_per_day, rel=1e-12
    )
    assert math.isclose(
        row["breakeven_power_usd_per_kwh"] * kwh_per_day, btc_per_day * BTC_USD, rel_tol=1e-12
    )
