"""Step 4 (helpers.measures.figure): the figure at the quarter, its interval and population year,
and why a figure is unavailable, checked against the raw sample files."""

from __future__ import annotations

import shutil

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
from helpers.inputs.datasets import load_inputs
from helpers.measures.compute import compute_measure
from helpers.present.wording.benchmark_words import benchmark_text


def test_homicide_rate_by_hand(inputs, settings, raw_prc, raw_population):
    r = compute_measure(default_catalogue().measure("homicide"), inputs, Q, AS, settings)
    count = prc_count(raw_prc, AS, Q, subgroups=["Homicide"])
    # Year ending March 2025: midpoint in 2024, not published in the sample, so mid-2023 is used.
    population = population_estimate(raw_population, "E23000036", 2023)
    assert r.count == count
    assert r.denominator == population
    assert (r.denominator_year, r.denominator_year_wanted) == (2023, 2024)
    assert r.uses_population_fallback
    assert r.value == pytest.approx(count / population * 1000)
    assert r.ci_low < r.value < r.ci_high


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
    assert benchmark_text(r.benchmark) == "Not available"


def test_a_force_with_no_rows_for_a_quarter_has_no_figure_not_three_quarters(
    inputs, settings, raw_prc
):
    prc = inputs.prc
    gap = prc[~((prc["force"] == "Kent") & (prc["period"] == SEPT_2024))]
    broken = with_tables(inputs, prc=gap)
    measure = default_catalogue().measure("serious_violence")
    kent = compute_measure(measure, broken, Q, "Kent", settings)
    assert not kent.available and kent.value is None and kent.count is None
    assert "September 2024" in kent.unavailable_reason
    assert "never counted as zero" in kent.unavailable_reason
    assert benchmark_text(kent.benchmark) == "Not available"
    # A window that ends before the gap is unaffected.
    before = compute_measure(measure, broken, FinancialQuarter.parse("2024-06"), "Kent", settings)
    assert before.available
    assert (
        before.count
        == compute_measure(
            measure, inputs, FinancialQuarter.parse("2024-06"), "Kent", settings
        ).count
    )


def test_a_local_extract_missing_a_quarter_makes_its_windows_not_available(inputs, settings):
    survey = inputs.victim_satisfaction
    months = pd.period_range("2024-07", "2024-09", freq="M")
    broken = with_tables(inputs, victim_satisfaction=survey[~survey["period"].isin(months)])
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
        default_catalogue().measure("homicide"), with_tables(inputs, prc=prc), Q, AS, settings
    )
    assert not r.available and "negative" in r.unavailable_reason
    other = compute_measure(
        default_catalogue().measure("homicide"), with_tables(inputs, prc=prc), Q, "Kent", settings
    )
    assert other.rank_of == 42  # Kent has no MSG configured: it ranks among all forces
    assert any(f"{AS} (a negative 12-month total)" in note for note in other.notes)


def test_a_workforce_snapshot_missing_at_the_quarter_names_the_one_before(inputs, settings):
    """Headcount is at a date: a December quarter has no snapshot (31 March and 30 September
    only), and the reason names the file and the snapshot before it, never a 0."""
    measure = default_catalogue().measure("workforce_black")
    december = FinancialQuarter.parse("2024-12")
    r = compute_measure(measure, inputs, december, AS, settings)
    assert not r.available and r.value is None and r.count is None
    assert r.unavailable_reason == (
        "national/workforce.csv (police workforce headcount by worker type and ethnic group) has "
        f"no snapshot for {AS} at the end of December 2024 (its latest before then is September "
        "2024)."
    )
    september = compute_measure(measure, inputs, FinancialQuarter.parse("2024-09"), AS, settings)
    assert september.available and september.value is not None
