"""The inputs checked before anything runs (helpers.pipeline.checks), and their cache."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from helpers.core.exceptions import InputProblem, InputValidationError, QuarterError
from helpers.pipeline.checks import check_inputs
from helpers.pipeline.incremental import BuildCache
from helpers.pipeline.plan import BuildOptions, resolve_request
from helpers.pipeline.progress import EXIT_FAILED, EXIT_USAGE, BuildLog, BuildRecord, StopBuild
from helpers.pipeline.steps import BuildSteps


class Inputs:
    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.latest_quarter = "2024-03"
        self.missing = ()


class Checked:
    def __init__(self, quarter: str) -> None:
        from helpers.core.quarters import FinancialQuarter

        self.quarter = FinancialQuarter.parse(quarter)
        self.warnings = ["a population year is missing"]


def _check(tmp_path: Path, calls: list[str], files: dict[str, str], **steps):
    def validate(data_dir):
        calls.append("validate")
        return [InputProblem("prc.csv", "3 negative counts")]

    def preflight(inputs, wanted, force, settings, sections):
        calls.append("preflight")
        return Checked("2024-03")

    parts = {
        "validate": validate,
        "load_inputs": lambda data_dir: Inputs(files),
        "preflight": preflight,
        "plan": lambda: [],
    }
    the_steps = BuildSteps(**(parts | steps))
    request = resolve_request(BuildOptions(data_dir=str(tmp_path)), the_steps.plan)
    record = BuildRecord()
    cache = BuildCache(tmp_path / "outputs")
    changed: list[str] = []
    checked = check_inputs(
        request,
        the_steps,
        cache,
        BuildLog(io.StringIO()),
        record,
        on_change=lambda: changed.append("changed"),
    )
    return checked, record, changed


def test_cached_checks_skip_validation_until_a_file_changes(tmp_path):
    calls: list[str] = []
    files = {"prc.csv": "aa"}
    first, record, changed = _check(tmp_path, calls, files, cache_checks=True)
    assert calls == ["validate", "preflight"] and changed == ["changed"]
    assert first.quarter.code == "2024-03" and not first.cached
    assert record.warnings == ["prc.csv: 3 negative counts", "a population year is missing"]

    again, record, changed = _check(tmp_path, calls, files, cache_checks=True)
    assert calls == ["validate", "preflight"] and changed == []  # nothing ran again
    assert again.cached and again.quarter == first.quarter
    assert record.warnings == ["prc.csv: 3 negative counts", "a population year is missing"]

    _check(tmp_path, calls, {"prc.csv": "ab"}, cache_checks=True)
    assert calls == ["validate", "preflight"] * 2


def test_checks_of_steps_not_said_cacheable_always_run(tmp_path):
    calls: list[str] = []
    for _ in range(2):
        checked, _, changed = _check(tmp_path, calls, {"prc.csv": "aa"})
        assert not checked.cached and changed == []
    assert calls == ["validate", "preflight"] * 2


def test_bad_inputs_and_an_uncovered_quarter_stop_the_build(tmp_path):
    def invalid(data_dir):
        raise InputValidationError([InputProblem("prc.csv", "count is negative", row=7)])

    def uncovered(*args):
        raise QuarterError("2030-03 is after the latest quarter in the data")

    with pytest.raises(StopBuild) as stop:
        _check(tmp_path, [], {}, validate=invalid)
    assert stop.value.status == EXIT_FAILED
    with pytest.raises(StopBuild) as stop:
        _check(tmp_path, [], {}, preflight=uncovered)
    assert stop.value.status == EXIT_USAGE
