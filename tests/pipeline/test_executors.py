"""Executors (helpers.pipeline.executors): one interface wherever the notebooks run. The job
functions here stand in for papermill (no kernel: `warm_kernels=False`)."""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.pipeline import executors
from helpers.pipeline.build import Build
from helpers.pipeline.executors import (
    DaskExecutor,
    ParallelExecutor,
    SerialExecutor,
    executor_for,
)
from helpers.pipeline.plan import BuildOptions, PlannedNotebook
from helpers.pipeline.steps import BuildSteps
from helpers.pipeline.worker import NotebookJob, NotebookOutcome

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notebooks"


class Inputs:
    def __init__(self) -> None:
        self.files = {"prc/offences.csv": "ab" * 32}
        self.latest_quarter = "2024-03"
        self.missing = ()


def _jobs(tmp_path: Path, *names: str) -> list[NotebookJob]:
    tmp_path.mkdir(exist_ok=True)
    return [
        NotebookJob(
            spec=PlannedNotebook(name, number, name.title(), None, FIXTURES / "ok.ipynb"),
            output=tmp_path / f"{number:02d}_{name}.ipynb",
            parameters={"force": "Kent"},
        )
        for number, name in enumerate(names, start=1)
    ]


def fake_execute(job: NotebookJob) -> NotebookOutcome:
    """'Executes' by copying; fails one job in the notebook, raises in another."""
    if job.spec.id == "raises":
        raise ValueError("no such column 'count'")
    if job.spec.id == "fails":
        return NotebookOutcome(job.spec.id, False, 0.0, cell=3, ename="KeyError", evalue="x")
    shutil.copyfile(job.spec.notebook, job.output)
    # What the executor told the job: the kernel it runs in, warm or not.
    return NotebookOutcome(job.spec.id, True, 0.0, messages=(job.kernel_name, str(job.warm_kernel)))


def _outcomes(executor, jobs) -> tuple[dict[str, tuple], list[str]]:
    found: dict[str, tuple] = {}
    counters: list[str] = []

    def record(outcome: NotebookOutcome, job: NotebookJob, counter: str) -> None:
        found[outcome.id] = (outcome.ok, outcome.cell, outcome.ename, outcome.evalue)
        counters.append(counter)
        assert job.spec.id == outcome.id

    try:
        executor.start(len(jobs))
        executor.run(jobs, fake_execute, record)
    finally:
        executor.close()
    return found, counters


def test_serial_and_parallel_executors_give_the_same_outcomes(tmp_path):
    names = ("a", "fails", "raises", "b")
    serial, serial_counters = _outcomes(
        SerialExecutor(warm_kernels=False), _jobs(tmp_path / "s", *names)
    )
    parallel, parallel_counters = _outcomes(
        ParallelExecutor(2, warm_kernels=False), _jobs(tmp_path / "p", *names)
    )
    assert serial == parallel
    assert serial["a"][0] and serial["b"][0]
    assert serial["fails"] == (False, 3, "KeyError", "x")
    assert serial["raises"][:3] == (False, None, "ValueError")
    assert "no such column" in serial["raises"][3]
    assert serial_counters == parallel_counters == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]


def test_every_executor_tells_its_jobs_the_kernel_they_run_in(tmp_path):
    for executor in (SerialExecutor(warm_kernels=False), ParallelExecutor(1, warm_kernels=False)):
        seen: list[tuple[str, ...]] = []

        def record(outcome, job, counter, seen=seen):
            seen.append(outcome.messages)

        executor.start(1)
        kernel = executor.kernel
        try:
            executor.run(_jobs(tmp_path, "a"), fake_execute, record)
        finally:
            executor.close()
        assert kernel is not None
        assert os.path.realpath(kernel.executable) == os.path.realpath(sys.executable)
        assert seen == [(kernel.name, "0")]


def test_parallel_executor_runs_no_more_workers_than_notebooks():
    executor = ParallelExecutor(8, warm_kernels=False)
    try:
        assert executor.start(3) == 3
        assert executor.start(10) == 3  # started once: the same workers
    finally:
        executor.stop()


def test_the_command_line_picks_the_executor():
    assert isinstance(executor_for(BuildOptions(scheduler="tcp://10.0.0.5:8786")), DaskExecutor)
    local = executor_for(BuildOptions(jobs=3, warm_kernels=False))
    assert isinstance(local, ParallelExecutor) and local.jobs == 3 and not local.warm_kernels


class RecordingExecutor:
    """An executor of the test's own: runs jobs here and remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.jobs: list[str] = []

    @property
    def kernel(self):
        return None

    def start(self, notebooks: int | None = None) -> int:
        self.calls.append(f"start {notebooks}")
        return 1

    def run(self, jobs, execute, record) -> None:
        self.calls.append("run")
        for done, job in enumerate(jobs, start=1):
            self.jobs.append(job.spec.id)
            record(execute(job), job, executors.counter(done, len(jobs)))

    def close(self) -> None:
        self.calls.append("close")

    def stop(self) -> None:
        self.calls.append("stop")


def _steps() -> BuildSteps:
    plan = [
        PlannedNotebook("summary", 0, "Measures summary", None, FIXTURES / "ok.ipynb"),
        PlannedNotebook("one", 1, "One", "Part", FIXTURES / "ok.ipynb"),
        PlannedNotebook("methods", 90, "Methods", None, FIXTURES / "ok.ipynb"),
    ]
    return BuildSteps(
        validate=lambda d: [],
        load_inputs=lambda d: Inputs(),
        measures_table=lambda *a: pd.DataFrame({"measure": ["homicide"]}),
        plan=lambda: plan,
        execute=fake_execute,
    )


def _build(tmp_path: Path, executor) -> tuple[int, str]:
    (tmp_path / "data").mkdir(exist_ok=True)
    options = BuildOptions(
        data_dir=str(tmp_path / "data"), outputs=str(tmp_path / "outputs"), pdf=False
    )
    out = io.StringIO()
    return Build(options, _steps(), out, executor=executor).run().status, out.getvalue()


def test_the_build_hands_its_jobs_to_the_executor_it_is_given(tmp_path):
    given = RecordingExecutor()
    status, output = _build(tmp_path, given)
    assert status == 0, output
    assert sorted(given.jobs) == ["methods", "one", "summary"]
    # The executor is the caller's (a batch's): the build starts it, never closes it.
    assert given.calls == ["start 3", "run"]
    report = tmp_path / "outputs" / "2024-03" / "avon-and-somerset"
    assert sorted(p.name for p in (report / "notebooks").iterdir()) == [
        "00_summary.ipynb",
        "01_one.ipynb",
        "90_methods.ipynb",
    ]
    assert "[3/3] " in output


@pytest.mark.parametrize("kind", ["serial", "parallel"])
def test_a_build_publishes_the_same_report_with_either_local_executor(tmp_path, kind):
    executor = (
        SerialExecutor(warm_kernels=False)
        if kind == "serial"
        else ParallelExecutor(2, warm_kernels=False)
    )
    try:
        status, output = _build(tmp_path, executor)
    finally:
        executor.close()
    assert status == 0, output
    report = tmp_path / "outputs" / "2024-03" / "avon-and-somerset"
    assert sorted(p.name for p in (report / "sections").iterdir()) == [
        "00_summary.html",
        "01_one.html",
        "89_changes.html",
        "90_methods.html",
    ]


def test_the_serial_executor_runs_real_notebooks_in_one_warm_kernel_here(tmp_path):
    from helpers.pipeline.worker import execute_section

    executor = SerialExecutor()
    jobs = [
        NotebookJob(
            spec=PlannedNotebook(name, number, name, None, FIXTURES / f"{name}.ipynb"),
            output=tmp_path / f"{name}.ipynb",
            parameters={"force": "Kent", "quarter": "2024-03", "data_dir": str(tmp_path)},
        )
        for number, name in enumerate(("ok", "fail"), start=1)
    ]
    found: dict[str, NotebookOutcome] = {}
    before = os.environ.get("JUPYTER_PATH")
    try:
        executor.run(jobs, execute_section, lambda o, j, c: found.update({o.id: o}))
    finally:
        executor.close()
    assert found["ok"].ok and (tmp_path / "ok.ipynb").is_file()
    assert (found["fail"].cell, found["fail"].ename) == (4, "ValueError")
    assert os.environ.get("JUPYTER_PATH") == before  # its kernelspec is gone with it
