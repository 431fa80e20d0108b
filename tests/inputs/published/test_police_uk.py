"""data.police.uk: Real published files in, real figures out (../shared/data/real beside the
clone); every expected figure computed here from the raw rows with the csv module, independently
of the loaders and of pandas.
"""

from __future__ import annotations

import gzip
import zipfile
from collections import defaultdict

from published_files import (
    REAL,
    REAL_DATA_MARKS,
    csv_rows,
)

from helpers.inputs import published

pytestmark = REAL_DATA_MARKS


def test_street_files_count_as_the_derived_table():
    counts = published.read_police_uk_street(
        REAL / "data-police-uk-street-2021" / "avon-and-somerset-raw"
    )
    derived = csv_rows(
        REAL
        / "data-police-uk-street-2021"
        / "derived_monthly_counts_by_force_crime_type_2021_AvonSomerset_and_MSG.csv"
    )
    expected = {
        (r["Month"], r["Crime type"]): int(r["count"])
        for r in derived
        if r["Falls within"] == "Avon and Somerset Constabulary"
    }
    got = {
        (str(p), t): int(c)
        for p, t, c in zip(counts["period"], counts["crime_type"], counts["count"], strict=True)
    }
    assert got == expected
    assert sum(got.values()) == 161_397
    assert set(counts["force"]) == {"Avon and Somerset"}


def test_street_files_read_from_an_archive_zip(tmp_path):
    raw_dir = REAL / "data-police-uk-street-2021" / "avon-and-somerset-raw"
    archive = tmp_path / "2021-12.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(raw_dir.glob("2021-0[12]-*.csv.gz")):
            z.writestr(f"{path.name[:7]}/{path.name[:-3]}", gzip.decompress(path.read_bytes()))
    counts = published.read_police_uk_street(archive)
    assert sorted(counts["period"].astype(str).unique()) == ["2021-01", "2021-02"]


def test_stop_search_by_hand(tmp_path):
    (path,) = (REAL / "data-police-uk-stop-search-sample").glob("*.csv")
    rows = csv_rows(path)
    table = published.read_police_uk_stop_search(path)
    assert set(table["force"]) == {"Avon and Somerset"}
    assert set(table["period"]) == {"2026-01"}
    expected = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        group = r["Officer-defined ethnicity"] or "Not recorded"
        expected[group][0] += 1
        expected[group][1] += r["Outcome"] not in ("", "A no further action disposal")
        expected[group][2] += r["Outcome"] == "Arrest"
    mine = table.set_index("ethnic_group")
    for group in ("White", "Black", "Asian", "Mixed", "Other", "Not recorded"):
        assert mine.loc[group, "searches"] == expected[group][0]
        assert mine.loc[group, "positive_outcomes"] == expected[group][1]
        assert mine.loc[group, "arrests"] == expected[group][2]
    assert mine["searches"].sum() == len(rows)
