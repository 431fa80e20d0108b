"""The rate-ratio test against scipy and statsmodels, and against a binomial tail summed by hand
from `scipy.stats.binom`.
"""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.proportion import proportions_ztest
from trend_series import (
    RATE_RATIO,
    quarterly_series,
    two_sided_binomial_tail,
)

from helpers.stats.trends import trend_outlook


def test_rate_ratio_rates_exact_poisson_test_by_hand():
    # year ending March 2023: 180 events / 1.70m people; year ending March 2024: 230 / 1.72m.
    series = quarterly_series(
        [10.6, 10.6, 11.0, 11.2, 13.4],
        count=[180, 181, 187, 190, 230],
        denominator=[1.70e6, 1.70e6, 1.70e6, 1.71e6, 1.72e6],
    )
    result = trend_outlook(series, unit="rate_per_1000", settings=RATE_RATIO)
    # Given 410 events in the two years, the latest year's share is Binomial(410, 1.72/3.42).
    p_hand = two_sided_binomial_tail(230, 410, 1.72e6 / (1.72e6 + 1.70e6))
    assert result.p_value == pytest.approx(p_hand, rel=1e-9)
    assert result.statistic == pytest.approx((230 / 1.72e6) / (180 / 1.70e6))
    assert result.n_points == 2
    assert p_hand < 0.05
    assert result.word == "Increasing"
    falling = series.assign(count=[230, 200, 190, 187, 180], denominator=1.7e6)
    assert trend_outlook(falling, unit="rate_per_1000", settings=RATE_RATIO).word == "Reducing"


def test_rate_ratio_counts_without_denominators_have_equal_exposure():
    series = quarterly_series([40.0, 41, 42, 39, 25])
    result = trend_outlook(series, unit="count", settings=RATE_RATIO)
    assert result.p_value == pytest.approx(two_sided_binomial_tail(25, 65, 0.5), rel=1e-9)
    assert result.statistic == pytest.approx(25 / 40)
    assert result.word == "Stable"  # p = 0.08


def test_rate_ratio_percent_uses_two_proportion_z_test():
    series = quarterly_series(
        [70.0, 71, 72, 73, 78], count=[700, 710, 720, 730, 780], denominator=[1000] * 5
    )
    result = trend_outlook(series, unit="percent", settings=RATE_RATIO, down_word="Decreasing")
    _, p = proportions_ztest(np.array([780, 700]), np.array([1000, 1000]))
    assert result.p_value == pytest.approx(p)
    assert result.statistic == pytest.approx(8.0)  # percentage points
    assert result.word == "Increasing"


def test_rate_ratio_needs_the_year_before():
    series = quarterly_series([1.0, 2, 3, 4], count=[1, 2, 3, 4], denominator=[10] * 4)
    result = trend_outlook(series, unit="rate_per_1000", settings=RATE_RATIO)
    assert result.word == "Not available"
    no_counts = quarterly_series([1.0, 2, 3, 4, 5])
    assert trend_outlook(no_counts, unit="rate_per_1000", settings=RATE_RATIO).word == (
        "Not available"
    )
