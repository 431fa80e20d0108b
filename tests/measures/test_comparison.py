"""Step 5 (helpers.measures.comparison): the rank and average of the most similar group and the
relation to England and Wales without the force, recomputed here from the raw sample files."""

from __future__ import annotations

import pandas as pd
import pytest
from sample_figures import (
    AS,
    MSG,
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
    counts = {f: prc_count(raw_prc, f, q, codes=["92A"]) for f in MSG}
    pops = {f: population_estimate(raw_population, codes[f], 2022) for f in MSG}
    rates = {f: counts[f] / pops[f] * 1000 for f in MSG}
    r = compute_measure(default_catalogue().measure("drug_trafficking"), inputs, q, AS, settings)
    assert not r.uses_population_fallback
    assert r.comparator_value == pytest.approx(sum(counts.values()) / sum(pops.values()) * 1000)
    # Trafficking is proactive policing: the highest rate ranks first.
    expected_rank = 1 + sum(rate > rates[AS] for rate in rates.values())
    assert (r.rank, r.rank_of) == (expected_rank, 8)
    assert benchmark_text(r.benchmark).startswith(f"{expected_rank}")
    assert "/8 MSG (" in benchmark_text(r.benchmark)


def test_a_group_member_with_a_gap_leaves_the_average_and_rank(inputs, settings, raw_prc):
    prc = inputs.prc
    broken = with_tables(
        inputs, prc=prc[~((prc["force"] == "Kent") & (prc["period"] == SEPT_2024))]
    )
    measure = default_catalogue().measure("homicide")
    r = compute_measure(measure, broken, Q, AS, settings)
    assert r.rank_of == 7 and "Kent" not in set(r.group_values["force"])
    assert any("Kent (a period with no data)" in note for note in r.notes)
    # The average of the seven others, by hand from the published rows.
    counts = {f: prc_count(raw_prc, f, Q, subgroups=["Homicide"]) for f in MSG if f != "Kent"}
    pops = dict(zip(r.group_values["force"], r.group_values["denominator"], strict=True))
    expected = sum(counts.values()) / sum(pops[f] for f in counts) * 1000
    assert r.comparator_value == pytest.approx(expected)
    # England and Wales without Kent's quarter is not a national total.
    assert r.national_value is None


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
    # An "above" or "below" says by how much: percentage points against England and Wales.
    points = 100 * a / n - 100 * (a + b) / (n + m)
    size = "" if expected == "similar to" else f"{abs(points):.1f} points "
    text = f"{size}{expected} England and Wales"
    assert benchmark_text(r.benchmark) == f"{text[0].upper()}{text[1:]}"


def test_a_measure_ranked_among_all_forces_is_tested_against_england_and_wales(inputs, settings):
    """CSEW confidence: the rank among every force, and the relation to England and Wales
    without the force (Newcombe's interval from statsmodels on the published 12-month rows),
    worded as the Commissioner's report words it: "27th/42 (above national average)"."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    measure = default_catalogue().measure("csew_confidence")
    r = compute_measure(measure, inputs, Q, AS, settings)
    raw = pd.read_csv(SAMPLE / "national" / "csew_confidence.csv")
    rows = raw[raw["period"] == "2025-03"].set_index("force")
    a, n = rows.loc[AS, ["agree", "respondents"]]
    b = rows.loc["England and Wales", "agree"] - a
    m = rows.loc["England and Wales", "respondents"] - n
    low, high = confint_proportions_2indep(a, n, b, m, method="newcomb", compare="diff")
    expected = "above" if low > 0 else "below" if high < 0 else "similar to"
    shares = (rows["agree"] / rows["respondents"]).drop("England and Wales")
    rank = int((shares > shares[AS]).sum()) + 1  # 1st is the highest
    assert (r.rank, r.rank_of, r.relation) == (rank, len(shares), expected)
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(rank % 10 if rank % 100 not in (11, 12, 13) else 0)
    assert benchmark_text(r.benchmark) == (
        f"{rank}{suffix or 'th'}/{len(shares)} ({expected} national average)"
    )
