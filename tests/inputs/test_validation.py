"""Validation: every problem of every file, located by file, line (header = 1), column and value."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.exceptions import InputProblem, InputValidationError
from helpers.inputs.sample_data import write_minimal_sample
from helpers.inputs.validation import (
    MAX_LISTED,
    check_inputs,
    compare_columns,
    main,
    parse_whole_numbers,
    read_csv_text,
    validate_inputs,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bad_inputs"
REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
real_data = pytest.mark.real_data


@pytest.fixture(scope="module")
def minimal_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("minimal")
    write_minimal_sample(out)
    return out


@pytest.fixture
def data_dir(minimal_folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(minimal_folder, target)
    return target


def _place(data_dir: Path, fixture: str, rel: str) -> None:
    target = data_dir / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / fixture, target)


def _errors(data_dir: Path, *sources: str) -> list[InputProblem]:
    """The errors raised for `sources` (every source when none is named)."""
    with pytest.raises(InputValidationError) as caught:
        validate_inputs(data_dir, sources or None)
    return caught.value.problems


def _find(problems: list[InputProblem], *, row: int | None, fragment: str) -> InputProblem:
    matches = [p for p in problems if p.row == row and fragment in p.message]
    assert matches, f"no problem at row {row} containing {fragment!r} in:\n" + "\n".join(
        map(str, problems)
    )
    return matches[0]


# ----- a valid folder
def test_minimal_sample_is_valid(data_dir: Path) -> None:
    assert validate_inputs(data_dir) == []
    report = check_inputs(data_dir)
    assert report.errors == [] and report.missing == set()


def test_main_exit_codes(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(data_dir)]) == 0
    _place(data_dir, "rape_outcomes_bad_periods.csv", "national/rape_outcomes.csv")
    assert main(["--data-dir", str(data_dir)]) == 1
    captured = capsys.readouterr()
    assert "national/rape_outcomes.csv, row 3, column 'period'" in captured.err


# ----- values
def test_bad_values_each_located(data_dir: Path) -> None:
    rel = "local/victim_satisfaction/2025-03.csv"
    _place(data_dir, "victim_satisfaction_bad_values.csv", rel)
    problems = [p for p in _errors(data_dir, "victim_satisfaction") if p.file == rel]
    assert _find(problems, row=3, fragment="'satisfied' (31) is more than 'respondents' (30)")
    assert _find(problems, row=4, fragment="cannot be negative").value == -1
    force = _find(problems, row=5, fragment="unknown force 'Avon & Somrset'")
    assert "did you mean 'Avon and Somerset'" in force.message and force.column == "force"
    assert "did you mean 'overall'" in _find(problems, row=6, fragment="must be one of").message
    assert _find(problems, row=7, fragment="YYYY-MM").value == "2025-13"
    bad_number = _find(problems, row=8, fragment="not a whole number")
    assert (bad_number.column, bad_number.value) == ("respondents", "12.5")
    assert _find(problems, row=9, fragment="is empty").column == "respondents"
    duplicate = _find(problems, row=10, fragment="duplicate row")
    assert "line 2" in duplicate.message
    assert _find(problems, row=11, fragment="not a month of the quarter ending 2025-03")


def test_renamed_column_suggests_the_contract_name(data_dir: Path) -> None:
    _place(
        data_dir, "victim_satisfaction_renamed_column.csv", "local/victim_satisfaction/2025-03.csv"
    )
    problems = _errors(data_dir, "victim_satisfaction")
    problem = _find(problems, row=1, fragment="should be named 'satisfied'")
    assert problem.column == "satisfied_count"


def test_compare_columns_missing_unexpected_and_twice() -> None:
    problems = compare_columns(
        ["Period", "force", "force", "colour"], ["period", "force", "agree"], "x.csv"
    )
    messages = [p.message for p in problems]
    assert "column 'Period' should be named 'period' (names must match exactly)" in messages
    assert any(m.startswith("unexpected column 'colour'") for m in messages)
    assert "missing column 'agree'" in messages
    assert "column appears twice in the header" in messages


def test_quarterly_periods_and_part_of_whole(data_dir: Path) -> None:
    _place(data_dir, "rape_outcomes_bad_periods.csv", "national/rape_outcomes.csv")
    problems = _errors(data_dir, "rape_outcomes")
    assert "quarter's last month" in _find(problems, row=3, fragment="quarterly data").message
    assert _find(problems, row=4, fragment="'charged_summonsed' (25) is more than")


def test_negative_counts_are_warnings_only_in_prc(data_dir: Path) -> None:
    frame = pd.read_csv(data_dir / "national/prc_pfa.csv.gz", dtype=str, keep_default_na=False)
    frame.loc[5, "Number of Offences"] = "-3"
    frame.to_csv(data_dir / "national/prc_pfa.csv.gz", index=False)
    warnings = validate_inputs(data_dir, ["prc"])
    assert len(warnings) == 1 and "1 rows have negative counts" in warnings[0].message
    assert "line 7" in warnings[0].message  # frame row 5 is line 7 (header + 1-based)


def _prc_frame(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / "national/prc_pfa.csv.gz", dtype=str, keep_default_na=False)


def _write_prc(data_dir: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(data_dir / "national/prc_pfa.csv.gz", index=False)


def test_prc_exact_duplicate_row_is_an_error_naming_both_lines(data_dir: Path) -> None:
    frame = _prc_frame(data_dir)
    _write_prc(data_dir, pd.concat([frame, frame.iloc[[4]]], ignore_index=True))
    problems = _errors(data_dir, "prc")
    duplicate = _find(problems, row=len(frame) + 2, fragment="an exact copy of line 6")
    assert "counted twice" in duplicate.message
    assert duplicate.file == "national/prc_pfa.csv.gz"


def test_prc_same_offence_with_another_count_is_an_error(data_dir: Path) -> None:
    frame = _prc_frame(data_dir)
    copy = frame.iloc[[4]].copy()
    copy["Number of Offences"] = "1"
    _write_prc(data_dir, pd.concat([frame, copy], ignore_index=True))
    problems = _errors(data_dir, "prc")
    problem = _find(problems, row=len(frame) + 2, fragment="as line 6, with other values")
    assert "Offence Description" in problem.message


def test_prc_offences_under_one_code_are_added_together(data_dir: Path) -> None:
    """Different descriptions under one code, and a combined code's rows up to the number of
    offences it lists (the 2017/18 sheet: four identical-looking "Homicide" rows), are summed
    with a warning; a fifth row under a four-offence code is an error."""
    from helpers.inputs.datasets import load_inputs

    frame = _prc_frame(data_dir)
    other = frame.iloc[[4]].copy()
    other["Offence Description"] = "Theft from vehicle (another offence)"
    other["Number of Offences"] = "5"
    homicide = frame.iloc[[1] * 4].copy()
    homicide[["Offence Description", "Offence Code", "Number of Offences"]] = [
        "Homicide",
        "1/4.1/4.10/4.2",
        "0",
    ]
    homicide.iloc[3, homicide.columns.get_loc("Number of Offences")] = "2"
    _write_prc(data_dir, pd.concat([frame, other, homicide], ignore_index=True))
    report = check_inputs(data_dir, ["prc"])
    assert report.errors == []
    added = [w for w in report.warnings if "share their financial year" in w.message]
    assert len(added) == 1 and added[0].message.startswith("6 rows")
    force, code = frame.iloc[4][["Force Name", "Offence Code"]]
    published = frame[(frame["Force Name"] == force) & (frame["Offence Code"] == code)]
    prc = load_inputs(data_dir).prc
    mine = prc[(prc["force"] == force) & (prc["offence_code"] == code)]
    assert len(mine) == len(published)  # one row per quarter: the two offences added
    assert int(mine["count"].sum()) == published["Number of Offences"].astype(int).sum() + 5
    homicides = prc[
        (prc["force"] == frame.iloc[1]["Force Name"]) & (prc["offence_code"] == "1/4.1/4.10/4.2")
    ]
    assert homicides["count"].tolist() == [2]

    _write_prc(data_dir, pd.concat([frame, homicide, homicide.iloc[[0]]], ignore_index=True))
    problems = _errors(data_dir, "prc")
    fifth = _find(problems, row=len(frame) + 6, fragment="lists 4 offences, and this is row 5")
    assert fifth.column == "Offence Code"


def test_exact_duplicate_in_any_keyed_input_names_both_lines(data_dir: Path) -> None:
    rel = "national/population_pfa.csv"
    lines = (data_dir / rel).read_text(encoding="utf-8").splitlines()
    (data_dir / rel).write_text("\n".join([*lines, lines[3], ""]), encoding="utf-8")
    problems = _errors(data_dir, "population")
    _find(problems, row=len(lines) + 1, fragment="an exact copy of line 4")


def test_many_identical_problems_are_summarised(data_dir: Path) -> None:
    rel = data_dir / "national/stop_search.csv"
    frame = pd.read_csv(rel, dtype=str, keep_default_na=False)
    frame.loc[: MAX_LISTED + 4, "searches"] = "n/a"
    frame.to_csv(rel, index=False)
    problems = _errors(data_dir, "stop_search")
    listed = [p for p in problems if p.row is not None]
    assert len(listed) == MAX_LISTED and [p.row for p in listed[:2]] == [2, 3]
    assert any("... and 5 more rows with the same problem" in p.message for p in problems)


# ----- the file itself
def test_every_file_is_checked_not_only_the_first(data_dir: Path) -> None:
    _place(data_dir, "rape_outcomes_bad_periods.csv", "national/rape_outcomes.csv")
    _place(data_dir, "complaint_reviews_not_utf8.csv", "local/complaint_reviews/2025-03.csv")
    _place(data_dir, "empty.csv", "local/confidence_survey/2025-03.csv")
    files = {p.file for p in _errors(data_dir)}
    assert {
        "national/rape_outcomes.csv",
        "local/complaint_reviews/2025-03.csv",
        "local/confidence_survey/2025-03.csv",
    } <= files


def test_not_utf8_names_the_line(data_dir: Path) -> None:
    _place(data_dir, "complaint_reviews_not_utf8.csv", "local/complaint_reviews/2025-03.csv")
    problem = _find(_errors(data_dir, "complaint_reviews"), row=3, fragment="is not UTF-8")
    assert "0x96" in problem.message


def test_truncated_gzip(data_dir: Path) -> None:
    (data_dir / "local/cyber_crime/2025-03.csv").unlink()
    _place(data_dir, "cyber_crime_truncated.csv.gz", "local/cyber_crime/2025-03.csv.gz")
    problem = _find(_errors(data_dir, "cyber_crime"), row=None, fragment="truncated or damaged")
    assert problem.file == "local/cyber_crime/2025-03.csv.gz"


@pytest.mark.parametrize(
    ("fixture", "fragment"),
    [("empty.csv", "file is empty"), ("confidence_survey_header_only.csv", "no data rows")],
)
def test_empty_and_header_only(data_dir: Path, fixture: str, fragment: str) -> None:
    _place(data_dir, fixture, "local/confidence_survey/2025-03.csv")
    assert _find(_errors(data_dir, "confidence_survey"), row=None, fragment=fragment)


def test_line_numbers_survive_quoted_newlines_and_skipped_rows(data_dir: Path) -> None:
    _place(data_dir, "action_fraud_ragged_multiline.csv", "local/action_fraud/2025-03.csv")
    problems = _errors(data_dir, "action_fraud")
    assert _find(problems, row=5, fragment="has 4 fields where the header has 3")
    assert _find(problems, row=6, fragment="cannot be negative").value == -4


def test_bom_crlf_and_force_aliases_are_accepted(data_dir: Path) -> None:
    _place(
        data_dir, "drugs_disruptions_bom_crlf_aliases.csv", "local/drugs_disruptions/2025-03.csv"
    )
    assert validate_inputs(data_dir, ["drugs_disruptions"]) == []


# ----- folders and files of a source
def test_missing_required_and_optional(data_dir: Path) -> None:
    shutil.rmtree(data_dir / "local/information_rights")
    (data_dir / "national/workforce.csv").unlink()
    report = check_inputs(data_dir)
    assert report.errors == []
    assert report.missing == {"information_rights", "workforce"}
    (data_dir / "national/population_pfa.csv").unlink()
    problem = _find(_errors(data_dir), row=None, fragment="required input 'population'")
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
    assert _find(problems, row=None, fragment="month 02 is not a quarter end").file == (
        "local/complaint_reviews/2025-02.csv"
    )
    # A month missing inside a quarter's file stops the build; a quarter's file not supplied
    # between others is a warning (its 12-month windows are not available).
    assert _find(problems, row=None, fragment="Kent: no row for 2025-02")
    assert not [p for p in problems if "no file for the quarter" in p.message]
    absent = _find(report.warnings, row=None, fragment="no file for the quarter(s) ending 2024-12")
    assert "not available" in absent.message


def test_a_whole_period_missing_inside_a_national_series_is_an_error(data_dir: Path) -> None:
    path = data_dir / "national/use_of_force.csv"
    frame = pd.read_csv(path, dtype=str)
    periods = sorted(frame["period"].unique())
    frame[frame["period"] != periods[2]].to_csv(path, index=False)
    problems = _errors(data_dir, "use_of_force")
    problem = _find(problems, row=None, fragment=f"no rows at all for {periods[2]}")
    assert problem.file == "national/use_of_force.csv" and problem.column == "period"


def test_a_whole_quarter_missing_inside_prc_is_an_error(data_dir: Path) -> None:
    frame = _prc_frame(data_dir)
    quarters = frame[["Financial Year", "Financial Quarter"]].drop_duplicates()
    year, quarter = quarters.iloc[2]
    kept = frame[~((frame["Financial Year"] == year) & (frame["Financial Quarter"] == quarter))]
    _write_prc(data_dir, kept)
    problems = _errors(data_dir, "prc")
    assert _find(problems, row=None, fragment=f"no rows at all for {year} Q{quarter}")


def test_population_codes_names_and_households(data_dir: Path) -> None:
    path = data_dir / "national/population_pfa.csv"
    frame = pd.read_csv(path, dtype=str)
    avon = frame.index[(frame["area_code"] == "E23000036") & (frame["mid_year"] == "2023")][0]
    frame.loc[avon, "area_name"] = "Kent"
    kent = frame.index[(frame["area_code"] == "E23000032") & (frame["mid_year"] == "2023")][0]
    frame.loc[kent, "households"] = str(int(frame.loc[kent, "population"]) + 1)
    frame.to_csv(path, index=False)
    problems = _errors(data_dir, "population")
    name = _find(problems, row=avon + 2, fragment="area_name does not match area_code E23000036")
    assert name.value == "Kent" and "Avon and Somerset" in name.message
    assert _find(problems, row=kent + 2, fragment="'households'")


def test_population_blank_households_is_a_warning(data_dir: Path) -> None:
    path = data_dir / "national/population_pfa.csv"
    frame = pd.read_csv(path, dtype=str)
    frame.loc[3, "households"] = ""
    frame.to_csv(path, index=False)
    warnings = validate_inputs(data_dir, ["population"])
    assert len(warnings) == 1 and "first at line 5" in warnings[0].message


def test_national_gap_is_a_warning(data_dir: Path) -> None:
    path = data_dir / "national/use_of_force.csv"
    frame = pd.read_csv(path, dtype=str)
    frame = frame[~((frame["force"] == "Dorset") & (frame["period"] == "2024-09"))]
    frame.to_csv(path, index=False)
    warnings = validate_inputs(data_dir, ["use_of_force"])
    assert [w.message for w in warnings] == ["Dorset has no rows for 1 period(s): 2024-09"]


# ----- reading helpers
def test_parse_whole_numbers_published_forms() -> None:
    text = pd.Series([" 1755 ", "-00", "1,204", "12.0", "12.5", "", "abc", "-3"])
    numbers, bad = parse_whole_numbers(text)
    assert bad.tolist() == [False, False, False, False, True, True, True, False]
    assert numbers[~bad].tolist() == [1755, 0, 1204, 12, -3]


def test_read_csv_text_drops_blank_lines_keeping_line_numbers() -> None:
    raw = b"a,b\n1,2\n\n3,4\n"
    frame, problems = read_csv_text(raw, "x.csv", ["a", "b"])
    assert problems == []
    assert frame is not None and frame["_line"].tolist() == [2, 4]


def test_published_prc_sheet_format_is_parsed(data_dir: Path) -> None:
    (data_dir / "national/prc_pfa.csv.gz").unlink()
    _place(data_dir, "prc_published_format.csv", "national/prc_pfa.csv")
    report = check_inputs(data_dir, ["prc"])
    assert report.errors == []
    assert [w for w in report.warnings if "no rows for" in w.message]  # 40 forces absent


# ----- real published files
def _real(path: str) -> Path:
    target = REAL / path
    if not target.is_file():
        pytest.skip(f"real data not available: {target} (../shared/data/real beside the clone)")
    return target


@real_data
def test_real_prc_file_passes_the_contract(data_dir: Path) -> None:
    shutil.copyfile(
        _real("ho-prc-pfa/prc_pfa_2012q1_2023q1.csv.gz"), data_dir / "national/prc_pfa.csv.gz"
    )
    report = check_inputs(data_dir, sources=["prc"])
    assert report.errors == []
    assert [w.message.split(",")[0] for w in report.warnings] == [
        "426 rows have negative counts"
    ]  # PROVENANCE.md: 426 negative rows, genuine adjustments


@real_data
def test_real_original_sheet_with_padded_counts(data_dir: Path) -> None:
    shutil.copyfile(
        _real("ho-prc-pfa/original-sheet-2017-18/prc-pfa-mar2013-onwards-tables201718.csv"),
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
        _real("ons-population-households/ons_pfa_population_households_mid2016_to_mid2018.csv"),
        data_dir / "national/population_pfa.csv",
    )
    shutil.copyfile(
        _real("pfa-population-ethnicity/pfa-ethnicity-census2021.csv"),
        data_dir / "national/population_ethnicity_pfa.csv",
    )
    report = check_inputs(data_dir, sources=["population", "population_ethnicity"])
    assert report.errors == []
    # Greater Manchester's mid-2018 households cell is blank in the published table.
    assert [(w.column, w.message) for w in report.warnings] == [
        ("households", "1 empty value(s), read as not published (first at line 43)")
    ]


# ----- reading a source again in the same process
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
