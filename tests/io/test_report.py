"""The report: warnings, payback wording, money formatting, dates."""

from __future__ import annotations

import json

import pytest

from planner.engine import run
from planner.io.display import money
from planner.io.project_file import load_project
from planner.io.report import build_report, payback_text, render_text, report_json
from planner.io.resources import sample_project_path


@pytest.fixture(scope="module")
def sample():
    return load_project(sample_project_path())


def test_site_over_capacity_is_a_warning(sample) -> None:
    sites = [
        s.model_copy(update={"capacity_mw": 10.0}) if s.name == "Pecos, TX" else s
        for s in sample.sites
    ]
    report = build_report(sample, run(sample.model_copy(update={"sites": sites})))
    assert len(report["warnings"]) == 1
    warning = report["warnings"][0]
    assert warning.startswith("site 'Pecos, TX': rigs draw ")
    assert "above its capacity of 10.00 MW" in warning
    # Once the S21 XP order is online, Pecos rigs draw 38,647,000 W x 1.10 overhead.
    assert "42.51 MW" in warning and "in 2027-02" in warning
    assert build_report(sample, run(sample))["warnings"] == []


@pytest.mark.parametrize(
    ("value", "compact", "text"),
    [
        (-9_969_330.03, True, "-$9.97M"),
        (-9_969_330.03, False, "-$9,969,330"),
        (401_155.45, True, "$401.2k"),
        (87_512.4, True, "$87,512"),
        (2.5e9, True, "$2.50B"),
        (None, True, "n/a"),
        (float("nan"), True, "n/a"),
    ],
)
def test_money(value, compact, text) -> None:
    assert money(value, compact) == text


def test_payback_wording() -> None:
    assert payback_text({"payback_status": "never"}, 60) == "never (not within 60 months)"
    assert (
        payback_text({"payback_status": "immediate"}, 60)
        == "immediate (cumulative cash flow never below zero)"
    )
    entry = {"payback_status": "paid_back", "payback_months": 13.5, "payback_date": "2028-01-16"}
    assert payback_text(entry, 60) == "13.5 months (13 months 15 days), on 2028-01-16"


def test_bull_case_pays_back_on_a_date_inside_its_month(sample) -> None:
    results = run(sample, "Bull")
    report = build_report(sample, results)
    fleet = report["fleet"]
    assert fleet["payback_status"] == "paid_back"
    at = float(results.fleet_kpis.payback_at_month[0])
    month = report["monthly"][int(at)]["month"]
    assert fleet["payback_date"].startswith(month)
    assert fleet["payback_date"] > report["monthly"][int(at) - 1]["month"]


def test_json_has_no_nan_and_text_mentions_every_row(sample) -> None:
    report = build_report(sample, run(sample, "Bear"))
    text = report_json(report)
    assert "NaN" not in text and json.loads(text)["scenario"] == "Bear"
    rendered = render_text(report)
    for row in sample.fleet:
        assert row.name in rendered
    assert "never" in rendered


def test_report_hpc_section_for_the_sample(sample) -> None:
    from planner.engine.hpc import analyse_conversions

    results = run(sample)
    report = build_report(sample, results)
    keys = {
        "site",
        "keep_npv_usd",
        "convert_npv_usd",
        "partial_npv_usd",
        "keep_irr_annual",
        "convert_irr_annual",
        "convert_payback_months",
        "crossover_month",
        "breakeven_rent_usd_per_kw_month",
        "breakeven_btc_price_multiple",
        "peak_funding_usd",
    }
    assert [h["site"] for h in report["hpc"]] == ["Pecos, TX", "Williston, ND"]
    gains = [h["npv_gain_usd"] for h in report["hpc"]]
    assert gains == sorted(gains, reverse=True)  # ranked by the NPV converting adds
    analysis = {s.site: s for s in analyse_conversions(sample, results).sites}
    for entry in report["hpc"]:
        assert keys <= entry.keys()
        site = analysis[entry["site"]]
        assert entry["keep_npv_usd"] == site.keep_npv_usd
        assert entry["partial_npv_usd"] == pytest.approx(
            (1 - site.plan.share) * site.keep_npv_usd + site.plan.share * site.convert_npv_usd
        )
    text = render_text(report)
    assert "AI/HPC conversion" in text and "Pecos, TX" in text.split("AI/HPC")[1]


def test_report_scenarios_sensitivity_monte_carlo_and_swaps(sample) -> None:
    from planner.engine.montecarlo import MonteCarloSettings

    report = build_report(sample, run(sample), settings=MonteCarloSettings(paths=500, seed=3))
    assert [s["name"] for s in report["scenarios"]] == ["Base", "Bear", "Bull"]
    assert report["scenarios"][0]["npv_usd"] == report["fleet"]["npv_usd"]
    assert len(report["scenarios"][2]["cumulative_fcf_usd"]) == 60
    tornado = report["sensitivity"]["tornado"]
    assert len(tornado) == 8 and tornado[0]["driver"] == "btc_price"
    assert report["sensitivity"]["two_way"]["npv_usd"][2][2] == pytest.approx(
        report["fleet"]["npv_usd"], rel=1e-12
    )
    mc = report["monte_carlo"]
    assert (mc["paths"], mc["seed"]) == (500, 3)
    assert 0 <= mc["p_payback_before_halving"] <= mc["p_payback_within_horizon"] <= 1
    p = mc["npv_percentiles_usd"]
    assert p["p5"] <= p["p25"] <= p["p50"] <= p["p75"] <= p["p95"]
    again = build_report(sample, run(sample), settings=MonteCarloSettings(paths=500, seed=3))
    assert again["monte_carlo"] == mc  # seeded: the same report twice
    swaps = report["swaps"]
    assert len(swaps) == 3 and swaps[0]["npv_usd"] >= swaps[-1]["npv_usd"]
    json.loads(report_json(report))


def test_the_tax_loss_carried_forward_is_reported_by_month_and_at_the_horizon(sample) -> None:
    """Worked from the monthly taxable income: each calendar fiscal year's loss is added,
    a year's income uses at most 80 % of it; the figure moves when a year closes (its
    December, or the horizon's last month)."""
    results = run(sample)
    report = build_report(sample, results)
    monthly = report["monthly"]
    carried, income = 0.0, 0.0
    for t, month in enumerate(monthly):
        income += month["taxable_income_usd"]
        if month["month"].endswith("-12") or t == len(monthly) - 1:
            used = min(carried, 0.8 * max(income, 0.0))
            carried += max(-income, 0.0) - used
            income = 0.0
        assert month["loss_carryforward_usd"] == pytest.approx(carried, rel=1e-9, abs=1e-3)
    assert report["fleet"]["tax_loss_carryforward_end_usd"] == pytest.approx(carried)
    assert carried > 1e6  # the sample ends with a loss to carry (a deferred tax asset)


def test_best_buy_is_reported_when_the_project_has_candidates(sample) -> None:
    from planner.domain.project import BestBuySettings, BuyQuote
    from planner.engine.optimize import BuyCandidate, best_buy, build_problem

    assert "best_buy" not in build_report(sample, run(sample), uncertainty=False)
    settings = BestBuySettings(
        candidates=[BuyQuote(model="Antminer S21 XP", unit_price_usd=2_500, max_rigs=400)],
        budget_usd=3_000_000,
    )
    project = sample.model_copy(update={"best_buy": settings})
    entry = build_report(project, run(project), uncertainty=False)["best_buy"]
    answer = best_buy(
        build_problem(sample, [BuyCandidate("Antminer S21 XP", 2_500, 400)], 3_000_000)
    )
    mix = answer.best.mix(answer.problem)
    assert entry["mix"] == [{"model": m, "site": s, "count": c} for m, s, c in mix]
    assert sum(c for _m, _s, c in mix) <= 400 and entry["capex_usd"] <= 3_000_000
    assert entry["capex_usd"] == pytest.approx(2_500 * sum(c for _m, _s, c in mix))
    assert entry["skipped"] == []
    # A saved model no longer in the catalog is skipped and named.
    gone = settings.model_copy(
        update={"candidates": [*settings.candidates, BuyQuote(model="Gone", unit_price_usd=1)]}
    )
    entry = build_report(
        sample.model_copy(update={"best_buy": gone}), run(sample), uncertainty=False
    )["best_buy"]
    assert entry["skipped"] == ["candidate model 'Gone'"]
