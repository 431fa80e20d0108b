"""The build's worker processes (helpers.pipeline.pool): section workers shared between builds,
and PDF workers. The executors here stand in for papermill (no kernel: `warm_kernels=False`)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from helpers.pipeline.interrupts import terminate_as_interrupt
from helpers.pipeline.plan import PlannedNotebook
from helpers.pipeline.pool import NotebookPool, PdfWorkers, stop_workers
from helpers.pipeline.worker import NotebookJob, NotebookOutcome


def _job(tmp_path: Path, name: str) -> NotebookJob:
    spec = PlannedNotebook(name, 1, name.title(), None, tmp_path / f"{name}.ipynb")
    return NotebookJob(spec=spec, output=tmp_path / f"{name}.out.ipynb", parameters={})


def report_pid(job: NotebookJob) -> NotebookOutcome:
    return NotebookOutcome(job.spec.id, True, 0.0, messages=(str(os.getpid()),))


def raise_for_bad(job: NotebookJob) -> NotebookOutcome:
    if job.spec.id == "bad":
        raise ValueError("no such column 'count'")
    return report_pid(job)


def die_for_bad(job: NotebookJob) -> NotebookOutcome:
    if job.spec.id == "bad":
        os._exit(3)  # a worker killed mid-notebook (out of memory, a crash)
    return report_pid(job)


def _run(pool: NotebookPool, jobs: list[NotebookJob], execute) -> list[tuple[NotebookOutcome, str]]:
    recorded: list[tuple[NotebookOutcome, str]] = []
    pool.run(jobs, execute, lambda outcome, job, counter: recorded.append((outcome, counter)))
    return recorded


def test_every_job_is_recorded_once_with_its_counter(tmp_path):
    jobs = [_job(tmp_path, n) for n in ("a", "b", "c")]
    with NotebookPool(2, warm_kernels=False) as pool:
        recorded = _run(pool, jobs, report_pid)
    assert sorted(o.id for o, _ in recorded) == ["a", "b", "c"]
    assert [c for _, c in recorded] == ["[1/3]", "[2/3]", "[3/3]"]
    assert all(o.ok for o, _ in recorded)
    assert len({o.messages[0] for o, _ in recorded}) <= 2  # two workers at most


def test_the_same_workers_serve_successive_builds(tmp_path):
    """A batch's pool: the second force's notebooks run in the processes (and so the warm
    kernels) the first force's ran in."""
    with NotebookPool(2, warm_kernels=False) as pool:
        pool.start()
        workers = {str(pid) for pid in pool.worker_pids()}
        first = {o.messages[0] for o, _ in _run(pool, [_job(tmp_path, "a")] * 6, report_pid)}
        second = {o.messages[0] for o, _ in _run(pool, [_job(tmp_path, "b")] * 6, report_pid)}
        assert {str(pid) for pid in pool.worker_pids()} == workers
    assert len(workers) == 2 and str(os.getpid()) not in workers
    assert first <= workers and second <= workers


def test_an_exception_in_a_worker_fails_that_job_only(tmp_path):
    jobs = [_job(tmp_path, n) for n in ("ok", "bad", "fine")]
    with NotebookPool(1, warm_kernels=False) as pool:
        recorded = {o.id: o for o, _ in _run(pool, jobs, raise_for_bad)}
    assert recorded["ok"].ok and recorded["fine"].ok
    bad = recorded["bad"]
    assert not bad.ok and bad.ename == "ValueError" and "no such column" in bad.evalue
    assert "raise_for_bad" in bad.traceback


def test_a_dead_worker_fails_its_job_and_the_next_build_gets_new_workers(tmp_path):
    with NotebookPool(1, warm_kernels=False) as pool:
        recorded = {o.id: o for o, _ in _run(pool, [_job(tmp_path, "bad")], die_for_bad)}
        assert recorded["bad"].ename == "WorkerDied"
        again = _run(pool, [_job(tmp_path, "next")], die_for_bad)
    assert [o.ok for o, _ in again] == [True]


def test_the_pool_writes_a_kernelspec_for_this_interpreter_and_removes_it(tmp_path):
    pool = NotebookPool(1, warm_kernels=False)
    spec = Path(pool.kernel.resource_dir)
    assert (spec / "kernel.json").is_file()
    assert os.path.realpath(pool.kernel.executable) == os.path.realpath(os.sys.executable)
    pool.close()
    assert not spec.exists()
    with pytest.raises(RuntimeError, match="closed"):
        pool.run([_job(tmp_path, "a")], report_pid, lambda *a: None)


def test_stop_ends_the_workers_at_once(tmp_path):
    pool = NotebookPool(2, warm_kernels=False).start()
    pids = {o.messages[0] for o, _ in _run(pool, [_job(tmp_path, "a")] * 4, report_pid)}
    pool.stop()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            # gone, or a zombie already reaped: either way not running
            os.kill(int(pid), 0)


def test_workers_stopped_during_a_build_exit_without_a_traceback(tmp_path, capfd):
    """A build installs its SIGTERM handler before it starts its workers (forked, they inherit
    it); stopping them (a refused input, Ctrl-C) must not print their tracebacks."""
    with terminate_as_interrupt():
        pool = NotebookPool(2, warm_kernels=False).start()
        _run(pool, [_job(tmp_path, "a")] * 2, report_pid)
        pids = pool.worker_pids()
        pool.stop()
    assert pids
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err, captured.err
    assert "_Terminated" not in captured.err


def _slow_start() -> None:
    time.sleep(5)


def test_a_worker_stopped_before_its_start_exits_without_a_traceback(capfd):
    """Between the fork and a worker's own handler, the worker holds the build's; stopped
    there (a refusal found at once), it must exit quietly too."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with terminate_as_interrupt():
        executor = ProcessPoolExecutor(
            2, mp_context=multiprocessing.get_context("fork"), initializer=_slow_start
        )
        executor.submit(os.getpid)
        # Wait (on a loaded machine, as long as it takes) until both workers are forked and
        # running their slow initializer, then stop them there.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (
            len(executor._processes) == 2
            and all(p.is_alive() for p in executor._processes.values())
        ):
            time.sleep(0.05)
        time.sleep(0.3)
        processes = list(executor._processes.values())
        stop_workers(executor)
    # The executor's own management thread also reaps its workers: a process it reaped first
    # shows no exit code to this thread until that thread has stored it, a moment later.
    deadline = time.monotonic() + 10
    while any(p.exitcode is None for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p.exitcode for p in processes] == [143, 143]
    err = capfd.readouterr().err
    assert "Traceback" not in err and "_Terminated" not in err, err


def test_a_pool_needs_a_worker():
    with pytest.raises(ValueError, match="at least one worker"):
        NotebookPool(0)


def test_pdf_workers_write_the_pdf_in_another_process(tmp_path):
    page = (
        '<!DOCTYPE html><html lang="en"><head><title>T</title></head>'
        "<body><h1>Report</h1><p>Text.</p></body></html>"
    )
    workers = PdfWorkers(1).start()
    try:
        info, seconds = workers.submit(page, tmp_path / "r.pdf", str(tmp_path)).result(120)
    finally:
        workers.close()
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
    assert info.pages == 1 and info.page_size_mm == (210.0, 297.0)
    assert seconds > 0


def test_pdf_workers_replace_a_dead_worker(tmp_path):
    from concurrent.futures.process import BrokenProcessPool

    page = '<!DOCTYPE html><html lang="en"><head><title>T</title></head><body>x</body></html>'
    workers = PdfWorkers(1)
    try:
        with pytest.raises(BrokenProcessPool):
            workers._pool().submit(os._exit, 3).result(60)
        info, _ = workers.submit(page, tmp_path / "r.pdf", None).result(120)
    finally:
        workers.close()
    assert info.pages == 1
