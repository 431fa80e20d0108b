"""The build pipeline, with fixture notebooks and injected steps (no project data needed).

Real papermill runs execute tests/fixtures/notebooks/ (ok.ipynb, fail.ipynb fails on purpose,
slow.ipynb sleeps so that a build can be interrupted); the other tests inject a copying
executor so that they need no kernel.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

from helpers.core.exceptions import InputProblem, InputValidationError
from helpers.pipeline import cli
from helpers.pipeline.plan import PlannedNotebook
from helpers.pipeline.publish import BuildLock
from helpers.pipeline.steps import BuildSteps
from helpers.pipeline.worker import NotebookJob, NotebookOutcome

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notebooks"
PART_1 = "National Police and Crime Measures"
PART_2 = "Police and Crime Plan priorities"
TARGET = Path("2024-03") / "avon-and-somerset"


@dataclass
class FakeInputs:
    files: dict[str, str] = field(
        default_factory=lambda: {"prc/offences.csv": hashlib.sha256(b"offences").hexdigest()}
    )
    latest_quarter: str = "2024-03"
    missing: set[str] = field(default_factory=lambda: {"victim_satisfaction"})


def measures(inputs, quarter, force, settings) -> pd.DataFrame:
    return pd.DataFrame({"measure": ["homicide"], "force": [force], "quarter": [quarter.code]})


def plan_of(*notebooks: str) -> list[PlannedNotebook]:
    """summary + numbered sections (parts 1 and 2) + methods, made of fixture notebooks."""
    specs = [PlannedNotebook("summary", 0, "Measures summary", None, FIXTURES / "ok.ipynb")]
    for number, name in enumerate(notebooks, start=1):
        part = PART_1 if number <= 2 else PART_2
        specs.append(
            PlannedNotebook(
                f"{name}_{number}", number, f"{name} {number}", part, FIXTURES / f"{name}.ipynb"
            )
        )
    specs.append(PlannedNotebook("methods", 90, "Methods and data", None, FIXTURES / "ok.ipynb"))
    return specs


def steps_for(*notebooks: str, **overrides) -> BuildSteps:
    return BuildSteps(
        validate=overrides.pop("validate", lambda data_dir: []),
        load_inputs=overrides.pop("load_inputs", lambda data_dir: FakeInputs()),
        measures_table=overrides.pop("measures_table", measures),
        plan=lambda: plan_of(*notebooks),
        **overrides,
    )


def copying_execute(job: NotebookJob) -> NotebookOutcome:
    """Stands in for papermill: the 'executed' notebook is the fixture itself."""
    shutil.copyfile(job.spec.notebook, job.output)
    return NotebookOutcome(job.spec.id, True, 0.01)


def cdn_execute(job: NotebookJob) -> NotebookOutcome:
    """An 'executed' notebook whose output loads a script from a CDN."""
    nb = nbformat.read(job.spec.notebook, as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "chart()",
            outputs=[
                nbformat.v4.new_output(
                    "display_data",
                    data={
                        "text/html": '<script src="https://cdn.example.org/plotly.min.js"></script>'
                    },
                )
            ],
        )
    )
    nbformat.write(nb, job.output)
    return NotebookOutcome(job.spec.id, True, 0.01)


def interrupting_execute(job: NotebookJob) -> NotebookOutcome:
    shutil.copyfile(job.spec.notebook, job.output)  # a partial output that must not survive
    raise KeyboardInterrupt


def run(tmp: Path, steps: BuildSteps, *args: str) -> tuple[int, str]:
    data = tmp / "data"
    data.mkdir(exist_ok=True)
    out = io.StringIO()
    status = cli.main(
        ["--data-dir", str(data), "--outputs", str(tmp / "outputs"), "--jobs", "2", *args],
        steps=steps,
        stream=out,
    )
    return status, out.getvalue()


def tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def leftovers(quarter_dir: Path) -> list[str]:
    """Anything beside the published report folders: staging folders, locks, aside copies."""
    return sorted(p.name for p in quarter_dir.iterdir() if p.name.startswith("."))


# ----- a real build of fixture notebooks (shared by several tests) -------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, int, str]:
    tmp = tmp_path_factory.mktemp("build")
    status, output = run(tmp, steps_for("ok", "ok", "ok"), "--force", "Avon & Somerset")
    return tmp / "outputs", status, output


def test_successful_build_writes_every_output(built):
    outputs, status, output = built
    assert status == 0, output
    report = outputs / TARGET
    for name in ("report.html", "report.pdf", "report.ods", "measures.csv", "manifest.json"):
        assert (report / name).is_file(), name
    assert (report / "build.log").is_file()
    stems = ["00_summary", "01_ok_1", "02_ok_2", "03_ok_3", "90_methods"]
    assert sorted(p.stem for p in (report / "notebooks").glob("*.ipynb")) == stems
    # The changes page is made by the build, not by a notebook, before the methods page.
    pages = sorted(p.stem for p in (report / "sections").glob("*.html"))
    assert pages == [*stems[:-1], "89_changes", "90_methods"]
    assert (report / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert leftovers(outputs / "2024-03") == []
    assert not (outputs / ".failed").exists()


def test_executed_notebooks_keep_code_and_get_the_parameters(built):
    outputs, _, _ = built
    nb = nbformat.read(outputs / TARGET / "notebooks" / "01_ok_1.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    source = injected[0].source
    assert 'force = "Avon and Somerset"' in source  # canonical, not the spelling given
    assert 'quarter = "2024-03"' in source
    assert "data_dir = " in source and str(Path(outputs).parent / "data") in source
    assert "trend_method = " in source and "trend_window_quarters = 12" in source
    # only what the parameters cell declares: papermill would warn about the rest
    assert "benchmark_confidence" not in source
    assert any("display(Markdown" in c.source for c in nb.cells if c.cell_type == "code")


def test_progress_lines_name_each_step_and_section(built):
    _, _, output = built
    lines = output.splitlines()
    for step in (
        "validate inputs",
        "load inputs",
        "measures.csv",
        "html pages",
        "report.pdf",
        "manifest.json",
    ):
        assert any(line.startswith(step + " ..") and " done " in line for line in lines), step
    sections = [line for line in lines if line.startswith("[")]
    assert len(sections) == 5
    for line in sections:
        assert re.fullmatch(r"\[\d/5\] \S+ \.{3,} done\s+\d+\.\d s", line), line


def test_manifest_records_inputs_parameters_versions_and_timings(built):
    outputs, _, _ = built
    manifest = json.loads((outputs / TARGET / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["inputs"]["files"] == FakeInputs().files
    assert manifest["inputs"]["missing"] == ["victim_satisfaction"]
    assert manifest["parameters"]["force"] == "Avon and Somerset"
    assert manifest["parameters"]["quarter"] == "2024-03"
    assert manifest["settings"]["trend"]["method"] == manifest["parameters"]["trend_method"]
    assert manifest["report"]["quarter_title"] == "Quarter ending March 2024 (Q4 2023/24)"
    assert manifest["packages"]["papermill"]["installed"] == papermill.__version__
    assert manifest["python"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert "commit" in manifest["git"] and "dirty" in manifest["git"]
    assert manifest["started_utc"].endswith("+00:00")
    assert set(manifest["timings"]["sections"]) == {s["id"] for s in manifest["sections"]}
    assert {"validate inputs", "measures.csv", "report.pdf"} <= set(manifest["timings"]["steps"])
    assert [s["status"] for s in manifest["sections"]] == ["done"] * 5
    assert all(len(s["cache_key"]) == 64 for s in manifest["sections"])
    pdf = outputs / TARGET / "report.pdf"
    assert manifest["outputs"]["report.pdf"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert manifest["kernel"]["executable"] == sys.executable


def test_measures_csv_is_the_injected_table(built):
    outputs, _, _ = built
    table = pd.read_csv(outputs / TARGET / "measures.csv")
    assert table.to_dict("records") == [
        {"measure": "homicide", "force": "Avon and Somerset", "quarter": "2024-03"}
    ]


# ----- failures ---------------------------------------------------------------------------------


def test_failing_section_keeps_previous_report_and_names_the_cell(built, tmp_path):
    shutil.copytree(built[0], tmp_path / "outputs")
    before = tree(tmp_path / "outputs" / TARGET)

    status, output = run(tmp_path, steps_for("ok", "fail", "ok"))

    assert status == 1
    assert tree(tmp_path / "outputs" / TARGET) == before  # byte for byte
    assert "Build FAILED: 1 of 5 section(s) failed" in output
    summary = [line for line in output.splitlines() if line.startswith("  - ")]
    assert summary == [
        "  - fail_2 (fail.ipynb), cell 4: ValueError: fixture failure on purpose for "
        "Avon and Somerset"
    ]
    untouched = f"Nothing was published; the previous report in {tmp_path / 'outputs' / TARGET}"
    assert untouched + " is untouched." in output.splitlines()
    assert leftovers(tmp_path / "outputs" / "2024-03") == []
    # The failed build is kept aside for diagnosis, clearly marked and without a report.
    failed = tmp_path / "outputs" / ".failed" / TARGET
    assert "THIS BUILD FAILED" in (failed / "FAILED.txt").read_text()
    assert not (failed / "report.html").exists() and not (failed / "report.pdf").exists()
    # The other sections still ran (fault isolation).
    executed = sorted(p.name for p in (failed / "notebooks").iterdir())
    assert executed == [
        "00_summary.ipynb",
        "01_ok_1.ipynb",
        "02_fail_2.ipynb",
        "03_ok_3.ipynb",
        "90_methods.ipynb",
    ]
    manifest = json.loads((failed / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    error = next(s for s in manifest["sections"] if s["id"] == "fail_2")["error"]
    assert error == {
        "cell": 4,
        "exception": "ValueError",
        "message": "fixture failure on purpose for Avon and Somerset",
    }


def test_validation_failure_runs_nothing_and_touches_no_output(tmp_path):
    called = []

    def invalid(data_dir):
        raise InputValidationError(
            [InputProblem("prc/offences.csv", "count is negative", row=7, column="count", value=-3)]
        )

    def loader(data_dir):
        called.append("load")
        return FakeInputs()

    status, output = run(tmp_path, steps_for("fail", validate=invalid, load_inputs=loader))

    assert status == 1
    assert "prc/offences.csv, row 7, column 'count': count is negative (found -3)" in output
    assert called == []
    assert not (tmp_path / "outputs").exists()


def test_measures_failure_fails_the_build_before_notebooks(tmp_path):
    def broken(*args):
        raise InputValidationError([InputProblem("population.csv", "no 2023 estimate")])

    status, output = run(
        tmp_path, steps_for("ok", measures_table=broken, execute=interrupting_execute)
    )
    assert status == 1
    assert "measures.csv" in output and "FAILED" in output
    assert "Executing" not in output
    assert not (tmp_path / "outputs" / TARGET).exists()
    assert leftovers(tmp_path / "outputs" / "2024-03") == []


def test_a_report_that_would_need_the_network_is_not_published(tmp_path):
    status, output = run(tmp_path, steps_for("ok", execute=cdn_execute))
    assert status == 1
    assert "html pages" in output and "FAILED" in output
    assert "https://cdn.example.org/plotly.min.js" in output
    assert not (tmp_path / "outputs" / TARGET).exists()
    failed = tmp_path / "outputs" / ".failed" / TARGET
    assert (failed / "FAILED.txt").is_file() and not (failed / "report.html").exists()


def test_keyboard_interrupt_during_execution_leaves_nothing(tmp_path):
    previous = tmp_path / "outputs" / TARGET
    previous.mkdir(parents=True)
    (previous / "report.html").write_text("previous good report")

    status, output = run(tmp_path, steps_for("ok", "ok", execute=interrupting_execute))

    assert status == 130
    assert "Interrupted: nothing was published" in output
    assert tree(previous) == {"report.html": hashlib.sha256(b"previous good report").hexdigest()}
    assert leftovers(tmp_path / "outputs" / "2024-03") == []
    assert not (tmp_path / "outputs" / ".failed").exists()


@pytest.mark.parametrize(
    ("signum", "status", "word"),
    [(signal.SIGINT, 130, "Interrupted"), (signal.SIGTERM, 143, "Terminated")],
)
def test_ctrl_c_or_kill_during_a_real_build_leave_no_partial_output(tmp_path, signum, status, word):
    script = tmp_path / "interrupted_build.py"
    script.write_text(
        textwrap.dedent(f"""
        import signal
        import sys
        from pathlib import Path
        import pandas as pd
        from helpers.pipeline import cli
        from helpers.pipeline.plan import PlannedNotebook
        from helpers.pipeline.steps import BuildSteps

        # Ctrl-C raises KeyboardInterrupt, as in a terminal, even when this test runs where
        # SIGINT is ignored from the start (a shell's background job), which Python keeps.
        signal.signal(signal.SIGINT, signal.default_int_handler)

        class Inputs:
            files, latest_quarter, missing = {{}}, "2024-03", ()

        slow = Path({str(FIXTURES / "slow.ipynb")!r})
        steps = BuildSteps(
            validate=lambda d: [],
            load_inputs=lambda d: Inputs(),
            measures_table=lambda *a: pd.DataFrame({{"m": [1]}}),
            plan=lambda: [PlannedNotebook(f"slow_{{i}}", i, "Slow", None, slow) for i in (1, 2)],
        )
        sys.exit(cli.main(["--data-dir", {str(tmp_path)!r}, "--outputs",
                             {str(tmp_path / "outputs")!r}, "--jobs", "2"], steps=steps))
    """)
    )
    process = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    staging = tmp_path / "outputs" / "2024-03"
    deadline = time.monotonic() + 60
    # Wait until the slow notebooks are running (their kernels have started).
    while time.monotonic() < deadline:
        notebooks = list(staging.glob(".avon-and-somerset.staging-*/notebooks/*slow*.ipynb"))
        if len(notebooks) >= 1:
            break
        time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the slow notebooks never started:\n" + process.communicate()[0])
    time.sleep(0.5)
    process.send_signal(signum)
    output, _ = process.communicate(timeout=60)

    assert process.returncode == status, output
    assert f"{word}: nothing was published" in output
    assert "Traceback" not in output  # the stopped workers exit quietly (stderr is in output)
    assert list(staging.iterdir()) == []  # no staging folder, no lock, no report


def test_a_second_build_of_the_same_report_is_refused(tmp_path):
    lock_path = tmp_path / "outputs" / "2024-03" / ".avon-and-somerset.lock"
    with BuildLock(lock_path):
        status, output = run(tmp_path, steps_for("ok", execute=copying_execute))
        assert status == 1
        assert "another build" in output and str(lock_path) in output
        assert lock_path.exists()
        assert [p.name for p in lock_path.parent.iterdir()] == [lock_path.name]
    assert not lock_path.exists()


# ----- publishing -------------------------------------------------------------------------------


def test_rebuild_replaces_the_report_and_leaves_no_copies(tmp_path):
    status, _ = run(tmp_path, steps_for("ok", execute=copying_execute))
    assert status == 0
    first = json.loads((tmp_path / "outputs" / TARGET / "manifest.json").read_text())
    status, _ = run(tmp_path, steps_for("ok", "ok", execute=copying_execute))
    assert status == 0
    second = json.loads((tmp_path / "outputs" / TARGET / "manifest.json").read_text())
    assert [len(first["sections"]), len(second["sections"])] == [3, 4]
    assert sorted(p.name for p in (tmp_path / "outputs" / TARGET / "sections").iterdir()) == [
        "00_summary.html",
        "01_ok_1.html",
        "02_ok_2.html",
        "89_changes.html",
        "90_methods.html",
    ]
    assert leftovers(tmp_path / "outputs" / "2024-03") == []


# ----- parameters, ordering, command line --------------------------------------------------------


def test_command_line_errors_exit_2_before_anything_runs(tmp_path):
    status, output = run(tmp_path, steps_for("ok"), "--force", "Avon and Somerest")
    assert status == 2 and "did you mean 'Avon and Somerset'" in output
    status, output = run(tmp_path, steps_for("ok"), "--quarter", "2024-02")
    assert status == 2 and "not a quarter end" in output
    status, output = run(tmp_path, steps_for("ok"), "--sections", "homicde")
    assert status == 2 and "unknown section 'homicde'" in output
    status, _ = run(tmp_path, steps_for("ok"), "--jobs", "0")
    assert status == 2
    status, output = run(tmp_path, steps_for("ok"), "--previous", str(tmp_path / "nowhere"))
    assert status == 2 and "PREVIOUS=" in output and "no measures.csv there" in output
    assert cli.main(["--no-such-option"], stream=io.StringIO()) == 2
    assert not (tmp_path / "outputs").exists()


def test_quarter_and_force_choose_the_output_folder(tmp_path):
    status, output = run(
        tmp_path,
        steps_for("ok", execute=copying_execute),
        "--quarter",
        "2023/24 Q3",
        "--force",
        "Devon & Cornwall",
    )
    assert status == 0, output
    report = tmp_path / "outputs" / "2023-12" / "devon-and-cornwall"
    manifest = json.loads((report / "manifest.json").read_text())
    assert manifest["parameters"]["force"] == "Devon and Cornwall"
    assert manifest["report"]["quarter_title"] == "Quarter ending December 2023 (Q3 2023/24)"


def test_partial_build_never_replaces_the_full_report(tmp_path):
    status, _ = run(tmp_path, steps_for("ok", "ok", execute=copying_execute), "--sections", "ok_2")
    assert status == 0
    assert not (tmp_path / "outputs" / TARGET).exists()
    partial = tmp_path / "outputs" / "2024-03" / "avon-and-somerset-partial"
    assert [p.name for p in (partial / "sections").iterdir()] == ["02_ok_2.html"]
    assert "Partial build" in (partial / "report.html").read_text()


def test_slowest_notebooks_start_first(tmp_path):
    report = tmp_path / "outputs" / TARGET
    report.mkdir(parents=True)
    timings = {"summary": 1.0, "ok_1": 2.0, "ok_2": 30.0, "ok_3": 5.0, "methods": 0.5}
    (report / "manifest.json").write_text(json.dumps({"timings": {"sections": timings}}))
    status, output = run(
        tmp_path, steps_for("ok", "ok", "ok", execute=copying_execute), "--jobs", "1"
    )
    assert status == 0
    finished = [line.split()[1] for line in output.splitlines() if line.startswith("[")]
    assert finished == ["ok_2", "ok_3", "ok_1", "summary", "methods"]


def test_input_error_found_while_computing_measures_is_listed_in_the_summary(tmp_path):
    def broken(*args):
        raise InputValidationError(
            [InputProblem("national/population_pfa.csv", "Kent: no estimate", column="mid_year")]
        )

    status, output = run(tmp_path, steps_for("ok", measures_table=broken))
    assert status == 1
    summary = output[output.index("Build FAILED") :]
    assert "national/population_pfa.csv, column 'mid_year': Kent: no estimate" in summary
    failed = tmp_path / "outputs" / ".failed" / TARGET
    assert "Kent: no estimate" in (failed / "build.log").read_text()


def warn(data_dir):
    return [InputProblem("national/prc_pfa.csv.gz", "3 rows have negative counts")]


def test_a_warning_is_said_once_in_the_closing_summary(tmp_path):
    status, output = run(tmp_path, steps_for("ok", validate=warn, execute=copying_execute))
    assert status == 0, output
    assert output.count("3 rows have negative counts") == 1
    closing = output[output.index("publish") :]
    # ...and while report.ods's contact is the placeholder params/report.yaml ships, so says
    assert "2 warning(s) (also in build.log and manifest.json):" in closing
    assert "  - params/report.yaml: publication.contact is still the placeholder" in closing
    assert "  - national/prc_pfa.csv.gz: 3 rows have negative counts" in closing
    log = (tmp_path / "outputs" / TARGET / "build.log").read_text()
    assert "  warning: national/prc_pfa.csv.gz: 3 rows have negative counts" in log


# ----- the build's own words: every line true, each said once ------------------------------------


def _said_once(output: str) -> list[str]:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), output
    return lines


def test_the_lines_of_a_full_build_name_what_it_published(built):
    outputs, status, output = built
    assert status == 0
    lines = _said_once(output)
    report = outputs / TARGET
    assert lines[-1].startswith("Report built in ")
    named = lines[-1].split(": ", 1)[1].split(", ")
    assert [Path(n).name for n in named] == ["report.html", "report.pdf", "report.ods"]
    assert all((report / Path(n).name).is_file() for n in named)
    # The folder is named where the build starts and with each file it made, not again.
    assert [line for line in lines if line.startswith("publish ")] == [
        "publish ....................... done"
    ]


def test_the_lines_of_an_html_only_build_name_no_pdf(tmp_path):
    status, output = run(tmp_path, steps_for("ok", execute=copying_execute), "--no-pdf")
    assert status == 0, output
    lines = _said_once(output)
    assert not (tmp_path / "outputs" / TARGET / "report.pdf").exists()
    assert [line for line in lines if "report.pdf" in line] == [
        "report.pdf .................... skipped   --no-pdf: HTML only"
    ]
    named = lines[-1].split(": ", 1)[1].split(", ")
    assert [Path(n).name for n in named] == ["report.html", "report.ods"]
    assert "Executing 3 notebooks, 2 at a time:" in lines


def test_the_lines_of_a_failed_build_say_why_once_and_what_was_kept(tmp_path):
    status, output = run(tmp_path, steps_for("fail", validate=warn))
    assert status == 1
    lines = _said_once(output)
    # The warning is in the failure's summary too, once, and not taken for its cause.
    assert output.count("3 rows have negative counts") == 1
    from helpers.pipeline.batch import _reasons

    assert not any("negative counts" in reason for reason in _reasons(output))
    why = "cell 4: ValueError: fixture failure on purpose for Avon and Somerset"
    assert output.count("fixture failure on purpose") == 1
    assert "  - fail_1 (fail.ipynb), " + why in lines
    assert re.fullmatch(
        r"\[\d/3\] fail_1 \.{3,} FAILED\s+\d+\.\d s",
        next(line for line in lines if "fail_1 ." in line),
    )
    # No report was there before: nothing is said to be untouched, and nothing twice.
    assert f"Nothing was published in {tmp_path / 'outputs' / TARGET}." in lines
    assert "nothing published" not in output and "untouched" not in output
    assert not any(line.startswith("Report built") for line in lines)
    # A failed step (not a notebook) too: its reason once, in the summary.
    status, output = run(
        tmp_path, steps_for("ok", execute=copying_execute, measures_table=_no_estimate)
    )
    assert status == 1
    _said_once(output)
    assert output.count("Kent: no estimate") == 1
    assert "measures.csv .................. FAILED" in output


def _no_estimate(*args):
    raise InputValidationError([InputProblem("population.csv", "Kent: no estimate")])
