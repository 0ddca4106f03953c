"""Numbers written as text: decimal commas, thousands separators, and columns that could be
read either way; names with control characters."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.io import number_format
from planner.io.fleet_import import import_fleet
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


@pytest.fixture(scope="module")
def sample():
    return load_project(sample_project_path())


def write(tmp_path: Path, text: str, name: str = "fleet.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_semicolon_csv_with_decimal_commas_is_read_at_its_scale(tmp_path: Path, sample) -> None:
    """`0,300` PH/s and `5,500` kW were read 1,000 times too big, with exit 0."""
    path = write(
        tmp_path,
        "Model;Qty;Hashrate (PH/s);Power (kW);Price;Site\n"
        "Mystery 9000;5;0,300;5,500;1.234,50;Pecos, TX\n",
    )
    plan = import_fleet(path, sample)
    assert plan.ok, plan.problems
    (model,) = plan.new_models
    assert (model.hashrate_th, model.power_w) == (300.0, 5_500.0)
    assert plan.rows[0].unit_price_usd == 1_234.5


def test_the_delimiter_settles_a_column_no_value_settles(tmp_path: Path, sample) -> None:
    path = write(
        tmp_path,
        "Model;Qty;TH/s;Power (kW);Site\nMystery 9000;5;200;5,500;Pecos, TX\n",
    )
    plan = import_fleet(path, sample)
    assert plan.ok and plan.new_models[0].power_w == 5_500.0  # 5,5 kW
    assert "Power (kW): read with a decimal comma" in plan.notes


def test_a_column_that_could_be_read_either_way_is_a_problem(tmp_path: Path, sample) -> None:
    path = write(
        tmp_path,
        "Model\tQty\tTH/s\tPower (kW)\tSite\nMystery 9000\t5\t200\t5,500\tPecos, TX\n",
        "fleet.txt",
    )
    plan = import_fleet(path, sample)
    assert not plan.ok
    (problem,) = plan.problems
    assert (problem.row, problem.column, problem.value) == (1, "Power (kW)", "5,500")
    assert "cannot tell whether '5,500' has a decimal separator" in problem.reason


def test_other_columns_settle_an_ambiguous_one(tmp_path: Path, sample) -> None:
    path = write(
        tmp_path,
        "Model\tQty\tTH/s\tPower (kW)\tSite\nMystery 9000\t5\t200,5\t5,500\tPecos, TX\n",
        "fleet.txt",
    )
    plan = import_fleet(path, sample)
    assert plan.ok, plan.problems
    assert (plan.new_models[0].hashrate_th, plan.new_models[0].power_w) == (200.5, 5_500.0)


def test_a_column_mixing_both_conventions_is_a_problem(tmp_path: Path, sample) -> None:
    path = write(
        tmp_path,
        "Model;Qty;Price;Site\n"
        "Antminer S21;5;1.234,50;Pecos, TX\n"
        "Antminer S21;5;1,234.50;Pecos, TX\n",
    )
    plan = import_fleet(path, sample)
    assert [p.column for p in plan.problems] == ["Price"]
    assert "mixes a decimal comma" in plan.problems[0].reason


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u202f"])
def test_spaces_as_thousands_separators(tmp_path: Path, sample, space: str) -> None:
    path = write(
        tmp_path,
        f'Model,Qty,Price,Site\nAntminer S21,2{space}400,"3{space}500,50","Pecos, TX"\n',
    )
    plan = import_fleet(path, sample)
    assert plan.ok, plan.problems
    assert (plan.rows[0].count, plan.rows[0].unit_price_usd) == (2_400, 3_500.5)


def test_a_comma_csv_keeps_comma_thousands(tmp_path: Path, sample) -> None:
    path = write(tmp_path, 'Model,Qty,Price,Site\nAntminer S21,"2,400","$5,500","Pecos, TX"\n')
    plan = import_fleet(path, sample)
    assert plan.ok and (plan.rows[0].count, plan.rows[0].unit_price_usd) == (2_400, 5_500.0)


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("0,300", ","),
        ("5,50", ","),
        ("1.234,5", ","),
        ("1.234.567", ","),
        ("0.27", "."),
        ("1,234.5", "."),
        ("1,234,567", "."),
        ("5,500", "?"),
        ("5.500", "?"),
        ("3645", ""),
        ("1,23,4", "bad"),
    ],
)
def test_what_a_number_proves(token: str, kind: str) -> None:
    assert number_format.classify(token) == kind


def test_control_characters_in_names_are_refused(tmp_path: Path, sample) -> None:
    path = write(
        tmp_path,
        'Name,Model,Qty,Site\nPO\x1b[31m-7,Antminer S21,5,"Pecos, TX"\n'
        'ok,Antminer\u202eS21,5,"Pecos, TX"\n',
    )
    plan = import_fleet(path, sample)
    assert [(p.row, p.column, p.reason) for p in plan.problems] == [
        (2, "Name", "contains a control character (U+001B); use plain text"),
        (3, "Model", "contains a control character (U+202E); use plain text"),
    ]
    assert not plan.rows
