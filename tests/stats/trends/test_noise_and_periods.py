"""The quarter noise the regression allows for (given, or the settings' working values) and the
exceptional periods (lockdowns) a window holds."""

from __future__ import annotations

import numpy as np
import pytest
from trend_series import QUASI_POISSON, REGRESSION, prc_like

from helpers.core.config import ExceptionalPeriod, TrendSettings, load_settings
from helpers.core.exceptions import ConfigError
from helpers.stats.trends import TrendNoise, regression_trend, trend_outlook
from helpers.stats.trends.regression import size_corrected

RNG = np.random.default_rng(41)
COUNTS = RNG.poisson(300 * np.tile([1.0, 1.1, 1.2, 0.9], 4)[:15]).astype(float)
LOCKDOWN = ExceptionalPeriod("the COVID-19 lockdowns", "2020-04", "2021-03", "crime fell")


def fitted(cv: float, rho: float, ar1: bool = True) -> float:
    """The t statistic of the regression on the last 12 quarters; `ar1`: with regression_ar1's
    size correction (scale floored at 1, t's critical value at the calibrated level)."""
    settings = TrendSettings()
    fit = regression_trend(
        COUNTS[3:], np.full(12, 1.7e6), np.arange(-11, 1), seasonal=True, cv=cv, rho=rho,
        min_scale=settings.min_scale if ar1 else 0.0,
    )  # fmt: skip
    if not ar1:
        return float(fit.t)
    return float(size_corrected(fit, settings.alpha, settings.test_alpha)[0])


def test_the_noise_given_is_the_noise_the_regression_allows_for():
    noise = TrendNoise(0.25, 0.9, "43 forces, 2015/16 to 2019/20")
    result = trend_outlook(prc_like(COUNTS), unit="rate_per_1000", settings=REGRESSION,
                           noise=noise)  # fmt: skip
    assert result.noise == noise
    assert result.statistic == pytest.approx(fitted(0.25, 0.9), rel=1e-9)


def test_without_an_estimate_the_settings_working_noise_is_used():
    settings = TrendSettings(working_cv=0.2, working_rho=0.3)
    result = trend_outlook(prc_like(COUNTS), unit="rate_per_1000", settings=settings)
    assert (result.noise.cv, result.noise.rho) == (0.2, 0.3)
    assert result.statistic == pytest.approx(fitted(0.2, 0.3), rel=1e-9)
    default = trend_outlook(prc_like(COUNTS), unit="rate_per_1000", settings=REGRESSION)
    assert default.statistic == pytest.approx(fitted(0.10, 0.6), rel=1e-9)


def test_plain_quasi_poisson_allows_for_no_quarter_noise_whatever_is_given():
    result = trend_outlook(prc_like(COUNTS), unit="rate_per_1000", settings=QUASI_POISSON,
                           noise=TrendNoise(0.25, 0.9, "panel"))  # fmt: skip
    assert result.noise is None
    assert result.statistic == pytest.approx(fitted(0.0, 0.0, ar1=False), rel=1e-9)


@pytest.mark.parametrize(
    ("end", "held"),
    [("2022-03", True), ("2021-06", True), ("2023-12", True), ("2024-06", False)],
)
def test_the_result_names_the_exceptional_periods_its_window_holds(end, held):
    settings = TrendSettings(exceptional_periods=(LOCKDOWN,))
    result = trend_outlook(prc_like(COUNTS, end=end), unit="rate_per_1000", settings=settings)
    # 12 quarters ending March 2024 start in April 2021: the lockdown year has just left.
    assert result.periods_in_window == ((LOCKDOWN,) if held else ())


def test_the_settings_list_the_lockdown_year_and_reject_a_malformed_period():
    periods = load_settings().trend.exceptional_periods
    assert any(p.first == "2020-04" and p.last == "2021-03" and p.reason for p in periods)
    with pytest.raises(ConfigError, match="2020-13"):
        TrendSettings(exceptional_periods=({"name": "x", "first": "2020-13", "last": "2021-03",
                                            "reason": "y"},))  # fmt: skip
    with pytest.raises(ConfigError, match="needs exactly"):
        TrendSettings(exceptional_periods=({"name": "x", "first": "2020-04"},))
