"""The HPC sheet's monthly table: every part of a plan's three cash flows (keep mining,
convert, partial) month by month, as formulas following planner/engine/hpc.py step by
step; each plan's months are followed by a row for the horizon's end.
"""

from __future__ import annotations

from typing import Any

from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.io.workbook.book import cell
from planner.io.workbook.columns import MONTH as MONTH_FORMAT
from planner.io.workbook.columns import USD
from planner.io.workbook.formulas import Formula
from planner.io.workbook.hpc_layout import FIRST_PLAN_ROW, MONTH, MONTH_COLUMNS, PLAN

Cells = dict[str, tuple[Any, str | None]]


class _PlanMonth:
    """The formulas of plan `p`'s month t, on row r of the monthly table."""

    def __init__(self, p: int, r: int, t: int, months: int, grid: dict[str, str]) -> None:
        self.p, self.q, self.r, self.t = p, FIRST_PLAN_ROW + p, r, t
        self.months, self.grid = months, grid
        self.tt = f"${MONTH['t']}{r}"
        c = self.c
        self.k = f"({self.tt}-{c('lease_start')})"
        self.leased = f"AND({self.k}>=0,{self.k}<{c('lease_months')})"
        self.level = f"(1+{c('rent_escalator_per_year')})^INT(MAX({self.k},0)/12)"
        self.full_rent = f"{c('it_kw')}*{c('rent_usd_per_kw_month')}*{self.level}"

    def c(self, key: str) -> str:
        return f"${PLAN[key]}${self.q}"

    def m(self, key: str, previous: bool = False) -> str:
        return f"{MONTH[key]}{self.r - 1 if previous else self.r}"

    def flows(self) -> Cells:
        """Keep mining, the convert case's mining and sale, the three totals."""
        c, m, tt, grid = self.c, self.m, self.tt, self.grid
        at = f"({c('site_no')}-1)*{self.months}+{tt}+1"
        site_value = f"{c('mining_site_value_usd_per_mw')}*{c('capacity')}"
        cells: Cells = {
            "site": (Formula(f"={c('site')}"), None),
            "month": (Formula(f"=EDATE(StartMonth,{tt})"), MONTH_FORMAT),
            "t": (self.t, None),
            "keep": (
                Formula(
                    f"=INDEX({grid['mbs_ebitda']},{at})-INDEX({grid['mbs_capex']},{at})"
                    f"+INDEX({grid['mbs_resale']},{at})"
                    f"+IF({tt}=HorizonMonths-1,{site_value},0)"
                ),
                USD,
            ),
            "mining": (Formula(f"=IF({tt}<{c('start')},{m('keep')},0)"), USD),
            "rig_sale": (Formula(f"=IF({tt}={c('start')},{c('rig_sale')},0)"), USD),
            "convert": (
                Formula(
                    f"={m('mining')}+{m('rig_sale')}-{m('capex')}+{m('draw')}"
                    f"+{m('noi')}-{m('power')}-{m('interest')}-{m('principal')}"
                    f"+{m('terminal')}"
                ),
                USD,
            ),
            "partial": (
                Formula(f"=(1-{c('share')})*{m('keep')}+{c('share')}*{m('convert')}"),
                USD,
            ),
        }
        for cum, flow in (
            ("cum_keep", "keep"),
            ("cum_convert", "convert"),
            ("cum_partial", "partial"),
        ):
            cells[cum] = (
                Formula(f"={m(flow)}")
                if self.t == 0
                else Formula(f"={m(cum, previous=True)}+{m(flow)}"),
                USD,
            )
        cells["gap"] = (Formula(f"={m('cum_convert')}-{m('cum_keep')}"), USD)
        return cells | self.at_start()

    def _paid_at_start(self, key: str) -> str:
        """The part of this row's `key` flow paid at its month's start (capex, less the
        loan drawn with the build's)."""
        c, m = self.c, self.m
        if key == "keep":
            return f"(-{m('keep_capex')})"
        if key == "convert":
            return m("convert_start")
        return f"((1-{c('share')})*(-{m('keep_capex')})+{c('share')}*{m('convert_start')})"

    def at_start(self) -> Cells:
        """The capex in keep mining, what convert pays at each month's start, the cash at
        each month's start after it, and the flows at month boundaries (the IRRs')."""
        c, m, tt, grid = self.c, self.m, self.tt, self.grid
        at = f"({c('site_no')}-1)*{self.months}+{tt}+1"
        cells: Cells = {
            "keep_capex": (Formula(f"=INDEX({grid['mbs_capex']},{at})"), USD),
            "site_tax": (Formula(f"=INDEX({grid['mbs_tax']},{at})"), USD),
            "convert_start": (
                Formula(f"={m('draw')}-{m('capex')}-IF({tt}<{c('start')},{m('keep_capex')},0)"),
                USD,
            ),
        }
        for key in ("keep", "convert", "partial"):
            before = f"{m('cum_' + key, previous=True)}+" if self.t else ""
            paid = self._paid_at_start(key)
            cells[f"start_{key}"] = (Formula(f"={before}{paid}"), USD)
            cells[f"b_{key}"] = (Formula(f"={self._month_before(key)}+{paid}"), USD)
        return cells

    def _month_before(self, key: str) -> str:
        """The month before's `key` flow less its part paid at its start (0 in month 0)."""
        if self.t == 0:
            return "0"
        before = _PlanMonth(self.p, self.r - 1, self.t - 1, self.months, self.grid)
        return f"({before.m(key)}-{before._paid_at_start(key)})"

    def end_row(self) -> Cells:
        """The row after the plan's last month: the horizon's end, its boundary flows."""
        cells: Cells = {
            "site": (Formula(f"={self.c('site')}"), None),
            "t": (self.t, None),
        }
        for key in ("keep", "convert", "partial"):
            cells[f"b_{key}"] = (Formula(f"={self._month_before(key)}"), USD)
        return cells

    def loan(self) -> Cells:
        """The build capex, the loan's draws, balance, interest and principal."""
        c, m, tt = self.c, self.m, self.tt
        building = f"AND({tt}>={c('start')},{tt}<{c('start')}+{c('construction_months')})"
        balance = f"={m('balance', True)}+{m('draw', True)}-{m('principal', True)}"
        return {
            "capex": (
                Formula(
                    f"=IF({c('construction_months')}=0,IF({tt}={c('start')},{c('capex_total')},0),"
                    f"IF({building},{c('capex_total')}/{c('construction_months')},0))"
                ),
                USD,
            ),
            "draw": (Formula(f"={m('capex')}*{c('loan_to_cost')}"), USD),
            "balance": (Formula("=0") if self.t == 0 else Formula(balance), USD),
            "interest": (
                Formula(f"=IF({tt}>={c('start')},{m('balance')}*{c('loan_monthly')},0)"),
                USD,
            ),
            "principal": (
                Formula(
                    f"=IF({tt}=HorizonMonths-1,{m('balance')}+{m('draw')},"
                    f"IF(AND({tt}>={c('lease_start')},{m('balance')}>0),"
                    f"MIN({m('balance')},{c('payment')}-{m('interest')}),0))"
                ),
                USD,
            ),
        }

    def lease(self) -> Cells:
        """Occupancy, rent, NOI, the landlord's power, the data centre's value at the
        horizon, and the NOI and value per USD/kW-month of rent (for the breakeven)."""
        c, m, tt, level = self.c, self.m, self.tt, self.level
        energy = (
            f"(INDEX({self.grid['hours']},{tt}+1)"
            f"*INDEX({self.grid['site_prices']},{c('site_no')},{tt}+1)*{c('ai_pue')})"
        )
        no_opex = f'{c("opex_usd_per_month")}=""'
        margin = f"IF({no_opex},{c('noi_margin')},1)"
        in_lease = f"{c('lease_start')}+{c('lease_months')}>{tt}"
        return {
            "occupancy": (
                Formula(
                    f"=IF({self.leased},IF({c('ramp_months')}>0,"
                    f"MIN(1,({self.k}+1)/{c('ramp_months')}),1),0)"
                ),
                "0.0%",
            ),
            "rent": (Formula(f"={self.full_rent}*{m('occupancy')}"), USD),
            "noi": (
                Formula(
                    f"=IF({no_opex},{m('rent')}*{c('noi_margin')},"
                    f"IF({self.leased},{m('rent')}-{c('opex_usd_per_month')},0))"
                ),
                USD,
            ),
            "power": (
                Formula(
                    f"=IF({c('power_pass_through')},0,{c('it_kw')}*{m('occupancy')}*{energy}"
                    f"+IF({tt}>={c('start')},{c('demand')},0))"
                ),
                USD,
            ),
            "terminal": (
                Formula(
                    f"=IF({tt}=HorizonMonths-1,IF({in_lease},"
                    f"12*({self._full_noi()}-{self._full_power(energy)})/{c('cap_rate')}"
                    f"-{self._beyond()},0),0)"
                ),
                USD,
            ),
            "per_rent": (
                Formula(
                    f"={c('it_kw')}*{level}*{m('occupancy')}*{margin}"
                    f"+IF(AND({tt}=HorizonMonths-1,{in_lease}),"
                    f"12*{c('it_kw')}*{level}*{margin}/{c('cap_rate')},0)"
                ),
                USD,
            ),
        }

    def _full_noi(self) -> str:
        c = self.c
        return (
            f'IF({c("opex_usd_per_month")}="",{self.full_rent}*{c("noi_margin")},'
            f"{self.full_rent}-{c('opex_usd_per_month')})"
        )

    def _full_power(self, energy: str) -> str:
        c = self.c
        return f"IF({c('power_pass_through')},0,{c('it_kw')}*{energy}+{c('demand')})"

    def _beyond(self) -> str:
        """The build capex that falls after the horizon."""
        c = self.c
        return (
            f"IF({c('construction_months')}=0,0,{c('capex_total')}/{c('construction_months')}"
            f"*MAX(0,{c('start')}+{c('construction_months')}-HorizonMonths))"
        )


def write_months(
    ws: WriteOnlyWorksheet, p: int, head: int, months: int, grid: dict[str, str]
) -> None:
    """The monthly rows of plan `p`: every part of keep mining, convert and partial."""
    first = head + 1 + p * (months + 1)
    for t in range(months):
        month = _PlanMonth(p, first + t, t, months, grid)
        cells = month.flows() | month.loan() | month.lease()
        ws.append([cell(ws, *cells[key]) for _h, key in MONTH_COLUMNS])
    end = _PlanMonth(p, first + months, months, months, grid).end_row()
    ws.append([cell(ws, *end[key]) if key in end else None for _h, key in MONTH_COLUMNS])
