"""The Home Office police powers readers (stop and search, arrests) and the Census 2011 reader on
excerpts of the real files (tests/fixtures/published, README there): every expected figure
summed here from the raw rows with the csv module."""

from __future__ import annotations

import csv
import gzip
import math
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from helpers.inputs.published.ons import read_census2011_ethnicity
from helpers.inputs.published.police_powers import (
    read_arrests_open_data,
    read_stop_search_open_data,
)
from helpers.inputs.published.sheets import PublishedFileError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "published"
SEARCHES = FIXTURES / "stop-search-excerpt.csv.gz"
ARRESTS = FIXTURES / "arrests-excerpt.csv.gz"
CENSUS_2011 = FIXTURES / "census2011-excerpt.csv"
# The sheet's self-defined groups as the report names them (Chinese: see below).
GROUP = {
    "White": "White",
    "Black or Black British": "Black",
    "Asian or Asian British": "Asian",
    "Mixed": "Mixed",
    "Chinese or Other Ethnic Group": "Other",
    "Not stated": "Not recorded",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _hand_searches() -> dict[tuple[str, str, str], tuple[float, float]]:
    """{(period, force, group): (searches, arrests)}, NaN where no cell of the group holds a
    number; Chinese counted as Asian; Vehicle only and British Transport Police left out."""
    sums: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [math.nan, math.nan])
    for r in _rows(SEARCHES):
        if r["ethnic_group_self_defined"] == "Vehicle only":
            continue
        if r["force_name"] == "British Transport Police":
            continue
        group = GROUP[r["ethnic_group_self_defined"]]
        if r["ethnicity_self_defined"] == "Chinese":
            group = "Asian"
        key = (r["year_ending"][:7], r["force_name"], group)
        totals = sums[key]  # a group with no number at all stays (NaN, NaN)
        for i, column in enumerate(("searches", "resultant_arrests")):
            if r[column] != "NA":
                totals[i] = (0 if math.isnan(totals[i]) else totals[i]) + int(r[column])
    return {k: (v[0], v[1]) for k, v in sums.items()}


def test_searches_and_arrests_by_group_match_the_rows_summed_by_hand():
    table = read_stop_search_open_data(SEARCHES)
    expected = _hand_searches()
    assert len(table) == len(expected)
    for r in table.itertuples():
        want = expected[(r.period, r.force, r.ethnic_group)]
        got = (float(r.searches) if pd.notna(r.searches) else math.nan,
               float(r.arrests) if pd.notna(r.arrests) else math.nan)  # fmt: skip
        assert got == pytest.approx(want, nan_ok=True), (r.period, r.force, r.ethnic_group)
    assert set(table["force"]) == {"Avon and Somerset", "Cleveland"}
    assert table["positive_outcomes"].isna().all()  # not in this publication: never 0


def test_the_year_matches_the_check_in_the_files_provenance():
    """PROVENANCE.md of the real files: Avon and Somerset 2018/19, 6,203 searches of which 177
    vehicle only; White 3,697, Black 554, Not stated 1,437 (worked out there)."""
    table = read_stop_search_open_data(SEARCHES)
    mine = table[(table["force"] == "Avon and Somerset") & (table["period"] == "2019-03")]
    by_group = dict(zip(mine["ethnic_group"], mine["searches"], strict=True))
    assert sum(by_group.values()) == 6203 - 177
    assert (by_group["White"], by_group["Black"], by_group["Not recorded"]) == (3697, 554, 1437)
    # Asian 133 and "Chinese or Other" 35 in the sheet's groups; Chinese moves to Asian.
    assert by_group["Asian"] + by_group["Other"] == 133 + 35
    assert by_group["Asian"] > 133


def test_a_group_with_no_published_figure_is_missing_never_zero():
    table = read_stop_search_open_data(SEARCHES)
    cleveland = table[(table["force"] == "Cleveland") & (table["period"] == "2019-03")]
    mixed = cleveland.loc[cleveland["ethnic_group"] == "Mixed", "searches"]
    assert mixed.isna().all() and len(mixed) == 1
    assert cleveland.loc[cleveland["ethnic_group"] == "White", "searches"].iloc[0] > 0


def _edited(tmp_path: Path, edit) -> Path:
    text = gzip.decompress(SEARCHES.read_bytes()).decode("utf-8")
    out = tmp_path / "stop-search-open-data.csv"
    out.write_text(edit(text), encoding="utf-8")
    return out


def test_the_published_headers_read_like_the_tidied_names(tmp_path):
    published = _edited(
        tmp_path,
        lambda t: t.replace(
            "force_name,legislation,reason_for_search_arrest,ethnic_group_self_defined,"
            "ethnicity_self_defined,searches,resultant_arrests",
            "Force Name,Legislation,Reason for search / arrest,Ethnic Group (self-defined),"
            "Ethnicity (self-defined),Searches,Resultant arrests",
            1,
        ),
    )
    pd.testing.assert_frame_equal(
        read_stop_search_open_data(published), read_stop_search_open_data(SEARCHES)
    )


def test_a_renamed_column_is_an_error_naming_the_file_row_and_column(tmp_path):
    bad = _edited(tmp_path, lambda t: t.replace(",searches,", ",number_of_searches,", 1))
    with pytest.raises(PublishedFileError, match=rf"{bad}, row 1: missing column\(s\) 'searches'"):
        read_stop_search_open_data(bad)


def test_an_unknown_ethnic_group_is_an_error_naming_its_row(tmp_path):
    lines = gzip.decompress(SEARCHES.read_bytes()).decode("utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if ",Mixed," in line)
    lines[at] = lines[at].replace(",Mixed,", ",Mixed ethnic groups,", 1)
    bad = tmp_path / "s.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PublishedFileError, match=rf"s.csv, row {at + 1}: unknown self-defined"):
        read_stop_search_open_data(bad)


def test_a_suppression_code_is_missing_and_other_text_an_error(tmp_path):
    lines = gzip.decompress(SEARCHES.read_bytes()).decode("utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if ",NA,NA,NA,NA,NA" in line and "Avon" in line)
    for code in ("..", "*", "-"):
        lines_code = [*lines]
        lines_code[at] = lines_code[at].replace(",NA,NA,NA,NA,NA", f",{code},NA,NA,NA,NA")
        path = tmp_path / "codes.csv"
        path.write_text("\n".join(lines_code) + "\n", encoding="utf-8")
        pd.testing.assert_frame_equal(
            read_stop_search_open_data(path), read_stop_search_open_data(SEARCHES)
        )
    lines[at] = lines[at].replace(",NA,NA,NA,NA,NA", ",n/k,NA,NA,NA,NA")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PublishedFileError, match=rf"bad.csv, row {at + 1}: 'searches' is 'n/k'"):
        read_stop_search_open_data(bad)


def test_arrests_by_group_match_the_rows_summed_by_hand():
    table = read_arrests_open_data(ARRESTS)
    names = {"Chinese/other": "Other", **GROUP}
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for r in _rows(ARRESTS):
        if r["arrests"] != "NA":
            sums[(r["force_name"], names[r["ethnic_group"]])] += int(r["arrests"])
    got = table.groupby(["force", "ethnic_group"])["arrests"].sum()
    assert {k: int(v) for k, v in got.items()} == dict(sums)
    assert set(table["period"]) == {"2018-03"}


def test_census_2011_groups_are_the_ks201ew_totals_and_agree_with_the_police_style_split():
    table = read_census2011_ethnicity(CENSUS_2011)
    with CENSUS_2011.open(encoding="utf-8") as handle:
        raw = {r["PFA16NM"]: r for r in csv.DictReader(handle)}
    mine = table.set_index(["police force area", "ethnic group"])["population"]
    for name, force in (("Avon & Somerset", "Avon and Somerset"), ("Cleveland", "Cleveland")):
        total = int(raw[name]["Ethnic Group: All categories: Ethnic group; measures: Value"])
        assert sum(mine[force].values) == total
        # Asian includes Chinese in 2011 (KS201EW's "Asian/Asian British" group).
        chinese = int(raw[name]["Ethnic Group: Asian/Asian British: Chinese; measures: Value"])
        assert mine[(force, "Asian")] > chinese > 0


def test_census_2011_without_the_group_columns_is_an_error(tmp_path):
    bad = tmp_path / "census.csv"
    bad.write_text(
        CENSUS_2011.read_text(encoding="utf-8").replace("Ethnic Group: Black;", "Black;", 1),
        encoding="utf-8",
    )
    with pytest.raises(PublishedFileError, match=r"census.csv, row 1: expected an area column"):
        read_census2011_ethnicity(bad)
