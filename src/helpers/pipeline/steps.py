"""The replaceable parts of a build (`BuildSteps`): validation, loading, preflight, the measures,
the section plan and the notebook executor. The project's own are `BuildSteps.project()`;
tests replace some with fixtures (`main(argv, steps=BuildSteps(...))`).

What the build may do with the steps' results is said by three flags, not inferred from which
functions the steps are: a test's loader need not read files, nor its measures be
`MeasureResult`s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from helpers.core.config import Settings
from helpers.core.quarters import FinancialQuarter
from helpers.pipeline.plan import PlannedNotebook, report_plan
from helpers.pipeline.worker import NotebookJob, NotebookOutcome, execute_section


class Inputs(Protocol):
    """What the build needs of `helpers.inputs.datasets.InputData`."""

    files: Mapping[str, str]
    latest_quarter: Any
    missing: Any


def validate_inputs(data_dir: Path) -> Sequence[Any]:
    """The project's validation (`helpers.inputs.validation.validate_inputs`)."""
    from helpers.inputs.validation import validate_inputs as validate

    return validate(data_dir)


def load_inputs(data_dir: Path) -> Inputs:
    """The project's inputs (`helpers.inputs.datasets.load_inputs`; lazy: files are read when
    a table is first used)."""
    from helpers.inputs.datasets import load_inputs as load

    return load(data_dir)


def measures_table(inputs: Any, quarter: FinancialQuarter, force: str, settings: Settings) -> Any:
    """measures.csv as a table (`helpers.present.measures_table.measures_table_for`)."""
    from helpers.present.measures_table import measures_table_for

    return measures_table_for(inputs, quarter, force, settings)


def preflight(
    inputs: Any, wanted: str | None, force: str, settings: Settings, sections: Sequence[str]
) -> Any:
    """The quarter resolved against the data, and the report's warnings
    (`helpers.inputs.preflight.check_report`)."""
    from helpers.inputs.preflight import check_report

    return check_report(inputs, wanted, force, settings, sections)


@dataclass(frozen=True)
class BuildSteps:
    """The replaceable parts of a build; the defaults are the project's functions, the flags
    off (`BuildSteps.project()` turns them on)."""

    validate: Callable[[Path], Sequence[Any]] = validate_inputs
    load_inputs: Callable[[Path], Inputs] = load_inputs
    measures_table: Callable[[Any, FinancialQuarter, str, Settings], Any] = measures_table
    # The quarter (resolved against the data) and the report's warnings; raises before any
    # output is touched for a quarter or population year the data do not cover.
    preflight: Callable[[Any, str | None, str, Settings, Sequence[str]], Any] = preflight
    plan: Callable[[], list[PlannedNotebook]] = report_plan
    execute: Callable[[NotebookJob], NotebookOutcome] = execute_section
    # Validation and preflight are a function of the input files' content (the project's, with
    # its lazy loader): their results are cached on the files' SHA-256 and skipped next time.
    cache_checks: bool = False
    # The measures are the project's `MeasureResult`s (`measuring.measure_results`): computed once,
    # pickled for the notebooks to reuse with the inputs' tables, cached on content.
    share_measures: bool = False
    # A single build may start its own PDF worker while it makes the HTML (a test's build
    # makes its PDF in-process).
    pdf_worker: bool = False

    @classmethod
    def project(cls) -> BuildSteps:
        """The project's own steps, with everything their results allow."""
        return cls(cache_checks=True, share_measures=True, pdf_worker=True)


__all__ = [
    "BuildSteps",
    "Inputs",
    "load_inputs",
    "measures_table",
    "preflight",
    "validate_inputs",
]
