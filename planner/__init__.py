"""Mining planner: fleet, power contracts and halving-aware cash flow for Bitcoin miners."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mining-planner")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
