"""The real published files the tests read, and the figures worked out by hand from their raw
rows with the csv module.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parents[4] / "shared" / "data" / "real"


# Every test of a published format needs the real files.
REAL_DATA_MARKS = [
    pytest.mark.real_data,
    pytest.mark.skipif(
        not REAL.is_dir(), reason=f"real published data not found at {REAL} (../shared beside it)"
    ),
]


PRC = REAL / "ho-prc-pfa" / "prc_pfa_2012q1_2023q1.csv.gz"
SHEET = REAL / "ho-prc-pfa" / "original-sheet-2017-18" / "prc-pfa-mar2013-onwards-tables201718.csv"
POP = REAL / "ons-population-households"
POP_FILES = [
    POP / "ons_pfa_table_P9_mid_year_population_estimates_2002_2016.csv",
    POP / "ons_pfa_table_P10_mid_year_households_estimates_2002_2016.csv",
    POP / "ons_pfa_population_households_mid2016_to_mid2018.csv",
]


UOF = REAL / "ho-use-of-force"
STREET_DERIVED = (
    REAL
    / "data-police-uk-street-2021"
    / "derived_monthly_counts_by_force_crime_type_2021_AvonSomerset_and_MSG.csv"
)


def csv_rows(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def quarters_ending(period: str) -> set[tuple[str, str]]:
    """(financial year, quarter) of the 4 quarters ending with month `period`."""
    year, month = int(period[:4]), int(period[5:])
    out = set()
    for _ in range(4):
        fy_start = year if month >= 4 else year - 1
        quarter = {6: 1, 9: 2, 12: 3, 3: 4}[month]
        out.add((f"{fy_start}/{(fy_start + 1) % 100:02d}", str(quarter)))
        month -= 3
        if month <= 0:
            month += 12
            year -= 1
    return out


def hand_count(rows, force, period, *, subgroups=(), codes=()) -> int:
    wanted = quarters_ending(period)
    return sum(
        int(r["Number of Offences"])
        for r in rows
        if r["Force Name"] == force
        and (r["Financial Year"], r["Financial Quarter"]) in wanted
        and (r["Offence Subgroup"] in subgroups or r["Offence Code"] in codes)
    )


def hand_denominator(code: str, year: int, column: str) -> int:
    """The unrounded table (P9/P10) where it has the year, else the P3 denominators."""
    for path in POP_FILES:
        for r in csv_rows(path):
            if r["area_code"] == code and int(r["mid_year"]) == year and r.get(column):
                return round(float(r[column]))
    raise AssertionError(f"no {column} for {code} {year}")


CASES = [
    # measure, force (as the PRC file spells it), canonical, ONS code, quarter
    ("homicide", "Avon and Somerset", "Avon and Somerset", "E23000036", "2019-12"),
    ("homicide", "Avon and Somerset", "Avon and Somerset", "E23000036", "2013-03"),  # 1/4.1/...
    ("residential_burglary", "Kent", "Kent", "E23000032", "2023-06"),  # 28I-28P from April 2023
    ("residential_burglary", "Devon & Cornwall", "Devon and Cornwall", "E23000035", "2017-03"),
    ("theft_from_person", "London, City of", "London, City of", "E23000034", "2016-06"),
    ("drug_trafficking", "Essex", "Essex", "E23000028", "2020-12"),
    ("vehicle_offences", "Metropolitan Police", "Metropolitan Police", "E23000001", "2018-09"),
    ("personal_robbery", "Sussex", "Sussex", "E23000033", "2022-03"),
    ("serious_violence", "Hampshire", "Hampshire", "E23000030", "2019-12"),
]


def names_in(path: Path, column: str) -> set[str]:
    return {r[column] for r in csv_rows(path) if r.get(column)}
