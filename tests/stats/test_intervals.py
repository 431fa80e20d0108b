"""Confidence intervals against independent references.

* Exact Poisson: the defining tail probabilities from `scipy.stats.poisson` (not the chi-square
  formula the module uses), and statsmodels' `confint_poisson(method="exact-c")`.
* Byar: the formula of the OHID / PHE Fingertips technical guidance ("Rates", Byar's method;
  Breslow and Day 1987) worked by hand for O = 100, and PHE's published accuracy claim
  (Technical Guide: Confidence Intervals, 2018: within 0.2% of the exact limits at 95% for 10
  or more events).
* Wilson: `statsmodels.stats.proportion.proportion_confint(method="wilson")`.
* Rate ratio: the exact conditional interval recomputed from statsmodels' Clopper-Pearson
  interval, a worked example (1 against 50 events), and statsmodels' exact conditional test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import poisson
from statsmodels.stats import rates as sm_rates
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson, confint_poisson_2indep

from helpers.stats.intervals import (
    byar_interval,
    exact_poisson_interval,
    rate_interval,
    rate_ratio_interval,
    rate_ratio_p_value,
    wilson_interval,
)

COUNTS = [1, 2, 5, 9, 10, 37, 250, 4000]


# ----- exact Poisson ----------------------------------------------------------------------------
@pytest.mark.parametrize("count", COUNTS)
@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_exact_limits_have_the_defining_tail_probabilities(count, confidence):
    """Lower: P(X >= O | mu = lower) = alpha/2.  Upper: P(X <= O | mu = upper) = alpha/2."""
    low, high = exact_poisson_interval(count, confidence=confidence)
    alpha = 1 - confidence
    assert poisson.sf(count - 1, low) == pytest.approx(alpha / 2, rel=1e-8)
    assert poisson.cdf(count, high) == pytest.approx(alpha / 2, rel=1e-8)


@pytest.mark.parametrize("count", [0, *COUNTS])
def test_exact_matches_statsmodels(count):
    expected = confint_poisson(count, 1.0, method="exact-c", alpha=0.05)
    np.testing.assert_allclose(exact_poisson_interval(count), expected, rtol=1e-10)


def test_exact_zero_count_has_lower_limit_zero_and_the_textbook_upper_limit():
    # P(X = 0 | mu) = exp(-mu) = 0.025  ->  mu = -ln(0.025) = 3.689 (the "rule of 3.69")
    low, high = exact_poisson_interval(0)
    assert low == 0.0
    assert high == pytest.approx(-math.log(0.025), rel=1e-10)


def test_exact_scales_to_a_rate_per_1000():
    low, high = exact_poisson_interval(7, denominator=20_000, per=1000)
    low1, high1 = exact_poisson_interval(7)
    assert (low, high) == pytest.approx((low1 / 20, high1 / 20))


# ----- Byar -------------------------------------------------------------------------------------
def test_byar_worked_example_o_100():
    """OHID Fingertips technical guidance, "Rates", Byar's method, worked for O = 100 at 95%.

    z = 1.959964
    lower = 100 (1 - 1/900 - z/30)^3            = 100 x 0.9335568^3 = 81.3621
    upper = 101 (1 - 1/909 + z/(3 sqrt 101))^3  = 101 x 1.0639078^3 = 121.6279
    (exact chi-square limits: 81.3640, 121.6268.) The lower limit, 81.36210549052788, is also
    the expected value of a `byars(100)` unit test in a public Python port of PHE's methods;
    that test's upper value (121.6246) does not follow from the published formula, so it is
    not used here.
    """
    low, high = byar_interval(100)
    assert low == pytest.approx(81.3621, abs=5e-5)
    assert high == pytest.approx(121.6279, abs=5e-5)
    # as a rate: 100 events in 10,000 people, per 100,000
    rate_low, rate_high = byar_interval(100, denominator=10_000, per=100_000)
    assert (rate_low, rate_high) == pytest.approx((813.621, 1216.279), abs=5e-4)


def test_byar_within_0_2_percent_of_exact_from_10_events():
    """PHE, Technical Guide: Confidence Intervals (2018): "Byar's method is within 0.2% of the
    exact value for numerators of 10 or more" (95% intervals)."""
    for count in range(10, 2001):
        byar = np.array(byar_interval(count))
        exact = np.array(exact_poisson_interval(count))
        assert np.all(np.abs(byar / exact - 1) < 0.002), count


@pytest.mark.parametrize("count", [1_000, 10_000, 100_000, 1_000_000])
def test_byar_converges_to_exact_for_large_counts(count):
    np.testing.assert_allclose(byar_interval(count), exact_poisson_interval(count), rtol=0.01)
    np.testing.assert_allclose(byar_interval(count), exact_poisson_interval(count), rtol=1e-4)


def test_byar_is_poor_for_few_events_which_is_why_rate_interval_switches():
    # At O = 2 Byar's lower limit is off from the exact one by more than 5%.
    assert abs(byar_interval(2)[0] / exact_poisson_interval(2)[0] - 1) > 0.05
    assert byar_interval(0)[0] == 0.0


# ----- rate_interval ----------------------------------------------------------------------------
def test_rate_interval_uses_exact_below_10_and_byar_from_10():
    assert rate_interval(9, 50_000) == exact_poisson_interval(9, 50_000, per=1000)
    assert rate_interval(10, 50_000) == byar_interval(10, 50_000, per=1000)
    assert rate_interval(10, 50_000) != exact_poisson_interval(10, 50_000, per=1000)


def test_rate_interval_threshold_is_a_setting():
    assert rate_interval(15, 1000, byar_min_count=20) == exact_poisson_interval(15, 1000, per=1000)
    assert rate_interval(5, 1000, byar_min_count=1) == byar_interval(5, 1000, per=1000)


def test_rate_interval_contains_the_rate():
    low, high = rate_interval(123, 456_789)
    assert low < 123 / 456_789 * 1000 < high


# ----- Wilson -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("successes", "trials"), [(0, 10), (1, 10), (5, 10), (10, 10), (192, 2461), (749, 750)]
)
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels(successes, trials, confidence):
    expected = proportion_confint(successes, trials, alpha=1 - confidence, method="wilson")
    np.testing.assert_allclose(
        wilson_interval(successes, trials, confidence), expected, rtol=1e-12, atol=1e-15
    )


def test_wilson_stays_inside_0_and_1():
    assert wilson_interval(0, 30)[0] == 0.0
    assert wilson_interval(30, 30)[1] == 1.0


def test_wilson_without_trials_is_undefined():
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_wilson_rejects_more_successes_than_trials():
    with pytest.raises(ValueError, match="cannot exceed"):
        wilson_interval(11, 10)


# ----- rate ratio -------------------------------------------------------------------------------
def _clopper_pearson_ratio(a, pop_a, b, pop_b):
    """The conditional interval computed another way: statsmodels' Clopper-Pearson for a/(a+b)."""
    low, high = proportion_confint(a, a + b, alpha=0.05, method="beta")
    scale = pop_b / pop_a
    return (low / (1 - low) * scale, math.inf if high >= 1 else high / (1 - high) * scale)


@pytest.mark.parametrize(
    ("a", "pop_a", "b", "pop_b"),
    [(30, 1000, 20, 1200), (5, 10_000, 50, 10_000), (1200, 1.7e6, 1100, 1.69e6), (1, 10, 1, 10)],
)
def test_rate_ratio_matches_statsmodels_clopper_pearson(a, pop_a, b, pop_b):
    expected = _clopper_pearson_ratio(a, pop_a, b, pop_b)
    np.testing.assert_allclose(rate_ratio_interval(a, pop_a, b, pop_b), expected, rtol=1e-8)


def test_rate_ratio_small_counts_worked_example():
    # 1 event against 50, the second population 100 times the first: RR = 2. The exact
    # conditional interval is (0.05, 11.7); the log (Katz) interval would be (0.28, 14.5).
    low, high = rate_ratio_interval(1, 1, 50, 100)
    assert (round(low, 2), round(high, 1)) == (0.05, 11.7)


def test_rate_ratio_agrees_with_the_log_interval_for_large_counts():
    katz = confint_poisson_2indep(5000, 1e6, 4000, 1e6, method="wald-log", compare="ratio")
    np.testing.assert_allclose(rate_ratio_interval(5000, 1e6, 4000, 1e6), katz, rtol=2e-3)


def test_rate_ratio_with_a_zero_count_is_one_sided():
    low, high = rate_ratio_interval(0, 1000, 5, 1000)
    assert low == 0 and high == pytest.approx(_clopper_pearson_ratio(0, 1000, 5, 1000)[1])
    low, high = rate_ratio_interval(5, 1000, 0, 1000)
    assert high == math.inf and low == pytest.approx(_clopper_pearson_ratio(5, 1000, 0, 1000)[0])
    assert all(math.isnan(x) for x in rate_ratio_interval(0, 1000, 0, 1000))


@pytest.mark.parametrize(
    ("a", "pop_a", "b", "pop_b"), [(1, 1, 50, 100), (30, 450, 20, 550), (0, 10, 7, 30)]
)
def test_rate_ratio_p_value_matches_statsmodels_exact_conditional(a, pop_a, b, pop_b):
    expected = sm_rates.test_poisson_2indep(a, pop_a, b, pop_b, method="exact-cond").pvalue
    assert rate_ratio_p_value(a, pop_a, b, pop_b) == pytest.approx(expected, rel=1e-9)


# ----- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("func", [exact_poisson_interval, byar_interval])
def test_negative_count_zero_denominator_and_bad_confidence_are_refused(func):
    with pytest.raises(ValueError, match="negative"):
        func(-1)
    with pytest.raises(ValueError, match="denominator"):
        func(5, 0)
    with pytest.raises(ValueError, match="confidence"):
        func(5, 1, 95)


def test_missing_count_gives_missing_interval():
    for func in (exact_poisson_interval, byar_interval):
        assert all(math.isnan(x) for x in func(math.nan, 1000))
    assert all(math.isnan(x) for x in rate_interval(math.nan, 1000))
