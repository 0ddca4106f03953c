"""Every text file the project opens names its encoding.

Without one, Python uses the locale's: cp1252 on Windows, where a `”` in a UTF-8 file
fails to read. Python says so only when asked (`-X warn_default_encoding` or
PYTHONWARNDEFAULTENCODING=1 at start-up); the suite runs that way, with warnings as
errors (pyproject.toml), so an unnamed encoding fails here on Linux too. Three checks:
this process runs with the warning; a child process with the warning as an error imports
every module and runs the commands that open files; and the source is read for the calls
that open text without an encoding, including those no test runs.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_suite_runs_with_the_default_encoding_warning(tmp_path: Path) -> None:
    if not sys.flags.warn_default_encoding:
        assert not os.environ.get("CI"), (
            "CI must run the tests with `python -X warn_default_encoding -m pytest`"
        )
        pytest.skip("run with `python -X warn_default_encoding -m pytest` to check encodings")
    with pytest.raises(EncodingWarning), (tmp_path / "x.txt").open("w", encoding=None):
        pass
    assert os.environ["PYTHONWARNDEFAULTENCODING"] == "1"  # for the tests' subprocesses


_CHILD = textwrap.dedent(
    """
    import importlib, pkgutil, shutil, sys
    from pathlib import Path

    import planner
    from planner.cli import main

    for module in pkgutil.walk_packages(planner.__path__, "planner."):
        if module.name != "planner.__main__":  # runs the command line
            importlib.import_module(module.name)

    root, tmp = Path(sys.argv[1]), Path(sys.argv[2])
    sample = root / "samples" / "sample_project.json"
    project = tmp / "plan.mplan"
    shutil.copyfile(sample, project)
    runs = [
        ["report", str(sample), "--paths", "200", "--xlsx", str(tmp / "plan.xlsx")],
        ["report", str(sample), "--paths", "200", "--json"],
        ["schema"],
        ["import", str(root / "samples" / "fleet-inventory.xlsx"), "--into", str(project),
         "--dry-run"],
        ["import", str(root / "samples" / "fleet-inventory.xlsx"), "--into", str(project)],
        ["report", str(project), "--paths", "200"],
        ["--screenshot", str(tmp / "window.png"), str(project)],
    ]
    for argv in runs:
        code = main(argv)
        assert code == 0, (argv, code)
    """
)


def test_modules_and_commands_open_no_text_without_an_encoding(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PLANNER_DATA_DIR": str(tmp_path / "data"),
        "PYTHONIOENCODING": "utf-8",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "warn_default_encoding",
            "-W",
            "error::EncodingWarning",
            # openpyxl's scratch file name, as in pyproject.toml's filterwarnings
            "-W",
            "ignore::EncodingWarning:openpyxl.worksheet._writer",
            "-c",
            _CHILD,
            str(ROOT),
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "EncodingWarning" not in done.stderr
    assert (tmp_path / "plan.xlsx").stat().st_size > 0
    assert (tmp_path / "window.png").stat().st_size > 0


# ----------------------------------------------------------------- the source, read

_TEMPFILES = {"NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"}
_SUBPROCESS = {"run", "Popen", "check_output", "call", "check_call"}
_TEXT_CLASSES = {"TextIOWrapper", "FileHandler", "RotatingFileHandler", "WatchedFileHandler"}


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _text_mode(mode: ast.expr | None, default: str) -> bool:
    """Whether a mode argument opens text: a literal without "b" (unknown: assume not)."""
    if mode is None:
        return "b" not in default
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and "b" not in mode.value


def _opens_text_without_encoding(call: ast.Call) -> bool:
    if _keyword(call, "encoding") is not None:
        return False
    func = call.func
    if isinstance(func, ast.Name):
        name, owner = func.id, None
    elif isinstance(func, ast.Attribute):
        name = func.attr
        owner = func.value.id if isinstance(func.value, ast.Name) else None
    else:
        return False
    if name in _TEXT_CLASSES:
        return True
    # Path.read_text(encoding), Path.write_text(data, encoding); a positional argument to
    # read_text otherwise names a member (importlib.metadata's Distribution.read_text).
    if name == "read_text":
        return not call.args
    if name == "write_text":
        return len(call.args) < 2
    if name == "open" and owner == "os":  # a file descriptor, no text
        return False
    builtin = isinstance(func, ast.Name) or owner in ("io", "builtins", "codecs")
    if name == "fdopen" or (name == "open" and builtin):
        mode = _keyword(call, "mode") or (call.args[1] if len(call.args) > 1 else None)
        return _text_mode(mode, "r")
    if name == "open":  # Path.open(mode); a zip member's open(name, ...) takes no mode first
        mode = _keyword(call, "mode") or (call.args[0] if call.args else None)
        return _text_mode(mode, "r")
    if name in _TEMPFILES:
        mode = _keyword(call, "mode") or (call.args[0] if call.args else None)
        return _text_mode(mode, "w+b")
    if name in _SUBPROCESS and (isinstance(func, ast.Name) or owner == "subprocess"):
        text = _keyword(call, "text") or _keyword(call, "universal_newlines")
        return not (text is None or (isinstance(text, ast.Constant) and not text.value))
    return False


def _sources() -> list[Path]:
    files = [ROOT / "build.spec"]
    for folder in ("planner", "scripts", "tests", "packaging"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return [f for f in files if f.is_file()]


def test_no_source_opens_text_without_naming_its_encoding() -> None:
    found = []
    for path in _sources():
        name = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _opens_text_without_encoding(node):
                found.append(f"{name}:{node.lineno}: {ast.unparse(node)[:100]}")
    assert found == [], "name the encoding (encoding='utf-8'):\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("code", "flagged"),
    [
        ("open(p)", True),
        ("open(p, 'w')", True),
        ("open(p, 'rb')", False),
        ("open(p, encoding='utf-8')", False),
        ("io.open(p, mode='a')", True),
        ("os.open(p, os.O_RDONLY)", False),
        ("os.fdopen(fd, 'w')", True),
        ("os.fdopen(fd, 'wb')", False),
        ("path.open()", True),
        ("path.open('rb')", False),
        ("(root / name).open('rb')", False),
        ("(root / name).open()", True),
        ("archive.open(info)", False),
        ("zf.open(name, 'w')", False),
        ("path.read_text()", True),
        ("path.write_text(s, encoding='utf-8')", False),
        ("path.write_text(s)", True),
        ("dist.read_text('WHEEL')", False),
        ("subprocess.run(cmd, text=True)", True),
        ("subprocess.run(cmd, capture_output=True)", False),
        ("subprocess.Popen(cmd, universal_newlines=True, encoding='utf-8')", False),
        ("tempfile.NamedTemporaryFile('w')", True),
        ("tempfile.NamedTemporaryFile()", False),
        ("io.TextIOWrapper(raw)", True),
        ("logging.FileHandler(p)", True),
    ],
)
def test_the_source_check_tells_text_from_bytes(code: str, flagged: bool) -> None:
    call = ast.parse(code, mode="eval").body
    assert isinstance(call, ast.Call)
    assert _opens_text_without_encoding(call) is flagged


# ------------------------------------------------------------------ line endings


def test_shell_scripts_check_out_with_lf_on_windows_too() -> None:
    """.gitattributes: a script with a shebang keeps LF under core.autocrlf."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode("utf-8", errors="surrogateescape")
    scripts = []
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as head:
                if head.read(2) == b"#!":
                    scripts.append(name)
    assert "scripts/install-system-packages" in scripts
    eol = subprocess.run(
        ["git", "check-attr", "eol", "--", *scripts],
        cwd=ROOT,
        capture_output=True,
        encoding="utf-8",
        check=True,
    ).stdout.splitlines()
    assert [line for line in eol if not line.endswith(": eol: lf")] == []
