"""The build's first stage: the inputs checked before anything runs or any output is touched.

Validation, loading and preflight (the quarter resolved against the data, the report's
warnings). Bad input stops the build here with every problem listed (exit status 1; a quarter
the data do not cover, 2). With `BuildSteps.cache_checks`, the result is cached on the input
files' SHA-256 (helpers.pipeline.incremental), so a rebuild from the same files skips
validation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from helpers.core.exceptions import InputValidationError, QuarterError, ReportError
from helpers.core.quarters import FinancialQuarter
from helpers.pipeline import hashing
from helpers.pipeline.incremental import BuildCache
from helpers.pipeline.plan import BuildRequest
from helpers.pipeline.progress import (
    EXIT_FAILED,
    EXIT_USAGE,
    BuildLog,
    BuildRecord,
    StopBuild,
    step,
)
from helpers.pipeline.steps import BuildSteps, Inputs


@dataclass(frozen=True)
class CheckedInputs:
    """The inputs a build may use, and the quarter they resolved."""

    inputs: Inputs
    quarter: FinancialQuarter
    cached: bool  # validation skipped: the same files passed the same checks before


def _checks_key(request: BuildRequest, steps: BuildSteps) -> tuple[str | None, Inputs | None]:
    """The key of the validation and preflight results, and the (lazily loaded) inputs it was
    made from; (None, None) unless the steps' checks may be cached."""
    if not steps.cache_checks:
        return None, None
    try:
        # The project's load is lazy: this object becomes the build's inputs, so the files
        # are hashed once.
        inputs = steps.load_inputs(request.data_dir)
        files = inputs.files
    except ReportError:
        return None, None
    key = hashing.digest(
        {
            "files": files,
            "data_dir": str(request.data_dir),
            "helpers": hashing.helpers_digest(),
            "catalogue": hashing.catalogue_digest(),
            "settings": request.settings.as_dict(),
            "quarter": request.quarter_wanted,
            "sections": [s.id for s in request.specs],
        }
    )
    return key, inputs


def check_inputs(
    request: BuildRequest,
    steps: BuildSteps,
    cache: BuildCache,
    log: BuildLog,
    record: BuildRecord,
    *,
    on_change: Callable[[], None] = lambda: None,
) -> CheckedInputs:
    """The checked inputs, from the cache or checked now; `on_change()` is called first when
    cacheable checks must run again (the inputs changed: the build starts its workers)."""
    key, lazy = _checks_key(request, steps)
    cached = cache.checks(key) if key else None
    if cached is not None and lazy is not None:
        started = time.perf_counter()
        quarter = FinancialQuarter.parse(cached["quarter"])
        seconds = time.perf_counter() - started
        log.say(log.line("validate inputs", "cached", seconds, "files unchanged"))
        _warn(log, record, cached["warnings"])
        return CheckedInputs(lazy, quarter, cached=True)
    if key is not None:
        on_change()
    before = len(record.warnings)
    checked = _check_now(request, steps, log, record)
    if key:
        found = {"quarter": checked.quarter.code, "warnings": record.warnings[before:]}
        cache.store_checks(key, found)
    return checked


def _warn(log: BuildLog, record: BuildRecord, warnings: Any) -> None:
    for warning in warnings:
        record.warnings.append(str(warning))
        # Said once, in the build's closing summary; build.log keeps it where it was found.
        log.detail(f"  warning: {warning}")


def _stop_on_input_problems(
    request: BuildRequest, log: BuildLog, exc: InputValidationError
) -> StopBuild:
    log.say("")
    log.say(f"The input data in {request.data_dir} cannot be used; nothing was built:")
    for problem in exc.problems:
        log.say(f"  - {problem}")
    return StopBuild(EXIT_FAILED)


def _check_now(
    request: BuildRequest, steps: BuildSteps, log: BuildLog, record: BuildRecord
) -> CheckedInputs:
    try:
        with step(log, record, "validate inputs"):
            problems = list(steps.validate(request.data_dir) or [])
    except InputValidationError as exc:
        raise _stop_on_input_problems(request, log, exc) from None
    except ReportError as exc:
        log.say(f"error: {exc}")
        raise StopBuild(EXIT_FAILED) from None
    _warn(log, record, problems)
    try:
        with step(log, record, "load inputs"):
            inputs = steps.load_inputs(request.data_dir)
    except ReportError as exc:
        log.say(f"error: {exc}")
        raise StopBuild(EXIT_FAILED) from None
    try:
        checked = steps.preflight(
            inputs,
            request.quarter_wanted,
            request.force.name,
            request.settings,
            [s.id for s in request.specs],
        )
    except QuarterError as exc:
        log.say(f"error: {exc}")
        raise StopBuild(EXIT_USAGE) from None
    except InputValidationError as exc:
        raise _stop_on_input_problems(request, log, exc) from None
    _warn(log, record, checked.warnings)
    return CheckedInputs(inputs, checked.quarter, cached=False)


__all__ = ["CheckedInputs", "check_inputs"]
