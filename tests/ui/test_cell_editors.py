"""The cell editors a column kind gets: lists for references, a month picker, text."""

from __future__ import annotations

import pytest


def test_typed_editors(window) -> None:
    from PySide6.QtWidgets import QComboBox, QLineEdit, QStyleOptionViewItem

    view = window.sheets["fleet"]
    model = window.models["fleet"]
    delegate = view.itemDelegate()

    def editor(key: str):
        return delegate.createEditor(
            view.viewport(), QStyleOptionViewItem(), model.index(0, model.column_index(key))
        )

    site = editor("site")
    assert isinstance(site, QComboBox)
    assert [site.itemText(i) for i in range(site.count())] == [
        "Pecos, TX",
        "Hosted - Ohio",
        "Williston, ND",
    ]
    month = editor("purchase_month")
    assert isinstance(month, QLineEdit) and "Mar 2027" in month.placeholderText()
    purchased = model.index(0, model.column_index("purchase_month"))
    delegate.setEditorData(month, purchased)
    assert month.text() == "2021-09"
    # Typed as Excel writes it: a US date with its day, then a month name and short year.
    month.setText("3/15/2021")
    delegate.setModelData(month, model, purchased)
    assert f"{window.document.project.fleet[0].purchase_month:%Y-%m}" == "2021-03"
    month.setText("Jul-21")
    delegate.setModelData(month, model, purchased)
    assert f"{window.document.project.fleet[0].purchase_month:%Y-%m}" == "2021-07"
    count = editor("count")
    assert isinstance(count, QLineEdit)
    delegate.setEditorData(count, model.index(0, model.column_index("count")))
    assert count.text() == "4000"  # editors get the exact value, not the display format
    count.setText("4,100")
    delegate.setModelData(count, model, model.index(0, model.column_index("count")))
    assert window.document.project.fleet[0].count == 4_100


def test_a_plausible_slip_is_asked_about_before_it_is_written(window, qtbot, monkeypatch) -> None:
    from PySide6.QtWidgets import QStyleOptionViewItem

    from planner.ui.sheet import CellDelegate

    view = window.sheets["fleet"]
    model = window.models["fleet"]
    delegate = view.itemDelegate()
    asked: list[str] = []
    answers = iter([lambda slip: slip.meant, lambda slip: slip.as_typed, lambda slip: None])

    def answer(_parent, slip):
        asked.append(slip.question)
        return next(answers)(slip)

    monkeypatch.setattr(CellDelegate, "ask", staticmethod(answer))
    cell = model.index(0, model.column_index("degradation_per_year"))
    editor = delegate.createEditor(view.viewport(), QStyleOptionViewItem(), cell)
    before = window.document.project.fleet[0].degradation_per_year
    editor.setText("0.5")
    delegate.setModelData(editor, model, cell)
    assert window.document.project.fleet[0].degradation_per_year == before  # not yet
    qtbot.waitUntil(lambda: len(asked) == 1)
    assert asked[0] == "0.5 in Degradation (%/yr): 50 %, or did you mean 0.5 %?"
    assert window.document.project.fleet[0].degradation_per_year == pytest.approx(0.005)
    editor.setText("0.4")
    delegate.setModelData(editor, model, cell)
    qtbot.waitUntil(lambda: len(asked) == 2)
    assert window.document.project.fleet[0].degradation_per_year == pytest.approx(0.4)
    editor.setText("0.3")
    delegate.setModelData(editor, model, cell)
    qtbot.waitUntil(lambda: len(asked) == 3)
    assert window.document.project.fleet[0].degradation_per_year == pytest.approx(0.4)  # Cancel
    editor.deleteLater()
