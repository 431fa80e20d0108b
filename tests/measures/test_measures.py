"""The measures table checked against figures computed here by hand from the raw sample files.

Each expected figure is summed with plain pandas from the files as published (CSV columns, not
the tidy tables), so a mistake in the loaders, the rolling sums or the denominators shows up.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from helpers.core.config import default_catalogue, load_settings
from helpers.core.paths import PROJECT_ROOT
from helpers.core.quarters import FinancialQuarter
from helpers.inputs.datasets import load_inputs
from helpers.measures.compute import (
    MEASURES_COLUMNS,
    compute_measure,
    measures_table,
    measures_table_for,
    write_measures_csv,
)
from helpers.measures.compute import (
    main as measures_main,
)
from helpers.stats.benchmark import is_valid_benchmark
from helpers.stats.trends import TREND_WORDS

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


# ----- periods with no data, negative totals, population years ----------------------------------
def _with(inputs, **tables):
    """The sample inputs with some tables replaced (the measures read tables by attribute)."""
    names = ("prc", "population", "population_ethnicity", "victim_satisfaction", "stop_search")
    fields = {name: getattr(inputs, name) for name in names}
    return SimpleNamespace(**{**fields, **tables}, missing=set())


SEPT_2024 = pd.Period("2024-09", freq="M")


def test_a_force_with_no_rows_for_a_quarter_has_no_figure_not_three_quarters(
    inputs, settings, raw_prc
):
    prc = inputs.prc
    gap = prc[~((prc["force"] == "Kent") & (prc["period"] == SEPT_2024))]
    broken = _with(inputs, prc=gap)
    measure = default_catalogue().measure("serious_violence")
    kent = compute_measure(measure, broken, Q, "Kent", settings)
    assert not kent.available and kent.value is None and kent.count is None
    assert "September 2024" in kent.unavailable_reason
    assert "never counted as zero" in kent.unavailable_reason
    assert kent.benchmark == "Not available"
    # A window that ends before the gap is unaffected.
    before = compute_measure(measure, broken, FinancialQuarter.parse("2024-06"), "Kent", settings)
    assert before.available
    assert (
        before.count
        == compute_measure(
            measure, inputs, FinancialQuarter.parse("2024-06"), "Kent", settings
        ).count
    )


def test_a_group_member_with_a_gap_leaves_the_average_and_rank(inputs, settings, raw_prc):
    prc = inputs.prc
    broken = _with(inputs, prc=prc[~((prc["force"] == "Kent") & (prc["period"] == SEPT_2024))])
    measure = default_catalogue().measure("homicide")
    r = compute_measure(measure, broken, Q, AS, settings)
    assert r.rank_of == 7 and "Kent" not in set(r.group_values["force"])
    assert any("Kent (a period with no data)" in note for note in r.notes)
    # The average of the seven others, by hand from the published rows.
    counts = {f: _prc_count(raw_prc, f, Q, subgroups=["Homicide"]) for f in MSG if f != "Kent"}
    pops = dict(zip(r.group_values["force"], r.group_values["denominator"], strict=True))
    expected = sum(counts.values()) / sum(pops[f] for f in counts) * 1000
    assert r.comparator_value == pytest.approx(expected)
    # England and Wales without Kent's quarter is not a national total.
    assert r.national_value is None


def test_an_offence_with_no_row_in_a_reported_quarter_is_zero(inputs, settings, raw_prc):
    prc = inputs.prc
    no_homicide = (prc["force"] == AS) & (prc["period"] == SEPT_2024)
    no_homicide &= prc["offence_subgroup"] == "Homicide"
    broken = _with(inputs, prc=prc[~no_homicide])
    r = compute_measure(default_catalogue().measure("homicide"), broken, Q, AS, settings)
    september = FinancialQuarter.parse("2024-09")
    rows = raw_prc[
        (raw_prc["Force Name"] == AS)
        & (raw_prc["Financial Year"] == september.financial_year)
        & (raw_prc["Financial Quarter"] == september.quarter_number)
        & (raw_prc["Offence Subgroup"] == "Homicide")
    ]
    assert r.available
    expected = _prc_count(raw_prc, AS, Q, subgroups=["Homicide"]) - rows["Number of Offences"].sum()
    assert r.count == expected


def test_a_local_extract_missing_a_quarter_makes_its_windows_not_available(inputs, settings):
    survey = inputs.victim_satisfaction
    months = pd.period_range("2024-07", "2024-09", freq="M")
    broken = _with(inputs, victim_satisfaction=survey[~survey["period"].isin(months)])
    measure = default_catalogue().measure("satisfaction_overall")
    r = compute_measure(measure, broken, Q, AS, settings)
    assert not r.available
    assert "July 2024, August 2024, September 2024" in r.unavailable_reason
    assert r.unavailable_reason.startswith("local/victim_satisfaction")


def test_a_negative_12_month_total_is_not_available_not_a_crash(inputs, settings):
    prc = inputs.prc.copy()
    row = prc.index[(prc["force"] == AS) & (prc["offence_subgroup"] == "Homicide")][-1]
    prc.loc[row, "count"] = -1000
    r = compute_measure(
        default_catalogue().measure("homicide"), _with(inputs, prc=prc), Q, AS, settings
    )
    assert not r.available and "negative" in r.unavailable_reason
    other = compute_measure(
        default_catalogue().measure("homicide"), _with(inputs, prc=prc), Q, "Kent", settings
    )
    assert other.rank_of == 42  # Kent has no MSG configured: it ranks among all forces
    assert any(f"{AS} (a negative 12-month total)" in note for note in other.notes)


def test_measures_command_checks_only_the_population_years_the_quarter_needs(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    population = pd.read_csv(data / "national" / "population_pfa.csv")
    # The sample's crime data start in 2012; keep estimates from mid-2020 only.
    population[population["mid_year"] >= 2020].to_csv(
        data / "national" / "population_pfa.csv", index=False
    )
    out = tmp_path / "m.csv"
    assert measures_main(["--data-dir", str(data), "--quarter", "2025-03", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert table.loc[table["measure"] == "homicide", "available"].iloc[0]
    # A quarter whose windows want mid-2019 or earlier is refused, naming the year.
    assert measures_main(["--data-dir", str(data), "--quarter", "2020-03", "--out", str(out)]) == 1


def test_england_and_wales_comparison_is_against_the_rest_of_england_and_wales(inputs, settings):
    """The relation to England and Wales is tested against England and Wales without the force:
    recomputed here with statsmodels' Newcombe interval from the published rows."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    measure = default_catalogue().measure("stop_search_ethnicity_not_recorded")
    r = compute_measure(measure, inputs, Q, AS, settings)
    raw = pd.read_csv(SAMPLE / "national" / "stop_search.csv")
    months = [str(p) for p in pd.period_range("2024-04", "2025-03", freq="M")]
    window = raw[raw["period"].isin(months)]
    not_recorded = window["ethnic_group"] == "Not recorded"
    mine = window["force"] == AS
    a, n = window.loc[mine & not_recorded, "searches"].sum(), window.loc[mine, "searches"].sum()
    b = window.loc[~mine & not_recorded, "searches"].sum()
    m = window.loc[~mine, "searches"].sum()
    assert (r.count, r.denominator) == (a, n)
    low, high = confint_proportions_2indep(a, n, b, m, method="newcomb", compare="diff")
    expected = "above" if low > 0 else "below" if high < 0 else "similar to"
    assert r.relation == expected
    assert r.benchmark == f"{expected[0].upper()}{expected[1:]} England and Wales"


# ----- the steps a section notebook shows -----------------------------------------------
def test_the_steps_of_a_measure_can_each_be_changed(inputs, settings, raw_prc):
    """The public steps compute_measure runs, each one changeable on its own: another offence
    list changes the count (summed here by hand from the file), another comparison group the
    rank; the figure handed to a later step is never changed by it."""
    from helpers.measures.compute import (
        assemble_result,
        compare_with_group,
        figure_at_quarter,
        period_counts,
        rolling_series,
        select_rows,
        trend_test,
    )

    measure = default_catalogue().measure("homicide")
    offences = select_rows(measure, inputs)
    assert set(offences["offence_subgroup"]) == {"Homicide"}
    murder_only = offences[offences["offence_code"] == "1"]
    rolling = rolling_series(measure, period_counts(measure, inputs, murder_only), inputs, settings)
    figure = figure_at_quarter(measure, rolling, Q, AS, settings, inputs)
    raw = raw_prc[
        (raw_prc["Force Name"] == AS)
        & (raw_prc["Offence Code"] == "1")
        & raw_prc["Financial Year"].isin(["2024/25"])
    ]
    assert figure.count == raw["Number of Offences"].sum()

    before = (figure.benchmark, figure.rank, list(figure.notes))
    comparison = compare_with_group(figure, rolling, settings, inputs, group=["Kent", "Essex"])
    assert (figure.benchmark, figure.rank, list(figure.notes)) == before
    assert comparison.rank_of == 3
    assert sorted(comparison.group["force"]) == sorted([AS, "Kent", "Essex"])
    assert comparison.label == "comparison group average"
    assert "/3 group (" in comparison.benchmark and "MSG" not in comparison.benchmark

    result = assemble_result(figure, comparison, trend_test(figure, rolling, settings), rolling)
    assert result.rank_of == 3 and result.trend is not None
    full = compute_measure(measure, inputs, Q, AS, settings)
    assert result.count < full.count and full.rank_of == len(MSG)


def test_a_measure_whose_source_is_missing_passes_through_every_step(inputs, settings):
    """A notebook's steps run when a local extract was not supplied: the result says why."""
    from helpers.measures.compute import (
        assemble_result,
        compare_with_group,
        figure_at_quarter,
        period_counts,
        rolling_series,
        select_rows,
        trend_test,
    )

    measure = default_catalogue().measure("satisfaction_overall")
    missing = SimpleNamespace(missing={measure.source})
    rows = select_rows(measure, missing)
    rolling = rolling_series(measure, period_counts(measure, missing, rows), missing, settings)
    figure = figure_at_quarter(measure, rolling, Q, AS, settings, missing)
    result = assemble_result(
        figure,
        compare_with_group(figure, rolling, settings, missing),
        trend_test(figure, rolling, settings),
        rolling,
    )
    assert rows is None and rolling is None
    assert not result.available and "(victim_satisfaction)" in result.unavailable_reason
    same = compute_measure(measure, missing, Q, AS, settings)
    assert measures_table([result]).equals(measures_table([same]))
