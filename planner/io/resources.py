"""Where the files the planner ships live: resources/ and samples/ beside the package,
or inside a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def app_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parents[2]


def resource_path(name: str) -> Path:
    return app_root() / "resources" / name


def sample_project_path() -> Path:
    return app_root() / "samples" / "sample_project.json"


def doc_path(name: str) -> Path:
    """A page of docs/ (the user guide), beside the package or inside the bundle."""
    return app_root() / "docs" / name
