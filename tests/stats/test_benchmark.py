"""Benchmarks: weighted MSG average, positions, relation to the average and the benchmark texts.

References: hand arithmetic for averages and positions; intervals recomputed with scipy's
chi-square (exact Poisson) and statsmodels' Wilson interval for `compare_groups`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, chi2, norm
from statsmodels.stats import rates as sm_rates
from statsmodels.stats.proportion import proportion_confint

from helpers.core.config import BenchmarkSettings
from helpers.stats.benchmark import (
    GroupComparison,
    compare_groups,
    msg_rank,
    relation_to_average,
    relation_to_rest,
    weighted_average,
)

AVON_MSG = [
    "Avon and Somerset", "Derbyshire", "Essex", "Hampshire",
    "Hertfordshire", "Kent", "Staffordshire", "Sussex",
]  # fmt: skip


# ----- weighted average -------------------------------------------------------------------------
def test_weighted_average_is_sum_over_sum_not_mean_of_rates():
    # Small force: 10 events / 1,000 people = 10 per 1,000.
    # Large force: 100 events / 100,000 people = 1 per 1,000.
    # Weighted: 110 / 101,000 x 1,000 = 1.0891; the mean of the two rates would be 5.5.
    average = weighted_average([10, 100], [1_000, 100_000])
    assert average == pytest.approx(1.089109, abs=1e-6)
    assert average != pytest.approx(np.mean([10.0, 1.0]))


def test_weighted_average_percent_and_missing_members():
    # 30/60 and 10/40 -> 40/100 = 40%; the member with no denominator is dropped with its count.
    assert weighted_average([30, 10, 99], [60, 40, np.nan], per=100) == pytest.approx(40.0)
    assert math.isnan(weighted_average([np.nan], [10]))


# ----- positions --------------------------------------------------------------------------------
def test_msg_rank_lower_is_better():
    values = {"A": 3.0, "B": 1.0, "C": 2.0, "D": 4.0}
    assert msg_rank(values, "B", "lower_is_better") == (1, 4)
    assert msg_rank(values, "D", "lower_is_better") == (4, 4)


def test_msg_rank_higher_is_better():
    values = {"A": 3.0, "B": 1.0, "C": 2.0, "D": 4.0}
    assert msg_rank(values, "D", "higher_is_better") == (1, 4)
    assert msg_rank(values, "B", "higher_is_better") == (4, 4)


def test_ties_share_the_better_position():
    values = {"A": 1.0, "B": 2.0, "C": 2.0, "D": 3.0}
    assert msg_rank(values, "B", "lower_is_better") == (2, 4)
    assert msg_rank(values, "C", "lower_is_better") == (2, 4)
    assert msg_rank(values, "D", "lower_is_better") == (4, 4)
    assert msg_rank(values, "B", "higher_is_better") == (2, 4)


def test_forces_without_a_value_are_not_ranked_or_counted():
    values = {"A": 1.0, "B": math.nan, "C": 2.0}
    assert msg_rank(values, "C", "lower_is_better") == (2, 2)
    with pytest.raises(ValueError, match="no value"):
        msg_rank(values, "B", "lower_is_better")
    with pytest.raises(ValueError, match="no value"):
        msg_rank(values, "Z", "lower_is_better")


def test_neutral_polarity_cannot_be_ranked():
    with pytest.raises(ValueError, match="neutral"):
        msg_rank({"A": 1.0}, "A", "neutral")
    with pytest.raises(ValueError, match="polarity"):
        msg_rank({"A": 1.0}, "A", "lower")


# ----- relation to the average ------------------------------------------------------------------
def test_relation_to_average():
    assert relation_to_average(1.2, 1.0, 1.4, 1.1) == "similar to"
    assert relation_to_average(1.2, 1.0, 1.4, 1.4) == "similar to"  # limit included
    assert relation_to_average(1.2, 1.0, 1.4, 1.5) == "below"
    assert relation_to_average(1.2, 1.0, 1.4, 0.9) == "above"


def test_relation_needs_every_number():
    with pytest.raises(ValueError, match="average"):
        relation_to_average(1.0, 0.5, 1.5, math.nan)


# ----- compare_groups ---------------------------------------------------------------------------
def _exact_rate_interval(count: int, population: float) -> tuple[float, float]:
    return (
        chi2.ppf(0.025, 2 * count) / 2 / population * 1000 if count else 0.0,
        chi2.ppf(0.975, 2 * count + 2) / 2 / population * 1000,
    )


def _byar(count: int, population: float) -> tuple[float, float]:
    z = norm.ppf(0.975)
    low = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    o = count + 1
    high = o * (1 - 1 / (9 * o) + z / (3 * math.sqrt(o))) ** 3
    return low / population * 1000, high / population * 1000


@pytest.fixture
def msg_rates() -> pd.DataFrame:
    # 12-month counts and populations; Avon and Somerset 2nd lowest.
    return pd.DataFrame(
        {
            "force": AVON_MSG,
            "count": [1800, 1700, 3300, 3100, 1500, 3900, 2000, 3000],
            "denominator": [1.75e6, 1.07e6, 1.87e6, 2.03e6, 1.20e6, 1.87e6, 1.14e6, 1.72e6],
        }
    )


def test_compare_groups_rate_below_average(msg_rates):
    result = compare_groups(
        msg_rates, "Avon and Somerset", polarity="lower_is_better", unit="rate_per_1000"
    )
    average = msg_rates["count"].sum() / msg_rates["denominator"].sum() * 1000
    rates = msg_rates["count"] / msg_rates["denominator"] * 1000
    expected_rank = int((rates < rates.iloc[0]).sum()) + 1
    low, high = _byar(1800, 1.75e6)
    assert isinstance(result, GroupComparison)
    assert result.value == pytest.approx(1800 / 1.75e6 * 1000)
    assert result.average == pytest.approx(average)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=1e-12)
    assert high < average  # so the force is significantly below
    assert (result.rank, result.size, result.relation) == (expected_rank, 8, "below")


def test_compare_groups_small_count_is_similar_and_uses_exact_interval():
    group = pd.DataFrame(
        {"force": ["A", "B", "C"], "count": [3, 400, 500], "denominator": [2e5, 2e5, 3e5]}
    )
    result = compare_groups(group, "A", polarity="lower_is_better", unit="rate_per_1000")
    assert (result.ci_low, result.ci_high) == pytest.approx(_exact_rate_interval(3, 2e5))
    # A's rate is 0.015 per 1,000 against an average of 903/700,000 = 1.29 per 1,000: far below,
    # and with 3 events the exact interval (0.003 - 0.044) still excludes the average.
    assert result.relation == "below"
    assert result.rank == 1


def test_compare_groups_similar_when_average_inside_interval():
    group = pd.DataFrame(
        {"force": ["A", "B", "C"], "count": [12, 1000, 1100], "denominator": [1e4, 1e6, 1e6]}
    )
    result = compare_groups(group, "A", polarity="lower_is_better", unit="rate_per_1000")
    # A: 1.2 per 1,000 (Byar 0.62 - 2.10); average 2112 / 2,010,000 = 1.05 per 1,000: inside.
    assert (result.rank, result.size, result.relation) == (3, 3, "similar to")


def test_compare_groups_percent_uses_wilson_times_100():
    group = pd.DataFrame(
        {"force": ["A", "B", "C", "D"], "count": [192, 150, 90, 300], "denominator": [2461] * 4}
    )
    result = compare_groups(
        group,
        "A",
        polarity="higher_is_better",
        unit="percent",
        settings=BenchmarkSettings(confidence=0.9),
    )
    low, high = proportion_confint(192, 2461, alpha=0.1, method="wilson")
    assert (result.ci_low, result.ci_high) == pytest.approx((100 * low, 100 * high))
    assert result.value == pytest.approx(100 * 192 / 2461)
    assert result.average == pytest.approx(100 * 732 / (4 * 2461))
    assert (result.rank, result.size) == (2, 4)
    assert result.relation in ("above", "below", "similar to")


def test_compare_groups_neutral_polarity_is_not_applicable(msg_rates):
    result = compare_groups(msg_rates, "Kent", polarity="neutral", unit="rate_per_1000")
    assert result.rank is None  # neutral: no position is better than another
    assert result.relation in ("above", "below", "similar to")


def test_compare_groups_force_without_data_is_not_available(msg_rates):
    msg_rates.loc[msg_rates["force"] == "Kent", "count"] = np.nan
    result = compare_groups(msg_rates, "Kent", polarity="lower_is_better", unit="rate_per_1000")
    assert (result.rank, result.relation) == (None, None)
    others = compare_groups(msg_rates, "Essex", polarity="lower_is_better", unit="rate_per_1000")
    assert others.size == 7  # Kent is not ranked


def test_compare_groups_alone_is_not_available():
    group = pd.DataFrame({"force": ["A", "B"], "count": [5, 5], "denominator": [100.0, 0.0]})
    result = compare_groups(group, "A", polarity="lower_is_better", unit="rate_per_1000")
    assert (result.rank, result.relation, result.size) == (None, None, 1)


def test_compare_groups_refuses_units_it_cannot_compare(msg_rates):
    with pytest.raises(ValueError, match="unit"):
        compare_groups(msg_rates, "Kent", polarity="lower_is_better", unit="count")


def test_compare_groups_refuses_a_force_listed_twice(msg_rates):
    with pytest.raises(ValueError, match="twice"):
        compare_groups(
            pd.concat([msg_rates, msg_rates.iloc[[0]]]),
            "Kent",
            polarity="lower_is_better",
            unit="rate_per_1000",
        )


# ----- the force against the rest of its group ---------------------------------------------------
def _central_exact_p(a: int, pop_a: float, b: int, pop_b: float) -> float:
    """Two-sided exact conditional p-value (twice the smaller tail), from binomial tails."""
    n, p0 = a + b, pop_a / (pop_a + pop_b)
    return min(1.0, 2 * min(binom.cdf(a, n, p0), binom.sf(a - 1, n, p0)))


def _big_force_group() -> pd.DataFrame:
    # The force holds 45% of its group's population: 127 events against 110 in the other seven.
    others = [f"Force {i}" for i in range(7)]
    return pd.DataFrame(
        {
            "force": ["Big", *others],
            "count": [127, 20, 15, 18, 14, 16, 12, 15],
            "denominator": [450_000, 80_000, 75_000, 85_000, 70_000, 82_000, 78_000, 80_000],
        }
    )


def test_a_large_force_is_tested_against_the_rest_not_an_average_holding_itself():
    group = _big_force_group()
    rest_count, rest_pop = group["count"][1:].sum(), group["denominator"][1:].sum()
    assert (rest_count, rest_pop) == (110, 550_000)
    # Independent reference: statsmodels' exact conditional test of Big against the rest.
    p = sm_rates.test_poisson_2indep(127, 450_000, 110, 550_000, method="exact-cond").pvalue
    assert p == pytest.approx(0.009, abs=5e-4)
    comparison = compare_groups(group, "Big", polarity="lower_is_better", unit="rate_per_1000")
    # The average (the force included) still lies inside the force's own interval: the old
    # rule called this "similar to".
    assert comparison.ci_low <= comparison.average <= comparison.ci_high
    assert comparison.relation == "above"
    assert comparison.average == pytest.approx(237 / 1_000_000 * 1000)


@pytest.mark.parametrize(
    ("a", "pop_a", "b", "pop_b"),
    [
        (127, 450_000, 110, 550_000),
        (30, 1e5, 20, 1e5),
        (31, 1e5, 18, 1e5),
        (3, 1e4, 0, 2e4),
        (0, 1e4, 9, 1e4),
        (0, 1e4, 4, 1e4),
        (4000, 1e6, 3800, 1e6),
        (4000, 1e6, 3700, 1e6),
    ],
)
def test_rate_relation_agrees_with_the_exact_conditional_test(a, pop_a, b, pop_b):
    rest = relation_to_rest(a, pop_a, b, pop_b, unit="rate_per_1000")
    significant = _central_exact_p(a, pop_a, b, pop_b) < 0.05
    if not significant:
        assert rest.relation == "similar to"
    else:
        assert rest.relation == ("above" if a / pop_a > b / pop_b else "below")


def test_percent_relation_uses_newcombes_interval_worked_example():
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, example (a): 56/70 against
    # 48/80, hybrid score interval (method 10) for the difference: 0.0524 to 0.3339.
    rest = relation_to_rest(56, 70, 48, 80, unit="percent")
    assert rest.statistic == pytest.approx(20.0)
    assert (round(rest.low / 100, 4), round(rest.high / 100, 4)) == (0.0524, 0.3339)
    assert rest.relation == "above"
    assert relation_to_rest(48, 80, 56, 70, unit="percent").relation == "below"
    assert relation_to_rest(9, 10, 85, 100, unit="percent").relation == "similar to"


def test_relation_to_rest_says_nothing_it_cannot_test():
    assert relation_to_rest(-3, 1e5, 20, 1e5, unit="rate_per_1000") is None
    assert relation_to_rest(3, 1e5, float("nan"), 1e5, unit="rate_per_1000") is None
    assert relation_to_rest(3, 0, 20, 1e5, unit="percent") is None


def test_a_member_with_a_negative_count_is_left_out_of_rank_and_average():
    group = _big_force_group()
    group.loc[3, "count"] = -2
    comparison = compare_groups(group, "Big", polarity="lower_is_better", unit="rate_per_1000")
    assert comparison.size == 7
    expected = (group["count"].sum() + 2) / (group["denominator"].sum() - 85_000) * 1000
    assert comparison.average == pytest.approx(expected)
