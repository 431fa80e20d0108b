"""The worker processes of a build: section notebooks, and (for a batch) PDFs.

`NotebookPool` owns the processes that execute section notebooks: one per core by default,
each with its warm kernel (`helpers.pipeline.kernels`), and the kernelspec they all run (written by
`worker.prepare_kernel` into the pool's own folder, so that it outlives any one build's staging
folder). Builds use it through `executors.ParallelExecutor`: a build's own is started while it
validates the inputs so that the kernels are up and warm when the first notebook is ready;
`make all-forces` shares one for the whole batch, so that every force after the first finds
its kernels warm.

`PdfWorkers` renders report.pdf in other processes, so that a batch lays out one force's PDF
(WeasyPrint, single-threaded, the longest step) while the section pool executes the next
force's notebooks.

Processes are forked (they start in milliseconds with the parent's modules imported), always
from the thread that made the pool: `start()` launches every worker at once, before a batch has
a second thread.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from helpers.pipeline.interrupts import ignore_interrupt
from helpers.pipeline.worker import (
    WARM_KERNEL_USES,
    KernelInfo,
    NotebookJob,
    NotebookOutcome,
    kernel_config,
    prepare_kernel,
    prepend_jupyter_path,
)

if TYPE_CHECKING:
    from helpers.present.render import PdfInfo
    from helpers.present.report_pdf import PartStore


def _fork_context() -> Any:
    return (
        multiprocessing.get_context("fork")
        if "fork" in multiprocessing.get_all_start_methods()
        else None
    )


def _init_worker(jupyter_path: str, warm_kernel: str | None = None, max_uses: int = 0) -> None:
    ignore_interrupt()  # first: a worker may be stopped while it starts its kernel
    prepend_jupyter_path(jupyter_path)
    if warm_kernel:
        # Start this worker's kernel and import the heavy modules in it now, while the other
        # worker does the same and the parent validates the inputs or submits the jobs.
        from helpers.pipeline import kernels

        kernels.prestart(warm_kernel, max_uses=max_uses, config=kernel_config())


def _started() -> int:
    return os.getpid()


def stop_workers(executor: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now (their kernels notice their parent
    is gone and exit within a second). ProcessPoolExecutor has no public way to stop running
    tasks before Python 3.14 (`terminate_workers`), hence `_processes`."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)


class _Workers:
    """Forked worker processes, made when first needed: `start()` launches them all now,
    `close()` lets them finish, `stop()` ends them at once. Processes that died (a broken
    executor) are replaced by new ones before the next job is submitted."""

    workers: int
    _what = "worker pool"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False

    def _initializer(self) -> tuple[Callable[..., None], tuple[Any, ...]]:
        raise NotImplementedError

    def _pool(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError(f"the {self._what} is closed")
        if self._executor is not None and getattr(self._executor, "_broken", False):
            # A worker died on an earlier job (a batch's earlier force): new processes.
            stop_workers(self._executor)
            self._executor = None
        if self._executor is None:
            initializer, initargs = self._initializer()
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=_fork_context(),
                initializer=initializer,
                initargs=initargs,
            )
        return self._executor

    def start(self) -> Self:
        """Launch every worker now rather than when the first job is submitted."""
        pool = self._pool()
        for _ in range(self.workers):
            pool.submit(_started)
        return self

    def worker_pids(self) -> set[int]:
        """The process ids of the running workers."""
        processes = getattr(self._executor, "_processes", None) or {}
        return {int(pid) for pid in processes}

    def _cleanup(self) -> None:
        """What to remove once the workers are gone."""

    def close(self) -> None:
        """Let the workers finish their jobs and exit."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self._closed = True
        self._cleanup()

    def stop(self) -> None:
        """End the workers now (Ctrl-C, a failed batch)."""
        if self._executor is not None:
            stop_workers(self._executor)
            self._executor = None
        self._closed = True
        self._cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.stop()


class NotebookPool(_Workers):
    """Processes that execute section notebooks (`run`), each reusing one warm kernel unless
    `warm_kernels` is False (a worker starts and warms its kernel when it starts). Use as a
    context manager, or call `close()`, which also removes the kernelspec."""

    _what = "section pool"

    def __init__(self, workers: int, *, warm_kernels: bool = True) -> None:
        if workers < 1:
            raise ValueError(f"a section pool needs at least one worker, got {workers}")
        import papermill  # noqa: F401  (imported before forking: workers start with it)

        super().__init__(workers)
        self.warm_uses = WARM_KERNEL_USES if warm_kernels else 0
        self._home = Path(tempfile.mkdtemp(prefix="report-kernel-"))
        try:
            self.kernel: KernelInfo = prepare_kernel(self._home / "jupyter")
        except BaseException:
            shutil.rmtree(self._home, ignore_errors=True)
            raise

    def _initializer(self) -> tuple[Callable[..., None], tuple[Any, ...]]:
        warm = self.kernel.name if self.warm_uses else None
        return _init_worker, (self.kernel.jupyter_path, warm, self.warm_uses)

    def _cleanup(self) -> None:
        shutil.rmtree(self._home, ignore_errors=True)

    # -- work --
    def run(
        self,
        jobs: Sequence[NotebookJob],
        execute: Callable[[NotebookJob], NotebookOutcome],
        record: Callable[[NotebookOutcome, NotebookJob, str], None],
    ) -> None:
        """Execute `jobs` with `execute` in the workers; `record(outcome, job, "[3/16]")` as
        each finishes. A job whose worker died or raised is recorded as failed; on Ctrl-C the
        workers are stopped and the interrupt raised."""
        total = len(jobs)
        width = len(str(total))
        pool = self._pool()
        futures: dict[Future[NotebookOutcome], NotebookJob] = {}
        try:
            for job in jobs:
                futures[pool.submit(execute, job)] = job
            for done, future in enumerate(as_completed(futures), start=1):
                job = futures[future]
                try:
                    outcome = future.result()
                except BrokenProcessPool as exc:
                    outcome = NotebookOutcome.failed(
                        job, "WorkerDied", f"the worker process died ({exc})"
                    )
                except Exception as exc:
                    outcome = NotebookOutcome.failed(
                        job, type(exc).__name__, str(exc), traceback.format_exc()
                    )
                record(outcome, job, f"[{done:>{width}}/{total}]")
        except BaseException:
            self.stop()
            raise


def render_pdf(
    page: str,
    target: Path,
    base_url: str | None,
    store: PartStore | None = None,
    processes: int = 1,
) -> tuple[PdfInfo, float]:
    """`render.write_pdf` in a PDF worker; also returns the seconds it took there."""
    from helpers.present.render import write_pdf

    started = time.perf_counter()
    info = write_pdf(page, target, base_url=base_url, store=store, processes=processes)
    return info, time.perf_counter() - started


def _init_pdf_worker() -> None:
    ignore_interrupt()
    import weasyprint  # noqa: F401  (about 0.5 s, once per worker rather than per PDF)


class PdfWorkers(_Workers):
    """Processes that write report PDFs (`submit`), for a batch to overlap them with the next
    force's notebooks. `parts_processes`: how many processes each lays a PDF's parts out in
    (`render.write_pdf`): a single build's one worker uses the idle cores, a batch's use one
    each (the cores are running the next force's notebooks)."""

    _what = "set of PDF workers"

    def __init__(self, workers: int = 1, parts_processes: int = 1) -> None:
        super().__init__(max(1, workers))
        self.parts_processes = max(1, parts_processes)

    def _initializer(self) -> tuple[Callable[..., None], tuple[Any, ...]]:
        return _init_pdf_worker, ()

    def submit(
        self, page: str, target: Path, base_url: str | None, store: PartStore | None = None
    ) -> Future[Any]:
        return self._pool().submit(render_pdf, page, target, base_url, store, self.parts_processes)


__all__ = ["NotebookPool", "PdfWorkers", "render_pdf", "stop_workers"]
