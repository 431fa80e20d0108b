"""Rape outcomes and stop and search from the real published files, through `import_real` and
the measures, against figures worked out here from the raw files with the csv module (the
Census 2011 denominators from the police-style file, not the one the import reads)."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest
from published_files import REAL, REAL_DATA_MARKS, csv_rows

from helpers.core.config import default_catalogue, load_settings
from helpers.core.forces import default_forces
from helpers.core.quarters import FinancialQuarter
from helpers.measures.compute import compute_measure

pytestmark = REAL_DATA_MARKS

OUTCOMES = REAL / "ho-outcomes-open-data" / "outcomes-open-data-2018-19_full-sheet-export.csv.gz"
SEARCHES = (
    REAL
    / "ho-stop-search-arrests-open-data"
    / "stop-search-open-data_2006-07_to_2018-19_tidy.csv.gz"
)
POLICE_STYLE_2011 = (
    REAL
    / "pfa-population-ethnicity"
    / "census2011-ethnic-group-by-pfa_police-defined-demographics.csv"
)
RAPE = {"19C", "19D", "19E", "19F", "19G", "19H"}
Q = FinancialQuarter.parse("2019-03")
FORCES = ("Avon and Somerset", "Wiltshire", "Metropolitan Police", "West Midlands")
SHEET_GROUP = {
    "White": "White",
    "Black or Black British": "Black",
    "Asian or Asian British": "Asian",
    "Mixed": "Mixed",
    "Chinese or Other Ethnic Group": "Other",
    "Not stated": "Not recorded",
}


@pytest.fixture(scope="module")
def rape_by_hand():
    """{force: [outcomes assigned, charged]} over 2018/19 (the 12 months ending March 2019)."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in csv_rows(OUTCOMES):
        if r["Offence Code"] in RAPE and r["Outcome Type"] != "0":
            n = int(r["Force outcomes recorded in quarter"])
            totals[r["Force Name"]][0] += n
            totals[r["Force Name"]][1] += n if r["Outcome Type"] == "1" else 0
    return totals


@pytest.fixture(scope="module")
def searches_by_hand():
    """{force: {group: [searches, arrests]}} in the year ending March 2019, people only."""
    totals: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for r in csv_rows(SEARCHES):
        if r["year_ending"] != "2019-03-31" or r["ethnic_group_self_defined"] == "Vehicle only":
            continue
        group = SHEET_GROUP[r["ethnic_group_self_defined"]]
        group = "Asian" if r["ethnicity_self_defined"] == "Chinese" else group
        cell = totals[r["force_name"]][group]
        cell[0] += int(r["searches"]) if r["searches"] != "NA" else 0
        cell[1] += int(r["resultant_arrests"]) if r["resultant_arrests"] != "NA" else 0
    return totals


@pytest.fixture(scope="module")
def residents_2011():
    """{force (as spelt there): {group: residents}}, Chinese added to Asian as KS201EW does."""
    with POLICE_STYLE_2011.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        r["Police force"]: {
            "White": int(r["White"]),
            "Black": int(r["Black (or Black British)"]),
            "Asian": int(r["Asian (or Asian British)"]) + int(r["Chinese"]),
        }
        for r in rows
    }


def _spelt(force: str, names) -> str:
    registry = default_forces()
    return next(n for n in names if (f := registry.find(n)) is not None and f.name == force)


@pytest.fixture(scope="module")
def settings():
    return load_settings()


def test_import_real_converts_outcomes_stop_search_and_census_2011(real_folder):
    for rel in (
        "national/rape_outcomes.csv",
        "national/stop_search.csv",
        "national/population_ethnicity_2011_pfa.csv",
    ):
        assert (real_folder / rel).is_file(), rel


@pytest.mark.parametrize("force", FORCES)
def test_rape_charge_rate_matches_the_published_rows(inputs, settings, rape_by_hand, force):
    catalogue = default_catalogue()
    assigned, charged = rape_by_hand[_spelt(force, rape_by_hand)]
    volume = compute_measure(catalogue.measure("rape_charges"), inputs, Q, force, settings)
    rate = compute_measure(catalogue.measure("rape_charge_rate"), inputs, Q, force, settings)
    assert volume.value == charged
    assert (rate.count, rate.denominator) == (charged, assigned)
    assert rate.value == pytest.approx(100 * charged / assigned)
    forces = [f for f in rape_by_hand if f != "British Transport Police"]
    national = sum(rape_by_hand[f][1] for f in forces) / sum(rape_by_hand[f][0] for f in forces)
    assert rate.national_value == pytest.approx(100 * national)


@pytest.mark.parametrize("force", FORCES)
def test_stop_search_ratios_match_the_published_rows_and_census_2011(
    inputs, settings, searches_by_hand, residents_2011, force
):
    mine = searches_by_hand[_spelt(force, searches_by_hand)]
    people = residents_2011[_spelt(force, residents_2011)]
    white_rate = mine["White"][0] / people["White"]
    for group in ("Black", "Asian"):
        measure = default_catalogue().measure(f"stop_search_disproportionality_{group.lower()}")
        r = compute_measure(measure, inputs, Q, force, settings)
        assert r.count == mine[group][0]
        assert r.value == pytest.approx((mine[group][0] / people[group]) / white_rate), group
        assert r.ci_low < r.value < r.ci_high


@pytest.mark.parametrize("force", FORCES)
def test_arrest_and_not_recorded_shares_match_the_published_rows(
    inputs, settings, searches_by_hand, force
):
    mine = searches_by_hand[_spelt(force, searches_by_hand)]
    searches = sum(cell[0] for cell in mine.values())
    arrests = sum(cell[1] for cell in mine.values())
    catalogue = default_catalogue()
    share = compute_measure(
        catalogue.measure("stop_search_arrest_rate"), inputs, Q, force, settings
    )
    assert (share.count, share.denominator) == (arrests, searches)
    unknown = compute_measure(
        catalogue.measure("stop_search_ethnicity_not_recorded"), inputs, Q, force, settings
    )
    assert unknown.value == pytest.approx(100 * mine["Not recorded"][0] / searches)
    positive = compute_measure(
        catalogue.measure("stop_search_positive_outcome"), inputs, Q, force, settings
    )
    assert not positive.available and "publisher gives none" in positive.unavailable_reason


def test_every_force_has_its_rape_and_stop_search_figures_at_march_2019(inputs, settings):
    catalogue = default_catalogue()
    for measure_id in (
        "rape_charges",
        "rape_charge_rate",
        "stop_search_disproportionality_black",
        "stop_search_arrest_rate",
    ):
        measure = catalogue.measure(measure_id)
        for force in default_forces().names:
            r = compute_measure(measure, inputs, Q, force, settings)
            assert r.available and r.value is not None, (measure_id, force, r.unavailable_reason)
