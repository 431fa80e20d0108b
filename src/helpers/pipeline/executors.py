"""Where a build's section notebooks run: executors, one interface for every kind.

Modelled on ploomber's executors (`ploomber.executors.Serial`, `Parallel`): the build makes
its jobs (`worker.NotebookJob`) and hands them to whichever executor it was given; it never asks
which kind it has.

    executor.start(notebooks)          # get ready now (workers, warm kernels); how many at once
    executor.run(jobs, execute, record)  # record(outcome, job, "[3/16]") as each job ends
    executor.kernel                    # the kernel the notebooks run in (for the manifest)
    executor.close() / executor.stop()  # let the workers finish / end them now (Ctrl-C)

* `SerialExecutor`: one notebook after another in this process (debugging, a one-core
  machine, tests);
* `ParallelExecutor`: the local section workers (`pool.NotebookPool`), one per core, each with
  its warm kernel; a batch shares one between its builds so the kernels stay warm;
* `DaskExecutor`: one task per section on a Dask cluster (`--scheduler tcp://...`).

`executor_for(options)` is the one place that picks a kind, from the command line's options.
A job that raises or whose worker dies is recorded as failed; Ctrl-C stops the workers and is
raised again.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from helpers.pipeline.worker import (
    WARM_KERNEL_USES,
    KernelInfo,
    NotebookJob,
    NotebookOutcome,
    execute_remote,
    prepare_kernel,
    prepend_jupyter_path,
)

if TYPE_CHECKING:
    from helpers.pipeline.plan import BuildOptions
    from helpers.pipeline.pool import NotebookPool

Execute = Callable[[NotebookJob], NotebookOutcome]
# What the build does with each finished job: (outcome, job, "[3/16]").
Record = Callable[[NotebookOutcome, NotebookJob, str], None]


class Executor(Protocol):
    """Runs section jobs somewhere; see the module's docstring."""

    @property
    def kernel(self) -> KernelInfo | None: ...

    def start(self, notebooks: int | None = None) -> int: ...

    def run(self, jobs: Sequence[NotebookJob], execute: Execute, record: Record) -> None: ...

    def close(self) -> None: ...

    def stop(self) -> None: ...


def counter(done: int, total: int) -> str:
    """The progress counter of a finished job: "[ 3/16]"."""
    return f"[{done:>{len(str(total))}}/{total}]"


class SerialExecutor:
    """Every notebook in this process, one after another, in this process's warm kernel (or a
    fresh one each, `warm_kernels=False`)."""

    def __init__(self, *, warm_kernels: bool = True) -> None:
        self.warm_uses = WARM_KERNEL_USES if warm_kernels else 0
        self._home: Path | None = None
        self._kernel: KernelInfo | None = None
        self._saved_path: str | None = None

    @property
    def kernel(self) -> KernelInfo | None:
        return self._kernel

    def start(self, notebooks: int | None = None) -> int:
        if self._kernel is None:
            self._home = Path(tempfile.mkdtemp(prefix="report-kernel-"))
            self._kernel = prepare_kernel(self._home / "jupyter")
            self._saved_path = os.environ.get("JUPYTER_PATH")
            prepend_jupyter_path(self._kernel.jupyter_path)
        return 1

    def run(self, jobs: Sequence[NotebookJob], execute: Execute, record: Record) -> None:
        self.start(len(jobs))
        assert self._kernel is not None
        for done, job in enumerate(jobs, start=1):
            job = replace(job, kernel_name=self._kernel.name, warm_kernel=self.warm_uses)
            try:
                outcome = execute(job)
            except Exception as exc:
                tb = traceback.format_exc()
                outcome = NotebookOutcome.failed(job, type(exc).__name__, str(exc), tb)
            record(outcome, job, counter(done, len(jobs)))

    def close(self) -> None:
        if self.warm_uses:
            from helpers.pipeline import kernels

            kernels.discard()
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            if self._saved_path is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = self._saved_path
        self._home = self._kernel = None

    stop = close


class ParallelExecutor:
    """The local section workers: at most `jobs` processes (default: one per core), made when
    first needed, each with one warm kernel unless `warm_kernels` is False."""

    def __init__(self, jobs: int | None = None, *, warm_kernels: bool = True) -> None:
        self.jobs = jobs or os.cpu_count() or 1
        self.warm_kernels = warm_kernels
        self._pool: NotebookPool | None = None

    @property
    def kernel(self) -> KernelInfo | None:
        return None if self._pool is None else self._pool.kernel

    def start(self, notebooks: int | None = None) -> int:
        """Launch the workers, no more than `notebooks` of them, and start their kernels."""
        if self._pool is None:
            from helpers.pipeline.pool import NotebookPool

            workers = self.jobs if notebooks is None else min(self.jobs, max(notebooks, 1))
            self._pool = NotebookPool(workers, warm_kernels=self.warm_kernels).start()
        return self._pool.workers

    def run(self, jobs: Sequence[NotebookJob], execute: Execute, record: Record) -> None:
        self.start(len(jobs))
        assert self._pool is not None
        kernel, uses = self._pool.kernel.name, self._pool.warm_uses
        ready = [replace(job, kernel_name=kernel, warm_kernel=uses) for job in jobs]
        self._pool.run(ready, execute, record)

    def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.close()

    def stop(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.stop()


class DaskExecutor:
    """One task per section on the Dask cluster at `address`. The workers must see the project
    and the data folder at the same paths (a shared file system, as on an HPC cluster); each
    sends the executed notebook back (`worker.execute_remote`), and it is written here."""

    def __init__(self, address: str) -> None:
        self.address = address

    @property
    def kernel(self) -> KernelInfo | None:
        return None  # each task writes its own kernelspec on its worker

    def start(self, notebooks: int | None = None) -> int:
        return notebooks or 1  # the cluster's business: every section is submitted at once

    def run(self, jobs: Sequence[NotebookJob], execute: Execute, record: Record) -> None:
        from distributed import Client, as_completed

        task = functools.partial(execute_remote, execute=execute)
        with Client(self.address, timeout="30s") as client:
            futures = {
                client.submit(task, job, pure=False, key=f"{job.spec.stem}-{id(job)}"): job
                for job in jobs
            }
            for done, future in enumerate(as_completed(futures), start=1):
                job = futures[future]
                try:
                    outcome, data = future.result()
                    if data is not None:
                        job.output.write_bytes(data)
                except Exception as exc:
                    outcome = NotebookOutcome.failed(job, type(exc).__name__, str(exc))
                record(outcome, job, counter(done, len(jobs)))

    def close(self) -> None:
        """Nothing to release: each `run` connects and disconnects."""

    stop = close


def executor_for(options: BuildOptions) -> Executor:
    """The executor the command line asked for: Dask with `--scheduler`, else the local
    section workers (`--jobs`, `--cold-kernels`)."""
    if options.scheduler:
        return DaskExecutor(options.scheduler)
    return ParallelExecutor(options.jobs, warm_kernels=options.warm_kernels)


__all__ = [
    "DaskExecutor",
    "Execute",
    "Executor",
    "ParallelExecutor",
    "Record",
    "SerialExecutor",
    "counter",
    "executor_for",
]
