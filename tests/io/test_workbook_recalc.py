"""Recalculation equals the engine.

Each exported workbook is recalculated by LibreOffice (headless, Debian's
libreoffice-calc-nogui) and every figure of the Monthly, Monthly by site, Rows and
Summary sheets is compared with the engine to a relative 1e-9 (absolute 1e-6 for values
that are zero). The projects exercise every contract type (fixed with escalator, demand
charge and curtailment credit; all-in hosting; index with a path, a negative price and an
adder; index without a path), a halving inside the horizon, the automatic shutdown,
retirement with resale, terminal values, degradation, infrastructure capex, a fractional
depreciation life, price and network paths, and tax with losses carried forward. Two
more cases name everything with lookup wildcards and criteria operators ("P*cos" after
"Pecos", "*", "?ecos", "~W", "<5", ">=1", "=A", model "S2?" after "S21", ...), which
the workbook must look up exactly; and no lookup value, criterion or criteria range of
any formula may read text.

On CI (CI=true) LibreOffice must be there; elsewhere the test is skipped without it.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook
from openpyxl.formula.tokenizer import Token, Tokenizer

from planner.domain.months import add_months
from planner.domain.project import (
    ConversionPlan,
    FinanceSettings,
    FleetRow,
    PowerContract,
    Project,
    RigModel,
    Scenario,
    Site,
)
from planner.engine import Results, run
from planner.engine import metrics as m
from planner.engine.bridge import bridge_of
from planner.engine.model import SERIES_FIELDS, compute
from planner.engine.timeline import height_date
from planner.io.project_file import load_project
from planner.io.report import monthly_columns
from planner.io.resources import sample_project_path
from planner.io.workbook import export_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

if SOFFICE is None:
    if os.environ.get("CI"):
        raise RuntimeError(
            "LibreOffice (soffice) is needed for the workbook recalculation test: "
            "apt-get install libreoffice-calc-nogui"
        )
    pytest.skip("LibreOffice (soffice) is not installed", allow_module_level=True)


def recalculate(paths: list[Path], out: Path, profile: Path) -> None:
    """Open each workbook in LibreOffice (which computes every formula) and save it to
    `out` with the computed values, as Excel would."""
    subprocess.run(
        [
            SOFFICE,
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


REL = 1e-9
ABS = 1e-6
STATUS = {m.PAID_BACK: "paid back", m.NEVER: "never", m.NEVER_NEGATIVE: "immediate"}

S21 = RigModel(name="S21", hashrate_th=200, power_w=3500)
S19J = RigModel(name="S19j Pro", hashrate_th=104, power_w=3068)
S21XP = RigModel(name="S21 XP Hyd", hashrate_th=473, power_w=5676, cooling="hydro")
M30 = RigModel(name="M30S", hashrate_th=88, power_w=3344)


def contracts_project() -> Project:
    """Every contract type, the 2028 halving, shutdown, resale, tax and paths."""
    contracts = [
        PowerContract(
            name="PPA",
            type="fixed",
            price_usd_per_kwh=0.048,
            escalator_per_year=0.03,
            start_month=date(2025, 10, 1),  # signed before the scenario: steps in October
            demand_charge_usd_per_kw_month=1.75,
            curtailment_share=0.04,
            curtailment_credit_usd_per_mwh=55,
        ),
        PowerContract(
            name="Host",
            type="hosting",
            price_usd_per_kwh=0.072,
            escalator_per_year=0.02,
            start_month=date(2028, 2, 1),  # starts inside the horizon: its rate until then
        ),
        PowerContract(
            name="ERCOT",
            type="index",
            index_path_usd_per_kwh=[0.035, 0.041, -0.012, 0.052, 0.12, 0.039, 0.044],
            adder_usd_per_kwh=0.006,
            demand_charge_usd_per_kw_month=0.9,
            curtailment_share=0.08,
            curtailment_credit_usd_per_mwh=80,
        ),
        PowerContract(
            name="Flat index",
            type="index",
            price_usd_per_kwh=0.05,
            escalator_per_year=0.05,
            adder_usd_per_kwh=0.004,
        ),
    ]
    sites = [
        Site(
            name="Texas",
            contract="ERCOT",
            capacity_mw=40,
            overhead=1.08,
            uptime=0.96,
            fixed_opex_usd_per_month=85_000,
            maintenance_usd_per_rig_month=4.5,
            infrastructure_capex_usd=6_000_000,
            infrastructure_capex_month=date(2027, 9, 1),
            notes="=SUM(A1)",
        ),
        Site(
            name="Hosted",
            contract="Host",
            capacity_mw=15,
            overhead=1.2,  # ignored: hosting is all-in
            uptime=0.98,
            maintenance_usd_per_rig_month=2,
        ),
        Site(
            name="Plant",
            contract="PPA",
            capacity_mw=25,
            overhead=1.03,
            uptime=0.97,
            fixed_opex_usd_per_month=40_000,
            infrastructure_capex_usd=2_500_000,
            infrastructure_capex_month=date(2025, 3, 1),  # before the horizon: depreciation only
        ),
        Site(name="Flat", contract="Flat index", capacity_mw=8, overhead=1.05, uptime=0.95),
    ]

    def row(name: str, model: str, site: str, count: int, **fields: Any) -> FleetRow:
        return FleetRow(name=name, model=model, site=site, count=count, **fields)

    fleet = [
        row(
            "Old S19j",
            "S19j Pro",
            "Hosted",
            1800,
            unit_price_usd=2100,
            purchase_month=date(2022, 5, 1),
            degradation_per_year=0.04,
            resale_usd_per_unit=150,
            retire_month=date(2028, 6, 1),
        ),
        row(
            "M30 legacy",
            "M30S",
            "Texas",
            2500,
            unit_price_usd=1900,
            purchase_month=date(2023, 1, 1),
            degradation_per_year=0.03,
            terminal_value_usd_per_unit=40,
        ),
        row(
            "S21 wave 1",
            "S21",
            "Texas",
            3000,
            unit_price_usd=3400,
            purchase_month=date(2027, 7, 1),
            online_month=date(2027, 9, 1),
            terminal_value_usd_per_unit=900,
            degradation_per_year=0.02,
        ),
        row(
            "Hydro",
            "S21 XP Hyd",
            "Plant",
            2200,
            unit_price_usd=8900,
            purchase_month=date(2027, 6, 1),
            resale_usd_per_unit=4100,
            retire_month=date(2029, 12, 1),
        ),
        row(
            "S21 late",
            "S21",
            "Plant",
            600,
            unit_price_usd=3000,
            purchase_month=date(2029, 11, 1),
            terminal_value_usd_per_unit=2500,
        ),
        row(
            "Idle S19j",
            "S19j Pro",
            "Flat",
            900,
            unit_price_usd=0,
            purchase_month=date(2021, 1, 1),
            degradation_per_year=0.05,
            notes="+ready",
        ),
        row("Future", "S21", "Flat", 100, unit_price_usd=3000, purchase_month=date(2031, 1, 1)),
        row("Empty", "S21", "Flat", 0, unit_price_usd=3000, purchase_month=date(2027, 8, 1)),
    ]
    scenario = Scenario(
        name="Stress",
        start_month=date(2027, 6, 1),
        start_block_height=1_010_000,
        block_time_s=590,
        network_hashrate_ehs=900,
        network_hashrate_growth_per_year=0.3,
        network_hashrate_path_ehs=[880, 905, 930, 940],
        btc_price_usd=95_000,
        btc_price_growth_per_year=0.18,
        btc_price_path_usd=[92_000, 88_500, 97_250, 101_000, 99_000, 104_500],
        fees_btc_per_block=0.03,
        pool_fee=0.02,
    )
    plans = [
        ConversionPlan(
            site="Texas",
            start_month=date(2028, 1, 1),
            construction_months=0,
            opex_usd_per_month=350_000,
            power_pass_through=False,
            rig_resale_usd_per_th=3.5,
            ramp_months=4,
            rent_usd_per_kw_month=128.5,
        ),
        ConversionPlan(
            site="Plant",
            share=0.3,
            start_month=date(2029, 12, 1),  # construction runs past the horizon
            construction_months=18,
            loan_to_cost=0.5,
            loan_rate_per_year=0.1,
            it_mw=15,
        ),
        ConversionPlan(site="Hosted", enabled=False, start_month=date(2028, 1, 1)),
    ]
    return Project(
        name="-Contracts",
        finance=FinanceSettings(
            horizon_months=36,
            discount_rate_per_year=0.11,
            tax_rate=0.25,
            depreciation_years=3.3,
            auto_shutdown=True,
        ),
        scenarios=[scenario],
        active_scenario="Stress",
        contracts=contracts,
        sites=sites,
        catalog=[S21, S19J, S21XP, M30],
        fleet=fleet,
        conversions=plans,
    )


def losses_project() -> Project:
    """No shutdown (rows run at a loss), no tax, a whole life, no halving in 12 months."""
    base = contracts_project()
    scenario = base.scenarios[0].model_copy(
        update={
            "name": "Flat",
            "start_month": date(2026, 12, 1),
            "start_block_height": 978_541,
            "btc_price_path_usd": [],
            "network_hashrate_path_ehs": [],
            "btc_price_usd": 60_000,
            "btc_price_growth_per_year": -0.1,
        }
    )
    return base.model_copy(
        update={
            "name": "Losses",
            "scenarios": [scenario],
            "active_scenario": "Flat",
            "finance": FinanceSettings(
                horizon_months=12,
                discount_rate_per_year=0.08,
                tax_rate=0.0,
                depreciation_years=2,
                auto_shutdown=False,
            ),
        }
    )


def taxed_project() -> Project:
    """Profitable months after losses: tax with the carried loss used up."""
    base = contracts_project()
    scenario = base.scenarios[0].model_copy(
        update={"btc_price_usd": 150_000, "btc_price_path_usd": [60_000, 61_000, 140_000]}
    )
    return base.model_copy(
        update={
            "name": "Taxed",
            "scenarios": [scenario],
            "finance": base.finance.model_copy(update={"tax_rate": 0.3, "horizon_months": 30}),
        }
    )


def filed_project() -> Project:
    """Tax as filed off its defaults: a June fiscal year paid quarterly, losses expiring
    after two years, corporate G&A, straight-line rigs and 39-year infrastructure, bonus
    by hand, a sale, a retirement without one, and terminal values taxed."""
    base = taxed_project()
    fleet = list(base.fleet)
    fleet[0] = fleet[0].model_copy(
        update={"retire_month": date(2027, 9, 1), "resale_usd_per_unit": 900.0}
    )
    fleet[1] = fleet[1].model_copy(
        update={"retire_month": date(2027, 5, 1), "resale_usd_per_unit": 0.0}
    )
    fleet = [row.model_copy(update={"terminal_value_usd_per_unit": 300.0}) for row in fleet]
    # Landed cost and a deposit: tariff, sales tax, shipping, installation; 30 % ordered
    # two months before delivery (and one ordered before the horizon).
    landed = {
        "import_tariff": 0.216,
        "sales_tax": 0.0725,
        "shipping_usd_per_unit": 45.0,
        "installation_usd_per_unit": 25.0,
        "deposit_share": 0.3,
    }
    fleet = [
        row.model_copy(update={**landed, "order_month": add_months(row.purchase_month, -2)})
        if i >= 2
        else row
        for i, row in enumerate(fleet)
    ]
    # Rigs at $40 apiece: the batch is back above zero before the end of the month it is
    # paid for (capex at the month's start, its first month's cash through the month).
    fleet.append(
        fleet[2].model_copy(
            update={
                "name": "Nearly free",
                "count": 200,
                "unit_price_usd": 40.0,
                "deposit_share": 0.0,
                "order_month": None,
                "import_tariff": 0.0,
                "sales_tax": 0.0,
                "shipping_usd_per_unit": 0.0,
                "installation_usd_per_unit": 0.0,
                "online_month": None,
            }
        )
    )
    sites = [
        site.model_copy(
            update={
                "infrastructure_capex_usd": 2_000_000.0,
                "infrastructure_capex_month": date(2027, 2, 1),
            }
        )
        if i == 0
        else site
        for i, site in enumerate(base.sites)
    ]
    finance = base.finance.model_copy(
        update={
            "fiscal_year_end_month": 6,
            "tax_payments": "quarterly",
            "loss_expiry_years": 2,
            "loss_offset_limit": 0.6,
            "g_and_a_usd_per_month": 150_000.0,
            "rig_tax_depreciation": "straight_line",
            "infrastructure_tax_depreciation": "macrs_39",
            "bonus_depreciation_share": 0.4,
            "infrastructure_depreciation_years": 12.0,
        }
    )
    # Index paths longer than a year: one repeats its last 12 months, one holds its last.
    seasons = [0.031, 0.029, 0.035, 0.041, 0.058, 0.072, 0.081, 0.077, 0.052, 0.038]
    paths = {
        "ERCOT": ([0.02, 0.025, 0.03, 0.028, *seasons], "repeat_year"),
        "Flat index": ([0.04, *seasons, 0.05, 0.045], "hold"),
    }
    contracts = [
        c.model_copy(
            update={
                "index_path_usd_per_kwh": paths[c.name][0],
                "index_after_path": paths[c.name][1],
            }
        )
        if c.name in paths
        else c
        for c in base.contracts
    ]
    # The host bills 60 % of the site's capacity whatever is drawn and takes 15 % of the
    # margin; the PPA has a minimum offtake too.
    terms = {"Host": (0.6, 0.15), "PPA": (0.3, 0.0)}
    contracts = [
        c.model_copy(
            update={"take_or_pay_share": terms[c.name][0], "profit_share": terms[c.name][1]}
        )
        if c.name in terms
        else c
        for c in contracts
    ]
    # The difficulty pools quote at the start, above what the network's hashrate implies.
    scenarios = [base.scenarios[0].model_copy(update={"start_difficulty_t": 150.0})]
    return base.model_copy(
        update={
            "name": "Filed",
            "scenarios": scenarios,
            "fleet": fleet,
            "sites": sites,
            "contracts": contracts,
            "finance": finance,
        }
    )


def names_project() -> Project:
    """`contracts_project` with every name of every kind full of lookup wildcards (`*`,
    `?`, `~`) and criteria operators (`<`, `>=`, `=`), each placed after a decoy that a
    wildcard or criteria lookup would take for it: site "P*cos" after "Pecos", "*" after
    everything, model "S2?" after "S21", contract "*" after "PPA"."""
    base = contracts_project()
    contracts = {c.name: c for c in base.contracts}
    contract_names = {"PPA": "PPA", "Host": "P?A", "ERCOT": "*", "Flat index": ">=1"}
    renamed_contracts = [
        contracts[old].model_copy(update={"name": new}) for old, new in contract_names.items()
    ]
    site_names = {"Texas": "P*cos", "Hosted": "?ecos", "Plant": "*", "Flat": "~W"}
    sites = {s.name: s for s in base.sites}

    def decoy(name: str, contract: str, opex: float) -> Site:
        return Site(
            name=name,
            contract=contract,
            capacity_mw=3,
            overhead=1.1,
            fixed_opex_usd_per_month=opex,
            infrastructure_capex_usd=opex * 20,
            infrastructure_capex_month=date(2027, 8, 1),
        )

    renamed_sites = [
        decoy("Pecos", ">=1", 11_000),  # "P*cos", "?ecos" and "*" as patterns match it
        sites["Texas"].model_copy(update={"name": "P*cos", "contract": "*"}),
        sites["Hosted"].model_copy(update={"name": "?ecos", "contract": "P?A"}),
        decoy("W", "P?A", 23_000),  # "~W" as a pattern is "W"
        sites["Flat"].model_copy(update={"name": "~W", "contract": ">=1"}),
        decoy("<5", "*", 37_000),  # as a criterion: numbers below 5
        decoy(">=1", "PPA", 41_000),  # as a criterion: numbers from 1
        decoy("=A", "PPA", 53_000),  # as a criterion: the text "A"
        sites["Plant"].model_copy(update={"name": "*", "contract": "PPA"}),
    ]
    model_names = {"S21": "S21", "S19j Pro": "S2?", "S21 XP Hyd": "S21*", "M30S": "~S21"}
    catalog = [m.model_copy(update={"name": model_names[m.name]}) for m in base.catalog]
    row_names = ["<5", ">=1", "*", "?", "~W", "=A", "P*", "<>"]
    fleet = [
        r.model_copy(
            update={
                "name": row_names[i],
                "model": model_names[r.model],
                "site": site_names[r.site],
            }
        )
        for i, r in enumerate(base.fleet)
    ]
    plans = [p.model_copy(update={"site": site_names[p.site]}) for p in base.conversions]
    scenario = base.scenarios[0].model_copy(update={"name": "<5*"})
    return base.model_copy(
        update={
            "name": "=A?",
            "scenarios": [scenario],
            "active_scenario": scenario.name,
            "contracts": renamed_contracts,
            "sites": renamed_sites,
            "catalog": catalog,
            "fleet": fleet,
            "conversions": plans,
        }
    )


def renamed_site(project: Project, old: str, new: str) -> Project:
    """`project` with site `old` renamed `new` wherever it is named."""
    return project.model_copy(
        update={
            "sites": [
                s.model_copy(update={"name": new}) if s.name == old else s for s in project.sites
            ],
            "fleet": [
                r.model_copy(update={"site": new}) if r.site == old else r for r in project.fleet
            ],
            "conversions": [
                p.model_copy(update={"site": new}) if p.site == old else p
                for p in project.conversions
            ],
        }
    )


def _cases() -> dict[str, tuple[Project, str | None]]:
    sample = load_project(sample_project_path())
    return {
        "sample": (sample, None),
        "sample-bull": (sample, "Bull"),
        "contracts": (contracts_project(), None),
        "losses": (losses_project(), None),
        "taxed": (taxed_project(), None),
        "filed": (filed_project(), None),
        "names": (names_project(), None),
        # The report that found it: the workbook mapped "P*"'s rows to "Pecos, TX".
        "sample-p-star": (renamed_site(sample, "Williston, ND", "P*"), None),
    }


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, Results]]:
    """Every case exported, recalculated by LibreOffice in one run, and read back."""
    folder = tmp_path_factory.mktemp("recalc")
    out = folder / "out"
    cases = _cases()
    paths: list[Path] = []
    for key, (project, scenario) in cases.items():
        path = folder / f"{key}.xlsx"
        export_workbook(project, path, scenario=scenario)
        paths.append(path)
    recalculate(paths, out, folder / "profile")
    books = {}
    for key, (project, scenario) in cases.items():
        book = load_workbook(out / f"{key}.xlsx", data_only=True)
        books[key] = (book, run(project, scenario))
    return books


class Checker:
    def __init__(self) -> None:
        self.compared = 0
        self.problems: list[str] = []

    def number(self, where: str, got: Any, expected: float) -> None:
        self.compared += 1
        if not math.isfinite(expected):
            if got not in (None, ""):
                self.problems.append(f"{where}: workbook {got!r}, engine none")
            return
        if isinstance(got, datetime):
            got = (got - datetime(1899, 12, 30)).days
        if not isinstance(got, int | float) or not math.isclose(
            got, expected, rel_tol=REL, abs_tol=ABS
        ):
            self.problems.append(f"{where}: workbook {got!r}, engine {expected!r}")

    def equal(self, where: str, got: Any, expected: Any) -> None:
        self.compared += 1
        if got != expected:
            self.problems.append(f"{where}: workbook {got!r}, engine {expected!r}")


def _irr(check: Checker, where: str, got: Any, expected: float) -> None:
    # An IRR near -100 % a year (a batch that recovers a sliver of its cost) is beyond the
    # spreadsheet IRR's reach: (1 + m)^-t overflows. The workbook leaves it blank.
    if math.isfinite(expected) and expected < -0.9999 and got in (None, ""):
        check.compared += 1
        return
    check.number(where, got, expected)


CASES = [
    "sample",
    "sample-bull",
    "contracts",
    "losses",
    "taxed",
    "filed",
    "names",
    "sample-p-star",
]


@pytest.mark.parametrize("case", CASES)
def test_monthly_sheet_equals_engine(recalculated: dict[str, Any], case: str) -> None:
    book, results = recalculated[case]
    sheet = book["Monthly"]
    columns = list(monthly_columns(results).items())
    columns = [c for c in columns if c[0] != "resale_usd"]  # in FCF, not a Monthly column
    check = Checker()
    for t in range(results.inputs.months):
        check.equal(
            f"Monthly A{t + 2}",
            sheet.cell(t + 2, 1).value.date(),
            results.inputs.timeline.month_starts[t],
        )
        for j, (key, values) in enumerate(columns):
            check.number(
                f"Monthly {key} month {t}", sheet.cell(t + 2, j + 2).value, float(values[t])
            )
    assert check.problems == []
    assert check.compared == results.inputs.months * 28


@pytest.mark.parametrize("case", CASES)
def test_monthly_by_site_equals_engine(recalculated: dict[str, Any], case: str) -> None:
    book, results = recalculated[case]
    sheet = book["Monthly by site"]
    months = results.inputs.months
    fields = list(SERIES_FIELDS[: SERIES_FIELDS.index("energy_kwh")])  # sheet order: E to O
    tax_fields = ("tax_depreciation_usd", "gain_on_disposal_usd", "book_gain_on_disposal_usd")
    check = Checker()
    for s, name in enumerate(results.inputs.site_names):
        cumulative = np.cumsum(results.sites.free_cash_flow_usd[s])
        for t in range(months):
            i = 3 + s * months + t
            check.equal(f"site {name} row {i}", sheet.cell(i, 1).value, name)
            for j, field in enumerate(fields):
                expected = float(getattr(results.sites, field)[s, t])
                check.number(f"{name} {field} month {t}", sheet.cell(i, 5 + j).value, expected)
            check.number(
                f"{name} cumulative month {t}", sheet.cell(i, 16).value, float(cumulative[t])
            )
            for j, field in enumerate(tax_fields):  # Q to S
                expected = float(getattr(results.sites, field)[s, t])
                check.number(f"{name} {field} month {t}", sheet.cell(i, 17 + j).value, expected)
            items = results.site_items
            for column, values in ((20, items.take_or_pay_usd), (21, items.profit_share_usd)):
                got = sheet.cell(i, column).value
                check.number(f"{name} hosting {column} month {t}", got, float(values[s, t]))
    assert check.problems == []
    assert check.compared == len(results.inputs.site_names) * months * 18


@pytest.mark.parametrize("case", CASES)
def test_rows_sheet_equals_engine(recalculated: dict[str, Any], case: str) -> None:
    book, results = recalculated[case]
    sheet = book["Rows"]
    k, b = results.row_kpis, results.breakevens
    rows = results.inputs
    full = compute(results.inputs, keep_rows=True).rows
    assert full is not None
    power = full.power_cost_usd.sum(axis=1)
    opex = full.opex_usd.sum(axis=1)
    depreciation = full.depreciation_usd.sum(axis=1)
    check = Checker()
    for r, name in enumerate(rows.row_names):
        w = 4 + r
        got = {c: sheet.cell(w, c).value for c in range(1, 27)}
        check.equal(f"Rows A{w}", got[1], name)
        check.number(f"{name} count", got[4], float(rows.count[r]))
        check.number(f"{name} capex", got[5], float(k.capex_usd[r]))
        check.number(f"{name} btc", got[6], float(k.btc_mined[r]))
        check.number(f"{name} revenue", got[7], float(k.revenue_usd[r]))
        check.number(f"{name} power", got[8], float(power[r]))
        check.number(f"{name} opex", got[9], float(opex[r]))
        check.number(f"{name} depreciation", got[10], float(depreciation[r]))
        check.number(f"{name} cash cost", got[11], float(k.cost_per_btc_cash_usd[r]))
        check.number(f"{name} all-in cost", got[12], float(k.cost_per_btc_all_in_usd[r]))
        check.number(f"{name} fcf", got[13], float(k.free_cash_flow_usd[r]))
        check.number(f"{name} npv", got[14], float(k.npv_usd[r]))
        _irr(check, f"{name} irr", got[15], float(results.row_irr_annual[r]))
        check.number(f"{name} payback", got[16], float(k.payback_months[r]))
        check.equal(f"{name} status", got[17], STATUS[int(k.payback_status[r])])
        first = int(b.first_online_month[r])
        check.number(f"{name} first online", got[18], float(first) if first >= 0 else math.nan)
        check.number(f"{name} breakeven price", got[19], float(b.btc_price_usd[r]))
        check.number(f"{name} breakeven hashprice", got[20], float(b.hashprice_usd_per_ph_day[r]))
        check.number(f"{name} breakeven power", got[21], float(b.power_usd_per_kwh[r]))
        after = (
            (b.btc_price_after_halving_usd, "price"),
            (b.hashprice_after_halving_usd_per_ph_day, "hashprice"),
            (b.power_after_halving_usd_per_kwh, "power"),
        )
        for column, (values, what) in enumerate(after, start=22):
            check.number(f"{name} breakeven {what} after the halving", got[column], values[r])
        check.number(f"{name} shutdown months", got[25], float(b.shutdown_months[r]))
        # The fleet's NPV with the row less without it, the tax refiled by formula.
        check.number(f"{name} marginal NPV", got[26], float(results.marginal_npv_usd[r]))
    assert check.problems == []
    assert check.compared == len(rows.row_names) * 24


@pytest.mark.parametrize("case", CASES)
def test_summary_equals_engine(recalculated: dict[str, Any], case: str) -> None:
    book, results = recalculated[case]
    sheet = book["Summary"]
    entities = [("Fleet", results.fleet_kpis, 0, results.fleet_irr_annual)]
    entities += [
        (name, results.site_kpis, s, float(results.site_irr_annual[s]))
        for s, name in enumerate(results.inputs.site_names)
    ]
    check = Checker()
    check.equal("scenario", sheet["E2"].value, results.inputs.scenario_name)
    for n, (name, kpis, i, irr) in enumerate(entities):
        row = 7 + n
        check.equal(f"Summary A{row}", sheet.cell(row, 1).value, name)
        check.number(f"{name} npv", sheet.cell(row, 2).value, float(kpis.npv_usd[i]))
        _irr(check, f"{name} irr", sheet.cell(row, 3).value, math.nan if irr is None else irr)
        check.number(f"{name} payback", sheet.cell(row, 4).value, float(kpis.payback_months[i]))
        check.equal(f"{name} status", sheet.cell(row, 5).value, STATUS[int(kpis.payback_status[i])])
        check.number(f"{name} roi", sheet.cell(row, 6).value, float(kpis.roi[i]))
        check.number(f"{name} btc", sheet.cell(row, 7).value, float(kpis.btc_mined[i]))
        check.number(f"{name} revenue", sheet.cell(row, 8).value, float(kpis.revenue_usd[i]))
        check.number(f"{name} capex", sheet.cell(row, 9).value, float(kpis.capex_usd[i]))
        check.number(f"{name} fcf", sheet.cell(row, 10).value, float(kpis.free_cash_flow_usd[i]))
        check.number(
            f"{name} cash cost", sheet.cell(row, 11).value, float(kpis.cost_per_btc_cash_usd[i])
        )
        check.number(
            f"{name} all-in cost", sheet.cell(row, 12).value, float(kpis.cost_per_btc_all_in_usd[i])
        )
        check.number(
            f"{name} discounted payback",
            sheet.cell(row, 13).value,
            float(kpis.discounted_payback_months[i]),
        )
        check.equal(
            f"{name} discounted status",
            sheet.cell(row, 14).value,
            STATUS[int(kpis.discounted_payback_status[i])],
        )
        check.number(f"{name} net cost", sheet.cell(row, 15).value, kpis.cost_per_btc_net_usd[i])
        check.number(
            f"{name} energy cost", sheet.cell(row, 16).value, kpis.cost_per_btc_energy_usd[i]
        )
    assert check.problems == []
    assert check.compared == 1 + len(entities) * 16


def test_cases_exercise_what_they_claim(recalculated: dict[str, Any]) -> None:
    """The projects do reach the branches the comparison is meant to cover."""
    _, contracts = recalculated["contracts"]
    _, losses = recalculated["losses"]
    _, taxed = recalculated["taxed"]
    tl = contracts.inputs.timeline
    assert contracts.inputs.start_height < 1_050_000 < tl.height_start[-1]  # a halving inside
    assert contracts.breakevens.shutdown_months.sum() > 0  # the automatic shutdown acts
    assert contracts.fleet.resale_usd.sum() > 0  # resale and terminal values
    assert (contracts.inputs.contract_price_usd_per_kwh < 0).any()  # a negative index price
    assert contracts.fleet.curtailment_credit_usd.sum() > 0
    assert losses.fleet.ebitda_usd.min() < 0 and not losses.inputs.auto_shutdown
    assert taxed.fleet.tax_usd.sum() > 0 and taxed.tax_loss_carried_usd.max() > 0
    assert (contracts.fleet.tax_usd > 0).any()
    # Discounted payback reaches all three outcomes, with real months where paid back.
    _, bull = recalculated["sample-bull"]
    statuses = {
        int(s) for _, r in recalculated.values() for s in r.site_kpis.discounted_payback_status
    }
    assert statuses == {m.PAID_BACK, m.NEVER, m.NEVER_NEGATIVE}
    assert 13 < bull.fleet_kpis.discounted_payback_months[0] < 16
    # A batch back above zero inside the month its capex is paid at the start of.
    _, filed = recalculated["filed"]
    nearly_free = filed.inputs.row_names.index("Nearly free")
    assert filed.row_kpis.payback_status[nearly_free] == m.PAID_BACK
    assert 0 < filed.row_kpis.payback_months[nearly_free] < 1
    # Losses expire (year 0's, unused by the end of year 2) and are used within the limit;
    # marginal NPVs differ from the rows' own where a row's tax shield counts.
    assert filed.fiscal_years.loss_expired_usd.sum() > 1e6
    assert filed.fiscal_years.loss_used_usd.sum() > 0
    assert np.abs(taxed.marginal_npv_usd - taxed.row_kpis.npv_usd).max() > 1e5


def test_changing_an_input_in_excel_moves_the_answers(
    recalculated: dict[str, Any], tmp_path: Path
) -> None:
    """Finance changes BTC price growth in the workbook: NPV and payback follow the
    engine run with the same change. (On the sample without its ERCOT site's hourly terms:
    the Hourly power sheet holds the engine's uptime and effective price as values, which
    an edit in the workbook does not move.)"""
    from tests.engine.test_hourly_power import NO_HOURLY_TERMS

    sample = load_project(sample_project_path())
    sample = sample.model_copy(
        update={"sites": [s.model_copy(update=NO_HOURLY_TERMS) for s in sample.sites]}
    )
    path = tmp_path / "edited.xlsx"
    export_workbook(sample, path)
    book = load_workbook(path)
    sheet, ref = next(book.defined_names["BtcPriceGrowth"].destinations)
    book[sheet][ref.replace("$", "")].value = 0.8
    book.save(path)
    recalculate([path], tmp_path / "out", tmp_path / "profile")
    values = load_workbook(tmp_path / "out" / "edited.xlsx", data_only=True)["Summary"]
    scenario = sample.scenario().model_copy(update={"btc_price_growth_per_year": 0.8})
    edited = sample.model_copy(
        update={"scenarios": [scenario if s.name == scenario.name else s for s in sample.scenarios]}
    )
    results = run(edited)
    before = run(sample)
    assert results.fleet_kpis.npv_usd[0] > before.fleet_kpis.npv_usd[0] + 1e6
    check = Checker()
    check.number("npv", values["B7"].value, float(results.fleet_kpis.npv_usd[0]))
    check.number("payback", values["D7"].value, float(results.fleet_kpis.payback_months[0]))
    check.equal("status", values["E7"].value, "paid back")
    assert check.problems == []


@pytest.mark.parametrize("case", CASES)
def test_hpc_sheet_equals_engine(recalculated: dict[str, Any], case: str) -> None:
    from openpyxl.utils import column_index_from_string

    from planner.engine.hpc import analyse_conversions
    from planner.io.workbook.hpc import FIRST_PLAN_ROW, MONTH, PLAN, header_row

    book, results = recalculated[case]
    project, _scenario = _cases()[case]
    analysis = analyse_conversions(project, results)
    sheet = book["HPC"]
    months = results.inputs.months
    head = header_row(len(analysis.sites))
    check = Checker()

    def at(row: int, key: str, table: dict[str, str]) -> Any:
        return sheet.cell(row, column_index_from_string(table[key])).value

    for p, site in enumerate(analysis.sites):
        q = FIRST_PLAN_ROW + p
        check.equal(f"HPC A{q}", at(q, "site", PLAN), site.site)
        for key, expected in (
            ("keep_npv", site.keep_npv_usd),
            ("convert_npv", site.convert_npv_usd),
            ("partial_npv", site.partial_npv_usd),
            ("payback", float(site.payback.months[1])),
            ("crossover", float(site.crossover_month)),
            ("breakeven_rent", site.breakeven_rent_usd_per_kw_month),
            ("peak_funding", site.peak_funding_usd),
            ("breakeven_multiple", site.breakeven_btc_price_multiple),
            ("convert_operations", site.convert_operations_npv_usd),
            ("convert_value", site.convert_value_at_horizon_npv_usd),
            ("rec_check", 0.0),
        ):
            check.number(f"{site.site} {key}", at(q, key, PLAN), float(expected))
        # Keep mining's NPV from the site's NPV on Summary, line by line as the engine.
        lines = [value for _label, value in site.keep_reconciliation(results)]
        for key, expected in zip(("rec_site", "rec_tax", "rec_value"), lines, strict=True):
            check.number(f"{site.site} {key}", at(q, key, PLAN), expected)
        for key, expected in zip(
            ("keep_irr", "convert_irr", "partial_irr"), site.irr_annual, strict=True
        ):
            _irr(check, f"{site.site} {key}", at(q, key, PLAN), float(expected))
        check.equal(
            f"{site.site} status", at(q, "status", PLAN), STATUS[int(site.payback.status[1])]
        )
        for t in range(months):
            r = head + 1 + p * (months + 1) + t  # each plan: its months and the horizon's end
            for key, flows in (
                ("keep", site.keep),
                ("convert", site.convert),
                ("partial", site.partial),
            ):
                check.number(f"{site.site} {key} month {t}", at(r, key, MONTH), float(flows[t]))
    assert check.problems == []
    assert check.compared == len(analysis.sites) * (19 + 3 * months)
    if case in ("sample", "contracts", "names", "sample-p-star"):
        assert len(analysis.sites) == 2


# Functions that read text in a lookup value or a criterion as a pattern: `*`, `?` and
# `~` as wildcards, and in criteria a leading `<`, `>`, `=` as a comparison. For each,
# the positions of (range, criterion) pairs, or of the lookup value.
CRITERIA_PAIRS = {
    "SUMIF": (0,),
    "COUNTIF": (0,),
    "AVERAGEIF": (0,),
    "SUMIFS": (1,),
    "AVERAGEIFS": (1,),
    "MINIFS": (1,),
    "MAXIFS": (1,),
    "COUNTIFS": (0,),
}
LOOKUP_VALUE = {"MATCH": 0, "XMATCH": 0, "VLOOKUP": 0, "HLOOKUP": 0, "XLOOKUP": 0, "LOOKUP": 0}
PATTERN_FUNCTIONS = {"SEARCH", "SEARCHB", "DCOUNT", "DSUM", "DGET", "REGEX"}
OPERATOR_TEXT = re.compile(r'^"(<>|<=|>=|<|>|=)?(-?\d+(\.\d+)?)?"$')
CELL = re.compile(r"^\$?[A-Z]{1,3}\$?\d+(:\$?[A-Z]{1,3}\$?\d+)?$")


def _calls(formula: str) -> list[tuple[str, list[list[Token]]]]:
    """Every function call in `formula`: its name and its arguments' tokens (nested
    calls' tokens included in their argument)."""
    calls: list[tuple[str, list[list[Token]]]] = []
    stack: list[tuple[str, list[list[Token]]]] = []
    for token in Tokenizer(formula).items:
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            stack.append((token.value[:-1].upper().removeprefix("_XLFN."), [[]]))
            continue
        if token.type == Token.FUNC and token.subtype == Token.CLOSE:
            name, args = stack.pop()
            calls.append((name, args))
            if stack:
                stack[-1][1][-1].extend(t for arg in args for t in arg)
            continue
        if token.type == Token.SEP and token.subtype == Token.ARG and stack:
            stack[-1][1].append([])
        elif stack:
            stack[-1][1][-1].append(token)
    return calls


class _Values:
    """The recalculated values of the references in a formula."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.cache: dict[tuple[str, str], list[Any]] = {}

    def __call__(self, sheet: str, ref: str) -> list[Any]:
        if "!" in ref:
            sheet, ref = ref.rsplit("!", 1)
            sheet = sheet.strip("'").replace("''", "'")
        if not CELL.match(ref):  # a defined name
            (sheet, ref), *_ = self.book.defined_names[ref].destinations
        key = (sheet, ref.replace("$", ""))
        if key not in self.cache:
            cells = self.book[sheet][key[1]]
            rows = cells if isinstance(cells, tuple) else ((cells,),)
            self.cache[key] = [c.value for row in rows for c in row]
        return self.cache[key]

    def texts(self, sheet: str, tokens: list[Token], *, criterion: bool = False) -> list[str]:
        """What in `tokens` is text: the text in the cells they reference, and their text
        literals but, in a criterion, a comparison with a number ("<0", ">"&...)."""
        found: list[str] = []
        for t in tokens:
            if t.type != Token.OPERAND:
                continue
            if t.subtype == Token.RANGE:
                found += [f"{t.value}: {v!r}" for v in self(sheet, t.value) if isinstance(v, str)]
            elif t.subtype == Token.TEXT and not (criterion and OPERATOR_TEXT.match(t.value)):
                found.append(t.value)
        return found


@pytest.mark.parametrize("case", ["names", "sample-p-star", "contracts"])
def test_no_lookup_or_criterion_reads_text(
    recalculated: dict[str, Any], case: str, tmp_path: Path
) -> None:
    """The class of the wildcard bug: no MATCH, VLOOKUP, ..., no SUMIF(S), COUNTIF(S),
    MINIFS, ... criterion and no criteria range reads text (a name would be a pattern
    there); lookups by name are MATCH(TRUE,INDEX(EXACT(names,key),0),0): a boolean."""
    book, _results = recalculated[case]
    project, scenario = _cases()[case]
    path = tmp_path / "formulas.xlsx"
    export_workbook(project, path, scenario=scenario)
    formulas = load_workbook(path)
    values = _Values(book)
    problems: list[str] = []
    counts: dict[str, int] = {}
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f" or not isinstance(cell.value, str):
                    continue
                where = f"{ws.title}!{cell.coordinate} {cell.value}"
                for name, args in _calls(cell.value):
                    texts: list[str] = []
                    if name in PATTERN_FUNCTIONS:
                        texts.append(name)
                    elif name in LOOKUP_VALUE:
                        texts += values.texts(ws.title, args[LOOKUP_VALUE[name]])
                    elif name in CRITERIA_PAIRS:
                        for i in range(CRITERIA_PAIRS[name][0], len(args) - 1, 2):
                            texts += values.texts(ws.title, args[i])
                            texts += values.texts(ws.title, args[i + 1], criterion=True)
                    else:
                        continue
                    counts[name] = counts.get(name, 0) + 1
                    if texts:
                        problems.append(f"{where}: {name} reads {texts[:3]}")
    assert problems[:5] == []
    # What was checked: the lookups by name (contracts, sites, models, plans' sites) and
    # the sums by month and by site number, the payback and crossover searches.
    assert {"MATCH", "SUMIF", "SUMIFS", "COUNTIF", "COUNTIFS", "MINIFS"} <= set(counts)


@pytest.mark.parametrize("case", ["sample", "taxed", "filed"])
def test_tax_years_sheet_equals_engine(recalculated: dict[str, Any], case: str) -> None:
    book, results = recalculated[case]
    sheet = book["TaxYears"]
    years = results.fiscal_years
    labels = results.inputs.fiscal.labels
    check = Checker()
    for y, label in enumerate(labels):
        row = 4 + y
        check.equal(f"TaxYears B{row}", sheet.cell(row, 2).value, label)
        for column, values in (
            (5, years.taxable_income_usd),
            (8, years.loss_used_usd),
            (9, years.loss_expired_usd),
            (10, years.tax_usd),
            (11, years.loss_carryforward_end_usd),
        ):
            check.number(f"TaxYears {label} col {column}", sheet.cell(row, column).value, values[y])
    # The years laid out past the horizon's (for a fiscal year end changed in the
    # workbook) say so, and are empty.
    if sheet.cell(4 + len(labels), 1).value is not None:
        assert sheet.cell(4 + len(labels), 2).value == "outside the horizon"
        assert sheet.cell(4 + len(labels), 10).value == 0
    assert check.problems == []
    assert check.compared == len(labels) * 6


@pytest.mark.parametrize("case", ["sample", "filed", "names"])
def test_summary_bridge_reconciles(recalculated: dict[str, Any], case: str) -> None:
    book, results = recalculated[case]
    sheet = book["Summary"]
    labels = [sheet.cell(row, 1).value for row in range(1, sheet.max_row + 1)]
    top = labels.index("Line") + 2  # the bridge's header, then its lines
    by_label = {
        sheet.cell(row, 1).value: sheet.cell(row, 2).value for row in range(top, sheet.max_row + 1)
    }
    check = Checker()
    for line in bridge_of(results):
        check.number(f"bridge {line.label}", by_label[line.label], line.npv_usd)
    check.number("bridge total", by_label["Total"], float(results.fleet_kpis.npv_usd[0]))
    difference = by_label["Fleet NPV less the total (0: it reconciles)"]
    assert abs(difference) < 1e-6 * max(1.0, abs(results.fleet_kpis.npv_usd[0]))
    assert check.problems == []


@pytest.mark.parametrize("case", CASES)
def test_the_next_halving_date_equals_engine(recalculated: dict[str, Any], case: str) -> None:
    book, results = recalculated[case]
    sheet, ref = next(book.defined_names["NextHalvingDate"].destinations)
    got = book[sheet][ref.replace("$", "")].value
    height, _day = results.next_halving
    when = height_date(results.inputs.timeline, height)
    assert abs((got - when).total_seconds()) < 1.0
