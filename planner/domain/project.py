"""The entities of the planning model and the project that holds them.

Field names carry their unit. Percentages are fractions (0.97 means 97 %); in a project
file a string such as "97%" or "$3,500" is read too. See docs/project-format.md.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, Strict

from planner.domain.fields import (
    MAX_BLOCK_HEIGHT,
    MAX_HASHRATE_TH,
    MAX_HORIZON_MONTHS,
    MAX_POWER_W,
    MIN_BLOCK_TIME_S,
    MIN_HASHRATE_TH,
    MIN_POWER_W,
    BtcPrice,
    Count,
    Fraction,
    Megawatts,
    Month,
    Name,
    NetworkEhs,
    Notes,
    Rate,
    SmallRate,
    Text,
    Usd,
    Whole,
    _at_least,
    _lenient,
)
from planner.domain.fields import MAX_MW as MAX_MW  # imported from here by others
from planner.domain.fields import Entity as _Entity
from planner.domain.price_profile import FourCpInterval, PriceProfile
from planner.domain.treasury import DebtInstrument, Hedge, TreasurySettings

SCHEMA_VERSION = 2

Cooling = Literal["air", "hydro", "immersion"]


class RigModel(_Entity):
    """A rig model of the catalog."""

    name: Name
    maker: Text = ""
    hashrate_th: Annotated[
        float,
        _lenient("hashrate_th"),
        Field(gt=0, le=MAX_HASHRATE_TH),
        _at_least(MIN_HASHRATE_TH),
    ]
    power_w: Annotated[
        float, _lenient("power_w"), Field(gt=0, le=MAX_POWER_W), _at_least(MIN_POWER_W)
    ]
    cooling: Cooling = "air"
    release_year: Annotated[Whole, Field(ge=2009, le=2100)] | None = None
    reference_price_usd: Annotated[Usd, Field(ge=0)] | None = None
    # Hashrate lost a year; empty: not stated (an import takes the fleet's figure).
    degradation_per_year: Annotated[Fraction, Field(le=0.5)] | None = None
    source: Text = ""

    @property
    def efficiency_j_per_th(self) -> float:
        return self.power_w / self.hashrate_th


ContractType = Literal["fixed", "hosting", "index"]
RigTaxMethod = Literal["macrs_5", "straight_line"]
InfrastructureTaxMethod = Literal["macrs_15", "macrs_39", "straight_line"]
TaxPayments = Literal["annual", "quarterly"]
IndexAfterPath = Literal["repeat_year", "hold"]


class PowerContract(_Entity):
    """How a site pays for power.

    fixed: `price_usd_per_kwh`, the rate at the contract's `start_month`, stepped up by
    `escalator_per_year` on each anniversary of that month (without a start month, of the
    scenario's start). hosting: an all-in rate that already includes cooling overhead
    (the site's overhead multiplier is taken as 1). index: the monthly
    `index_path_usd_per_kwh` plus `adder_usd_per_kwh`; after the path ends its last 12
    months repeat (the seasons), or its last value holds (`index_after_path` "hold", or
    a path shorter than a year); an empty path is the flat `price_usd_per_kwh` with the
    escalator.
    """

    name: Name
    type: ContractType = "fixed"
    price_usd_per_kwh: Annotated[Usd, Field(ge=0, le=10)] = 0.0
    escalator_per_year: SmallRate = 0.0
    start_month: Month | None = None
    index_path_usd_per_kwh: list[Annotated[Usd, Field(ge=-10, le=10)]] = Field(default_factory=list)
    adder_usd_per_kwh: Annotated[Usd, Field(ge=-10, le=10)] = 0.0
    index_after_path: IndexAfterPath = "repeat_year"
    demand_charge_usd_per_kw_month: Annotated[Usd, Field(ge=0)] = 0.0
    curtailment_share: Annotated[Fraction, Field(lt=1)] = 0.0
    curtailment_credit_usd_per_mwh: Annotated[Usd, Field(ge=0)] = 0.0
    # Hosting terms as hosts write them (any contract type): a take-or-pay minimum, a
    # share of the site's capacity billed every hour whether or not the rigs draw it; and
    # the host's share of the site's rigs' revenue above their power cost, each month.
    take_or_pay_share: Fraction = 0.0
    profit_share: Fraction = 0.0
    # A fixed-price contract that allows it sells the power the rigs leave unused at the
    # hour's price (the site's price profile) less this fee.
    resale_allowed: Annotated[bool, Strict()] = False
    resale_fee_usd_per_mwh: Annotated[Usd, Field(ge=0)] = 0.0
    notes: Notes = ""


class Site(_Entity):
    """A mining site: its capacity, power contract, cooling overhead and running costs."""

    name: Name
    contract: Name
    capacity_mw: Megawatts
    overhead: Annotated[float, _lenient("number"), Field(ge=1, le=3)] = 1.0
    uptime: Fraction = 1.0
    fixed_opex_usd_per_month: Annotated[Usd, Field(ge=0)] = 0.0
    maintenance_usd_per_rig_month: Annotated[Usd, Field(ge=0)] = 0.0
    infrastructure_capex_usd: Annotated[Usd, Field(ge=0)] = 0.0
    infrastructure_capex_month: Month | None = None
    # The cooling the site has: rig models of another cooling are not bought for it
    # (the best buy) and are warned about when placed there. None: not stated, any.
    cooling: Cooling | None = None
    # The site's power prices hour by hour (domain/price_profile.py); None: the contract's
    # monthly price, curtailed by its share of hours, as before.
    price_profile: PriceProfile | None = None
    # ERCOT's 4CP transmission charge per kW of the site's demand in the year's four
    # coincident peaks, billed over the next calendar year; the intervals the peaks are
    # expected in (rigs off then avoid it).
    fourcp_charge_usd_per_kw_year: Annotated[Usd, Field(ge=0)] = 0.0
    fourcp_intervals: list[FourCpInterval] = Field(default_factory=list)
    # Demand response or ancillary services: enrolled MW, paid per MW-month.
    demand_response_mw: Megawatts = 0.0
    demand_response_usd_per_mw_month: Annotated[Usd, Field(ge=0)] = 0.0
    notes: Notes = ""

    def takes(self, cooling: str) -> bool:
        """Whether rigs cooled by `cooling` can run here."""
        return self.cooling is None or self.cooling == cooling


class FleetRow(_Entity):
    """A batch of identical rigs at one site."""

    name: Name
    model: Name
    site: Name
    count: Count
    unit_price_usd: Annotated[Usd, Field(ge=0)] = 0.0
    purchase_month: Month
    online_month: Month | None = None
    retire_month: Month | None = None
    resale_usd_per_unit: Annotated[Usd, Field(ge=0)] = 0.0
    terminal_value_usd_per_unit: Annotated[Usd, Field(ge=0)] = 0.0
    degradation_per_year: Annotated[Fraction, Field(le=0.5)] = 0.0
    # Landed cost (in the book and tax basis): the price plus import tariff and sales tax
    # on it, shipping and installation per rig.
    import_tariff: Annotated[float, _lenient("fraction"), Field(ge=0, le=3)] = 0.0
    sales_tax: Fraction = 0.0
    shipping_usd_per_unit: Annotated[Usd, Field(ge=0)] = 0.0
    installation_usd_per_unit: Annotated[Usd, Field(ge=0)] = 0.0
    # A deposit paid in the order month, the rest on delivery (the purchase month).
    deposit_share: Fraction = 0.0
    order_month: Month | None = None
    notes: Notes = ""

    @property
    def landed_unit_cost_usd(self) -> float:
        """What one rig costs delivered and installed: the basis of its depreciation."""
        return (
            self.unit_price_usd * (1.0 + self.import_tariff + self.sales_tax)
            + self.shipping_usd_per_unit
            + self.installation_usd_per_unit
        )

    @property
    def effective_online_month(self) -> date:
        return self.online_month or self.purchase_month


class Scenario(_Entity):
    """A named market scenario: where the network and the price start and how they move."""

    name: Name
    start_month: Month
    start_block_height: Annotated[Whole, Field(ge=0, le=MAX_BLOCK_HEIGHT)]
    block_time_s: Annotated[
        float, _lenient("number"), Field(gt=0, le=36000), _at_least(MIN_BLOCK_TIME_S)
    ] = 600.0
    network_hashrate_ehs: NetworkEhs
    # The difficulty in force at the start (what pools quote), in T; None: the hashrate's,
    # one retarget epoch behind its growth.
    start_difficulty_t: Annotated[float, _lenient("number"), Field(gt=0, le=1e9)] | None = None
    network_hashrate_growth_per_year: Rate = 0.0
    network_hashrate_path_ehs: list[NetworkEhs] = Field(default_factory=list)
    btc_price_usd: BtcPrice
    btc_price_growth_per_year: Rate = 0.0
    btc_price_path_usd: list[BtcPrice] = Field(default_factory=list)
    fees_btc_per_block: Annotated[float, _lenient("number"), Field(ge=0, le=100)] = 0.0
    pool_fee: Annotated[Fraction, Field(lt=1)] = 0.0
    notes: Notes = ""


class FinanceSettings(_Entity):
    """Horizon, discounting, tax and the shutdown rule."""

    horizon_months: Annotated[Whole, Field(ge=1, le=MAX_HORIZON_MONTHS)] = 60
    discount_rate_per_year: Annotated[SmallRate, Field(ge=0)] = 0.10
    tax_rate: Annotated[Fraction, Field(lt=1)] = 0.0
    # At least one month: capex is spread over whole months of the life.
    depreciation_years: Annotated[
        float, _lenient("number"), Field(gt=0, le=50), _at_least(1 / 12)
    ] = 3.0
    auto_shutdown: Annotated[bool, Strict()] = True
    # Tax as filed (docs/model-notes.md "Tax as filed"): by fiscal year, with a limit on
    # the losses a year may use, tax depreciation apart from book, and disposals.
    fiscal_year_end_month: Annotated[Whole, Field(ge=1, le=12)] = 12
    tax_payments: TaxPayments = "annual"
    loss_offset_limit: Fraction = 0.8  # share of a year's taxable income losses may offset
    loss_expiry_years: Annotated[Whole, Field(ge=0, le=50)] = 0  # 0: losses never expire
    rig_tax_depreciation: RigTaxMethod = "macrs_5"
    infrastructure_tax_depreciation: InfrastructureTaxMethod = "macrs_15"
    # None: 100 % for property placed in service from 2025-01-20, 0 % before.
    bonus_depreciation_share: Fraction | None = None
    infrastructure_depreciation_years: Annotated[
        float, _lenient("number"), Field(gt=0, le=50), _at_least(1 / 12)
    ] = 15.0
    tax_terminal_value: Annotated[bool, Strict()] = True  # terminal value after its tax
    g_and_a_usd_per_month: Annotated[Usd, Field(ge=0)] = 0.0


class ConversionPlan(_Entity):
    """Converting a site, or a share of its MW, from mining to an AI/HPC lease.

    Mining runs until `start_month`; the rigs of the converted share are sold then; the
    build capex (USD per MW of critical IT) is spread over the construction months; rent
    (USD per kW of IT a month, escalating each lease year, ramping up over `ramp_months`)
    runs from the end of construction for the lease term. NOI is rent x `noi_margin`, or
    rent - `opex_usd_per_month` when that is set. Without power pass-through the landlord
    pays IT kW x PUE at the site's contract price. Defaults follow the public deals in
    resources/hpc_deals.md. See docs/model-notes.md for every convention.
    """

    site: Name
    enabled: Annotated[bool, Strict()] = True
    share: Fraction = 1.0
    start_month: Month
    construction_months: Annotated[Whole, Field(ge=0, le=120)] = 12
    ai_pue: Annotated[float, _lenient("number"), Field(ge=1, le=3)] = 1.3
    it_mw: Annotated[Megawatts, Field(gt=0)] | None = None
    capex_usd_per_mw_it: Annotated[Usd, Field(ge=0)] = 9_000_000.0
    rent_usd_per_kw_month: Annotated[Usd, Field(ge=0)] = 150.0
    rent_escalator_per_year: SmallRate = 0.03
    lease_term_years: Annotated[float, _lenient("number"), Field(gt=0, le=50)] = 15.0
    ramp_months: Annotated[Whole, Field(ge=0, le=120)] = 0
    noi_margin: Fraction = 0.85
    opex_usd_per_month: Annotated[Usd, Field(ge=0)] | None = None
    power_pass_through: Annotated[bool, Strict()] = True
    rig_resale_usd_per_th: Annotated[Usd, Field(ge=0)] | None = None
    mining_site_value_usd_per_mw: Annotated[Usd, Field(ge=0)] = 400_000.0
    cap_rate: Annotated[float, _lenient("fraction"), Field(gt=0, le=1), _at_least(0.001)] = 0.075
    loan_to_cost: Annotated[Fraction, Field(le=0.95)] = 0.0
    loan_rate_per_year: Annotated[SmallRate, Field(ge=0)] = 0.08
    loan_term_years: Annotated[float, _lenient("number"), Field(gt=0, le=50)] = 10.0
    notes: Notes = ""


class ResaleTier(_Entity):
    """Used-rig value by efficiency class: rigs at or below `max_j_per_th` (and above the
    tier before) resell at `usd_per_th` of nameplate hashrate."""

    max_j_per_th: Annotated[float, _lenient("number"), Field(gt=0, le=1e9)]
    usd_per_th: Annotated[Usd, Field(ge=0)]


# Planner defaults, tiered as public ASIC price indexes tier used rigs (under 19 J/TH,
# 19-25, 25-38, above 38); the levels are assumptions near late-2025 quotes, to be
# overwritten with a current broker quote (docs/model-notes.md).
DEFAULT_RESALE_CURVE = (
    ResaleTier(max_j_per_th=19, usd_per_th=12.0),
    ResaleTier(max_j_per_th=25, usd_per_th=6.0),
    ResaleTier(max_j_per_th=38, usd_per_th=2.5),
    ResaleTier(max_j_per_th=1000, usd_per_th=0.5),
)


class SwapCandidate(_Entity):
    """Replace fleet row `row` with rigs of `model` at `month`: the old rigs are sold at the
    resale curve's value, enough new rigs to fill the same MW are bought (or `count`),
    and they come online after `downtime_months`."""

    row: Name
    model: Name
    month: Month
    unit_price_usd: Annotated[Usd, Field(ge=0)]
    count: Count | None = None
    downtime_months: Annotated[Whole, Field(ge=0, le=24)] = 0
    notes: Notes = ""


class BuyQuote(_Entity):
    """A best-buy candidate as saved: a catalog model, the quoted price per rig and what
    the supplier can deliver (None: no limit)."""

    model: Name
    unit_price_usd: Annotated[Usd, Field(gt=0)]
    max_rigs: Count | None = None


class BestBuySettings(_Entity):
    """What Decisions > Best buy was last asked: the ticked candidates with their quotes,
    the ticked sites (empty: every site), the capex budget and the purchase month (None:
    the start of the horizon). Names that no longer exist are skipped when it is solved."""

    candidates: list[BuyQuote] = Field(default_factory=list)
    sites: list[Name] = Field(default_factory=list)
    budget_usd: Annotated[Usd, Field(ge=0)] = 10_000_000.0
    purchase_month: Month | None = None


class Project(_Entity):
    """Everything one planning file holds."""

    schema_version: Literal[2] = 2
    name: Name = "Untitled plan"
    notes: Notes = ""
    finance: FinanceSettings = Field(default_factory=FinanceSettings)
    scenarios: list[Scenario] = Field(min_length=1)
    active_scenario: Name
    contracts: list[PowerContract] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    catalog: list[RigModel] = Field(default_factory=list)
    fleet: list[FleetRow] = Field(default_factory=list)
    conversions: list[ConversionPlan] = Field(default_factory=list)
    swaps: list[SwapCandidate] = Field(default_factory=list)
    resale_curve: list[ResaleTier] = Field(default_factory=lambda: list(DEFAULT_RESALE_CURVE))
    best_buy: BestBuySettings = Field(default_factory=BestBuySettings)
    # The company's balance sheet, debt and hedges (domain/treasury.py); without them the
    # plan sells every BTC mined in its month and has no debt.
    treasury: TreasurySettings | None = None
    debt: list[DebtInstrument] = Field(default_factory=list)
    hedges: list[Hedge] = Field(default_factory=list)

    def scenario(self, name: str | None = None) -> Scenario:
        """The scenario called `name`, or the active one; KeyError when there is none."""
        wanted = self.active_scenario if name is None else name
        for scenario in self.scenarios:
            if scenario.name == wanted:
                return scenario
        known = ", ".join(s.name for s in self.scenarios)
        raise KeyError(f"unknown scenario {wanted!r} (the project has: {known})")


_BOUND_KEYWORDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
}


def _standard_bounds(node: Any) -> Any:
    """Pydantic writes bounds that follow a custom validator as ge/le/gt/lt; JSON Schema
    validators read minimum/maximum/exclusiveMinimum/exclusiveMaximum."""
    if isinstance(node, dict):
        return {_BOUND_KEYWORDS.get(k, k): _standard_bounds(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_standard_bounds(v) for v in node]
    return node


def project_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a project file at the current schema version."""
    schema = _standard_bounds(Project.model_json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Mining planner project"
    return schema
