"""What a table's filter keeps: a text anywhere, or a comparison in one column."""

from __future__ import annotations

from datetime import date

import pytest

from planner.domain import schema
from planner.domain.row_filter import FilterError, RowFilter

PRICE = schema.column("fleet", "unit_price_usd")
PURCHASED = schema.column("fleet", "purchase_month")
SITE = schema.column("fleet", "site")
NPV = schema.column("fleet", "result:npv_usd")


def test_text_is_found_in_any_cell_in_any_case() -> None:
    kept = RowFilter.parse("pecos")
    assert kept.keeps(["S21 2024", "Pecos, TX"])
    assert not kept.keeps(["S21 2024", "Williston, ND"])
    assert RowFilter.parse("  ").keeps(["anything"]) and not RowFilter.parse("").active


def test_numbers_compare_as_the_column_reads_them() -> None:
    over = RowFilter.parse(">$5,000", PRICE)
    assert over.operand == 5_000.0
    assert over.keeps(["$6,500"], 6_500.0) and not over.keeps(["$4,100"], 4_100.0)
    assert not over.keeps(["$5,000"], 5_000.0)
    assert RowFilter.parse(">=5000", PRICE).keeps(["$5,000"], 5_000.0)
    assert RowFilter.parse("<>5000", PRICE).keeps(["$4,100"], 4_100.0)
    assert RowFilter.parse("=4100", PRICE).keeps(["$4,100"], 4_100.0)


def test_months_compare_by_date_typed_as_excel_writes_them() -> None:
    before = RowFilter.parse("<=Dec 2023", PURCHASED)
    assert before.operand == date(2023, 12, 1)
    assert before.keeps(["2023-06"], date(2023, 6, 1))
    assert not before.keeps(["2024-04"], date(2024, 4, 1))
    assert not before.keeps([""], None)  # no month: not before anything


def test_text_columns_compare_whole_texts_and_results_as_numbers() -> None:
    not_pecos = RowFilter.parse("<>Pecos, TX", SITE)
    assert not not_pecos.keeps(["Pecos, TX"]) and not_pecos.keeps(["Williston, ND"])
    losing = RowFilter.parse("<0", NPV)
    assert losing.keeps(["-$1.20M"], -1_200_000.0) and not losing.keeps(["$5,000"], 5_000.0)


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        (">5000", None, "choose a column to compare with >"),
        (">=", PRICE, "a value after >="),
        (">abc", PRICE, "Unit price (USD): "),
        ("<13/1/2027", PURCHASED, "Purchased: "),
    ],
)
def test_a_filter_that_cannot_be_read_says_why(text, column, message) -> None:
    with pytest.raises(FilterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RowFilter.parse(text, column)
