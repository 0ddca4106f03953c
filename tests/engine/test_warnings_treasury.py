"""The treasury's warnings on the scenario's path: margin calls and liquidations of a
BTC-backed loan, cash below the buffer; none on the sample, none without the treasury."""

from __future__ import annotations

from planner.domain.months import format_month
from planner.domain.schema import TREASURY_COLUMNS
from planner.engine import run
from planner.engine.treasury import run_treasury
from planner.engine.warnings import plan_warnings
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


def _falling(growth_per_year: float):
    project = load_project(sample_project_path())
    scenarios = [
        s.model_copy(update={"btc_price_growth_per_year": growth_per_year})
        if s.name == project.active_scenario
        else s
        for s in project.scenarios
    ]
    return project.model_copy(update={"scenarios": scenarios})


def test_the_sample_has_no_treasury_warning() -> None:
    project = load_project(sample_project_path())
    results = run(project)
    assert plan_warnings(results, project, run_treasury(results, project)) == []


def test_margin_calls_liquidations_and_cash_below_the_buffer_are_warnings() -> None:
    project = _falling(-0.5)
    results = run(project)
    treasury = run_treasury(results, project)
    starts = results.inputs.timeline.month_starts
    warnings = plan_warnings(results, project, treasury)
    by_key = {(w.section, w.key): w for w in warnings}
    row = next(i for i, d in enumerate(project.debt) if d.type == "btc_loan")
    loan = treasury.instruments[row]
    topped = [t for t in range(len(starts)) if loan.btc_topped_up[0, t] > 0]
    call = by_key["debt", "margin_call_ltv"]
    assert call.row == row
    assert call.message == (
        f"debt 'BTC-backed credit line': margin call in {len(topped)} months, first "
        f"{format_month(starts[topped[0]])}: {loan.btc_topped_up[0].sum():,.4f} BTC topped up"
    )
    liquidated = by_key["debt", "liquidation_ltv"]
    assert f"{loan.btc_liquidated[0].sum():,.4f} BTC sold by the lender" in liquidated.message
    cash = by_key["treasury", "min_cash_usd"]
    first = int(treasury.runway_with_sales_months[0])
    assert TREASURY_COLUMNS[cash.row].key == "min_cash_usd"
    assert f"cash ends {format_month(starts[first])} at" in cash.message
    assert "below the minimum cash buffer of $5,000,000" in cash.message
    # Without the treasury's result the warnings are the fleet's only.
    assert not [w for w in plan_warnings(results, project) if w.section in ("debt", "treasury")]
