"""Project text never becomes a formula in the exported workbook.

Every name and note of every kind of thing in a project (the project, scenarios,
contracts, sites, catalog models with their maker and source, fleet rows, AI/HPC plans,
swaps) is a formula-like payload. After export, every cell of every sheet that shows one
must be a text cell: in the sheet's XML an inline string, never an <f> element, and with
the quote prefix Excel gives text typed as '=... . LibreOffice, which evaluates the
workbook as Excel would, must leave every payload as the text it is, while the lookups
by those names still give the engine's figures.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from planner.domain.project import Project
from planner.engine import run
from planner.io.project_file import load_project, parse_project, project_to_json
from planner.io.resources import sample_project_path
from planner.io.workbook import build_workbook, export_workbook

# Texts that spreadsheet programs read as formulas; the first ones are the classics of
# CSV/formula injection (a DDE command, an outbound link).
PAYLOADS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "=1+1",
    "=A1",
    "+A1",
    "-A1",
    "@A1",
    "=-2+3",
)
# Leading whitespace the project files strip (and controls they will refuse): written
# straight into the project, past validation, as a careless caller could.
RAW_PAYLOADS = ("\t=1+1", "\r=1+1", "\n+1+1", "\t@SUM(A1)", "\x01=2+2", "=3+3\x0b\x1f")
HYPERLINK_TEXT = "y"  # what =HYPERLINK("http://x","y") shows when it is evaluated
KINDS = ("project", "scenario", "contract", "site", "model", "row", "plan", "swap", "debt", "hedge")

SHEET_XML_C = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}c"
SHEET_XML_F = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}f"
SHEET_XML_T = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}t"


def payload(payloads: tuple[str, ...], kind: str, i: int, field: int = 0) -> str:
    """A payload for field `field` of the `i`-th thing of `kind`: all of them in turn, each
    kind and field from its own offset; from the second round a suffix keeps names unique
    (and the text a formula)."""
    n = len(payloads)
    k = i + 3 * field + KINDS.index(kind)
    rounds = i // n
    return payloads[k % n] + (f"+{rounds}" if rounds else "")


def with_texts(project: Project, text: Callable[[str, int, int], str]) -> Project:
    """`project` with every name and note (and a model's maker and source) replaced by
    `text(kind, index, field)`, every reference following its name (an equipment
    financing's fleet rows too)."""
    scenarios = {s.name: text("scenario", i, 0) for i, s in enumerate(project.scenarios)}
    contracts = {c.name: text("contract", i, 0) for i, c in enumerate(project.contracts)}
    sites = {s.name: text("site", i, 0) for i, s in enumerate(project.sites)}
    models = {m.name: text("model", i, 0) for i, m in enumerate(project.catalog)}
    rows = {r.name: text("row", i, 0) for i, r in enumerate(project.fleet)}
    return project.model_copy(
        update={
            "name": text("project", 0, 0),
            "notes": text("project", 0, 1),
            "scenarios": [
                s.model_copy(update={"name": scenarios[s.name], "notes": text("scenario", i, 1)})
                for i, s in enumerate(project.scenarios)
            ],
            "active_scenario": scenarios[project.active_scenario],
            "contracts": [
                c.model_copy(update={"name": contracts[c.name], "notes": text("contract", i, 1)})
                for i, c in enumerate(project.contracts)
            ],
            "sites": [
                s.model_copy(
                    update={
                        "name": sites[s.name],
                        "contract": contracts[s.contract],
                        "notes": text("site", i, 1),
                    }
                )
                for i, s in enumerate(project.sites)
            ],
            "catalog": [
                m.model_copy(
                    update={
                        "name": models[m.name],
                        "maker": text("model", i, 1),
                        "source": text("model", i, 2),
                    }
                )
                for i, m in enumerate(project.catalog)
            ],
            "fleet": [
                r.model_copy(
                    update={
                        "name": rows[r.name],
                        "model": models[r.model],
                        "site": sites[r.site],
                        "notes": text("row", i, 1),
                    }
                )
                for i, r in enumerate(project.fleet)
            ],
            "conversions": [
                p.model_copy(update={"site": sites[p.site], "notes": text("plan", i, 1)})
                for i, p in enumerate(project.conversions)
            ],
            "swaps": [
                s.model_copy(
                    update={
                        "row": rows[s.row],
                        "model": models[s.model],
                        "notes": text("swap", i, 1),
                    }
                )
                for i, s in enumerate(project.swaps)
            ],
            "debt": [
                d.model_copy(
                    update={
                        "name": text("debt", i, 0),
                        "notes": text("debt", i, 1),
                        "fleet_rows": [rows[r] for r in d.fleet_rows],
                    }
                )
                for i, d in enumerate(project.debt)
            ],
            "hedges": [
                h.model_copy(update={"name": text("hedge", i, 0), "notes": text("hedge", i, 1)})
                for i, h in enumerate(project.hedges)
            ],
        }
    )


def shown_texts(project: Project) -> set[str]:
    """The texts of `project` that the workbook shows (notes of the project, scenarios,
    plans, debt and hedges are not in it; the names of debt and hedges are, on the
    Treasury sheet)."""
    return (
        {project.name}
        | {s.name for s in project.scenarios}
        | {t for c in project.contracts for t in (c.name, c.notes)}
        | {t for s in project.sites for t in (s.name, s.notes)}
        | {t for m in project.catalog for t in (m.name, m.maker, m.source)}
        | {t for r in project.fleet for t in (r.name, r.notes)}
        | {t for s in project.swaps for t in (s.row, s.model, s.notes)}
        | {d.name for d in project.debt}
        | {h.name for h in project.hedges}
    )


@pytest.fixture(scope="module")
def sample() -> Project:
    project = load_project(sample_project_path())
    # The sample has at least one of every kind of named thing.
    for things in (
        project.scenarios,
        project.contracts,
        project.sites,
        project.catalog,
        project.fleet,
        project.conversions,
        project.swaps,
    ):
        assert len(things) >= 2
    assert any(p.enabled for p in project.conversions)
    assert project.debt and project.hedges  # named on the Treasury sheet
    return project


@pytest.fixture(scope="module")
def payload_project(sample: Project) -> Project:
    """The sample with a payload for every name and note, as a project file holds it."""
    project = with_texts(sample, lambda kind, i, field: payload(PAYLOADS, kind, i, field))
    validated = parse_project(project_to_json(project))
    assert validated == project, "the payloads must pass project validation unchanged"
    return validated


@pytest.fixture(scope="module")
def payload_book(payload_project: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("injection") / "payloads.xlsx"
    export_workbook(payload_project, path, horizon_months=24)
    return path


def _contains_payload(value: str, texts: set[str]) -> bool:
    return value in texts or any(p in value for p in PAYLOADS)


def check_every_cell(path: Path, texts: set[str]) -> dict[str, int]:
    """Every cell that shows a payload is text, with a quote prefix where it starts like
    a formula; no formula contains one. Returns counts of what was checked."""
    book = load_workbook(path)  # not read-only, formulas as written (data_only=False)
    counts = {"sheets": 0, "cells": 0, "payload_cells": 0, "formula_cells": 0}
    found: set[str] = set()
    for ws in book.worksheets:
        counts["sheets"] += 1
        assert not _contains_payload(ws.title, texts)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                counts["cells"] += 1
                if cell.data_type == "f":
                    counts["formula_cells"] += 1
                    assert isinstance(cell.value, str)
                    assert not _contains_payload(cell.value, texts), (ws.title, cell.coordinate)
                    continue
                if not isinstance(cell.value, str) or not _contains_payload(cell.value, texts):
                    continue
                counts["payload_cells"] += 1
                where = f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                assert cell.data_type == "s", where
                if cell.value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")):
                    assert cell.quotePrefix, where
                found.add(cell.value)
    for defined in book.defined_names.values():
        assert not _contains_payload(str(defined.attr_text), texts)
    # Every text the workbook shows was seen (a cell may add to it, e.g. "Left out: ...").
    missing = {t for t in texts if t and not any(t in value for value in found)}
    assert not missing
    return counts


def check_sheet_xml(path: Path, texts: set[str]) -> int:
    """In the file itself: no <f> element holds a payload; every cell whose text holds one
    is an inline string without an <f>. Returns the number of <c> elements read."""
    read = 0
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        assert names
        for name in names:
            root = ElementTree.fromstring(archive.read(name))
            for c in root.iter(SHEET_XML_C):
                read += 1
                formula = c.find(SHEET_XML_F)
                text = "".join(t.text or "" for t in c.iter(SHEET_XML_T))
                if formula is not None:
                    written = "=" + (formula.text or "")
                    assert not _contains_payload(written, texts), (name, c.attrib)
                    assert not text
                elif text and _contains_payload(text, texts):
                    assert c.get("t") == "inlineStr", (name, c.attrib)
        # Nor anywhere else: workbook, charts, shared strings (none are written).
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                continue
            body = archive.read(name).decode("utf-8", "replace")
            assert "HYPERLINK" not in body and "cmd|" not in body, name
    return read


def test_every_payload_is_written_as_text(payload_project: Project, payload_book: Path) -> None:
    texts = shown_texts(payload_project)
    assert set(PAYLOADS) <= texts  # every payload is shown somewhere
    counts = check_every_cell(payload_book, texts)
    read = check_sheet_xml(payload_book, texts)
    assert counts["payload_cells"] >= len(texts)
    assert counts["formula_cells"] > 1000 and read >= counts["cells"]


def test_leading_whitespace_and_control_characters(sample: Project, tmp_path: Path) -> None:
    """Text the project files would strip or refuse still never becomes a formula, and
    characters a workbook cannot hold are dropped instead of failing the export."""
    project = with_texts(sample, lambda kind, i, field: payload(RAW_PAYLOADS, kind, i, field))
    path = tmp_path / "raw.xlsx"
    export_workbook(project, path, horizon_months=12)
    controls = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
    texts = {controls.sub("", t) for t in shown_texts(project)}
    counts = check_every_cell(path, texts)
    check_sheet_xml(path, texts)
    assert counts["payload_cells"] >= len(texts)
    book = load_workbook(path)
    row_name = book["Fleet"]["A4"]
    assert row_name.value == controls.sub("", project.fleet[0].name)
    assert row_name.data_type == "s" and row_name.quotePrefix


def test_scenario_names_in_the_scenarios_header_are_text(payload_project: Project) -> None:
    """The issue's case: the Scenarios sheet's header row of cumulative FCF by scenario."""
    book = load_workbook(io.BytesIO(build_workbook(payload_project, None, 12)))
    ws = book["Scenarios"]
    names = [s.name for s in payload_project.scenarios]
    header = next(row for row in ws.iter_rows() if row[0].value == "Cumulative FCF (USD)")
    assert [c.value for c in header[1 : 1 + len(names)]] == names
    assert all(c.data_type == "s" and c.quotePrefix for c in header[1 : 1 + len(names)])


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_evaluates_no_payload(
    payload_project: Project, payload_book: Path, tmp_path: Path
) -> None:
    from test_workbook_recalc import recalculate  # its module skips without LibreOffice

    out = tmp_path / "out"
    recalculate([payload_book], out, tmp_path / "profile")
    written = load_workbook(payload_book)
    computed = load_workbook(out / payload_book.name, data_only=True)
    texts = shown_texts(payload_project)
    kept = 0
    for ws in written.worksheets:
        values = computed[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                got: Any = values[cell.coordinate].value
                assert got != HYPERLINK_TEXT, (ws.title, cell.coordinate)
                text = cell.value
                if (
                    isinstance(text, str)
                    and cell.data_type == "s"
                    and _contains_payload(text, texts)
                ):
                    # The text, not what it would compute (2 for +1+1, "y", an error).
                    assert got == text, (ws.title, cell.coordinate, got)
                    kept += 1
    assert kept >= len(texts)
    # Formulas that show project text show it as it is ...
    fleet = payload_project.fleet
    rows = computed["Rows"]
    for i, r in enumerate(fleet):
        assert [rows.cell(4 + i, c).value for c in (1, 2, 3)] == [r.name, r.model, r.site]
    summary = computed["Summary"]
    assert summary["B2"].value == payload_project.name
    assert summary["E2"].value == payload_project.active_scenario
    assert [summary.cell(8 + s, 1).value for s in range(len(payload_project.sites))] == [
        s.name for s in payload_project.sites
    ]
    # ... and the lookups by those names (MATCH of sites, models, contracts) still work.
    results = run(payload_project, None, 24)
    npv = float(results.fleet_kpis.npv_usd[0])
    assert math.isclose(summary["B7"].value, npv, rel_tol=1e-9)
    for s in range(len(payload_project.sites)):
        site_npv = float(results.site_kpis.npv_usd[s])
        assert math.isclose(summary.cell(8 + s, 2).value, site_npv, rel_tol=1e-9, abs_tol=1e-6)
