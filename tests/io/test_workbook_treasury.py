"""The Treasury sheet recalculates to the engine's treasury.

Each case is exported, recalculated by LibreOffice (headless) and read back; every month
of the cash roll-forward (start, each component, their sum, end; to $0.01), the BTC
roll-forward (to 1e-8 BTC), each instrument's schedule (draw, fee, interest, principal,
repaid without cash, closing balance; to $0.01), each BTC loan's collateral (1e-8 BTC)
and LTV (1e-9), each hedge's settlement and premium ($0.01), the runway and the minimum
cash are compared with run_treasury, and each equipment loan's principal due on retired
rows, its rigs' book value and the loan to it. The cases: the sample (equipment financing, a
BTC-backed credit line, a hashprice forward) and a falling price path on which a BTC
loan meets a margin call and then a liquidation, a put, a collar and a short future pay,
and a term loan drawn before the horizon runs beside one with interest-only months and a
rate path, a convertible that converts and a hashrate prepayment, and equipment financing
drawn before the horizon on two batches, one retiring before it is repaid; held BTC is sold to a
buffer above the cash (the loan's pledge falls short of its BTC, a first liquidation);
and the same with a higher buffer, where held BTC runs out and the runway is a month.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook

from planner.domain.months import add_months
from planner.domain.treasury import DebtInstrument, Hedge
from planner.engine import run
from planner.engine.treasury import TreasuryResult, run_treasury
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path
from planner.io.workbook import export_workbook
from planner.io.workbook.treasury import FIRST_ROW, GROUP_ROW, HEADER_ROW, MIN_CASH_ROW, RUNWAY_ROW

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if SOFFICE is None:
    if os.environ.get("CI"):
        raise RuntimeError(
            "LibreOffice (soffice) is needed: apt-get install libreoffice-calc-nogui"
        )
    pytest.skip("LibreOffice (soffice) is not installed", allow_module_level=True)

USD_TOL = 0.01
BTC_TOL = 1e-8
LTV_TOL = 1e-9
# A crash in month 4 takes the BTC loan, topped up in month 3, past its liquidation LTV.
FALLING_USD = [67_000, 62_000, 58_000, 52_000, 38_000, 36_000, 34_000, 33_000, 36_000]
FALLING_USD += [42_000, 50_000, 58_000, 64_000, 70_000, 76_000, 80_000]


def stressed_project(buffer_usd: float = 35_000_000) -> Any:
    """The sample on a falling then recovering price, with every kind of debt and hedge."""
    sample = load_project(sample_project_path())
    scenario = sample.scenario(None)
    start = scenario.start_month
    scenarios = [
        s.model_copy(update={"btc_price_path_usd": FALLING_USD}) if s.name == scenario.name else s
        for s in sample.scenarios
    ]

    def month(k: int) -> date:
        return add_months(start, k)

    # The equipment financing on the newest batch, and one drawn before the horizon on
    # two older batches, one of which retires in 2028-06 (month 18) before it is repaid.
    debt = [sample.debt[0], OLD_RIGS_LOAN, *_debt(month)]
    hedges = [sample.hedges[0], *_hedges(month)]  # the hashprice forward
    # A buffer above the opening cash: held BTC is sold to cover it from the first month,
    # until what is not pledged runs out and cash falls below it (the runway).
    assert sample.treasury is not None
    treasury = sample.treasury.model_copy(
        update={
            "min_cash_usd": buffer_usd,
            "opening_btc_held": 700,
            "opening_btc_cost_basis_usd": 700 * 45_000,
        }
    )
    update = {"scenarios": scenarios, "debt": debt, "hedges": hedges, "treasury": treasury}
    return sample.model_copy(update=update)


OLD_RIGS_LOAN = DebtInstrument(
    name="Old rigs loan",
    type="equipment",
    fleet_rows=["S19j Pro 2021", "S21 2024"],
    advance_rate=0.5,
    rate_per_year=0.08,
    term_months=60,
)
OLD_RIGS_RETIRE = 18  # S19j Pro 2021 retires in 2028-06


def _debt(month: Callable[[int], date]) -> list[DebtInstrument]:
    """A BTC loan, a term loan with interest-only months and a rate path, one drawn before
    the horizon, a convertible that converts, a hashrate prepayment."""
    return [
        DebtInstrument(
            name="BTC loan",
            type="btc_loan",
            principal_usd=25_000_000,
            draw_month=month(1),
            rate_per_year=0.1,
            repayment="bullet",
            term_months=12,
            upfront_fee_share=0.01,
            btc_pledged=600,
            margin_call_ltv=0.75,
            liquidation_ltv=0.9,
        ),
        # Drawn in the same month, listed after: it asks for 300 BTC when the loan above
        # has pledged all the BTC held (437 of the 600 it asked for): it pledges none.
        DebtInstrument(
            name="Second BTC loan",
            type="btc_loan",
            principal_usd=4_000_000,
            draw_month=month(1),
            rate_per_year=0.11,
            repayment="bullet",
            term_months=12,
            btc_pledged=300,
            margin_call_ltv=0.75,
            liquidation_ltv=0.9,
        ),
        DebtInstrument(
            name="Term loan",
            principal_usd=12_000_000,
            draw_month=month(2),
            rate_path_per_year=[0.08, 0.085, 0.09, 0.095, 0.1, 0.105, 0.11],
            interest_only_months=6,
            term_months=24,
            upfront_fee_share=0.015,
        ),
        DebtInstrument(
            name="Old loan",
            principal_usd=8_000_000,
            draw_month=month(-7),
            rate_per_year=0.07,
            interest_only_months=3,
            term_months=20,
        ),
        DebtInstrument(
            name="Convertible",
            type="convertible",
            principal_usd=5_000_000,
            draw_month=month(0),
            rate_per_year=0.05,
            term_months=6,
            conversion_btc_price_usd=30_000,
        ),
        DebtInstrument(
            name="Prepayment",
            type="prepayment",
            principal_usd=3_000_000,
            draw_month=month(3),
            term_months=10,
            delivered_ph=120,
        ),
    ]


def _hedges(month: Callable[[int], date]) -> list[Hedge]:
    """A put, a collar and a short future that pay on the falling price."""
    return [
        Hedge(
            name="Put",
            btc_amount=150,
            strike_usd=50_000,
            expiry_month=month(6),
            premium_usd=400_000,
        ),
        Hedge(
            name="Collar",
            type="collar",
            btc_amount=100,
            strike_usd=45_000,
            call_strike_usd=60_000,
            first_month=month(2),
            expiry_month=month(8),
            premium_usd=-20_000,
        ),
        Hedge(
            name="Short future",
            type="short_future",
            btc_amount=50,
            strike_usd=55_000,
            first_month=month(1),
            expiry_month=month(8),
        ),
    ]


def recalculate(paths: list[Path], out: Path, profile: Path) -> None:
    """Each workbook opened in LibreOffice (which computes every formula), saved with
    the values (as test_workbook_recalc does)."""
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )


CASES = {
    "sample": (lambda: load_project(sample_project_path()), None),
    "stressed": (stressed_project, 30),
    # Held BTC sold to a buffer above the cash runs out: the runway is a month.
    "runway": (lambda: stressed_project(60_000_000), 24),
}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("treasury")
    books: dict[str, Any] = {}
    paths = []
    for key, (make, horizon) in CASES.items():
        project = make()
        path = folder / f"{key}.xlsx"
        export_workbook(project, path, horizon_months=horizon)
        paths.append(path)
        results = run(project, None, horizon)
        books[key] = (path, project, run_treasury(results, project))
    recalculate(paths, folder / "out", folder / "profile")
    return {
        key: (
            load_workbook(folder / "out" / path.name, data_only=True),
            load_workbook(path),
            project,
            result,
        )
        for key, (path, project, result) in books.items()
    }


def columns(ws: Any) -> dict[tuple[str, str], int]:
    """Each monthly column by (block, header): the block's name is on GROUP_ROW."""
    found: dict[tuple[str, str], int] = {}
    block = ""
    for c in range(1, ws.max_column + 1):
        block = ws.cell(GROUP_ROW, c).value or block
        label = ws.cell(HEADER_ROW, c).value
        if label:
            found[(block, label)] = c
    return found


class Compare:
    def __init__(self, ws: Any, months: int) -> None:
        self.ws, self.months = ws, months
        self.at = columns(ws)
        self.problems: list[str] = []
        self.compared = 0

    def series(self, block: str, label: str, expected: np.ndarray, tol: float) -> None:
        c = self.at[(block, label)]
        for t in range(self.months):
            got = self.ws.cell(FIRST_ROW + t, c).value
            self.one(f"{block} / {label} month {t}", got, float(expected[t]), tol)

    def one(self, where: str, got: Any, expected: float, tol: float) -> None:
        self.compared += 1
        if not math.isfinite(expected):
            if got not in (None, ""):
                self.problems.append(f"{where}: workbook {got!r}, engine none")
        elif not isinstance(got, int | float) or abs(got - expected) > tol:
            self.problems.append(f"{where}: workbook {got!r}, engine {expected!r}")


CASH_LABELS = {
    "operating_cash_usd": "operating cash (USD)",
    "mined_btc_sales_usd": "mined BTC sold (USD)",
    "held_btc_sales_usd": "held BTC sold (USD)",
    "debt_draws_usd": "debt drawn (USD)",
    "upfront_fees_usd": "upfront fees (USD)",
    "interest_usd": "interest (USD)",
    "principal_usd": "principal (USD)",
    "hedge_settlements_usd": "hedge settlements (USD)",
    "hedge_premiums_usd": "hedge premiums (USD)",
    "prepayment_delivery_usd": "hashrate delivered (USD)",
    "tax_usd": "tax (USD)",
}


def _compare(book: Any, result: TreasuryResult) -> Compare:
    ws = book["Treasury"]
    months = result.cash_end_usd.shape[1]
    check = Compare(ws, months)
    p0 = {
        name: getattr(result, name)[0]
        for name in vars(result)
        if isinstance(getattr(result, name), np.ndarray)
    }
    check.series("Cash", "Cash at the start (USD)", p0["cash_start_usd"], USD_TOL)
    for key, label in CASH_LABELS.items():
        check.series("Cash", label, result.cash_components[key][0], USD_TOL)
    change = sum(result.cash_components.values())[0]
    check.series("Cash", "sum of the components (USD)", change, USD_TOL)
    check.series("Cash", "Cash at the end (USD)", p0["cash_end_usd"], USD_TOL)
    check.series("Cash", "Debt outstanding (USD)", p0["debt_end_usd"], USD_TOL)
    check.series("BTC", "BTC price (USD)", p0["btc_price_usd"], 1e-9)
    for label, key in (
        ("BTC held at the start", "btc_held_start"),
        ("BTC mined", "btc_mined"),
        ("BTC sold", "btc_sold"),
        ("BTC liquidated", "btc_liquidated"),
        ("BTC held at the end", "btc_held_end"),
        ("of which pledged", "btc_pledged_end"),
    ):
        check.series("BTC", label, p0[key], BTC_TOL)
    check.series("BTC", "BTC held at fair value (USD)", p0["btc_fair_value_end_usd"], USD_TOL)
    _compare_debt_and_hedges(check, result)
    runway = float(result.runway_with_sales_months[0])
    got = ws.cell(RUNWAY_ROW, 3).value
    if math.isfinite(runway):
        check.one("runway", got, runway, 0)
    elif got != "never":
        check.problems.append(f"runway: workbook {got!r}, engine never")
    without = float(result.runway_months[0])  # a value from the model
    expected = without if math.isfinite(without) else "never"
    if ws.cell(RUNWAY_ROW + 1, 3).value != expected:
        check.problems.append(f"runway without sales: {ws.cell(RUNWAY_ROW + 1, 3).value!r}")
    check.one(
        "minimum cash", ws.cell(MIN_CASH_ROW, 3).value, float(result.min_cash_usd[0]), USD_TOL
    )
    return check


def _compare_debt_and_hedges(check: Compare, result: TreasuryResult) -> None:
    """Each instrument's schedule, each BTC loan's collateral and LTV, each hedge."""
    for loan in result.instruments:
        n = loan.name
        check.series(n, "draw (USD)", loan.draw_usd[0], USD_TOL)
        check.series(n, "upfront fee (USD)", loan.fee_usd[0], USD_TOL)
        check.series(n, "interest (USD)", loan.interest_usd[0], USD_TOL)
        check.series(n, "principal (USD)", loan.principal_usd[0], USD_TOL)
        check.series(n, "closing balance (USD)", loan.balance_end_usd[0], USD_TOL)
        non_cash = [
            label
            for block, label in check.at
            if block == n and label.startswith(("repaid", "converted", "revenue"))
        ]
        check.series(n, non_cash[0], loan.non_cash_usd[0], USD_TOL)
        if loan.type == "equipment":
            check.series(
                n, "due on retired rows (USD)", loan.principal_on_retirement_usd[0], USD_TOL
            )
            check.series(
                n, "rigs' book value in service (USD)", loan.collateral_value_end_usd[0], USD_TOL
            )
            ratio = np.where(
                np.isfinite(loan.loan_to_collateral_value[0]),
                loan.loan_to_collateral_value[0],
                np.nan,
            )
            check.series(n, "loan to the rigs' value", ratio, LTV_TOL)
        if loan.type == "btc_loan":
            check.series(n, "collateral (BTC)", loan.btc_pledged_end[0], BTC_TOL)
            ltv = np.where(np.isfinite(loan.ltv[0]), loan.ltv[0], np.nan)
            check.series(n, "LTV", ltv, LTV_TOL)
    for hedge in result.hedges:
        check.series(hedge.name, "settlement (USD)", hedge.settlement_usd[0], USD_TOL)
        check.series(hedge.name, "premium (USD)", hedge.premium_usd[0], USD_TOL)


@pytest.mark.parametrize("case", list(CASES))
def test_treasury_sheet_equals_engine(recalculated: dict[str, Any], case: str) -> None:
    values, _formulas, _project, result = recalculated[case]
    check = _compare(values, result)
    assert not check.problems, "\n".join(check.problems[:40])
    assert check.compared > 1000


@pytest.mark.parametrize("case", list(CASES))
def test_every_treasury_formula_has_a_value(recalculated: dict[str, Any], case: str) -> None:
    """No formula of the sheet recalculates to an error; the monthly rows hold formulas
    but for the month numbers, a rate path's months and the cells from the model."""
    values, formulas, _project, _result = recalculated[case]
    shown, written = values["Treasury"], formulas["Treasury"]
    count = 0
    for row in written.iter_rows():
        for c in row:
            if c.data_type != "f":
                continue
            count += 1
            got = shown[c.coordinate].value
            assert not (isinstance(got, str) and (got.startswith("#") or got.startswith("Err:"))), (
                c.coordinate,
                c.value,
                got,
            )
    assert count > 1000
    at = columns(written)
    headers = {c: label for (_block, label), c in at.items()}
    for c, label in headers.items():
        cell = written.cell(FIRST_ROW + 1, c)
        if label == "Month #" or "from the model" in label or label == "rate (per year)":
            continue
        assert cell.data_type == "f", (label, cell.value)


def test_stressed_case_exercises_what_it_claims(recalculated: dict[str, Any]) -> None:
    _values, _formulas, _project, result = recalculated["stressed"]
    loans = {loan.name: loan for loan in result.instruments}
    btc = loans["BTC loan"]
    assert btc.btc_topped_up[0].max() > 0  # a margin call
    assert btc.btc_liquidated[0].max() > 0  # then a liquidation
    second = loans["Second BTC loan"]
    assert second.btc_pledged_end[0][1] == 0.0  # none free: never pledged twice
    assert [s.instrument for s in result.pledge_shortfalls] == ["BTC loan", "Second BTC loan"]
    assert result.btc_pledged_end[0][1] <= result.btc_held_end[0][1] + 1e-9
    term = loans["Term loan"]
    draw = int(np.argmax(term.draw_usd[0]))
    assert term.principal_usd[0][draw : draw + 6].sum() == 0  # interest only
    assert term.principal_usd[0][draw + 6] > 0
    rates = term.interest_usd[0][draw + 1 : draw + 5] / term.balance_end_usd[0][draw : draw + 4]
    assert len(set(np.round(rates * 12, 6))) > 1  # a rate path
    assert loans["Old loan"].balance_end_usd[0][0] < 8_000_000  # drawn before the horizon
    assert loans["Convertible"].non_cash_usd[0].max() > 0  # converted
    old_rigs = loans["Old rigs loan"]
    early = old_rigs.principal_on_retirement_usd[0]
    assert early[OLD_RIGS_RETIRE] > 0 and np.count_nonzero(early) == 1  # S19j Pro retires
    assert old_rigs.collateral_value_end_usd[0][0] > 0  # S21 2024 not yet depreciated
    assert not np.isfinite(old_rigs.loan_to_collateral_value[0][-1])  # owed on no value
    hedges = {h.name: h for h in result.hedges}
    assert hedges["Put"].settlement_usd[0].max() > 0
    assert hedges["Collar"].settlement_usd[0].max() > 0
    assert hedges["Short future"].settlement_usd[0].max() > 0
    assert result.cash_components["held_btc_sales_usd"][0].max() > 0
    runway = recalculated["runway"][3]
    assert math.isfinite(runway.runway_with_sales_months[0])  # cash ends below the buffer


def test_no_treasury_no_sheet(tmp_path: Path) -> None:
    project = load_project(sample_project_path())
    bare = project.model_copy(update={"treasury": None, "debt": [], "hedges": []})
    path = tmp_path / "bare.xlsx"
    export_workbook(bare, path, horizon_months=12)
    assert "Treasury" not in load_workbook(path, read_only=True).sheetnames


def test_treasury_sheet_prints(recalculated: dict[str, Any]) -> None:
    ws = recalculated["sample"][1]["Treasury"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.freeze_panes == f"C{FIRST_ROW}"
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.cell(FIRST_ROW, 1).value == "=Monthly!A2"
