"""An exceptional quarter (a mass-casualty incident) is found, left out of the trend test and
named; ordinary quarters are left in; the tail probability is checked by direct integration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.stats import norm, poisson
from trend_series import REGRESSION, prc_like

from helpers.core.config import TrendSettings
from helpers.stats.trends import quarter_tails, regression_trend, trend_outlook
from helpers.stats.trends.exceptional import _tail
from helpers.stats.trends.regression import size_corrected

# A force's homicides: about 4 a quarter, with 31 in the quarter ending December 2021 (Q3
# 2021/22), a mass-casualty incident. 15 quarters: 12 in the window ending March 2024 plus 3.
USUAL = np.array([4, 3, 5, 4, 3, 5, 4, 6, 3, 4, 5, 3, 4, 5, 4], dtype=float)
SPIKE_AT = 2  # the window's 3rd quarter: December 2021


def spiked(values=USUAL, at=SPIKE_AT, count=31.0):
    counts = values.copy()
    counts[3 + at] = count
    return counts


def test_a_mass_casualty_quarter_is_left_out_of_the_test_and_named():
    counts = spiked()
    result = trend_outlook(prc_like(counts), unit="rate_per_1000", settings=REGRESSION)
    assert result.exceptional is not None
    assert result.exceptional.period == pd.Period("2021-12", "M")
    assert result.exceptional.count == 31
    assert 3 < result.exceptional.usual < 5.5
    assert result.n_points == 11 and pd.Period("2021-12", "M") not in result.tested
    # The test is the regression on the other 11 quarters.
    keep = np.arange(12) != SPIKE_AT
    fit = regression_trend(counts[3:][keep], np.full(11, 1.7e6), np.arange(-11, 1)[keep],
                           seasonal=True, cv=0.1, rho=0.6, min_scale=1.0)  # fmt: skip
    t, _ = size_corrected(fit, 0.05, TrendSettings().test_alpha)
    assert result.statistic == pytest.approx(float(t), rel=1e-9)


def test_one_quarter_no_longer_decides_the_word_wherever_it_sits():
    """Before: 100 homicides in one quarter of a flat series of about 4 made it Reducing with
    the spike early in the window (p = 0.048) and Increasing with it late (p = 0.049), though
    nothing else changed. Plain quasi-Poisson does the same: it is the model."""
    flat = np.tile([4.0, 4, 5, 4], 4)[:15]
    words = set()
    for at in (1, 10):
        result = trend_outlook(prc_like(spiked(flat, at, 100.0)), unit="rate_per_1000",
                               settings=REGRESSION)  # fmt: skip
        assert result.exceptional is not None and result.exceptional.count == 100
        assert result.word == "Stable" and result.p_value > 0.5
        unguarded = trend_outlook(prc_like(spiked(flat, at, 100.0)), unit="rate_per_1000",
                                  settings=TrendSettings(exceptional_p=0))  # fmt: skip
        assert unguarded.exceptional is None
        words.add(unguarded.word)
    assert words == {"Reducing", "Increasing"}, "the spike alone decides the unguarded word"


def test_ordinary_quarters_are_left_in():
    rng = np.random.default_rng(31)
    season = np.tile([1.0, 1.1, 1.2, 0.9], 4)[:15]
    for level in (2, 40, 2000):
        for _ in range(5):
            counts = rng.poisson(level * season).astype(float)
            result = trend_outlook(prc_like(counts), unit="rate_per_1000", settings=REGRESSION)
            assert result.exceptional is None, counts


def test_the_tail_is_poisson_over_a_log_normal_mean_by_quadrature():
    """Against scipy's adaptive quadrature over the log-normal density, written out."""
    cases = [(31.0, 4.0, 0.05), (12.0, 4.0, 0.3), (0.0, 20.0, 0.1), (900.0, 500, 0.04),
             (6500.0, 5000, 0.01), (3900.0, 5000, 0.004)]  # fmt: skip
    for y, mu, extra in cases:
        sigma = np.sqrt(np.log1p(extra))
        above = y > mu

        def integrand(z, y=y, mu=mu, sigma=sigma, above=above):
            mean = mu * np.exp(sigma * z - sigma**2 / 2)
            tail = poisson.sf(y - 1, mean) if above else poisson.cdf(y, mean)
            return tail * norm.pdf(z)

        expected = integrate.quad(integrand, -12, 12, epsabs=1e-15, limit=500, points=[0])[0]
        got = _tail(np.array([y]), np.array([mu]), np.array([extra]))[0]
        assert got == pytest.approx(expected, rel=1e-4, abs=1e-12)
    pure = _tail(np.array([9.0]), np.array([3.0]), np.array([0.0]))[0]
    assert pure == pytest.approx(poisson.sf(8, 3.0))


def test_quarter_tails_compare_each_quarter_with_the_fit_of_the_others():
    counts = spiked()[3:]
    tails = quarter_tails(counts, np.ones(12), np.arange(-11, 1), seasonal=True, cv=0.1, rho=0.6)
    index, p = tails.most_exceptional()
    assert int(index) == SPIKE_AT and float(p) < 1e-4
    # The usual count is the fit of the other 11 quarters at the spike's quarter.
    keep = np.arange(12) != SPIKE_AT
    fit = regression_trend(counts[keep], np.ones(11), np.arange(-11, 1)[keep], seasonal=True,
                           cv=0.1, rho=0.6)  # fmt: skip
    quarters = np.arange(-11, 1)[keep]
    years = (-11 + SPIKE_AT - (quarters.min() + quarters.max()) / 2) / 4
    of_year = sorted(set((quarters % 4).tolist()))
    row = np.r_[1.0, years, [float(s == (-11 + SPIKE_AT) % 4) for s in of_year[1:]]]
    assert tails.usual[SPIKE_AT] == pytest.approx(np.exp(fit.beta @ row), rel=1e-6)


def test_a_quarter_among_wandering_quarters_is_judged_against_their_own_spread():
    """The same 400 against a usual 200 is exceptional among quarters that keep to 200, not
    among quarters that wander by a third (more than the noise allowed for): the others' robust
    dispersion about their fit widens the tail."""
    smooth = np.full(12, 200.0)
    wander = 200 * np.array([1.0, 1.35, 0.7, 1.0, 0.65, 1.3, 1.0, 0.7, 1.4, 1.0, 0.75, 1.3])
    for others in (smooth, wander):
        others[6] = 400.0
    tails = quarter_tails(np.stack([smooth, wander]), np.ones(12), np.arange(-11, 1),
                          seasonal=False, cv=0.1, rho=0.6)  # fmt: skip
    assert tails.p_value[0, 6] < 1e-6
    assert tails.p_value[1, 6] > 100 * tails.p_value[0, 6] and tails.p_value[1, 6] > 1e-4
