"""Incremental builds, every force at once, and the Dask path (helpers.pipeline.incremental,
helpers.pipeline.batch).

Fixture notebooks are copied into the test's folder (so a test can edit one); most tests use a
recording executor that stands in for papermill, so they need no kernel. Timings are never
asserted here: benchmarks/build.py measures them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.pipeline import batch, build, cli, hashing
from helpers.pipeline.plan import BuildOptions, PlannedNotebook
from helpers.pipeline.progress import EXIT_INTERRUPTED
from helpers.pipeline.steps import BuildSteps
from helpers.pipeline.worker import NotebookJob, NotebookOutcome
from helpers.present.report.fragment import REFRESH_KEY

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notebooks"
PART = "National Police and Crime Measures"
QUARTER = "2024-03"
TARGET = Path(QUARTER) / "avon-and-somerset"


@dataclass
class FakeInputs:
    files: dict[str, str] = field(
        default_factory=lambda: {"prc/offences.csv": hashlib.sha256(b"offences").hexdigest()}
    )
    latest_quarter: str = QUARTER
    missing: set[str] = field(default_factory=set)


def measures(inputs, quarter, force, settings) -> pd.DataFrame:
    return pd.DataFrame({"measure": ["homicide"], "force": [force]})


class Recorder:
    """Stands in for papermill and records what was executed. Each executed notebook gets a
    narrative output (for its section) and the summary a "Before publication" output, marked
    as the real `SectionReport.narrative()` and `SummaryReport.status()` mark them."""

    _count = 0

    def __init__(self, fail_for: str | None = None):
        # The build's workers are other processes: they record into a file.
        Recorder._count += 1
        self.log = Path(__import__("tempfile").gettempdir()) / f"recorder-{id(self)}-{self._count}"
        self.log.write_text("")
        self.fail_for = fail_for

    @property
    def executed(self) -> list[str]:
        return self.log.read_text().split()

    def __call__(self, job: NotebookJob) -> NotebookOutcome:
        with self.log.open("a") as handle:
            handle.write(job.spec.id + "\n")
        if self.fail_for and job.parameters.get("force") == self.fail_for:
            return NotebookOutcome(job.spec.id, False, 0.01, cell=2, ename="KeyError", evalue="x")
        nb = nbformat.read(job.spec.notebook, as_version=4)
        if job.spec.id == "summary":
            meta = {"kind": "status", "data_items": [], "sections": ["sec_1"], "quarter": QUARTER}
        else:
            meta = {"kind": "narrative", "section": job.spec.id, "quarter": QUARTER}
        nb.cells.append(
            nbformat.v4.new_code_cell(
                "section.narrative()",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data",
                        data={"text/html": "<p>as executed</p>"},
                        # where IPython puts a `_repr_html_` (data, metadata) pair's metadata
                        metadata={"text/html": {REFRESH_KEY: meta}},
                    )
                ],
            )
        )
        nbformat.write(nb, job.output)
        return NotebookOutcome(job.spec.id, True, 0.01)


@pytest.fixture
def project(tmp_path) -> Path:
    """Notebooks, a data folder and a narrative folder the test may edit."""
    (tmp_path / "notebooks").mkdir()
    for name in ("summary", "sec_1", "sec_2", "methods"):
        shutil.copyfile(FIXTURES / "ok.ipynb", tmp_path / "notebooks" / f"{name}.ipynb")
    (tmp_path / "data").mkdir()
    (tmp_path / "narrative" / QUARTER).mkdir(parents=True)
    return tmp_path


def plan(root: Path) -> list[PlannedNotebook]:
    nb = root / "notebooks"
    return [
        PlannedNotebook("summary", 0, "Measures summary", None, nb / "summary.ipynb"),
        PlannedNotebook("sec_1", 1, "Section one", PART, nb / "sec_1.ipynb"),
        PlannedNotebook("sec_2", 2, "Section two", PART, nb / "sec_2.ipynb"),
        PlannedNotebook("methods", 90, "Methods", None, nb / "methods.ipynb"),
    ]


def steps(root: Path, execute, inputs: FakeInputs | None = None) -> BuildSteps:
    return BuildSteps(
        validate=lambda d: [],
        load_inputs=lambda d: inputs or FakeInputs(),
        measures_table=measures,
        plan=lambda: plan(root),
        execute=execute,
    )


def run(root: Path, the_steps: BuildSteps, *args: str, data: str = "data") -> tuple[int, str]:
    out = io.StringIO()
    status = cli.main(
        [
            "--data-dir",
            str(root / data),
            "--outputs",
            str(root / "outputs"),
            "--narrative-dir",
            str(root / "narrative"),
            "--jobs",
            "1",
            *args,
        ],
        steps=the_steps,
        stream=out,
    )
    return status, out.getvalue()


def run_batch(root: Path, forces: list[str], the_steps: BuildSteps, **options):
    """`batch.all_forces` on the test's project, HTML only and one worker unless told; returns
    the result and what it printed."""
    out = io.StringIO()
    options = {"jobs": 1, "pdf": False} | options
    result = batch.all_forces(
        forces,
        data_dir=str(root / "data"),
        outputs=str(root / "outputs"),
        steps=the_steps,
        stream=out,
        **options,
    )
    return result, out.getvalue()


def manifest(root: Path) -> dict:
    return json.loads((root / "outputs" / TARGET / "manifest.json").read_text())


def test_a_rebuild_with_nothing_changed_executes_nothing_and_reuses_the_pdf(project):
    first = Recorder()
    status, output = run(project, steps(project, first))
    assert status == 0, output
    assert sorted(first.executed) == ["methods", "sec_1", "sec_2", "summary"]
    report = project / "outputs" / TARGET
    html_before = (report / "report.html").read_bytes()
    pdf_before = (report / "report.pdf").read_bytes()

    again = Recorder()
    status, output = run(project, steps(project, again))
    assert status == 0, output
    assert again.executed == []
    assert "4 of 4 unchanged" in output
    assert "report.pdf" in output and "reused" in output
    assert (report / "report.html").read_bytes() == html_before
    assert (report / "report.pdf").read_bytes() == pdf_before
    sections = manifest(project)["sections"]
    assert [s["reused"] for s in sections] == [True] * 4
    assert [s["status"] for s in sections] == ["done"] * 4
    # the run itself is recorded: a new manifest, the same outputs
    assert manifest(project)["outputs"]["report.pdf"] == hashlib.sha256(pdf_before).hexdigest()


def test_a_change_to_the_print_form_makes_the_pdf_again(project, monkeypatch):
    from helpers.present import render

    status, output = run(project, steps(project, Recorder()))
    assert status == 0, output
    assert manifest(project)["report"]["pdf"]["printer"] == render.printer_digest()
    # The same report.html, printed by other code (`printable`, WeasyPrint's version).
    monkeypatch.setattr(render, "printer_digest", lambda: "another printer")
    status, output = run(project, steps(project, Recorder()))
    assert status == 0, output
    assert "report.html unchanged" not in output
    assert manifest(project)["report"]["pdf"]["printer"] == "another printer"


def test_a_changed_notebook_re_executes_only_its_section(project):
    run(project, steps(project, Recorder()), "--no-pdf")
    nb = nbformat.read(project / "notebooks" / "sec_2.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new paragraph."))
    nbformat.write(nb, project / "notebooks" / "sec_2.ipynb")

    again = Recorder()
    status, output = run(project, steps(project, again), "--no-pdf")
    assert status == 0, output
    assert again.executed == ["sec_2"]
    assert "A new paragraph." in (project / "outputs" / TARGET / "report.html").read_text()


@pytest.mark.parametrize("change", ["parameter", "input file", "helpers"])
def test_what_every_section_depends_on_re_executes_every_section(project, change, monkeypatch):
    run(project, steps(project, Recorder()), "--no-pdf")
    inputs, data = None, "data"
    if change == "parameter":  # data_dir is a notebook parameter; the report folder stays
        (project / "data2").mkdir()
        data = "data2"
    if change == "input file":
        inputs = FakeInputs(files={"prc/offences.csv": hashlib.sha256(b"revised").hexdigest()})
    if change == "helpers":
        monkeypatch.setattr(hashing, "helpers_digest", lambda: "another version of the helpers")
    again = Recorder()
    status, output = run(project, steps(project, again, inputs), "--no-pdf", data=data)
    assert status == 0, output
    assert sorted(again.executed) == ["methods", "sec_1", "sec_2", "summary"]


def test_a_narrative_edit_re_renders_without_executing(project):
    narrative = project / "narrative" / QUARTER / "sec_1.md"
    narrative.write_text(
        "---\nstatus: draft\n---\n## Planned action to drive performance\n1. First plan.\n"
        "## Comments\n1. First comment.\n"
    )
    status, output = run(project, steps(project, Recorder()))
    assert status == 0, output
    report = project / "outputs" / TARGET / "report.html"
    assert "First plan." in report.read_text()
    assert "as executed" not in report.read_text()  # rendered from the file, not the kernel
    pdf_before = (project / "outputs" / TARGET / "report.pdf").read_bytes()

    narrative.write_text(narrative.read_text().replace("First plan.", "Revised plan."))
    again = Recorder()
    status, output = run(project, steps(project, again))
    assert status == 0, output
    assert again.executed == []
    text = report.read_text()
    assert "Revised plan." in text and "First plan." not in text
    page = (project / "outputs" / TARGET / "sections" / "01_sec_1.html").read_text()
    assert "Revised plan." in page
    # the report changed, so its PDF is made again
    assert (project / "outputs" / TARGET / "report.pdf").read_bytes() != pdf_before


def test_the_summary_flags_follow_the_narrative_without_executing(project):
    status, output = run(project, steps(project, Recorder()), "--no-pdf")
    assert status == 0, output
    report = project / "outputs" / TARGET / "report.html"
    assert "Narrative missing" in report.read_text()

    (project / "narrative" / QUARTER / "sec_1.md").write_text(
        "---\nstatus: reviewed\n---\n## Planned action to drive performance\n1. A plan.\n"
        "## Comments\n1. A comment.\n"
    )
    again = Recorder()
    status, output = run(project, steps(project, again), "--no-pdf")
    assert status == 0, output
    assert again.executed == []
    assert "every narrative reviewed" in report.read_text()


def test_a_failed_section_is_not_cached_and_the_others_are_reused(project):
    failing = Recorder(fail_for="Avon and Somerset")
    status, _ = run(project, steps(project, failing), "--no-pdf")
    assert status == 1
    again = Recorder()
    status, output = run(project, steps(project, again), "--no-pdf")
    assert status == 0, output
    assert sorted(again.executed) == ["methods", "sec_1", "sec_2", "summary"]


def test_all_forces_builds_each_force_and_summarises_failures(project):
    recorder = Recorder(fail_for="Kent")
    result, text = run_batch(
        project, ["Avon and Somerset", "Kent", "Essex"], steps(project, recorder)
    )
    assert result.status == 1
    assert [o.force for o in result.failed] == ["Kent"]
    assert "[1/3] Avon and Somerset" in text and "[3/3] Essex" in text
    assert "2 of 3 reports built" in text and "1 FAILED" in text
    summary = text.split("reports built", 1)[1]
    assert "Kent" in summary and "KeyError" in summary
    for slug in ("avon-and-somerset", "essex"):
        assert (project / "outputs" / QUARTER / slug / "report.html").is_file()
    assert not (project / "outputs" / QUARTER / "kent").exists()


class PidRecorder(Recorder):
    """Also records the process each notebook ran in."""

    def __call__(self, job: NotebookJob) -> NotebookOutcome:
        with self.log.with_suffix(".pids").open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return super().__call__(job)

    @property
    def pids(self) -> set[str]:
        return set(self.log.with_suffix(".pids").read_text().split())


def test_all_forces_shares_one_section_pool_and_publishes_each_report_with_its_pdf(project):
    recorder = PidRecorder()
    names = ["Avon and Somerset", "Kent", "Essex"]
    result, text = run_batch(project, names, steps(project, recorder), pdf=True)
    assert result.status == 0, text
    assert [o.force for o in result.outcomes] == names
    assert len(recorder.executed) == 12
    # one worker served every force: its kernel stays warm from force to force
    assert len(recorder.pids) == 1 and str(os.getpid()) not in recorder.pids
    lines = [line for line in text.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] for line in lines] == ["[1/3", "[2/3", "[3/3"]
    for slug in ("avon-and-somerset", "kent", "essex"):
        folder = project / "outputs" / QUARTER / slug
        assert (folder / "report.pdf").read_bytes().startswith(b"%PDF-")
        made = json.loads((folder / "manifest.json").read_text())
        assert made["report"]["pdf"]["pages"] >= 1
        assert made["timings"]["steps"]["report.pdf"] > 0
        assert "in a PDF worker" in (folder / "build.log").read_text()
    assert not list((project / "outputs" / QUARTER).glob(".*staging*"))


def test_all_forces_by_several_quarters_builds_each_pair_once(project):
    recorder = Recorder(fail_for="Kent")
    forces = ["Avon and Somerset", "Kent"]
    quarters = ["2023-12", QUARTER]
    result, text = run_batch(project, forces, steps(project, recorder), quarters=quarters)
    assert "Reports for 2 forces by 2 quarters" in text
    assert [(o.force, o.quarter) for o in result.outcomes] == [
        ("Avon and Somerset", "2023-12"),
        ("Kent", "2023-12"),
        ("Avon and Somerset", QUARTER),
        ("Kent", QUARTER),
    ]
    assert [o.ok for o in result.outcomes] == [True, False, True, False]
    assert "[4/4] Kent, 2024-03" in text and "2 of 4 reports built" in text
    assert "  - Kent, 2023-12:" in text and "  - Kent, 2024-03:" in text
    for quarter in ("2023-12", QUARTER):
        assert (project / "outputs" / quarter / "avon-and-somerset" / "report.html").is_file()


def test_all_forces_runs_each_section_on_a_dask_cluster(project):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=":0",
    ) as cluster:
        the_steps = BuildSteps(
            validate=lambda d: [],
            load_inputs=lambda d: FakeInputs(),
            measures_table=measures,
            plan=lambda: plan(project)[1:3],  # two real papermill executions per force
        )
        address = cluster.scheduler_address
        forces = ["Avon and Somerset", "Kent"]
        result, text = run_batch(project, forces, the_steps, jobs=None, scheduler=address)
    assert result.status == 0, text
    assert f"on {address}" in text
    for slug, name in (("avon-and-somerset", "Avon and Somerset"), ("kent", "Kent")):
        folder = project / "outputs" / QUARTER / slug
        nb = nbformat.read(folder / "notebooks" / "01_sec_1.ipynb", as_version=4)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert f'force = "{name}"' in injected[0].source


def _paused_build(project, workers) -> tuple[build.Build, object]:
    options = BuildOptions(
        data_dir=str(project / "data"),
        outputs=str(project / "outputs"),
        narrative_dir=str(project / "narrative"),
        jobs=1,
    )
    the_build = build.Build(options, steps(project, Recorder()), io.StringIO(), pdf_workers=workers)
    return the_build, the_build.stages()


def test_a_build_paused_for_its_pdf_is_published_only_when_it_resumes(project):
    from concurrent.futures import Future

    from helpers.pipeline.pool import PdfWorkers

    workers = PdfWorkers(1)
    try:
        the_build, stages = _paused_build(project, workers)
        job = next(stages)
        assert isinstance(job, Future)
        assert not (project / "outputs" / TARGET).exists()  # nothing published while paused
        job.result(120)
        with pytest.raises(StopIteration) as done:
            next(stages)
    finally:
        workers.close()
    assert done.value.value.status == 0, the_build.log.lines
    assert (project / "outputs" / TARGET / "report.pdf").is_file()


def test_a_paused_build_that_is_interrupted_publishes_nothing_and_cleans_up(project):
    from helpers.pipeline.pool import PdfWorkers

    workers = PdfWorkers(1)
    try:
        the_build, stages = _paused_build(project, workers)
        next(stages).result(120)
        with pytest.raises(StopIteration) as done:
            stages.throw(KeyboardInterrupt())
    finally:
        workers.close()
    assert done.value.value.status == EXIT_INTERRUPTED
    assert "nothing was published" in "\n".join(the_build.log.lines)
    quarter = project / "outputs" / QUARTER
    assert not (quarter / "avon-and-somerset").exists()
    assert not list(quarter.glob(".*staging*"))
    assert not (project / "outputs" / ".failed").exists()
    # the lock was released: the next build runs
    status, output = run(project, steps(project, Recorder()), "--no-pdf")
    assert status == 0, output


def test_all_forces_validates_and_loads_the_inputs_once(project):
    calls: list[str] = []

    def validate(data_dir):
        calls.append("validate")
        return []

    def load(data_dir):
        calls.append("load")
        return FakeInputs()

    the_steps = BuildSteps(
        validate=validate,
        load_inputs=load,
        measures_table=measures,
        plan=lambda: plan(project),
        execute=Recorder(),
    )
    result, _ = run_batch(project, ["Avon and Somerset", "Kent"], the_steps, jobs=None)
    assert result.status == 0
    assert calls == ["validate", "load"]


def test_sections_run_on_a_dask_cluster(project):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=False,
            protocol="tcp",  # a real network address on loopback, as a remote scheduler has
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster,
    ):
        the_steps = BuildSteps(
            validate=lambda d: [],
            load_inputs=lambda d: FakeInputs(),
            measures_table=measures,
            plan=lambda: plan(project)[1:3],  # two real papermill executions
        )
        status, output = run(
            project, the_steps, "--no-pdf", "--scheduler", cluster.scheduler_address
        )
    assert status == 0, output
    report = project / "outputs" / TARGET
    for stem in ("01_sec_1", "02_sec_2"):
        nb = nbformat.read(report / "notebooks" / f"{stem}.ipynb", as_version=4)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1 and 'force = "Avon and Somerset"' in injected[0].source
    assert "Force: <strong>Avon and Somerset</strong>" in (report / "report.html").read_text()


def test_marked_outputs_are_found_where_ipython_puts_them(tmp_path):
    """The mark survives a real IPython display: `refresh_narrative_outputs` finds it."""
    from IPython.core.formatters import DisplayFormatter

    from helpers.present.report.fragment import Html
    from helpers.present.report.refresh import refresh_narrative_outputs

    marked = Html(
        "<p>as executed</p>",
        {REFRESH_KEY: {"kind": "narrative", "section": "homicide", "quarter": QUARTER}},
    )
    data, metadata = DisplayFormatter().format(marked)
    output = nbformat.v4.new_output("display_data", data=data, metadata=metadata)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[output])])
    assert refresh_narrative_outputs(nb, tmp_path) == 1
    html = nb.cells[0].outputs[0]["data"]["text/html"]
    assert "as executed" not in html and "Narrative missing" in html


def test_all_forces_shows_a_progress_bar_on_a_terminal(project, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    result, text = run_batch(project, ["Avon and Somerset", "Kent"], steps(project, Recorder()))
    assert result.status == 0
    bar = terminal.getvalue()
    assert "0/2 [" in bar and "1/2 [" in bar and "report" in bar
    assert "2/2" not in text.replace("[2/2]", "")  # the log lines stay plain


def test_the_pdf_worker_is_started_only_when_something_changed(project, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(build.Build, "_start_pdf_worker_early", lambda self: calls.append("start"))
    status, output = run(project, steps(project, Recorder()))
    assert status == 0, output
    assert calls  # a first build: every notebook runs
    calls.clear()
    status, output = run(project, steps(project, Recorder()))
    assert status == 0 and "reused" in output, output
    assert calls == []  # nothing changed: report.pdf is reused, no worker to pay for
    narrative = project / "narrative" / QUARTER / "sec_1.md"
    narrative.write_text("## Comments\n1. An edit.\n")
    status, output = run(project, steps(project, Recorder()))
    assert status == 0, output
    assert calls  # a narrative edit: the PDF will be made again


def test_a_single_build_has_its_own_pdf_worker_only_for_the_project_steps_and_a_pdf(
    monkeypatch,
):
    from helpers.pipeline import pool

    made: list[object] = []

    class Workers:
        def __init__(self, workers: int, parts_processes: int = 1) -> None:
            made.append(workers)
            self.parts_processes = parts_processes

        def start(self) -> Workers:
            return self

        def stop(self) -> None:
            made.append("stopped")

    monkeypatch.setattr(pool, "PdfWorkers", Workers)
    own = build.Build(BuildOptions(), stream=io.StringIO())
    own._start_pdf_worker_early()
    own._start_pdf_worker_early()
    assert made == [1]
    # Its parts are laid out on every core (by then every notebook has run).
    assert own.own_pdf_worker.parts_processes == (os.cpu_count() or 1)
    with_one_job = build.Build(BuildOptions(jobs=1), stream=io.StringIO())
    with_one_job._start_pdf_worker_early()
    assert with_one_job.own_pdf_worker.parts_processes == 1
    made.remove(1)
    own._release_pdf_worker()
    assert made == [1, "stopped"] and own.own_pdf_worker is None
    made.clear()
    for other in (
        build.Build(BuildOptions(pdf=False), stream=io.StringIO()),
        build.Build(BuildOptions(), BuildSteps(validate=lambda d: []), io.StringIO()),
        build.Build(BuildOptions(), stream=io.StringIO(), pdf_workers=Workers(2)),
    ):
        other._start_pdf_worker_early()
        assert other.own_pdf_worker is None
    assert made == [2]  # only the batch's own workers were made


def test_re_rendering_the_narrative_does_not_import_the_statistics():
    """A rebuild that computes no measure (nothing changed, a narrative edit) must not pay
    for importing helpers.measures.compute (scipy, statsmodels: about 0.8 s)."""
    import subprocess
    import sys

    code = (
        "import sys, helpers.pipeline.build, helpers.present.report, helpers.present.render\n"
        "import helpers.pipeline.publication\n"
        "print(sorted(m for m in ('helpers.measures.compute', 'statsmodels') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"


# ----- report.pdf's parts in the build cache ---------------------------------------------------

PARTS_LINE = re.compile(r"(\d+) of (\d+) parts laid out, (\d+) unchanged")
PARTS_FOLDER = Path(".cache") / "pdf-parts" / QUARTER / "avon-and-somerset"


def _narrative_edit_rebuild(project: Path, monkeypatch, *times: str) -> list[str]:
    """Builds with the PDF started at `times` (the clock fixed: the report prints its build
    time), the first with a narrative for sec_1, each later one after an edit to it; what each
    said (its progress output and build.log)."""
    from datetime import datetime

    narrative = project / "narrative" / QUARTER / "sec_1.md"
    narrative.write_text("## Planned action to drive performance\n1. Plan number 0.\n")
    said = []
    for number, time in enumerate(times):
        monkeypatch.setattr(build, "_utc_now", lambda time=time: datetime.fromisoformat(time))
        status, output = run(project, steps(project, Recorder()))
        assert status == 0, output
        log = (project / "outputs" / TARGET / "build.log").read_text(encoding="utf-8")
        said.append(output + "\n" + log)
        assert (
            f"Plan number {number}." in (project / "outputs" / TARGET / "report.html").read_text()
        )
        narrative.write_text(narrative.read_text().replace(f"{number}.", f"{number + 1}."))
    return said


def test_a_narrative_edit_lays_out_its_sections_part_and_the_front_and_reuses_the_rest(
    project, monkeypatch
):
    first, again = _narrative_edit_rebuild(
        project, monkeypatch, "2024-05-02T09:30:05+00:00", "2024-05-02T09:30:40+00:00"
    )
    # summary, sec_1 with its part's heading, sec_2, changes, methods, the front, page numbers
    assert re.search(r"\b7 parts laid out", first) and not PARTS_LINE.search(first)
    assert set(PARTS_LINE.findall(again)) == {("2", "7", "5")}, again
    folder = project / "outputs" / PARTS_FOLDER
    names = sorted(path.name.split(".")[0] for path in folder.glob("*.pdf"))
    # The edited part and the front (its build time) kept beside the earlier ones.
    twice, once = ["front", "part-1"], ["summary", "sec-2", "changes", "methods", "page-numbers"]
    assert names == sorted(twice * 2 + once)
    for pdf in folder.glob("*.pdf"):
        assert pdf.read_bytes().startswith(b"%PDF-")
        assert pdf.with_suffix(".json").is_file()  # where its anchors and bookmarks fall


def test_a_narrative_edit_an_hour_later_still_lays_out_two_parts(project, monkeypatch):
    _first, again = _narrative_edit_rebuild(
        project, monkeypatch, "2024-05-02T09:30:05+00:00", "2024-05-02T10:31:00+00:00"
    )
    assert set(PARTS_LINE.findall(again)) == {("2", "7", "5")}, again


def test_a_build_without_the_cache_keeps_no_pdf_parts(project):
    status, output = run(project, steps(project, Recorder()), "--no-cache")
    assert status == 0, output
    assert (project / "outputs" / TARGET / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert re.search(
        r"\b7 parts laid out", output + (project / "outputs" / TARGET / "build.log").read_text()
    )
    assert not (project / "outputs" / PARTS_FOLDER).exists()
    assert not (project / "outputs" / ".cache" / "pdf-parts").exists()
