"""The rules of particular sources: police recorded crime's adjustments and repeated codes, and
periods missing inside a series.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from input_folders import (
    find_problem,
    prc_frame,
    raised_errors,
    write_prc,
)

from helpers.inputs.validation import check_inputs, validate_inputs


def test_negative_counts_are_warnings_only_in_prc(data_dir: Path) -> None:
    frame = pd.read_csv(data_dir / "national/prc_pfa.csv.gz", dtype=str, keep_default_na=False)
    frame.loc[5, "Number of Offences"] = "-3"
    frame.to_csv(data_dir / "national/prc_pfa.csv.gz", index=False)
    warnings = validate_inputs(data_dir, ["prc"])
    assert len(warnings) == 1 and "1 rows have negative counts" in warnings[0].message
    assert "line 7" in warnings[0].message  # frame row 5 is line 7 (header + 1-based)


def test_prc_exact_duplicate_row_is_an_error_naming_both_lines(data_dir: Path) -> None:
    frame = prc_frame(data_dir)
    write_prc(data_dir, pd.concat([frame, frame.iloc[[4]]], ignore_index=True))
    problems = raised_errors(data_dir, "prc")
    duplicate = find_problem(problems, row=len(frame) + 2, fragment="an exact copy of line 6")
    assert "counted twice" in duplicate.message
    assert duplicate.file == "national/prc_pfa.csv.gz"


def test_prc_same_offence_with_another_count_is_an_error(data_dir: Path) -> None:
    frame = prc_frame(data_dir)
    copy = frame.iloc[[4]].copy()
    copy["Number of Offences"] = "1"
    write_prc(data_dir, pd.concat([frame, copy], ignore_index=True))
    problems = raised_errors(data_dir, "prc")
    problem = find_problem(problems, row=len(frame) + 2, fragment="as line 6, with other values")
    assert "Offence Description" in problem.message


def test_prc_offences_under_one_code_are_added_together(data_dir: Path) -> None:
    """Different descriptions under one code, and a combined code's rows up to the number of
    offences it lists (the 2017/18 sheet: four identical-looking "Homicide" rows), are summed
    with a warning; a fifth row under a four-offence code is an error."""
    from helpers.inputs.datasets import load_inputs

    frame = prc_frame(data_dir)
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
    write_prc(data_dir, pd.concat([frame, other, homicide], ignore_index=True))
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

    write_prc(data_dir, pd.concat([frame, homicide, homicide.iloc[[0]]], ignore_index=True))
    problems = raised_errors(data_dir, "prc")
    fifth = find_problem(
        problems, row=len(frame) + 6, fragment="lists 4 offences, and this is row 5"
    )
    assert fifth.column == "Offence Code"


def test_a_whole_period_missing_inside_a_national_series_is_an_error(data_dir: Path) -> None:
    path = data_dir / "national/use_of_force.csv"
    frame = pd.read_csv(path, dtype=str)
    periods = sorted(frame["period"].unique())
    frame[frame["period"] != periods[2]].to_csv(path, index=False)
    problems = raised_errors(data_dir, "use_of_force")
    problem = find_problem(problems, row=None, fragment=f"no rows at all for {periods[2]}")
    assert problem.file == "national/use_of_force.csv" and problem.column == "period"


def test_a_whole_quarter_missing_inside_prc_is_an_error(data_dir: Path) -> None:
    frame = prc_frame(data_dir)
    quarters = frame[["Financial Year", "Financial Quarter"]].drop_duplicates()
    year, quarter = quarters.iloc[2]
    kept = frame[~((frame["Financial Year"] == year) & (frame["Financial Quarter"] == quarter))]
    write_prc(data_dir, kept)
    problems = raised_errors(data_dir, "prc")
    assert find_problem(problems, row=None, fragment=f"no rows at all for {year} Q{quarter}")


def test_national_gap_is_a_warning(data_dir: Path) -> None:
    path = data_dir / "national/use_of_force.csv"
    frame = pd.read_csv(path, dtype=str)
    frame = frame[~((frame["force"] == "Dorset") & (frame["period"] == "2024-09"))]
    frame.to_csv(path, index=False)
    warnings = validate_inputs(data_dir, ["use_of_force"])
    assert [w.message for w in warnings] == ["Dorset has no rows for 1 period(s): 2024-09"]


def test_annual_stop_search_rows_are_no_gap_but_a_lost_month_is(data_dir: Path) -> None:
    """The police powers open data give one row a force and financial year (its March): the
    months between are not missing; in a monthly file a whole month gone still is."""
    path = data_dir / "national/stop_search.csv"
    monthly = pd.read_csv(path, dtype=str)
    months = sorted(monthly["period"].unique())
    years = [
        monthly[monthly["period"] == months[-1]].assign(period=f"{y}-03")
        for y in (2023, 2024, 2025)
    ]
    pd.concat(years).to_csv(path, index=False)
    assert not check_inputs(data_dir, sources=["stop_search"]).errors
    assert not validate_inputs(data_dir, ["stop_search"])  # nor a warning for every force
    monthly[monthly["period"] != months[2]].to_csv(path, index=False)
    problems = raised_errors(data_dir, "stop_search")
    assert find_problem(problems, row=None, fragment=f"no rows at all for {months[2]}")


def test_a_blank_stop_search_count_is_not_published_never_zero(data_dir: Path) -> None:
    path = data_dir / "national/stop_search.csv"
    frame = pd.read_csv(path, dtype=str)
    frame.loc[3, ["searches", "positive_outcomes", "arrests"]] = ""
    frame.to_csv(path, index=False)
    warnings = validate_inputs(data_dir, ["stop_search"])
    assert any("read as not published" in w.message for w in warnings)
    from helpers.inputs.datasets import load_inputs

    tidy = load_inputs(data_dir).stop_search
    assert tidy["searches"].isna().sum() == 1 and (tidy["searches"].fillna(1) > 0).all()
