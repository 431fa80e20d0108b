"""Home Office police workforce: the real published files (../shared/data/real beside the
clone) in, real figures out; every expected figure from the raw files by another route (the csv
module; odfpy for the ODS where the reader uses python-calamine) or from the publisher's own
headline figures.
"""

from __future__ import annotations

import csv
import gzip

import pandas as pd
import pytest
from published_files import REAL, REAL_DATA_MARKS, csv_rows

from helpers.core.config import default_catalogue, load_settings
from helpers.core.forces import default_forces
from helpers.core.quarters import FinancialQuarter
from helpers.inputs.published.workforce import read_workforce_table, workforce_strength
from helpers.inputs.published.workforce_bulletin import (
    read_workforce_bulletin,
    read_workforce_bulletins,
)
from helpers.measures.compute import compute_measure

pytestmark = REAL_DATA_MARKS

WORKFORCE = REAL / "ho-police-workforce"
OPEN_DATA = WORKFORCE / "workforce-open-data-table_2007_to_2022_tidy.csv.gz"
BULLETINS = sorted((WORKFORCE / "sept-bulletin-tables-2015-2019").glob("*.ods"))
ETHNICITY = REAL / "ho-workforce-ethnicity-partial" / "officer-rank-from-2003.csv"
MEASURES = ("workforce_asian", "workforce_black", "workforce_mixed", "workforce_other")


@pytest.fixture(scope="module")
def bulletins():
    return read_workforce_bulletins(BULLETINS)


@pytest.fixture(scope="module")
def sep19_headcount():
    """Table_7 of the September 2019 bulletin (officers, headcount) as odfpy reads it."""
    path = WORKFORCE / "sept-bulletin-tables-2015-2019" / "police-workforce-sep19-tables.ods"
    return pd.read_excel(path, sheet_name="Table_7", header=None, engine="odf")


@pytest.fixture(scope="module")
def open_data_rows():
    with gzip.open(OPEN_DATA, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_bulletin_reads_and_its_totals_are_the_published_ones():
    """sep19 Table_1's 'Total 43 forces' (PROVENANCE: 122,406 / 123,171 / 124,784 FTE)."""
    for path in BULLETINS:
        table = read_workforce_bulletin(path)
        assert table.groupby(["as_at", "worker_type", "measure"])["force"].nunique().eq(43).all()
    sep19 = read_workforce_bulletin(
        WORKFORCE / "sept-bulletin-tables-2015-2019" / BULLETINS[1].name
    )
    officers = sep19[(sep19["worker_type"] == "Police officer") & (sep19["measure"] == "fte")]
    totals = officers.groupby("as_at")["value"].sum().round().astype(int).to_dict()
    assert totals == {"2018-09-30": 122_406, "2019-03-31": 123_171, "2019-09-30": 124_784}


def test_bulletins_against_odfpy_cells(bulletins):
    """Wiltshire's officers (FTE) in each bulletin's Table_1, read by odfpy from its own row."""
    table = bulletins
    for path in BULLETINS:
        sheet = pd.read_excel(path, sheet_name="Table_1", header=None, engine="odf")
        row = sheet.index[sheet[0].astype(str).str.strip().str.rstrip("0123456789") == "Wiltshire"]
        (row,) = row
        latest = table[
            (table["force"] == "Wiltshire")
            & (table["worker_type"] == "Police officer")
            & (table["measure"] == "fte")
        ]
        dates = [v for v in sheet.iloc[:10].stack() if isinstance(v, pd.Timestamp | type(pd.NaT))]
        last = max(d for d in dates if not pd.isna(d))
        column = next(c for c in sheet.columns[1:] if (sheet[c].iloc[:10] == last).any())
        got = latest.set_index("as_at")["value"][last.strftime("%Y-%m-%d")]
        assert got == pytest.approx(float(sheet.iat[row, column]))


def test_open_data_table_national_headline(open_data_rows):
    """England and Wales officer FTE on 31 March 2022: 140,228 (the Home Office headline)."""
    frame = read_workforce_table(OPEN_DATA).frame
    officers = frame[(frame["as_at"] == "2022-03-31") & (frame["worker_type"] == "police officer")]
    assert round(officers["fte"].sum()) == 140_228
    assert officers["headcount"].sum() == sum(
        int(r["total_headcount"])
        for r in open_data_rows
        if r["date"].startswith("2022") and r["worker_type"] == "police officer"
    )
    assert frame["force"].nunique() == 43


@pytest.mark.parametrize("force", ["Avon & Somerset", "Wiltshire", "Kent", "London, City of"])
def test_two_publications_agree_on_march_2019_officer_headcount(
    force, open_data_rows, bulletins, sep19_headcount
):
    """The September 2019 bulletin's 31 March 2019 officer headcount (Table_7) against the open
    data table of July 2022, summed by hand over sex and rank: the same snapshot, two releases."""
    sheet = sep19_headcount
    (row,) = sheet.index[sheet[0].astype(str).str.strip() == force]
    published = int(sheet.iat[row, 1])
    by_hand = sum(
        int(r["total_headcount"])
        for r in open_data_rows
        if r["force_name"] == force
        and r["date"].startswith("2019")
        and r["worker_type"] == "police officer"
    )
    assert published == by_hand
    strength = workforce_strength(None, bulletins)
    canonical = default_forces().canonical(force)
    mine = strength[
        (strength["force"] == canonical)
        & (strength["as_at"] == "2019-03-31")
        & (strength["worker_type"] == "Police officer")
    ]
    assert mine["headcount"].item() == published


def test_import_real_writes_the_ethnicity_extract_and_the_strength(real_folder):
    workforce = pd.read_csv(real_folder / "national" / "workforce.csv", dtype=str)
    assert sorted(workforce["as_at"].unique()) == [f"{y}-03-31" for y in range(2003, 2007)]
    assert workforce["force"].nunique() == 43
    by_hand: dict[str, int] = {}
    groups = {
        "Asian or Asian British": "Asian",
        "Black or Black British": "Black",
        "Mixed": "Mixed",
        "Chinese or Other Ethnic Group (pre 2021 category)": "Other",
        "White": "White",
        "Not stated": "Not stated",
    }
    for r in csv_rows(ETHNICITY):
        if r["Force Name"] == "Kent" and r["As at 31 March..."] == "2004":
            text = r["Total (headcount)"].strip().replace(",", "")
            group = groups[r["Ethnicity"]]
            by_hand[group] = by_hand.get(group, 0) + (0 if text == "-" else int(text))
    kent = workforce[(workforce["force"] == "Kent") & (workforce["as_at"] == "2004-03-31")]
    assert kent.set_index("ethnic_group")["headcount"].astype(int).to_dict() == by_hand
    readme = (real_folder / "README.md").read_text(encoding="utf-8")
    assert "31 March 2007 to 2021: officers of some ranks only (Chief Officer)" in readme
    strength = pd.read_csv(real_folder / "national" / "workforce_strength.csv")
    assert set(strength["as_at"].str[5:]) == {"03-31", "09-30"}
    assert strength["force"].nunique() == 43


def test_workforce_measures_by_hand_and_not_available_beyond_the_extract(inputs):
    """At March 2006 the share is worked out from the raw rows; at March 2019 (the extract ends
    in 2006) every force's figure is missing, with the reason, never 0."""
    catalogue, settings = default_catalogue(), load_settings()
    rows = [r for r in csv_rows(ETHNICITY) if r["As at 31 March..."] == "2006"]

    def count(force: str, ethnicity: str | None) -> int:
        return sum(
            0
            if r["Total (headcount)"].strip() == "-"
            else int(r["Total (headcount)"].replace(",", ""))
            for r in rows
            if r["Force Name"] == force
            and (r["Ethnicity"] == ethnicity if ethnicity else r["Ethnicity"] != "Not stated")
        )

    for force, canonical in (
        ("Avon & Somerset", "Avon and Somerset"),
        ("West Midlands", "West Midlands"),
    ):
        result = compute_measure(
            catalogue.measure("workforce_black"), inputs, FinancialQuarter.parse("2006-03"),
            canonical, settings,
        )  # fmt: skip
        expected = 100 * count(force, "Black or Black British") / count(force, None)
        assert result.value == pytest.approx(expected, rel=1e-12)
    quarter = FinancialQuarter.parse("2019-03")
    for force in default_forces().names:
        for measure_id in MEASURES if force == "Avon and Somerset" else MEASURES[:1]:
            result = compute_measure(
                catalogue.measure(measure_id), inputs, quarter, force, settings
            )
            assert not result.available and result.value is None
            assert "its latest before then is March 2006" in result.unavailable_reason
