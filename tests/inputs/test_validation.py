"""Validation: every problem of every file, located by file, line (header = 1), column and value."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from input_folders import (
    find_problem,
    place_fixture,
    raised_errors,
    real_data,
    real_file,
)

from helpers.inputs.validation import check_inputs, main, validate_inputs


def test_minimal_sample_is_valid(data_dir: Path) -> None:
    assert validate_inputs(data_dir) == []
    report = check_inputs(data_dir)
    assert report.errors == [] and report.missing == set()


def test_main_exit_codes(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(data_dir)]) == 0
    place_fixture(data_dir, "rape_outcomes_bad_periods.csv", "national/rape_outcomes.csv")
    assert main(["--data-dir", str(data_dir)]) == 1
    captured = capsys.readouterr()
    assert "national/rape_outcomes.csv, row 3, column 'period'" in captured.err


def test_bad_values_each_located(data_dir: Path) -> None:
    rel = "local/victim_satisfaction/2025-03.csv"
    place_fixture(data_dir, "victim_satisfaction_bad_values.csv", rel)
    problems = [p for p in raised_errors(data_dir, "victim_satisfaction") if p.file == rel]
    assert find_problem(
        problems, row=3, fragment="'satisfied' (31) is more than 'respondents' (30)"
    )
    assert find_problem(problems, row=4, fragment="cannot be negative").value == -1
    force = find_problem(problems, row=5, fragment="unknown force 'Avon & Somrset'")
    assert "did you mean 'Avon and Somerset'" in force.message and force.column == "force"
    assert (
        "did you mean 'overall'" in find_problem(problems, row=6, fragment="must be one of").message
    )
    assert find_problem(problems, row=7, fragment="YYYY-MM").value == "2025-13"
    bad_number = find_problem(problems, row=8, fragment="not a whole number")
    assert (bad_number.column, bad_number.value) == ("respondents", "12.5")
    assert find_problem(problems, row=9, fragment="is empty").column == "respondents"
    duplicate = find_problem(problems, row=10, fragment="duplicate row")
    assert "line 2" in duplicate.message
    assert find_problem(problems, row=11, fragment="not a month of the quarter ending 2025-03")


def test_quarterly_periods_and_part_of_whole(data_dir: Path) -> None:
    place_fixture(data_dir, "rape_outcomes_bad_periods.csv", "national/rape_outcomes.csv")
    problems = raised_errors(data_dir, "rape_outcomes")
    assert (
        "quarter's last month" in find_problem(problems, row=3, fragment="quarterly data").message
    )
    assert find_problem(problems, row=4, fragment="'charged_summonsed' (25) is more than")


def test_exact_duplicate_in_any_keyed_input_names_both_lines(data_dir: Path) -> None:
    rel = "national/population_pfa.csv"
    lines = (data_dir / rel).read_text(encoding="utf-8").splitlines()
    (data_dir / rel).write_text("\n".join([*lines, lines[3], ""]), encoding="utf-8")
    problems = raised_errors(data_dir, "population")
    find_problem(problems, row=len(lines) + 1, fragment="an exact copy of line 4")


def test_every_file_is_checked_not_only_the_first(data_dir: Path) -> None:
    place_fixture(data_dir, "rape_outcomes_bad_periods.csv", "national/rape_outcomes.csv")
    place_fixture(data_dir, "complaint_reviews_not_utf8.csv", "local/complaint_reviews/2025-03.csv")
    place_fixture(data_dir, "empty.csv", "local/confidence_survey/2025-03.csv")
    files = {p.file for p in raised_errors(data_dir)}
    assert {
        "national/rape_outcomes.csv",
        "local/complaint_reviews/2025-03.csv",
        "local/confidence_survey/2025-03.csv",
    } <= files


def test_missing_required_and_optional(data_dir: Path) -> None:
    shutil.rmtree(data_dir / "local/information_rights")
    (data_dir / "national/workforce.csv").unlink()
    report = check_inputs(data_dir)
    assert report.errors == []
    assert report.missing == {"information_rights", "workforce"}
    (data_dir / "national/population_pfa.csv").unlink()
    problem = find_problem(
        raised_errors(data_dir), row=None, fragment="required input 'population'"
    )
    assert problem.file == "national/population_pfa.csv"


def test_local_file_names_quarters_and_months(data_dir: Path) -> None:
    folder = data_dir / "local/complaint_reviews"
    shutil.copyfile(folder / "2025-03.csv", folder / "2025-02.csv")
    (folder / "2024-12.csv").unlink()
    frame = pd.read_csv(folder / "2025-03.csv", dtype=str)
    frame = frame[~((frame["force"] == "Kent") & (frame["period"] == "2025-02"))]
    frame.to_csv(folder / "2025-03.csv", index=False)
    report = check_inputs(data_dir, ["complaint_reviews"])
    problems = report.errors
    assert find_problem(problems, row=None, fragment="month 02 is not a quarter end").file == (
        "local/complaint_reviews/2025-02.csv"
    )
    # A month missing inside a quarter's file stops the build; a quarter's file not supplied
    # between others is a warning (its 12-month windows are not available).
    assert find_problem(problems, row=None, fragment="Kent: no row for 2025-02")
    assert not [p for p in problems if "no file for the quarter" in p.message]
    absent = find_problem(
        report.warnings, row=None, fragment="no file for the quarter(s) ending 2024-12"
    )
    assert "not available" in absent.message


def test_population_codes_names_and_households(data_dir: Path) -> None:
    path = data_dir / "national/population_pfa.csv"
    frame = pd.read_csv(path, dtype=str)
    avon = frame.index[(frame["area_code"] == "E23000036") & (frame["mid_year"] == "2023")][0]
    frame.loc[avon, "area_name"] = "Kent"
    kent = frame.index[(frame["area_code"] == "E23000032") & (frame["mid_year"] == "2023")][0]
    frame.loc[kent, "households"] = str(int(frame.loc[kent, "population"]) + 1)
    frame.to_csv(path, index=False)
    problems = raised_errors(data_dir, "population")
    name = find_problem(
        problems, row=avon + 2, fragment="area_name does not match area_code E23000036"
    )
    assert name.value == "Kent" and "Avon and Somerset" in name.message
    assert find_problem(problems, row=kent + 2, fragment="'households'")


def test_population_blank_households_is_a_warning(data_dir: Path) -> None:
    path = data_dir / "national/population_pfa.csv"
    frame = pd.read_csv(path, dtype=str)
    frame.loc[3, "households"] = ""
    frame.to_csv(path, index=False)
    warnings = validate_inputs(data_dir, ["population"])
    assert len(warnings) == 1 and "first at line 5" in warnings[0].message


@real_data
def test_real_prc_file_passes_the_contract(data_dir: Path) -> None:
    shutil.copyfile(
        real_file("ho-prc-pfa/prc_pfa_2012q1_2023q1.csv.gz"), data_dir / "national/prc_pfa.csv.gz"
    )
    report = check_inputs(data_dir, sources=["prc"])
    assert report.errors == []
    assert [w.message.split(",")[0] for w in report.warnings] == [
        "426 rows have negative counts"
    ]  # PROVENANCE.md: 426 negative rows, genuine adjustments


@real_data
def test_real_original_sheet_with_padded_counts(data_dir: Path) -> None:
    shutil.copyfile(
        real_file("ho-prc-pfa/original-sheet-2017-18/prc-pfa-mar2013-onwards-tables201718.csv"),
        data_dir / "national/prc_pfa.csv",
    )
    (data_dir / "national/prc_pfa.csv.gz").unlink()
    report = check_inputs(data_dir, sources=["prc"])
    assert report.errors == []
    repeated = [w for w in report.warnings if "share their financial year" in w.message]
    assert repeated and "code 1/4.1/4.10/4.2" in repeated[0].message


@real_data
def test_real_population_files(data_dir: Path) -> None:
    shutil.copyfile(
        real_file("ons-population-households/ons_pfa_population_households_mid2016_to_mid2018.csv"),
        data_dir / "national/population_pfa.csv",
    )
    shutil.copyfile(
        real_file("pfa-population-ethnicity/pfa-ethnicity-census2021.csv"),
        data_dir / "national/population_ethnicity_pfa.csv",
    )
    report = check_inputs(data_dir, sources=["population", "population_ethnicity"])
    assert report.errors == []
    # Greater Manchester's mid-2018 households cell is blank in the published table.
    assert [(w.column, w.message) for w in report.warnings] == [
        ("households", "1 empty value(s), read as not published (first at line 43)")
    ]


def test_the_same_files_are_parsed_once_and_changed_files_again(data_dir: Path, monkeypatch):
    """The build validates the inputs, then computes the measures from the same files: they
    are parsed once. A file whose content changed is parsed again."""
    import helpers.inputs.validation as validation
    from helpers.inputs.schemas import SOURCES

    parsed: list[str] = []
    real = validation._read_source

    def counting(*args, **kwargs):
        parsed.append(args[1].name)
        return real(*args, **kwargs)

    monkeypatch.setattr(validation, "_read_source", counting)
    # Start from an empty store: the same minimal folder read by an earlier test would otherwise
    # already be there.
    monkeypatch.setattr(validation, "_READ", {})
    source = SOURCES["population"]
    first = validation.read_source(data_dir, source)
    second = validation.read_source(data_dir, source)
    assert parsed == ["population"]
    pd.testing.assert_frame_equal(first.frame, second.frame)
    assert first.warnings == second.warnings and first.files == second.files

    second.frame.loc[0, "population"] = -1  # a caller changing its frame
    second.warnings.clear()
    third = validation.read_source(data_dir, source)
    pd.testing.assert_frame_equal(first.frame, third.frame)
    assert third.warnings == first.warnings

    validation.read_source(data_dir, source, check=False)
    assert parsed == ["population", "population"]  # an unchecked read is another read

    path = data_dir / "national/population_pfa.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header, first_row = lines[0].strip().split(","), lines[1].split(",")
    first_row[header.index("population")] = "many"
    lines[1] = ",".join(first_row)
    path.write_text("".join(lines), encoding="utf-8")
    changed = validation.read_source(data_dir, source)
    assert parsed[-1] == "population" and len(parsed) == 3
    assert changed.errors
