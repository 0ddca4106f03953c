"""Fuzz: `report` and the loader on project files mutated from the sample.

Every mutated file either reports (exit 0, and every number in the JSON report finite)
or is refused (exit 2, messages only, each line short); the window's Open goes through
the same loader, which raises ProjectFileError and nothing else.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given

from planner.io.project_file import ProjectFileError, load_project
from tests.fuzz.conftest import (
    HOSTILE_NAMES,
    REPORT_PATHS,
    ROOT,
    SAMPLE_DOC,
    ByteOp,
    Op,
    ProjectCase,
    extreme_cases,
    files_beside,
    fuzz_settings,
    nonfinite_in_json,
    note,
    outcome_problems,
    project_cases,
    run_cli,
    time_limit,
)

# Python prints non-finite floats as these words; the text report must never show them.
_NONFINITE_WORD = re.compile(r"(?<![A-Za-z])-?(nan|inf)(?![A-Za-z])")


def report_problems(capsys: pytest.CaptureFixture[str], path: Path) -> list[str]:
    """Run `report` and `report --json` on `path`; what is wrong with either."""
    problems: list[str] = []
    for extra in (["--json"], []):
        outcome = run_cli(capsys, "report", str(path), "--paths", REPORT_PATHS, *extra)
        label = "report --json" if extra else "report"
        note(f"{label} exit {outcome.code}")
        problems += [f"{label}: {p}" for p in outcome_problems(outcome)]
        if outcome.code == 0 and extra:
            problems += [f"{label}: {p}" for p in nonfinite_in_json(outcome.out)]
        if outcome.code == 0 and not extra:
            words = _NONFINITE_WORD.search(outcome.out)
            if words:
                line = next(t for t in outcome.out.splitlines() if words.group(0) in t)
                problems.append(f"{label}: non-finite number in the text report: {line[:160]!r}")
        if outcome.code == 2 and outcome.out:
            problems.append(f"{label}: exit 2 after printing a report on stdout")
    return problems


def check_report(capsys: pytest.CaptureFixture[str], case: ProjectCase) -> None:
    data = case.render()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.json"
        path.write_bytes(data)
        problems = report_problems(capsys, path)
        if path.read_bytes() != data:
            problems.append("report changed the project file")
        if files_beside(Path(folder)) != {"plan.json"}:
            problems.append(f"report left files: {sorted(files_beside(Path(folder)))}")
    assert not problems, "\n".join(problems)


@fuzz_settings(60)
@given(case=project_cases)
def test_report_on_mutated_project_files(capsys: pytest.CaptureFixture[str], case: ProjectCase):
    check_report(capsys, case)


@fuzz_settings(30)
@given(case=extreme_cases)
def test_report_on_extreme_valid_numbers(capsys: pytest.CaptureFixture[str], case: ProjectCase):
    """Numbers at the bounds, and numbers typed as text ("$1,234.5e3 kW"): many files pass
    validation, so the engine and the report run on them."""
    check_report(capsys, case)


# Each hostile token at least once, at a field of each kind, whatever the draws above.
TARGETS = [
    ("scenarios", 0, "btc_price_usd"),
    ("fleet", 0, "count"),
    ("finance", "horizon_months"),
    ("sites", 0, "uptime"),
    ("scenarios", 0, "start_month"),
    ("fleet", 1, "retire_month"),
    ("name",),
    ("scenarios", 0, "network_hashrate_path_ehs"),
    ("contracts", 0, "index_path_usd_per_kwh", 0),
    ("catalog", 0, "hashrate_th"),
    ("schema_version",),
    ("conversions", 0, "rent_usd_per_kw_month")
    if SAMPLE_DOC.get("conversions")
    else ("scenarios", 0, "block_time_s"),
]


@pytest.mark.parametrize("token", HOSTILE_NAMES)
def test_report_on_each_hostile_token(capsys: pytest.CaptureFixture[str], token: str):
    target = TARGETS[HOSTILE_NAMES.index(token) % len(TARGETS)]
    check_report(capsys, ProjectCase((Op("replace", target, token),)))


def loader_problem(case: ProjectCase) -> str | None:
    data = case.render()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.json"
        path.write_bytes(data)
        try:
            with time_limit(20):
                load_project(path)
        except ProjectFileError as error:
            long = [line for line in str(error).splitlines() if len(line) > 1_000]
            if long:
                return f"message line of {len(long[0]):,} characters: {long[0][:100]!r}..."
        except Exception as error:  # anything else is the failure under test
            return f"{type(error).__name__}: {str(error)[:300]}"
        if path.read_bytes() != data:
            return "load_project changed the file"
    return None


@fuzz_settings(150)
@given(case=project_cases)
def test_loader_raises_only_project_file_error(case: ProjectCase):
    """The window's Open and the CLI share load_project: nothing but ProjectFileError."""
    problem = loader_problem(case)
    assert problem is None, problem


def test_loader_on_every_token_at_three_more_targets():
    problems = []
    for i, token in enumerate(HOSTILE_NAMES):
        for step in (1, 5, 9):
            target = TARGETS[(i + step) % len(TARGETS)]
            case = ProjectCase((Op("replace", target, token),))
            problem = loader_problem(case)
            if problem:
                problems.append(f"{case!r}: {problem}")
    assert not problems, f"{len(problems)} failures:\n" + "\n".join(problems)


# ---------------------------------------------------------------------- real processes

SUBPROCESS_CASES = {
    "Infinity price": ProjectCase((Op("replace", ("scenarios", 0, "btc_price_usd"), "Infinity"),)),
    "5000-digit count": ProjectCase((Op("replace", ("fleet", 0, "count"), "int 5000 digits"),)),
    "100000-deep notes": ProjectCase((Op("replace", ("notes",), "nested 100000 lists"),)),
    "10 MB name": ProjectCase((Op("replace", ("name",), '"10 MB string"'),)),
    "flipped byte": ProjectCase((), (ByteOp("flip", 0.3, 0xC0),)),
}


@pytest.fixture(scope="module")
def subprocess_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """Every case run at once as `python -m planner report FILE --json` (2 at a time)."""
    folder = tmp_path_factory.mktemp("fuzz-subprocess")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OPENBLAS_NUM_THREADS": "1"}
    results: dict[str, tuple[int, str]] = {}
    names = list(SUBPROCESS_CASES)
    for start in range(0, len(names), 2):
        running = {}
        for name in names[start : start + 2]:
            path = folder / f"{name.replace(' ', '_')}.json"
            path.write_bytes(SUBPROCESS_CASES[name].render())
            running[name] = subprocess.Popen(
                [sys.executable, "-m", "planner", "report", str(path), "--json", "--paths", "20"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        for name, process in running.items():
            try:
                _, err = process.communicate(timeout=90)
            except subprocess.TimeoutExpired:
                process.kill()
                _, err = process.communicate()
                err += b"\n(killed after 90 s)"
            results[name] = (process.returncode, err.decode("utf-8", "replace"))
    return results


@pytest.mark.parametrize("name", list(SUBPROCESS_CASES))
def test_report_in_a_real_process(subprocess_results: dict[str, tuple[int, str]], name: str):
    code, err = subprocess_results[name]
    assert "Traceback" not in err, err[-2000:]
    assert code in (0, 2), f"exit {code}: {err[-500:]}"
    lines = err.splitlines()
    if code == 2:
        assert lines and lines[0].startswith("planner: error:"), err[:500]
    assert all(len(line) <= 1_000 for line in lines), [len(line) for line in lines]
