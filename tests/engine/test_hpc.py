"""AI/HPC conversion: a 100 MW site worked by hand, breakevens, partial shares, errors."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from planner.domain.errors import ProjectValidationError
from planner.domain.price_profile import FourCpInterval
from planner.domain.project import ConversionPlan, FleetRow, Project
from planner.domain.validation import validate_project
from planner.engine import run
from planner.engine.hpc import (
    SiteConversion,
    analyse_conversions,
    mining_response,
    npv_gap_at_multiple,
    site_mining_flows,
    solve_breakeven_multiple,
)
from tests.engine.conftest import make_project

GROSS_MW = 100.0
PUE = 1.3
IT_MW = GROSS_MW / PUE
CAPEX_PER_MW_IT = 9_000_000.0
RENT = 150.0
NOI = 0.85
START = 2  # the conversion starts in month 2 (2027-08): two months of mining first
RIGS = 27_000
RESALE = 500.0
SITE_VALUE_PER_MW = 400_000.0
CAP_RATE = 0.075


def hand_project(**plan_fields: object) -> Project:
    """One 100 MW site mining with 27,000 S21 bought before the horizon, and its plan."""
    project = make_project(
        fleet=[
            {
                "model": "S21",
                "count": RIGS,
                "unit_price_usd": 3_000,
                "purchase_month": "2026-01",
                "resale_usd_per_unit": RESALE,
                "terminal_value_usd_per_unit": 800,
            }
        ],
        site={"capacity_mw": GROSS_MW, "fixed_opex_usd_per_month": 50_000},
        finance={"horizon_months": 60, "discount_rate_per_year": 0.10},
    )
    fields: dict[str, object] = {
        "site": "Site",
        "start_month": date(2027, 8, 1),
        "construction_months": 12,
        "ai_pue": PUE,
        "capex_usd_per_mw_it": CAPEX_PER_MW_IT,
        "rent_usd_per_kw_month": RENT,
        "rent_escalator_per_year": 0.03,
        "lease_term_years": 15,
        "noi_margin": NOI,
        "mining_site_value_usd_per_mw": SITE_VALUE_PER_MW,
        "cap_rate": CAP_RATE,
        **plan_fields,
    }
    return project.model_copy(update={"conversions": [ConversionPlan(**fields)]})


def discounted(flows: list[float], rate: float, capex: list[float] | None = None) -> float:
    """NPV of flows at month ends, with the capex in them moved to their months' starts."""
    at_start = capex or [0.0] * len(flows)
    return sum(
        (f + c) / (1 + rate) ** ((t + 1) / 12) - c / (1 + rate) ** (t / 12)
        for t, (f, c) in enumerate(zip(flows, at_start, strict=True))
    )


def test_a_100_mw_site_by_hand() -> None:
    project = hand_project()
    results = run(project)
    (site,) = analyse_conversions(project, results).sites
    sites = results.sites
    mining = [
        float(sites.ebitda_usd[0, t] - sites.capex_usd[0, t] + sites.resale_usd[0, t])
        for t in range(60)
    ]
    it_kw = IT_MW * 1000  # 76,923.08 kW of critical IT
    capex_month = IT_MW * CAPEX_PER_MW_IT / 12  # $57,692,307.69 a month for 12 months
    rent_year_1 = it_kw * RENT  # $11,538,461.54 a month from month 14
    assert capex_month == pytest.approx(57_692_307.69, abs=0.01)
    assert rent_year_1 == pytest.approx(11_538_461.54, abs=0.01)
    expected: list[float] = []
    for t in range(24):
        flow = 0.0
        if t < START:
            flow += mining[t]  # mining as before
        if t == START:
            flow += RIGS * RESALE  # the rigs are sold: $13,500,000
        if START <= t < START + 12:
            flow -= capex_month
        if t >= START + 12:
            flow += NOI * rent_year_1  # $9,807,692.31 of NOI a month
        expected.append(flow)
    assert site.convert[:24] == pytest.approx(expected, rel=1e-12)
    assert site.parts.rig_sale[START] == 13_500_000
    assert site.parts.capex[START : START + 12] == pytest.approx([capex_month] * 12, rel=1e-12)
    assert site.parts.rent[14] == pytest.approx(rent_year_1, rel=1e-12)
    assert site.parts.noi[14] == pytest.approx(9_807_692.31, abs=0.01)
    # Lease year 2 (months 26-37) pays 3 % more; year 3 (38-49) 6.09 % more.
    assert site.parts.rent[26] == pytest.approx(rent_year_1 * 1.03, rel=1e-12)
    assert site.parts.rent[38] == pytest.approx(rent_year_1 * 1.03**2, rel=1e-12)
    assert site.parts.mining[START:].sum() == 0  # no mining after the start month
    # The last month: NOI plus the data centre's value, a year of NOI over the cap rate.
    rent_year_4 = rent_year_1 * 1.03**3  # months 50-61
    last = NOI * rent_year_4 + 12 * NOI * rent_year_4 / CAP_RATE
    assert site.convert[59] == pytest.approx(last, rel=1e-12)
    full = expected + [NOI * rent_year_1 * 1.03 ** ((t - 14) // 12) for t in range(24, 59)] + [last]
    assert site.convert == pytest.approx(full, rel=1e-12)
    # Keep mining: the site's mining cash flow and its value as a mining site at the end.
    keep = [*mining[:59], mining[59] + SITE_VALUE_PER_MW * GROSS_MW]
    assert site.keep == pytest.approx(keep, rel=1e-12)
    # Capex (the rigs', and the build's) is paid at the start of its month.
    mining_capex = [float(c) for c in sites.capex_usd[0]]
    build = [capex_month if START <= t < START + 12 else 0.0 for t in range(60)]
    convert_capex = [
        (m if t < START else 0.0) + b
        for t, (m, b) in enumerate(zip(mining_capex, build, strict=True))
    ]
    assert site.keep_npv_usd == pytest.approx(discounted(keep, 0.10, mining_capex), rel=1e-12)
    assert site.convert_npv_usd == pytest.approx(discounted(full, 0.10, convert_capex), rel=1e-12)
    assert site.partial_npv_usd == pytest.approx(site.convert_npv_usd, rel=1e-12)  # share 100 %
    # Funding: the cumulative low is at the end of construction.
    assert site.peak_funding_usd == pytest.approx(-min(np.cumsum(full)), rel=1e-12)
    assert np.argmin(np.cumsum(full)) == START + 11


def test_breakeven_rent_matches_the_npvs_within_a_dollar() -> None:
    project = hand_project()
    (site,) = analyse_conversions(project, run(project)).sites
    rent = site.breakeven_rent_usd_per_kw_month
    assert 0 < rent < RENT  # converting wins at $150: the breakeven is lower

    def npvs(at: float) -> tuple[float, float]:
        plan = project.conversions[0].model_copy(update={"rent_usd_per_kw_month": at})
        changed = project.model_copy(update={"conversions": [plan]})
        (other,) = analyse_conversions(changed, run(changed), solve_btc_multiple=False).sites
        return other.keep_npv_usd, other.convert_npv_usd

    keep, convert = npvs(rent)
    assert abs(convert - keep) < 1.0
    keep, convert = npvs(rent - 0.01)
    assert keep > convert  # below the breakeven rent mining wins
    keep, convert = npvs(rent + 0.01)
    assert convert > keep  # above it converting wins


def test_breakeven_btc_price_multiple_matches_the_npvs() -> None:
    project = hand_project()
    (site,) = analyse_conversions(project, run(project)).sites
    multiple = site.breakeven_btc_price_multiple
    assert multiple > 1  # at today's prices converting wins; mining needs a higher price
    scenario = project.scenario()
    scaled = project.model_copy(
        update={
            "scenarios": [
                scenario.model_copy(update={"btc_price_usd": scenario.btc_price_usd * multiple})
            ]
        }
    )
    (other,) = analyse_conversions(scaled, run(scaled), solve_btc_multiple=False).sites
    assert other.keep_npv_usd == pytest.approx(other.convert_npv_usd, abs=1.0)


def test_partial_share_blends_keep_and_convert() -> None:
    for share, which in ((0.0, "keep"), (1.0, "convert")):
        project = hand_project(share=share)
        (site,) = analyse_conversions(project, run(project), solve_btc_multiple=False).sites
        assert site.partial == pytest.approx(getattr(site, which), rel=1e-12, abs=1e-6)
        assert site.partial_npv_usd == pytest.approx(getattr(site, f"{which}_npv_usd"), rel=1e-12)
    project = hand_project(share=0.4)
    (site,) = analyse_conversions(project, run(project), solve_btc_multiple=False).sites
    assert site.partial_npv_usd == pytest.approx(
        0.6 * site.keep_npv_usd + 0.4 * site.convert_npv_usd, rel=1e-12
    )


def test_site_mining_flows_on_its_rows_alone_equal_the_fleet_run() -> None:
    project = hand_project()
    extra = FleetRow(
        name="Elsewhere",
        model="S19j Pro",
        site="Other",
        count=500,
        purchase_month=date(2026, 5, 1),
    )
    other_site = project.sites[0].model_copy(update={"name": "Other", "capacity_mw": 5})
    project = project.model_copy(
        update={"sites": [*project.sites, other_site], "fleet": [*project.fleet, extra]}
    )
    results = run(project)
    sites = results.sites
    whole = sites.ebitda_usd[0] - sites.capex_usd[0] + sites.resale_usd[0]
    assert site_mining_flows(results.inputs, 0) == pytest.approx(whole, rel=1e-12)


def test_financing_draws_with_capex_and_repays_at_the_horizon() -> None:
    project = hand_project(loan_to_cost=0.8, loan_rate_per_year=0.09, loan_term_years=10)
    (site,) = analyse_conversions(project, run(project), solve_btc_multiple=False).sites
    parts = site.parts
    assert parts.loan_draw.sum() == pytest.approx(0.8 * parts.capex.sum(), rel=1e-12)
    monthly = 1.09 ** (1 / 12) - 1
    assert parts.interest[START] == 0  # nothing drawn before the first month's draw
    assert parts.interest[START + 1] == pytest.approx(parts.loan_draw[START] * monthly)
    # Level payments from the end of construction; the balance is repaid in the last month.
    payments = parts.interest[14:59] + parts.principal[14:59]
    assert payments == pytest.approx([payments[0]] * 45, rel=1e-12)
    assert parts.principal.sum() == pytest.approx(parts.loan_draw.sum(), rel=1e-9)
    assert (
        site.peak_funding_usd
        < analyse_conversions(hand_project(), run(hand_project()), solve_btc_multiple=False)
        .sites[0]
        .peak_funding_usd
    )


def test_power_not_passed_through_is_paid_by_the_landlord() -> None:
    project = hand_project(power_pass_through=False)
    results = run(project)
    (site,) = analyse_conversions(project, results, solve_btc_multiple=False).sites
    hours = results.inputs.timeline.days[20] * 24
    price = results.inputs.contract_price_usd_per_kwh[0, 20]
    assert site.parts.power[20] == pytest.approx(IT_MW * 1000 * PUE * hours * price, rel=1e-12)
    assert site.parts.power[1] == 0  # before the start month the site still mines


def test_disabled_and_late_plans() -> None:
    project = hand_project(enabled=False)
    assert analyse_conversions(project, run(project)).sites == ()
    project = hand_project()
    analysis = analyse_conversions(project, run(project, horizon_months=2))
    assert analysis.sites == ()
    assert "after the horizon" in analysis.skipped[0]


@pytest.mark.parametrize(
    ("field", "value", "path", "message"),
    [
        ("start_month", "2032-07", "conversions[0].start_month", "must be inside the horizon"),
        ("rent_usd_per_kw_month", -5, "conversions[0].rent_usd_per_kw_month", "must be >= 0"),
        ("share", 1.2, "conversions[0].share", "must be <= 1"),
        ("share", "120%", "conversions[0].share", "must be <= 1"),
        ("site", "Nowhere", "conversions[0].site", "unknown site 'Nowhere'"),
        ("ai_pue", 0.9, "conversions[0].ai_pue", "must be >= 1"),
    ],
)
def test_invalid_plans_are_refused_with_field_names(
    field: str, value: object, path: str, message: str
) -> None:
    data = hand_project().model_dump(mode="json")
    data["conversions"][0][field] = value
    with pytest.raises(ProjectValidationError) as caught:
        validate_project(data)
    shown = [str(p) for p in caught.value.problems]
    assert any(p.startswith(path) and message in p for p in shown), shown


def test_two_plans_for_one_site_are_refused() -> None:
    data = hand_project().model_dump(mode="json")
    data["conversions"].append(dict(data["conversions"][0]))
    with pytest.raises(ProjectValidationError) as caught:
        validate_project(data)
    assert any("duplicate plan for site 'Site'" in str(p) for p in caught.value.problems)


def test_no_rent_breakeven_when_converting_loses_at_any_rent_and_nan_multiple() -> None:
    project = hand_project(capex_usd_per_mw_it=1e12)
    (site,) = analyse_conversions(project, run(project)).sites
    assert (
        math.isnan(site.breakeven_rent_usd_per_kw_month) or site.breakeven_rent_usd_per_kw_month > 0
    )


# ------------------------------------------------- the breakeven multiple without reruns


def _with_plans_everywhere(project: Project) -> Project:
    from planner.benchmark import with_conversion_plans

    return with_conversion_plans(project)


def _harsh(project: Project, *, price_factor: float, auto_shutdown: bool) -> Project:
    """`project` with dearer power, curtailment with credits, a pool fee, tax and a falling
    BTC price: rows switch off month by month under the automatic shutdown."""
    contracts = [
        c.model_copy(
            update={
                "price_usd_per_kwh": c.price_usd_per_kwh * price_factor,
                "curtailment_share": 0.15,
                "curtailment_credit_usd_per_mwh": 40.0,
            }
        )
        for c in project.contracts
    ]
    scenarios = [
        s.model_copy(update={"pool_fee": 0.03, "btc_price_growth_per_year": -0.2})
        for s in project.scenarios
    ]
    finance = project.finance.model_copy(update={"auto_shutdown": auto_shutdown, "tax_rate": 0.21})
    return project.model_copy(
        update={"contracts": contracts, "scenarios": scenarios, "finance": finance}
    )


def _rent(project: Project, rent_usd_per_kw_month: float) -> Project:
    plans = [
        c.model_copy(update={"rent_usd_per_kw_month": rent_usd_per_kw_month})
        for c in project.conversions
    ]
    return project.model_copy(update={"conversions": plans})


def _on_strike(project: Project) -> Project:
    """`project` with a price profile on every site but the second (index contracts as
    they are, the others reselling unused power), and 4CP hours at the second: its rows
    run as without a profile, less the hours off for 4CP."""
    from planner.benchmark import with_price_profiles

    hourly = with_price_profiles(project)
    sites = list(hourly.sites)
    sites[1] = sites[1].model_copy(
        update={
            "price_profile": None,
            "fourcp_charge_usd_per_kw_year": 55.0,
            "fourcp_intervals": [
                FourCpInterval(month=7, day=d, hour=h, probability=0.25)
                for d in (7, 14, 21)
                for h in (16, 17)
            ],
        }
    )
    return hourly.model_copy(update={"sites": sites})


def _projects_for_the_multiple() -> list[tuple[str, Project]]:
    """Projects whose multiples lie below 1, above it, where most row-months are switched
    off by the shutdown, where none is, and out of range (NaN); on the sample, whose ERCOT
    site runs its rows on their strike prices, and on strikes at every site."""
    from planner.benchmark import synthetic_project
    from planner.io.project_file import load_project
    from planner.io.resources import sample_project_path

    sample = load_project(sample_project_path())
    synthetic = _with_plans_everywhere(synthetic_project(60, 72, seed=11))
    hand_auto = hand_project().model_copy(
        update={"finance": hand_project().finance.model_copy(update={"auto_shutdown": True})}
    )
    harsh = _harsh(synthetic, price_factor=1.6, auto_shutdown=True)
    return [
        ("sample", sample),
        ("sample, every site", _with_plans_everywhere(sample)),
        ("synthetic", synthetic),
        ("synthetic, shutdowns", harsh),
        ("synthetic, shutdowns at the root", _rent(harsh, 80.0)),
        ("synthetic, no shutdown", _harsh(synthetic, price_factor=1.6, auto_shutdown=False)),
        ("synthetic, most off", _harsh(synthetic, price_factor=3.0, auto_shutdown=True)),
        ("synthetic, on strikes", _on_strike(harsh)),
        (
            "synthetic, on strikes, most off",
            _on_strike(_harsh(synthetic, price_factor=3.0, auto_shutdown=True)),
        ),
        (
            "synthetic, on strikes, no shutdown",
            _on_strike(_harsh(synthetic, price_factor=1.6, auto_shutdown=False)),
        ),
        (
            "by hand, shutdowns",
            _rent(_harsh(hand_project(), price_factor=1.4, auto_shutdown=True), 80.0),
        ),
        ("by hand, below 1", _rent(hand_auto, 72.0)),
        ("by hand, just above 1", _rent(hand_auto, 76.0)),
        ("by hand, none in range", hand_project(rent_usd_per_kw_month=20.0)),
    ]


@pytest.mark.parametrize(
    ("name", "project"), _projects_for_the_multiple(), ids=lambda x: x if isinstance(x, str) else ""
)
def test_breakeven_multiple_equals_the_whole_engine_search(name: str, project: Project) -> None:
    """The multiple from one pass over the site's rows equals the bracket-and-brentq search
    over whole engine runs of the site (the former path) to 1e-6, and so does the curve."""
    results = run(project)
    analysis = analyse_conversions(project, results)
    assert analysis.sites
    shut = results.breakevens.shutdown_months.sum()
    if "shutdowns" in name or "most off" in name:
        assert shut > 0  # the automatic shutdown is at work
    found = 0
    for site in analysis.sites:

        def gap(multiple: float, site: SiteConversion = site) -> float:
            return npv_gap_at_multiple(
                site.plan, site.context, results.inputs, site.site_index, multiple
            )

        reference = solve_breakeven_multiple(gap)
        fast = site.breakeven_btc_price_multiple
        if math.isnan(reference):
            assert math.isnan(fast)
            continue
        found += 1
        assert fast == pytest.approx(reference, rel=1e-6)
        multiples = np.array([0.3, 0.8, 1.0, fast, 1.7, 4.0])
        expected = [-gap(float(m)) for m in multiples]
        scale = max(abs(v) for v in expected)
        assert site.npv_gain_at_multiples(multiples) == pytest.approx(expected, abs=1e-9 * scale)
    assert found or "none in range" in name
    if "strikes" in name or name.startswith("sample"):  # the strike path is taken
        assert any(
            site.response is not None and site.response.strike is not None
            for site in analysis.sites
        )


def test_breakeven_multiple_without_the_response_is_not_solved() -> None:
    project = hand_project()
    (site,) = analyse_conversions(project, run(project), solve_btc_multiple=False).sites
    assert math.isnan(site.breakeven_btc_price_multiple)
    with pytest.raises(ValueError, match="without the BTC price response"):
        site.npv_gain_at_multiples(np.array([1.0]))


def test_a_site_without_a_profile_responds_as_before_beside_one_with() -> None:
    """The sample's sites without a price profile get bit for bit the response they get
    when no site has one; the ERCOT site's runs on its rows' strikes."""
    from planner.io.project_file import load_project
    from planner.io.resources import sample_project_path

    sample = load_project(sample_project_path())
    bare = {"price_profile": None, "fourcp_intervals": [], "demand_response_mw": 0.0}
    plain = sample.model_copy(update={"sites": [s.model_copy(update=bare) for s in sample.sites]})
    with_profile = run(sample)
    without = run(plain)
    assert with_profile.inputs.hourly is not None and without.inputs.hourly is None
    for s, site in enumerate(sample.sites):
        args = (s, 7, with_profile.market.btc_per_th_month)
        response = mining_response(with_profile.inputs, *args)
        before = mining_response(without.inputs, *args)
        if site.price_profile is not None:
            assert response.strike is not None
            continue
        assert response.strike is None
        assert response.always_revenue_usd == before.always_revenue_usd
        assert response.always_power_usd == before.always_power_usd
        for name in ("revenue_usd", "power_usd", "credit_usd"):
            assert np.array_equal(getattr(response, name), getattr(before, name))
    assert any(site.price_profile is not None for site in sample.sites)


def test_strike_cells_narrowed_to_a_bracket_keep_their_sum() -> None:
    """Over a bracket of multiples, the strike cells that run the same intervals at both
    ends are summed into a line: the sum is the same at every multiple inside, with fewer
    rows left to search."""
    from planner.io.project_file import load_project
    from planner.io.resources import sample_project_path

    sample = load_project(sample_project_path())
    results = run(sample)
    response = mining_response(results.inputs, 0, 7, results.market.btc_per_th_month)
    strike = response.strike
    assert strike is not None
    for low, high in ((0.5, 2.0), (0.9, 1.1), (1.0, 1.0 + 1e-9)):
        narrowed = strike.within(low, high)
        assert narrowed.site.size <= strike.site.size
        for m in np.linspace(low, high, 7):
            value, slope = narrowed.value_and_slope_usd(float(m))
            assert value == pytest.approx(strike.npv_usd(float(m)), rel=1e-12)
            assert slope == pytest.approx(strike.value_and_slope_usd(float(m))[1], rel=1e-12)
    assert strike.within(1.0, 1.0 + 1e-9).site.size < strike.site.size
