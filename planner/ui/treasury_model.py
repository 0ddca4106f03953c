"""The company's treasury settings as a two-column property table (setting, value), as
the Finance tab shows its settings. A project with no treasury shows the defaults; its
first edit creates the settings, in one undo step."""

from __future__ import annotations

from collections.abc import Sequence

from planner.domain import editing as ed
from planner.domain import schema
from planner.domain.project import Project
from planner.domain.treasury import TreasurySettings
from planner.ui.document import ProjectDocument
from planner.ui.table_model import FinanceModel

SECTION = "treasury"
DEFAULTS = TreasurySettings()


class TreasuryModel(FinanceModel):
    """The treasury settings (schema.TREASURY_COLUMNS), a row each; edits and pastes go
    through editing.set_treasury_many, refused cells are marked and named."""

    section = SECTION
    show_tips = True

    def __init__(self, document: ProjectDocument):
        super().__init__(document)
        self.settings = schema.TREASURY_COLUMNS

    def current(self) -> TreasurySettings:
        """The project's treasury settings, or the defaults it would start from."""
        return self.document.project.treasury or DEFAULTS

    def edit_many(self, project: Project, edits: Sequence[tuple[str, str]]) -> Project:
        return ed.set_treasury_many(project, edits)
