"""The trend regressions against statsmodels' quasi-Poisson and quasi-binomial GLMs, and the
working covariance's estimating equations solved independently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize
from scipy.stats import t as student_t
from trend_series import (
    FACTOR_12_QUARTERS,
    QUASI_POISSON,
    REGRESSION,
    mann_kendall_by_hand,
    prc_like,
    quarter_dummies,
    quarterly_series,
    rolled,
    statsmodels_firth,
    statsmodels_quasi_poisson,
)

from helpers.stats.trends import (
    TrendDetail,
    regression_trend,
    trend_outlook,
    working_correlations,
)


def test_regression_trend_is_statsmodels_quasi_poisson_without_working_covariance():
    rng = np.random.default_rng(11)
    y = rng.poisson(40 * 1.03 ** np.arange(12) * np.tile([1.0, 1.1, 1.2, 0.9], 3)).astype(float)
    population = np.linspace(1.0e6, 1.02e6, 12)
    fit = regression_trend(y, population, np.arange(-11, 1), seasonal=True, firth=False)
    x = quarter_dummies(12)
    expected, p = statsmodels_quasi_poisson(y, population, x)
    assert fit.df == 12 - 5 == expected.df_resid
    assert fit.coef == pytest.approx(expected.params[1], rel=1e-8)
    assert fit.se == pytest.approx(expected.bse[1], rel=1e-8)
    assert fit.scale == pytest.approx(expected.scale, rel=1e-8)
    assert fit.p == pytest.approx(p, rel=1e-8)


def test_regression_trend_is_statsmodels_quasi_binomial_without_working_covariance():
    rng = np.random.default_rng(12)
    trials = rng.integers(150, 300, 12).astype(float)
    agree = rng.binomial(trials.astype(int), np.linspace(0.6, 0.7, 12)).astype(float)
    fit = regression_trend(agree, trials, np.arange(-11, 1), family="binomial", firth=False)
    x = np.column_stack([np.ones(12), (np.arange(12) - 5.5) / 4])
    expected = sm.GLM(agree / trials, x, family=sm.families.Binomial(), var_weights=trials).fit(
        scale="X2"
    )
    assert fit.coef == pytest.approx(expected.params[1], rel=1e-8)
    assert fit.se == pytest.approx(expected.bse[1], rel=1e-8)
    assert fit.p == pytest.approx(2 * student_t.sf(abs(expected.tvalues[1]), 10), rel=1e-8)


def test_working_correlations_by_counting_shared_quarters():
    shared, wander = working_correlations(np.array([0, 1, 2, 5]), span=4, rho=0.5)
    # Points 0 and 1 share quarters -2, -1, 0 (3 of 4); 0 and 5 share none.
    assert shared[0, 1] == pytest.approx(3 / 4) and shared[0, 2] == pytest.approx(2 / 4)
    assert shared[0, 3] == 0 and np.allclose(np.diag(shared), 1)
    # wander[0, 3]: the mean of 0.5^|q - r| over q in -3..0 and r in 2..5, by loops.
    by_hand = np.mean([0.5 ** abs(q - r) for q in range(-3, 1) for r in range(2, 6)])
    assert wander[0, 3] == pytest.approx(by_hand)
    single, ar = working_correlations(np.array([0, 1, 3]), span=1, rho=0.6)
    assert np.allclose(single, np.eye(3)) and ar[0, 2] == pytest.approx(0.6**3)


def test_regression_with_working_covariance_solves_its_estimating_equations():
    """The AR(1) working covariance fit, checked by solving D' V^-1 (y - mu) = 0 with scipy's
    root finder on matrices written out element by element, and its standard error and t-test
    worked out from them."""
    rng = np.random.default_rng(13)
    y = rng.poisson(300 * 1.02 ** np.arange(12) * np.tile([1.0, 1.1, 1.2, 0.9], 3)).astype(float)
    population = np.full(12, 1.5e6)
    quarters = np.arange(-11, 1)
    fit = regression_trend(y, population, quarters, seasonal=True, rho=0.6, cv=0.08, firth=False)
    x = quarter_dummies(12)

    def covariance(beta):
        mu = population * np.exp(x @ beta)
        v = np.empty((12, 12))
        for i in range(12):
            for j in range(12):
                v[i, j] = (mu[i] if i == j else 0) + 0.08**2 * mu[i] * mu[j] * 0.6 ** abs(i - j)
        return mu, v

    def equations(beta):
        mu, v = covariance(beta)
        return (mu[:, None] * x).T @ np.linalg.solve(v, y - mu)

    start = np.r_[np.log(y.mean() / 1.5e6), np.zeros(4)]
    beta = optimize.root(equations, start, tol=1e-12).x
    mu, v = covariance(beta)
    d = mu[:, None] * x
    scale = (y - mu) @ np.linalg.solve(v, y - mu) / 7
    se = np.sqrt(scale * np.linalg.inv(d.T @ np.linalg.solve(v, d))[1, 1])
    assert fit.coef == pytest.approx(beta[1], rel=1e-6)
    assert fit.se == pytest.approx(se, rel=1e-6)
    assert fit.p == pytest.approx(2 * student_t.sf(abs(beta[1] / se), 7), rel=1e-6)
    plain = regression_trend(y, population, quarters, seasonal=True)
    assert fit.se > plain.se, "persistent variation should widen the interval"


def test_quasi_poisson_outlook_fits_the_last_12_quarters_own_counts():
    rng = np.random.default_rng(14)
    raw = rng.poisson(60 * 1.04 ** (np.arange(20) / 4) * np.tile([1.0, 1.1, 1.2, 0.9], 5))
    series = prc_like(raw)
    result = trend_outlook(series, unit="rate_per_1000", settings=QUASI_POISSON)
    beta, _, t, p = statsmodels_firth(raw[-12:].astype(float), np.full(12, 1.7e6),
                                      quarter_dummies(12))  # fmt: skip
    assert result.n_points == 12
    assert result.statistic == pytest.approx(t[1], rel=1e-7)
    assert result.p_value == pytest.approx(p[1], rel=1e-7)
    assert result.slope == pytest.approx(np.expm1(beta[1]), rel=1e-7)
    assert result.word == ("Increasing" if p[1] < 0.05 else "Stable")


def test_regression_leaves_out_missing_quarters_and_says_so():
    rng = np.random.default_rng(15)
    raw = rng.poisson(80 * 0.93 ** (np.arange(16) / 4) * np.tile([1.0, 1.1, 1.2, 0.9], 4))
    series = prc_like(raw)  # 13 rolling points: the window is the last 12
    gap = series.index[-12 + 5]
    series.loc[gap, ["value", "count", "raw_value", "raw_count"]] = np.nan
    result = trend_outlook(series, unit="rate_per_1000", settings=QUASI_POISSON)
    keep = np.ones(12, dtype=bool)
    keep[5] = False
    *_, p = statsmodels_firth(raw[-12:][keep].astype(float), np.full(11, 1.7e6),
                              quarter_dummies(12)[keep])  # fmt: skip
    assert result.n_points == 11
    assert result.p_value == pytest.approx(p[1], rel=1e-7)
    assert TrendDetail("missing", (str(series.loc[gap, "period"]),)) in result.details


def test_regression_on_percentages_uses_the_quarters_numerators_and_denominators():
    rng = np.random.default_rng(16)
    trials = rng.integers(80, 120, 15).astype(float)
    agree = rng.binomial(trials.astype(int), np.linspace(0.75, 0.6, 15)).astype(float)
    series = quarterly_series(
        100 * rolled(agree, 4) / rolled(trials, 4),
        count=rolled(agree, 4),
        denominator=rolled(trials, 4),
        raw_count=agree[3:],
        raw_denominator=trials[3:],
    )
    result = trend_outlook(series, unit="percent", settings=QUASI_POISSON, down_word="Decreasing")
    x = np.column_stack([np.ones(12), (np.arange(12) - 5.5) / 4])
    *_, t, _ = statsmodels_firth(agree[3:], trials[3:], x, family="binomial")
    assert result.statistic == pytest.approx(t[1], rel=1e-7)
    assert result.word == ("Decreasing" if result.p_value < 0.05 else "Stable")
    assert result.p_value < 0.05, "the constructed fall should be significant"


def test_regression_on_year_ending_survey_estimates_allows_for_shared_months():
    """CSEW-like: only 12-month figures, no quarters. The working covariance of figures a
    quarter apart shares 3 of 4 quarters' respondents; without it the same data look surer."""
    rng = np.random.default_rng(17)
    respondents = np.full(15, 150.0)
    agree = rng.binomial(150, np.linspace(0.75, 0.60, 15)).astype(float)
    count, trials = rolled(agree, 4), rolled(respondents, 4)
    series = quarterly_series(100 * count / trials, count=count, denominator=trials)
    result = trend_outlook(series, unit="percent", settings=QUASI_POISSON, down_word="Decreasing")
    x = np.column_stack([np.ones(12), (np.arange(12) - 5.5) / 4])
    independent = sm.GLM(count / trials, x, family=sm.families.Binomial(), var_weights=trials)
    naive = independent.fit(scale="X2")
    assert result.n_points == 12 and result.basis == "12-month figures"
    standard_error = np.log1p(result.slope) / result.statistic
    assert standard_error > 1.3 * naive.bse[1]


def test_regression_for_a_ratio_falls_back_to_the_rolling_mann_kendall():
    values = 1.5 + 0.1 * np.arange(12.0)
    result = trend_outlook(quarterly_series(values), unit="ratio", settings=REGRESSION)
    z, p = mann_kendall_by_hand(values, FACTOR_12_QUARTERS)
    assert result.method == "mann_kendall_rolling"
    assert result.details == (TrendDetail("fallback", ("ratio",)),)
    assert result.statistic == pytest.approx(z) and result.p_value == pytest.approx(p)


def test_regression_with_no_events_is_stable_and_a_fall_takes_the_down_word():
    zeros = prc_like(np.zeros(15))
    assert trend_outlook(zeros, unit="rate_per_1000", settings=REGRESSION).word == "Stable"
    falling = prc_like(np.round(400 * 0.8 ** (np.arange(15) / 4)))
    for down_word in ("Reducing", "Decreasing"):
        result = trend_outlook(falling, unit="rate_per_1000", settings=REGRESSION,
                               down_word=down_word)  # fmt: skip
        assert result.word == down_word


def test_regression_on_a_monthly_source_fits_the_quarters_sums_of_months():
    rng = np.random.default_rng(18)
    months = rng.poisson(30 * 1.1 ** (np.arange(48) / 12)).astype(float)
    periods = pd.period_range(end="2024-03", periods=48, freq="M")
    series = pd.DataFrame({"period": periods, "value": np.nan, "raw_count": months})
    series.loc[11:, "value"] = rolled(months, 12)
    series["count"] = series["value"]
    series.loc[40, "raw_count"] = np.nan  # August 2023: its quarter (Q ending September) is out
    result = trend_outlook(series, unit="count", settings=QUASI_POISSON, frequency_months=1)
    quarters = months[-36:].reshape(12, 3).sum(axis=1)
    keep = np.ones(12, dtype=bool)
    keep[(40 - 12) // 3] = False
    *_, p = statsmodels_firth(quarters[keep], np.ones(11), quarter_dummies(12)[keep])
    assert result.n_points == 11 and TrendDetail("missing", ("2023-09",)) in result.details
    assert result.p_value == pytest.approx(p[1], rel=1e-7)
