"""The Treasury sheet (only when the project has a treasury, debt or hedges): the
company's cash and BTC month by month on the scenario's path (MODEL.md "Treasury, debt
and hedges"), one row a month as on the Monthly sheet.

Top: the runway (the first month cash ends below the buffer), the minimum cash and the
opening balances. Then by month: the cash roll-forward (start = the month before's end;
end = start + the components, their sum shown), the BTC roll-forward (held end = start +
mined - sold - liquidated), each debt instrument's schedule and each BTC loan's LTV,
each hedge's settlement and premium; an equipment loan's principal due on rows retiring
before it is repaid, its rigs' book value and the loan to it. Below the months, the
instruments' and hedges' terms and the equipment loans' rows, which the formulas read.

Formulas reference the Monthly sheet for the operating cash, the BTC mined, the price,
the hashprice and the days. What the sale policy and the margin-call rules decide (BTC
sold from the month's mining and from holdings, collateral topped up and liquidated) and
the tax on the treasury's items (the fiscal year's tax refiled, solved with the sales)
are the engine's values, in cells marked "from the model"; the formulas use them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from openpyxl.styles import PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.engine.treasury import TreasuryPlan, TreasuryResult
from planner.engine.treasury_result import CASH_COMPONENTS
from planner.io.workbook.book import BOLD, INPUT_FONT, Book, cell, header, text_cell, title, widths
from planner.io.workbook.columns import BTC, COUNT, MONTH, USD, USD_CENTS, column_letter
from planner.io.workbook.data import ExportData
from planner.io.workbook.formulas import Formula
from planner.io.workbook.treasury_collateral import (
    FINANCED_TERMS,
    FinancedTable,
    financed_row_values,
    financed_rows,
)
from planner.io.workbook.treasury_terms import (
    DEBT_TERMS,
    HEDGE_TERMS,
    BtcLoanRef,
    Col,
    Refs,
    debt_columns,
    debt_term_values,
    hedge_columns,
    hedge_term_values,
    monthly,
    term_letter,
)

MODEL_FILL = PatternFill("solid", fgColor="FCE4D6")  # a value from the model
GROUP_ROW = 8  # each block's name
HEADER_ROW = 9
FIRST_ROW = 10  # month 0
# The cells of the top block.
RUNWAY_ROW, WITHOUT_SALES_ROW, MIN_CASH_ROW = 2, 3, 4
# Labels in A (running over the empty B), values in C, a date in D, a note in E.
OPENING_CASH, OPENING_BTC, BUFFER = "$C$5", "$C$6", "$C$7"

CASH_HEADERS = {
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


class Layout:
    """The Treasury sheet's monthly columns in blocks, and the terms tables' rows."""

    def __init__(self, data: ExportData, plan: TreasuryPlan, result: TreasuryResult) -> None:
        self.data, self.plan, self.result = data, plan, result
        self.months = data.months
        self.at = Refs()
        self.last_row = FIRST_ROW + self.months - 1
        self.debt_row = self.last_row + 4  # the debt terms' first row (a blank row, title, header)
        self.hedge_row = self.debt_row + len(plan.loans) + 3
        # The equipment loans' rows (a blank row, title and header after the hedges).
        self.financed_row = self.hedge_row + len(plan.hedges) + 3
        names = [row.name for row in data.project.fleet]
        self.financed = financed_rows(data.project.debt, names)
        table = (
            FinancedTable(self.financed_row, self.financed_row + len(self.financed) - 1)
            if self.financed
            else None
        )
        self.blocks: list[tuple[str, list[Col]]] = []
        self.debt: list[list[Col]] = []
        btc_loans = [
            BtcLoanRef(f"d{j}_", self.debt_row + j)
            for j, terms in enumerate(plan.loans)
            if terms.type == "btc_loan"
        ]
        for j, (item, terms) in enumerate(zip(data.project.debt, plan.loans, strict=True)):
            flows = result.instruments[j]
            model = {"top_up": _row(flows.btc_topped_up), "liquidated": _row(flows.btc_liquidated)}
            self.debt.append(
                debt_columns(j, item, terms, self.debt_row + j, self.at, model, table, btc_loans)
            )
        self.hedges = [
            hedge_columns(h, terms, self.hedge_row + h, self.at)
            for h, terms in enumerate(plan.hedges)
        ]
        self.blocks = [
            ("", self.month_columns()),
            ("Cash", self.cash_columns()),
            ("BTC", self.btc_columns()),
            ("From the model", self.model_columns()),
        ]
        self.blocks += [
            (item.name, cols) for item, cols in zip(data.project.debt, self.debt, strict=True)
        ]
        self.blocks += [
            (h.name, cols) for h, cols in zip(data.project.hedges, self.hedges, strict=True)
        ]
        position = 1
        for _name, cols in self.blocks:
            for col in cols:
                self.at.letters[col.key] = column_letter(position)
                position += 1
        self.width = position - 1

    def sum_of(self, suffix: str, i: int, sign: str = "") -> Formula:
        """The month's sum of a column over the instruments (`d*_`) or hedges (`h*_`)."""
        keys = [
            c.key for cols in (*self.debt, *self.hedges) for c in cols if c.key.endswith(suffix)
        ]
        if not keys:
            return Formula("=0")
        return Formula(f"={sign}(" + "+".join(self.at(key, i) for key in keys) + ")")

    def month_columns(self) -> list[Col]:
        return [
            Col("month", "Month", MONTH, lambda t, _i: Formula(f"={monthly('month', t)}")),
            Col("t", "Month #", COUNT, lambda t, _i: t),
        ]

    def cash_columns(self) -> list[Col]:
        at = self.at
        first, last = CASH_COMPONENTS[0], CASH_COMPONENTS[-1]

        def start(t: int, i: int) -> Formula:
            return Formula(f"={OPENING_CASH}" if t == 0 else f"={at('cash_end', i - 1)}")

        makers = {
            "operating_cash_usd": lambda t, _i: Formula(
                f"={monthly('fcf', t)}+{monthly('tax', t)}-{monthly('revenue', t)}"
            ),
            "mined_btc_sales_usd": lambda _t, i: Formula(
                f"={at('sold_mined', i)}*{at('price', i)}"
            ),
            "held_btc_sales_usd": lambda _t, i: Formula(f"={at('sold_held', i)}*{at('price', i)}"),
            "debt_draws_usd": lambda _t, i: self.sum_of("_draw", i),
            "upfront_fees_usd": lambda _t, i: self.sum_of("_fee", i, "-"),
            "interest_usd": lambda _t, i: self.sum_of("_interest", i, "-"),
            "principal_usd": lambda _t, i: self.sum_of("_principal", i, "-"),
            "hedge_settlements_usd": lambda _t, i: self.sum_of("_settlement", i),
            "hedge_premiums_usd": lambda _t, i: self.sum_of("_premium", i, "-"),
            "prepayment_delivery_usd": lambda _t, i: self.sum_of("_delivered", i, "-"),
            "tax_usd": lambda t, i: Formula(f"=-{monthly('tax', t)}-{at('extra_tax', i)}"),
        }
        cols = [Col("cash_start", "Cash at the start (USD)", USD, start)]
        cols += [Col(key, CASH_HEADERS[key], USD, makers[key]) for key in CASH_COMPONENTS]
        cols += [
            Col(
                "cash_change",
                "sum of the components (USD)",
                USD,
                lambda _t, i: Formula(f"=SUM({at(first, i)}:{at(last, i)})"),
            ),
            Col(
                "cash_end",
                "Cash at the end (USD)",
                USD,
                lambda _t, i: Formula(f"={at('cash_start', i)}+{at('cash_change', i)}"),
            ),
            Col("debt_end", "Debt outstanding (USD)", USD, lambda _t, i: self.sum_of("_close", i)),
        ]
        return cols

    def btc_columns(self) -> list[Col]:
        at = self.at

        def start(t: int, i: int) -> Formula:
            return Formula(f"={OPENING_BTC}" if t == 0 else f"={at('held_end', i - 1)}")

        held_end = "={s}+{m}-{sold}-{liq}"
        return [
            Col(
                "price",
                "BTC price (USD)",
                USD_CENTS,
                lambda t, _i: Formula(f"={monthly('btc_price', t)}"),
            ),
            Col("held_start", "BTC held at the start", BTC, start),
            Col("mined", "BTC mined", BTC, lambda t, _i: Formula(f"={monthly('btc_mined', t)}")),
            Col(
                "sold",
                "BTC sold",
                BTC,
                lambda _t, i: Formula(f"={at('sold_mined', i)}+{at('sold_held', i)}"),
            ),
            Col(
                "liquidated", "BTC liquidated", BTC, lambda _t, i: self.sum_of("_liquidated_btc", i)
            ),
            Col(
                "held_end",
                "BTC held at the end",
                BTC,
                lambda _t, i: Formula(
                    held_end.format(
                        s=at("held_start", i),
                        m=at("mined", i),
                        sold=at("sold", i),
                        liq=at("liquidated", i),
                    )
                ),
            ),
            Col("pledged", "of which pledged", BTC, lambda _t, i: self.sum_of("_collateral", i)),
            Col(
                "fair_value",
                "BTC held at fair value (USD)",
                USD,
                lambda _t, i: Formula(f"={at('held_end', i)}*{at('price', i)}"),
            ),
        ]

    def model_columns(self) -> list[Col]:
        r = self.result
        sold_held = _row(r.btc_sold_from_holdings)
        sold_mined = _row(r.btc_sold - r.btc_sold_from_holdings)
        extra = _row(r.extra_tax_usd)
        return [
            Col(
                "sold_mined",
                "mined BTC sold (from the model)",
                BTC,
                lambda t, _i: sold_mined[t],
                True,
            ),
            Col(
                "sold_held", "held BTC sold (from the model)", BTC, lambda t, _i: sold_held[t], True
            ),
            Col(
                "extra_tax",
                "tax on the treasury's items (USD, from the model)",
                USD,
                lambda t, _i: extra[t],
                True,
            ),
        ]


def _row(values: np.ndarray) -> list[float]:
    """The scenario's path (path 0) as floats."""
    return [float(v) for v in values[0]]


def write_treasury(book: Book, data: ExportData) -> None:
    """The Treasury sheet, when the project has a treasury (`data.treasury`)."""
    if data.treasury is None:
        return
    plan, result = data.treasury
    layout = Layout(data, plan, result)
    rows = layout.hedge_row + len(plan.hedges) - 1  # the last hedge's (or header's) row
    if layout.financed:
        rows = layout.financed_row + len(layout.financed) - 1
    ws = book.sheet("Treasury", rows, layout.width)
    widths(ws, [11, 8] + [15] * (layout.width - 2))
    ws.freeze_panes = f"C{FIRST_ROW}"
    _top(ws, layout)
    groups: list[object] = []
    for name, cols in layout.blocks:
        groups += [cell(ws, name, font=BOLD)] + [None] * (len(cols) - 1)
    ws.append(groups)
    cols = [col for _name, block in layout.blocks for col in block]
    ws.append(header(ws, [c.header for c in cols]))
    styles = [_style(book, col) for col in cols]
    for t in range(layout.months):
        i = FIRST_ROW + t
        ws.append_formulas([col.make(t, i) for col in cols], styles)
    _terms(ws, layout)


def _style(book: Book, col: Col) -> int:
    """A column's cell style: shaded from the model; blue for a rate path's months (the
    only numbers but the month # that are inputs); else its number format."""
    if col.model:
        return book.style(col.fmt, fill=MODEL_FILL)
    if col.given:
        return book.style(col.fmt, font=INPUT_FONT)
    return book.style(col.fmt)


def _top(ws: WriteOnlyWorksheet, layout: Layout) -> None:
    """Rows 1-7: the title, the runway, the minimum cash and the opening balances."""
    at = layout.at
    ends = f"${at.letters['cash_end']}${FIRST_ROW}:${at.letters['cash_end']}${layout.last_row}"
    dates = f"$A${FIRST_ROW}:$A${layout.last_row}"
    months = f"$B${FIRST_ROW}:$B${layout.last_row}"
    # The engine's test: cash below the buffer by more than a millionth of a dollar.
    below = f'"<"&({BUFFER}-0.000001)'
    first = f'IF(COUNTIF({ends},{below})=0,"never",_xlfn.MINIFS({months},{ends},{below}))'
    result = layout.result
    without = float(result.runway_months[0])
    settings = layout.plan.policy
    note = (
        "Blue: inputs; shaded: values from the model (what the sale policy and the "
        "margin-call rules decide, and the tax on the treasury's items), which the "
        "formulas use; every other figure is a formula."
    )
    ws.append([*title(ws, "Treasury"), None, text_cell(ws, note)])
    runway = f"C{RUNWAY_ROW}"
    lines = [
        (
            "Runway",
            cell(ws, Formula(f"={first}"), COUNT),
            cell(ws, Formula(f'=IF(ISNUMBER({runway}),INDEX({dates},{runway}+1),"")'), MONTH),
            "month # and month in which cash first ends below the buffer under the policy",
        ),
        (
            "Without held sales",
            cell(ws, without if math.isfinite(without) else "never", COUNT, fill=MODEL_FILL),
            None,
            "the runway selling no held BTC (from the model: the policy rerun without such sales)",
        ),
        ("Minimum cash", cell(ws, Formula(f"=MIN({ends})"), USD), None, "USD, month end"),
        ("Opening cash", cell(ws, settings.opening_cash_usd, USD, font=INPUT_FONT), None, "USD"),
        ("Opening BTC held", cell(ws, settings.opening_btc_held, BTC, font=INPUT_FONT), None, ""),
        ("Cash buffer", cell(ws, settings.min_cash_usd, USD, font=INPUT_FONT), None, "USD"),
    ]
    for label, value, extra, text in lines:
        ws.append([cell(ws, label, font=BOLD), None, value, extra, text_cell(ws, text)])


def _terms(ws: WriteOnlyWorksheet, layout: Layout) -> None:
    """The debt and hedge terms tables, below the months."""
    data, plan = layout.data, layout.plan
    opening_btc = plan.policy.opening_btc_held
    ws.append([])
    ws.append([cell(ws, "Debt: terms", font=BOLD)])
    ws.append(header(ws, [h for _k, h, _f in DEBT_TERMS]))
    free_btc = opening_btc  # the opening holding no loan drawn before has pledged
    for item, terms in zip(data.project.debt, plan.loans, strict=True):
        values = debt_term_values(item, terms, layout.months, free_btc)
        free_btc -= float(values["collateral"])  # type: ignore[arg-type]
        ws.append(_term_cells(ws, DEBT_TERMS, values))
    ws.append([])
    ws.append([cell(ws, "Hedges: terms", font=BOLD)])
    ws.append(header(ws, [h for _k, h, _f in HEDGE_TERMS]))
    for hedge, hedge_terms in zip(data.project.hedges, plan.hedges, strict=True):
        ws.append(_term_cells(ws, HEDGE_TERMS, hedge_term_values(hedge, hedge_terms)))
    if not layout.financed:
        return
    ws.append([])
    ws.append(
        [cell(ws, "Equipment financing: the rows financed (their rigs the collateral)", font=BOLD)]
    )
    ws.append(header(ws, [h for _k, h, _f in FINANCED_TERMS]))
    debt, fleet = data.project.debt, data.project.fleet
    draw = term_letter(DEBT_TERMS, "draw")
    for j, r in layout.financed:
        values = financed_row_values(
            debt[j].name, j + 1, fleet[r].name, r, f"${draw}${layout.debt_row + j}"
        )
        ws.append([cell(ws, values[key], fmt) for key, _h, fmt in FINANCED_TERMS])


def _term_cells(
    ws: WriteOnlyWorksheet,
    columns: Sequence[tuple[str, str, str | None]],
    values: dict[str, object],
) -> list[object]:
    return [cell(ws, values[key], fmt, font=INPUT_FONT) for key, _h, fmt in columns]
