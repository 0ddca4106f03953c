"""The input sheets: Inputs (named assumptions and monthly paths), Fleet, Sites,
Contracts and Models. Blue cells are inputs; grey columns are derived.

Headers, labels and units are the domain schema's, as the desktop tables show them; the
order of the columns is the workbook's (planner.io.workbook.columns), since formulas
address them by letter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.domain import schema
from planner.engine.tax_depreciation import BONUS_FROM_CODE
from planner.engine.timeline import HALVING_INTERVAL_BLOCKS
from planner.io.formula_text import quoted
from planner.io.workbook.book import (
    BOLD,
    CALC_FILL,
    INPUT_FONT,
    Book,
    cell,
    header,
    input_cell,
    input_cells,
    text_cell,
    title,
    widths,
)
from planner.io.workbook.columns import (
    BTC_FINE,
    CONTRACT_COLUMNS,
    CONTRACTS,
    COUNT,
    DECIMAL,
    FLEET,
    FLEET_COLUMNS,
    INPUTS,
    MODEL_COLUMNS,
    MODELS,
    MONTH,
    MONTHLY,
    MONTHLY_FIRST_ROW,
    PATHS,
    PERCENT,
    SITE_COLUMNS,
    SITES,
    TABLE_FIRST_ROW,
    USD,
    USD_CENTS,
    Column,
)
from planner.io.workbook.data import ExportData
from planner.io.workbook.formulas import Formula, exact_match, month_index
from planner.io.workbook.sheet import Sheet, Text, cell_text

NO_MONTH = -1_000_000

# (label, value, unit, name, number format) of one named row on the Inputs sheet.
Named = tuple[str, Any, str, str, str | None]
_FINANCE = {column.key: column for column in schema.FINANCE_COLUMNS}

# The scenario's and the finance settings' named rows: (section, field, name, format).
_SETTINGS: tuple[tuple[str, str, str, str | None], ...] = (
    ("scenarios", "start_month", "StartMonth", MONTH),
    ("scenarios", "start_block_height", "StartHeight", COUNT),
    ("scenarios", "block_time_s", "BlockTime_s", DECIMAL),
    ("scenarios", "network_hashrate_ehs", "NetworkHashrate_EHs", DECIMAL),
    ("scenarios", "start_difficulty_t", "StartDifficulty_T", DECIMAL),
    ("scenarios", "network_hashrate_growth_per_year", "NetworkGrowth", PERCENT),
    ("scenarios", "btc_price_usd", "BtcPrice_USD", USD_CENTS),
    ("scenarios", "btc_price_growth_per_year", "BtcPriceGrowth", PERCENT),
    ("scenarios", "fees_btc_per_block", "Fees_BTC_per_block", BTC_FINE),
    ("scenarios", "pool_fee", "PoolFee", PERCENT),
    ("finance", "horizon_months", "HorizonMonths", COUNT),
    ("finance", "discount_rate_per_year", "DiscountRate", PERCENT),
    ("finance", "tax_rate", "TaxRate", PERCENT),
    ("finance", "depreciation_years", "DepreciationYears", DECIMAL),
    ("finance", "infrastructure_depreciation_years", "InfraDepreciationYears", DECIMAL),
    ("finance", "g_and_a_usd_per_month", "GandA_USD", USD),
    ("finance", "fiscal_year_end_month", "FiscalYearEnd", COUNT),
    ("finance", "tax_payments", "TaxPayments", None),
    ("finance", "loss_offset_limit", "LossLimit", PERCENT),
    ("finance", "loss_expiry_years", "LossExpiryYears", COUNT),
    ("finance", "bonus_depreciation_share", "BonusShare", PERCENT),
    ("finance", "tax_terminal_value", "TerminalValueTaxed", None),
    ("finance", "rig_tax_depreciation", "RigTax", None),
    ("finance", "infrastructure_tax_depreciation", "InfrastructureTax", None),
)


def _setting_column(section: str, key: str) -> schema.Column:
    return _FINANCE[key] if section == "finance" else schema.column(section, key)


def _assumptions(data: ExportData) -> list[Named]:
    """The named input rows, labelled and with units as the schema's columns are."""
    rows: list[Named] = [
        ("Project", data.project.name, "", "ProjectName", None),
        ("Scenario", data.scenario.name, "", "ScenarioName", None),
    ]
    for section, key, name, fmt in _SETTINGS:
        column = _setting_column(section, key)
        if key == "horizon_months":  # the month grids are laid out at export
            rows.append((column.label, data.months, f"{column.unit} (fixed)", name, fmt))
            continue
        item = data.scenario if section == "scenarios" else data.project.finance
        rows.append((column.label, getattr(item, key), column.unit, name, fmt))
    return rows


def _halvings(months: int) -> list[Named]:
    """The next halving's height and date (in the last month starting at or below it)."""
    last = MONTHLY_FIRST_ROW + months - 1

    def span(key: str) -> str:
        return MONTHLY.span(key, MONTHLY_FIRST_ROW, last)

    # Heights rise month by month: the months starting at or below it, counted.
    month_k = f"SUMPRODUCT(--({span('height')}<=NextHalvingHeight))"
    return [
        (
            "Next halving height",
            Formula(f"=(INT(StartHeight/{HALVING_INTERVAL_BLOCKS})+1)*{HALVING_INTERVAL_BLOCKS}"),
            "blocks",
            "NextHalvingHeight",
            COUNT,
        ),
        (
            "Next halving date (estimated)",
            Formula(
                f"=INDEX({span('month')},{month_k})"
                f"+(NextHalvingHeight-INDEX({span('height')},{month_k}))"
                f"*INDEX({span('block_time')},{month_k})/86400"
            ),
            "date",
            "NextHalvingDate",
            "yyyy-mm-dd",
        ),
    ]


def _named_rows(
    book: Book, ws: WriteOnlyWorksheet, row: int, items: list[Named], *, inputs: bool
) -> int:
    """Append one named row per item from `row`; the row after the last."""
    for label, value, unit, name, fmt in items:
        value_cell = input_cell(ws, value, fmt) if inputs else cell(ws, value, fmt)
        ws.append([text_cell(ws, label), value_cell, text_cell(ws, unit), text_cell(ws, name)])
        book.name(name, "Inputs", f"${INPUTS['value']}${row}")
        row += 1
    return row


def write_inputs(book: Book, data: ExportData) -> None:
    ws = book.sheet("Inputs", 41 + data.months, 4, one_table=False)
    widths(ws, (44, 18, 16, 26))
    ws.freeze_panes = "A4"
    ws.append(title(ws, "Inputs: scenario and finance assumptions"))
    note = (
        "Blue cells are inputs: change them and the workbook recalculates. "
        "The number of months is fixed at export."
    )
    ws.append([text_cell(ws, note)])
    ws.append(header(ws, INPUTS.headers))
    row = _named_rows(book, ws, 4, _assumptions(data), inputs=True)
    derived: list[Named] = [
        (
            "Depreciation life in months",
            Formula("=DepreciationYears*12"),
            "months",
            "DepreciationMonths",
            DECIMAL,
        ),
        (
            "Infrastructure depreciation life in months",
            Formula("=InfraDepreciationYears*12"),
            "months",
            "InfraDepreciationMonths",
            DECIMAL,
        ),
        (
            "Network hashrate in the month before the start",
            # The path's first step taken back, else the growth rate's.
            Formula(
                "=IF(AND(NetworkPathLen>=2,HorizonMonths>=2),"
                "INDEX(NetworkPath,1)^2/INDEX(NetworkPath,2),"
                f"Monthly!{MONTHLY['network_ehs']}{MONTHLY_FIRST_ROW}/(1+NetworkGrowth)^(1/12))"
            ),
            "EH/s",
            "NetworkBeforeStart",
            DECIMAL,
        ),
        (
            "The start month's place in its fiscal year (0: its first month)",
            Formula("=MOD(MONTH(StartMonth)-MOD(FiscalYearEnd,12)-1,12)"),
            "months",
            "FyOffset",
            None,
        ),
    ]
    ws.append(
        [
            text_cell(ws, _FINANCE["auto_shutdown"].header),
            input_cell(ws, bool(data.project.finance.auto_shutdown)),
            text_cell(ws, "TRUE/FALSE"),
            text_cell(ws, "AutoShutdown"),
        ]
    )
    book.name("AutoShutdown", "Inputs", f"${INPUTS['value']}${row}")
    heights = MONTHLY.span("height", MONTHLY_FIRST_ROW, MONTHLY_FIRST_ROW + data.months - 1)
    after: Named = (
        "First month after the next halving #",
        # Heights rise month by month: the months before it are those below its height.
        Formula(
            f"=IF(SUMPRODUCT(--({heights}<NextHalvingHeight))>=HorizonMonths,-1,"
            f"SUMPRODUCT(--({heights}<NextHalvingHeight)))"
        ),
        "month # (-1: past the horizon)",
        "AfterHalvingMonth",
        None,
    )
    row = _named_rows(book, ws, row + 1, [*derived, *_halvings(data.months), after], inputs=False)
    ws.append([])
    _paths(book, ws, data, row + 1)


def _paths(book: Book, ws: WriteOnlyWorksheet, data: ExportData, row: int) -> None:
    """The optional monthly BTC price and network hashrate paths, from `row`."""
    sc = data.scenario
    price, network = PATHS["btc_price"], PATHS["network_ehs"]
    note = (
        "Monthly paths: where a value is given it replaces the growth rate; "
        "after the last one, growth continues from it."
    )
    ws.append([text_cell(ws, note, font=BOLD)])
    row += 1
    first = row + 2
    last = first + data.months - 1
    ws.append(
        [
            text_cell(ws, "Path lengths (months given)"),
            cell(ws, Formula(f"=COUNT({price}{first}:{price}{last})"), COUNT),
            cell(ws, Formula(f"=COUNT({network}{first}:{network}{last})"), COUNT),
        ]
    )
    book.name("BtcPricePathLen", "Inputs", f"${price}${row}")
    book.name("NetworkPathLen", "Inputs", f"${network}${row}")
    ws.append(header(ws, PATHS.headers))
    prices, networks = sc.btc_price_path_usd, sc.network_hashrate_path_ehs
    for t in range(data.months):
        ws.append(
            [
                cell(ws, Formula(f"=EDATE(StartMonth,{t})"), MONTH),
                input_cell(ws, prices[t] if t < len(prices) else None, USD_CENTS),
                input_cell(ws, networks[t] if t < len(networks) else None, DECIMAL),
            ]
        )
    book.name("BtcPricePath", "Inputs", f"${price}${first}:${price}${last}")
    book.name("NetworkPath", "Inputs", f"${network}${first}:${network}${last}")


def write_fleet(book: Book, data: ExportData) -> None:
    ws = book.sheet("Fleet", 3 + data.shape.rows, len(FLEET))
    widths(ws, (28, 22, 18, 10, 14, 13, 13, 13, 14, 14, 12, 30))
    ws.freeze_panes = "B4"
    ws.append(title(ws, "Fleet: rigs by model and batch"))
    ws.append([text_cell(ws, "Blue cells are inputs. Months are the first day of the month.")])
    ws.append(header(ws, FLEET.headers))
    _append_inputs(ws, data.project.fleet, FLEET_COLUMNS)


def _append_inputs(ws: Sheet, items: Sequence[Any], columns: Sequence[Column]) -> None:
    """One row of input cells (blue) per item, written as XML rows: the cells `input_cells`
    makes, text as text (`Text`: cleaned, quote-prefixed when it starts like a formula)."""
    styles = ws.styles
    plain = [styles.id(fmt, font=INPUT_FONT) for _field, fmt in columns]
    prefixed = [styles.id(fmt, font=INPUT_FONT, quotePrefix=True) for _field, fmt in columns]
    fields = [field for field, _fmt in columns]
    for item in items:
        values: list[Any] = []
        ids: list[int] = []
        for i, field in enumerate(fields):
            value = getattr(item, field)
            if isinstance(value, str):
                ids.append(prefixed[i] if quoted(cell_text(value)) else plain[i])
                value = Text(value)
            else:
                ids.append(plain[i])
            values.append(value)
        ws.append_formulas(values, ids)


def _site_calc(row: int, contracts_last: int) -> list[tuple[Formula, str | None]]:
    """The derived cells of the Sites row `row` (grey), in SITES order."""
    s, c = SITES, CONTRACTS

    def lookup(key: str) -> str:
        return f"INDEX({c.span(key, TABLE_FIRST_ROW, contracts_last)},{s['contract_no']}{row})"

    def at(key: str) -> str:
        return f"{s[key]}{row}"

    names = c.span("name", TABLE_FIRST_ROW, contracts_last)
    infra_month = at("infrastructure_capex_month")
    infra_usd = at("infrastructure_capex_usd")
    return [
        (Formula(f"={exact_match(at('contract'), names)}"), None),
        (Formula(f"={lookup('type')}"), None),
        (Formula(f'=IF({at("contract_type")}="hosting",1,{at("overhead")})'), "0.000"),
        (Formula(f"={lookup('curtailment_share')}"), PERCENT),
        (Formula(f"={lookup('curtailment_credit_usd_per_mwh')}"), USD_CENTS),
        (Formula(f"={at('capacity_mw')}*1000*{lookup('demand_charge_usd_per_kw_month')}"), USD),
        (Formula(f'=IF({infra_month}="",{NO_MONTH},{month_index(infra_month)})'), None),
        (
            Formula(
                f'=IF(AND({infra_usd}>0,{infra_month}<>""),{infra_usd}/InfraDepreciationMonths,0)'
            ),
            USD,
        ),
        (Formula(f"={at('infra_t')}+InfraDepreciationMonths"), DECIMAL),
        (Formula(f'=IF(AND({infra_usd}>0,{infra_month}<>""),{infra_usd},0)'), USD),
        (
            Formula(
                '=IF(InfrastructureTax="macrs_39",0,IF(BonusShare="",'
                f"IF(YEAR(StartMonth)*12+MONTH(StartMonth)+{at('infra_t')}"
                f">={BONUS_FROM_CODE},1,0),BonusShare))"
            ),
            PERCENT,
        ),
        (Formula(f"={lookup('take_or_pay_share')}"), PERCENT),
        (Formula(f"={lookup('profit_share')}"), PERCENT),
    ]


def write_sites(book: Book, data: ExportData) -> None:
    shape = data.shape
    ws = book.sheet("Sites", 3 + shape.sites, len(SITES))
    widths(ws, (22, 20, 12, 10, 10, 14, 14, 16, 14, 24, 10, 10, 10, 11, 12, 14, 12, 14, 12))
    ws.freeze_panes = "B4"
    ws.append(title(ws, "Sites"))
    ws.append([text_cell(ws, "Blue cells are inputs; grey columns are derived.")])
    ws.append(header(ws, SITES.headers))
    contracts_last = shape.table_last(shape.contracts)
    for i, s in enumerate(data.project.sites):
        derived = _site_calc(TABLE_FIRST_ROW + i, contracts_last)
        ws.append(
            [
                *input_cells(ws, s, SITE_COLUMNS),
                *(cell(ws, formula, fmt, fill=CALC_FILL) for formula, fmt in derived),
            ]
        )


def write_contracts(book: Book, data: ExportData) -> None:
    ws = book.sheet("Contracts", 3 + data.shape.contracts, len(CONTRACTS))
    widths(ws, (24, 10, 12, 12, 12, 12, 14, 12, 14, 30))
    ws.freeze_panes = "B4"
    ws.append(title(ws, "Power contracts"))
    note = (
        "fixed and hosting: the rate is the contract's at its start month and steps up by "
        "the escalator on each anniversary of it (of the scenario start when empty). "
        "index: the monthly path on PowerPrices plus the adder. "
        "hosting is all-in: the site's cooling overhead counts as 1."
    )
    ws.append([text_cell(ws, note)])
    ws.append(header(ws, CONTRACTS.headers))
    for c in data.project.contracts:
        ws.append(input_cells(ws, c, CONTRACT_COLUMNS))


def write_models(book: Book, data: ExportData) -> None:
    ws = book.sheet("Models", 3 + data.shape.models, len(MODELS))
    widths(ws, (26, 14, 12, 12, 10, 40, 12))
    ws.freeze_panes = "B4"
    ws.append(title(ws, "Rig models"))
    ws.append([text_cell(ws, "The project's catalog.")])
    ws.append(header(ws, MODELS.headers))
    m = MODELS
    for i, model in enumerate(data.project.catalog):
        row = TABLE_FIRST_ROW + i
        efficiency = Formula(f"={m['power_w']}{row}/{m['hashrate_th']}{row}")
        ws.append([*input_cells(ws, model, MODEL_COLUMNS), cell(ws, efficiency, DECIMAL)])
