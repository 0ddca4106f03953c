"""The windowed app (the Windows GUI executable, pythonw): no console, sys.stdout and
sys.stderr are None. Every message is a message box, never PyInstaller's dialog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from planner import cli
from planner.ui import errors

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sample_project.json"


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool, str | None]]:
    """The message boxes the app shows, recorded instead."""
    shown: list[tuple[str, bool, str | None]] = []

    def show(text: str, *, error: bool, detail: str | None = None) -> None:
        shown.append((text, error, detail))

    monkeypatch.setattr(errors, "show_message", show)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    return shown


def no_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in the windowed app. Called in the test itself: pytest sets its own capturing
    streams again between a fixture and the test."""
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)


def test_a_bad_project_file_is_a_message_box(
    tmp_path: Path, boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_console(monkeypatch)
    bad = tmp_path / "bad.mplan"
    bad.write_text('{"schema_version": 2,', encoding="utf-8")
    hook = sys.excepthook
    assert cli.main([str(bad)]) == cli.EXIT_USAGE
    [(text, error, _)] = boxes
    assert error and "bad.mplan" in text and text.startswith("planner: error:")
    assert sys.excepthook is hook


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["report", "--no-such-flag", str(SAMPLE)], "unrecognized arguments: --no-such-flag"),
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        (["report"], "the following arguments are required: project"),
        (["report", str(SAMPLE), "--months", "0"], "--months"),
    ],
)
def test_a_bad_flag_is_a_message_box(
    boxes, monkeypatch: pytest.MonkeyPatch, argv: list[str], words: str
) -> None:
    no_console(monkeypatch)
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    assert stopped.value.code == cli.EXIT_USAGE
    [(text, error, _)] = boxes
    assert error and words in text


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        (["--help"], "usage: planner [-h] [--version]"),
        (["report", "--help"], "usage: planner report [-h]"),
        (["--screenshot", "x.png", "--help"], "usage: planner [-h] [--screenshot OUT.png]"),
        (["--version"], "planner "),
    ],
)
def test_help_and_version_are_an_information_box(
    boxes, monkeypatch: pytest.MonkeyPatch, argv: list[str], start: str
) -> None:
    no_console(monkeypatch)
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    assert stopped.value.code == 0
    [(text, error, _)] = boxes
    assert not error and text.startswith(start)


def test_command_output_is_one_information_box(boxes, monkeypatch: pytest.MonkeyPatch) -> None:
    no_console(monkeypatch)
    assert cli.main(["schema"]) == 0
    [(text, error, _)] = boxes
    assert not error and json.loads(text)["title"]


def test_an_unexpected_exception_is_logged_and_a_message_box(
    boxes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    no_console(monkeypatch)

    def broken(_args) -> int:
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(cli, "cmd_schema", broken)
    hook = sys.excepthook
    assert cli.main(["schema"]) == cli.EXIT_UNEXPECTED
    [(text, error, detail)] = boxes
    log = tmp_path / "data" / "logs" / errors.LOG_NAME  # PLANNER_DATA_DIR, tests/ui/conftest.py
    assert error and "RuntimeError: the engine fell over" in text and str(log) in text
    assert detail is not None and "Traceback" in detail and "in broken" in detail
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError: the engine fell over" in logged
    assert sys.excepthook is hook


def test_an_exception_in_the_open_window_is_logged_and_a_message_box(
    boxes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Qt reports an exception raised in a slot through sys.excepthook and carries on."""
    no_console(monkeypatch)

    def window(*_args) -> int:
        try:
            raise ValueError("a slot failed")
        except ValueError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
        return 0

    monkeypatch.setattr("planner.ui.app.run_gui", window)
    assert cli.main([str(SAMPLE)]) == 0
    [(text, error, _)] = boxes
    assert error and text.startswith("An unexpected error occurred")
    assert "ValueError: a slot failed" in text
    assert "a slot failed" in (tmp_path / "data" / "logs" / errors.LOG_NAME).read_text(
        encoding="utf-8"
    )


def test_an_unwritable_log_is_said_in_the_box(
    boxes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    no_console(monkeypatch)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setattr(errors, "log_dir", lambda: blocker / "logs")
    monkeypatch.setattr(cli, "cmd_schema", lambda _args: 1 / 0)
    assert cli.main(["schema"]) == cli.EXIT_UNEXPECTED
    [(text, error, detail)] = boxes
    assert error and "ZeroDivisionError" in text and "could not be saved" in text
    assert detail is not None and "Traceback" in detail


def test_the_message_box_is_a_real_one(qapp, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    seen = []

    def exec_(box: QMessageBox) -> int:
        seen.append((box.icon(), box.windowTitle(), box.text(), box.detailedText()))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    errors.show_message("planner: error: x.mplan: invalid JSON", error=True, detail="trace")
    errors.show_message("usage: planner", error=False)
    assert seen == [
        (
            QMessageBox.Icon.Critical,
            "Mining planner",
            "planner: error: x.mplan: invalid JSON",
            "trace",
        ),
        (QMessageBox.Icon.Information, "Mining planner", "usage: planner", ""),
    ]


def test_the_screenshot_mode_without_a_console(
    boxes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("planner.ui.app.use_scratch_profile", lambda: None)  # conftest's
    no_console(monkeypatch)
    out = tmp_path / "shot.png"
    assert cli.main(["--screenshot", str(out)]) == 0
    [(text, error, _)] = boxes
    assert not error and "1600 x 1000 PNG" in text and out.stat().st_size > 0


# ------------------------------------------------------- output the console cannot encode


def test_a_name_the_console_cannot_encode_is_escaped_not_a_crash(tmp_path: Path) -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["name"] = "₿ treasury — 2028"
    path = tmp_path / "bitcoin.mplan"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONUTF8": "0"}
    for extra in ([], ["--json"]):
        done = subprocess.run(
            [sys.executable, "-m", "planner", "report", str(path), "--paths", "200", *extra],
            cwd=ROOT,
            capture_output=True,
            env=env,
            timeout=120,
            check=False,
        )
        stderr = done.stderr.decode("cp1252", errors="replace")
        assert done.returncode == 0, stderr
        assert "Traceback" not in stderr and stderr == ""
        stdout = done.stdout.decode("cp1252")
        if extra:  # the escape is JSON's own: the name comes back whole
            assert json.loads(stdout)["project"] == "₿ treasury — 2028"
        else:
            assert "\\u20bf treasury — 2028" in stdout
