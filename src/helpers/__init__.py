"""Shared code of the quarterly police and crime performance report.

Six layers, each a sub-package that imports only those below it (docs/ARCHITECTURE.md):
`core` (quarters, forces, settings), `stats` (rates, intervals, comparisons, trend tests),
`inputs` (contracts, validation, readers), `measures` (the measures table), `present` (words,
charts, pages, PDF) and `pipeline` (the build). This face holds the names a notebook starts from.
"""

from helpers.core.config import Catalogue, Measure, Section, Settings, load_catalogue, load_settings
from helpers.core.exceptions import (
    ConfigError,
    InputProblem,
    InputValidationError,
    QuarterError,
    ReportError,
    SectionFailed,
)
from helpers.core.forces import (
    ENGLAND_AND_WALES,
    Force,
    ForceRegistry,
    canonical_force,
    load_forces,
)
from helpers.core.quarters import FinancialQuarter, quarter_range

__all__ = [
    "ENGLAND_AND_WALES",
    "Catalogue",
    "ConfigError",
    "FinancialQuarter",
    "Force",
    "ForceRegistry",
    "InputProblem",
    "InputValidationError",
    "Measure",
    "QuarterError",
    "ReportError",
    "Section",
    "SectionFailed",
    "Settings",
    "canonical_force",
    "load_catalogue",
    "load_forces",
    "load_settings",
    "quarter_range",
]
