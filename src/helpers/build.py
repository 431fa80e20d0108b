"""The pipeline behind `make report`: `python -m helpers build`.

    python -m helpers build [--quarter Q] [--force NAME] [--data-dir DIR] [--jobs N]
                            [--sections id,id] [--outputs DIR] [--no-cache] [--no-pdf]
                            [--scheduler tcp://host:port] [--previous REPORT_FOLDER]

Steps, each timed and printed as it runs:

1. validate inputs (before anything runs or any output is touched; problems -> exit 1),
   while the section workers start and warm their kernels (helpers.pool);
2. load inputs, resolve the quarter ("latest" = the inputs' latest quarter);
3. measures.csv, computed once (from the tables validation parsed);
4. every section notebook executed by papermill's Python API in the section pool (slowest
   first; each worker reuses one warm kernel, namespace reset between notebooks, see
   helpers.kernels; `--cold-kernels`: one kernel per notebook), executed notebooks (code
   kept) in notebooks/; each converted in-process to an HTML fragment (no code) as it
   finishes;
5. the fragments placed in the page templates: sections/<nn>_<id>.html and the assembled
   report.html, with the 'Changes since the last report' page (`--previous`, default the
   previous quarter's report; helpers.publication, helpers.changes); then report.ods, the
   numbers as a spreadsheet (helpers.spreadsheet);
6. report.pdf from report.html (WeasyPrint; in a batch, in a PDF worker while the next force
   runs: `Build.stages()`);
7. build.log and manifest.json.

Everything is written into a hidden staging folder beside the target
(outputs/<quarter>/.<force>.staging-*) and swapped in only when every step succeeded, so
outputs/<quarter>/<force>/ always holds either the previous good report or the new complete
one. A failed build moves its staging folder to outputs/.failed/<quarter>/<force>/ (the executed
notebooks show the failing cell; FAILED.txt says what went wrong; no report.html or report.pdf
is kept there) and exits 1; Ctrl-C removes the staging folder and exits 130. A lock file
(outputs/<quarter>/.<force>.lock, held with flock so a killed build never blocks the next one)
stops two builds writing the same report.

Incremental (`helpers.incremental`, keyed on content, never on timestamps): a build reuses
from `<outputs>/.cache/` the validation and preflight results of identical input files, the
measures (measures.csv and the results the notebooks then reuse instead of recomputing), each
executed notebook whose key (`section_cache_key`: notebook, helpers source, parameters, input
files' sha256, catalogue) is unchanged, and each section's HTML fragment. The narrative is not
in the notebook's key: the build re-renders the narrative parts of a page from the files
(`report.refresh_narrative_outputs`), so a narrative edit re-makes pages, not notebooks. When
report.html is byte-identical to the published one (the report keeps the time its content was
made) and the print code is the same (`render.printer_digest`), report.pdf is reused too; else
a single build lays it out in its own PDF worker, started as soon as a change is known, so that
WeasyPrint is imported while the HTML is made. A failed section is never cached; `--no-cache`
executes everything; `--no-pdf` makes HTML only; `--scheduler tcp://...` runs the sections on a Dask
cluster (`helpers.batch`, which also builds every force: `python -m helpers all-forces`).

`--sections id,id` builds only those pages, into outputs/<quarter>/<force>-partial/ with a
"Partial build" banner: a partial report never replaces the full one.

Exit status: 0 built; 1 build failed (inputs, a section, rendering, lock held); 2 bad command
line or parameters (unknown force, quarter, section); 130 interrupted (Ctrl-C); 143 terminated
(SIGTERM, cleaned up like Ctrl-C).

Dependency injection: `main(argv, steps=BuildSteps(...))` replaces validation, loading, the
measures table, the section plan or the notebook executor; the tests use fixture notebooks.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from helpers.config import Catalogue, Settings, default_catalogue, load_settings
from helpers.exceptions import (
    BuildFailed,
    BuildLocked,
    ConfigError,
    InputValidationError,
    QuarterError,
    RenderError,
    ReportError,
    SectionFailed,
)
from helpers.paths import NOTEBOOKS_DIR, PARAMS_DIR, PROJECT_ROOT, resolve
from helpers.quarters import FinancialQuarter

if TYPE_CHECKING:
    from helpers.pool import PdfWorkers, SectionPool

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143
KERNEL_NAME = "python3"
# Notebooks one warm kernel executes before it is replaced by a fresh one.
WARM_KERNEL_USES = 50
# Parameters every notebook gets even if its parameters cell does not declare them.
CORE_PARAMETERS = ("quarter", "force", "data_dir")
FAILED_DIR = ".failed"
_LABEL_WIDTH = 30
# A part of a build that may pause for a job in another process (the PDF, in a batch).
Stages = Generator["Future[Any]", None, None]
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Pages around the catalogue's sections: (id, number, title, notebook). Their numbers give the
# file names 00_summary and 90_methods, matching the notebooks.
FRONT_MATTER = (("summary", 0, "Measures summary", "00_summary.ipynb"),)
BACK_MATTER = (("methods", 90, "Glossary, methods and data", "90_methods.ipynb"),)


# ----- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionSpec:
    """One page of the report and the notebook that makes it."""

    id: str
    number: int
    title: str
    part: str | None  # None for front and back matter
    notebook: Path

    @property
    def stem(self) -> str:
        """``01_homicide``: names the executed notebook and the section's HTML page."""
        return f"{self.number:02d}_{self.id}"


def report_plan(
    catalogue: Catalogue | None = None, notebooks_dir: Path = NOTEBOOKS_DIR
) -> list[SectionSpec]:
    """Every page in report order: the summary, the catalogue's sections, the methods note."""
    catalogue = catalogue or default_catalogue()
    front = [SectionSpec(i, n, t, None, notebooks_dir / nb) for i, n, t, nb in FRONT_MATTER]
    back = [SectionSpec(i, n, t, None, notebooks_dir / nb) for i, n, t, nb in BACK_MATTER]
    middle = [
        SectionSpec(s.id, s.number, s.title, s.part, notebooks_dir / s.notebook)
        for s in catalogue.sections
    ]
    return [*front, *middle, *back]


def select_sections(plan: Sequence[SectionSpec], wanted: Iterable[str]) -> list[SectionSpec]:
    """The sections named in `wanted`, in report order; an unknown id is a `ConfigError`."""
    wanted = [w.strip() for w in wanted if w.strip()]
    known = {s.id for s in plan}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        import difflib

        hints = []
        for u in unknown:
            close = difflib.get_close_matches(u, known, n=1)
            hints.append(f"'{u}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise ConfigError(
            f"unknown section {', '.join(hints)}; sections are: {', '.join(s.id for s in plan)}"
        )
    return [s for s in plan if s.id in set(wanted)]


def notebook_parameters(
    quarter: FinancialQuarter, force: str, data_dir: Path, settings: Settings
) -> dict[str, Any]:
    """What papermill injects into every notebook. Each notebook receives the subset its
    parameters cell declares (plus `CORE_PARAMETERS`), so papermill does not warn about the rest.
    """
    return {
        "quarter": quarter.code,
        "force": force,
        "data_dir": str(data_dir),
        "narrative_dir": str(resolve(settings.narrative_dir)),
        "trend_method": settings.trend.method,
        "trend_alpha": settings.trend.alpha,
        "trend_window_quarters": settings.trend.window_quarters,
        "benchmark_confidence": settings.benchmark.confidence,
        "benchmark_byar_min_count": settings.benchmark.byar_min_count,
        "funnel_overdispersion": settings.funnel.overdispersion,
        "funnel_winsorise": settings.funnel.winsorise,
        "population_rule": settings.population_rule,
        "disclosure_min_count": settings.disclosure_min_count,
    }


# ----- cache key (for the incremental rebuilds to come) -----------------------------------------


def _digest_files(paths: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def helpers_digest() -> str:
    """SHA-256 over the helpers package's source and reference data (not its page templates,
    which change rendering, not execution)."""
    package = Path(__file__).resolve().parent
    files = [*package.rglob("*.py"), *(package / "reference").rglob("*")]
    return _digest_files(files, package)


def catalogue_digest(params_dir: Path = PARAMS_DIR) -> str:
    return _digest_files([params_dir / "measures.yaml", params_dir / "forces.yaml"], params_dir)


def section_cache_key(
    spec: SectionSpec,
    parameters: Mapping[str, Any],
    input_files: Mapping[str, str],
    *,
    helpers: str,
    catalogue: str,
    extra_files: Mapping[str, str] | None = None,
) -> str:
    """A key that changes whenever anything that decides a section's executed notebook changes:
    the notebook itself, the helpers' source, its parameters, the inputs' content, the catalogue,
    and `extra_files` (e.g. the quarter's narrative). Recorded in the manifest now; a later
    incremental build reuses a section whose key matches the previous build's."""
    payload = {
        "notebook": hashlib.sha256(spec.notebook.read_bytes()).hexdigest()
        if spec.notebook.is_file()
        else None,
        "section": [spec.id, spec.number, spec.title, spec.part],
        "parameters": {k: parameters[k] for k in sorted(parameters)},
        "inputs": {k: input_files[k] for k in sorted(input_files)},
        "helpers": helpers,
        "catalogue": catalogue,
        "extra": dict(sorted((extra_files or {}).items())),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


# ----- executing one notebook (runs in a worker process) ---------------------------------------


@dataclass(frozen=True)
class SectionJob:
    """Everything a worker needs to execute one notebook (picklable)."""

    spec: SectionSpec
    output: Path
    parameters: dict[str, Any]
    kernel_name: str = KERNEL_NAME
    cwd: Path | None = None
    start_timeout: int = 120
    execution_timeout: int | None = None
    # > 0: run in this worker's warm kernel (helpers.kernels), replaced after this many
    # notebooks or a failure; 0: a fresh kernel for this notebook (papermill's own).
    warm_kernel: int = 0


@dataclass(frozen=True)
class SectionOutcome:
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


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage())


def _kernel_config() -> Any:
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
    import ast

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


def _run_notebook(job: SectionJob, started: float, messages: list[str]) -> SectionOutcome:
    import papermill

    handler = _Collect(messages)
    logger = logging.getLogger("papermill")
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    cwd = job.cwd or job.spec.notebook.parent
    warm = None
    try:
        if job.warm_kernel > 0:
            from helpers import kernels

            for attempt in (1, 2):  # a kernel that cannot be reset is replaced, once
                warm = kernels.acquire(
                    job.kernel_name, job.start_timeout, job.warm_kernel, _kernel_config()
                )
                warm.uses += 1
                try:
                    warm.reset(Path(cwd).resolve())
                    break
                except Exception:
                    kernels.discard()
                    if attempt == 2:
                        raise
            engine: dict[str, Any] = {"engine_name": kernels.ENGINE, "km": warm.km, "kc": warm.kc}
        else:
            engine = {
                "config": _kernel_config(),
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
        if warm is not None or job.warm_kernel > 0:
            # A failed notebook leaves the kernel in an unknown state: the next gets a fresh one.
            from helpers import kernels

            kernels.discard()
        raise
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    return SectionOutcome(
        job.spec.id, True, time.perf_counter() - started, messages=tuple(messages)
    )


def execute_section(job: SectionJob) -> SectionOutcome:
    """Execute one notebook with papermill's Python API, in a fresh kernel or this worker's
    warm one (`job.warm_kernel`); never raises for a notebook's own failure (the outcome carries
    the cell, exception name and message)."""
    import papermill

    started = time.perf_counter()
    messages: list[str] = []
    try:
        return _run_notebook(job, started, messages)
    except papermill.PapermillExecutionError as exc:
        return SectionOutcome(
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
        return SectionOutcome(
            job.spec.id,
            False,
            time.perf_counter() - started,
            ename=type(exc).__name__,
            evalue=str(exc),
            traceback=traceback.format_exc(),
            messages=tuple(messages),
        )


# ----- the kernel ------------------------------------------------------------------------------


def _prepend_jupyter_path(folder: str) -> None:
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
    _prepend_jupyter_path(jupyter_path)
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


# ----- the lock and the staging folder -------------------------------------------------------


class BuildLock:
    """An exclusive lock on one output folder, held with flock(2) on a lock file.

    The kernel releases a flock when its process dies, so a build killed with SIGKILL leaves at
    worst a stale file that the next build takes over; a normal exit, an error or Ctrl-C
    removes the file.
    """

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> BuildLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock, or raise `BuildLocked` naming the build that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = _read_text(self.path)
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise BuildLocked(str(self.path), holder) from None
                raise
            # The holder may have removed the file between our open and our flock: then we
            # hold a lock on a deleted file and must retry on the new one.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}, since {started}".encode())
        self._fd = fd

    def release(self) -> None:
        """Remove the lock file and release the lock (idempotent)."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        os.close(self._fd)
        self._fd = None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


@contextlib.contextmanager
def _no_interrupt() -> Iterator[None]:
    """Hold Ctrl-C for the two renames of the swap, so that they happen both or neither."""
    if hasattr(signal, "pthread_sigmask"):
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
    else:  # pragma: no cover
        yield


def publish(staging: Path, target: Path) -> None:
    """Swap the complete `staging` folder in as `target`: old report aside, new in, old deleted.

    Both renames are within one directory (same file system), so each is atomic; between them
    no `target` exists for a moment, never a half-written one. `recover_interrupted_publish`
    puts the old report back if the process died between the two.
    """
    aside = target.with_name(f".{target.name}.previous")
    if aside.exists():
        shutil.rmtree(aside)
    with _no_interrupt():
        if target.exists():
            os.replace(target, aside)
        try:
            os.replace(staging, target)
        except BaseException:
            if aside.exists() and not target.exists():
                os.replace(aside, target)
            raise
    shutil.rmtree(aside, ignore_errors=True)


def recover_interrupted_publish(target: Path) -> None:
    """Undo what a build killed between the two renames of `publish` left behind, and remove
    staging folders of builds that were killed (we hold the lock, so none is running)."""
    aside = target.with_name(f".{target.name}.previous")
    if aside.exists():
        if target.exists():
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(aside, target)
    for stale in target.parent.glob(f".{target.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)


# ----- injected steps ---------------------------------------------------------------------------


class Inputs(Protocol):
    """What the build needs of `helpers.datasets.InputData`."""

    files: Mapping[str, str]
    latest_quarter: Any
    missing: Any


def _validate_inputs(data_dir: Path) -> Sequence[Any]:
    from helpers.validation import validate_inputs

    return validate_inputs(data_dir)


def _load_inputs(data_dir: Path) -> Inputs:
    from helpers.datasets import load_inputs

    return load_inputs(data_dir)


def _measures_table(inputs: Any, quarter: FinancialQuarter, force: str, settings: Settings) -> Any:
    from helpers.measures import measures_table_for

    return measures_table_for(inputs, quarter, force, settings)


def _preflight(
    inputs: Any, wanted: str | None, force: str, settings: Settings, sections: Sequence[str]
) -> Any:
    from helpers.preflight import check_report

    return check_report(inputs, wanted, force, settings, sections)


# Each measure's series for every force depends on the inputs and settings, not on the force:
# a batch of forces (`helpers.batch`) computes it once per measure.
_SERIES_MEMO: Any = None


def measure_results(
    inputs: Any, quarter: FinancialQuarter, force: str, settings: Settings
) -> list[Any]:
    """Every measure of the catalogue for `force` at `quarter` (`MeasureResult`s)."""
    import weakref

    from helpers.forces import default_forces
    from helpers.measures import all_forces_series, compute_measure

    global _SERIES_MEMO
    if _SERIES_MEMO is None:
        _SERIES_MEMO = weakref.WeakKeyDictionary()
    try:
        memo = _SERIES_MEMO.setdefault(inputs, {})
    except TypeError:  # not weak-referenceable: no sharing
        memo = {}
    forces = default_forces()
    shared = json.dumps(
        {k: v for k, v in settings.as_dict().items() if k not in ("force", "quarter")},
        sort_keys=True,
        default=str,
    )
    results = []
    for measure in default_catalogue().measures:
        key = (measure.id, shared)
        if key not in memo and measure.source not in getattr(inputs, "missing", set()):
            memo[key] = all_forces_series(measure, inputs, settings, forces)
        results.append(
            compute_measure(measure, inputs, quarter, force, settings, forces, memo.get(key))
        )
    return results


@dataclass(frozen=True)
class BuildSteps:
    """The replaceable parts of a build (defaults: the project's own modules)."""

    validate: Callable[[Path], Sequence[Any]] = _validate_inputs
    load_inputs: Callable[[Path], Inputs] = _load_inputs
    measures_table: Callable[[Any, FinancialQuarter, str, Settings], Any] = _measures_table
    # The quarter (resolved against the data) and the report's warnings; raises before any
    # output is touched for a quarter or population year the data do not cover.
    preflight: Callable[[Any, str | None, str, Settings, Sequence[str]], Any] = _preflight
    plan: Callable[[], list[SectionSpec]] = report_plan
    execute: Callable[[SectionJob], SectionOutcome] = execute_section


# ----- progress and log ---------------------------------------------------------------------


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


# ----- the build -------------------------------------------------------------------------------


@dataclass
class BuildOptions:
    quarter: str | None = None
    force: str | None = None
    data_dir: str | None = None
    jobs: int | None = None
    sections: list[str] | None = None
    outputs: str | None = None
    narrative_dir: str | None = None
    settings_path: Path | None = None
    cache: bool = True  # reuse what earlier builds made from the same content (incremental.py)
    pdf: bool = True
    scheduler: str | None = None  # a Dask scheduler: one task per section (helpers.batch)
    # The report the changes page compares with (a folder or its measures.csv); default: the
    # previous quarter's under the outputs folder (helpers.changes).
    previous: str | None = None
    # One warm kernel per worker, reused for its notebooks (helpers.kernels); False: a fresh
    # kernel per notebook (`--cold-kernels`).
    warm_kernels: bool = True
    argv: list[str] = field(default_factory=list)


@dataclass
class BuildResult:
    status: int
    target: Path | None = None
    failed: list[SectionOutcome] = field(default_factory=list)
    failed_dir: Path | None = None


class _Terminated(KeyboardInterrupt):
    """SIGTERM (kill, a CI timeout), handled like Ctrl-C: clean up, publish nothing."""


# The process that installed `_raise_terminated`: a child forked from it inherits the handler.
_terminated_owner: int | None = None


def _raise_terminated(signum: int, frame: object) -> None:
    if os.getpid() != _terminated_owner:
        # A worker forked before it set its own handler (helpers.pool): it has nothing to clean
        # up, and an exception raised here would be printed by multiprocessing as a traceback.
        from helpers.pool import _exit_quietly

        _exit_quietly(signum, frame)
    raise _Terminated()


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises `_Terminated` inside the block (main thread only; a block inside
    another, as a build inside a batch, leaves the outer handler in place)."""
    import threading

    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is _raise_terminated
    ):
        yield
        return
    global _terminated_owner
    _terminated_owner = os.getpid()
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Stop(Exception):
    """End the build early with an exit status (the message is already printed)."""

    def __init__(self, status: int):
        self.status = status


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Build:
    """One build; `run()` returns a `BuildResult`. Use `main()` from the command line."""

    def __init__(
        self,
        options: BuildOptions,
        steps: BuildSteps | None = None,
        stream: IO[str] | None = None,
        *,
        pool: SectionPool | None = None,
        pdf_workers: PdfWorkers | None = None,
    ):
        """`pool`: section workers shared with other builds (a batch), which this build neither
        starts nor closes; by default the build makes its own. `pdf_workers`: write report.pdf
        in those processes; `stages()` then pauses while the PDF is made."""
        self.options = options
        self.steps = steps or BuildSteps()
        self.shared_pool = pool
        self.own_pool: SectionPool | None = None
        self.pdf_workers = pdf_workers
        self.own_pdf_worker: PdfWorkers | None = None
        self.log = BuildLog(stream)
        self.started = _utc_now()
        self.timings: dict[str, float] = {}
        self.section_seconds: dict[str, float] = {}
        self.warnings: list[str] = []
        self.outcomes: dict[str, SectionOutcome] = {}
        self._fragments: dict[str, str] = {}
        self.published = False

    # -- helpers --
    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            seconds = time.perf_counter() - started
            self.timings[label] = round(seconds, 3)
            self.log.say(self.log.line(label, "FAILED", seconds, _short(exc)))
            raise
        seconds = time.perf_counter() - started
        self.timings[label] = round(seconds, 3)
        self.log.say(self.log.line(label, "done", seconds))

    # -- phases --
    def run(self) -> BuildResult:
        with _terminate_as_interrupt():
            stages = self.stages()
            while True:
                try:
                    wait([next(stages)])
                except StopIteration as done:
                    result: BuildResult = done.value
                    return result

    def stages(self) -> Generator[Future[Any], None, BuildResult]:
        """The build as a generator: it pauses only while report.pdf is being made by
        `pdf_workers`, yielding that job's future, so that a batch can start the next force
        meanwhile; its return value (`StopIteration.value`) is the `BuildResult`. `run()`
        drives it to the end. Closing the generator, or throwing KeyboardInterrupt into it,
        cleans up like Ctrl-C."""
        try:
            return (yield from self._run())
        except _Stop as stop:
            return BuildResult(stop.status)
        except GeneratorExit:
            raise
        except KeyboardInterrupt as exc:
            self.log.say("")
            what = "Terminated" if isinstance(exc, _Terminated) else "Interrupted"
            if self.published:  # the signal arrived during the swap, which it did not stop
                self.log.say(f"{what} after the new report was published.")
            else:
                self.log.say(f"{what}: nothing was published; the previous report is untouched.")
            return BuildResult(
                EXIT_TERMINATED if isinstance(exc, _Terminated) else EXIT_INTERRUPTED
            )
        finally:
            self._release_pool(failed=not self.published)
            self._release_pdf_worker()

    # -- the section workers --
    def _section_pool(self, notebooks: int) -> SectionPool:
        """The pool to execute `notebooks` notebooks in: the shared one, else this build's
        (made now unless `_check_inputs` already started it)."""
        if self.shared_pool is not None:
            return self.shared_pool
        if self.own_pool is None:
            from helpers.pool import SectionPool

            workers = min(self.options.jobs or os.cpu_count() or 1, max(notebooks, 1))
            self.own_pool = SectionPool(workers, warm_kernels=self.options.warm_kernels)
        return self.own_pool

    def _start_pool_early(self) -> None:
        """Start this build's workers and their kernels now, while the main process validates
        the inputs and computes the measures (about 7 s on the sample data): the kernels are
        warm when the first notebook is ready. Only when the inputs' checks were not cached:
        a rebuild with nothing changed must not pay for kernels it does not use."""
        if (
            self.options.scheduler
            or self.shared_pool is not None
            or not self.specs
            or self.checks_key is None  # injected steps (tests): nothing is known to run
        ):
            return
        self._section_pool(len(self.specs)).start()

    def _start_pdf_worker_early(self) -> None:
        """A single build's PDF worker, started as soon as something is known to change (the
        inputs, a notebook, a narrative file), so that it imports WeasyPrint (about 0.5 s) on
        the other core while this process makes the HTML. Not on a rebuild where nothing
        changed (report.pdf is reused: the worker would only cost), nor for injected steps
        (a test's, which expects the PDF made in-process); a batch passes its `pdf_workers`."""
        if (
            self.own_pdf_worker is not None
            or not self.options.pdf
            or self.pdf_workers is not None
            or self.steps.validate is not _validate_inputs
            or self.steps.load_inputs is not _load_inputs
        ):
            return
        from helpers.pool import PdfWorkers

        self.own_pdf_worker = PdfWorkers(1).start()

    def _release_pdf_worker(self) -> None:
        if self.own_pdf_worker is not None:
            # Its PDF written, or never needed (report.pdf reused): nothing to wait for.
            worker, self.own_pdf_worker = self.own_pdf_worker, None
            worker.stop()

    def _release_pool(self, failed: bool = False) -> None:
        if self.own_pool is not None:
            pool, self.own_pool = self.own_pool, None
            if failed:
                pool.stop()
            else:
                pool.close()

    def _resolve(self) -> None:
        o = self.options
        from helpers.forces import default_forces

        try:
            settings = load_settings(o.settings_path) if o.settings_path else load_settings()
            self.force = default_forces().get(o.force or settings.force)
            self.data_dir = (
                Path(o.data_dir).expanduser().resolve()
                if o.data_dir
                else resolve(settings.data_dir).resolve()
            )
            self.outputs_root = (
                Path(o.outputs).expanduser().resolve()
                if o.outputs
                else resolve(settings.outputs_dir).resolve()
            )
            plan = self.steps.plan()
            self.specs = select_sections(plan, o.sections) if o.sections else list(plan)
            self.partial = bool(o.sections) and len(self.specs) < len(plan)
            if o.jobs is not None and o.jobs < 1:
                raise ConfigError(f"--jobs must be at least 1, got {o.jobs}")
            if o.quarter and o.quarter != "latest":
                FinancialQuarter.parse(o.quarter)  # a typo fails before the inputs are read
            if o.previous:  # the changes page's report: a wrong path fails before anything runs
                from helpers.publication import check_previous

                check_previous(o.previous)
        except (ConfigError, QuarterError) as exc:
            self.log.say(f"error: {exc}")
            raise _Stop(EXIT_USAGE) from None
        self.settings = settings.with_overrides(
            force=self.force.name,
            data_dir=str(self.data_dir),
            narrative_dir=str(Path(o.narrative_dir).expanduser().resolve())
            if o.narrative_dir
            else None,
        )
        self.quarter_wanted = o.quarter or settings.quarter
        self.log.say(
            f"Performance report: {self.force.name}, inputs from {_display(self.data_dir)}"
        )
        from helpers.manifest import pin_mismatches

        for mismatch in pin_mismatches():
            # Recorded in the manifest too: the report may differ from one built with the pins.
            self.warnings.append(mismatch)
            self.log.say(f"  warning: {mismatch} (make venv reinstalls the pins)")
        if not self.data_dir.is_dir():
            self.log.say(
                f"error: data folder {self.data_dir} does not exist "
                "(make sample-data creates data/sample)"
            )
            raise _Stop(EXIT_USAGE)

    def _check_inputs(self) -> None:
        from helpers.incremental import BuildCache

        self.cache = BuildCache(self.outputs_root, enabled=self.options.cache)
        self.reused: set[str] = set()
        if self._checks_from_cache():
            return
        self._start_pool_early()
        if self.checks_key is not None:  # the inputs changed (not: injected steps, a test's)
            self._start_pdf_worker_early()
        warnings_before = len(self.warnings)
        self._check_inputs_now()
        self._store_checks(self.warnings[warnings_before:])

    def _checks_key(self) -> str | None:
        """Key of the validation and preflight results: None unless the default steps run
        (an injected step is not the project's code, so its results are not cached)."""
        if not (
            self.steps.validate is _validate_inputs
            and self.steps.load_inputs is _load_inputs
            and self.steps.preflight is _preflight
        ):
            return None
        from helpers.datasets import load_inputs
        from helpers.incremental import digest

        try:
            # The default load is lazy: this object becomes the build's inputs, so the files
            # are hashed once.
            self._lazy_inputs = load_inputs(self.data_dir)
            files = self._lazy_inputs.files
        except ReportError:
            return None
        return digest(
            {
                "files": files,
                "data_dir": str(self.data_dir),
                "helpers": helpers_digest(),
                "catalogue": catalogue_digest(),
                "settings": self.settings.as_dict(),
                "quarter": self.quarter_wanted,
                "sections": [s.id for s in self.specs],
            }
        )

    def _checks_from_cache(self) -> bool:
        self.checks_key = self._checks_key()
        cached = self.cache.checks(self.checks_key) if self.checks_key else None
        if cached is None:
            return False
        started = time.perf_counter()
        self.inputs = self._lazy_inputs
        self.quarter = FinancialQuarter.parse(cached["quarter"])
        self.settings = self.settings.with_overrides(quarter=self.quarter.code)
        self.log.say(
            self.log.line(
                "validate inputs", "cached", time.perf_counter() - started, "files unchanged"
            )
        )
        for warning in cached["warnings"]:
            self.warnings.append(warning)
            self.log.say(f"  warning: {warning}")
        return True

    def _store_checks(self, warnings: list[str]) -> None:
        if self.checks_key:
            self.cache.store_checks(
                self.checks_key, {"quarter": self.quarter.code, "warnings": list(warnings)}
            )

    def _stop_on_input_problems(self, exc: InputValidationError) -> None:
        self.log.say("")
        self.log.say(f"The input data in {self.data_dir} cannot be used; nothing was built:")
        for problem in exc.problems:
            self.log.say(f"  - {problem}")
        raise _Stop(EXIT_FAILED) from None

    def _check_inputs_now(self) -> None:
        try:
            with self.step("validate inputs"):
                problems = list(self.steps.validate(self.data_dir) or [])
        except InputValidationError as exc:
            self._stop_on_input_problems(exc)
        except ReportError as exc:
            self.log.say(f"error: {exc}")
            raise _Stop(EXIT_FAILED) from None
        for problem in problems:
            self.warnings.append(str(problem))
            self.log.say(f"  warning: {problem}")
        try:
            with self.step("load inputs"):
                self.inputs = self.steps.load_inputs(self.data_dir)
        except ReportError as exc:
            self.log.say(f"error: {exc}")
            raise _Stop(EXIT_FAILED) from None
        try:
            checked = self.steps.preflight(
                self.inputs,
                self.quarter_wanted,
                self.force.name,
                self.settings,
                [s.id for s in self.specs],
            )
        except QuarterError as exc:
            self.log.say(f"error: {exc}")
            raise _Stop(EXIT_USAGE) from None
        except InputValidationError as exc:
            self._stop_on_input_problems(exc)
        self.quarter = checked.quarter
        for warning in checked.warnings:
            self.warnings.append(warning)
            self.log.say(f"  warning: {warning}")
        self.settings = self.settings.with_overrides(quarter=self.quarter.code)

    def _run(self) -> Generator[Future[Any], None, BuildResult]:
        self._resolve()
        self._check_inputs()
        slug = self.force.slug + ("-partial" if self.partial else "")
        target = self.outputs_root / self.quarter.code / slug
        self.log.say(f"{self.quarter.title} -> {_display(target)}")
        lock = BuildLock(target.parent / f".{slug}.lock")
        try:
            lock.acquire()
        except BuildLocked as exc:
            self.log.say(f"error: {exc}")
            return BuildResult(EXIT_FAILED)
        try:
            recover_interrupted_publish(target)
            staging = Path(tempfile.mkdtemp(prefix=f".{slug}.staging-", dir=target.parent))
            try:
                yield from self._produce(staging, target)
                self.log.say(self.log.line("publish", "done", None, _display(target)))
                with _no_interrupt():
                    self.log.write(staging / "build.log")
                    publish(staging, target)
                    self.published = True
            except (KeyboardInterrupt, GeneratorExit):
                shutil.rmtree(staging, ignore_errors=True)
                raise
            except BaseException as exc:
                return self._fail(staging, target, exc)
        finally:
            lock.release()
        total = (_utc_now() - self.started).total_seconds()
        if self.warnings:
            print(
                f"{len(self.warnings)} warning(s) (also in build.log and manifest.json):",
                file=self.log.stream,
            )
            for warning in self.warnings:
                print(f"  - {warning}", file=self.log.stream)
        print(
            f"Report built in {total:.1f} s: {_display(target / 'report.html')}, "
            f"{_display(target / 'report.pdf')}, {_display(target / 'report.ods')}",
            file=self.log.stream,
            flush=True,
        )
        return BuildResult(EXIT_OK, target)

    def _produce(self, staging: Path, target: Path) -> Stages:
        from helpers import publication

        self.target = target
        with self.step("measures.csv"):
            self._measures(staging)
        self._execute(staging, target)
        # Before `_render` removes the measure results: the changes since the last report.
        self.extra_pages = publication.changes_page(self, staging)
        report, previous = self._render(staging)
        with self.step("report.ods"):
            publication.write_report_ods(self, staging)
        yield from self._make_pdf(staging, report, previous)
        with self.step("manifest.json"):
            self._manifest(staging, "complete")

    def _measures(self, staging: Path) -> None:
        """measures.csv, and (default step) the results as a pickle the notebooks reuse
        instead of computing every measure again; both cached on content."""
        self.precomputed: Path | None = None
        if self.steps.measures_table is not _measures_table:
            from helpers.measures import write_measures_csv

            table = self.steps.measures_table(
                self.inputs, self.quarter, self.force.name, self.settings
            )
            write_measures_csv(table, staging / "measures.csv")
            return
        import pickle

        from helpers.incremental import digest

        key = digest(
            {
                "files": dict(self.inputs.files),
                "helpers": helpers_digest(),
                "catalogue": catalogue_digest(),
                "quarter": self.quarter.code,
                "settings": self.settings.as_dict(),
            }
        )
        slug = self.force.slug
        cached = self.cache.measures(self.quarter.code, slug, key)
        results_path = staging / ".measure-results.pkl"
        if cached is not None:
            shutil.copyfile(cached[0], staging / "measures.csv")
            shutil.copyfile(cached[1], results_path)
            self.precomputed = results_path
            return
        from helpers.measures import measures_table, write_measures_csv

        results = measure_results(self.inputs, self.quarter, self.force.name, self.settings)
        write_measures_csv(measures_table(results), staging / "measures.csv")
        with open(results_path, "wb") as handle:
            pickle.dump(results, handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.precomputed = results_path
        self.cache.store_measures(
            self.quarter.code, slug, key, staging / "measures.csv", results_path
        )

    # -- execution --
    def _execute(self, staging: Path, target: Path) -> None:
        from helpers.manifest import read_manifest

        (staging / "notebooks").mkdir()
        self.parameters = notebook_parameters(
            self.quarter, self.force.name, self.data_dir, self.settings
        )
        helpers = helpers_digest()
        catalogue = catalogue_digest()
        # The narrative is not part of the key: its parts of a page are re-rendered from the
        # files when the pages are made (`_render`), so a narrative edit executes nothing.
        self.cache_keys = {
            s.id: section_cache_key(
                s, self.parameters, dict(self.inputs.files), helpers=helpers, catalogue=catalogue
            )
            for s in self.specs
        }
        quarter, slug = self.quarter.code, target.name
        to_run = []
        for s in self.specs:
            hit = self.cache.notebook(quarter, slug, s.stem, self.cache_keys[s.id])
            if hit is None:
                to_run.append(s)
                continue
            shutil.copyfile(hit, staging / "notebooks" / f"{s.stem}.ipynb")
            self.reused.add(s.id)
            self.outcomes[s.id] = SectionOutcome(s.id, True, 0.0)
            self.section_seconds[s.id] = 0.0
        if self.reused:
            self.log.say(
                self.log.line(
                    "reuse notebooks",
                    "cached",
                    None,
                    f"{len(self.reused)} of {len(self.specs)} unchanged since an earlier build",
                )
            )
        if not to_run:
            self.timings["execute notebooks"] = 0.0
            self.workers = 0
            return
        self._start_pdf_worker_early()
        # The build validated the inputs and computed every measure already: it offers both
        # to the notebooks' kernels under their parameters and the inputs' content
        # (helpers.handoff), withdrawn when they have run. No notebook parameter carries them.
        run_parameters = dict(self.parameters)
        offered = None
        if self.precomputed is not None:
            from helpers import handoff
            from helpers.datasets import INPUT_TABLES

            self._save_tables()
            tables = self.precomputed.with_name(INPUT_TABLES)
            offered = handoff.offer(
                handoff.offer_key(self.parameters, dict(self.inputs.files)),
                self.precomputed,
                tables if tables.is_file() else None,
                self.settings,
            )
        # Slowest first (timings of the previous build of this report), so that a long
        # notebook does not start last and keep the pool waiting; unknown ones count as slow.
        previous = read_manifest(target / "manifest.json") or read_manifest(
            target.with_name(self.force.slug) / "manifest.json"
        )
        before = ((previous or {}).get("timings") or {}).get("sections") or {}
        order = sorted(to_run, key=lambda s: -float(before.get(s.id, float("inf"))))

        if self.options.scheduler:
            kernel_name, warm_uses = KERNEL_NAME, 0  # each Dask task makes its own
            workers = len(to_run)
        else:
            pool = self._section_pool(len(to_run))
            self.kernel = pool.kernel
            kernel_name, warm_uses, workers = pool.kernel.name, pool.warm_uses, pool.workers
        jobs = [
            SectionJob(
                spec=s,
                output=staging / "notebooks" / f"{s.stem}.ipynb",
                parameters=dict(run_parameters),
                kernel_name=kernel_name,
                warm_kernel=warm_uses,
            )
            for s in order
        ]
        self.workers = workers
        self.log.say(f"Executing {len(jobs)} notebooks, {min(workers, len(jobs))} at a time:")
        started = time.perf_counter()
        try:
            self._run_pool(jobs)
        finally:
            if offered is not None:
                from helpers import handoff

                handoff.withdraw(offered)
            # Its kernels' memory and processor are the PDF's now.
            self._release_pool()
        self.timings["execute notebooks"] = round(time.perf_counter() - started, 3)
        for s in to_run:
            if self.outcomes[s.id].ok:
                notebook = staging / "notebooks" / f"{s.stem}.ipynb"
                self.cache.store_notebook(quarter, slug, s.stem, self.cache_keys[s.id], notebook)
        failed = [self.outcomes[s.id] for s in self.specs if not self.outcomes[s.id].ok]
        if failed:
            raise BuildFailed(
                f"{len(failed)} of {len(self.specs)} section(s) failed",
                [f.as_error() for f in failed],
            )

    def _save_tables(self) -> None:
        """The inputs' tidy tables beside the measure results, for the notebooks' kernels to
        load (`report.ReportContext.inputs`) instead of each reading and parsing every file;
        only when this process has the project's own inputs (an injected loader's need not be
        tables)."""
        from helpers.datasets import INPUT_TABLES, InputData, save_tables

        if self.precomputed is None or not isinstance(self.inputs, InputData):
            return
        # A source that cannot be read is left to the notebook that needs it to report.
        with contextlib.suppress(ReportError):
            save_tables(self.inputs, self.precomputed.with_name(INPUT_TABLES))

    def _run_pool(self, jobs: list[SectionJob]) -> None:
        if self.options.scheduler:
            from helpers.batch import run_on_dask

            run_on_dask(self, jobs, self.options.scheduler)
            return
        pool = self._section_pool(len(jobs))
        pool.run(jobs, self.steps.execute, self._record)

    def _record(self, outcome: SectionOutcome, job: SectionJob, counter: str) -> None:
        self.outcomes[outcome.id] = outcome
        self.section_seconds[outcome.id] = round(outcome.seconds, 3)
        label = f"{counter} {outcome.id}"
        if outcome.ok:
            self.log.say(self.log.line(label, "done", outcome.seconds))
        else:
            self.log.say(self.log.line(label, "FAILED", outcome.seconds, outcome.reason))
            if outcome.traceback:
                self.log.detail(f"--- {outcome.id}: traceback ---\n{outcome.traceback}")
        for message in outcome.messages:
            self.log.detail(f"    {outcome.id}: papermill: {message}")
        if outcome.ok:
            # Convert it while the other notebooks run: the main process only waits meanwhile.
            with contextlib.suppress(Exception):  # `_render` converts it again and reports
                self._fragments[job.spec.id] = self._fragment(job.spec, job.output.parent.parent)

    # -- rendering --
    def _fragment(self, s: SectionSpec, staging: Path) -> str:
        """A section's HTML fragment: its executed notebook with the narrative parts
        re-rendered from the files; cached on the notebook's key, the narrative files it
        shows and the templates."""
        from helpers import render
        from helpers.incremental import digest, narrative_files, templates_digest
        from helpers.report import refresh_narrative_outputs

        narrative_dir = resolve(self.settings.narrative_dir)
        # The summary's "Before publication" list shows every section's narrative flags.
        shown = [x.id for x in self.specs] if s.id == "summary" else [s.id]
        key = digest(
            {
                "notebook": self.cache_keys.get(s.id),
                "narrative": narrative_files(narrative_dir, self.quarter.code, shown),
                "templates": templates_digest(),
            }
        )
        quarter, slug = self.quarter.code, self.target.name
        cached = self.cache.fragment(quarter, slug, s.stem, key)
        if cached is not None:
            return cached
        self._start_pdf_worker_early()  # a narrative or notebook changed: so will the PDF
        notebook = staging / "notebooks" / f"{s.stem}.ipynb"
        try:
            nb = render._read(notebook)
            refresh_narrative_outputs(nb, narrative_dir)
            fragment = render.notebook_to_fragment(nb)
        except Exception as exc:
            raise RenderError(
                f"section '{s.id}': cannot convert {notebook.name}: {type(exc).__name__}: {exc}"
            ) from exc
        for message in render.stderr_messages(nb):
            self.log.detail(f"    {s.id}: stderr (not in the report): {message}")
        if self.outcomes.get(s.id) is not None and self.outcomes[s.id].ok:
            self.cache.store_fragment(quarter, slug, s.stem, key, fragment)
        return fragment

    def _render(self, staging: Path) -> tuple[str, dict[str, Any]]:
        """report.html and the section pages; returns the report and the published
        report's manifest."""
        from helpers import publication, render
        from helpers.manifest import read_manifest

        if self.precomputed is not None:
            from helpers.datasets import INPUT_TABLES

            self.precomputed.unlink(missing_ok=True)
            self.precomputed.with_name(INPUT_TABLES).unlink(missing_ok=True)
        previous = read_manifest(self.target / "manifest.json") or {}
        published = self.target / "report.html"
        with self.step("html pages"):
            contents = [
                render.SectionContent(
                    s.id,
                    s.number,
                    s.title,
                    s.part,
                    s.stem,
                    self._fragments.pop(s.id, None) or self._fragment(s, staging),
                )
                for s in self.specs
            ]
            contents = publication.place_pages(contents, getattr(self, "extra_pages", []))

            def context(built: datetime) -> Any:
                return render.ReportContext(
                    quarter=self.quarter,
                    force=self.force.name,
                    built=built,
                    partial=tuple(s.title for s in self.specs) if self.partial else (),
                )

            # A report whose content has not changed keeps the time its content was made:
            # then report.html is byte-identical to the published one and its PDF is reused.
            built = self.started.astimezone()
            report = None
            before = previous.get("report_built") if self.options.cache else None
            if before and published.is_file():
                with contextlib.suppress(ValueError):
                    earlier = datetime.fromisoformat(before).astimezone()
                    candidate = render.render_report(contents, context(earlier))
                    if candidate.encode("utf-8") == published.read_bytes():
                        built, report = earlier, candidate
            self.report_built = built.isoformat(timespec="seconds")
            if report is None:
                report = render.render_report(contents, context(built))
            (staging / "sections").mkdir()
            for index, content in enumerate(contents):
                page = render.render_section_page(contents, index, context(built))
                _check_offline(page, f"sections/{content.filename}")
                (staging / "sections" / content.filename).write_text(page, encoding="utf-8")
            _check_offline(report, "report.html")
            (staging / "report.html").write_text(report, encoding="utf-8")
        return report, previous

    def _make_pdf(self, staging: Path, report: str, previous: dict[str, Any]) -> Stages:
        """report.pdf: reused when report.html is unchanged, else written here or (a batch)
        by `pdf_workers`, pausing the build meanwhile."""
        from helpers import render

        self.pdf = None
        published = self.target / "report.html"
        if not self.options.pdf:
            self.log.say(self.log.line("report.pdf", "skipped", None, "--no-pdf: HTML only"))
            return
        old_pdf = (previous.get("report") or {}).get("pdf")
        if (
            self.options.cache
            and old_pdf
            and (self.target / "report.pdf").is_file()
            and published.is_file()
            and old_pdf.get("printer") == render.printer_digest()
            and report.encode("utf-8") == published.read_bytes()
        ):
            started = time.perf_counter()
            shutil.copyfile(self.target / "report.pdf", staging / "report.pdf")
            self.pdf = render.PdfInfo(
                pages=old_pdf["pages"],
                page_size_mm=tuple(old_pdf["page_size_mm"]),
                bookmarks=[(1, "")] * int(old_pdf["bookmarks"]),
                variant=old_pdf["variant"],
            )
            seconds = time.perf_counter() - started
            self.log.say(self.log.line("report.pdf", "reused", seconds, "report.html unchanged"))
            return
        workers = self.pdf_workers or self.own_pdf_worker
        if workers is None:
            with self.step("report.pdf"):
                info = render.write_pdf(report, staging / "report.pdf", base_url=staging)
        else:
            job = workers.submit(report, staging / "report.pdf", str(staging))
            waited = time.perf_counter()
            yield job
            try:
                info, seconds = job.result()
            except Exception as exc:
                seconds = time.perf_counter() - waited
                self.timings["report.pdf"] = round(seconds, 3)
                self.log.say(self.log.line("report.pdf", "FAILED", seconds, _short(exc)))
                raise
            # The PDF worker's own time, not the time this build waited for it.
            self.timings["report.pdf"] = round(seconds, 3)
            self.log.say(self.log.line("report.pdf", "done", seconds, "in a PDF worker"))
        self.pdf = info
        for message in info.warnings:
            self.log.detail(f"    pdf: {message}")
        self.log.detail(
            f"    pdf: {info.pages} pages, {info.page_size_mm[0]} x "
            f"{info.page_size_mm[1]} mm, {len(info.bookmarks)} bookmarks, "
            f"variant {info.variant or 'plain PDF'}"
        )

    # -- manifest --
    def _section_records(self) -> list[dict[str, Any]]:
        records = []
        for s in self.specs:
            outcome = self.outcomes.get(s.id)
            status = "not run" if outcome is None else ("done" if outcome.ok else "failed")
            record: dict[str, Any] = {
                "id": s.id,
                "number": s.number,
                "title": s.title,
                "part": s.part,
                "notebook": _display(s.notebook),
                "executed_notebook": f"notebooks/{s.stem}.ipynb",
                "page": f"sections/{s.stem}.html",
                "status": status,
                "seconds": self.section_seconds.get(s.id),
                "cache_key": getattr(self, "cache_keys", {}).get(s.id),
                "reused": s.id in getattr(self, "reused", ()),
            }
            if outcome is not None and not outcome.ok:
                record["error"] = {
                    "cell": outcome.cell,
                    "exception": outcome.ename,
                    "message": outcome.evalue,
                }
            records.append(record)
        return records

    def _manifest(self, folder: Path, status: str) -> None:
        from helpers import render
        from helpers.manifest import build_manifest, sha256_tree, write_manifest

        inputs = getattr(self, "inputs", None)
        pdf = getattr(self, "pdf", None)
        kernel = getattr(self, "kernel", None)
        manifest = build_manifest(
            status=status,
            report={
                "title": "Performance Report",
                "quarter": self.quarter.code,
                "quarter_title": self.quarter.title,
                "force": self.force.name,
                "force_code": self.force.code,
                "force_slug": self.force.slug,
                "partial": self.partial,
                "pdf": None
                if pdf is None
                else {
                    "pages": pdf.pages,
                    "page_size_mm": pdf.page_size_mm,
                    "bookmarks": len(pdf.bookmarks),
                    "variant": pdf.variant,
                    # The print form's code: a change to it makes the PDF again (`_make_pdf`).
                    "printer": render.printer_digest(),
                },
            },
            parameters=getattr(self, "parameters", {}),
            settings={
                **self.settings.as_dict(),
                "outputs_dir": str(self.outputs_root),
                "narrative_dir": str(resolve(self.settings.narrative_dir)),
            },
            command=["python", "-m", "helpers", "build", *self.options.argv],
            inputs={
                "data_dir": str(self.data_dir),
                "files": dict(sorted((inputs.files if inputs else {}).items())),
                "missing": sorted(str(m) for m in (getattr(inputs, "missing", None) or ())),
                "warnings": self.warnings,
                # The narrative is an input of the report too: `make verify` checks it.
                "narrative_dir": str(resolve(self.settings.narrative_dir)),
                "narrative_files": _narrative_files(resolve(self.settings.narrative_dir)),
            },
            started_utc=self.started.isoformat(timespec="seconds"),
            finished_utc=_utc_now().isoformat(timespec="seconds"),
            timings={
                "steps": dict(self.timings),
                "sections": dict(self.section_seconds),
                "workers": getattr(self, "workers", None),
            },
            sections=self._section_records(),
            outputs=sha256_tree(folder, exclude=("manifest.json", "build.log")),
            extra={
                **_publication_digests(self),
                "report_built": getattr(self, "report_built", None),
                "kernel": None
                if kernel is None
                else {"name": kernel.name, "executable": kernel.executable},
            },
        )
        write_manifest(folder / "manifest.json", manifest)

    # -- failure --
    def _fail(self, staging: Path, target: Path, exc: BaseException) -> BuildResult:
        if isinstance(exc, BuildFailed):
            failures = [o for o in self.outcomes.values() if not o.ok]
        else:
            failures = []
        if not isinstance(exc, ReportError):
            self.log.detail(
                "--- unexpected error ---\n"
                + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            )
        where = self.outputs_root / FAILED_DIR / self.quarter.code / target.name
        kept: Path | None = where
        try:
            self._manifest(staging, "failed")
        except Exception as problem:  # the failure report matters more than its manifest
            self.log.detail(f"manifest of the failed build not written: {problem}")
        self.log.say("")
        if failures:
            self.log.say(f"Build FAILED: {len(failures)} of {len(self.specs)} section(s) failed:")
            order = {s.id: i for i, s in enumerate(self.specs)}
            for o in sorted(failures, key=lambda o: order.get(o.id, 0)):
                spec = next(s for s in self.specs if s.id == o.id)
                cell = f"cell {o.cell}" if o.cell is not None else "no cell"
                self.log.say(f"  - {o.id} ({spec.notebook.name}), {cell}: {o.ename}: {o.evalue}")
        else:
            self.log.say(f"Build FAILED: {_short(exc)}")
            for problem in getattr(exc, "problems", [])[:50]:
                self.log.say(f"  - {problem}")
        previous = "the previous report is untouched" if target.exists() else "nothing published"
        self.log.say(f"Nothing was published; {previous} ({_display(target)}).")
        try:
            for name in ("report.html", "report.pdf", "report.ods"):
                (staging / name).unlink(missing_ok=True)
            shutil.rmtree(staging / ".jupyter", ignore_errors=True)
            self.log.say(f"Executed notebooks and build.log: {_display(where)}/")
            (staging / "FAILED.txt").write_text(self._failed_text(exc, failures), encoding="utf-8")
            self.log.write(staging / "build.log")
            if where.exists():
                shutil.rmtree(where)
            where.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging, where)
        except OSError as problem:
            self.log.say(f"(the failed build could not be kept: {problem})")
            shutil.rmtree(staging, ignore_errors=True)
            kept = None
        return BuildResult(EXIT_FAILED, target, failures, kept)

    def _failed_text(self, exc: BaseException, failures: list[SectionOutcome]) -> str:
        lines = [
            "THIS BUILD FAILED. This folder is not a report: it holds what the failed build",
            "produced, to find the cause. The published report (if any) was not changed.",
            "",
            f"Report:  {self.force.name}, {self.quarter.title}",
            f"Started: {self.started.isoformat(timespec='seconds')}",
            f"Reason:  {_short(exc)}",
        ]
        for o in failures:
            lines.append(f"  - {o.id}: {o.reason}")
        lines += [
            "",
            "See build.log, and the executed notebooks in notebooks/ (papermill marks "
            "the failing cell).",
        ]
        return "\n".join(lines) + "\n"


def _publication_digests(build: Build) -> dict[str, Any]:
    """What the changes pages need in manifest.json (helpers.publication)."""
    from helpers.publication import manifest_extra

    try:
        return manifest_extra(build)
    except Exception:  # a failed build's manifest must still be written
        return {}


def _narrative_files(narrative: Path) -> dict[str, str]:
    """{relative path: sha256} of every narrative file (every quarter's: they are few)."""
    if not narrative.is_dir():
        return {}
    return {
        p.relative_to(narrative).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(narrative.rglob("*"))
        if p.is_file()
    }


def _check_offline(page: str, name: str) -> None:
    from helpers.render import find_external_resources

    external = find_external_resources(page)
    if external:
        shown = ", ".join(external[:5]) + (" ..." if len(external) > 5 else "")
        raise RenderError(
            f"{name} would load {len(external)} external resource(s), which fail on a closed "
            f"network: {shown}. Embed them (data: URIs, inline SVG) instead."
        )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}" if not isinstance(exc, ReportError) else first


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(PROJECT_ROOT).as_posix()
        except ValueError:
            return str(path)


# ----- command line ---------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers build",
        description="Build the quarterly performance report (HTML, PDF, measures.csv, manifest).",
    )
    parser.add_argument(
        "--quarter", help="'2024-03', '2023/24 Q4' or 'latest' (default: params/report.yaml)"
    )
    parser.add_argument(
        "--force", help="force name in any published spelling (default: params/report.yaml)"
    )
    parser.add_argument("--data-dir", help="input folder (default: params/report.yaml)")
    parser.add_argument("--jobs", type=int, help="notebooks run at once (default: CPU count)")
    parser.add_argument(
        "--sections",
        help="comma-separated section ids: a partial build, "
        "written to outputs/<quarter>/<force>-partial/",
    )
    parser.add_argument("--outputs", help="outputs folder (default: params/report.yaml)")
    parser.add_argument(
        "--narrative-dir", help="narrative folder (default: params/report.yaml narrative_dir)"
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="execute every section even if an earlier build made it from the same content",
    )
    parser.add_argument("--no-pdf", action="store_true", help="HTML only (a quick draft)")
    parser.add_argument(
        "--previous",
        help="the report to compare with on the changes page: its folder or measures.csv "
        "(default: the previous quarter's report under the outputs folder)",
    )
    parser.add_argument("--scheduler", help="Dask scheduler address: sections run there")
    parser.add_argument(
        "--cold-kernels",
        action="store_true",
        help="a fresh kernel for every notebook (default: each worker reuses one warm kernel)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    steps: BuildSteps | None = None,
    stream: IO[str] | None = None,
) -> int:
    """`python -m helpers build ...`; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    options = BuildOptions(
        quarter=args.quarter,
        force=args.force,
        data_dir=args.data_dir,
        jobs=args.jobs,
        sections=args.sections.split(",") if args.sections else None,
        outputs=args.outputs,
        narrative_dir=args.narrative_dir,
        cache=not args.no_cache,
        pdf=not args.no_pdf,
        scheduler=args.scheduler,
        warm_kernels=not args.cold_kernels,
        previous=args.previous,
        argv=argv,
    )
    return Build(options, steps, stream).run().status


__all__ = [
    "Build",
    "BuildLock",
    "BuildOptions",
    "BuildResult",
    "BuildSteps",
    "KernelInfo",
    "SectionJob",
    "SectionOutcome",
    "SectionSpec",
    "catalogue_digest",
    "check_kernel",
    "declared_parameters",
    "execute_section",
    "helpers_digest",
    "main",
    "notebook_parameters",
    "prepare_kernel",
    "publish",
    "recover_interrupted_publish",
    "report_plan",
    "section_cache_key",
    "select_sections",
]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
