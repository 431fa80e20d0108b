"""The measures table checked against figures computed here by hand from the raw sample files.

Each expected figure is summed with plain pandas from the files as published (CSV columns, not
the tidy tables), so a mistake in the loaders, the rolling sums or the denominators shows up.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.benchmark import is_valid_benchmark
from helpers.config import default_catalogue, load_settings
from helpers.datasets import load_inputs
from helpers.measures import (
    MEASURES_COLUMNS,
    compute_measure,
    measures_table,
    measures_table_for,
    write_measures_csv,
)
from helpers.paths import PROJECT_ROOT
from helpers.quarters import FinancialQuarter
from helpers.trends import TREND_WORDS

SAMPLE = PROJECT_ROOT / "data" / "sample"
AS = "Avon and Somerset"
MSG = [
    "Avon and Somerset",
    "Derbyshire",
    "Essex",
    "Hampshire",
    "Hertfordshire",
    "Kent",
    "Staffordshire",
    "Sussex",
]
Q = FinancialQuarter.parse("2025-03")


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SAMPLE)


@pytest.fixture(scope="module")
def settings():
    return load_settings()


@pytest.fixture(scope="module")
def raw_prc() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "national" / "prc_pfa.csv.gz", dtype={"Offence Code": str})


@pytest.fixture(scope="module")
def raw_population() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "national" / "population_pfa.csv")


def _financial_quarters(q: FinancialQuarter) -> list[tuple[str, int]]:
    return [(x.financial_year, x.quarter_number) for x in (q - 3, q - 2, q - 1, q)]


def _prc_count(raw: pd.DataFrame, force: str, q: FinancialQuarter, subgroups=None, codes=None):
    keys = _financial_quarters(q)
    rows = raw[raw["Force Name"] == force]
    rows = rows[
        [
            (fy, fq) in keys
            for fy, fq in zip(rows["Financial Year"], rows["Financial Quarter"], strict=True)
        ]
    ]
    mask = rows["Offence Subgroup"].isin(subgroups or []) | rows["Offence Code"].isin(codes or [])
    return int(rows.loc[mask, "Number of Offences"].sum())


def _population(raw: pd.DataFrame, code: str, year: int, kind: str = "population") -> float:
    return float(raw[(raw["area_code"] == code) & (raw["mid_year"] == year)][kind].iloc[0])


def test_homicide_rate_by_hand(inputs, settings, raw_prc, raw_population):
    r = compute_measure(default_catalogue().measure("homicide"), inputs, Q, AS, settings)
    count = _prc_count(raw_prc, AS, Q, subgroups=["Homicide"])
    # Year ending March 2025: midpoint in 2024, not published in the sample, so mid-2023 is used.
    population = _population(raw_population, "E23000036", 2023)
    assert r.count == count
    assert r.denominator == population
    assert (r.denominator_year, r.denominator_year_wanted) == (2023, 2024)
    assert r.uses_population_fallback
    assert r.value == pytest.approx(count / population * 1000)
    assert r.ci_low < r.value < r.ci_high


def test_msg_average_is_weighted_and_rank_follows_polarity(
    inputs, settings, raw_prc, raw_population
):
    codes = {
        "Avon and Somerset": "E23000036",
        "Derbyshire": "E23000018",
        "Essex": "E23000028",
        "Hampshire": "E23000030",
        "Hertfordshire": "E23000027",
        "Kent": "E23000032",
        "Staffordshire": "E23000015",
        "Sussex": "E23000033",
    }
    q = FinancialQuarter.parse("2022-12")  # wanted year 2022 is published: no fallback
    counts = {f: _prc_count(raw_prc, f, q, codes=["92A"]) for f in MSG}
    pops = {f: _population(raw_population, codes[f], 2022) for f in MSG}
    rates = {f: counts[f] / pops[f] * 1000 for f in MSG}
    r = compute_measure(default_catalogue().measure("drug_trafficking"), inputs, q, AS, settings)
    assert not r.uses_population_fallback
    assert r.comparator_value == pytest.approx(sum(counts.values()) / sum(pops.values()) * 1000)
    # Trafficking is proactive policing: the highest rate ranks first.
    expected_rank = 1 + sum(rate > rates[AS] for rate in rates.values())
    assert (r.rank, r.rank_of) == (expected_rank, 8)
    assert r.benchmark.startswith(f"{expected_rank}")
    assert "/8 MSG (" in r.benchmark


def test_residential_burglary_across_the_2023_code_change(
    inputs, settings, raw_prc, raw_population
):
    measure = default_catalogue().measure("residential_burglary")
    for code in ("2023-06", "2023-12", "2024-03"):  # windows mixing old and new codes, then new
        q = FinancialQuarter.parse(code)
        r = compute_measure(measure, inputs, q, AS, settings)
        count = _prc_count(raw_prc, AS, q, subgroups=["Domestic burglary"])
        assert r.count == count, code
        year = r.denominator_year
        assert r.denominator == _population(raw_population, "E23000036", year, "households")
        assert r.value == pytest.approx(count / r.denominator * 1000)


def test_percentage_from_local_quarter_files(inputs, settings):
    files = sorted((SAMPLE / "local" / "victim_satisfaction").glob("*.csv"))
    raw = pd.concat(pd.read_csv(f) for f in files)
    months = [str(p) for p in pd.period_range("2024-04", "2025-03", freq="M")]
    rows = raw[(raw["force"] == AS) & (raw["survey"] == "overall") & raw["period"].isin(months)]
    r = compute_measure(
        default_catalogue().measure("satisfaction_overall"), inputs, Q, AS, settings
    )
    assert (r.count, r.denominator) == (rows["satisfied"].sum(), rows["respondents"].sum())
    assert r.value == pytest.approx(100 * rows["satisfied"].sum() / rows["respondents"].sum())
    assert 0 <= r.ci_low < r.value < r.ci_high <= 100
    assert r.benchmark == "Not available"


def test_disproportionality_ratio_by_hand(inputs, settings):
    raw = pd.read_csv(SAMPLE / "national" / "stop_search.csv")
    pop = pd.read_csv(SAMPLE / "national" / "population_ethnicity_pfa.csv")
    months = [str(p) for p in pd.period_range("2024-04", "2025-03", freq="M")]
    mine = raw[(raw["force"] == AS) & raw["period"].isin(months)]
    searches = mine.groupby("ethnic_group")["searches"].sum()
    residents = pop[pop["police force area"] == AS].set_index("ethnic group")["population"]
    expected = (searches["Black"] / residents["Black"]) / (searches["White"] / residents["White"])
    r = compute_measure(
        default_catalogue().measure("stop_search_disproportionality_black"), inputs, Q, AS, settings
    )
    assert r.value == pytest.approx(expected)
    every = raw[raw["period"].isin(months)].groupby("ethnic_group")["searches"].sum()
    residents_ew = pop.groupby("ethnic group")["population"].sum()
    national = (every["Black"] / residents_ew["Black"]) / (every["White"] / residents_ew["White"])
    assert r.national_value == pytest.approx(national)
    assert r.benchmark.endswith("England and Wales")


def test_not_recorded_share_is_shown(inputs, settings):
    r = compute_measure(
        default_catalogue().measure("use_of_force_ethnicity_not_recorded"), inputs, Q, AS, settings
    )
    raw = pd.read_csv(SAMPLE / "national" / "use_of_force.csv")
    months = ["2024-06", "2024-09", "2024-12", "2025-03"]
    mine = raw[(raw["force"] == AS) & raw["period"].isin(months)]
    share = (
        100
        * mine.loc[mine["ethnic_group"] == "Not recorded", "incidents"].sum()
        / mine["incidents"].sum()
    )
    assert r.value == pytest.approx(share)


@pytest.mark.parametrize("force", [AS, "Gwent", "London, City of"])
def test_every_measure_has_an_allowed_trend_word_and_benchmark(inputs, settings, force):
    table = measures_table_for(inputs, Q, force, settings)
    mine = table[table["is_report_force"]]
    assert list(mine["measure"]) == [m.id for m in default_catalogue().measures]
    assert set(mine["trend"]) <= set(TREND_WORDS)
    bad = [b for b in mine["benchmark"] if not is_valid_benchmark(b)]
    assert not bad
    if force == "Gwent":  # no MSG configured: ranked among all forces
        assert mine.set_index("measure").loc["homicide", "benchmark"].endswith("/43")


def test_measures_table_has_a_row_per_msg_force(inputs, settings):
    catalogue = default_catalogue()
    results = [
        compute_measure(catalogue.measure(i), inputs, Q, AS, settings)
        for i in ("homicide", "satisfaction_overall")
    ]
    table = measures_table(results)
    assert list(table.columns) == MEASURES_COLUMNS
    homicide = table[table["measure"] == "homicide"]
    assert sorted(homicide["force"]) == sorted(MSG)
    assert homicide["msg_rank"].between(1, 8).all()
    mine = homicide[homicide["is_report_force"]].iloc[0]
    others = homicide[~homicide["is_report_force"]]
    # lower is better for homicide: forces ranked above A&S have lower rates
    assert (others.loc[others["msg_rank"] < mine["msg_rank"], "value"] <= mine["value"]).all()
    assert (others.loc[others["msg_rank"] > mine["msg_rank"], "value"] >= mine["value"]).all()
    assert (table["measure"] == "satisfaction_overall").sum() == 1


def test_missing_local_extract_is_reported_not_hidden(tmp_path, settings):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    shutil.rmtree(data / "local" / "complaint_reviews")
    inputs = load_inputs(data)
    r = compute_measure(
        default_catalogue().measure("complaint_reviews_upheld"), inputs, Q, AS, settings
    )
    assert not r.available
    assert "not supplied" in r.unavailable_reason
    assert r.benchmark == "Not available"


def test_measures_csv_is_byte_identical_across_runs(inputs, settings, tmp_path: Path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_measures_csv(measures_table_for(inputs, Q, AS, settings), first)
    write_measures_csv(measures_table_for(load_inputs(SAMPLE), Q, AS, settings), second)
    assert first.read_bytes() == second.read_bytes()
