"""The README keeps up with what the planner prints and accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planner.engine import run
from planner.engine.montecarlo import MonteCarloSettings
from planner.io.project_file import load_project
from planner.io.report import build_report, report_json
from planner.io.resources import sample_project_path

README = Path(__file__).resolve().parents[1] / "README.md"


def _keys(value: Any, path: str, found: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            found.setdefault(key, f"{path}.{key}")
            _keys(item, f"{path}.{key}", found)
    elif isinstance(value, list):
        for item in value[:3]:
            _keys(item, f"{path}[]", found)


def test_every_report_json_key_is_in_the_readme() -> None:
    project = load_project(sample_project_path())
    report = build_report(project, run(project), settings=MonteCarloSettings(paths=50, seed=1))
    found: dict[str, str] = {}
    _keys(json.loads(report_json(report)), "report", found)
    text = README.read_text(encoding="utf-8")
    missing = sorted(path for key, path in found.items() if f"`{key}`" not in text)
    assert len(found) > 100
    assert missing == []
