"""Tax as filed, worked by hand: fiscal years with a loss limit and an expiry, payments,
MACRS and bonus depreciation, disposals, the terminal value and corporate G&A."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from planner.engine import compile_inputs, compute
from planner.engine.fiscal import FiscalCalendar, annual_tax
from planner.io.report import build_report

ONE_S21 = {"model": "S21", "count": 10, "purchase_month": "2024-07", "unit_price_usd": 3_000}


def test_a_fiscal_year_with_an_80_percent_limit() -> None:
    years = annual_tax(np.array([-100.0, 50.0, 200.0, -30.0, 100.0]), 0.2, 0.8, 0)
    # 2: 80 % of 50 = 40 of the 100 loss offsets it, 10 is taxed; 3: the last 60 of
    # the loss, 140 taxed; 4: a new loss of 30; 5: all 30 offsets 100 (80 allowed).
    assert years.loss_used_usd.tolist() == [0.0, 40.0, 60.0, 0.0, 30.0]
    assert years.tax_usd == pytest.approx([0.0, 2.0, 28.0, 0.0, 14.0])
    assert years.loss_carryforward_end_usd.tolist() == [100.0, 60.0, 0.0, 30.0, 0.0]
    # 100 % is no limit: the loss offsets all of year 2.
    assert annual_tax(np.array([-100.0, 50.0]), 0.2, 1.0, 0).tax_usd.tolist() == [0.0, 0.0]


def test_losses_expire_oldest_first() -> None:
    taxable = np.array([-100.0, -20.0, 0.0, 50.0])
    # Usable in the two years after their own: the first year's loss is gone by year 4,
    # the second's offsets 20 of year 4's 50 (80 % would allow 40).
    two = annual_tax(taxable, 0.2, 0.8, 2)
    assert two.loss_expired_usd.tolist() == [0.0, 0.0, 100.0, 0.0]
    assert two.loss_used_usd[3] == 20.0
    assert two.tax_usd[3] == pytest.approx(6.0)
    three = annual_tax(taxable, 0.2, 0.8, 3)
    assert three.loss_used_usd[3] == 40.0  # oldest first, within 80 % of 50
    assert three.loss_carryforward_end_usd[3] == 20.0  # 60 of year 1 expire, 20 remain
    assert three.loss_expired_usd[3] == 60.0


def test_the_months_the_tax_is_paid_in() -> None:
    december = FiscalCalendar.of(date(2026, 12, 1), 60, 12)
    assert (december.offset, december.first_label, december.years) == (11, 2026, 6)
    paid = np.flatnonzero(december.payment_weights(quarterly=False))
    assert paid.tolist() == [0, 12, 24, 36, 48, 59]  # each December, and the horizon's end
    may = FiscalCalendar.of(date(2027, 5, 1), 20, 12)
    weights = may.payment_weights(quarterly=True)
    # 2027 from May: June, September, December, a third each; 2028 to December: four
    # quarters, the last two paid in the horizon's last month (2028-12 is month 19).
    assert {int(t): w for t, w in enumerate(weights) if w} == {
        1: pytest.approx(1 / 3),
        4: pytest.approx(1 / 3),
        7: pytest.approx(1 / 3),
        10: 0.25,
        13: 0.25,
        16: 0.25,
        19: 0.25,
    }
    june = FiscalCalendar.of(date(2027, 1, 1), 12, 6)
    assert (june.offset, june.first_label, june.labels) == (6, 2027, [2027, 2028])


def _results(project_factory, **kwargs):
    project = project_factory(**kwargs)
    return project, compute(compile_inputs(project), keep_rows=True)


def test_macrs_five_year_by_hand(project_factory) -> None:
    _p, res = _results(
        project_factory,
        fleet=[ONE_S21],
        scenario={"start_month": "2024-07"},
        finance={"horizon_months": 84, "tax_rate": 0.21},
    )
    deduction = res.rows.tax_depreciation_usd[0]
    # Placed in service July 2024, before 2025-01-20: no bonus. 20 % of $30,000 over
    # July to December, then 32 %, 19.2 %, 11.52 %, 11.52 % and 5.76 % a year by twelfths.
    expected = [1_000.0] * 6 + [800.0] * 12 + [480.0] * 12 + [288.0] * 24 + [144.0] * 12
    assert deduction[:66] == pytest.approx(expected)
    assert deduction[66:].tolist() == [0.0] * 18
    assert deduction.sum() == pytest.approx(30_000.0)
    # Book depreciation stays straight line over 3 years.
    assert res.rows.depreciation_usd[0, :36] == pytest.approx(np.full(36, 30_000 / 36))


@pytest.mark.parametrize(("month", "bonus"), [("2025-01", 0.0), ("2025-02", 1.0)])
def test_bonus_depreciation_by_date(project_factory, month: str, bonus: float) -> None:
    _p, res = _results(
        project_factory,
        fleet=[{**ONE_S21, "purchase_month": month}],
        scenario={"start_month": "2025-01"},
        finance={"horizon_months": 24, "tax_rate": 0.21},
    )
    year_2025 = res.rows.tax_depreciation_usd[0, :12].sum()
    # January 2025 begins before 2025-01-20: 20 % only. February: all of it in 2025.
    assert year_2025 == pytest.approx(30_000 * (bonus + (1 - bonus) * 0.20))


def test_a_sale_and_a_retirement_without_one(project_factory) -> None:
    fleet = [
        {**ONE_S21, "retire_month": "2026-07", "resale_usd_per_unit": 1_000},
        {**ONE_S21, "retire_month": "2026-07"},
    ]
    _p, res = _results(
        project_factory,
        fleet=fleet,
        scenario={"start_month": "2024-07"},
        finance={"horizon_months": 36, "tax_rate": 0.21},
    )
    # Deducted before July 2026: 6,000 + 9,600 + 6 x 480 = 18,480; basis left 11,520.
    gains = res.rows.gain_on_disposal_usd[:, 24]
    assert gains == pytest.approx([10_000 - 11_520, -11_520], abs=1e-6)
    assert np.count_nonzero(res.rows.gain_on_disposal_usd) == 2
    # Book: 24 of 36 months used, 10,000 left: the sale at 10,000 has no book gain.
    assert res.rows.book_gain_on_disposal_usd[:, 24] == pytest.approx([0.0, -10_000.0], abs=1e-6)
    assert res.rows.tax_depreciation_usd[:, 24:].sum() == 0.0  # deductions stop


@pytest.mark.parametrize("taxed", [True, False])
def test_the_terminal_value_after_its_tax(project_factory, taxed: bool) -> None:
    _p, res = _results(
        project_factory,
        fleet=[{**ONE_S21, "terminal_value_usd_per_unit": 500}],
        scenario={"start_month": "2024-07"},
        finance={"horizon_months": 30, "tax_rate": 0.21, "tax_terminal_value": taxed},
    )
    # Through December 2026 (month 29): 6,000 + 9,600 + 5,760 deducted; 8,640 left.
    gain = res.rows.gain_on_disposal_usd[0]
    assert gain[-1] == pytest.approx(5_000 - 8_640 if taxed else 0.0)
    assert gain[:-1].sum() == 0.0


def test_fiscal_years_add_up_and_a_loss_year_pays_nothing(project_factory) -> None:
    project, res = _results(
        project_factory,
        fleet=[{**ONE_S21, "count": 100, "purchase_month": "2027-03", "unit_price_usd": 600}],
        scenario={"start_month": "2027-01"},
        site={"fixed_opex_usd_per_month": 5_000},
        finance={"horizon_months": 36, "tax_rate": 0.25, "fiscal_year_end_month": 6},
    )
    report = build_report(project, res, uncertainty=False)
    years = report["fiscal_years"]
    assert [y["year"] for y in years] == [2027, 2028, 2029, 2030]
    monthly = report["monthly"]
    months_of = {2027: range(0, 6), 2028: range(6, 18), 2029: range(18, 30), 2030: range(30, 36)}
    carried = 0.0
    for year in years:
        months = months_of[year["year"]]
        income = sum(monthly[t]["taxable_income_usd"] for t in months)
        assert year["taxable_income_usd"] == pytest.approx(income)
        used = min(carried, 0.8 * max(income, 0.0))
        assert year["loss_used_usd"] == pytest.approx(used)
        assert year["tax_usd"] == pytest.approx(0.25 * max(income - used, 0.0))
        assert sum(monthly[t]["tax_usd"] for t in months) == pytest.approx(year["tax_usd"])
        assert monthly[months[-1]]["tax_usd"] == pytest.approx(year["tax_usd"])
        carried += max(-income, 0.0) - used
        assert year["loss_carryforward_end_usd"] == pytest.approx(carried)
        assert monthly[months[-1]]["loss_carryforward_usd"] == pytest.approx(carried)
    # The case has a loss year (the bonus) and a taxed year.
    assert years[0]["taxable_income_usd"] < 0 and years[0]["tax_usd"] == 0
    assert any(y["tax_usd"] > 0 for y in years)
    # Rows carry the whole of each payment.
    assert res.rows.tax_usd.sum(axis=0) == pytest.approx(res.fleet.tax_usd[0], abs=1e-6)


def test_quarterly_instalments(project_factory) -> None:
    _p, res = _results(
        project_factory,
        fleet=[{**ONE_S21, "count": 100, "purchase_month": "2023-01", "unit_price_usd": 100}],
        scenario={"start_month": "2027-01"},
        finance={"horizon_months": 24, "tax_rate": 0.2, "tax_payments": "quarterly"},
    )
    paid = res.fleet.tax_usd[0]
    year_tax = res.fiscal_years.tax_usd
    assert year_tax[0] > 0
    assert np.flatnonzero(paid).tolist() == [2, 5, 8, 11, 14, 17, 20, 23]
    assert paid[:12].sum() == pytest.approx(year_tax[0])
    assert paid[2] == pytest.approx(year_tax[0] / 4)


def test_corporate_g_and_a(project_factory) -> None:
    fleet = [{**ONE_S21, "purchase_month": "2027-06"}]
    _p, plain = _results(project_factory, fleet=fleet, finance={"tax_rate": 0.21})
    project, res = _results(
        project_factory, fleet=fleet, finance={"tax_rate": 0.21, "g_and_a_usd_per_month": 2_000}
    )
    assert res.fleet.g_and_a_usd[0] == pytest.approx(np.full(24, 2_000.0))
    assert res.fleet.ebitda_usd[0] == pytest.approx(res.sites.ebitda_usd.sum(axis=0) - 2_000)
    assert res.taxable_income_usd == pytest.approx(plain.taxable_income_usd - 2_000)
    fleet_kpis = build_report(project, res, uncertainty=False)["fleet"]
    btc = res.fleet.btc_mined[0].sum()
    all_in = (
        res.fleet.power_cost_usd[0].sum()
        + res.fleet.opex_usd[0].sum()
        + res.fleet.depreciation_usd[0].sum()
        + 24 * 2_000
    )
    assert fleet_kpis["cost_per_btc_all_in_usd"] == pytest.approx(all_in / btc)
    assert res.sites.g_and_a_usd.sum() == 0.0  # the company's, not a site's


def test_infrastructure_takes_its_own_book_life_and_tax_method(project_factory) -> None:
    site = {"infrastructure_capex_usd": 1_500_000, "infrastructure_capex_month": "2027-06"}
    finance = {"tax_rate": 0.21, "infrastructure_depreciation_years": 10, "horizon_months": 24}
    _p, res = _results(project_factory, fleet=[ONE_S21], site=site, finance=finance)
    infra_book = res.sites.depreciation_usd[0] - res.rows.depreciation_usd.sum(axis=0)
    assert infra_book == pytest.approx(np.full(24, 1_500_000 / 120))
    infra_tax = res.sites.tax_depreciation_usd[0] - res.rows.tax_depreciation_usd.sum(axis=0)
    # 15-year MACRS with 100 % bonus (placed in service after 2025-01-20): all in 2027.
    assert infra_tax[:7].sum() == pytest.approx(1_500_000)
    _p, buildings = _results(
        project_factory,
        fleet=[ONE_S21],
        site=site,
        finance={**finance, "infrastructure_tax_depreciation": "macrs_39"},
    )
    infra_39 = buildings.sites.tax_depreciation_usd[0] - buildings.rows.tax_depreciation_usd.sum(
        axis=0
    )
    # No bonus on buildings: half a year's 1/39 in 2027 (over its 7 months), then 1/39.
    assert infra_39[:7].sum() == pytest.approx(1_500_000 * 0.5 / 39)
    assert infra_39[7:19].sum() == pytest.approx(1_500_000 / 39)
