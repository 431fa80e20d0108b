"""The project's exceptions: a small hierarchy that carries the context a person needs to act.

Every error an analyst can cause by supplying data or parameters derives from `ReportError`,
so the build can catch it, print it plainly (no traceback) and exit non-zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ReportError(Exception):
    """Base class for every error the build reports to a person."""


class QuarterError(ReportError, ValueError):
    """A quarter was written in a form the report does not accept, or is outside the data."""


class ConfigError(ReportError):
    """A parameter file or a parameter value is wrong (unknown force, bad trend method, ...)."""


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with one input file, located as precisely as it can be."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: object | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = f"{', '.join(where)}: {self.message}"
        if self.value is not None:
            text += f" (found {self.value!r})"
        return text


class InputValidationError(ReportError):
    """One or more input files break their data contract. Raised before any notebook runs."""

    def __init__(self, problems: Sequence[InputProblem]):
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = len(self.problems) - 50
        if more > 0:
            shown += f"\n  ... and {more} more"
        super().__init__(f"{len(self.problems)} problem(s) in the input data:\n{shown}")


class SectionFailed(ReportError):
    """A section notebook raised while executing."""

    def __init__(self, section: str, cell: int | None, exception: str, detail: str = ""):
        self.section = section
        self.cell = cell
        self.exception = exception
        self.detail = detail
        where = f"cell {cell}" if cell is not None else "unknown cell"
        super().__init__(f"section '{section}' failed at {where}: {exception}")


class BuildLocked(ReportError):
    """Another build is writing the same output folder (its lock file is held)."""

    def __init__(self, lock_path: str, holder: str = ""):
        self.lock_path = lock_path
        self.holder = holder
        who = f" ({holder})" if holder else ""
        super().__init__(
            f"another build{who} is writing this report; wait for it to finish. "
            f"Lock: {lock_path} (released automatically when that build exits)"
        )


class RenderError(ReportError):
    """The HTML pages or the PDF could not be made (or would not work offline)."""


class BuildFailed(ReportError):
    """The build did not complete: some sections or steps failed. The previous report is kept."""

    def __init__(self, message: str, failures: Sequence[SectionFailed] = ()):
        self.failures = list(failures)
        super().__init__(message)


class InputNotSupplied(ReportError, LookupError):
    """An optional input (a local extract, a national file) is not in the data folder.

    Sections that need it say "local data not supplied"; `InputData.missing` lists such sources.
    """

    def __init__(self, source: str, path: str, description: str = ""):
        self.source = source
        self.path = path
        what = f" ({description})" if description else ""
        super().__init__(f"input '{source}'{what} not supplied: nothing at {path}")
