"""Home Office police workforce tables: cuts of the published files (tests/fixtures/published/
workforce, README there) read by the readers, every expected figure worked out here by another
route: the CSVs with the csv module, the ODS cells with odfpy (pandas' "odf" engine) where the
reader uses python-calamine. Doctored copies check that a layout the reader does not know is an
error naming the file, the sheet and the row.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.exceptions import InputValidationError
from helpers.inputs.published import real_folder
from helpers.inputs.published.sheets import PublishedFileError
from helpers.inputs.published.workforce import (
    read_workforce_ethnicity,
    read_workforce_table,
    workforce_by_ethnicity,
    workforce_strength,
)
from helpers.inputs.published.workforce_bulletin import read_workforce_bulletin

CUTS = Path(__file__).resolve().parents[2] / "fixtures" / "published" / "workforce"
OPEN_DATA = CUTS / "workforce-open-data-table-cut.csv"
OFFICERS = CUTS / "officer-rank-from-2003-cut.csv"
CHIEFS = CUTS / "chief-officer-latest-cut.csv"
BULLETIN = CUTS / "police-workforce-sep19-tables-cut.ods"
PUBLISHED_HEADER = {
    "date": "As at 31 March...",
    "geo_code": "Geo code",
    "force_name": "Force Name",
    "region": "Region",
    "sex": "Sex",
    "rank_description": "Rank description",
    "worker_type": "Worker type",
    "total_headcount": "Total (headcount)",
    "total_fte": "Total (FTE)",
}
# The ethnicity table's categories, as the Home Office writes them -> the contract's groups.
GROUPS = {
    "Asian or Asian British": "Asian",
    "Black or Black British": "Black",
    "Chinese or Other Ethnic Group (pre 2021 category)": "Other",
    "Mixed": "Mixed",
    "White": "White",
    "Not stated": "Not stated",
}


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def raw_lines(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    return lines[0], lines[1:]


# ----- the workforce open data table -----------------------------------------------------------
def test_open_data_table_read_with_its_snapshot_at_31_march():
    table = read_workforce_table(OPEN_DATA)
    frame = table.frame
    assert set(frame["force"]) == {
        "Avon and Somerset",
        "London, City of",
        "West Midlands",
        "Dyfed-Powys",
    }
    assert sorted(frame["as_at"].unique()) == ["2019-03-31", "2022-03-31"]
    by_hand = sum(
        int(r["total_headcount"])
        for r in rows_of(OPEN_DATA)
        if r["force_name"] == "Avon & Somerset"
        and r["date"].startswith("2019")
        and r["worker_type"] == "police officer"
    )
    mine = frame[
        (frame["force"] == "Avon and Somerset")
        & (frame["as_at"] == "2019-03-31")
        & (frame["worker_type"] == "police officer")
    ]
    assert mine["headcount"].sum() == by_hand == 2765


def test_published_header_and_sheet_read_as_the_tidy_copy(tmp_path):
    header, rows = raw_lines(OPEN_DATA)
    # The published table: its own column names, the year alone as the snapshot, a title
    # above the header, in an ODS sheet named Data.
    published = [PUBLISHED_HEADER[h] for h in header]
    years = [[r[0][:4], *r[1:]] for r in rows]
    sheet = pd.DataFrame([["Police workforce open data table", *[""] * 8], published, *years])
    ods = tmp_path / "open-data-table-police-workforce-270722.ods"
    sheet.to_excel(ods, sheet_name="Data", header=False, index=False, engine="odf")
    csv_copy = write_rows(tmp_path / "published.csv", published, years)
    tidy = read_workforce_table(OPEN_DATA).frame
    for path in (ods, csv_copy):
        pd.testing.assert_frame_equal(read_workforce_table(path).frame, tidy)


def test_a_renamed_column_names_the_file_sheet_and_header_row(tmp_path):
    header, rows = raw_lines(OPEN_DATA)
    published = [PUBLISHED_HEADER[h] for h in header]
    renamed = ["Force" if h == "Force Name" else h for h in published]
    sheet = pd.DataFrame([["A title", *[""] * 8], ["", *[""] * 8], renamed, *rows])
    ods = tmp_path / "renamed.ods"
    sheet.to_excel(ods, sheet_name="Data", header=False, index=False, engine="odf")
    with pytest.raises(PublishedFileError, match=r"renamed\.ods: no sheet has a 'Force Name'"):
        read_workforce_table(ods)
    moved = ["Headcount" if h == "Total (headcount)" else h for h in published]
    bad = write_rows(tmp_path / "moved.csv", moved, rows)
    with pytest.raises(PublishedFileError, match=r"moved\.csv, row 1: no column for headcount"):
        read_workforce_table(bad)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("force_name", "Avon and Sommerset", r"row 4: unknown force 'Avon and Sommerset'"),
        ("date", "2019-09-01", r"row 4: the snapshot '2019-09-01' is not 31 March"),
        ("total_headcount", "", r"row 4: headcount is not a number of people: ''"),
        ("total_headcount", "12.5.1", r"row 4: headcount is not a number"),
    ],
)
def test_a_bad_cell_names_its_row(tmp_path, column, value, message):
    header, rows = raw_lines(OPEN_DATA)
    rows[2][header.index(column)] = value  # line 4 of the file
    with pytest.raises(PublishedFileError, match=r"bad\.csv, " + message):
        read_workforce_table(write_rows(tmp_path / "bad.csv", header, rows))


# ----- the ethnicity table ----------------------------------------------------------------------
def hand_by_group(path: Path, force: str, year: str) -> dict[str, int]:
    """Headcount by contract group, summed over sex and rank; ' -' is nil."""
    out = dict.fromkeys(GROUPS.values(), 0)
    for r in rows_of(path):
        if r["Force Name"] == force and r["As at 31 March..."] == year:
            text = r["Total (headcount)"].strip().replace(",", "")
            out[GROUPS[r["Ethnicity"]]] += 0 if text == "-" else int(text)
    return out


@pytest.mark.parametrize(
    ("force", "canonical", "year"),
    [("Avon & Somerset", "Avon and Somerset", "2006"), ("Wiltshire", "Wiltshire", "2005")],
)
def test_ethnicity_table_converted_by_group(force, canonical, year):
    converted = workforce_by_ethnicity(read_workforce_table(OFFICERS))
    frame = converted.frame
    mine = frame[(frame["force"] == canonical) & (frame["as_at"] == f"{year}-03-31")]
    assert set(mine["worker_type"]) == {"Police officer"}  # the extract holds officers only
    assert mine.set_index("ethnic_group")["headcount"].to_dict() == hand_by_group(
        OFFICERS, force, year
    )
    assert converted.left_out == ()
    real_folder.check_converted(frame, "workforce")  # the data folder's contract


def test_snapshots_of_some_ranks_only_are_left_out_and_said():
    converted = read_workforce_ethnicity([CHIEFS, OFFICERS])
    assert sorted(converted.frame["as_at"].unique()) == ["2004-03-31", "2005-03-31", "2006-03-31"]
    # 2006 is in both files: whole in one, so not left out; 2006's figures are the whole.
    assert [(a, why) for a, _, why in converted.left_out] == [
        ("2019-03-31", "officers of some ranks only (Chief Officer), not the workforce"),
        ("2021-03-31", "officers of some ranks only (Chief Officer), not the workforce"),
    ]
    avon = converted.frame[
        (converted.frame["force"] == "Avon and Somerset")
        & (converted.frame["as_at"] == "2006-03-31")
    ]
    assert avon["headcount"].sum() == sum(
        hand_by_group(OFFICERS, "Avon & Somerset", "2006").values()
    )
    assert converted.notes == (
        f"left out: {CHIEFS.name}, 31 March 2019, 2021: officers of some ranks only "
        "(Chief Officer), not the workforce",
        "31 March 2004 to 2006: Police officer",
    )


def test_the_2021_categories_and_an_unknown_one(tmp_path):
    header, rows = raw_lines(CHIEFS)
    eth = header.index("Ethnicity")
    assert "Other ethnic group" in {r[eth] for r in rows}  # the 2021 category
    frame = read_workforce_table(CHIEFS).frame
    assert set(frame["ethnicity"]) >= {
        "Other ethnic group",
        "Chinese or Other Ethnic Group (pre 2021 category)",
    }
    rows[5][eth] = "Mixed/multiple"
    with pytest.raises(
        PublishedFileError, match=r"bad\.csv, row 7: unknown ethnicity 'Mixed/multiple'"
    ):
        workforce_by_ethnicity(read_workforce_table(write_rows(tmp_path / "bad.csv", header, rows)))


def test_the_workforce_table_is_not_the_ethnicity_table():
    with pytest.raises(PublishedFileError, match="no 'Ethnicity' column"):
        workforce_by_ethnicity(read_workforce_table(OPEN_DATA))


def test_an_annual_workforce_file_is_not_missing_its_septembers():
    frame = workforce_by_ethnicity(read_workforce_table(OFFICERS)).frame
    real_folder.check_converted(frame, "workforce")  # three Marches: an annual table
    march = frame[frame["as_at"] == "2006-03-31"]
    years = [march.assign(as_at=f"{y}-03-31") for y in (2004, 2005, 2006)]
    # Two Marches could be a semiannual file that lost its September: still an error.
    with pytest.raises(InputValidationError, match="no rows at all for 2005-09"):
        real_folder.check_converted(pd.concat(years[1:]), "workforce")
    lost = pd.concat([march.assign(as_at="2004-09-30"), *years, march.assign(as_at="2006-09-30")])
    with pytest.raises(InputValidationError, match="no rows at all for 2005-09"):
        real_folder.check_converted(lost, "workforce")


# ----- the September bulletin -------------------------------------------------------------------
def odf_cell(sheet: str, row: int, column: int) -> object:
    """One cell of the cut as odfpy reads it (row and column from 1, as a spreadsheet shows)."""
    frame = pd.read_excel(BULLETIN, sheet_name=sheet, header=None, engine="odf")
    return frame.iat[row - 1, column - 1]


def test_bulletin_figures_are_the_cells_odfpy_reads():
    table = read_workforce_bulletin(BULLETIN)
    got = table.set_index(["as_at", "force", "worker_type", "measure"])["value"]
    # Sheet Table_1 (officers, FTE): row 50 is Avon & Somerset; B, C, D are September 2018,
    # March 2019 and September 2019. Row 32 is West Midlands the force, row 28 the region.
    assert str(odf_cell("Table_1", 50, 1)) == "Avon & Somerset"
    for column, as_at in ((2, "2018-09-30"), (3, "2019-03-31"), (4, "2019-09-30")):
        want = odf_cell("Table_1", 50, column)
        assert got[(as_at, "Avon and Somerset", "Police officer", "fte")] == pytest.approx(want)
    assert got[("2019-09-30", "West Midlands", "Police officer", "fte")] == pytest.approx(
        odf_cell("Table_1", 32, 4)
    )
    assert odf_cell("Table_1", 28, 4) != odf_cell("Table_1", 32, 4)  # the region, not read
    # Table_7 (officers, headcount): March 2019 in B, September 2019 in C.
    assert got[("2019-09-30", "Avon and Somerset", "Police officer", "headcount")] == odf_cell(
        "Table_7", 50, 3
    )
    total = odf_cell("Table_1", 60, 4)
    assert str(odf_cell("Table_1", 60, 1)) == "Total 43 forces"
    officers = table[(table["worker_type"] == "Police officer") & (table["measure"] == "fte")]
    assert officers[officers["as_at"] == "2019-09-30"]["value"].sum() == pytest.approx(total)
    assert round(total) == 124_784  # the bulletin's headline
    assert officers["force"].nunique() == 43
    assert set(table["worker_type"]) == {"Police officer", "Police staff", "PCSO"}


def doctored(tmp_path: Path, change) -> Path:
    """A copy of the cut with `change(sheets)` applied to its cells (calamine in, odfpy out)."""
    sheets = pd.read_excel(BULLETIN, sheet_name=None, header=None, engine="calamine", dtype=object)
    change(sheets)
    path = tmp_path / "police-workforce-sep19-tables-doctored.ods"
    with pd.ExcelWriter(path, engine="odf") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, header=False, index=False)
    return path


def _shift_column(sheets):
    frame = sheets["Table_2"]
    frame.iloc[7:62, 2] = frame.iloc[6:61, 2].to_numpy()  # C moved down a row


def _drop_region(sheets):
    frame = sheets["Table_1"]
    sheets["Table_1"] = frame.drop(index=48).reset_index(drop=True)  # the South West row


def _rename_force(sheets):
    sheets["Table_5"].iat[49, 0] = "Avon"


def _title_disagrees(sheets):
    sheets["Table_1"].iat[0, 0] = str(sheets["Table_1"].iat[0, 0]).replace("(FTE)", "(headcount)")


def _wrong_year_column(sheets):
    sheets["Table_1"].iat[5, 3] = pd.Timestamp("2020-03-31")  # a later bulletin's column


def _dates_swapped(sheets):
    frame = sheets["Table_5"]
    frame.iat[5, 1], frame.iat[5, 2] = frame.iat[5, 2], frame.iat[5, 1]


def _sheet_moved(sheets):
    del sheets["Table_1"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_shift_column, r"sheet 'Table_2', row 7: North East is .* but its forces read sum to"),
        (_drop_region, r"sheet 'Table_1', row 43: South East is .* but its forces read sum to"),
        (_rename_force, r"sheet 'Table_5', row 50: 'Avon' is neither a force nor a region"),
        (_title_disagrees, r"sheet 'Table_1', rows 1-5: cannot tell .* disagree"),
        (
            _wrong_year_column,
            r"sheet 'Table_1', row 6: the latest column is 2020-03-31, but the title is of "
            r"2019-09-30",
        ),
        (_dates_swapped, r"sheet 'Table_5', row 6: the snapshot columns are not in date order"),
        (_sheet_moved, r"doctored\.ods: no force table \(FTE\) of Police officer"),
    ],
)
def test_a_layout_the_reader_does_not_know_is_an_error(tmp_path, change, message):
    with pytest.raises(PublishedFileError, match=message):
        read_workforce_bulletin(doctored(tmp_path, change))


def test_an_unchanged_copy_reads_the_same(tmp_path):
    copy = doctored(tmp_path, lambda sheets: None)
    pd.testing.assert_frame_equal(read_workforce_bulletin(copy), read_workforce_bulletin(BULLETIN))


# ----- headcount and FTE together ---------------------------------------------------------------
def test_strength_takes_march_from_the_open_data_and_september_from_the_bulletin(tmp_path):
    bulletin = read_workforce_bulletin(shutil.copy(BULLETIN, tmp_path / "b.ods"))
    strength = workforce_strength(read_workforce_table(OPEN_DATA), bulletin)
    avon = strength[strength["force"] == "Avon and Somerset"].set_index(["as_at", "worker_type"])
    # 31 March 2019: the open data table (the later release), summed over sex and rank by hand.
    by_hand = sum(
        int(r["total_headcount"])
        for r in rows_of(OPEN_DATA)
        if r["force_name"] == "Avon & Somerset"
        and r["date"].startswith("2019")
        and r["worker_type"] == "police community support officer"
    )
    assert avon.loc[("2019-03-31", "PCSO"), "headcount"] == by_hand
    assert avon.loc[("2019-03-31", "PCSO"), "publication"] == "open data table"
    # 30 September 2019 from the bulletin; September 2018 has no headcount there: missing.
    assert avon.loc[("2019-09-30", "Police officer"), "headcount"] == odf_cell("Table_7", 50, 3)
    assert pd.isna(avon.loc[("2018-09-30", "Police officer"), "headcount"])
    assert avon.loc[("2018-09-30", "Police officer"), "fte"] == pytest.approx(
        odf_cell("Table_1", 50, 2), abs=0.005
    )
    # Volunteers have no FTE (the tidy copy wrote 0 for the table's N/A).
    assert pd.isna(avon.loc[("2019-03-31", "Special constable"), "fte"])


# ----- import-real ------------------------------------------------------------------------------
def _published_folder(tmp_path: Path) -> Path:
    """A folder of published files: the minimal sample's PRC and population under the names
    import-real looks for, and the workforce cuts."""
    from helpers.inputs.sample_data import write_minimal_sample

    sample = tmp_path / "sample"
    write_minimal_sample(sample)
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(sample / "national" / "prc_pfa.csv.gz", raw / "prc_pfa_sample.csv.gz")
    shutil.copy(sample / "national" / "population_pfa.csv", raw / "ons_pfa_population_sample.csv")
    # Each under the name of the file it was cut from, as import-real looks for them.
    for path in (OPEN_DATA, OFFICERS, CHIEFS, BULLETIN):
        shutil.copy(path, raw / path.name.replace("-cut", ""))
    return raw


def test_import_real_converts_the_workforce_files(tmp_path):
    out = tmp_path / "data"
    made = real_folder.import_real(_published_folder(tmp_path), out)
    assert sorted(made["national/workforce.csv"]) == [
        "chief-officer-latest.csv",
        "officer-rank-from-2003.csv",
    ]
    assert sorted(made["national/workforce_strength.csv"]) == [
        "police-workforce-sep19-tables.ods",
        "workforce-open-data-table.csv",
    ]
    workforce = pd.read_csv(out / "national" / "workforce.csv")
    avon = workforce[
        (workforce["force"] == "Avon and Somerset") & (workforce["as_at"] == "2004-03-31")
    ]
    assert avon.set_index("ethnic_group")["headcount"].to_dict() == hand_by_group(
        OFFICERS, "Avon & Somerset", "2004"
    )
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "31 March 2019, 2021: officers of some ranks only (Chief Officer)" in readme


def test_a_bulletin_it_cannot_read_leaves_out_the_strength_table_only(tmp_path, capsys):
    raw = _published_folder(tmp_path)
    broken = doctored(tmp_path, _drop_region)
    shutil.copy(broken, raw / "police-workforce-sep19-tables.ods")
    out = tmp_path / "data"
    made = real_folder.import_real(raw, out)
    assert "national/workforce.csv" in made
    assert "national/workforce_strength.csv" not in made
    assert not (out / "national" / "workforce_strength.csv").exists()
    said = "national/workforce_strength.csv` not made: police-workforce-sep19-tables.ods, sheet"
    assert said in (out / "README.md").read_text(encoding="utf-8")
    assert "South East is" in capsys.readouterr().err
