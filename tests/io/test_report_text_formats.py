"""The text report writes figures as the window does: whole dollars, one scale per money
column, "n/a" for no answer."""

from __future__ import annotations

import re

import pytest

from planner.engine import run
from planner.io.project_file import load_project
from planner.io.report import build_report, render_text
from planner.io.resources import sample_project_path

WHOLE_DOLLARS = re.compile(r"-?\$\d{1,3}(,\d{3})*(?![\d.,kMB])")


@pytest.fixture
def sample():
    return load_project(sample_project_path())


def _section(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(title)
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start + 3 : end]  # after the title, the headers and the rule


def test_sites_and_rows_in_whole_dollars_and_n_a(sample) -> None:
    text = render_text(build_report(sample, run(sample)))
    # The sample's fleet NPV: -$4,951,882.50 (its ERCOT site on the rows' strike prices,
    # with 4CP and demand response; -$16,574,939 before it had a price profile).
    assert "  NPV                    -$8,708,098" in text.splitlines()
    sites = _section(text, "Sites")
    ohio = next(line for line in sites if line.strip().startswith("Hosted - Ohio"))
    # The Hosted - Ohio cash never goes negative: no IRR, said as the window says it.
    assert ohio.split()[3:6] == ["$252,427", "n/a", "immediate"]
    assert " none " not in f" {text} "
    for line in sites + _section(text, "Fleet rows"):
        assert not re.search(r"\$[\d.,]+[kMB]\b", line), line  # no compact figure in a column
        assert WHOLE_DOLLARS.search(line), line
