"""The Hourly power sheet and the formulas that read it recalculate to the engine.

A project whose index site (Pecos) carries a synthetic ERCOT profile scaled to its
contract, and whose fixed-price site (Williston) carries one too, resells its unused
power at the hour's price less a fee, is off in listed 4CP hours and enrols demand
response; the hosted site has no profile. Exported, recalculated by LibreOffice and read
back: every row's and site's monthly figures, the fleet's, the rows' totals, NPVs, IRRs
and paybacks, and the Summary's equal the engine's to the cent. The sheet's values are
the engine's (uptime share x site uptime x (1 - curtailed share) = the row's uptime,
the price per kWh drawn), project text on it is text, it prints like the other sheets;
and a project without hourly terms has no such sheet, its formulas unchanged.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook

from planner.domain.price_profile import FourCpInterval
from planner.domain.project import Project
from planner.engine import Results, run
from planner.engine.bridge import bridge_of
from planner.engine.model import SERIES_FIELDS, compute
from planner.io.project_file import load_project
from planner.io.report import monthly_columns
from planner.io.resources import sample_project_path
from planner.io.synthetic_prices import synthetic_ercot_profile
from planner.io.workbook import build_workbook, export_workbook
from planner.io.workbook.book import Shape
from planner.io.workbook.hourly_values import DATES_ROW, hourly_layout
from tests.io.test_workbook_recalc import STATUS, Checker, _irr, recalculate, renamed_site

USD_TOL = 0.01
PECOS, OHIO, WILLISTON = "Pecos, TX", "Hosted - Ohio", "Williston, ND"
DR_MW, DR_USD_PER_MW_MONTH = 4.0, 6_000.0
RESALE_FEE_USD_PER_MWH = 3.0


def plain_project() -> Project:
    """The sample with no site's hourly terms: no profile, 4CP or demand response."""
    sample = load_project(sample_project_path())
    sites = [
        site.model_copy(
            update={
                "price_profile": None,
                "fourcp_charge_usd_per_kw_year": 0.0,
                "fourcp_intervals": [],
                "demand_response_mw": 0.0,
            }
        )
        for site in sample.sites
    ]
    return sample.model_copy(update={"sites": sites})


def hourly_project() -> Project:
    """Pecos (index + adder) on a synthetic profile scaled to its contract; Williston
    (fixed PPA) on one too, reselling at the hour's price less $3/MWh, off in four summer
    4CP hours ($50/kW-year) and enrolling 4 MW of demand response at $6,000/MW-month;
    Ohio (hosting) as without a profile."""
    plain = plain_project()
    pecos_profile = synthetic_ercot_profile(2026).model_copy(update={"scale_to_contract": True})
    fourcp = [
        FourCpInterval(month=6, day=23, hour=17, probability=0.5),
        FourCpInterval(month=7, day=21, hour=17, probability=0.8),
        FourCpInterval(month=8, day=18, hour=16, probability=0.6),
        FourCpInterval(month=9, day=8, hour=17, probability=0.25),
    ]
    sites = []
    for site in plain.sites:
        if site.name == PECOS:
            site = site.model_copy(update={"price_profile": pecos_profile})
        elif site.name == WILLISTON:
            site = site.model_copy(
                update={
                    "price_profile": synthetic_ercot_profile(2025),
                    "fourcp_charge_usd_per_kw_year": 50.0,
                    "fourcp_intervals": fourcp,
                    "demand_response_mw": DR_MW,
                    "demand_response_usd_per_mw_month": DR_USD_PER_MW_MONTH,
                }
            )
        sites.append(site)
    contracts = [
        contract.model_copy(
            update={"resale_allowed": True, "resale_fee_usd_per_mwh": RESALE_FEE_USD_PER_MWH}
        )
        if contract.type == "fixed"
        else contract
        for contract in plain.contracts
    ]
    return plain.model_copy(update={"sites": sites, "contracts": contracts})


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Results, Path]:
    folder = tmp_path_factory.mktemp("hourly")
    path = folder / "hourly.xlsx"
    project = hourly_project()
    export_workbook(project, path)
    recalculate([path], folder / "out", folder / "profile")
    results = compute(run(project).inputs, keep_rows=True)
    return load_workbook(folder / "out" / "hourly.xlsx", data_only=True), results, path


def _close(check: Checker, where: str, got: Any, expected: float, tol: float = USD_TOL) -> None:
    check.compared += 1
    if not isinstance(got, int | float) or not math.isclose(got, expected, abs_tol=tol):
        check.problems.append(f"{where}: workbook {got!r}, engine {expected!r}")


def test_the_case_exercises_what_it_claims(recalculated: tuple[Any, Results, Path]) -> None:
    _book, results, _path = recalculated
    sites = list(results.inputs.site_names)
    p, w = sites.index(PECOS), sites.index(WILLISTON)
    uptime = results.row_month_uptime()
    pecos_rows = results.inputs.site_idx == p
    # The strike takes Pecos's rows off in dear hours: below their site's 0.97 uptime.
    assert np.nanmin(uptime[pecos_rows]) < 0.9
    assert results.sites.power_sales_usd[w].sum() > 100_000
    assert results.sites.fourcp_savings_usd[w].sum() > 0
    # Demand response: 4 MW (below Williston's load) x $6,000 = $24,000 in each month.
    assert results.sites.demand_response_usd[w] == pytest.approx(np.full(60, 24_000.0))
    assert not results.sites.power_sales_usd[p].any()


def test_fleet_and_sites_equal_engine(recalculated: tuple[Any, Results, Path]) -> None:
    book, results, _path = recalculated
    check = Checker()
    monthly = book["Monthly"]
    columns = [c for c in monthly_columns(results).items() if c[0] != "resale_usd"]
    for t in range(results.inputs.months):
        for j, (key, values) in enumerate(columns[:27]):
            if j >= 10:  # from BTC mined on: money, to the cent
                _close(check, f"Monthly {key} {t}", monthly.cell(t + 2, j + 2).value, values[t])
    by_site = book["Monthly by site"]
    fields = list(SERIES_FIELDS[: SERIES_FIELDS.index("energy_kwh")])
    months = results.inputs.months
    for s, name in enumerate(results.inputs.site_names):
        for t in range(months):
            i = 3 + s * months + t
            for j, field in enumerate(fields):
                expected = float(getattr(results.sites, field)[s, t])
                _close(check, f"{name} {field} {t}", by_site.cell(i, 5 + j).value, expected)
    summary = book["Summary"]
    _close(check, "fleet NPV", summary.cell(7, 2).value, float(results.fleet_kpis.npv_usd[0]))
    for s, name in enumerate(results.inputs.site_names):
        got = summary.cell(8 + s, 2).value
        _close(check, f"{name} NPV", got, float(results.site_kpis.npv_usd[s]))
    assert check.problems == []
    assert check.compared == months * (17 + 3 * len(fields)) + 4


def test_rows_equal_engine(recalculated: tuple[Any, Results, Path]) -> None:
    book, results, _path = recalculated
    rows = results.rows
    assert rows is not None
    k = results.row_kpis
    sheet = book["Rows"]
    check = Checker()
    for r, name in enumerate(results.inputs.row_names):
        got = {c: sheet.cell(4 + r, c).value for c in range(1, 27)}
        check.equal(f"Rows A{4 + r}", got[1], name)
        _close(check, f"{name} btc", got[6], float(k.btc_mined[r]), 1e-8)
        _close(check, f"{name} revenue", got[7], float(k.revenue_usd[r]))
        _close(check, f"{name} power", got[8], float(rows.power_cost_usd[r].sum()))
        _close(check, f"{name} fcf", got[13], float(k.free_cash_flow_usd[r]))
        _close(check, f"{name} npv", got[14], float(k.npv_usd[r]))
        _irr(check, f"{name} irr", got[15], float(results.row_irr_annual[r]))
        check.number(f"{name} payback", got[16], float(k.payback_months[r]))
        check.equal(f"{name} status", got[17], STATUS[int(k.payback_status[r])])
        check.number(
            f"{name} shutdown months", got[25], float(results.breakevens.shutdown_months[r])
        )
        _close(check, f"{name} marginal NPV", got[26], float(results.marginal_npv_usd[r]))
    # Each row-month's FCF on CalcFCF (a helper sheet, still computed).
    fcf = book["CalcFCF"]
    for r, name in enumerate(results.inputs.row_names):
        for t in range(results.inputs.months):
            got = fcf.cell(15 + r, 3 + t).value
            _close(check, f"{name} FCF month {t}", got, float(rows.free_cash_flow_usd[r, t]))
    assert check.problems == []
    assert check.compared == len(results.inputs.row_names) * (11 + results.inputs.months)


def test_the_sheet_holds_the_engines_values(recalculated: tuple[Any, Results, Path]) -> None:
    book, results, _path = recalculated
    inputs = results.inputs
    shape = Shape(inputs.months, len(inputs.row_names), len(inputs.site_names), 3, 1)
    layout = hourly_layout(results, shape)
    assert layout is not None
    sheet = book["Hourly power"]
    sites = list(inputs.site_names)
    assert [inputs.site_names[s] for s in layout.sites] == [PECOS, WILLISTON]
    # The row's uptime share x its site's uptime x (1 - curtailed share) = its uptime.
    contract = inputs.site_contract_idx[inputs.site_idx]
    factor = inputs.site_uptime[inputs.site_idx] * (1 - inputs.contract_curtailment_share[contract])
    uptime = results.row_month_uptime()
    price = results.row_month_power_price_usd_per_kwh()
    check = Checker()
    for r, name in enumerate(inputs.row_names):
        line = layout.row_first("uptime") + r
        check.equal(f"uptime row {line}", sheet.cell(line, 1).value, name)
        check.equal(f"uptime row {line} site", sheet.cell(line, 2).value, sites[inputs.site_idx[r]])
        listed = inputs.site_idx[r] in layout.sites
        for t in range(inputs.months):
            share = sheet.cell(line, 3 + t).value
            if not listed or math.isnan(uptime[r, t]):
                check.equal(f"{name} uptime {t}", share, None)
                continue
            if results.rows is not None and results.rows.energy_kwh[r, t] > 0:
                check.number(f"{name} uptime {t}", share * factor[r], float(uptime[r, t]))
                got = sheet.cell(layout.row_first("price") + r, 3 + t).value
                check.number(f"{name} price {t}", got, float(price[r, t]))
    for s in layout.sites:
        line = layout.site_first("demand_response") + layout.sites.index(s)
        for t in range(inputs.months):
            got = sheet.cell(line, 3 + t).value
            check.number(f"{sites[s]} DR {t}", got, float(results.sites.demand_response_usd[s, t]))
    assert check.problems == []
    assert check.compared > inputs.months * 10


def test_the_sheet_is_marked_and_prints(recalculated: tuple[Any, Results, Path]) -> None:
    _book, _results, path = recalculated
    book = load_workbook(path)
    sheet = book["Hourly power"]
    assert sheet.sheet_state == "visible"
    assert "worked by the planner, not by formulas" in sheet["A2"].value
    assert sheet.freeze_panes == f"C{DATES_ROW + 1}"
    assert sheet.print_title_rows == f"${DATES_ROW}:${DATES_ROW}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_area
    # Values from the model are shaded as on the Treasury sheet; formulas are not.
    shaded = sheet.cell(DATES_ROW + 2, 3)
    assert shaded.value == 1  # Pecos is priced on its curve in the first month
    assert shaded.fill.fgColor.rgb.endswith("FCE4D6")


def test_project_text_on_the_sheet_is_never_a_formula() -> None:
    hostile = '=HYPERLINK("x","W")'
    project = renamed_site(hourly_project(), WILLISTON, hostile)
    rows = [
        row.model_copy(update={"name": f'=HYPERLINK("x","{row.name}")'}) for row in project.fleet
    ]
    data = build_workbook(project.model_copy(update={"fleet": rows}), horizon_months=24)
    sheet = load_workbook(io.BytesIO(data))["Hourly power"]
    names = [c for c in sheet["A"] if isinstance(c.value, str) and c.value.startswith("=H")]
    # Each row in the four row sections (uptime, price, power sales, what it adds to 4CP
    # and demand response), the site in the four site sections.
    assert len(names) == 4 * len(rows) + 4
    sites = [c for c in sheet["B"] if c.value == hostile]
    assert len(sites) == 4 * sum(row.site == hostile for row in project.fleet)
    assert all(c.data_type == "s" for c in [*names, *sites])


def test_a_project_without_hourly_terms_is_unchanged() -> None:
    """No sheet and no formula reading one; a profile the engine does not use (a fixed
    contract that does not resell) leaves the workbook as it is without, byte for byte."""
    plain = plain_project()
    data = build_workbook(plain, horizon_months=24)
    book = load_workbook(io.BytesIO(data))
    assert "Hourly power" not in book.sheetnames
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert "Hourly" not in str(c.value), (ws.title, c.coordinate)
    unused = [
        site.model_copy(update={"price_profile": synthetic_ercot_profile(2025)})
        if site.name == WILLISTON
        else site
        for site in plain.sites
    ]
    with_unused = build_workbook(plain.model_copy(update={"sites": unused}), horizon_months=24)
    assert _parts(with_unused) == _parts(data)


def _parts(data: bytes) -> dict[str, bytes]:
    """The .xlsx's parts but its timestamps."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}


def test_rows_at_a_site_without_a_profile_keep_their_formulas() -> None:
    plain = build_workbook(plain_project(), horizon_months=24)
    hourly = build_workbook(hourly_project(), horizon_months=24)
    for sheet in ("CalcRunning", "CalcFCF"):
        before, after = _row_lines(plain, sheet, OHIO), _row_lines(hourly, sheet, OHIO)
        assert before and before == after, sheet


def _row_lines(data: bytes, sheet: str, site: str) -> list[list[str]]:
    book = load_workbook(io.BytesIO(data))
    fleet = book["Fleet"]
    at_site = {r for r in range(4, fleet.max_row + 1) if fleet.cell(r, 3).value == site}
    ws = book[sheet]
    return [[str(c.value) for c in ws[15 + r - 4]] for r in sorted(at_site)]


def test_the_bridge_reconciles(recalculated: tuple[Any, Results, Path]) -> None:
    """The Summary's NPV bridge has Williston's 4CP savings and demand-response pay as
    lines (income) and adds up to the fleet's NPV, as the engine's bridge does."""
    book, results, _path = recalculated
    sheet = book["Summary"]
    labels = [sheet.cell(row, 1).value for row in range(1, sheet.max_row + 1)]
    top = labels.index("Line") + 2
    by_label = {
        sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(top, sheet.max_row + 1)
    }
    lines = bridge_of(results)
    assert {f"{WILLISTON}: 4CP savings", f"{WILLISTON}: demand-response pay"} <= {
        line.label for line in lines
    }
    check = Checker()
    for line in lines:
        _close(check, f"bridge {line.label}", by_label[line.label], line.npv_usd)
    _close(check, "bridge total", by_label["Total"], float(results.fleet_kpis.npv_usd[0]))
    assert check.problems == []


def test_a_reselling_site_pays_its_whole_block(recalculated: tuple[Any, Results, Path]) -> None:
    """Williston's power cost in its first month, on the curve, is its fixed price on the
    whole contracted block (the rigs online, with overhead, x the month's hours x 98 %
    uptime x (1 - 3 % curtailed)) plus its demand charge, though its rows run in fewer
    hours (uptime share below 1): what they leave is sold, in EBITDA."""
    book, results, _path = recalculated
    inputs = results.inputs
    w = list(inputs.site_names).index(WILLISTON)
    at_site = (inputs.site_idx == w) & (inputs.online_idx <= 0) & (inputs.retire_idx > 0)
    load_kw = float((inputs.count * inputs.power_w / 1000.0)[at_site].sum())
    load_kw *= float(inputs.site_overhead[w])
    hours = 24 * float(inputs.timeline.days[0])
    price = float(inputs.contract_price_usd_per_kwh[inputs.site_contract_idx[w], 0])
    block_usd = load_kw * hours * 0.98 * (1 - 0.03) * price
    expected = block_usd + float(results.site_items.demand_usd[w, 0])
    row = 3 + w * inputs.months  # month 0 of Williston on Monthly by site
    got = book["Monthly by site"].cell(row, 8).value
    assert got == pytest.approx(expected, abs=USD_TOL)
    assert price == pytest.approx(0.041)
    assert np.nanmax(results.row_month_uptime()[at_site, 0]) < 0.98
    assert book["Monthly by site"].cell(row, 10).value == pytest.approx(
        float(results.sites.ebitda_usd[w, 0]), abs=USD_TOL
    )
