"""The best buy's inputs as a person types them: the candidate table's rows (ticked, a
quoted unit price, a supplier's limit), the ticked sites, the budget and the purchase
month, read into what optimize.build_problem takes. Every refusal names the table, the
row and the column header, so the view can show it as it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from planner.domain.months import format_month, parse_month
from planner.domain.project import BestBuySettings, BuyQuote, RigModel
from planner.domain.units import parse_quantity, parse_whole_number
from planner.engine.optimize import BuyCandidate

CANDIDATES = "Candidate models"
MODEL, EFFICIENCY, PRICE, MAX_RIGS = "Model", "J/TH", "Unit price (USD)", "Max rigs"
CANDIDATE_COLUMNS = (MODEL, EFFICIENCY, PRICE, MAX_RIGS)
SITES = "Sites"
SITE, FREE_MW = "Site", "Free MW"
SITE_COLUMNS = (SITE, FREE_MW)
PURCHASE_MONTH = "Purchase month"
BUDGET = "Capex budget"


@dataclass(frozen=True)
class CandidateRow:
    """One row of the candidate table as typed: a catalog model, ticked or not, the
    unit price and the most rigs the supplier can deliver (blank: no limit)."""

    model: str
    efficiency_j_per_th: float
    ticked: bool = False
    price_text: str = ""
    max_rigs_text: str = ""


@dataclass(frozen=True)
class BuyInputs:
    """What the optimiser is asked: the candidates, the sites, the budget and the month
    (None: the start of the horizon)."""

    candidates: tuple[BuyCandidate, ...]
    sites: tuple[str, ...]
    budget_usd: float
    purchase_month: date | None


def candidate_rows(
    catalog: Iterable[RigModel], typed: Mapping[str, CandidateRow] | None = None
) -> list[CandidateRow]:
    """The candidate table for `catalog`, most efficient first. A model keeps what was
    ticked and typed for it (`typed`, by name); a new one starts unticked at the catalog's
    reference price, blank when there is none."""
    typed = typed or {}
    rows = []
    for model in sorted(catalog, key=lambda m: m.efficiency_j_per_th):
        before = typed.get(model.name)
        reference = model.reference_price_usd
        rows.append(
            CandidateRow(
                model.name,
                model.efficiency_j_per_th,
                before.ticked if before else False,
                before.price_text if before else (f"{reference:,.0f}" if reference else ""),
                before.max_rigs_text if before else "",
            )
        )
    return rows


def parse_candidate(row: CandidateRow) -> BuyCandidate:
    """A ticked row as a candidate: the price above zero, the limit a whole number >= 0.

    Raises ValueError as "Candidate models, <model>, <column header>: <why>"."""
    where = f"{CANDIDATES}, {row.model}"
    try:
        price_usd = parse_quantity(row.price_text, "usd")
    except ValueError as error:
        raise ValueError(f"{where}, {PRICE}: {error}") from None
    if price_usd <= 0:
        raise ValueError(f"{where}, {PRICE}: must be above zero, got {row.price_text!r}")
    most_text = row.max_rigs_text.strip()
    most: int | None = None
    if most_text:
        try:
            most = parse_whole_number(most_text)
        except ValueError as error:
            raise ValueError(f"{where}, {MAX_RIGS}: {error}") from None
        if most < 0:
            raise ValueError(f"{where}, {MAX_RIGS}: cannot be negative, got {most_text!r}")
    return BuyCandidate(row.model, price_usd, most)


def parse_purchase_month(text: str, horizon: tuple[date, date] | None = None) -> date | None:
    """The typed month (blank: None, the start of the horizon), inside `horizon` (the
    first and last month) when given. Raises ValueError as "Purchase month: <why>"."""
    text = text.strip()
    if not text:
        return None
    try:
        month = parse_month(text)
    except ValueError as error:
        raise ValueError(f"{PURCHASE_MONTH}: {error}") from None
    if horizon is not None:
        first, last = horizon
        if not first <= month <= last:
            raise ValueError(
                f"{PURCHASE_MONTH}: {format_month(month)} is outside the horizon "
                f"({format_month(first)} to {format_month(last)})"
            )
    return month


def parse_buy_inputs(
    rows: Sequence[CandidateRow],
    ticked_sites: Sequence[str],
    budget_usd: float,
    month_text: str,
    horizon: tuple[date, date] | None = None,
) -> BuyInputs:
    """The candidate table, the ticked sites, the budget and the typed month, checked in
    the order they appear on the page; the first problem raises ValueError naming where."""
    candidates = tuple(parse_candidate(row) for row in rows if row.ticked)
    if not candidates:
        raise ValueError(f"{CANDIDATES}: tick at least one model")
    if not ticked_sites:
        raise ValueError(f"{SITES}: tick at least one site")
    if not math.isfinite(budget_usd) or budget_usd < 0:
        raise ValueError(f"{BUDGET}: must be zero or more, got {budget_usd!r}")
    month = parse_purchase_month(month_text, horizon)
    return BuyInputs(candidates, tuple(ticked_sites), float(budget_usd), month)


def settings_of(inputs: BuyInputs, all_sites: Sequence[str]) -> BestBuySettings:
    """The inputs as the project saves them (every site ticked: saved as none, all)."""
    return BestBuySettings(
        candidates=[
            BuyQuote(model=c.model, unit_price_usd=c.unit_price_usd, max_rigs=c.max_count)
            for c in inputs.candidates
        ],
        sites=[] if set(inputs.sites) == set(all_sites) else list(inputs.sites),
        budget_usd=inputs.budget_usd,
        purchase_month=inputs.purchase_month,
    )


def typed_of(settings: BestBuySettings, catalog: Iterable[RigModel]) -> dict[str, CandidateRow]:
    """The candidate table's rows as the saved settings left them: ticked, with the quote
    and the limit typed (models no longer in the catalog are left out)."""
    efficiency = {m.name: m.efficiency_j_per_th for m in catalog}
    return {
        quote.model: CandidateRow(
            quote.model,
            efficiency[quote.model],
            True,
            f"{quote.unit_price_usd:,.2f}".removesuffix(".00"),
            "" if quote.max_rigs is None else str(quote.max_rigs),
        )
        for quote in settings.candidates
        if quote.model in efficiency
    }
