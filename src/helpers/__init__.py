"""Shared code of the quarterly police and crime performance report.

One module per concern: `quarters` (financial quarters), `forces` (names, codes, MSGs), `config`
(settings and the measure catalogue), `rolling`, `rates`, `intervals`, `benchmark`, `trends`
(statistics), `schemas`, `validation`, `datasets`, `sample_data` (inputs), `measures` (the measures
table), `charts`, `narrative`, `tables` (presentation), `build` (the pipeline).
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
