"""The monthly grid: line items that reconcile, fiscal-year subtotals and a total, the
halving month marked, and CSV / clipboard text Excel reads (never a formula)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from planner.engine import run
from planner.io.monthly_grid import Entity, entities, monthly_grid, to_tsv, write_csv
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


@pytest.fixture(scope="module")
def sample():
    return load_project(sample_project_path())


def _line(grid, label: str) -> int:
    return next(i for i, line in enumerate(grid.lines) if line.label == label)


def test_the_fleet_reconciles_month_by_month_and_by_year(sample) -> None:
    results = run(sample)
    grid = monthly_grid(results, entities(results)[0])
    fcf = grid.lines[_line(grid, "Free cash flow (USD)")].values
    parts = {
        label: grid.lines[_line(grid, f"{label} (USD)")].values
        for label in ("EBITDA", "Capex", "Tax", "Resale and terminal value")
    }
    np.testing.assert_allclose(
        fcf, parts["EBITDA"] - parts["Capex"] - parts["Tax"] + parts["Resale and terminal value"]
    )
    labels = [line.label for line in grid.lines]
    ebitda = sum(
        sign * grid.lines[_line(grid, f"{label} (USD)")].values
        for sign, label in (
            (1, "Revenue"),
            (1, "Curtailment credits"),
            (-1, "Power cost"),
            (-1, "Opex"),
            (-1, "Corporate G&A"),
            # What power earns besides mining: lines only where the plan has them.
            (1, "Power sales"),
            (1, "4CP savings"),
            (1, "Demand response pay"),
        )
        if f"{label} (USD)" in labels
    )
    np.testing.assert_allclose(parts["EBITDA"], ebitda, rtol=1e-9, atol=1e-6)
    # Columns: each fiscal year's months then its subtotal, then the total.
    first_year = int(np.count_nonzero(results.inputs.fiscal.month_year == 0))
    assert [c.kind for c in grid.columns[: first_year + 1]] == ["month"] * first_year + ["year"]
    assert grid.columns[0].header == f"{results.inputs.timeline.month_starts[0]:%Y-%m}"
    years = [c for c in grid.columns if c.kind == "year"]
    assert [c.header for c in years] == [f"{y} total" for y in results.inputs.fiscal.labels]
    f = _line(grid, "Free cash flow (USD)")
    total = len(grid.columns) - 1
    assert grid.columns[total].header == "Total"
    assert grid.value(f, total) == pytest.approx(float(results.fleet_kpis.free_cash_flow_usd[0]))
    year_sums = sum(grid.value(f, grid.columns.index(c)) for c in years)
    assert year_sums == pytest.approx(grid.value(f, total))
    cumulative = _line(grid, "Cumulative free cash flow (USD)")
    assert grid.value(cumulative, total) == pytest.approx(fcf.sum())  # the year-end value
    hashprice = _line(grid, "Hashprice (USD/PH/day)")
    assert grid.value(hashprice, total) == pytest.approx(
        results.market.hashprice_usd_per_ph_day.mean()
    )
    # The halving month, 2028-04 in the sample, is marked.
    assert [c.header for c in grid.columns if c.halving] == ["2028-04"]


def test_a_site_and_a_row_and_fiscal_years_ending_in_june(sample) -> None:
    project = sample.model_copy(
        update={"finance": sample.finance.model_copy(update={"fiscal_year_end_month": 6})}
    )
    results = run(project)
    choices = entities(results)
    site = next(e for e in choices if e.kind == "site")
    row = next(e for e in choices if e.kind == "row" and e.index == 2)
    site_grid = monthly_grid(results, site)
    row_grid = monthly_grid(results, row)
    s = site.index
    revenue = _line(site_grid, "Revenue (USD)")
    np.testing.assert_allclose(site_grid.lines[revenue].values, results.sites.revenue_usd[s])
    assert row_grid.entity.title == f"Row: {results.inputs.row_names[2]}"
    f = _line(row_grid, "Free cash flow (USD)")
    assert row_grid.value(f, len(row_grid.columns) - 1) == pytest.approx(
        float(results.row_kpis.free_cash_flow_usd[2])
    )
    assert all(line.label != "Corporate G&A (USD)" for line in row_grid.lines)
    years = [c.header for c in row_grid.columns if c.kind == "year"]
    assert years[0].startswith("FY") and years == [
        f"FY{y} total" for y in results.inputs.fiscal.labels
    ]


def test_csv_and_clipboard_keep_numbers_plain_and_names_text(sample, tmp_path: Path) -> None:
    fleet = list(sample.fleet)
    fleet[0] = fleet[0].model_copy(update={"name": '=HYPERLINK("http://x")'})
    results = run(sample.model_copy(update={"fleet": fleet}))
    grid = monthly_grid(results, Entity("row", 0, fleet[0].name))
    path = tmp_path / "monthly.csv"
    write_csv(grid, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 with its mark
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][0] == 'Row: =HYPERLINK("http://x")'  # starts with R: text as it is
    assert rows[0][1] == grid.columns[0].header
    revenue = next(r for r in rows if r[0] == "Revenue (USD)")
    assert float(revenue[-1]) == pytest.approx(
        grid.value(_line(grid, "Revenue (USD)"), len(grid.columns) - 1)
    )
    # A title that would start a formula keeps a quote in front of it.
    tsv = to_tsv([["=SUM(A1)", -12.5], ["Revenue (USD)", float("nan")]])
    assert tsv == "'=SUM(A1)\t-12.5\nRevenue (USD)\t"
