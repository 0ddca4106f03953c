"""The treasury's warnings on the scenario's path: margin calls and liquidations of a
BTC-backed loan, cash below the buffer, an equipment loan above its rigs' value, a BTC
loan pledging more than is free; none on the sample, none without the treasury."""

from __future__ import annotations

from datetime import date

from planner.domain.months import format_month
from planner.domain.schema import TREASURY_COLUMNS
from planner.domain.treasury import DebtInstrument, treasury_notes
from planner.engine import run
from planner.engine.treasury import run_treasury
from planner.engine.warnings import plan_warnings
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path
from tests.engine.conftest import make_project
from tests.engine.treasury_cases import empty_project


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


def test_an_equipment_loan_above_its_rigs_value_is_a_warning() -> None:
    # 100 x 1,000 = 100,000 of rigs, book life 12 months from 2027-06: worth 100,000 x
    # (11 - t) / 12 at month t's end. 90 % advanced, interest only for 6 months at 0 %:
    # 90,000 owed against 91,667 in June, 83,333 in July (underwater), then the level
    # payments of 90,000 / 18 = 5,000 never catch up: months 1 to 11 are underwater.
    project = make_project(
        fleet=[
            {"model": "S21", "count": 100, "purchase_month": "2027-06", "unit_price_usd": 1_000}
        ],
        finance={"horizon_months": 12, "depreciation_years": 1},
    )
    loan = DebtInstrument(
        name="Rigs",
        type="equipment",
        fleet_rows=["Row 0"],
        advance_rate=0.9,
        term_months=24,
        interest_only_months=6,
    )
    project = project.model_copy(update={"debt": [loan]})
    results = run(project)
    treasury = run_treasury(results, project)
    assert treasury.instruments[0].underwater_months(0).tolist() == list(range(1, 12))
    warning = {w.key: w for w in plan_warnings(results, project, treasury)}["advance_rate"]
    assert (warning.section, warning.row) == ("debt", 0)
    assert warning.message == (
        "debt 'Rigs': owes $90,000 at the end of 2027-07, above its rigs' collateral value "
        "of $83,333 (their book value; 11 months underwater)"
    )


BTC_LINE = {
    "type": "btc_loan",
    "principal_usd": 500_000,
    "repayment": "bullet",
    "term_months": 12,
    "margin_call_ltv": 0.9,
    "liquidation_ltv": 0.95,
}


def test_a_btc_loan_pledging_more_than_is_free_is_named() -> None:
    # 15 BTC held and none mined or sold. "First" asks for 20 at the start: 15 free.
    # "Second" asks for 10 in 2027-03, when 15 are held and First holds 15 pledged:
    # none free.
    project = empty_project(
        6,
        treasury={"opening_btc_held": 15, "opening_btc_cost_basis_usd": 0},
        debt=[
            {**BTC_LINE, "name": "First", "btc_pledged": 20},
            {**BTC_LINE, "name": "Second", "btc_pledged": 10, "draw_month": "2027-03"},
        ],
    )
    first = (
        "BTC loan 'First' asks for 20.0000 BTC pledged at its draw in 2027-01, but 15.0000 "
        "BTC is free then (15.0000 held less 0.0000 pledged to other loans)"
    )
    # Known from the settings alone: the plan's (and the domain's) note.
    assert treasury_notes(
        project.debt, project.hedges, (date(2027, 1, 1), date(2027, 6, 1)), 15.0
    ) == [first]
    results = run(project)
    treasury = run_treasury(results, project)
    assert [
        (s.instrument, s.month, s.btc_asked, s.btc_held, s.btc_pledged_elsewhere, s.btc_free)
        for s in treasury.pledge_shortfalls
    ] == [("First", 0, 20.0, 15.0, 0.0, 15.0), ("Second", 2, 10.0, 15.0, 15.0, 0.0)]
    assert treasury.pledge_shortfalls[0].btc_pledged == 15.0
    notes = [n for n in treasury.notes if n.startswith("BTC loan")]
    assert notes[0] == first
    assert notes[1].startswith(
        "BTC loan 'Second' asks for 10.0000 BTC pledged at its draw in 2027-03, but 0.0000 "
        "BTC is free then (15.0000 held less 15.0000 pledged to other loans); it is "
        "secured by 0.0000 BTC"
    )
    # The pass pledges only what is free: never more, in all, than is held.
    assert treasury.pledge_shortfalls[1].btc_pledged == 0.0
    assert len(notes) == 2  # First's draw is the plan's note, not repeated
    warnings = [w for w in plan_warnings(results, project, treasury) if w.key == "btc_pledged"]
    assert [(w.row, w.message) for w in warnings] == [
        (
            0,
            "debt 'First': asks for 20.0000 BTC pledged at its draw in 2027-01, but 15.0000 "
            "BTC is free then (15.0000 held less 0.0000 pledged to other loans)",
        ),
        (
            1,
            "debt 'Second': asks for 10.0000 BTC pledged at its draw in 2027-03, but 0.0000 "
            "BTC is free then (15.0000 held less 15.0000 pledged to other loans)",
        ),
    ]


def test_loans_drawn_before_the_start_pledge_out_of_the_opening_holding() -> None:
    # 15 BTC held at the start. "Old" (drawn 2026-07, 24 months) holds 10 of them;
    # "Done" (2024-01, 12 months) was repaid before the start and holds none; "New",
    # drawn at the start, asks for 10 of the 5 left.
    project = empty_project(
        3,
        treasury={"opening_btc_held": 15, "opening_btc_cost_basis_usd": 0},
        debt=[
            {
                **BTC_LINE,
                "name": "Old",
                "btc_pledged": 10,
                "draw_month": "2026-07",
                "term_months": 24,
            },
            {**BTC_LINE, "name": "Done", "btc_pledged": 100, "draw_month": "2024-01"},
            {**BTC_LINE, "name": "New", "btc_pledged": 10},
        ],
    )
    new = (
        "BTC loan 'New' asks for 10.0000 BTC pledged at its draw in 2027-01, but 5.0000 BTC "
        "is free then (15.0000 held less 10.0000 pledged to other loans)"
    )
    treasury = run_treasury(run(project), project)
    assert [n for n in treasury.notes if n.startswith("BTC loan")] == [new]
    assert [
        (s.instrument, s.month, s.btc_held, s.btc_pledged_elsewhere, s.btc_free)
        for s in treasury.pledge_shortfalls
    ] == [("New", 0, 15.0, 10.0, 5.0)]


def test_two_loans_drawn_before_the_start_never_pledge_more_than_is_held() -> None:
    # 15 BTC held at the start; "A" and "B", both drawn 2026-07 for 24 months, ask for
    # 10 each: A (listed first) holds 10, B the 5 left. Nothing is mined, so the
    # collateral of the two is the whole holding, never 20. At $200,000 each, B's LTV on
    # its 5 BTC is 200,000 / (5 x 100,000) = 40 %, below its margin call.
    project = empty_project(
        3,
        treasury={"opening_btc_held": 15, "opening_btc_cost_basis_usd": 0},
        debt=[
            {
                **BTC_LINE,
                "name": name,
                "btc_pledged": 10,
                "principal_usd": 200_000,
                "draw_month": "2026-07",
                "term_months": 24,
            }
            for name in ("A", "B")
        ],
    )
    treasury = run_treasury(run(project), project)
    collateral = [flows.btc_pledged_end[0, 0] for flows in treasury.instruments]
    assert collateral == [10.0, 5.0]
    assert [(s.instrument, s.btc_free, s.btc_pledged) for s in treasury.pledge_shortfalls] == [
        ("B", 5.0, 5.0)
    ]
