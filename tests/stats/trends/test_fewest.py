"""The fewest points that can give a word, against the formula and against pymannkendall."""

from __future__ import annotations

import numpy as np
import pymannkendall as mk
import pytest
from scipy.stats import norm
from trend_series import (
    QUASI_POISSON,
    ROLLING,
    detail,
    quarter_dummies,
    quarterly_series,
    rules_at_last_point_by_hand,
    statsmodels_firth,
    statsmodels_quasi_poisson,
)

from helpers.stats.trends import (
    minimum_points,
    smallest_p_value,
    trend_outlook,
)


def test_six_rolling_points_cannot_reach_significance_by_the_formula():
    """The issue's 0.061: a perfectly monotone series of 6 overlapping rolling points,
    S = 15, Var(S) = 6 * 5 * 17 / 18 widened by Hamed and Rao's factor for rho 3/4, 1/2, 1/4."""
    factor_6 = 1 + 2 / (6 * 5 * 4) * ((5 * 4 * 3) * 3 / 4 + (4 * 3 * 2) / 2 + (3 * 2 * 1) / 4)
    p_6 = 2 * norm.sf(14 / np.sqrt(6 * 5 * 17 / 18 * factor_6))
    factor_7 = 1 + 2 / (7 * 6 * 5) * ((6 * 5 * 4) * 3 / 4 + (5 * 4 * 3) / 2 + (4 * 3 * 2) / 4)
    p_7 = 2 * norm.sf(20 / np.sqrt(7 * 6 * 19 / 18 * factor_7))
    assert round(p_6, 3) == 0.061 and p_7 < 0.05
    assert smallest_p_value("mann_kendall_rolling", 6) == pytest.approx(p_6)
    assert minimum_points("mann_kendall_rolling", 0.05) == 7
    assert minimum_points("mann_kendall_rolling", 0.07) == 6
    six = trend_outlook(quarterly_series(np.arange(6.0)), unit="count", settings=ROLLING)
    assert six.word == "Not available"
    assert round(detail(six, "too_few").numbers[2], 3) == 0.061
    # Point-in-time figures share no months: the unmodified test, as for Hamed-Rao.
    assert minimum_points("mann_kendall_rolling", 0.05, rolled=False) == 5


def test_minimum_points_of_mann_kendall_tests_against_pymannkendall():
    for n, significant in ((4, False), (5, True)):
        assert bool(mk.original_test(np.arange(float(n))).p < 0.05) == significant
    assert minimum_points("mann_kendall_hamed_rao", 0.05) == 5
    for n, significant in ((9, False), (10, True)):
        assert bool(mk.seasonal_test(np.arange(float(n)), period=4).p < 0.05) == significant
    assert minimum_points("seasonal_mann_kendall", 0.05) == 10
    monthly = minimum_points("seasonal_mann_kendall", 0.05, frequency_months=1)
    assert mk.seasonal_test(np.arange(float(monthly)), period=12).p < 0.05
    assert mk.seasonal_test(np.arange(float(monthly - 1)), period=12).p >= 0.05


def test_minimum_points_of_the_regressions_is_one_degree_of_freedom():
    """With quarter-of-year terms 5 parameters: 6 quarters leave one degree of freedom, and a
    near-perfect fit is then significant (statsmodels); 5 quarters cannot be tested."""
    for method in ("quasi_poisson", "regression_ar1"):
        assert minimum_points(method, 0.05) == 6
        assert minimum_points(method, 0.05, seasonal_terms=False) == 3
    counts = np.array([100.0, 121, 118, 98, 117, 139])  # +15% a year, seasonal, one wobble
    _, p = statsmodels_quasi_poisson(counts, np.ones(6), quarter_dummies(6))
    assert p < 0.05
    series = quarterly_series(counts, count=counts, raw_count=counts)
    # The outlook needs 6 quarters, but fits the seasons only from two of each quarter of the
    # year: 6 quarters hold two of them once, so the fit goes without (and says so).
    six = trend_outlook(series, unit="count", settings=QUASI_POISSON)
    x = np.column_stack([np.ones(6), (np.arange(6) - 2.5) / 4])
    *_, p_plain = statsmodels_firth(counts, np.ones(6), x)
    assert six.n_points == 6 and six.p_value == pytest.approx(p_plain[1], rel=1e-6)
    assert [d.kind for d in six.details] == ["seasons_too_few"]
    short = trend_outlook(series.iloc[1:], unit="count", settings=QUASI_POISSON)
    assert short.word == "Not available"
    assert [d.numbers[:2] for d in short.details if d.kind == "too_few"] == [(5, 6)]


def test_minimum_points_of_spc_by_searching_every_small_series():
    """No 4-point series on a grid of 0-6 makes the latest point special cause; a flat run of 4
    and a jump does with 5 points."""
    assert minimum_points("spc", 0.05) == 5
    grid = np.array(np.meshgrid(*[np.arange(7.0)] * 4)).reshape(4, -1).T
    assert not any(rules_at_last_point_by_hand(list(x)) for x in grid if np.ptp(x) > 0)
    assert rules_at_last_point_by_hand([1.0, 1, 1, 1, 5]) == {"beyond the process limits"}
