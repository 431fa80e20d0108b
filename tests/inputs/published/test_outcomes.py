"""The Home Office crime outcomes reader on excerpts of the real files (tests/fixtures/published,
README there): every expected figure summed here from the raw rows with the csv module."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.exceptions import InputValidationError
from helpers.inputs.published.outcomes import clean_name, read_rape_outcomes
from helpers.inputs.published.sheets import PublishedFileError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "published"
PUBLISHED = FIXTURES / "outcomes-2018-19-excerpt.csv.gz"
TIDY = FIXTURES / "outcomes-2017-18-tidy-excerpt.csv.gz"
RAPE = {"19C", "19D", "19E", "19F", "19G", "19H"}
QUARTER_END = {"1": "06", "2": "09", "3": "12", "4": "03"}


def _rows(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _by_hand(path: Path, names: dict[str, str]) -> dict[tuple[str, str], tuple[int, int]]:
    """{(period, force): (outcomes assigned, charged/summonsed)} of the rape codes."""
    out: dict[tuple[str, str], list[int]] = {}
    for r in _rows(path):
        if r[names["code"]] not in RAPE or r[names["type"]] == "0":
            continue
        start = int(r[names["year"]][:4])
        quarter = r[names["quarter"]]
        period = f"{start + (quarter == '4')}-{QUARTER_END[quarter]}"
        totals = out.setdefault((period, r[names["force"]]), [0, 0])
        totals[0] += int(r[names["count"]])
        totals[1] += int(r[names["count"]]) if r[names["type"]] == "1" else 0
    return {k: (v[0], v[1]) for k, v in out.items()}


PUBLISHED_NAMES = {
    "code": "Offence Code",
    "type": "Outcome Type",
    "year": "Financial Year",
    "quarter": "Financial Quarter",
    "force": "Force Name",
    "count": "Force outcomes recorded in quarter",
}
TIDY_NAMES = {k: clean_name(v) for k, v in PUBLISHED_NAMES.items()}


@pytest.mark.parametrize(("path", "names"), [(PUBLISHED, PUBLISHED_NAMES), (TIDY, TIDY_NAMES)])
def test_rape_outcomes_match_the_rows_summed_by_hand(path, names):
    table = read_rape_outcomes(path)
    expected = _by_hand(path, names)
    territorial = {k: v for k, v in expected.items() if k[1] != "British Transport Police"}
    got = {
        (r.period, r.force): (r.finalised_outcomes, r.charged_summonsed) for r in table.itertuples()
    }
    assert got == territorial
    assert set(table["force"]) == {"Avon and Somerset", "Cleveland"}  # BTP is no force area
    assert list(table.columns) == ["period", "force", "finalised_outcomes", "charged_summonsed"]


def test_the_year_matches_the_check_in_the_files_provenance():
    """PROVENANCE.md of the real files: Avon and Somerset, 2018/19, 63 of 1,512 outcomes were
    charge/summons; 2017/18, 104 of 1,633 (worked out there, outside this project)."""
    for path, (charged, assigned) in ((PUBLISHED, (63, 1512)), (TIDY, (104, 1633))):
        table = read_rape_outcomes(path)
        mine = table[table["force"] == "Avon and Somerset"]
        assert (mine["charged_summonsed"].sum(), mine["finalised_outcomes"].sum()) == (
            charged,
            assigned,
        )


def test_type_0_has_no_count_and_is_not_an_outcome_assigned():
    rows = [r for r in _rows(PUBLISHED) if r["Offence Code"] in RAPE]
    assert {r["Force outcomes recorded in quarter"] for r in rows if r["Outcome Type"] == "0"} == {
        "NA"
    }
    # The type-0 rows' other column holds offences still awaiting an outcome: not counted.
    waiting = sum(
        int(r["Force outcomes for offences recorded in quarter"])
        for r in rows
        if r["Outcome Type"] == "0" and r["Force Name"] == "Avon and Somerset"
    )
    assert waiting > 0
    table = read_rape_outcomes(PUBLISHED)
    assert table.loc[table["force"] == "Avon and Somerset", "finalised_outcomes"].sum() == 1512


def _edited(path: Path, tmp_path: Path, edit) -> Path:
    text = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
    out = tmp_path / path.name.replace(".gz", "")
    out.write_text(edit(text), encoding="utf-8")
    return out


def test_a_renamed_column_is_an_error_naming_the_file_row_and_column(tmp_path):
    bad = _edited(
        PUBLISHED,
        tmp_path,
        lambda t: t.replace("Force outcomes recorded in quarter", "Outcomes in quarter", 1),
    )
    with pytest.raises(PublishedFileError) as caught:
        read_rape_outcomes(bad)
    message = str(caught.value)
    assert f"{bad}, row 1: missing column(s) 'Force outcomes recorded in quarter'" in message


def test_a_count_that_is_not_a_number_is_an_error_naming_its_row(tmp_path):
    lines = gzip.decompress(PUBLISHED.read_bytes()).decode("utf-8-sig").splitlines()
    at = next(
        i
        for i, line in enumerate(lines)
        if ",19C," in line and ",Charged/Summonsed,1," in line and "Avon" in line
    )
    fields = next(csv.reader([lines[at]]))
    fields[-1] = "12a"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    lines[at] = buffer.getvalue()
    bad = tmp_path / "outcomes.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PublishedFileError, match=rf"outcomes.csv, row {at + 1}: .*'12a'"):
        read_rape_outcomes(bad)


def test_a_blank_count_outside_type_0_is_an_error_not_a_zero(tmp_path):
    lines = gzip.decompress(PUBLISHED.read_bytes()).decode("utf-8-sig").splitlines()
    at = next(
        i for i, line in enumerate(lines) if ",19D," in line and ",Charged/Summonsed,1," in line
    )
    lines[at] = lines[at].rsplit(",", 1)[0] + ",NA"
    bad = tmp_path / "outcomes.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PublishedFileError, match=rf"row {at + 1}: .*'NA' for outcome type '1'"):
        read_rape_outcomes(bad)


def test_an_unknown_force_is_named(tmp_path):
    bad = _edited(PUBLISHED, tmp_path, lambda t: t.replace("Cleveland", "Clevland"))
    with pytest.raises(InputValidationError, match="unknown force 'Clevland'"):
        read_rape_outcomes(bad)


def _workbook(tmp_path: Path, frame: pd.DataFrame, sheet: str) -> Path:
    """The excerpt as the published ODS lays it out: a cover sheet, then the data sheet with a
    title and a blank row above the header."""
    path = tmp_path / "prc-outcomes-open-data-mar2019-tables.ods"
    width = len(frame.columns)
    title = [["Crime outcomes open data, 2018/19", *[""] * (width - 1)], [""] * width]
    cells = pd.DataFrame([*title, list(frame.columns), *frame.to_numpy().tolist()])
    with pd.ExcelWriter(path, engine="odf") as book:
        pd.DataFrame([["Cover"]]).to_excel(book, sheet_name="Cover", header=False, index=False)
        cells.to_excel(book, sheet_name=sheet, header=False, index=False)
    return path


def _excerpt_frame() -> pd.DataFrame:
    with gzip.open(PUBLISHED, "rt", encoding="utf-8-sig") as handle:
        frame = pd.read_csv(handle, dtype=str, keep_default_na=False)
    return frame[frame["Offence Code"].isin(RAPE) & (frame["Force Name"] != "Cleveland")]


def test_the_workbook_as_published_reads_like_its_csv_export(tmp_path):
    frame = _excerpt_frame()
    book = _workbook(tmp_path, frame, "Outcomes_open_data_2018-19")
    csv_copy = tmp_path / "excerpt.csv"
    frame.to_csv(csv_copy, index=False)
    pd.testing.assert_frame_equal(read_rape_outcomes(book), read_rape_outcomes(csv_copy))


def test_a_renamed_column_in_the_workbook_names_the_sheet_and_header_row(tmp_path):
    frame = _excerpt_frame().rename(columns={"Outcome Type": "Outcome type"})
    frame = frame.rename(columns={"Force outcomes recorded in quarter": "Outcomes (quarter)"})
    book = _workbook(tmp_path, frame, "Data")
    with pytest.raises(PublishedFileError) as caught:
        read_rape_outcomes(book)
    assert f"{book}, sheet 'Data', row 3: missing column(s) 'Force outcomes recorded" in str(
        caught.value
    )


def test_a_workbook_whose_data_sheet_moved_away_says_which_sheets_it_searched(tmp_path):
    frame = _excerpt_frame().rename(columns={"Force Name": "Police force"})
    book = _workbook(tmp_path, frame, "Data")
    with pytest.raises(PublishedFileError, match=r"no sheet has the outcomes columns \(searched"):
        read_rape_outcomes(book)
