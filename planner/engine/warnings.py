"""What a CFO should know about a plan that does not stop the model: each warning names the
table, the row and the field it is about, so that a window can take the user there."""

from __future__ import annotations

import calendar
from dataclasses import dataclass

import numpy as np

from planner.domain.months import add_months, format_month
from planner.domain.project import Project
from planner.domain.schema import TREASURY_COLUMNS
from planner.engine.model import Results
from planner.engine.treasury_result import TreasuryResult

CAPACITY_TOLERANCE_MW = 1e-9


@dataclass(frozen=True)
class PlanWarning:
    """One warning: its text, and the cell it is about (`section` as in the project file:
    "sites", "fleet"; `row` its index there; `key` the field)."""

    message: str
    section: str
    row: int
    key: str


def plan_warnings(
    results: Results, project: Project | None = None, treasury: TreasuryResult | None = None
) -> list[PlanWarning]:
    """Sites drawing more than their capacity; fleet rows outside the horizon; with the
    project, rows whose rigs' cooling is not the site's; with its treasury (the scenario's
    path), margin calls and liquidations of BTC-backed loans, BTC-backed loans asking for
    more BTC than is free at their draw, equipment loans owing more than their rigs' value
    and cash below the buffer."""
    cooling = _cooling(project) if project is not None else []
    money = (
        _margin_calls(results, project, treasury)
        + _over_pledged(results, project, treasury)
        + _underwater(results, project, treasury)
        + _below_buffer(results, treasury)
        if project is not None and treasury is not None
        else []
    )
    return (
        _over_capacity(results)
        + _outside_the_horizon(results)
        + _profile_gaps(results)
        + cooling
        + money
    )


def _profile_gaps(results: Results) -> list[PlanWarning]:
    """Sites whose price profile lacks calendar months of the horizon (those months run on
    the contract's monthly price, as without a profile), or has months it cannot be
    scaled to the contract in (a mean or a contract price not above zero: left unscaled)."""
    hourly = results.inputs.hourly
    if hourly is None:
        return []
    return _site_month_warnings(
        results,
        hourly.uncovered,
        "its price profile has no prices for {names}: the contract's monthly price applies "
        "in {count} of the plan (first {first})",
    ) + _site_month_warnings(
        results,
        hourly.unscaled,
        "its price profile cannot be scaled to the contract in {names} (the month's mean "
        "price or the contract's price is not above zero): its own prices apply in {count} "
        "of the plan (first {first})",
    )


def _site_month_warnings(
    results: Results, cells: tuple[tuple[int, int], ...], text: str
) -> list[PlanWarning]:
    """One warning per site of (site, month) `cells`, `text` filled with the calendar
    months' names, the number of months and the first."""
    months_of: dict[int, list[int]] = {}
    for s, t in cells:
        months_of.setdefault(s, []).append(t)
    out = []
    starts = results.inputs.timeline.month_starts
    for s, months in months_of.items():
        names = ", ".join(calendar.month_abbr[m] for m in sorted({starts[t].month for t in months}))
        count = f"{len(months):,} month{'s' if len(months) != 1 else ''}"
        message = text.format(names=names, count=count, first=_month(results, months[0]))
        out.append(
            PlanWarning(
                f"site {results.inputs.site_names[s]!r}: {message}", "sites", s, "price_profile"
            )
        )
    return out


def _margin_calls(
    results: Results, project: Project, treasury: TreasuryResult
) -> list[PlanWarning]:
    """Each BTC-backed loan topped up at its margin call, or with collateral sold by the
    lender, on the scenario's path: one warning per loan and kind, its first month."""
    rows = {d.name: r for r, d in enumerate(project.debt)}
    out = []
    for loan in treasury.instruments:
        for kind, btc, key, what in (
            ("margin call", loan.btc_topped_up[0], "margin_call_ltv", "topped up"),
            ("liquidation", loan.btc_liquidated[0], "liquidation_ltv", "sold by the lender"),
        ):
            months = np.flatnonzero(btc > 0)
            if not months.size or loan.name not in rows:
                continue
            count = len(months)
            out.append(
                PlanWarning(
                    f"debt {loan.name!r}: {kind} in {count:,} month{'s' if count != 1 else ''}, "
                    f"first {_month(results, int(months[0]))}: {float(btc.sum()):,.4f} BTC "
                    f"{what}",
                    "debt",
                    rows[loan.name],
                    key,
                )
            )
    return out


def _over_pledged(
    results: Results, project: Project, treasury: TreasuryResult
) -> list[PlanWarning]:
    """Each BTC-backed loan that asks for more BTC at its draw than is free then (held
    less what the other loans pledged), on the scenario's path."""
    rows = {d.name: r for r, d in enumerate(project.debt)}
    start = results.inputs.start_month
    return [
        PlanWarning(
            f"debt {s.instrument!r}: asks for {s.btc_asked:,.4f} BTC pledged at its draw in "
            f"{format_month(add_months(start, s.month))}, but {s.btc_free:,.4f} BTC is free "
            f"then ({s.btc_held:,.4f} held less {s.btc_pledged_elsewhere:,.4f} pledged to "
            "other loans)",
            "debt",
            rows[s.instrument],
            "btc_pledged",
        )
        for s in treasury.pledge_shortfalls
        if s.instrument in rows
    ]


def _underwater(results: Results, project: Project, treasury: TreasuryResult) -> list[PlanWarning]:
    """Each equipment loan whose balance ends a month above its rigs' collateral value
    (their book value in service), on the scenario's path: its first such month."""
    rows = {d.name: r for r, d in enumerate(project.debt)}
    out = []
    for loan in treasury.instruments:
        months = loan.underwater_months(0)
        if not months.size or loan.name not in rows:
            continue
        first, count = int(months[0]), len(months)
        out.append(
            PlanWarning(
                f"debt {loan.name!r}: owes ${float(loan.balance_end_usd[0, first]):,.0f} at "
                f"the end of {_month(results, first)}, above its rigs' collateral value of "
                f"${float(loan.collateral_value_end_usd[0, first]):,.0f} (their book value; "
                f"{count:,} month{'s' if count != 1 else ''} underwater)",
                "debt",
                rows[loan.name],
                "advance_rate",
            )
        )
    return out


def _below_buffer(results: Results, treasury: TreasuryResult) -> list[PlanWarning]:
    """Cash ending a month below the minimum cash buffer under the policy."""
    buffer_usd = treasury.min_cash_buffer_usd
    cash_usd = treasury.cash_end_usd[0]
    below = np.flatnonzero(cash_usd < buffer_usd - 1e-6)
    if not below.size:
        return []
    first, count = int(below[0]), len(below)
    row = next(i for i, c in enumerate(TREASURY_COLUMNS) if c.key == "min_cash_usd")
    return [
        PlanWarning(
            f"treasury: cash ends {_month(results, first)} at ${float(cash_usd[first]):,.0f}, "
            f"below the minimum cash buffer of ${buffer_usd:,.0f} ({count:,} "
            f"month{'s' if count != 1 else ''} below) under the treasury policy",
            "treasury",
            row,
            "min_cash_usd",
        )
    ]


def _cooling(project: Project) -> list[PlanWarning]:
    """Fleet rows at a site that does not have their rigs' cooling."""
    sites = {s.name: s for s in project.sites}
    cooling = {m.name: m.cooling for m in project.catalog}
    out = []
    for r, row in enumerate(project.fleet):
        site, rigs = sites.get(row.site), cooling.get(row.model)
        if site is None or rigs is None or row.count <= 0 or site.takes(rigs):
            continue
        out.append(
            PlanWarning(
                f"fleet row {row.name!r}: {rigs}-cooled {row.model} at {row.site!r}, "
                f"{'an' if str(site.cooling)[0] in 'aeiou' else 'a'} {site.cooling}-cooled site",
                "fleet",
                r,
                "site",
            )
        )
    return out


def _month(results: Results, index: int) -> str:
    return format_month(results.inputs.timeline.month_starts[index])


def _over_capacity(results: Results) -> list[PlanWarning]:
    out = []
    inputs = results.inputs
    for s, name in enumerate(inputs.site_names):
        load_mw = results.site_load_mw[s]
        capacity_mw = float(inputs.site_capacity_mw[s])
        if load_mw.size and load_mw.max() > capacity_mw + CAPACITY_TOLERANCE_MW:
            worst = int(load_mw.argmax())
            over = int(np.count_nonzero(load_mw > capacity_mw + CAPACITY_TOLERANCE_MW))
            out.append(
                PlanWarning(
                    f"site {name!r}: rigs draw {load_mw[worst]:,.2f} MW with cooling overhead "
                    f"in {_month(results, worst)}, above its capacity of {capacity_mw:,.2f} MW"
                    f" ({over:,} month{'s' if over != 1 else ''} over)",
                    "sites",
                    s,
                    "capacity_mw",
                )
            )
    return out


def _outside_the_horizon(results: Results) -> list[PlanWarning]:
    """Rows that add nothing: bought after the horizon, or retired before it starts."""
    inputs = results.inputs
    months = inputs.months
    last = _month(results, months - 1)
    out = []
    counted = inputs.count > 0
    outside = counted & ((inputs.purchase_idx >= months) | (inputs.retire_idx <= 0))
    for r in np.flatnonzero(outside):  # few rows: the loop is over those only
        name = inputs.row_names[r]
        if inputs.purchase_idx[r] >= months:
            out.append(
                PlanWarning(
                    f"fleet row {name!r}: bought after the horizon (which ends {last}); it adds "
                    "nothing to the plan",
                    "fleet",
                    int(r),
                    "purchase_month",
                )
            )
        elif inputs.retire_idx[r] <= 0:
            out.append(
                PlanWarning(
                    f"fleet row {name!r}: retired before the plan starts "
                    f"({_month(results, 0)}); it adds nothing to the plan",
                    "fleet",
                    int(r),
                    "retire_month",
                )
            )
    return out
