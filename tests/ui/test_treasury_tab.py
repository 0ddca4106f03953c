"""The Treasury tab on the sample: its answers are the engine's, its tables edit the
project through the undo stack, refused cells name their column, its charts follow."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from planner.domain.months import format_month
from planner.domain.schema import TREASURY_COLUMNS
from planner.engine import run
from planner.engine.treasury import run_treasury
from planner.ui.treasury_charts import NO_BTC_LOAN
from planner.ui.treasury_model import TreasuryModel

EDIT = Qt.ItemDataRole.EditRole


@pytest.fixture
def tab(window):
    window.tabs.setCurrentWidget(window.treasury)
    window.document.flush()
    return window.treasury


def _edit(window, section: str, row: int, key: str, text: str) -> bool:
    model = window.models[section]
    column = 0 if isinstance(model, TreasuryModel) else model.column_index(key)
    if isinstance(model, TreasuryModel):
        row = next(i for i, c in enumerate(TREASURY_COLUMNS) if c.key == key)
    done = model.setData(model.index(row, column), text, EDIT)
    window.document.flush()
    return done


def _btc_loan_row(window) -> int:
    return next(i for i, d in enumerate(window.document.project.debt) if d.type == "btc_loan")


def _ltv_curve(tab) -> np.ndarray:
    series = tab.charts.series("ltv")
    name = next(n for n in series if n.endswith(" LTV"))
    return series[name][1]


def test_the_tab_sits_after_finance_and_before_monthly(window) -> None:
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles.index("Treasury") == titles.index("Finance") + 1
    assert titles.index("Monthly") == titles.index("Treasury") + 1


def test_the_summary_is_the_engines_treasury(window, sample, tab) -> None:
    treasury = run_treasury(run(sample), sample)
    results = window.document.results
    runway = int(treasury.runway_months[0])  # 23 months on the sample
    month = format_month(results.inputs.timeline.month_starts[runway])
    values = tab.summary.values
    assert values["runway"] == f"{runway} mo ({month})"
    assert math.isnan(treasury.runway_with_sales_months[0])
    assert values["runway_with_sales"] == "never"
    assert values["min_cash"] == f"${treasury.min_cash_usd[0]:,.0f}"
    assert values["margin_calls"] == f"{len(treasury.margin_calls())}"
    assert values["debt_end"] == f"${treasury.debt_end_usd[0, -1]:,.0f}"
    np.testing.assert_allclose(window.document.treasury.cash_end_usd, treasury.cash_end_usd)


def test_the_kpi_strip_shows_the_runway_only_with_a_treasury(window, sample) -> None:
    treasury = run_treasury(run(sample), sample)
    runway = int(treasury.runway_months[0])
    assert window.kpis.values["runway"] == f"{runway} mo"
    assert (
        "runway" in window.kpis._note and "with sales never" in window.kpis._note["runway"].text()
    )
    bare = sample.model_copy(update={"treasury": None, "debt": [], "hedges": []})
    window.document.replace(bare, None)
    assert window.document.treasury is None
    assert "runway" not in window.kpis.values
    assert window.kpis._value["runway"].isHidden()


def test_pledged_btc_moves_the_ltv_chart_and_one_undo_restores_it(window, tab) -> None:
    row = _btc_loan_row(window)
    before = _ltv_curve(tab).copy()
    price_usd = window.document.treasury.btc_price_usd[0, 0]
    assert before[0] == pytest.approx(100 * 20_000_000 / (500 * price_usd))  # in %
    assert _edit(window, "debt", row, "btc_pledged", "800")
    assert window.document.project.debt[row].btc_pledged == 800
    after = _ltv_curve(tab)
    assert after[0] == pytest.approx(before[0] * 500 / 800)
    window.document.undo_stack.undo()
    window.document.flush()
    np.testing.assert_allclose(_ltv_curve(tab), before)
    assert window.document.project.debt[row].btc_pledged == 500


def test_a_refused_ltv_names_its_column(window, tab) -> None:
    row = _btc_loan_row(window)
    messages: list[str] = []
    window.document.problem.connect(messages.append)
    before = window.document.project
    assert not _edit(window, "debt", row, "liquidation_ltv", "60%")
    assert window.document.project is before
    assert messages and "Liquidation LTV (%)" in messages[-1]
    assert "margin_call_ltv" in messages[-1] or "margin call" in messages[-1].lower()
    model = window.models["debt"]
    assert (row, "liquidation_ltv") in model.cell_errors


def test_a_refused_setting_names_its_row(window, tab) -> None:
    messages: list[str] = []
    window.document.problem.connect(messages.append)
    assert not _edit(window, "treasury", 0, "sell_share_of_mined", "150%")
    assert messages and "Mined BTC sold in its month (%)" in messages[-1]


def test_no_treasury_shows_the_defaults_and_the_first_edit_creates_it(window, sample) -> None:
    bare = sample.model_copy(update={"treasury": None, "debt": [], "hedges": []})
    window.document.replace(bare, None)
    window.tabs.setCurrentWidget(window.treasury)
    model = window.models["treasury"]
    row = next(i for i, c in enumerate(TREASURY_COLUMNS) if c.key == "sell_share_of_mined")
    assert model.data(model.index(row, 0)) == "100%"
    assert window.treasury.summary.values["runway"] == "n/a"
    assert window.treasury.charts.notes["cash"].isVisibleTo(window.treasury.charts)
    assert _edit(window, "treasury", 0, "opening_cash_usd", "$12,000,000")
    assert window.document.project.treasury is not None
    assert window.document.project.treasury.opening_cash_usd == 12_000_000
    cash = window.treasury.charts.series("cash")["Cash at month end"][1]
    assert cash.size == window.document.results.inputs.months
    window.document.undo_stack.undo()
    window.document.flush()
    assert window.document.project.treasury is None
    assert window.document.treasury is None


def test_a_paste_down_the_settings_is_one_undo_step(window, tab) -> None:
    model = window.models["treasury"]
    count = window.document.undo_stack.count()
    assert model.paste_column(0, ["$10,000,000", "100"])
    window.document.flush()
    settings = window.document.project.treasury
    assert settings.opening_cash_usd == 10_000_000 and settings.opening_btc_held == 100
    assert window.document.undo_stack.count() == count + 1
    assert tab.charts.series("cash")["Cash at month end"][1][0] == pytest.approx(
        window.document.treasury.cash_end_usd[0, 0]
    )
    window.document.undo_stack.undo()
    assert window.document.project.treasury.opening_cash_usd == 30_000_000


def test_a_new_debt_row_is_typed_in_the_blank_row(window, tab) -> None:
    model = window.models["debt"]
    blank = model.rowCount() - 1
    assert model.setData(model.index(blank, model.column_index("name")), "Term loan A", EDIT)
    window.document.flush()
    assert window.document.project.debt[-1].name == "Term loan A"
    assert [i.name for i in window.document.treasury.instruments][-1] == "Term loan A"


def test_the_charts_show_cash_buffer_btc_and_debt(window, tab) -> None:
    treasury = window.document.treasury
    cash = tab.charts.series("cash")
    x, y = cash["Cash at month end"]
    np.testing.assert_allclose(y, treasury.cash_end_usd[0])
    assert x[0] == 1.0  # month-end balances at t + 1
    assert set(cash["Minimum cash buffer"][1]) == {5_000_000}
    np.testing.assert_allclose(tab.charts.series("btc")["BTC held"][1], treasury.btc_held_end[0])
    debt = tab.charts.series("debt")
    assert set(debt) == {i.name for i in treasury.instruments}
    ltv = tab.charts.series("ltv")
    assert set(ltv["BTC-backed credit line margin call"][1]) == {75.0}
    assert set(ltv["BTC-backed credit line liquidation"][1]) == {85.0}
    table = tab.charts.table("cash")
    assert table.headers == ("Month", "Cash at month end (USD)", "Minimum cash buffer (USD)")
    assert len(table.rows) == window.document.results.inputs.months
    assert not tab.charts.notes["ltv"].isVisibleTo(tab.charts)
    assert NO_BTC_LOAN  # said when there is none


def test_the_edit_menu_acts_on_the_inner_table_in_view(window, tab) -> None:
    tab.show_section("hedges")
    assert window.current_sheet() is window.sheets["hedges"]
    tab.show_section("treasury")
    assert window.current_sheet() is window.sheets["treasury"]
    assert window.charts.isHidden()  # the tab has charts of its own


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1600, 1000)])
def test_the_tab_is_usable_at_laptop_and_desktop_sizes(window, tab, width, height) -> None:
    window.resize(width, height)
    QApplication.processEvents()
    summary = tab.summary
    assert summary.isVisible() and summary.height() >= 30
    # Every figure of the summary fits in the width it has.
    right = max(label.geometry().right() for label in summary._value.values())
    assert right <= summary.width()
    tables, charts = tab.splitter.sizes()
    assert tables >= 400 and charts >= 400, (tables, charts)
    assert tab.charts.plots["cash"].height() >= 250
    view = window.sheets["treasury"]
    assert view.viewport().height() >= 10 * view.rowHeight(0)  # all settings in view
    assert not window.kpis._value["runway"].isHidden()
    kpi = window.kpis._note["runway"]
    assert kpi.geometry().right() <= window.kpis.width()  # the runway is not clipped


def test_the_summary_gives_the_peak_leverage_and_its_month() -> None:
    """Net debt / EBITDA at the horizon's end read -196.95x on the sample (cash piled up,
    no debt): the strip gives the peak a covenant would test."""
    import numpy as np

    from planner.engine import run
    from planner.engine.treasury import run_treasury
    from planner.io.project_file import load_project
    from planner.io.resources import sample_project_path
    from planner.ui.treasury_summary import _peak_leverage, summary_texts

    project = load_project(sample_project_path())
    results = run(project)
    treasury = run_treasury(results, project)
    ratios = treasury.net_debt_to_ebitda[0]
    peak = int(np.nanargmax(ratios))
    month = f"{results.inputs.timeline.month_starts[peak]:%Y-%m}"
    assert summary_texts(results, treasury)["leverage"] == f"{ratios[peak]:,.2f}x ({month})"
    assert _peak_leverage(np.array([-1.0, -0.5, np.nan]), ["a", "b", "c"]) == "net cash"
    assert _peak_leverage(np.array([np.nan, np.nan]), ["a", "b"]) == "n/a"
