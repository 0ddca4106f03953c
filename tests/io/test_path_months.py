"""A monthly path in calendar terms (planner/io/path_months.py): month 0, the engine's
continuation after the path's end, one month's text read as the cells read it, and
Excel's TSV read into month values."""

from __future__ import annotations

import numpy as np
import pytest

from planner.domain import editing as ed
from planner.engine.inputs import compile_inputs
from planner.io import path_months as pm
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


@pytest.fixture
def sample():
    return load_project(sample_project_path())


def test_month_zero_is_the_scenarios_start_for_both_kinds_of_path(sample) -> None:
    price = pm.path_frame(sample, "scenarios", 0, "btc_price_path_usd")
    index = pm.path_frame(sample, "contracts", 0, "index_path_usd_per_kwh")
    assert price.month_label(0) == index.month_label(0) == "2026-12"
    assert price.month_label(13) == "2028-01"
    assert (price.unit, index.unit) == ("USD", "USD/kWh")
    assert pm.path_frame(sample, "scenarios", 1, "network_hashrate_path_ehs").unit == "EH/s"
    with pytest.raises(ValueError, match="not a monthly path"):
        pm.path_frame(sample, "scenarios", 0, "btc_price_usd")


def test_engine_values_are_the_engines_own(sample) -> None:
    """With the path as given, the frame's values are the engine's month by month."""
    project = ed.set_cells(sample, "scenarios", [(0, "btc_price_path_usd", "80000; 81000")])
    frame = pm.path_frame(project, "scenarios", 0, "btc_price_path_usd")
    engine = compile_inputs(project).btc_price_usd
    assert np.allclose(frame.engine_values([80_000, 81_000]), engine, rtol=1e-12)
    assert frame.basis(1, 2) == ""
    assert frame.basis(2, 2) == "engine: 2027-01 + 25.0 %/yr"
    assert frame.basis(60, 61) == "past the horizon: not used"
    contract = pm.path_frame(sample, "contracts", 0, "index_path_usd_per_kwh")
    path = sample.contracts[0].index_path_usd_per_kwh
    adder = sample.contracts[0].adder_usd_per_kwh
    prices = compile_inputs(sample).contract_price_usd_per_kwh[0]
    assert np.allclose(contract.engine_values(path) + adder, prices, rtol=1e-12)
    assert contract.basis(14, 12) == "engine: repeats 2027-02"
    assert contract.basis(14, 5) == "engine: holds 2027-04"  # shorter than a year: held


def test_one_month_reads_as_the_cell_reads_each_value(sample) -> None:
    frame = pm.path_frame(sample, "scenarios", 0, "btc_price_path_usd")
    assert pm.read_month_value(frame, "$62,000") == 62_000
    assert pm.read_month_value(frame, " 62000.5 ") == 62_000.5
    for text, reason in (
        ("abc", "cannot read 'abc' as a number"),
        ("62k", "unknown unit 'k'"),  # the cells do not read "k" either
        ("0", "must be > 0"),
        ("", "is empty"),
        ("1; 2", "takes one number, got 2"),
    ):
        with pytest.raises(ValueError, match=reason):
            pm.read_month_value(frame, text)
    index = pm.path_frame(sample, "contracts", 0, "index_path_usd_per_kwh")
    with pytest.raises(ValueError, match="must be <= 10"):
        pm.read_month_value(index, "11")


def test_texts_from_excel_tsv() -> None:
    assert pm.texts_from_tsv('"$62,000"\r\n$63,500\r\n\r\n') == ["$62,000", "$63,500"]
    assert pm.texts_from_tsv("1\t2\t3\t\r\n") == ["1", "2", "3"]  # a row
    assert pm.texts_from_tsv("1\t2\r\n3\t4\r\n") == ["1", "2", "3", "4"]  # a year a row
    # The grid's own copy, a month and a value a row; a number is never taken for a date.
    assert pm.texts_from_tsv("2026-12\t5\r\nMar 2027\t6\r\n45000\t7\r\n") == [
        "5",
        "6",
        "45000",
        "7",
    ]
    assert pm.to_tsv([["2026-12", "5"]]) == "2026-12\t5\r\n"


def test_grown_compounds_monthly_as_the_engine_does() -> None:
    assert pm.grown(100.0, 0.25, 12)[-1] == pytest.approx(125.0)
    assert pm.grown(100.0, 0.0, 3) == [100.0, 100.0, 100.0]
