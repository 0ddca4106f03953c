"""The Decisions tab as a package: a module per page, the panel that holds them and keeps
the live pages current, and the read-only table the pages show their figures in."""

from planner.ui.decisions.panel import (
    BEST_BUY,
    MONTE_CARLO,
    SCENARIOS,
    SENSITIVITY,
    SWAPS,
    DecisionsPanel,
)

__all__ = ["BEST_BUY", "MONTE_CARLO", "SCENARIOS", "SENSITIVITY", "SWAPS", "DecisionsPanel"]
