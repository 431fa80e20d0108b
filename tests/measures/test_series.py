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


@pytest.mark.parametrize(
    ("period", "censuses", "expected"),
    [
        ("2019-03", (2011, 2021), 2011),
        ("2021-03", (2011, 2021), 2011),  # April 2020 to March 2021: Census day is its last month
        ("2021-12", (2011, 2021), 2011),  # the window began before April 2021
        ("2022-03", (2011, 2021), 2021),  # the first year ending wholly after Census 2021
        ("2025-03", (2011, 2021), 2021),
        ("2019-03", (2021,), 2021),  # only one census supplied: that one
        ("2025-03", (2011,), 2011),
    ],
)
def test_the_census_of_a_12_month_window(period, censuses, expected):
    from helpers.measures.series import census_for

    assert census_for(pd.Period(period, freq="M"), censuses) == expected


def _ratio_by_hand(raw, pop, force, months, groups):
    mine = raw[raw["period"].isin(months)]
    if force is not None:
        mine = mine[mine["force"] == force]
        pop = pop[pop["police force area"] == force]
    searches = mine.groupby("ethnic_group")["searches"].sum()
    residents = pop.groupby("ethnic group")["population"].sum()
    group_rate = sum(searches[g] for g in groups) / sum(residents[g] for g in groups)
    return group_rate / (searches["White"] / residents["White"])


def test_a_window_before_2021_22_divides_by_census_2011(inputs, settings):
    raw = pd.read_csv(SAMPLE / "national" / "stop_search.csv")
    census_2011 = pd.read_csv(SAMPLE / "national" / "population_ethnicity_2011_pfa.csv")
    census_2021 = pd.read_csv(SAMPLE / "national" / "population_ethnicity_pfa.csv")
    measure = default_catalogue().measure("stop_search_disproportionality_black")
    for code, census in (("2020-12", census_2011), ("2022-03", census_2021)):
        months = [str(p) for p in pd.period_range(end=code, periods=12, freq="M")]
        r = compute_measure(measure, inputs, FinancialQuarter.parse(code), AS, settings)
        assert r.value == pytest.approx(_ratio_by_hand(raw, census, AS, months, ["Black"])), code
        national = _ratio_by_hand(raw, census, None, months, ["Black"])
        assert r.national_value == pytest.approx(national), code


@pytest.mark.parametrize(
    ("measure_id", "file", "column", "periods"),
    [
        ("stop_search_disproportionality_not_white", "stop_search.csv", "searches",
         [str(p) for p in pd.period_range("2024-04", "2025-03", freq="M")]),
        ("use_of_force_disproportionality_not_white", "use_of_force.csv", "incidents",
         ["2024-06", "2024-09", "2024-12", "2025-03"]),
    ],
)  # fmt: skip
def test_people_other_than_white_are_counted_together(
    inputs, settings, measure_id, file, column, periods
):
    """The comparison the Commissioner's report makes in its comments: the rate ratio for people
    other than White (Asian, Black, Mixed and Other pooled), force and England and Wales, summed
    here with plain pandas from the sample files; the force's interval from scipy's exact
    binomial interval (a / (a + b) is binomial given a + b: the conditional method)."""
    from scipy.stats import binomtest

    raw = pd.read_csv(SAMPLE / "national" / file).rename(columns={column: "searches"})
    pop = pd.read_csv(SAMPLE / "national" / "population_ethnicity_pfa.csv")
    groups = ["Black", "Asian", "Mixed", "Other"]
    r = compute_measure(default_catalogue().measure(measure_id), inputs, Q, AS, settings)
    assert r.value == pytest.approx(_ratio_by_hand(raw, pop, AS, periods, groups))
    assert r.national_value == pytest.approx(_ratio_by_hand(raw, pop, None, periods, groups))
    mine = raw[(raw["force"] == AS) & raw["period"].isin(periods)]
    a = mine.loc[mine["ethnic_group"].isin(groups), "searches"].sum()
    b = mine.loc[mine["ethnic_group"] == "White", "searches"].sum()
    people = pop[pop["police force area"] == AS].groupby("ethnic group")["population"].sum()
    pa, pb = people[groups].sum(), people["White"]
    p = binomtest(int(a), int(a + b)).proportion_ci(0.95, method="exact")
    low, high = (x / (1 - x) * pb / pa for x in (p.low, p.high))
    assert (r.ci_low, r.ci_high) == (pytest.approx(low), pytest.approx(high))


def test_arrest_share_by_hand(inputs, settings):
    raw = pd.read_csv(SAMPLE / "national" / "stop_search.csv")
    months = [str(p) for p in pd.period_range("2024-04", "2025-03", freq="M")]
    mine = raw[(raw["force"] == AS) & raw["period"].isin(months)]
    r = compute_measure(
        default_catalogue().measure("stop_search_arrest_rate"), inputs, Q, AS, settings
    )
    assert (r.count, r.denominator) == (mine["arrests"].sum(), mine["searches"].sum())
    every = raw[raw["period"].isin(months)]
    assert r.national_value == pytest.approx(100 * every["arrests"].sum() / every["searches"].sum())


def _annual_searches(mixed_searches: float) -> pd.DataFrame:
    """Two forces' searches for two years ending March, as the police powers tables give them;
    Kent's Mixed figure of the later year is `mixed_searches` (NaN: not published)."""
    rows = []
    for year in (2018, 2019):
        for force in ("Kent", "Essex"):
            for group, n in (("White", 900.0), ("Black", 90.0), ("Mixed", 30.0)):
                if (force, group, year) == ("Kent", "Mixed", 2019):
                    n = mixed_searches
                rows.append(
                    {
                        "period": pd.Period(f"{year}-03", freq="M"),
                        "force": force,
                        "ethnic_group": group,
                        "searches": n,
                        "positive_outcomes": float("nan"),
                        "arrests": n / 10,
                    }
                )
    return pd.DataFrame(rows)


def test_a_group_the_publisher_left_blank_is_no_ratio_never_a_zero(settings):
    from types import SimpleNamespace

    from helpers.measures.series import all_forces_series

    population = pd.DataFrame(
        [
            {"force": f, "ethnic_group": g, "population": p}
            for f in ("Kent", "Essex")
            for g, p in (("White", 1_500_000), ("Black", 30_000), ("Mixed", 25_000))
        ]
    )
    inputs = SimpleNamespace(
        stop_search=_annual_searches(float("nan")), population_ethnicity=population, missing=set()
    )
    catalogue = default_catalogue()
    mixed = all_forces_series(
        catalogue.measure("stop_search_disproportionality_mixed"), inputs, settings
    )
    at = mixed[mixed["period"] == pd.Period("2019-03", freq="M")].set_index("force")["value"]
    assert pd.isna(at["Kent"]) and pd.isna(at["England and Wales"])
    assert at["Essex"] == pytest.approx((30 / 25_000) / (900 / 1_500_000))
    black = all_forces_series(
        catalogue.measure("stop_search_disproportionality_black"), inputs, settings
    )
    assert black.loc[black["period"] == pd.Period("2019-03", freq="M"), "value"].notna().all()
    # The arrest share sums the figures published: Kent's blank Mixed group is in neither part.
    share = all_forces_series(catalogue.measure("stop_search_arrest_rate"), inputs, settings)
    kent = share[(share["force"] == "Kent") & (share["period"] == pd.Period("2019-03", freq="M"))]
    assert (kent["count"].iloc[0], kent["denominator"].iloc[0]) == (99.0, 990.0)
