"""The workbook's formula helpers and named columns, as text: no workbook is built."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from planner.io.workbook import columns, formulas
from planner.io.workbook.columns import MONTHLY, MONTHLY_BY_SITE, SITES, Columns, column_letter
from planner.io.workbook.formulas import (
    Formula,
    StartLevels,
    annual_irr,
    exact_match,
    monthly_irr,
    npv,
    payback_cells,
    pv,
    straight_line,
)


def test_formula_helpers_and_columns_do_not_need_openpyxl() -> None:
    for module in (formulas, columns):
        tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
        imported = {
            name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for name in (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
            )
        }
        assert not any(name.startswith("openpyxl") for name in imported), module.__name__


@pytest.mark.parametrize(
    ("number", "letters"), [(1, "A"), (3, "C"), (26, "Z"), (27, "AA"), (52, "AZ"), (703, "AAA")]
)
def test_column_letters(number: int, letters: str) -> None:
    assert column_letter(number) == letters


def test_named_columns_give_the_letters_and_ranges_formulas_read() -> None:
    assert MONTHLY["btc_mined"] == "L"
    assert MONTHLY["cum_fcf"] == "V"
    assert MONTHLY.span("fcf", 2, 25) == "Monthly!$U$2:$U$25"
    assert MONTHLY_BY_SITE.span("t", 3, 8) == "'Monthly by site'!$D$3:$D$8"
    assert SITES.ref("contract_no", 4) == "Sites!$K$4"
    assert len(SITES) == 23
    assert MONTHLY.headers[0] == "Month"


def test_a_key_used_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="used twice"):
        Columns("X", [("A", "a"), ("B", "a")])


def test_exact_match_compares_text_as_it_is() -> None:
    assert exact_match("B4", "Contracts!$A$4:$A$6") == (
        "MATCH(TRUE,INDEX(EXACT(Contracts!$A$4:$A$6,B4),0),0)"
    )


def test_straight_line_counts_the_fraction_of_the_last_month() -> None:
    assert straight_line("Q4", "M4", "R4", "C$3") == (
        "Q4*(C$3>=M4)*((R4>=C$3+1)+(R4>C$3)*(R4<C$3+1)*(R4-C$3))"
    )


def test_payback_cells_use_the_helper_cells() -> None:
    neg, back, at, months, status = payback_cells("T", "CUM", ("W4", "X4", "Y4"))
    assert neg == '=IF(COUNTIF(CUM,"<0")=0,-1,_xlfn.MINIFS(T,CUM,"<0"))'
    assert "W4" in back and 'COUNTIFS(CUM,">=0",T,">="&W4)' in back
    during = "(INDEX(CUM,X4+1)-INDEX(CUM,X4))"  # the month's flow: its end less its start
    assert at == f'=IF(X4<0,"",X4+IF({during}>0,-INDEX(CUM,X4)/{during},0))'
    assert months == '=IF(W4<0,0,IF(X4<0,"",Y4-W4))'
    assert status == '=IF(W4<0,"immediate",IF(X4<0,"never","paid back"))'
    assert all(isinstance(f, Formula) for f in (neg, back, at, months, status))


def test_payback_cells_from_the_levels_at_month_starts() -> None:
    start = StartLevels.of_range("T", "S")
    neg, _back, at, _months, _status = payback_cells("T", "CUM", ("W4", "X4", "Y4"), start=start)
    first_start = 'IF(COUNTIF(S,"<0")=0,-1,_xlfn.MINIFS(T,S,"<0"))'
    # The first month below zero at its end or at its start, whichever comes first.
    assert neg == (
        f'=IF(COUNTIF(CUM,"<0")=0,{first_start},IF({first_start}<0,'
        f'_xlfn.MINIFS(T,CUM,"<0"),MIN({first_start},_xlfn.MINIFS(T,CUM,"<0"))))'
    )
    # Interpolated from the level at the month's start, after its capex.
    assert "INDEX(S,X4+1)" in at and "INDEX(CUM,X4)" not in at


def test_irr_and_npv() -> None:
    # Excel starts from the planner's own rate: 12.68 % a year is 1 % a month.
    assert monthly_irr("F", 1.01**12 - 1) == '=IFERROR(IRR(F,0.010000000000000009),"")'
    assert monthly_irr("F", float("nan")) == '=IFERROR(IRR(F,0.01),"")'
    assert annual_irr("Z4", "Q4") == (
        '=IF(OR(Q4="immediate",Z4=""),"",IF(OR(Z4<=-1,Z4>10),"",(1+Z4)^12-1))'
    )
    assert npv("F") == "=NPV((1+DiscountRate)^(1/12)-1,F)"
    # Capex at its month's start: g times its PV at month ends less.
    assert npv("F", pv("C")) == (
        "=NPV((1+DiscountRate)^(1/12)-1,F)-((1+DiscountRate)^(1/12)-1)"
        "*NPV((1+DiscountRate)^(1/12)-1,C)"
    )
