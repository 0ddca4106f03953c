"""The shipped rig catalog (resources/asic_catalog.csv) read into RigModel entries."""

from __future__ import annotations

import csv
from pathlib import Path

from pydantic import ValidationError

from planner.domain.errors import Problem, ProjectValidationError
from planner.domain.project import RigModel
from planner.domain.validation import problems_from_pydantic
from planner.io.resources import resource_path


def read_catalog(path: Path | None = None) -> list[RigModel]:
    """Rig models from a catalog CSV; errors name the file, line and column."""
    path = path or resource_path("asic_catalog.csv")
    models: list[RigModel] = []
    problems: list[Problem] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line, record in enumerate(csv.DictReader(handle), start=2):
            price = (record.get("reference_price_usd") or "").strip()
            year = (record.get("release_year") or "").strip()
            entry = {
                "name": (record.get("model") or "").strip(),
                "maker": (record.get("maker") or "").strip(),
                "hashrate_th": record.get("hashrate_th"),
                "power_w": record.get("power_w"),
                "cooling": (record.get("cooling") or "air").strip(),
                "release_year": int(year) if year.isdigit() else None,
                "reference_price_usd": price or None,
                "source": (record.get("source") or "").strip(),
            }
            try:
                models.append(RigModel.model_validate(entry))
            except ValidationError as error:
                problems.extend(problems_from_pydantic(error, (f"{path.name} line {line}",)))
    if problems:
        raise ProjectValidationError(problems)
    return models
