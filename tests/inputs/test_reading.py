"""Reading an input file: bytes, header, records and whole numbers, each problem located by file
and line as a person finds it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from input_folders import (
    find_problem,
    place_fixture,
    raised_errors,
)

from helpers.inputs.reading import compare_columns, parse_whole_numbers, read_csv_text
from helpers.inputs.validation import check_inputs, validate_inputs


def test_renamed_column_suggests_the_contract_name(data_dir: Path) -> None:
    place_fixture(
        data_dir, "victim_satisfaction_renamed_column.csv", "local/victim_satisfaction/2025-03.csv"
    )
    problems = raised_errors(data_dir, "victim_satisfaction")
    problem = find_problem(problems, row=1, fragment="should be named 'satisfied'")
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


def test_not_utf8_names_the_line(data_dir: Path) -> None:
    place_fixture(data_dir, "complaint_reviews_not_utf8.csv", "local/complaint_reviews/2025-03.csv")
    problem = find_problem(
        raised_errors(data_dir, "complaint_reviews"), row=3, fragment="is not UTF-8"
    )
    assert "0x96" in problem.message


def test_truncated_gzip(data_dir: Path) -> None:
    (data_dir / "local/cyber_crime/2025-03.csv").unlink()
    place_fixture(data_dir, "cyber_crime_truncated.csv.gz", "local/cyber_crime/2025-03.csv.gz")
    problem = find_problem(
        raised_errors(data_dir, "cyber_crime"), row=None, fragment="truncated or damaged"
    )
    assert problem.file == "local/cyber_crime/2025-03.csv.gz"


@pytest.mark.parametrize(
    ("fixture", "fragment"),
    [("empty.csv", "file is empty"), ("confidence_survey_header_only.csv", "no data rows")],
)
def test_empty_and_header_only(data_dir: Path, fixture: str, fragment: str) -> None:
    place_fixture(data_dir, fixture, "local/confidence_survey/2025-03.csv")
    assert find_problem(raised_errors(data_dir, "confidence_survey"), row=None, fragment=fragment)


def test_line_numbers_survive_quoted_newlines_and_skipped_rows(data_dir: Path) -> None:
    place_fixture(data_dir, "action_fraud_ragged_multiline.csv", "local/action_fraud/2025-03.csv")
    problems = raised_errors(data_dir, "action_fraud")
    assert find_problem(problems, row=5, fragment="has 4 fields where the header has 3")
    assert find_problem(problems, row=6, fragment="cannot be negative").value == -4


def test_bom_crlf_and_force_aliases_are_accepted(data_dir: Path) -> None:
    place_fixture(
        data_dir, "drugs_disruptions_bom_crlf_aliases.csv", "local/drugs_disruptions/2025-03.csv"
    )
    assert validate_inputs(data_dir, ["drugs_disruptions"]) == []


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
    place_fixture(data_dir, "prc_published_format.csv", "national/prc_pfa.csv")
    report = check_inputs(data_dir, ["prc"])
    assert report.errors == []
    assert [w for w in report.warnings if "no rows for" in w.message]  # 40 forces absent
