"""Steps 1 to 3 (helpers.measures.series): the rows a measure selects, its complete period grid
and its 12-month sums, checked against figures summed by hand from the raw sample files."""

from __future__ import annotations

import pandas as pd
import pytest
from sample_figures import (
    AS,
    SAMPLE,
    SEPT_2024,
    Q,
    population_estimate,
    prc_count,
    with_tables,
)

from helpers.core.config import default_catalogue
from helpers.core.quarters import FinancialQuarter
from helpers.measures.compute import compute_measure
from helpers.present.wording.benchmark_words import benchmark_text


def test_residential_burglary_across_the_2023_code_change(
    inputs, settings, raw_prc, raw_population
):
    measure = default_catalogue().measure("residential_burglary")
    for code in ("2023-06", "2023-12", "2024-03"):  # windows mixing old and new codes, then new
        q = FinancialQuarter.parse(code)
        r = compute_measure(measure, inputs, q, AS, settings)
        count = prc_count(raw_prc, AS, q, subgroups=["Domestic burglary"])
        assert r.count == count, code
        year = r.denominator_year
        assert r.denominator == population_estimate(raw_population, "E23000036", year, "households")
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
    assert benchmark_text(r.benchmark) == "Not available"


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
    assert benchmark_text(r.benchmark).endswith("England and Wales")


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


def test_an_offence_with_no_row_in_a_reported_quarter_is_zero(inputs, settings, raw_prc):
    prc = inputs.prc
    no_homicide = (prc["force"] == AS) & (prc["period"] == SEPT_2024)
    no_homicide &= prc["offence_subgroup"] == "Homicide"
    broken = with_tables(inputs, prc=prc[~no_homicide])
    r = compute_measure(default_catalogue().measure("homicide"), broken, Q, AS, settings)
    september = FinancialQuarter.parse("2024-09")
    rows = raw_prc[
        (raw_prc["Force Name"] == AS)
        & (raw_prc["Financial Year"] == september.financial_year)
        & (raw_prc["Financial Quarter"] == september.quarter_number)
        & (raw_prc["Offence Subgroup"] == "Homicide")
    ]
    assert r.available
    expected = prc_count(raw_prc, AS, Q, subgroups=["Homicide"]) - rows["Number of Offences"].sum()
    assert r.count == expected
