"""What a build says and records as it goes: its progress lines (and build.log), the record of
what each stage did (for manifest.json), and its exit statuses."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from helpers.core.exceptions import ReportError
from helpers.core.paths import PROJECT_ROOT
from helpers.pipeline.worker import KernelInfo, NotebookOutcome

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143
_LABEL_WIDTH = 30
# After the count of warnings: the closing summary's list of them (batch.py reads past it).
WARNINGS_HEADER = "warning(s) (also in build.log and manifest.json):"


class StopBuild(Exception):
    """End the build early with an exit status (the reason is already said)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class BuildLog:
    """Progress lines for the terminal, kept (with details) for build.log."""

    def __init__(self, stream: IO[str] | None = None):
        self.stream = stream if stream is not None else sys.stdout
        self.lines: list[str] = []

    def say(self, text: str = "") -> None:
        self.lines.append(text)
        print(text, file=self.stream, flush=True)

    def detail(self, text: str) -> None:
        """Only in build.log."""
        self.lines.extend(text.splitlines() or [""])

    @staticmethod
    def line(label: str, status: str, seconds: float | None, note: str = "") -> str:
        dots = "." * max(3, _LABEL_WIDTH - len(label))
        timing = f"{seconds:6.1f} s" if seconds is not None else ""
        return f"{label} {dots} {status:<6} {timing}{'  ' + note if note else ''}".rstrip()

    def write(self, path: Path) -> None:
        path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")


@dataclass
class BuildRecord:
    """What a build did, filled in stage by stage and written to manifest.json (every field
    is here from the start: a failed build's manifest shows what it reached)."""

    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    section_seconds: dict[str, float] = field(default_factory=dict)
    outcomes: dict[str, NotebookOutcome] = field(default_factory=dict)
    cache_keys: dict[str, str] = field(default_factory=dict)
    reused: set[str] = field(default_factory=set)
    parameters: dict[str, Any] = field(default_factory=dict)
    workers: int | None = None
    kernel: KernelInfo | None = None
    pdf: Any = None  # render.PdfInfo of report.pdf
    report_built: str | None = None  # when the report's content was made (ISO)
    changes: Any = None  # changes.Changes: the comparison with the previous report


@contextlib.contextmanager
def step(log: BuildLog, record: BuildRecord, label: str) -> Iterator[None]:
    """A timed stage: its progress line ("done" or "FAILED") and its time recorded."""
    started = time.perf_counter()
    try:
        yield
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        seconds = time.perf_counter() - started
        record.timings[label] = round(seconds, 3)
        # Why is said once, by whoever stops the build (its failure summary); build.log keeps
        # it beside the step too.
        log.say(log.line(label, "FAILED", seconds))
        log.detail(f"    {label}: {short(exc)}")
        raise
    seconds = time.perf_counter() - started
    record.timings[label] = round(seconds, 3)
    log.say(log.line(label, "done", seconds))


def say_warnings(log: BuildLog, record: BuildRecord) -> None:
    """The build's warnings, once, in its closing summary (success or failure): where each was
    found, build.log alone keeps it."""
    if record.warnings:
        log.say(f"{len(record.warnings)} {WARNINGS_HEADER}")
        for warning in record.warnings:
            log.say(f"  - {warning}")


def short(exc: BaseException) -> str:
    """One line for an exception: its message (a `ReportError`'s says everything)."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}" if not isinstance(exc, ReportError) else first


def display(path: Path) -> str:
    """`path` as the user would type it: relative to here or the project, else absolute."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(PROJECT_ROOT).as_posix()
        except ValueError:
            return str(path)


__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "WARNINGS_HEADER",
    "BuildLog",
    "BuildRecord",
    "StopBuild",
    "display",
    "say_warnings",
    "short",
    "step",
]
