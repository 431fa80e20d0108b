"""The worker side of a build: execute one section notebook, and the kernel it runs in.

Whatever process executes a section (a local worker of `pool.NotebookPool`, this process for
`executors.SerialExecutor`, a Dask worker for `executors.DaskExecutor`) calls
`execute_section(job)`: papermill's Python API, in a fresh kernel or the process's warm one
(helpers.pipeline.kernels). `prepare_kernel` writes the kernelspec that pins the kernel to this
interpreter. Nothing here knows about the build that hands out the jobs.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import json
import logging
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from helpers.core.exceptions import ConfigError, SectionFailed
from helpers.pipeline.plan import PlannedNotebook

KERNEL_NAME = "python3"
# Notebooks one warm kernel executes before it is replaced by a fresh one.
WARM_KERNEL_USES = 50
# Parameters every notebook gets even if its parameters cell does not declare them.
CORE_PARAMETERS = ("quarter", "force", "data_dir")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class NotebookJob:
    """Everything a worker needs to execute one notebook (picklable)."""

    spec: PlannedNotebook
    output: Path
    parameters: dict[str, Any]
    kernel_name: str = KERNEL_NAME
    cwd: Path | None = None
    start_timeout: int = 120
    execution_timeout: int | None = None
    # > 0: run in this worker's warm kernel (helpers.pipeline.kernels), replaced after this many
    # notebooks or a failure; 0: a fresh kernel for this notebook (papermill's own).
    warm_kernel: int = 0


@dataclass(frozen=True)
class NotebookOutcome:
    """How one notebook's execution ended."""

    id: str
    ok: bool
    seconds: float
    cell: int | None = None  # execution count of the failing cell ("In [4]")
    ename: str = ""
    evalue: str = ""
    traceback: str = ""
    messages: tuple[str, ...] = ()  # papermill's warnings, for build.log

    @property
    def reason(self) -> str:
        where = f"cell {self.cell}: " if self.cell is not None else ""
        return f"{where}{self.ename}: {self.evalue}" if self.ename else where.rstrip(": ")

    def as_error(self) -> SectionFailed:
        return SectionFailed(
            self.id, self.cell, f"{self.ename}: {self.evalue}".strip(": "), self.traceback
        )

    @classmethod
    def failed(cls, job: NotebookJob, ename: str, evalue: str, tb: str = "") -> NotebookOutcome:
        """A job that ended before its notebook could report (its worker died or raised)."""
        return cls(job.spec.id, False, 0.0, ename=ename, evalue=evalue, traceback=tb)


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage())


def kernel_config() -> Any:
    """Kernel manager configuration: CurveZMQ transport encryption where the kernelspec
    declares it (ipykernel 7 warns on every start about unencrypted TCP otherwise)."""
    from traitlets.config import Config

    config = Config()
    with contextlib.suppress(ImportError):
        import zmq

        if zmq.has("curve"):
            config.KernelManager.transport_encryption = "auto"
    return config


def declared_parameters(notebook: Path) -> set[str] | None:
    """Names assigned in the notebook's cell tagged "parameters"; None if it has none or the
    cell cannot be read. (Python's own parser, not papermill's line-by-line inference, which
    misses assignments followed by some comments.)"""
    import nbformat

    try:
        nb = nbformat.read(str(notebook), as_version=4)
    except Exception:
        return None
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                return None
            names: set[str] = set()
            for node in tree.body:
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else ([node.target] if isinstance(node, ast.AnnAssign) else [])
                )
                for target in targets:
                    names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
            return names
    return None


def _parameters_for(notebook: Path, parameters: Mapping[str, Any]) -> dict[str, Any]:
    declared = declared_parameters(notebook)
    if not declared:
        return dict(parameters)
    return {k: v for k, v in parameters.items() if k in declared or k in CORE_PARAMETERS}


def _warm_engine(job: NotebookJob, cwd: Path) -> dict[str, Any]:
    """This process's warm kernel, reset for `job` (replaced, once, if it cannot be reset)."""
    from helpers.pipeline import kernels

    for attempt in (1, 2):
        warm = kernels.acquire(job.kernel_name, job.start_timeout, job.warm_kernel, kernel_config())
        warm.uses += 1
        try:
            warm.reset(cwd.resolve())
            break
        except Exception:
            kernels.discard()
            if attempt == 2:
                raise
    return {"engine_name": kernels.ENGINE, "km": warm.km, "kc": warm.kc}


def _run_notebook(job: NotebookJob, started: float, messages: list[str]) -> NotebookOutcome:
    import papermill

    handler = _Collect(messages)
    logger = logging.getLogger("papermill")
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    cwd = Path(job.cwd or job.spec.notebook.parent)
    try:
        if job.warm_kernel > 0:
            engine = _warm_engine(job, cwd)
        else:
            engine = {
                "config": kernel_config(),
                # The notebook is saved when the kernel is shut down: a graceful shutdown
                # (interrupt, request, wait up to 5 s) only adds time, and sometimes a stray
                # "KeyboardInterrupt caught in kernel" on the terminal.
                "shutdown_kernel": "immediate",
            }
        papermill.execute_notebook(
            str(job.spec.notebook),
            str(job.output),
            parameters=_parameters_for(job.spec.notebook, job.parameters),
            kernel_name=job.kernel_name,
            progress_bar=False,
            log_output=False,
            cwd=str(cwd),
            start_timeout=job.start_timeout,
            execution_timeout=job.execution_timeout,
            **engine,
        )
    except BaseException:
        if job.warm_kernel > 0:
            # A failed notebook leaves the kernel in an unknown state: the next gets a fresh one.
            from helpers.pipeline import kernels

            kernels.discard()
        raise
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    return NotebookOutcome(
        job.spec.id, True, time.perf_counter() - started, messages=tuple(messages)
    )


def execute_section(job: NotebookJob) -> NotebookOutcome:
    """Execute one notebook with papermill's Python API, in a fresh kernel or this worker's
    warm one (`job.warm_kernel`); never raises for a notebook's own failure (the outcome carries
    the cell, exception name and message)."""
    import papermill

    started = time.perf_counter()
    messages: list[str] = []
    try:
        return _run_notebook(job, started, messages)
    except papermill.PapermillExecutionError as exc:
        return NotebookOutcome(
            job.spec.id,
            False,
            time.perf_counter() - started,
            cell=exc.exec_count,
            ename=exc.ename,
            evalue=str(exc.evalue),
            traceback=_ANSI.sub("", "\n".join(exc.traceback or [])),
            messages=tuple(messages),
        )
    except Exception as exc:
        return NotebookOutcome(
            job.spec.id,
            False,
            time.perf_counter() - started,
            ename=type(exc).__name__,
            evalue=str(exc),
            traceback=traceback.format_exc(),
            messages=tuple(messages),
        )


def execute_remote(
    job: NotebookJob, execute: Callable[[NotebookJob], NotebookOutcome] | None = None
) -> tuple[NotebookOutcome, bytes | None]:
    """One section on a Dask worker, by `execute` (default `execute_section`): its own
    kernelspec (this worker's Python), the notebook executed into a temporary file and sent
    back, so the build's staging folder need not be shared with the worker."""
    execute = execute or execute_section
    with tempfile.TemporaryDirectory(prefix="report-section-") as tmp:
        kernel = prepare_kernel(Path(tmp) / "jupyter")
        prepend_jupyter_path(kernel.jupyter_path)
        output = Path(tmp) / job.output.name
        # A fresh kernel per task: a Dask worker runs tasks in threads, and its kernelspec
        # folder is temporary. An empty context, because a task's thread can inherit a
        # context whose Jupyter event loop (jupyter_core keeps it in a ContextVar) runs in
        # another thread: nbclient would then fail with "This event loop is already running".
        remote = replace(job, output=output, kernel_name=kernel.name, warm_kernel=0)
        outcome = contextvars.Context().run(execute, remote)
        data = output.read_bytes() if output.is_file() else None
    return outcome, data


# ----- the kernel ------------------------------------------------------------------------------


def prepend_jupyter_path(folder: str) -> None:
    """Put `folder` first on JUPYTER_PATH (once), where Jupyter looks for kernelspecs first."""
    current = os.environ.get("JUPYTER_PATH", "")
    parts = [p for p in current.split(os.pathsep) if p and p != folder]
    os.environ["JUPYTER_PATH"] = os.pathsep.join([folder, *parts])


@dataclass(frozen=True)
class KernelInfo:
    name: str
    jupyter_path: str  # the folder to put first on JUPYTER_PATH
    executable: str
    resource_dir: str


def prepare_kernel(folder: Path, name: str = KERNEL_NAME) -> KernelInfo:
    """Write a kernelspec `name` that runs THIS interpreter, and check Jupyter resolves to it.

    Why: `kernel_name="python3"` is looked up on JUPYTER_PATH, then (inside a venv) the venv's
    share/jupyter, then the user's ~/.local/share/jupyter, then system folders. A user-level or
    system "python3" spec (or JUPYTER_PREFER_ENV_PATH=0) can point at another Python without
    this project's pinned packages, and the report would silently be computed with them. A
    spec written under the build's own folder and put first on JUPYTER_PATH (which always has
    the highest priority) for the build and its workers pins the kernel to `sys.executable`.
    """
    from ipykernel.kernelspec import get_kernel_dict

    spec_dir = folder / "kernels" / name
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = get_kernel_dict()
    spec["argv"] = [sys.executable, *spec["argv"][1:]]
    spec["display_name"] = f"Python {sys.version_info[0]}.{sys.version_info[1]} (report build)"
    spec["metadata"] = {**spec.get("metadata", {}), "debugger": False}
    # pydevd's "frozen modules" warning is printed by every kernel start on Python 3.11.
    spec["env"] = {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return check_kernel(name, str(folder))


def check_kernel(name: str, jupyter_path: str) -> KernelInfo:
    """The kernelspec Jupyter finds for `name` with `jupyter_path` first; a `ConfigError` unless
    it runs this interpreter."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    saved = os.environ.get("JUPYTER_PATH")
    prepend_jupyter_path(jupyter_path)
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel as exc:
        raise ConfigError(
            f"no Jupyter kernel '{name}' found (JUPYTER_PATH={jupyter_path})"
        ) from exc
    finally:
        if saved is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = saved
    executable = spec.argv[0] if spec.argv else ""
    # jupyter_client runs a spec whose argv[0] is a bare "python" with sys.executable.
    runs_here = executable in ("python", "python3") or (
        os.path.realpath(executable) == os.path.realpath(sys.executable)
        and Path(executable).parent == Path(sys.executable).parent
    )
    if not runs_here:
        raise ConfigError(
            f"Jupyter kernel '{name}' ({spec.resource_dir}) runs {executable}, not this "
            f"environment's {sys.executable}: notebooks would use other packages"
        )
    return KernelInfo(name, jupyter_path, executable, spec.resource_dir)


__all__ = [
    "CORE_PARAMETERS",
    "KERNEL_NAME",
    "WARM_KERNEL_USES",
    "KernelInfo",
    "NotebookJob",
    "NotebookOutcome",
    "check_kernel",
    "declared_parameters",
    "execute_remote",
    "execute_section",
    "kernel_config",
    "prepare_kernel",
    "prepend_jupyter_path",
]
