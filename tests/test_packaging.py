"""The bundle's inputs, the release workflow and the installer scripts.

The bundle itself is built and smoke-run by scripts/build_bundle.py (a step of .ci/run).
What of issue 12 is checked here, on any machine, and what only on GitHub's runners:

1. Runners and actions: here (no retired image, each action pinned to a commit of its
   current major, actionlint). That the images boot: on the runners.
2. Tool lookup: here and on every runner (the tools are found in the interpreter's
   scripts folder, sysconfig), with the default-encoding warning an error in the tests.
3. Inno Setup: here, that every pwsh step and script stops on errors and checks
   $LASTEXITCODE after each native command; finding or installing ISCC and compiling:
   on the Windows runner only.
4. hdiutil retry: here, make-dmg.sh against a stand-in hdiutil that is "Resource busy";
   the real hdiutil: on the macOS runners.
5. actionlint and zizmor (auditor persona) on release.yml: here.
8. Signing: here, the order of the steps and the gate (a tag with a missing signing
   secret fails; by hand it goes on unsigned and says so), run through bash. Signing,
   notarization, codesign/spctl checks and the Windows signatures: on the runners, with
   the secrets set.
9. installer.iss: here, its sections and settings parsed, its Source paths; compiling it,
   installing and uninstalling: on the Windows runner.
11. Smoke runs of what users get (the .app's binary on cocoa, the installed console twin,
   the association and PATH entry, the silent uninstall): on the runners only.
14. The tag is "v" + pyproject's version: here, the workflow's check run through bash.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
import bundle  # noqa: E402

WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
ISS = ROOT / "packaging" / "windows" / "installer.iss"
WINDOWS_SCRIPTS = sorted((ROOT / "packaging" / "windows").glob("*.ps1"))
SCRIPTS_DIR = sysconfig.get_path("scripts")

# GitHub-hosted images that are gone, with their retirement dates (GitHub's announcements).
RETIRED_RUNNERS = {
    "macos-11": "2024-06-28",
    "macos-12": "2024-12-03",
    "macos-13": "2025-12-04",
    "macos-14": "2026-11-02",
    "ubuntu-18.04": "2023-04-03",
    "ubuntu-20.04": "2025-04-15",
    "ubuntu-22.04": "2027-04-17",  # deprecated, retired on that date: not for new releases
    "windows-2019": "2025-06-30",
}
RUNNERS = {"ubuntu-24.04", "windows-2025", "macos-15", "macos-15-intel"}
# The current major of each action (their release tags, late 2026): all run on Node 24.
ACTION_MAJORS = {
    "actions/checkout": 7,
    "actions/setup-python": 7,
    "actions/upload-artifact": 7,
    "actions/download-artifact": 8,
}
NOT_BASH = sys.platform == "win32"  # the workflow's bash steps run here, on Linux and macOS


def tool(name: str) -> str:
    """A dev dependency's command: in the interpreter's scripts folder (Scripts on Windows)."""
    found = shutil.which(name, path=SCRIPTS_DIR)
    assert found, f"{name} is not in {SCRIPTS_DIR}: pip install -e '.[dev]'"
    return found


def workflow() -> dict:
    return YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))


def build_steps() -> list[dict]:
    return workflow()["jobs"]["build"]["steps"]


def step(name: str) -> dict:
    found = [s for s in build_steps() if s.get("name") == name]
    assert len(found) == 1, name
    return found[0]


def step_index(name: str) -> int:
    return [s.get("name") for s in build_steps()].index(name)


# --- the bundle's inputs -------------------------------------------------------------------


def test_every_data_file_of_the_spec_exists() -> None:
    assert bundle.missing_data() == []


def test_every_resource_the_code_opens_is_bundled() -> None:
    bundled = {source for source, _folder in bundle.DATAS}
    used = set()
    for path in (ROOT / "planner").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= {f"resources/{n}" for n in re.findall(r'resource_path\("([^"]+)"\)', text)}
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


# --- the release workflow: schema, lint, security ------------------------------------------


def test_release_workflow_is_a_valid_github_workflow() -> None:
    done = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        encoding="utf-8",
        errors="replace",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = WORKFLOW.read_text(encoding="utf-8")
    for needed in (
        "scripts/build_bundle.py",
        "packaging/macos/make-dmg.sh",
        r"packaging\windows\build-installer.ps1",
        r"packaging\windows\smoke-installer.ps1",
        "packaging/linux/make-tarball.sh",
        "python -m pytest",
    ):
        assert needed in text, needed


def test_actionlint_passes() -> None:
    # With shellcheck on PATH, actionlint checks the run: scripts of bash steps as well.
    env = {**os.environ, "PATH": SCRIPTS_DIR + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(
        [tool("actionlint"), "-no-color", str(WORKFLOW)],
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_passes() -> None:
    # Offline: no GitHub token or network; the auditor persona shows every finding.
    done = subprocess.run(
        [tool("zizmor"), "--offline", "--persona=auditor", "--no-progress", str(WORKFLOW)],
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_retired_runner() -> None:
    jobs = workflow()["jobs"]
    used = {os_["os"] for os_ in jobs["build"]["strategy"]["matrix"]["include"]}
    used |= {job["runs-on"] for job in jobs.values() if "${{" not in job["runs-on"]}
    retired = {name: RETIRED_RUNNERS[name] for name in used if name in RETIRED_RUNNERS}
    assert not retired, f"retired runner images: {retired}"
    assert used == RUNNERS
    assert jobs["release"]["runs-on"] == "ubuntu-24.04"


def test_actions_are_pinned_to_commits_of_their_current_major() -> None:
    lines = [
        line.strip()
        for line in WORKFLOW.read_text(encoding="utf-8").splitlines()
        if re.match(r"\s*(- )?uses:", line)
    ]
    assert lines
    seen = set()
    for line in lines:
        pinned = re.fullmatch(
            r"(- )?uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # v(\d+)\.\d+\.\d+", line
        )
        assert pinned, f"not pinned to a commit with its version: {line}"
        action, major = pinned.group(2), int(pinned.group(4))
        assert ACTION_MAJORS.get(action) == major, f"{action} v{major}"
        seen.add(action)
    assert seen == set(ACTION_MAJORS)
    for checkout in (s for s in build_steps() if "actions/checkout" in s.get("uses", "")):
        assert checkout["with"]["persist-credentials"] is False


def test_permissions_are_minimal_and_no_expression_is_pasted_into_a_script() -> None:
    data = workflow()
    assert data["permissions"] == {}
    assert data["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert data["jobs"]["release"]["permissions"] == {"contents": "write"}
    for job in data["jobs"].values():
        for s in job["steps"]:
            assert "${{" not in s.get("run", ""), s.get("name")


# --- the workflow's order and its checks, run here through bash ------------------------------


def test_the_steps_come_in_the_right_order() -> None:
    order = step_index
    assert order("Signing secrets") < order("Signing keychain (macOS)")
    assert order("Signing keychain (macOS)") < order("Build and smoke-run the bundle")
    assert order("Build and smoke-run the bundle") < order("Check the app's signature (macOS)")
    assert order("Check the app's signature (macOS)") < order("Smoke-run the app users get (macOS)")
    assert order("Smoke-run the app users get (macOS)") < order("macOS disk image")
    assert order("macOS disk image") < order("Sign the disk image (macOS)")
    assert order("Sign the disk image (macOS)") < order("Notarize and staple (macOS)")
    assert order("Signing module (Windows)") < order("Sign the executables (Windows)")
    assert order("Sign the executables (Windows)") < order("Windows installer")
    assert order("Windows installer") < order("Smoke-run the installed app (Windows)")
    build = step("Build and smoke-run the bundle")
    assert "secrets.MACOS_SIGNING_IDENTITY" in build["env"]["MACOS_SIGNING_IDENTITY"]
    check = step("Check the app's signature (macOS)")["run"]
    assert "codesign --verify --strict --deep" in check
    notarize = step("Notarize and staple (macOS)")["run"]
    for needed in (
        "--wait --output-format json",
        '!= "Accepted"',
        "notarytool log",
        "stapler staple",
    ):
        assert needed in notarize, needed
    assert "spctl --assess --type execute" in notarize
    smoke = step("Smoke-run the app users get (macOS)")["run"]
    assert "unset QT_QPA_PLATFORM" in smoke and "Contents/MacOS" in smoke
    assert "--screenshot" in smoke and "report samples/sample_project.json --json" in smoke
    tests = step("Tests")
    assert tests["env"]["PYTHONWARNDEFAULTENCODING"] == "1"


def test_pwsh_steps_and_scripts_stop_on_errors() -> None:
    pwsh = [s for s in build_steps() if s.get("shell") == "pwsh"]
    assert len(pwsh) >= 4
    bodies = [(s["name"], s["run"]) for s in pwsh]
    bodies += [(p.name, p.read_text(encoding="utf-8")) for p in WINDOWS_SCRIPTS]
    assert {p.name for p in WINDOWS_SCRIPTS} >= {
        "build-installer.ps1",
        "sign.ps1",
        "smoke-installer.ps1",
    }
    for name, body in bodies:
        assert "$ErrorActionPreference = 'Stop'" in body, name
        assert "$PSNativeCommandUseErrorActionPreference = $true" in body, name
        lines = body.splitlines()
        for number, line in enumerate(lines):
            # A native command or script (call operator, choco): its exit code is read next.
            if re.match(r"\s*(& |choco )", line):
                assert "$LASTEXITCODE" in lines[number + 1], f"{name}: {line.strip()}"


def run_step(
    name: str, env: dict[str, str], tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    output = tmp_path / "github_output"
    output.write_text("", encoding="utf-8")
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "MACOS_", "APPLE_", "AZURE_", "ARTIFACT_"))
    }
    base["PATH"] = str(Path(sys.executable).parent) + os.pathsep + base.get("PATH", "")
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step(name)["run"]],
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        cwd=ROOT,
        env={**base, "GITHUB_OUTPUT": str(output), **env},
    )
    values = dict(
        line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines() if line
    )
    return done, values


@pytest.mark.skipif(NOT_BASH, reason="the workflow's bash steps are run on Linux and macOS")
def test_the_tag_must_be_v_and_the_version(tmp_path: Path) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    version = project["version"]
    tag = {"GITHUB_REF": f"refs/tags/v{version}", "GITHUB_REF_NAME": f"v{version}"}
    done, values = run_step("Version and tag", tag, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert values["version"] == version
    assert re.fullmatch(r"\d+(\.\d+){0,3}", values["numeric"])
    wrong = {"GITHUB_REF": "refs/tags/v99.0.0", "GITHUB_REF_NAME": "v99.0.0"}
    done, values = run_step("Version and tag", wrong, tmp_path)
    assert done.returncode == 1 and f"is not v{version}" in done.stdout
    assert "version" not in values
    by_hand = {"GITHUB_REF": "refs/heads/main", "GITHUB_REF_NAME": "main"}
    done, values = run_step("Version and tag", by_hand, tmp_path)
    assert done.returncode == 0 and values["version"] == version


MACOS_SECRETS = {
    "MACOS_CERTIFICATE": "MIIK...",
    "MACOS_CERTIFICATE_PASSWORD": "pw",
    "MACOS_SIGNING_IDENTITY": "Developer ID Application: X (TEAM)",
    "APPLE_ID": "a@example.org",
    "APPLE_TEAM_ID": "TEAM",
    "APPLE_APP_PASSWORD": "pw",
}
WINDOWS_SECRETS = {
    "AZURE_TENANT_ID": "t",
    "AZURE_CLIENT_ID": "c",
    "AZURE_CLIENT_SECRET": "s",
    "ARTIFACT_SIGNING_ENDPOINT": "https://eus.codesigning.azure.net/",
    "ARTIFACT_SIGNING_ACCOUNT": "a",
    "ARTIFACT_SIGNING_PROFILE": "p",
}
TAG = {"GITHUB_REF": "refs/tags/v1.2.3", "GITHUB_REF_NAME": "v1.2.3"}
BY_HAND = {"GITHUB_REF": "refs/heads/main", "GITHUB_REF_NAME": "main"}


@pytest.mark.skipif(NOT_BASH, reason="the workflow's bash steps are run on Linux and macOS")
@pytest.mark.parametrize(
    ("target", "ref", "secrets", "code", "sign", "notarize"),
    [
        ("macos-arm64", TAG, MACOS_SECRETS, 0, "true", "true"),
        ("macos-x86_64", TAG, {}, 1, None, None),
        ("macos-arm64", TAG, {**MACOS_SECRETS, "APPLE_APP_PASSWORD": ""}, 1, None, None),
        ("macos-arm64", BY_HAND, {}, 0, "false", "false"),
        ("macos-arm64", BY_HAND, {**MACOS_SECRETS, "APPLE_ID": ""}, 0, "true", "false"),
        ("windows", TAG, WINDOWS_SECRETS, 0, "true", "false"),
        ("windows", TAG, {**WINDOWS_SECRETS, "ARTIFACT_SIGNING_PROFILE": ""}, 1, None, None),
        ("windows", BY_HAND, {}, 0, "false", "false"),
        ("linux", TAG, {}, 0, "false", "false"),
    ],
)
def test_a_tag_without_its_signing_secrets_fails(
    tmp_path: Path,
    target: str,
    ref: dict[str, str],
    secrets: dict[str, str],
    code: int,
    sign: str | None,
    notarize: str | None,
) -> None:
    done, values = run_step("Signing secrets", {"TARGET": target, **ref, **secrets}, tmp_path)
    assert done.returncode == code, done.stdout + done.stderr
    if code:
        assert "::error::" in done.stdout and "missing secrets" in done.stdout
        assert not values
        return
    assert values == {"sign": sign, "notarize": notarize}
    complete = sign == "true" and (notarize == "true" or target == "windows")
    if target != "linux" and not complete:
        assert "::warning::" in done.stdout and "NOT signed" in done.stdout
    else:
        assert "::warning::" not in done.stdout


# --- shell scripts --------------------------------------------------------------------------


def test_shell_scripts_pass_shellcheck() -> None:
    # Every shell script the project ships or runs, found rather than listed.
    shipped = sorted((ROOT / "packaging").rglob("*.sh"))
    scripts = [*shipped, ROOT / "scripts" / "install-system-packages"]
    assert ROOT / "packaging" / "linux" / "install.sh" in scripts
    done = subprocess.run(
        [tool("shellcheck"), *map(str, scripts)], capture_output=True, encoding="utf-8"
    )
    assert done.returncode == 0, done.stdout


def fake_hdiutil(folder: Path, busy_times: int, error: str = "Resource busy") -> Path:
    """A stand-in hdiutil: fails busy_times times, then writes its output file."""
    folder.mkdir()
    counter = folder / "calls"
    script = folder / "hdiutil"
    script.write_text(
        "#!/bin/sh\n"
        f'echo x >> "{counter}"\n'
        f'if [ "$(wc -l < "{counter}")" -le {busy_times} ]; then\n'
        f'  echo "hdiutil: create failed - {error}" >&2; exit 1\n'
        "fi\n"
        'for last; do :; done\necho dmg > "$last"\n',
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return counter


@pytest.mark.skipif(NOT_BASH, reason="make-dmg.sh is a POSIX shell script for macOS")
@pytest.mark.parametrize(
    ("busy_times", "error", "code", "calls"),
    [
        (0, "", 0, 1),
        (2, "Resource busy", 0, 3),
        (9, "Resource busy", 1, 3),
        (9, "No space left", 1, 1),
    ],
)
def test_make_dmg_retries_hdiutil_while_busy(
    tmp_path: Path, busy_times: int, error: str, code: int, calls: int
) -> None:
    counter = fake_hdiutil(tmp_path / "bin", busy_times, error)
    (tmp_path / "dist" / "MiningPlanner.app" / "Contents").mkdir(parents=True)
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HDIUTIL_TRIES": "3",
        "HDIUTIL_DELAY": "0",
    }
    done = subprocess.run(
        ["sh", str(ROOT / "packaging" / "macos" / "make-dmg.sh"), "1.2.3", "arm64"],
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == code, done.stdout + done.stderr
    assert len(counter.read_text(encoding="utf-8").splitlines()) == calls
    dmg = tmp_path / "dist" / "MiningPlanner-1.2.3-macos-arm64.dmg"
    assert dmg.is_file() == (code == 0)


# --- the Inno Setup script ------------------------------------------------------------------


def iss_sections(text: str) -> dict[str, list[tuple[str, bool]]]:
    """Each section's lines (comments and blank lines left out), each with whether it sits
    inside `#ifdef Sign`. Preprocessor lines are left out."""
    sections: dict[str, list[tuple[str, bool]]] = {}
    current = None
    signing = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("#"):
            if line == "#ifdef Sign":
                signing = True
            elif line == "#endif":
                signing = False
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = header.group(1)
            sections[current] = []
        elif current is not None:
            sections[current].append((line, signing))
    return sections


def iss_entries(lines: list[tuple[str, bool]]) -> list[dict[str, str]]:
    """Entries of a section like [Files]: 'Name: "x"; Flags: a b' -> {"Name": "x", ...}."""
    entries = []
    for line, _signing in lines:
        fields = re.findall(r'(\w+):\s*("(?:[^"]|"")*"|[^;]*)', line)
        entries.append({key: value.strip().strip('"') for key, value in fields})
    return entries


def iss_defines(text: str) -> dict[str, str]:
    return dict(re.findall(r'#define (\w+) "([^"]*)"', text))


def test_windows_installer_script_matches_the_bundle() -> None:
    iss = ISS.read_text(encoding="utf-8")
    sections = iss_sections(iss)
    assert list(sections) == [
        "Setup",
        "Tasks",
        "InstallDelete",
        "Files",
        "Icons",
        "Registry",
        "Run",
        "Code",
    ]
    setup = {}
    for line, signing in sections["Setup"]:
        key, value = line.split("=", 1)
        setup[key] = (value, signing)
    settings = {key: value for key, (value, _signing) in setup.items()}
    assert settings["PrivilegesRequired"] == "lowest"  # per-user, no admin
    assert settings["ArchitecturesAllowed"] == "x64compatible"  # not on 32-bit Windows
    assert settings["ArchitecturesInstallIn64BitMode"] == "x64compatible"
    assert settings["MinVersion"] == "10.0.17763"  # Qt 6's floor
    assert settings["ChangesEnvironment"] == "yes" and settings["ChangesAssociations"] == "yes"
    for key in ("VersionInfoVersion", "VersionInfoProductVersion"):
        assert settings[key] == "{#FileVersion}"
    assert settings["VersionInfoProductTextVersion"] == "{#AppVersion}"
    # Signing only when build-installer.ps1 passes /DSign and defines the tool (/S).
    assert setup["SignTool"] == ("signtool", True)
    assert setup["SignedUninstaller"] == ("yes", True)
    builder = (ROOT / "packaging" / "windows" / "build-installer.ps1").read_text(encoding="utf-8")
    assert "'/DSign'" in builder and "/Ssigntool=" in builder and "$f" in builder
    icon = ROOT / "packaging" / "windows" / settings["SetupIconFile"].replace("\\", "/")
    assert icon.is_file()
    assert iss_entries(sections["InstallDelete"]) == [
        {"Type": "filesandordirs", "Name": "{app}\\_internal"}
    ]


def test_every_source_of_the_installer_exists_or_is_the_bundle() -> None:
    iss = ISS.read_text(encoding="utf-8")
    defines = iss_defines(iss)
    here = ROOT / "packaging" / "windows"
    bundle_dir = (ROOT / "dist" / bundle.APP_NAME).resolve()
    files = iss_entries(iss_sections(iss)["Files"])
    assert files
    for entry in files:
        source = re.sub(r"\{#(\w+)\}", lambda m: defines[m.group(1)], entry["Source"])
        path = (here / source.replace("\\", "/")).resolve()
        folder = path.parent if "*" in path.name else path
        # The bundle exists after scripts/build_bundle.py; anything else must exist now.
        assert folder == bundle_dir or folder.is_relative_to(bundle_dir) or path.exists(), source
    executables = set(re.findall(r"\{app\}\\([\w-]+\.exe)", iss))
    assert executables == {f"{bundle.APP_NAME}.exe"}
    smoke = (here / "smoke-installer.ps1").read_text(encoding="utf-8")
    assert f"'{bundle.CLI_NAME}.exe'" in smoke and f"'{bundle.APP_NAME}.exe'" in smoke


def test_the_installer_registers_its_file_type_and_an_optional_path_entry() -> None:
    iss = ISS.read_text(encoding="utf-8")
    sections = iss_sections(iss)
    registry = iss_entries(sections["Registry"])
    assert any(r["Subkey"] == f"Software\\Classes\\.{bundle.PROJECT_EXTENSION}" for r in registry)
    assert "{uninstallexe}" in iss and "{group}" in iss  # uninstaller and Start menu
    (task,) = iss_entries(sections["Tasks"])
    assert task["Name"] == "addtopath" and task["Flags"] == "unchecked"
    (path,) = [r for r in registry if r["Subkey"] == "Environment"]
    assert path["Root"] == "HKCU" and path["ValueName"] == "Path"
    assert path["ValueType"] == "expandsz" and path["ValueData"] == "{olddata};{app}"
    assert path["Tasks"] == "addtopath" and path["Check"].startswith("NeedsAddPath(")
    code = "\n".join(line for line, _signing in sections["Code"])
    assert "function NeedsAddPath(Dir: string): Boolean;" in code
    assert "procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);" in code
    assert "usUninstall" in code and "RemovePath(ExpandConstant('{app}'))" in code
    smoke = (ROOT / "packaging" / "windows" / "smoke-installer.ps1").read_text(encoding="utf-8")
    assert "/TASKS=addtopath" in smoke and "/CURRENTUSER" in smoke and "/VERYSILENT" in smoke
