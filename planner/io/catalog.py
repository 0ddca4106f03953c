"""The shipped rig catalog (resources/asic_catalog.csv) read into RigModel entries."""

from __future__ import annotations

import csv
from pathlib import Path

from pydantic import ValidationError

from planner.domain.errors import Problem
from planner.domain.project import RigModel
from planner.domain.validation import describe_error
from planner.io.resources import resource_path

# CSV column of each RigModel field (the rest share their name).
_COLUMNS = {"name": "model"}


class CatalogError(Exception):
    """A catalog file that cannot be read; the message names the file, line and column."""


def read_catalog(path: Path | None = None) -> list[RigModel]:
    """Rig models from a catalog CSV; every problem names the file, line and column."""
    path = path or resource_path("asic_catalog.csv")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CatalogError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogError(f"{path}: cannot read: {error}") from None
    models: list[RigModel] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, record in enumerate(csv.DictReader(text.splitlines()), start=2):
        where = f"{path.name} line {line}"
        entry = {
            "name": (record.get("model") or "").strip(),
            "maker": (record.get("maker") or "").strip(),
            "hashrate_th": record.get("hashrate_th"),
            "power_w": record.get("power_w"),
            "cooling": (record.get("cooling") or "air").strip(),
            "release_year": (record.get("release_year") or "").strip() or None,
            "reference_price_usd": (record.get("reference_price_usd") or "").strip() or None,
            "source": (record.get("source") or "").strip(),
        }
        try:
            model = RigModel.model_validate(entry)
        except ValidationError as error:
            for detail in error.errors():
                field = str(detail["loc"][0]) if detail["loc"] else ""
                column = _COLUMNS.get(field, field)
                problems.append(Problem(f"{where}, column {column}", describe_error(detail)))
            continue
        key = model.name.casefold()
        if key in seen:
            problems.append(
                Problem(
                    f"{where}, column model",
                    f"duplicate model {model.name!r} (also line {seen[key]})",
                )
            )
            continue
        seen[key] = line
        models.append(model)
    if problems:
        raise CatalogError("\n".join(str(p) for p in problems))
    return models
