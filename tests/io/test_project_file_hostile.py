"""Hostile project files: each is refused with one message that names the place, exit 2
from the command line, and no traceback (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from planner.cli import main
from planner.io.project_file import ProjectFileError, parse_project
from planner.io.strict_json import MAX_DEPTH

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_TEXT = (ROOT / "samples" / "sample_project.json").read_text(encoding="utf-8")


_FIRST = {
    "btc_price_usd": ("scenarios", 0),
    "block_time_s": ("scenarios", 0),
    "network_hashrate_ehs": ("scenarios", 0),
    "start_block_height": ("scenarios", 0),
    "start_month": ("scenarios", 0),
    "horizon_months": ("finance",),
    "uptime": ("sites", 0),
    "capacity_mw": ("sites", 0),
    "unit_price_usd": ("fleet", 0),
    "count": ("fleet", 0),
    "site": ("fleet", 0),
    "maker": ("catalog", 0),
    "name": (),
    "notes": (),
}
_MARK = "@@raw@@"


def _replace(field: str, new: str, text: str = SAMPLE_TEXT) -> str:
    """The project `text` with `field` (where _FIRST says) written as `new`, raw JSON."""
    data: Any = json.loads(text.replace('"' + _MARK + '"', "0"))
    assert _MARK not in text
    node = data
    for step in _FIRST[field]:
        node = node[step]
    node[field] = _MARK
    return json.dumps(data, indent=2).replace(f'"{_MARK}"', new)


HOSTILE: list[tuple[str, str, str]] = [
    (
        "Infinity",
        _replace("btc_price_usd", "Infinity"),
        "scenarios[0].btc_price_usd: must be a finite number, got Infinity",
    ),
    (
        "NaN",
        _replace("btc_price_usd", "NaN"),
        "scenarios[0].btc_price_usd: must be a finite number, got NaN",
    ),
    (
        "-Infinity",
        _replace("uptime", "-Infinity"),
        "sites[0].uptime: must be a finite number, got -Infinity",
    ),
    (
        "1e309",
        _replace("btc_price_usd", "1e309"),
        "scenarios[0].btc_price_usd: is too large for a number, got 1e309",
    ),
    (
        "block time 1e-300",
        _replace("block_time_s", "1e-300"),
        "scenarios[0].block_time_s: must be >= 0.001, got 1e-300",
    ),
    (
        "network 1e-300",
        _replace("network_hashrate_ehs", "1e-300"),
        "scenarios[0].network_hashrate_ehs: must be >= 1e-06, got 1e-300",
    ),
    (
        "price 1e308",
        _replace("btc_price_usd", "1e308"),
        "scenarios[0].btc_price_usd: must be <= 1,000,000,000, got 1e+308",
    ),
    (
        "money 1e308",
        _replace("unit_price_usd", "1e308"),
        "fleet[0].unit_price_usd: must be <= 1,000,000,000,000, got 1e+308",
    ),
    (
        "4,301-digit integer",
        _replace("start_block_height", "1" * 4301),
        "scenarios[0].start_block_height: is too large (4,301 digits), got 111",
    ),
    (
        "start_month 9999-12",
        _replace("start_month", '"9999-12"'),
        "scenarios[0].start_month: must be a month from 2000-01 to 2499-12, got '9999-12'",
    ),
    (
        "horizon 1e7",
        _replace("horizon_months", "1e7"),
        "finance.horizon_months: must be <= 600, got 10000000",
    ),
    (
        "horizon Infinity",
        _replace("horizon_months", "Infinity"),
        "finance.horizon_months: must be a finite number, got Infinity",
    ),
    (
        "true as a number",
        _replace("capacity_mw", "true"),
        "sites[0].capacity_mw: must be a number, got true",
    ),
    (
        "true as a count",
        _replace("count", "true"),
        "fleet[0].count: must be a whole number, got true",
    ),
    (
        "false as a fraction",
        _replace("uptime", "false"),
        "sites[0].uptime: must be a number, got false",
    ),
    (
        "duplicate key",
        _replace("capacity_mw", '5, "capacity_mw": 6'),
        "sites[0].capacity_mw: is written more than once in this object",
    ),
    (
        "escape in the plan's name",
        _replace("name", '"Plan \\u001b[31mred"'),
        "name: must not contain control characters (U+001B at character 6)",
    ),
    (
        "bidi override in a rig name",
        SAMPLE_TEXT.replace('"maker"', '"name": "S21\\u202egnp.exe", "maker"', 1).replace(
            '"name": "Antminer', '"old_name": "Antminer', 1
        ),
        "must not contain control characters (U+202E at character 4)",
    ),
    (
        "C1 control in the plan's notes",
        _replace("notes", '"see \\u0085 here"'),
        "notes: must not contain control characters (U+0085 at character 5)",
    ),
    (
        "escape in a maker",
        _replace("maker", '"Bit\\u001bmain"'),
        "catalog[0].maker: must not contain control characters (U+001B at character 4)",
    ),
]


def _ids(cases: list[tuple[str, str, str]]) -> list[str]:
    return [case[0] for case in cases]


def _run_report(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["report", str(path)])
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err


@pytest.mark.parametrize(("label", "text", "message"), HOSTILE, ids=_ids(HOSTILE))
def test_the_command_line_refuses_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str, text: str, message: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    code, err = _run_report(path, capsys)
    assert code == 2
    assert err.startswith(f"planner: error: {path}: ")
    assert err.count("planner: error:") == 1
    assert "Traceback" not in err
    assert message in err
    assert len(err) < 2_000
    assert "\x1b" not in err and "\u202e" not in err  # escapes are shown, never sent


@pytest.mark.parametrize(("label", "text", "message"), HOSTILE, ids=_ids(HOSTILE))
def test_the_window_gets_the_same_message(label: str, text: str, message: str) -> None:
    # The window's Open catches ProjectFileError and shows str(error).
    with pytest.raises(ProjectFileError) as caught:
        parse_project(text, "plan.json")
    assert message in str(caught.value)
    assert caught.value.problems  # each is a Problem named by its field


def test_the_problem_names_the_field_exactly() -> None:
    with pytest.raises(ProjectFileError) as caught:
        parse_project(_replace("btc_price_usd", "NaN"), "plan.json")
    assert [str(p) for p in caught.value.problems] == [
        "scenarios[0].btc_price_usd: must be a finite number, got NaN"
    ]


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_deep_nesting_is_a_syntax_error_with_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: int
) -> None:
    path = tmp_path / "deep.json"
    text = '{"schema_version": 2,\n "notes": ' + "[" * depth + "]" * depth + "}"
    path.write_text(text, encoding="utf-8")
    code, err = _run_report(path, capsys)
    assert code == 2
    assert err.count("planner: error:") == 1
    assert "Traceback" not in err
    if "invalid JSON" in err:
        column = len(' "notes": ') + MAX_DEPTH  # the bracket that opens one level too many
        assert f"line 2, column {column}: invalid JSON: nested more than" in err
    else:  # parsed, then refused with the path where it went too deep
        assert "notes[0][0]" in err and f"is nested more than {MAX_DEPTH} levels deep" in err


def test_deep_objects_are_refused_too(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"a":' * 1_000 + "1" + "}" * 1_000, encoding="utf-8")
    code, err = _run_report(path, capsys)
    assert code == 2
    assert "line 1, column" in err and "Traceback" not in err


def test_a_huge_bad_value_is_echoed_cut(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.json"
    path.write_text(_replace("uptime", json.dumps("x" * 10_000_000)), encoding="utf-8")
    code, err = _run_report(path, capsys)
    assert code == 2
    assert len(err) < 400
    assert "sites[0].uptime: cannot read 'xxxxx" in err and "\u2026" in err


def test_a_huge_unknown_key_is_cut_and_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data: dict[str, Any] = json.loads(SAMPLE_TEXT)
    data["sites"][0]["\x1b[2J" + "k" * 1_000_000] = 1
    path = tmp_path / "key.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, err = _run_report(path, capsys)
    assert code == 2
    assert len(err) < 400 and "\x1b" not in err
    assert "sites[0]['\\x1b[2Jkkk" in err and "is not a known field" in err


def test_a_long_unknown_reference_is_cut(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ref.json"
    path.write_text(_replace("site", json.dumps("Nowhere " * 1_000_000)), encoding="utf-8")
    code, err = _run_report(path, capsys)
    assert code == 2
    assert len(err) < 400
    assert "fleet[0].site: unknown site 'Nowhere Nowhere" in err


def test_every_problem_is_still_listed_one_per_line(tmp_path: Path) -> None:
    text = _replace("uptime", "NaN", _replace("btc_price_usd", "Infinity"))
    with pytest.raises(ProjectFileError) as caught:
        parse_project(text, "plan.json")
    assert [p.path for p in caught.value.problems] == [
        "scenarios[0].btc_price_usd",
        "sites[0].uptime",
    ]
    assert str(caught.value).startswith("plan.json: 2 problems:\n  scenarios[0].btc_price_usd")


def test_notes_may_hold_lines_and_tabs_names_may_not() -> None:
    text = _replace("notes", json.dumps("first line\r\nsecond\tcolumn\rthird"))
    project = parse_project(text)
    assert project.notes == "first line\nsecond\tcolumn\nthird"
    with pytest.raises(ProjectFileError) as caught:
        parse_project(_replace("name", json.dumps("Two\nlines")))
    assert "name: must not contain control characters (U+000A at character 4)" in str(caught.value)


def test_plain_files_still_open() -> None:
    # Ordinary unicode, long-but-legal values and integers are untouched.
    text = _replace("name", json.dumps("Plan \u00e9t\u00e9 \u2014 \u4e2d\u6587 \U0001f600"))
    assert parse_project(text).name == "Plan \u00e9t\u00e9 \u2014 \u4e2d\u6587 \U0001f600"
