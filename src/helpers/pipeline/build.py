"""The build behind `make report` (`python -m helpers build`, helpers.pipeline.cli): the
orchestrator, stage by stage, each timed and printed as it runs:

1. the inputs checked before anything runs or any output is touched (helpers.pipeline.checks;
   problems -> exit 1), while the executor's workers start and warm their kernels;
2. the quarter resolved ("latest" = the inputs' latest quarter): the frozen plan;
3. measures.csv, computed once (helpers.pipeline.measuring);
4. every section notebook, slowest first, handed to the build's executor
   (helpers.pipeline.executors: local workers with warm kernels, this process, or Dask; each
   job is `worker.execute_section`); each converted to an HTML fragment as it finishes;
5. the pages: sections/<nn>_<id>.html and report.html (helpers.pipeline.pages), with the
   'Changes since the last report' page, then report.ods (helpers.pipeline.publication);
6. report.pdf (helpers.pipeline.pdf; in a batch, by PDF workers while the next force runs:
   `Build.stages()` pauses meanwhile);
7. build.log and manifest.json, and the staging folder published whole
   (helpers.pipeline.publish); a failed build is kept in outputs/.failed/ and exits 1.

Incremental (keyed on content, never on timestamps; helpers.pipeline.incremental and
helpers.pipeline.hashing): the checked inputs, the measures, each executed notebook whose key
is unchanged, each section's fragment, report.ods and report.pdf are reused. The narrative is
not in a notebook's key: a narrative edit re-makes pages, not notebooks.

State: the options are resolved once into a frozen `plan.BuildRequest`; the checked inputs
(`checks.CheckedInputs`) give the quarter, and `BuildRequest.plan(quarter)` is the frozen
`plan.BuildPlan` every later stage is given, with the inputs, as arguments. What the stages
did is kept in one `progress.BuildRecord` (for manifest.json). `Build(options, steps,
executor=...)`: `steps` replaces validation, loading, the measures, the section plan or the
notebook function (helpers.pipeline.steps; the tests' fixtures); `executor` runs the notebooks
where it is told.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import traceback
from collections.abc import Generator
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from helpers.core.exceptions import (
    BuildFailed,
    BuildLocked,
    ConfigError,
    QuarterError,
    ReportError,
)
from helpers.core.plan import police_and_crime_plan
from helpers.measures import handoff
from helpers.pipeline import hashing, publication
from helpers.pipeline.checks import check_inputs
from helpers.pipeline.executors import Executor, executor_for
from helpers.pipeline.incremental import BuildCache
from helpers.pipeline.interrupts import Terminated, no_interrupt, terminate_as_interrupt
from helpers.pipeline.manifest import (
    pin_mismatches,
    read_manifest,
    report_manifest,
    write_manifest,
)
from helpers.pipeline.measuring import (
    offer_to_notebooks,
    remove_shared,
    write_measures,
)
from helpers.pipeline.pages import Fragments, section_contents, write_pages
from helpers.pipeline.pdf import Stages, make_pdf
from helpers.pipeline.plan import BuildOptions, BuildPlan, BuildRequest, resolve_request
from helpers.pipeline.progress import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    BuildLog,
    BuildRecord,
    StopBuild,
    display,
    say_warnings,
    short,
    step,
)
from helpers.pipeline.publish import (
    REPORT_FILES,
    BuildLock,
    failed_folder,
    keep_failed,
    publish,
    recover_interrupted_publish,
    staging_folder,
)
from helpers.pipeline.steps import BuildSteps, Inputs
from helpers.pipeline.worker import NotebookJob, NotebookOutcome

if TYPE_CHECKING:
    from helpers.pipeline.pool import PdfWorkers


@dataclass
class BuildResult:
    status: int
    target: Path | None = None
    failed: list[NotebookOutcome] = field(default_factory=list)
    failed_dir: Path | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Build:
    """One build; `run()` returns a `BuildResult` (`cli.main()` from the command line).

    The build holds only what it owns (its executor and PDF worker while it runs, its log and
    its record); the plan and the inputs are passed from stage to stage."""

    def __init__(
        self,
        options: BuildOptions,
        steps: BuildSteps | None = None,
        stream: IO[str] | None = None,
        *,
        executor: Executor | None = None,
        pdf_workers: PdfWorkers | None = None,
    ):
        """`executor`: runs the notebooks, shared with other builds (a batch's), which this
        build neither starts early nor closes; by default the build makes its own
        (`executors.executor_for`). `pdf_workers`: write report.pdf in those processes;
        `stages()` then pauses while the PDF is made."""
        self.options = options
        self.steps = steps or BuildSteps.project()
        self.shared_executor = executor
        self.own_executor: Executor | None = None
        self.pdf_workers = pdf_workers
        self.own_pdf_worker: PdfWorkers | None = None
        self.log = BuildLog(stream)
        self.record = BuildRecord()
        self.started = _utc_now()
        self.published = False
        self.target: Path | None = None  # where the report is published, once it is known
        # Fragments converted while the other notebooks ran, taken when the pages are made.
        self._fragments: dict[str, str] = {}

    def run(self) -> BuildResult:
        with terminate_as_interrupt():
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
        except StopBuild as stop:
            say_warnings(self.log, self.record)
            return BuildResult(stop.status)
        except GeneratorExit:
            raise
        except KeyboardInterrupt as exc:
            self.log.say("")
            what = "Terminated" if isinstance(exc, Terminated) else "Interrupted"
            if self.published:  # the signal arrived during the swap, which it did not stop
                self.log.say(f"{what} after the new report was published.")
            else:
                self.log.say(f"{what}: {_nothing_published(self.target)}")
            return BuildResult(EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED)
        finally:
            self._release_executor(failed=not self.published)
            self._release_pdf_worker()

    # -- what this build owns --
    def _executor(self) -> Executor:
        if self.shared_executor is not None:
            return self.shared_executor
        if self.own_executor is None:
            self.own_executor = executor_for(self.options)
        return self.own_executor

    def _release_executor(self, failed: bool = False) -> None:
        if self.own_executor is not None:
            executor, self.own_executor = self.own_executor, None
            if failed:
                executor.stop()
            else:
                executor.close()

    def _inputs_changed(self, request: BuildRequest) -> None:
        """The inputs must be checked again, so notebooks will run: start this build's workers
        and their kernels now, while this process validates the inputs and computes the
        measures (about 7 s on the sample data), and its PDF worker. A rebuild with nothing
        changed pays for neither."""
        if self.shared_executor is None and request.specs:
            self._executor().start(len(request.specs))
        self._start_pdf_worker_early()

    def _start_pdf_worker_early(self) -> None:
        """A single build's PDF worker, started as soon as something is known to change (the
        inputs, a notebook, a narrative file), so that it imports WeasyPrint (about 0.5 s) on
        the other core while this process makes the HTML. Not on a rebuild where nothing
        changed (report.pdf is reused: the worker would only cost), nor unless the steps allow
        it (`BuildSteps.pdf_worker`); a batch passes its `pdf_workers`."""
        if (
            self.own_pdf_worker is not None
            or not self.options.pdf
            or self.pdf_workers is not None
            or not self.steps.pdf_worker
        ):
            return
        from helpers.pipeline.pool import PdfWorkers

        # By the time the PDF is laid out every notebook has run: its parts take the cores.
        cores = self.options.jobs or os.cpu_count() or 1
        self.own_pdf_worker = PdfWorkers(1, parts_processes=cores).start()

    def _release_pdf_worker(self) -> None:
        if self.own_pdf_worker is not None:
            # Its PDF written, or never needed (report.pdf reused): nothing to wait for.
            worker, self.own_pdf_worker = self.own_pdf_worker, None
            worker.stop()

    # -- the stages --
    def _request(self) -> BuildRequest:
        try:
            request = resolve_request(self.options, self.steps.plan, publication.check_previous)
        except (ConfigError, QuarterError) as exc:
            self.log.say(f"error: {exc}")
            raise StopBuild(EXIT_USAGE) from None
        self.log.say(
            f"Performance report: {request.force.name}, inputs from {display(request.data_dir)}"
        )
        for mismatch in pin_mismatches():
            # Recorded in the manifest too: the report may differ from one built with the pins.
            self.record.warnings.append(f"{mismatch} (make venv reinstalls the pins)")
            self.log.detail(f"  warning: {mismatch}")
        if not request.data_dir.is_dir():
            self.log.say(
                f"error: data folder {request.data_dir} does not exist "
                "(make sample-data creates data/sample)"
            )
            raise StopBuild(EXIT_USAGE)
        return request

    def _run(self) -> Generator[Future[Any], None, BuildResult]:
        request = self._request()
        cache = BuildCache(request.outputs_root, enabled=self.options.cache)
        checked = check_inputs(
            request,
            self.steps,
            cache,
            self.log,
            self.record,
            on_change=lambda: self._inputs_changed(request),
        )
        plan = request.plan(checked.quarter)
        target = self.target = plan.target
        self.log.say(f"{plan.quarter.title} -> {display(target)}")
        lock = BuildLock(target.parent / f".{target.name}.lock")
        try:
            lock.acquire()
        except BuildLocked as exc:
            self.log.say(f"error: {exc}")
            return BuildResult(EXIT_FAILED)
        try:
            recover_interrupted_publish(target)
            staging = staging_folder(target)
            try:
                yield from self._produce(plan, checked.inputs, cache, staging)
                self.log.say(self.log.line("publish", "done", None))
                with no_interrupt():
                    self.log.write(staging / "build.log")
                    publish(staging, target)
                    self.published = True
            except (KeyboardInterrupt, GeneratorExit):
                shutil.rmtree(staging, ignore_errors=True)
                raise
            except BaseException as exc:
                return self._fail(plan, checked.inputs, staging, exc)
        finally:
            lock.release()
        self._closing_summary(target)
        return BuildResult(EXIT_OK, target)

    def _closing_summary(self, target: Path) -> None:
        total = (_utc_now() - self.started).total_seconds()
        say_warnings(self.log, self.record)
        # Only what this build published: no PDF with --no-pdf.
        made = [target / name for name in REPORT_FILES if (target / name).is_file()]
        self.log.say(f"Report built in {total:.1f} s: {', '.join(display(p) for p in made)}")

    def _step(self, label: str) -> contextlib.AbstractContextManager[None]:
        return step(self.log, self.record, label)

    def _produce(self, plan: BuildPlan, inputs: Inputs, cache: BuildCache, staging: Path) -> Stages:
        fragments = Fragments(
            plan, cache, self.log, self.record, on_change=self._start_pdf_worker_early
        )
        with self._step("measures.csv"):
            results = write_measures(plan, inputs, self.steps, cache, staging)
        self._execute(plan, inputs, cache, staging, results, fragments)
        # Read once, for the changes page and report.ods.
        shown = publication.shown_tables(plan, staging)
        # Before `_render` removes the measure results: the changes since the last report.
        pages, self.record.changes = publication.changes_page(
            plan, inputs, staging, results=results, log=self.log, shown=shown
        )
        report, previous = self._render(plan, staging, fragments, pages, results)
        with self._step("report.ods"):
            publication.write_report_ods(
                plan,
                inputs,
                staging,
                changes=self.record.changes,
                report_built=self.record.report_built,
                cache=cache,
                log=self.log,
                shown=shown,
            )
        contact = publication.contact_warning(plan.options.settings_path)
        if contact is not None:  # report.ods's cover would send readers to no one
            self.record.warnings.append(contact)
        workers = self.pdf_workers or self.own_pdf_worker
        # A batch lays each force's PDF out as one document: nothing of it would be reused,
        # and the cores are running the next force's notebooks.
        parts = None if self.pdf_workers else cache.pdf_parts(plan.quarter.code, plan.target.name)
        yield from make_pdf(plan, staging, report, previous, self.log, self.record, workers, parts)
        with self._step("manifest.json"):
            self._manifest(plan, inputs, staging, "complete")

    def _execute(
        self,
        plan: BuildPlan,
        inputs: Inputs,
        cache: BuildCache,
        staging: Path,
        results: Path | None,
        fragments: Fragments,
    ) -> None:
        """Every section's executed notebook: reused when its key is unchanged, else run by
        the executor, the slowest first."""
        record = self.record
        (staging / "notebooks").mkdir()
        record.parameters = plan.parameters()
        helpers, catalogue = hashing.helpers_digest(), hashing.catalogue_digest()
        # The narrative is not part of the key: its parts of a page are re-rendered from the
        # files when the pages are made (helpers.pipeline.pages), so a narrative edit executes
        # nothing.
        # A section's heading prints the force's plan priority (params/report.yaml `plan:`).
        police_plan = police_and_crime_plan(plan.force.name)
        extra = {
            "police_and_crime_plan": hashing.digest(
                None if police_plan is None else [police_plan.name, dict(police_plan.priorities)]
            )
        }
        record.cache_keys = {
            s.id: hashing.section_cache_key(
                s,
                record.parameters,
                dict(inputs.files),
                helpers=helpers,
                catalogue=catalogue,
                extra_files=extra,
            )
            for s in plan.specs
        }
        quarter, slug = plan.quarter.code, plan.target.name
        to_run = []
        for s in plan.specs:
            hit = cache.notebook(quarter, slug, s.stem, record.cache_keys[s.id])
            if hit is None:
                to_run.append(s)
                continue
            shutil.copyfile(hit, staging / "notebooks" / f"{s.stem}.ipynb")
            record.reused.add(s.id)
            record.outcomes[s.id] = NotebookOutcome(s.id, True, 0.0)
            record.section_seconds[s.id] = 0.0
        if record.reused:
            unchanged = (
                f"{len(record.reused)} of {len(plan.specs)} unchanged since an earlier build"
            )
            self.log.say(self.log.line("reuse notebooks", "cached", None, unchanged))
        if not to_run:
            record.timings["execute notebooks"] = 0.0
            record.workers = 0
            return
        self._start_pdf_worker_early()
        # The build validated the inputs and computed every measure already: it offers both to
        # the notebooks' kernels under their parameters and the inputs' content
        # (helpers.measures.handoff), withdrawn when they have run. No notebook parameter
        # carries them, so a notebook run alone computes everything itself.
        run_parameters = dict(record.parameters)
        offered = None
        if results is not None:
            offered = offer_to_notebooks(inputs, results, record.parameters, plan.settings)
        # Slowest first (timings of the previous build of this report), so that a long
        # notebook does not start last and keep the workers waiting; unknown ones count as slow.
        previous = read_manifest(plan.target / "manifest.json") or read_manifest(
            plan.full_target / "manifest.json"
        )
        before = ((previous or {}).get("timings") or {}).get("sections") or {}
        order = sorted(to_run, key=lambda s: -float(before.get(s.id, float("inf"))))
        jobs = [
            NotebookJob(
                spec=s,
                output=staging / "notebooks" / f"{s.stem}.ipynb",
                parameters=dict(run_parameters),
            )
            for s in order
        ]
        executor = self._executor()
        record.workers = executor.start(len(jobs))
        record.kernel = executor.kernel
        at_once = min(record.workers, len(jobs))
        self.log.say(
            f"Executing {len(jobs)} notebooks, {at_once} at a time:"
            if len(jobs) > 1
            else "Executing 1 notebook:"
        )
        started = time.perf_counter()

        def done(outcome: NotebookOutcome, job: NotebookJob, counter: str) -> None:
            self._record(outcome, job, counter, fragments, staging)

        try:
            executor.run(jobs, self.steps.execute, done)
        finally:
            if offered is not None:
                handoff.withdraw(offered)  # it ends with the notebooks that could take it
            # Its kernels' memory and processor are the PDF's now.
            self._release_executor()
        record.timings["execute notebooks"] = round(time.perf_counter() - started, 3)
        for s in to_run:
            if record.outcomes[s.id].ok:
                notebook = staging / "notebooks" / f"{s.stem}.ipynb"
                cache.store_notebook(quarter, slug, s.stem, record.cache_keys[s.id], notebook)
        failed = [record.outcomes[s.id] for s in plan.specs if not record.outcomes[s.id].ok]
        if failed:
            raise BuildFailed(
                f"{len(failed)} of {len(plan.specs)} section(s) failed",
                [f.as_error() for f in failed],
            )

    def _record(
        self,
        outcome: NotebookOutcome,
        job: NotebookJob,
        counter: str,
        fragments: Fragments,
        staging: Path,
    ) -> None:
        """A finished notebook: its progress line, and its fragment made while others run."""
        self.record.outcomes[outcome.id] = outcome
        self.record.section_seconds[outcome.id] = round(outcome.seconds, 3)
        label = f"{counter} {outcome.id}"
        if outcome.ok:
            self.log.say(self.log.line(label, "done", outcome.seconds))
        else:
            # Why (the cell and the error) is said once, in the failure summary at the end.
            self.log.say(self.log.line(label, "FAILED", outcome.seconds))
            if outcome.traceback:
                self.log.detail(f"--- {outcome.id}: traceback ---\n{outcome.traceback}")
        for message in outcome.messages:
            self.log.detail(f"    {outcome.id}: papermill: {message}")
        if outcome.ok:
            # Convert it while the other notebooks run: the main process only waits meanwhile.
            with contextlib.suppress(Exception):  # `_render` converts it again and reports
                self._fragments[job.spec.id] = fragments.make(job.spec, staging)

    def _render(
        self,
        plan: BuildPlan,
        staging: Path,
        fragments: Fragments,
        pages: list[Any],
        results: Path | None,
    ) -> tuple[str, dict[str, Any]]:
        """report.html and the section pages; returns the report and the published
        report's manifest."""
        if results is not None:
            remove_shared(results)
        previous = read_manifest(plan.target / "manifest.json") or {}
        with self._step("html pages"):
            contents = section_contents(plan, staging, self._fragments, fragments)
            contents = publication.place_pages(contents, pages)
            # A report whose content has not changed keeps the time its content was made.
            earlier = previous.get("report_built") if self.options.cache else None
            report, self.record.report_built = write_pages(
                plan, staging, contents, built=self.started.astimezone(), earlier=earlier
            )
        return report, previous

    def _manifest(self, plan: BuildPlan, inputs: Inputs, folder: Path, status: str) -> None:
        manifest = report_manifest(
            plan,
            inputs,
            self.record,
            folder,
            status=status,
            started=self.started,
            command=["python", "-m", "helpers", "build", *self.options.argv],
            extra=_publication_digests(plan, self.record.changes),
        )
        write_manifest(folder / "manifest.json", manifest)

    # -- failure --
    def _fail(
        self, plan: BuildPlan, inputs: Inputs, staging: Path, exc: BaseException
    ) -> BuildResult:
        outcomes = self.record.outcomes.values()
        failures = [o for o in outcomes if not o.ok] if isinstance(exc, BuildFailed) else []
        if not isinstance(exc, ReportError):
            self.log.detail(
                "--- unexpected error ---\n"
                + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            )
        target = plan.target
        where: Path | None = failed_folder(plan.outputs_root, plan.quarter.code, target)
        try:
            self._manifest(plan, inputs, staging, "failed")
        except Exception as problem:  # the failure report matters more than its manifest
            self.log.detail(f"manifest of the failed build not written: {problem}")
        self.log.say("")
        if failures:
            self.log.say(f"Build FAILED: {len(failures)} of {len(plan.specs)} section(s) failed:")
            order = {s.id: i for i, s in enumerate(plan.specs)}
            for o in sorted(failures, key=lambda o: order.get(o.id, 0)):
                spec = next(s for s in plan.specs if s.id == o.id)
                cell = f"cell {o.cell}" if o.cell is not None else "no cell"
                self.log.say(f"  - {o.id} ({spec.notebook.name}), {cell}: {o.ename}: {o.evalue}")
        else:
            self.log.say(f"Build FAILED: {short(exc)}")
            for problem in getattr(exc, "problems", [])[:50]:
                self.log.say(f"  - {problem}")
        say_warnings(self.log, self.record)
        self.log.say(_nothing_published(target).capitalize())
        try:
            assert where is not None
            self.log.say(f"Executed notebooks and build.log: {display(where)}/")
            text = self._failed_text(plan, exc, failures)
            (staging / "FAILED.txt").write_text(text, encoding="utf-8")
            self.log.write(staging / "build.log")
            keep_failed(staging, where)
        except OSError as problem:
            self.log.say(f"(the failed build could not be kept: {problem})")
            shutil.rmtree(staging, ignore_errors=True)
            where = None
        return BuildResult(EXIT_FAILED, target, failures, where)

    def _failed_text(
        self, plan: BuildPlan, exc: BaseException, failures: list[NotebookOutcome]
    ) -> str:
        lines = [
            "THIS BUILD FAILED. This folder is not a report: it holds what the failed build",
            "produced, to find the cause. The published report (if any) was not changed.",
            "",
            f"Report:  {plan.force.name}, {plan.quarter.title}",
            f"Started: {self.started.isoformat(timespec='seconds')}",
            f"Reason:  {short(exc)}",
        ]
        lines += [f"  - {o.id}: {o.reason}" for o in failures]
        lines += [
            "",
            "See build.log, and the executed notebooks in notebooks/ (papermill marks "
            "the failing cell).",
        ]
        return "\n".join(lines) + "\n"


def _nothing_published(target: Path | None) -> str:
    """What a build that stopped before publishing left: the report as it was, or none."""
    if target is not None and target.exists():
        return f"nothing was published; the previous report in {display(target)} is untouched."
    if target is not None:
        return f"nothing was published in {display(target)}."
    return "nothing was published."


def _publication_digests(plan: BuildPlan, changes: Any) -> dict[str, Any]:
    """What the changes pages need in manifest.json (helpers.pipeline.publication)."""
    try:
        return publication.manifest_extra(plan, changes)
    except Exception:  # a failed build's manifest must still be written
        return {}


__all__ = ["Build", "BuildResult"]
