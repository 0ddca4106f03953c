"""Project files on disk: errors that name file and place, atomic saves, the rig catalog."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from planner.domain.errors import Problem
from planner.domain.project import Project
from planner.io.catalog import CatalogError, read_catalog
from planner.io.project_file import (
    ProjectFileError,
    load_project,
    parse_project,
    project_to_json,
    save_project,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sample_project.json"
_SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(SAMPLE)


def sample_data() -> dict[str, Any]:
    return json.loads(_SAMPLE_TEXT)


def load_error(path: Path) -> ProjectFileError:
    with pytest.raises(ProjectFileError) as caught:
        load_project(path)
    return caught.value


# ---------------------------------------------------------------------- loading


def test_load_sample(project: Project) -> None:
    assert project.name == "Sample: mid-size miner, 3 sites"
    assert len(project.fleet) == 11


def test_load_accepts_str_paths_and_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + _SAMPLE_TEXT.encode("utf-8"))
    assert load_project(str(path)) == load_project(SAMPLE)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    error = load_error(path)
    assert str(error) == f"{path}: no such file"
    assert error.path == path
    assert error.problems == []


def test_folder(tmp_path: Path) -> None:
    error = load_error(tmp_path)
    assert str(error) == f"{tmp_path}: is a folder, not a project file"


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "schema_version": 2,\n  "name": oops\n}\n', encoding="utf-8")
    error = load_error(path)
    assert str(error) == f"{path}: line 3, column 11: invalid JSON: Expecting value"


def test_trailing_comma(tmp_path: Path) -> None:
    path = tmp_path / "comma.json"
    path.write_text('{"a": 1,}', encoding="utf-8")
    message = str(load_error(path))
    assert message.startswith(f"{path}: line 1, column 9: invalid JSON")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    assert str(load_error(path)) == f"{path}: line 1, column 1: invalid JSON: Expecting value"


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"name": "café"}'.encode("latin-1"))
    assert str(load_error(path)) == f"{path}: byte 13: not UTF-8 text (is this a project file?)"


def test_json_array_instead_of_object(tmp_path: Path) -> None:
    path = tmp_path / "array.json"
    path.write_text("[]", encoding="utf-8")
    error = load_error(path)
    assert str(error) == f"{path}: 1 problem:\n  a project file must hold a JSON object"
    assert error.problems == [Problem("", "a project file must hold a JSON object")]


def test_invalid_values_are_each_listed_with_their_path(tmp_path: Path) -> None:
    data = sample_data()
    data["fleet"][3]["count"] = -5
    data["sites"][0]["uptime"] = 1.5
    data["fleet"][0]["unit_price_usd"] = "abc"
    path = tmp_path / "invalid.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    error = load_error(path)
    lines = str(error).splitlines()
    assert lines[0] == f"{path}: 3 problems:"
    assert sorted(lines[1:]) == sorted(
        [
            "  sites[0].uptime: must be <= 1, got 1.5",
            "  fleet[0].unit_price_usd: cannot read 'abc' as a number",
            "  fleet[3].count: must be >= 0, got -5",
        ]
    )
    assert {p.path for p in error.problems} == {
        "sites[0].uptime",
        "fleet[0].unit_price_usd",
        "fleet[3].count",
    }


def test_one_invalid_value(tmp_path: Path) -> None:
    data = sample_data()
    data["active_scenario"] = "Nope"
    path = tmp_path / "one.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert str(load_error(path)) == (
        f"{path}: 1 problem:\n"
        "  active_scenario: unknown scenario 'Nope' (the project has: Base, Bear, Bull)"
    )


def test_parse_project_names_its_source() -> None:
    with pytest.raises(ProjectFileError) as caught:
        parse_project("{")
    assert str(caught.value).startswith("<project>: line 1, column 2: invalid JSON")
    with pytest.raises(ProjectFileError) as caught:
        parse_project('{"schema_version": 9}', source="plan.json")
    assert str(caught.value) == (
        "plan.json: 1 problem:\n"
        "  schema_version: is 9, newer than this planner reads (2); "
        "update the planner to open this file"
    )


# ----------------------------------------------------------------------- saving


def test_save_writes_readable_json_that_loads_back_equal(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "plan.json"
    save_project(project, path)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text.startswith('{\n  "schema_version": 2,\n  "name": ')
    assert json.loads(text) == sample_data()
    assert load_project(path) == project
    assert not (tmp_path / "plan.json.bak").exists()  # nothing to back up the first time
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_save_keeps_non_ascii_text_readable(tmp_path: Path, project: Project) -> None:
    renamed = project.model_copy(update={"name": "Plan für Zürich — 2027"})
    path = tmp_path / "plan.json"
    save_project(renamed, path)
    assert '"name": "Plan für Zürich — 2027"' in path.read_text(encoding="utf-8")
    assert load_project(path).name == "Plan für Zürich — 2027"


def test_second_save_keeps_the_previous_version_as_bak(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "plan.json"
    save_project(project, path)
    first = path.read_bytes()
    changed = project.model_copy(update={"name": "Second version"})
    save_project(changed, path)
    backup = tmp_path / "plan.json.bak"
    assert backup.read_bytes() == first
    assert load_project(path).name == "Second version"
    assert load_project(backup) == project
    save_project(project.model_copy(update={"name": "Third"}), path)
    assert load_project(backup).name == "Second version"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "plan.json.bak"]


def test_save_without_backup(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "plan.json"
    save_project(project, path, keep_backup=False)
    save_project(project.model_copy(update={"name": "Again"}), path, keep_backup=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]
    assert load_project(path).name == "Again"


def test_failed_replace_leaves_the_original_untouched(
    tmp_path: Path, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.json"
    original = b'{"hand": "edited",\n "kept": true}\n'
    path.write_bytes(original)
    older = b'{"older": "backup"}\n'
    (tmp_path / "plan.json.bak").write_bytes(older)

    def refuse(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ProjectFileError) as caught:
        save_project(project, path)
    assert str(caught.value) == f"{path}: cannot save: No space left on device"
    assert caught.value.path == path
    assert path.read_bytes() == original
    assert (tmp_path / "plan.json.bak").read_bytes() == older  # the older backup survives
    leftovers = {p.name for p in tmp_path.iterdir()} - {"plan.json", "plan.json.bak"}
    assert leftovers == set()
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_save_into_a_missing_folder(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "missing" / "plan.json"
    with pytest.raises(ProjectFileError) as caught:
        save_project(project, path)
    message = str(caught.value)
    assert message.startswith(f"{path}: cannot save: ")
    assert "No such file or directory" in message
    assert not path.parent.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_save_keeps_the_file_mode(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "plan.json"
    path.write_text("{}", encoding="utf-8")
    path.chmod(0o644)
    save_project(project, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_project_to_json_is_the_sample_text(project: Project) -> None:
    assert project_to_json(project) == json.dumps(sample_data(), indent=2, ensure_ascii=False) + (
        "\n"
    )


# ---------------------------------------------------------------------- catalog


def test_shipped_catalog() -> None:
    models = read_catalog()
    assert len(models) == 27
    assert len({m.name for m in models}) == 27
    by_name = {m.name: m for m in models}
    s21xp = by_name["Antminer S21 XP"]
    assert s21xp.hashrate_th == 270.0
    assert s21xp.power_w == 3645.0
    assert s21xp.efficiency_j_per_th == pytest.approx(13.5)
    assert s21xp.maker == "Bitmain"
    assert s21xp.cooling == "air"
    assert s21xp.release_year == 2024
    assert s21xp.reference_price_usd == 6939.0
    assert by_name["Antminer S19j Pro"].reference_price_usd is None


def test_shipped_catalog_matches_the_sample_catalog(project: Project) -> None:
    assert read_catalog(ROOT / "resources" / "asic_catalog.csv") == project.catalog


CATALOG_HEADER = "maker,model,hashrate_th,power_w,cooling,release_year,reference_price_usd,source\n"


def test_broken_catalog_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "my_catalog.csv"
    path.write_text(
        CATALOG_HEADER
        + "Bitmain,Good,100,3000,air,2024,,shop\n"
        + "Bitmain,Bad,fast,3000,air,2024,,shop\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as caught:
        read_catalog(path)
    assert str(caught.value) == (
        "my_catalog.csv line 3, column hashrate_th: cannot read 'fast' as a number"
    )


def test_broken_catalog_reports_every_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "cat.csv"
    path.write_text(
        CATALOG_HEADER
        + "Bitmain,Bad1,fast,3000,air,2024,,s\n"
        + 'Bitmain,Fine,0.2 PH/s,3.5 kW,hydro,2025,"$5,500",s\n'
        + "Bitmain,Bad2,100,-3,air,2024,,s\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as caught:
        read_catalog(path)
    assert str(caught.value).splitlines() == [
        "cat.csv line 2, column hashrate_th: cannot read 'fast' as a number",
        "cat.csv line 4, column power_w: must be > 0, got '-3'",
    ]


def test_catalog_year_duplicates_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "cat.csv"
    path.write_text(
        CATALOG_HEADER
        + "Bitmain,One,100,3000,air,20x4,,s\n"
        + "Bitmain,Two,100,3000,air,2024,,s\n"
        + "Bitmain,two ,100,3000,air,2024,,s\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as caught:
        read_catalog(path)
    assert str(caught.value).splitlines() == [
        "cat.csv line 2, column release_year: cannot read '20x4' as a number",
        "cat.csv line 4, column model: duplicate model 'two' (also line 3)",
    ]
    with pytest.raises(CatalogError, match=r"nowhere\.csv: no such file"):
        read_catalog(tmp_path / "nowhere.csv")


def test_catalog_reads_units_and_prices(tmp_path: Path) -> None:
    path = tmp_path / "cat.csv"
    path.write_text(
        CATALOG_HEADER + 'Bitmain,Fine,0.2 PH/s,3.5 kW,hydro,2025,"$5,500",s\n',
        encoding="utf-8",
    )
    (model,) = read_catalog(path)
    assert model.hashrate_th == pytest.approx(200.0)
    assert model.power_w == pytest.approx(3500.0)
    assert model.reference_price_usd == 5500.0
    assert model.cooling == "hydro"


# ------------------------------------------------------------------------- docs


def test_the_example_in_the_format_reference_is_valid(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "project-format.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    path = tmp_path / "example.json"
    path.write_text(example, encoding="utf-8")
    project = load_project(path)
    assert project.name == "West Texas expansion"
    assert project.finance.discount_rate_per_year == pytest.approx(0.12)
    assert project.sites[0].uptime == pytest.approx(0.97)
    assert project.catalog[0].power_w == pytest.approx(3645.0)
    assert project.fleet[0].unit_price_usd == 6939.0
