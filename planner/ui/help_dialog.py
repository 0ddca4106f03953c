"""Help: the user guide (docs/user-guide.md) and its keyboard-shortcuts table, each in a
non-modal dialog with a search field (Ctrl+F; Enter or F3 finds the next match) and, for
the guide, a list of its headings. The guide is found beside the package in a source
checkout and inside the bundle when frozen (build.spec ships it); when it cannot be read
the dialog says so instead of failing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from planner.io.resources import doc_path

GUIDE_NAME = "user-guide.md"
SHORTCUTS_HEADING = "Keyboard shortcuts"
GUIDE_OBJECT = "userGuide"
SHORTCUTS_OBJECT = "keyboardShortcuts"


def guide_path() -> Path:
    """Where the user guide is: docs/ beside the package, or in the bundle."""
    return doc_path(GUIDE_NAME)


def read_guide(path: Path | None = None) -> tuple[str, bool]:
    """The guide's Markdown and True, or a page saying why it could not be read and
    False."""
    path = guide_path() if path is None else path
    try:
        return path.read_text(encoding="utf-8"), True
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return (
            "# User guide not found\n\n"
            f"The planner could not read its user guide at `{path}` ({reason}).\n\n"
            "The planner itself works as usual. The guide is `docs/user-guide.md` in the "
            "planner's source; a reinstall of the app restores it.\n"
        ), False


def section(markdown: str, heading: str) -> str:
    """The part of `markdown` under the level-2 heading `heading`, heading included, up to
    the next heading of level 1 or 2; "" when there is none."""
    lines = markdown.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == f"## {heading}"), None)
    if start is None:
        return ""
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if lines[i].startswith("# ") or lines[i].startswith("## ")
        ),
        len(lines),
    )
    return "\n".join(lines[start:end]).strip() + "\n"


class GuideDialog(QDialog):
    """A Markdown page in a browser, with a search field and, optionally, its headings."""

    def __init__(
        self,
        markdown: str,
        title: str,
        parent: QWidget | None = None,
        with_contents: bool = True,
        found: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        self.found = found  # False: the guide could not be read; the page says why
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.document().setMarkdown(
            markdown, QTextDocument.MarkdownFeature.MarkdownDialectGitHub
        )
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find (Ctrl+F; Enter or F3: next)")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.find_next)
        self.search.textEdited.connect(self._search_edited)
        previous_button = QPushButton("Previous")
        previous_button.clicked.connect(self.find_previous)
        next_button = QPushButton("Next")
        next_button.clicked.connect(self.find_next)
        self.status = QLabel("")
        self.contents = QListWidget()
        self.contents.itemActivated.connect(self._heading_chosen)
        self.contents.itemClicked.connect(self._heading_chosen)
        self._heading_positions: list[int] = []
        self._fill_contents()
        self._add_actions()

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Find:"))
        bar.addWidget(self.search, 1)
        bar.addWidget(previous_button)
        bar.addWidget(next_button)
        bar.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        # Enter in the search field finds; it must not also press a dialog button.
        for button in (previous_button, next_button, *buttons.buttons()):
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
                button.setDefault(False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        if with_contents:
            split = QSplitter(Qt.Orientation.Horizontal)
            split.addWidget(self.contents)
            split.addWidget(self.browser)
            split.setStretchFactor(0, 1)
            split.setStretchFactor(1, 4)
            split.setSizes([220, 760])
            layout.addWidget(split, 1)
        else:
            self.contents.hide()
            layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(1000 if with_contents else 760, 720 if with_contents else 620)

    # ---- headings
    def headings(self) -> list[tuple[int, str]]:
        """Every heading of the page: (level, text), in order."""
        out = []
        block = self.browser.document().begin()
        while block.isValid():
            level = block.blockFormat().headingLevel()
            if level > 0:
                out.append((level, block.text()))
            block = block.next()
        return out

    def _fill_contents(self) -> None:
        block = self.browser.document().begin()
        while block.isValid():
            level = block.blockFormat().headingLevel()
            if 0 < level <= 3:
                item = QListWidgetItem("    " * max(level - 2, 0) + block.text())
                item.setData(Qt.ItemDataRole.UserRole, len(self._heading_positions))
                self.contents.addItem(item)
                self._heading_positions.append(block.position())
            block = block.next()

    def _heading_chosen(self, item: QListWidgetItem) -> None:
        self.go_to_position(self._heading_positions[int(item.data(Qt.ItemDataRole.UserRole))])

    def go_to_position(self, position: int) -> None:
        """Put the block at `position` at the top of the view."""
        document = self.browser.document()
        block = document.findBlock(position)
        cursor = QTextCursor(block)
        self.browser.setTextCursor(cursor)
        top = document.documentLayout().blockBoundingRect(block).top()
        self.browser.verticalScrollBar().setValue(int(top))

    # ---- search
    def _add_actions(self) -> None:
        for keys, slot in (
            (
                [QKeySequence("Ctrl+F"), QKeySequence(QKeySequence.StandardKey.Find)],
                self.focus_search,
            ),
            ([QKeySequence("F3"), QKeySequence(QKeySequence.StandardKey.FindNext)], self.find_next),
            (
                [QKeySequence("Shift+F3"), QKeySequence(QKeySequence.StandardKey.FindPrevious)],
                self.find_previous,
            ),
        ):
            action = QAction(self)
            unique = list(dict.fromkeys(k for k in keys if not k.isEmpty()))
            action.setShortcuts(unique)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _search_edited(self, _text: str) -> None:
        self.status.setText("")

    def find_next(self) -> bool:
        return self.find_text(self.search.text(), backward=False)

    def find_previous(self) -> bool:
        return self.find_text(self.search.text(), backward=True)

    def find_text(self, text: str, backward: bool = False) -> bool:
        """Select the next (or previous) match of `text`, case ignored, wrapping at the
        end; True when there is one, and the view shows it."""
        text = text.strip()
        if not text:
            self.status.setText("")
            return False
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        if self.browser.find(text, flags):
            self.status.setText("")
            return True
        # Wrap: from the other end.
        cursor = self.browser.textCursor()
        cursor.movePosition(
            QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start
        )
        self.browser.setTextCursor(cursor)
        if self.browser.find(text, flags):
            self.status.setText("Wrapped")
            return True
        self.status.setText("Not found")
        return False


def _show(dialog: GuideDialog) -> GuideDialog:
    first_time = not dialog.isVisible() and dialog.search.text() == ""
    if dialog.isVisible():  # already open, perhaps behind the window: bring it up
        dialog.raise_()
        dialog.activateWindow()
        return dialog
    dialog.show()
    if first_time:
        dialog.browser.moveCursor(QTextCursor.MoveOperation.Start)
        dialog.browser.verticalScrollBar().setValue(0)
    return dialog


def _existing(parent: QWidget | None, name: str) -> GuideDialog | None:
    if parent is None:
        return None
    return parent.findChild(GuideDialog, name, Qt.FindChildOption.FindDirectChildrenOnly)


def show_user_guide(parent: QWidget | None = None) -> QDialog:
    """Help > User guide: the guide in a non-modal dialog (the same one again if it is
    open or was closed)."""
    dialog = _existing(parent, GUIDE_OBJECT)
    if dialog is None:
        markdown, found = read_guide()
        dialog = GuideDialog(markdown, "Mining planner: user guide", parent, True, found)
        dialog.setObjectName(GUIDE_OBJECT)
    return _show(dialog)


def show_shortcuts(parent: QWidget | None = None) -> QDialog:
    """Help > Keyboard shortcuts: the guide's shortcuts tables in a non-modal dialog."""
    dialog = _existing(parent, SHORTCUTS_OBJECT)
    if dialog is None:
        markdown, found = read_guide()
        part = section(markdown, SHORTCUTS_HEADING) if found else ""
        if found and not part:
            markdown, found = (
                "# Keyboard shortcuts\n\nThe user guide has no keyboard shortcuts section.\n",
                False,
            )
        dialog = GuideDialog(part or markdown, "Keyboard shortcuts", parent, False, found)
        dialog.setObjectName(SHORTCUTS_OBJECT)
    return _show(dialog)
