"""What the Hourly power sheet holds, and where: the engine's hourly figures per fleet row
and month (uptime share, effective power price, power sales) and per site and month
(priced on the curve or not, power sales, 4CP savings, demand response), and the cell
references the other sheets' formulas read them by. No openpyxl here.

The sites listed are those whose figures the hourly work changes: a price profile that
sets its rows' strike, 4CP intervals with a charge, demand response, power sold. A
project with none has no layout (None) and its workbook is as without the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.engine.hourly import NO_CURVE
from planner.engine.marginal import row_load_items_usd
from planner.engine.market import HOURS_PER_DAY
from planner.engine.model import Results
from planner.io.workbook.book import Shape

SHEET = "'Hourly power'"
TITLE = "Hourly power"
DATES_ROW = 7  # the month dates (title and notes above), repeated on each printed page
FIRST_ROW = 8  # the first section's heading

# The sections, in order: per site (one line per listed site), then per fleet row (one
# line per fleet row, in the Fleet's order, so a column lines up with the grids').
SITE_SECTIONS = ("curve", "sales", "fourcp", "demand_response")
ROW_SECTIONS = ("uptime", "price", "sales", "items")


@dataclass(frozen=True)
class HourlyLayout:
    """The engine's hourly figures and their rows on the sheet.

    Arrays are in the project's order: (S, H) for sites, (R, H) for fleet rows. `price`
    is NaN where a row draws no power in a month on the curve; in a month off the curve
    the sheet reads the site's price from PowerPrices instead (`curve` 0)."""

    shape: Shape
    sites: tuple[int, ...]  # the listed sites, project order
    site_names: tuple[str, ...]  # every site
    row_names: tuple[str, ...]
    row_site: np.ndarray  # (R,) each fleet row's site
    online: np.ndarray  # (R, H) bool
    resale: np.ndarray  # (S,) bool: a fixed contract that sells unused power
    curve: np.ndarray  # (S, H) bool: the month is priced on the site's curve
    site_sales_usd: np.ndarray
    fourcp_savings_usd: np.ndarray
    demand_response_usd: np.ndarray
    uptime: np.ndarray  # (R, H) share of the month's intervals run (x site uptime etc.)
    price_usd_per_kwh: np.ndarray  # (R, H) paid per kWh drawn, net of sales
    row_sales_usd: np.ndarray  # (R, H)
    # (R, H) what each row adds to its site's 4CP savings and demand response (for its
    # marginal NPV); None where no site has either
    row_items_usd: np.ndarray | None

    @property
    def any_resale(self) -> bool:
        return bool(self.resale[list(self.sites)].any())

    def site_listed(self, s: int) -> bool:
        return s in self.sites

    def row_listed(self, r: int) -> bool:
        return int(self.row_site[r]) in self.sites

    def row_resale(self, r: int) -> bool:
        return bool(self.resale[self.row_site[r]])

    def row_sections(self) -> tuple[str, ...]:
        return tuple(
            section
            for section in ROW_SECTIONS
            if (section != "sales" or self.any_resale)
            and (section != "items" or self.row_items_usd is not None)
        )

    def row_values(self, section: str) -> np.ndarray:
        """(R, H) a row section's figures."""
        if section == "uptime":
            return self.uptime
        if section == "price":
            return self.price_usd_per_kwh
        if section == "sales":
            return self.row_sales_usd
        assert self.row_items_usd is not None
        return self.row_items_usd

    def site_first(self, section: str) -> int:
        """Row of the first listed site's line of a site section."""
        return FIRST_ROW + 1 + SITE_SECTIONS.index(section) * (1 + len(self.sites))

    @property
    def income_row(self) -> int:
        """The listed sites' 4CP savings and demand response, summed by month."""
        return FIRST_ROW + len(SITE_SECTIONS) * (1 + len(self.sites))

    def row_first(self, section: str) -> int:
        """Row of fleet row 0's line of a row section."""
        rows = max(self.shape.rows, 1)
        return self.income_row + 3 + self.row_sections().index(section) * (1 + rows)

    @property
    def last_row(self) -> int:
        sections = len(self.row_sections())
        return self.income_row + 1 + sections * (1 + max(self.shape.rows, 1))

    # References, for the other sheets' formulas. `col` is a month column's letter (or
    # the grids' stand-in for it).
    def site_cell(self, section: str, s: int, col: str) -> str:
        return f"{SHEET}!{col}${self.site_first(section) + self.sites.index(s)}"

    def row_cell(self, section: str, r: int, col: str) -> str:
        return f"{SHEET}!{col}${self.row_first(section) + r}"

    def row_months(self, section: str, r: int) -> str:
        """Fleet row r's line of a row section over the horizon."""
        return self.shape.across(SHEET, self.row_first(section) + r)

    def site_months(self, section: str, s: int) -> str:
        return self.shape.across(SHEET, self.site_first(section) + self.sites.index(s))

    def grid(self, section: str) -> str:
        """A row section over every fleet row and month (lines up with the grids)."""
        first = self.row_first(section)
        last = first + max(self.shape.rows, 1) - 1
        m0, mL = self.shape.first_month_col, self.shape.last_month_col
        return f"{SHEET}!${m0}${first}:${mL}${last}"

    def income_cell(self, col: str) -> str:
        return f"{SHEET}!{col}${self.income_row}"


def hourly_layout(results: Results, shape: Shape) -> HourlyLayout | None:
    """The layout of a project whose sites have hourly terms; None without any."""
    inputs = results.inputs
    hourly = inputs.hourly
    sites_series = results.sites
    site_count = len(inputs.site_names)
    months = inputs.months
    listed = (
        sites_series.power_sales_usd.any(axis=1)
        | sites_series.fourcp_savings_usd.any(axis=1)
        | sites_series.demand_response_usd.any(axis=1)
    )
    if hourly is not None:
        listed |= (hourly.block != NO_CURVE).any(axis=1)
        listed |= (hourly.fourcp_block != NO_CURVE).any(axis=1)
        listed |= (hourly.fourcp_off_share > 0).any(axis=1)
    if not listed.any():
        return None
    site = inputs.site_idx
    t = np.arange(months)
    online = (t[None, :] >= inputs.online_idx[:, None]) & (t[None, :] < inputs.retire_idx[:, None])
    rows = site.size
    curve = np.zeros((site_count, months), dtype=bool)
    resale = np.zeros(site_count, dtype=bool)
    uptime = np.ones((rows, months))
    price = np.full((rows, months), np.nan)
    sales = np.zeros((rows, months))
    if hourly is not None:
        curve = hourly.block != NO_CURVE
        resale = hourly.resale.copy()
        uptime, price, sales = _row_terms(results, curve)
    return HourlyLayout(
        shape=shape,
        sites=tuple(int(s) for s in np.flatnonzero(listed)),
        site_names=tuple(inputs.site_names),
        row_names=tuple(inputs.row_names),
        row_site=site,
        online=online,
        resale=resale,
        curve=curve,
        site_sales_usd=sites_series.power_sales_usd,
        fourcp_savings_usd=sites_series.fourcp_savings_usd,
        demand_response_usd=sites_series.demand_response_usd,
        uptime=uptime,
        price_usd_per_kwh=price,
        row_sales_usd=sales,
        row_items_usd=_row_items(results),
    )


def _row_items(results: Results) -> np.ndarray | None:
    """(R, H) each row's part in its site's 4CP savings and demand response, as the
    engine's marginal NPV counts it; None without either."""
    power = results.inputs.site_power
    if not (
        power.fourcp_charge_usd_per_kw_year.any()
        or (power.demand_response_mw * power.demand_response_usd_per_mw_month).any()
    ):
        return None
    return row_load_items_usd(results, np.arange(results.inputs.site_idx.size))


def _row_terms(results: Results, curve: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row-month's share of the intervals run, price paid per kWh drawn (net of the
    power sold) in months on the curve, and power sales (USD), as the engine's pass over
    rows works them (engine/rows.py): the strike terms of its revenue per kWh."""
    inputs = results.inputs
    hourly = inputs.hourly
    assert hourly is not None
    site = inputs.site_idx
    contract = inputs.site_contract_idx[site]
    terms = hourly.strike_terms(
        site,
        results.row_month_strike_usd_per_kwh(),
        inputs.contract_price_usd_per_kwh[contract],
    )
    load_kw = inputs.count * inputs.power_w / 1000.0 * inputs.site_overhead[site]
    factor = inputs.site_uptime[site] * (1.0 - inputs.contract_curtailment_share[contract])
    t = np.arange(inputs.months)
    online = (t[None, :] >= inputs.online_idx[:, None]) & (t[None, :] < inputs.retire_idx[:, None])
    full_kwh = load_kw[:, None] * (HOURS_PER_DAY * inputs.timeline.days)[None, :]
    full_kwh *= online
    full_kwh *= factor[:, None]
    sales_usd = full_kwh * terms.sales
    on_curve = curve[site]
    with np.errstate(divide="ignore", invalid="ignore"):
        price = (terms.cost - terms.sales) / terms.run_share
    price = np.where(on_curve & (terms.run_share > 0), price, np.nan)
    return np.asarray(terms.run_share, dtype=float), price, sales_usd
