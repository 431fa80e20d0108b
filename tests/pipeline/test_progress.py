"""What a build says and records (helpers.pipeline.progress)."""

from __future__ import annotations

import io

import pytest

from helpers.core.exceptions import ConfigError
from helpers.pipeline.progress import BuildLog, BuildRecord, short, step


def test_progress_lines_line_up_and_details_go_to_the_log_only(tmp_path):
    out = io.StringIO()
    log = BuildLog(out)
    log.say(log.line("measures.csv", "done", 1.25))
    log.say(log.line("report.pdf", "reused", 0.0, "report.html unchanged"))
    log.detail("    pdf: 12 pages")
    assert out.getvalue().splitlines() == [
        "measures.csv .................. done      1.2 s",
        "report.pdf .................... reused    0.0 s  report.html unchanged",
    ]
    log.write(tmp_path / "build.log")
    assert (tmp_path / "build.log").read_text().splitlines()[-1] == "    pdf: 12 pages"


def test_a_step_records_its_time_and_keeps_why_it_failed_for_the_log(tmp_path):
    out = io.StringIO()
    log, record = BuildLog(out), BuildRecord()
    with step(log, record, "html pages"):
        pass
    with pytest.raises(ValueError), step(log, record, "report.ods"):
        raise ValueError("a sheet name is too long\nsecond line")
    assert set(record.timings) == {"html pages", "report.ods"}
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("html pages ..") and " done " in lines[0]
    # The build's failure summary says why, once; build.log keeps it beside the step.
    assert lines[1].endswith("FAILED    0.0 s") and "sheet name" not in out.getvalue()
    log.write(tmp_path / "build.log")
    assert (
        "report.ods: ValueError: a sheet name is too long" in (tmp_path / "build.log").read_text()
    )


def test_a_report_error_is_shown_by_its_message_alone():
    assert short(ConfigError("unknown force 'Atlantis'")) == "unknown force 'Atlantis'"
    assert short(KeyError("count")) == "KeyError: 'count'"
