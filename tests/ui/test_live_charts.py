"""The window's charts follow the engine after an edit (the plotted arrays)."""

from __future__ import annotations

import numpy as np

from planner.domain import editing as ed
from planner.engine import run


def test_charts_hold_the_engines_series_after_an_edit(window, sample) -> None:
    charts = window.charts
    before = charts.series("cash_flow")["Revenue"][1].copy()
    items_before = {key: id(plot) for key, plot in charts.plots.items()}
    model = window.models["fleet"]
    assert model.setData(model.index(4, model.column_index("count")), "6,000")
    window.document.flush()
    results = run(ed.set_cells(sample, "fleet", [(4, "count", "6000")]))
    fleet = results.fleet
    cash = charts.series("cash_flow")
    np.testing.assert_allclose(cash["Revenue"][1], fleet.revenue_usd[0], rtol=1e-12)
    np.testing.assert_allclose(cash["Power cost"][1], fleet.power_cost_usd[0], rtol=1e-12)
    np.testing.assert_allclose(cash["Opex"][1], fleet.opex_usd[0], rtol=1e-12)
    np.testing.assert_allclose(cash["Free cash flow"][1], fleet.free_cash_flow_usd[0], rtol=1e-12)
    assert not np.allclose(before, cash["Revenue"][1])
    cumulative = charts.series("cumulative")["Cumulative FCF"][1]
    np.testing.assert_allclose(cumulative, np.cumsum(fleet.free_cash_flow_usd[0]), rtol=1e-12)
    hashprice = charts.series("hashprice")["Hashprice"][1]
    np.testing.assert_allclose(hashprice, results.market.hashprice_usd_per_ph_day, rtol=1e-12)
    sites = charts.series("by_site")
    for s, name in enumerate(results.inputs.site_names):
        np.testing.assert_allclose(sites[name][1], results.sites.ebitda_usd[s], rtol=1e-12)
    assert {key: id(plot) for key, plot in charts.plots.items()} == items_before
    # Undo puts the engine's original series back.
    window.document.undo_stack.undo()
    window.document.flush()
    np.testing.assert_allclose(charts.series("cash_flow")["Revenue"][1], before, rtol=1e-12)
