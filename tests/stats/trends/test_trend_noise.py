"""fit_trend_noise: the quarter effect's cv and rho from a panel, against statsmodels where the
two share a case and against simulated panels of known noise."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.tsa.stattools import acf

from helpers.stats.trends.noise import CV_BOUNDS, RHO_BOUNDS, fit_trend_noise, fitted_means

SEASON = np.array([0.93, 1.04, 1.08, 0.95])


def simulated_panel(rng, panels, forces, quarters, level, cv, rho, growth=0.03):
    """Poisson counts around level x season x trend x exp(e), e a stationary Gaussian AR(1)
    with lag-1 correlation rho and exp(e) of mean 1 and coefficient of variation cv."""
    sd = np.sqrt(np.log1p(cv**2))
    e = np.empty((panels, forces, quarters))
    e[..., 0] = rng.standard_normal((panels, forces)) * sd
    for t in range(1, quarters):
        e[..., t] = rho * e[..., t - 1] + np.sqrt(1 - rho**2) * sd * rng.standard_normal(
            (panels, forces)
        )
    t = np.arange(quarters)
    mean = level * SEASON[t % 4] * (1 + growth) ** (t / 4) * np.exp(e - sd**2 / 2)
    return rng.poisson(mean).astype(float)


def test_fitted_means_are_statsmodels_glm_with_offset():
    rng = np.random.default_rng(1)
    q = np.arange(20)
    exposure = 1e5 * (1 + 0.01 * q)
    y = rng.poisson(30 * SEASON[q % 4] * exposure / 1e5).astype(float)
    y[5] = np.nan
    ours = fitted_means(y, exposure, q)
    keep = np.isfinite(y)
    x = np.column_stack([np.ones(20), q / 4] + [(q % 4 == k).astype(float) for k in (1, 2, 3)])
    model = sm.GLM(y[keep], x[keep], family=sm.families.Poisson(), offset=np.log(exposure[keep]))
    np.testing.assert_allclose(ours[keep], model.fit().fittedvalues, rtol=1e-7)
    assert np.isnan(ours[5])


def test_fitted_means_binomial_are_statsmodels_glm():
    rng = np.random.default_rng(2)
    q = np.arange(16)
    trials = rng.integers(50, 200, size=16).astype(float)
    y = rng.binomial(trials.astype(int), 0.7).astype(float)
    ours = fitted_means(y, trials, q, family="binomial", seasonal=False)
    x = np.column_stack([np.ones(16), q / 4])
    endog = np.column_stack([y, trials - y])
    fit = sm.GLM(endog, x, family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(ours, fit.predict(x) * trials, rtol=1e-7)


def test_cv_squared_agrees_with_statsmodels_negative_binomial_alpha():
    """Independent quarters (rho 0) of a gamma-Poisson mixture: Var = mu + alpha mu^2 exactly,
    so cv^2 is statsmodels' NB2 alpha (maximum likelihood; one level and season for all
    forces, as simulated, where ours fits each force's level, trend and season)."""
    rng = np.random.default_rng(3)
    forces, quarters, alpha = 40, 40, 0.04
    mu = np.broadcast_to(80 * SEASON[np.arange(quarters) % 4], (forces, quarters))
    y = rng.poisson(mu * rng.gamma(1 / alpha, alpha, size=mu.shape)).astype(float)
    ours = fit_trend_noise(y[None], 1.0, np.arange(quarters))
    of_year = np.tile(np.arange(quarters) % 4, forces)
    x = np.column_stack([np.ones(of_year.size)] + [of_year == k for k in (1, 2, 3)]).astype(float)
    nb = sm.NegativeBinomial(y.ravel(), x, loglike_method="nb2").fit(disp=0, maxiter=200)
    sm_alpha = nb.params[-1]
    assert abs(sm_alpha - alpha) < 0.012  # statsmodels itself recovers the truth
    assert float(ours.cv[0]) ** 2 == pytest.approx(sm_alpha, rel=0.15)
    assert float(ours.rho[0]) < 0.2


def test_rho_agrees_with_statsmodels_acf_on_a_long_series():
    """A long series of large counts: the lag-1 autocorrelation of the GLM's Pearson residuals
    (statsmodels' acf) is the quarter effect's rho, up to the Poisson part and O(1/T)."""
    rng = np.random.default_rng(4)
    y = simulated_panel(rng, 1, 1, 400, 1e6, 0.10, 0.6, growth=0.0)
    ours = fit_trend_noise(y, 1.0, np.arange(400))
    q = np.arange(400)
    x = np.column_stack([np.ones(400), q / 4] + [(q % 4 == k).astype(float) for k in (1, 2, 3)])
    resid = sm.GLM(y[0, 0], x, family=sm.families.Poisson()).fit().resid_pearson
    assert float(ours.rho[0]) == pytest.approx(acf(resid, nlags=1)[1], abs=0.03)
    assert float(ours.cv[0]) == pytest.approx(np.std(resid) / np.sqrt(1e6), rel=0.05)


@pytest.mark.parametrize(
    ("level", "cv", "rho"),
    [(50, 0.15, 0.5), (500, 0.10, 0.3), (500, 0.20, 0.7), (5000, 0.08, 0.8)],
)
def test_recovers_the_noise_of_simulated_panels(level, cv, rho):
    """43 forces x 32 quarters with known noise: the mean over 30 panels is within 10% of cv and
    0.06 of rho (the detrending's bias is allowed for, not left in)."""
    rng = np.random.default_rng(5)
    y = simulated_panel(rng, 30, 43, 32, level, cv, rho)
    fit = fit_trend_noise(y, 1.0, np.arange(32), block_quarters=16)
    assert np.mean(fit.cv) == pytest.approx(cv, rel=0.10)
    assert np.mean(fit.rho) == pytest.approx(rho, abs=0.06)
    assert fit.cv.shape == (30,)


def test_pure_poisson_gives_almost_no_extra_variation():
    rng = np.random.default_rng(6)
    y = simulated_panel(rng, 20, 43, 32, 500, 0.0, 0.0)
    fit = fit_trend_noise(y, 1.0, np.arange(32))
    assert np.all(fit.cv < 0.02)


def test_a_few_events_a_quarter_carry_little_information():
    rng = np.random.default_rng(7)
    small = fit_trend_noise(simulated_panel(rng, 1, 43, 32, 2, 0.15, 0.5), 1.0, np.arange(32))
    large = fit_trend_noise(simulated_panel(rng, 1, 43, 32, 500, 0.15, 0.5), 1.0, np.arange(32))
    assert small.information[0] < large.information[0] / 100


def test_one_exceptional_quarter_or_one_broken_force_does_not_set_the_noise():
    rng = np.random.default_rng(8)
    y = simulated_panel(rng, 1, 43, 32, 200, 0.10, 0.5)
    clean = fit_trend_noise(y, 1.0, np.arange(32))
    y[0, 3, 20] *= 8  # a mass-casualty quarter in one force
    y[0, 7, 16:] *= 2  # a force whose recording doubled
    spoilt = fit_trend_noise(y, 1.0, np.arange(32))
    assert spoilt.cv[0] == pytest.approx(clean.cv[0], abs=0.01)
    assert spoilt.rho[0] == pytest.approx(clean.rho[0], abs=0.1)
    assert spoilt.series[0] < clean.series[0]


def test_gaps_and_bounds():
    rng = np.random.default_rng(9)
    y = simulated_panel(rng, 1, 43, 32, 300, 0.9, 0.99)  # far beyond a quarter-to-quarter wander
    y[0, :, 10:14] = np.nan
    fit = fit_trend_noise(y, 1.0, np.arange(32))
    assert CV_BOUNDS[0] <= fit.cv[0] <= CV_BOUNDS[1]
    assert RHO_BOUNDS[0] <= fit.rho[0] <= RHO_BOUNDS[1]
    empty = fit_trend_noise(np.full((1, 3, 20), np.nan), 1.0, np.arange(20))
    assert np.isnan(empty.cv[0]) and empty.series[0] == 0


def test_quarters_must_be_consecutive():
    with pytest.raises(ValueError, match="consecutive"):
        fit_trend_noise(np.ones((2, 4)), 1.0, np.array([0, 1, 3, 4]))
