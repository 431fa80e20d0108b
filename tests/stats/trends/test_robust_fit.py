"""The regression where the plain quasi-likelihood has no solution: a quarter of the year with no
events, every event at one end of the window, shares at 0% or 100%. Firth's adjusted fit is
checked against statsmodels refitted to the pseudo-data; a fit that cannot converge says so.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from trend_series import (
    QUASI_POISSON,
    REGRESSION,
    prc_like,
    quarter_dummies,
    quarterly_series,
    rolled,
    statsmodels_firth,
)

import helpers.stats.trends.regression_outlook as outlook_module
from helpers.stats.trends import TrendDetail, regression_trend, trend_outlook

# The plain case: no events in the last quarter of the year (January to March).
SPARSE = np.array([0, 0, 3, 0, 2, 1, 2, 0, 1, 2, 2, 0], dtype=float)
QUARTERS = np.arange(-11, 1)


@pytest.mark.parametrize("population", [1_000_000.0, 720_100.0])
def test_a_quarter_of_the_year_with_no_events_gives_a_finite_fit_at_any_population(population):
    """Before: LinAlgError at a population of 1,000,000 and a finite slope at 720,100."""
    fit = regression_trend(SPARSE, np.full(12, population), QUARTERS, seasonal=True,
                           cv=0.1, rho=0.6)  # fmt: skip
    assert bool(fit.converged) and math.isfinite(float(fit.coef))
    other = regression_trend(SPARSE, np.full(12, 1e6 if population != 1e6 else 720_100.0),
                             QUARTERS, seasonal=True, cv=0.1, rho=0.6)  # fmt: skip
    # The population is an offset: it cannot change the trend.
    assert float(fit.coef) == pytest.approx(float(other.coef), rel=1e-6)
    assert float(fit.p) == pytest.approx(float(other.p), rel=1e-6)


def test_the_sparse_fit_is_firths_quasi_poisson_by_statsmodels():
    """With cv = 0 the model is quasi-Poisson: the same fit as statsmodels' GLM refitted to
    Firth's pseudo-counts, quarter-of-year terms included (the empty quarter's term finite)."""
    fit = regression_trend(SPARSE, np.full(12, 1e6), QUARTERS, seasonal=True)
    beta, se, _, p = statsmodels_firth(SPARSE, np.full(12, 1e6), quarter_dummies(12))
    assert float(fit.coef) == pytest.approx(beta[1], rel=1e-6)
    assert float(fit.se) == pytest.approx(se[1], rel=1e-6)
    assert float(fit.p) == pytest.approx(p[1], rel=1e-6)
    # and near the plain GLM's p = 0.38 the issue quotes (statsmodels stops with a large
    # negative term for the empty quarter)
    assert abs(float(fit.p) - 0.38) < 0.05


def test_the_outlook_leaves_out_quarter_of_year_terms_when_a_quarter_has_no_events():
    series = prc_like(np.r_[1, 2, 1, SPARSE], population=1e6)
    result = trend_outlook(series, unit="rate_per_1000", settings=QUASI_POISSON)
    x = np.column_stack([np.ones(12), (np.arange(12) - 5.5) / 4])
    _beta, _, t, p = statsmodels_firth(SPARSE, np.full(12, 1e6), x)
    assert result.word == "Stable" and result.n_points == 12
    assert result.statistic == pytest.approx(t[1], rel=1e-6)
    assert result.p_value == pytest.approx(p[1], rel=1e-6)
    assert TrendDetail("no_seasonal_terms", ("Q4",)) in result.details
    low, high = result.interval
    assert low < result.slope < high and math.isfinite(low) and math.isfinite(high)


def test_every_event_in_the_last_quarter_gives_a_finite_change_not_a_divergence():
    counts = np.r_[np.zeros(11), 4.0]
    plain = regression_trend(counts, np.ones(12), QUARTERS, firth=False)
    assert not bool(plain.converged) and math.isnan(float(plain.coef)), (
        "the plain fit has no solution (the slope runs to infinity): it must say so"
    )
    fit = regression_trend(counts, np.ones(12), QUARTERS, cv=0.1, rho=0.6)
    assert bool(fit.converged) and float(fit.coef) > 0
    assert all(math.isfinite(float(v)) for v in fit.interval())
    x = np.column_stack([np.ones(12), (np.arange(12) - 5.5) / 4])
    beta, *_ = statsmodels_firth(counts, np.ones(12), x)
    assert float(regression_trend(counts, np.ones(12), QUARTERS).coef) == pytest.approx(
        beta[1], rel=1e-6
    )


def test_shares_at_100_percent_but_one_quarter_give_no_absurd_change():
    """The sample data's cyber victims: every victim advised but one in one quarter. Before:
    "Increasing ... fitted change of the odds +28,803% a year" or a singular matrix."""
    trials = np.full(15, 12.0)
    advised = trials.copy()
    advised[8] -= 1
    series = quarterly_series(
        100 * rolled(advised, 4) / rolled(trials, 4), count=rolled(advised, 4),
        denominator=rolled(trials, 4), raw_count=advised[3:], raw_denominator=trials[3:],
    )  # fmt: skip
    result = trend_outlook(series, unit="percent", settings=REGRESSION, down_word="Decreasing")
    assert result.word == "Stable"
    assert abs(result.slope) < 9 and all(math.isfinite(v) for v in result.interval)


def test_shares_completely_separated_in_time_are_fitted_by_firth_like_statsmodels():
    """0% for six quarters then 100%: no plain maximum-likelihood fit exists."""
    trials = np.full(12, 5.0)
    events = np.r_[np.zeros(6), trials[6:]]
    x = np.column_stack([np.ones(12), (np.arange(12) - 5.5) / 4])
    fit = regression_trend(events, trials, QUARTERS, family="binomial")
    *_, t, _ = statsmodels_firth(events, trials, x, family="binomial")
    assert bool(fit.converged) and float(fit.t) == pytest.approx(t[1], rel=1e-6)


def test_a_fit_stopped_before_it_converges_is_never_a_number():
    y = np.array([5.0, 9, 4, 12, 7, 15, 9, 14, 11, 20, 12, 25])
    fit = regression_trend(y, np.ones(12), QUARTERS, cv=0.1, rho=0.6, max_iterations=1)
    assert not bool(fit.converged)
    assert all(math.isnan(float(v)) for v in (fit.coef, fit.se, fit.t, fit.p))


def test_the_outlook_says_not_available_when_the_regression_does_not_converge(monkeypatch):
    real = outlook_module.regression_trend
    monkeypatch.setattr(outlook_module, "regression_trend",
                        lambda *a, **k: real(*a, **k, max_iterations=1))  # fmt: skip
    series = prc_like(np.round(100 * 1.05 ** np.arange(15)))
    result = trend_outlook(series, unit="rate_per_1000", settings=REGRESSION)
    assert result.word == "Not available" and result.slope is None and result.interval is None
    assert TrendDetail("not_converged") in result.details


def test_the_batch_gives_each_series_its_own_fit():
    rng = np.random.default_rng(21)
    batch = rng.poisson(np.linspace(2, 6, 12), (3, 12)).astype(float)
    batch[1] = SPARSE
    fits = regression_trend(batch, np.full(12, 1e6), QUARTERS, seasonal=True, cv=0.1, rho=0.6)
    for i in range(3):
        one = regression_trend(batch[i], np.full(12, 1e6), QUARTERS, seasonal=True,
                               cv=0.1, rho=0.6)  # fmt: skip
        assert fits.coef[i] == pytest.approx(float(one.coef), rel=1e-9)
        assert fits.p[i] == pytest.approx(float(one.p), rel=1e-9)


def test_plain_quasi_poisson_is_statsmodels_on_counts_that_need_no_adjustment():
    """firth=False on ordinary counts: exactly statsmodels' quasi-Poisson GLM."""
    rng = np.random.default_rng(22)
    y = rng.poisson(30 * np.tile([1.0, 1.1, 1.2, 0.9], 3)).astype(float)
    fit = regression_trend(y, np.ones(12), QUARTERS, seasonal=True, firth=False)
    glm = sm.GLM(y, quarter_dummies(12), family=sm.families.Poisson()).fit(scale="X2")
    assert float(fit.coef) == pytest.approx(glm.params[1], rel=1e-8)
    assert float(fit.se) == pytest.approx(glm.bse[1], rel=1e-8)


def test_the_interval_is_students_t_on_the_coefficient():
    y = np.array([40.0, 44, 52, 38, 45, 50, 57, 41, 47, 55, 61, 46])
    fit = regression_trend(y, np.ones(12), QUARTERS, seasonal=True, cv=0.1, rho=0.6)
    low, high = fit.interval(0.95)
    from scipy.stats import t as student_t

    half = student_t.ppf(0.975, 7) * float(fit.se)
    assert float(low) == pytest.approx(float(fit.coef) - half)
    assert float(high) == pytest.approx(float(fit.coef) + half)
    series = prc_like(np.r_[41.0, 47, 52, y], population=1.0)
    result = trend_outlook(series, unit="count", settings=REGRESSION)
    assert result.interval[0] < result.slope < result.interval[1]
    assert pd.notna(result.p_value)


def test_a_point_left_out_is_the_fit_without_it():
    """`left_out`, for the leave-one-out fits of a batch: the same fit as the series without the
    point (a variance so large that the working covariance's inverse has no row for it)."""
    rng = np.random.default_rng(23)
    y = rng.poisson(50 * np.tile([1.0, 1.1, 1.2, 0.9], 3)).astype(float)
    out = np.zeros((2, 12), dtype=bool)
    out[0, 4], out[1, 11] = True, True
    batch = regression_trend(np.stack([y, y]), np.ones(12), QUARTERS, seasonal=True, cv=0.1,
                             rho=0.6, left_out=out)  # fmt: skip
    for i, dropped in enumerate((4, 11)):
        keep = np.arange(12) != dropped
        alone = regression_trend(y[keep], np.ones(11), QUARTERS[keep], seasonal=True, cv=0.1,
                                 rho=0.6)  # fmt: skip
        assert batch.df == alone.df == 6
        assert batch.coef[i] == pytest.approx(float(alone.coef), rel=1e-6)
        assert batch.se[i] == pytest.approx(float(alone.se), rel=1e-6)
    with pytest.raises(ValueError, match="same number"):
        regression_trend(np.stack([y, y]), np.ones(12), QUARTERS, left_out=out & [[True], [False]])


def test_seasons_are_fitted_only_from_two_of_each_quarter_of_the_year():
    """Derbyshire's homicides at 2014-06, the first 6 quarters of the file: 0, 0, 2, 4, 2, 3.
    Before: quarter-of-year terms fitted two of the quarters exactly and the trend came from
    the rest, "Increasing", t = 84, +996% a year (interval +663% to +1,473%)."""
    counts = np.array([0.0, 0, 2, 4, 2, 3])
    population = np.full(6, 1.028e6)
    series = quarterly_series(counts, end="2014-06", count=counts, denominator=population,
                              raw_count=counts, raw_denominator=population)  # fmt: skip
    result = trend_outlook(series, unit="rate_per_1000", settings=REGRESSION)
    assert result.details == (TrendDetail("seasons_too_few", ("Q2", "Q3")),)
    x = np.column_stack([np.ones(6), (np.arange(6) - 2.5) / 4])
    beta, *_ = statsmodels_firth(counts, population, x)
    plain = regression_trend(counts, population, np.arange(-5, 1), cv=0.1, rho=0.6)
    assert result.slope == pytest.approx(math.expm1(float(plain.coef)), rel=1e-9)
    assert result.word == "Stable" and abs(result.statistic) < 5
    cv0 = regression_trend(counts, population, np.arange(-5, 1))
    assert float(cv0.coef) == pytest.approx(beta[1], rel=1e-6)
