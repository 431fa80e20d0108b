"""Many reports in one run: every force for a quarter (`make all-forces`), on this machine or on
a Dask cluster.

    python -m helpers all-forces [--quarter Q | --quarters Q1,Q2] [--forces a,b]
                                 [--data-dir DIR] [--outputs DIR] [--jobs N] [--no-pdf]
                                 [--scheduler tcp://host:8786]

Each force's report is an ordinary build (`helpers.pipeline.build.Build`: staging folder, lock,
atomic publish, manifest, incremental cache), so a batch report is the same as
`make report FORCE=...` would make. What the batch shares between forces, in this process:

* the inputs are validated once and loaded once (one `InputData` for every force);
* each measure's series for every force (`measures.all_forces_series`) is computed once and
  reused for each force's figures (`measuring.measure_results`);
* one executor (`helpers.pipeline.executors`; locally the section workers): its workers and their
  warm kernels serve every force, so only the first force waits for kernels to start;
* PDF workers (`helpers.pipeline.pool.PdfWorkers`): a force's build pauses while its PDF is laid out
  in another process (`Build.stages()`), and the next force's notebooks run meanwhile; up to
  three forces are in flight on two cores, and each is published when its PDF is done;
* the incremental cache: a second batch with nothing changed executes nothing.

Each force uses its MSG where params/forces.yaml gives one, else the national comparison (the
measures do that). One line per force shows progress (`[ 7/43] Cleveland ... done  31.2 s`),
with a progress bar on a terminal; the closing summary lists every failed force and why; exit
status 1 if any failed. `--quarters` builds every force for each quarter (a research batch).

With `--scheduler` (Make: `SCHEDULER=tcp://...`) every section notebook is one task on the Dask
cluster (`executors.DaskExecutor`): the batch hands its builds that executor instead, and
nothing else changes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from helpers.pipeline.build import Build, BuildResult
from helpers.pipeline.executors import Executor, executor_for
from helpers.pipeline.interrupts import Terminated, terminate_as_interrupt
from helpers.pipeline.plan import BuildOptions
from helpers.pipeline.progress import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    WARNINGS_HEADER,
)
from helpers.pipeline.steps import BuildSteps


@dataclass
class ForceOutcome:
    force: str
    status: int
    seconds: float
    reasons: list[str] = field(default_factory=list)
    quarter: str | None = None  # as asked for (a batch of several quarters names it)

    @property
    def ok(self) -> bool:
        return self.status == EXIT_OK


@dataclass
class BatchResult:
    outcomes: list[ForceOutcome]

    @property
    def failed(self) -> list[ForceOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def status(self) -> int:
        return EXIT_OK if not self.failed else EXIT_FAILED


def _once(function: Callable[[Path], Any]) -> Callable[[Path], Any]:
    """`function(data_dir)` computed once per folder (validation, loading)."""
    memo: dict[Path, Any] = {}

    def wrapper(data_dir: Path) -> Any:
        if data_dir not in memo:
            memo[data_dir] = function(data_dir)
        return memo[data_dir]

    return wrapper


def shared_steps(steps: BuildSteps | None = None) -> BuildSteps:
    """`steps` with validation and loading done once for the whole batch. Their checks are
    not cached: the cache would give each force inputs of its own, where the batch shares one
    loaded `InputData` (and with it each measure's series for every force)."""
    steps = steps or BuildSteps.project()
    return replace(
        steps,
        validate=_once(steps.validate),
        load_inputs=_once(steps.load_inputs),
        cache_checks=False,
    )


# A build that executed nothing says "reuse notebooks ... 16 of 16 unchanged".
_UNCHANGED = re.compile(r"\b(\d+) of \1 unchanged\b")


def _reasons(output: str) -> list[str]:
    """What a failed build printed about why: its error and failure lines."""
    lines = output.splitlines()
    # Not the warnings the build's summary lists (they did not stop it).
    for at, line in enumerate(lines):
        if line.endswith(WARNINGS_HEADER):
            end = next(
                (i for i in range(at + 1, len(lines)) if not lines[i].startswith("  - ")),
                len(lines),
            )
            lines = lines[:at] + lines[end:]
            break
    keep = [
        line.strip()
        for line in lines
        if line.startswith(("error:", "Build FAILED", "  - ", "The input data"))
        or " FAILED " in line
    ]
    return keep or [lines[-1].strip() if lines else "no output"]


@dataclass
class _Running:
    """A force whose build is paused while its PDF is made."""

    number: int
    name: str
    quarter: str | None
    stages: Generator[Future[Any], None, BuildResult]
    waiting: Future[Any]
    buffer: io.StringIO
    started: float


def _advance(stages: Generator[Future[Any], None, BuildResult]) -> Future[Any] | BuildResult:
    """Run a build until it pauses (the PDF job it waits for) or ends (its result)."""
    try:
        return next(stages)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def _pipeline_depth(pdf: bool) -> tuple[int, int]:
    """(PDF workers, forces in flight): with two or more cores, two PDFs are laid out while
    the section workers execute a third force's notebooks."""
    if not pdf:
        return 0, 1
    workers = 2 if (os.cpu_count() or 1) >= 2 else 1
    return workers, workers + 1


def all_forces(
    forces: Sequence[str] | None = None,
    *,
    quarter: str | None = None,
    quarters: Sequence[str] | None = None,
    data_dir: str | None = None,
    outputs: str | None = None,
    jobs: int | None = None,
    pdf: bool = True,
    scheduler: str | None = None,
    steps: BuildSteps | None = None,
    stream: IO[str] | None = None,
    warm_kernels: bool = True,
) -> BatchResult:
    """Build the report of every force in `forces` (default: all 43) for one quarter, or for
    each of `quarters` (a research batch: every force by every quarter).

    One section pool (its kernels stay warm from force to force) executes every force's
    notebooks, and PDF workers lay out the PDFs: while force N's PDF is made, force N+1's
    notebooks run. Each force's report is still published only when complete. Progress: one
    line per report on `stream`, and a progress bar on the terminal (standard error, only when
    it is a terminal).
    """
    from tqdm import tqdm

    from helpers.core.forces import default_forces
    from helpers.pipeline.pool import PdfWorkers

    stream = stream if stream is not None else sys.stdout
    names = list(forces) if forces else default_forces().names
    wanted: list[str | None] = list(quarters) if quarters else [quarter]
    several = len(wanted) > 1
    reports = [(q, name) for q in wanted for name in names]
    steps = shared_steps(steps)
    width = len(str(len(reports)))
    outcomes: dict[int, ForceOutcome] = {}
    started = time.perf_counter()
    print(
        f"Reports for {len(names)} forces"
        + (f" by {len(wanted)} quarters" if several else "")
        + (f" on {scheduler}" if scheduler else ""),
        file=stream,
    )
    bar = tqdm(total=len(reports), unit="report", file=sys.stderr, disable=None, leave=False)
    pdf_count, depth = _pipeline_depth(pdf)
    executor: Executor | None = None
    pdf_workers: PdfWorkers | None = None
    running: deque[_Running] = deque()

    def report(entry: _Running, status: int, output: str, seconds: float) -> None:
        reasons = [] if status == EXIT_OK else _reasons(output)
        outcome = ForceOutcome(entry.name, status, seconds, reasons, entry.quarter)
        outcomes[entry.number] = outcome
        elapsed = time.perf_counter() - started
        eta = elapsed / len(outcomes) * (len(reports) - len(outcomes))
        what = f"{entry.name}, {entry.quarter}" if several else entry.name
        label = f"[{entry.number:>{width}}/{len(reports)}] {what}"
        dots = "." * max(3, 40 - len(label))
        word = "done" if outcome.ok else "FAILED"
        reused = "  (nothing changed)" if outcome.ok and _UNCHANGED.search(output) else ""
        line = (
            f"{label} {dots} {word:<6} {seconds:6.1f} s   elapsed {elapsed:5.0f} s, "
            f"about {eta:4.0f} s to go{reused}"
        )
        with bar.external_write_mode(file=stream):
            print(line, file=stream, flush=True)
        bar.update(1)

    def ended(entry: _Running, value: Future[Any] | BuildResult | Exception) -> bool:
        """Record a build that ended; False if it is paused again."""
        if isinstance(value, Future):
            entry.waiting = value
            return False
        if isinstance(value, Exception):  # one force's unexpected error must not stop the batch
            entry.buffer.write(f"error: {type(value).__name__}: {value}\n")
            status = EXIT_FAILED
        else:
            status = value.status
        seconds = time.perf_counter() - entry.started
        report(entry, status, entry.buffer.getvalue(), seconds)
        if status in (EXIT_INTERRUPTED, EXIT_TERMINATED):
            raise KeyboardInterrupt
        return True

    def resume(entry: _Running) -> bool:
        wait([entry.waiting])
        try:
            value: Future[Any] | BuildResult | Exception = _advance(entry.stages)
        except Exception as exc:
            value = exc
        return ended(entry, value)

    try:
        with terminate_as_interrupt():
            shared = BuildOptions(
                jobs=min(jobs or os.cpu_count() or 1, 64),
                scheduler=scheduler,
                warm_kernels=warm_kernels,
            )
            executor = executor_for(shared)
            executor.start()
            if pdf_count:
                pdf_workers = PdfWorkers(pdf_count).start()
            for number, (wanted_quarter, name) in enumerate(reports, start=1):
                options = BuildOptions(
                    quarter=wanted_quarter,
                    force=name,
                    data_dir=data_dir,
                    jobs=jobs,
                    outputs=outputs,
                    pdf=pdf,
                    scheduler=scheduler,
                    warm_kernels=warm_kernels,
                    argv=[
                        "--force",
                        name,
                        *(["--quarter", wanted_quarter] if wanted_quarter else []),
                    ],
                )
                buffer = io.StringIO()
                build = Build(options, steps, buffer, executor=executor, pdf_workers=pdf_workers)
                entry = _Running(
                    number,
                    name,
                    wanted_quarter,
                    build.stages(),
                    Future(),
                    buffer,
                    time.perf_counter(),
                )
                try:
                    value: Future[Any] | BuildResult | Exception = _advance(entry.stages)
                except Exception as exc:
                    value = exc
                if not ended(entry, value):
                    running.append(entry)
                # Finish the forces whose PDF is done, oldest first; wait for the oldest when
                # too many are in flight.
                while running and (len(running) >= depth or running[0].waiting.done()):
                    if resume(running[0]):
                        running.popleft()
            while running:
                if resume(running[0]):
                    running.popleft()
    except KeyboardInterrupt:
        bar.close()
        # Every paused build removes its staging folder; nothing half-made is published.
        for entry in running:
            with contextlib.suppress(BaseException):
                entry.stages.throw(KeyboardInterrupt())
        for workers in (executor, pdf_workers):
            if workers is not None:
                workers.stop()
        raise
    for workers in (executor, pdf_workers):
        if workers is not None:
            workers.close()
    bar.close()
    result = BatchResult([outcomes[n] for n in sorted(outcomes)])
    total = time.perf_counter() - started
    print("", file=stream)
    print(
        f"{len(reports) - len(result.failed)} of {len(reports)} reports built in {total:.0f} s"
        + (f"; {len(result.failed)} FAILED:" if result.failed else "."),
        file=stream,
    )
    for o in result.failed:
        print(f"  - {o.force}{', ' + str(o.quarter) if several else ''}:", file=stream)
        for reason in o.reasons[:6]:
            print(f"      {reason}", file=stream)
    return result


# ----- command line ---------------------------------------------------------------------------


def force_list(text: str) -> list[str]:
    """Comma-separated force names (any spelling) as canonical names. A name may hold a comma
    itself ("London, City of"): a piece that is no force is read together with the next."""
    from helpers.core.exceptions import ConfigError
    from helpers.core.forces import default_forces

    registry = default_forces()
    pieces = [p.strip() for p in text.split(",") if p.strip()]
    names: list[str] = []
    while pieces:
        piece = pieces.pop(0)
        force = registry.find(piece)
        if force is None and pieces and registry.find(f"{piece}, {pieces[0]}") is not None:
            force = registry.find(f"{piece}, {pieces.pop(0)}")
        if force is None:
            registry.get(piece)  # raises, naming the nearest force
            raise ConfigError(f"unknown force '{piece}'")
        names.append(force.name)
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m helpers all-forces ...`; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers all-forces",
        description="Build the report of every force (or --forces) for one quarter.",
    )
    parser.add_argument("--quarter", help="'2024-03', '2023/24 Q4' or 'latest'")
    parser.add_argument(
        "--quarters", help="comma-separated quarters: every force by each quarter (research)"
    )
    parser.add_argument("--forces", help="comma-separated force names (default: all 43)")
    parser.add_argument("--data-dir", help="input folder (default: params/report.yaml)")
    parser.add_argument("--outputs", help="outputs folder (default: params/report.yaml)")
    parser.add_argument("--jobs", type=int, help="notebooks run at once (default: CPU count)")
    parser.add_argument("--no-pdf", action="store_true", help="HTML only (no report.pdf)")
    parser.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    parser.add_argument(
        "--cold-kernels", action="store_true", help="a fresh kernel for every notebook"
    )
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    quarters = None
    if args.quarters:
        from helpers.core.exceptions import QuarterError
        from helpers.core.quarters import FinancialQuarter

        if args.quarter:
            print("error: give --quarter or --quarters, not both")
            return EXIT_USAGE
        quarters = [q.strip() for q in args.quarters.split(",") if q.strip()]
        try:
            for q in quarters:
                if q != "latest":
                    FinancialQuarter.parse(q)
        except QuarterError as exc:
            print(f"error: {exc}")
            return EXIT_USAGE
    forces = None
    if args.forces:
        from helpers.core.exceptions import ConfigError

        try:
            forces = force_list(args.forces)
        except ConfigError as exc:
            print(f"error: {exc}")
            return EXIT_USAGE
    try:
        return all_forces(
            forces,
            quarter=args.quarter,
            quarters=quarters,
            data_dir=args.data_dir,
            outputs=args.outputs,
            jobs=args.jobs,
            pdf=not args.no_pdf,
            scheduler=args.scheduler,
            warm_kernels=not args.cold_kernels,
        ).status
    except KeyboardInterrupt as exc:
        what = "Terminated" if isinstance(exc, Terminated) else "Interrupted"
        print(f"\n{what}: the reports already built are published; no other was changed.")
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED


__all__ = [
    "BatchResult",
    "ForceOutcome",
    "all_forces",
    "force_list",
    "main",
    "shared_steps",
]
