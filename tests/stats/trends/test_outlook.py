"""`trend_outlook`: ceilings, gaps, the words and the arguments, for every
method.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from trend_series import (
    HAMED_RAO,
    RATE_RATIO,
    ROLLING,
    SEASONAL,
    SPC,
    detail,
    mann_kendall_by_hand,
    prc_like,
    quarterly_periods,
    quarterly_series,
)

from helpers.core.config import TrendSettings
from helpers.present.wording.trend_words import trend_explanation
from helpers.stats.trends import (
    TREND_WORDS,
    TrendResult,
    trend_outlook,
)


@pytest.mark.parametrize("settings", [ROLLING, HAMED_RAO, SPC])
def test_percent_at_100_throughout_is_stable_at_the_ceiling(settings):
    series = quarterly_series([100.0] * 12, raw_value=[100.0] * 12)
    assert trend_outlook(series, unit="percent", settings=settings).word == "Stable (100%)"
    # the same numbers as a count are simply unchanged
    assert trend_outlook(series, unit="count", settings=settings).word == "Stable"


def test_percent_at_100_in_both_years_for_the_rate_ratio():
    series = quarterly_series([100.0] * 5, count=[50] * 5, denominator=[50] * 5)
    assert trend_outlook(series, unit="percent", settings=RATE_RATIO).word == "Stable (100%)"


def test_not_at_the_ceiling_when_one_value_is_below_100():
    series = quarterly_series([100.0] * 11 + [99.0])
    assert trend_outlook(series, unit="percent", settings=HAMED_RAO).word != "Stable (100%)"


@pytest.mark.parametrize(("settings", "fewest"), [(ROLLING, 7), (HAMED_RAO, 5), (SPC, 5)])
def test_too_few_points_to_reach_significance_is_not_available(settings, fewest):
    rising, falling = np.arange(fewest, dtype=float), np.arange(fewest, 0.0, -1)
    enough = quarterly_series(rising, raw_value=falling)
    assert trend_outlook(enough, unit="count", settings=settings).word != "Not available"
    series = enough.iloc[1:]
    result = trend_outlook(series, unit="count", settings=settings)
    assert result.word == "Not available"
    assert detail(result, "too_few").numbers[:2] == (fewest - 1, fewest)
    assert result.n_points == fewest - 1


@pytest.mark.parametrize("settings", [ROLLING, HAMED_RAO, SPC, SEASONAL])
def test_a_gap_leaves_too_few_consecutive_points(settings):
    values = np.arange(12.0)
    values[7] = np.nan  # 4 consecutive points after the gap: too few for any rank or run test
    series = quarterly_series(values, raw_value=values)
    result = trend_outlook(series, unit="count", settings=settings)
    assert result.word == "Not available"
    assert detail(result, "gaps").periods == (str(quarterly_periods("2024-03", 12)[7]),)
    assert result.n_points == 4 and detail(result, "too_few").numbers[0] == 4


@pytest.mark.parametrize("settings", [ROLLING, HAMED_RAO, SPC])
def test_missing_period_in_the_window_is_a_gap(settings):
    series = quarterly_series(np.arange(12.0), raw_value=np.arange(12.0)).drop(index=7)
    result = trend_outlook(series, unit="count", settings=settings)
    assert result.word == "Not available"
    assert detail(result, "gaps").periods == (str(quarterly_periods("2024-03", 12)[7]),)


@pytest.mark.parametrize("settings", [ROLLING, HAMED_RAO, SPC, SEASONAL, RATE_RATIO])
def test_missing_latest_value_is_not_available(settings):
    values = 100 + np.arange(12.0)
    values[-1] = np.nan
    series = quarterly_series(values, raw_value=values, count=values, denominator=1000.0)
    result = trend_outlook(series, unit="count", settings=settings)
    assert result.word == "Not available"
    # The rate ratio names the two 12-month periods, one of them missing.
    assert {d.kind for d in result.details} & {"latest_missing", "count_missing"}


def test_rolling_test_after_a_gap_uses_the_points_since_it():
    values = 100 + np.array([0, 3, -2, 1, 4, 2, 6, 5, 9, 8, 12, 11], dtype=float)
    values[2] = np.nan
    result = trend_outlook(quarterly_series(values), unit="count", settings=ROLLING)
    after = values[3:]
    factor_9 = 1 + 2 / (9 * 8 * 7) * ((8 * 7 * 6) * 3 / 4 + (7 * 6 * 5) / 2 + (6 * 5 * 4) / 4)
    z, p = mann_kendall_by_hand(after, factor_9)
    assert result.n_points == 9
    assert result.statistic == pytest.approx(z) and result.p_value == pytest.approx(p)
    assert detail(result, "latest_run").numbers == (9,)


def test_words_and_arguments():
    assert set(TREND_WORDS) == {
        "Increasing", "Reducing", "Decreasing", "Stable", "Stable (100%)", "Not available"
    }  # fmt: skip
    with pytest.raises(ValueError):
        TrendResult("Rising", "spc", None, None, None, 0)
    series = quarterly_series(np.arange(12.0))
    with pytest.raises(ValueError, match="down_word"):
        trend_outlook(series, unit="count", settings=HAMED_RAO, down_word="Falling")
    with pytest.raises(ValueError, match="frequency"):
        trend_outlook(series, unit="count", settings=HAMED_RAO, frequency_months=2)
    with pytest.raises(ValueError, match="more than once"):
        trend_outlook(pd.concat([series, series.tail(1)]), unit="count", settings=HAMED_RAO)


def test_no_explanation_hard_codes_reducing():
    falling = prc_like(np.round(400 * 0.8 ** (np.arange(15) / 4)))
    methods = ("mann_kendall_rolling", "mann_kendall_hamed_rao", "seasonal_mann_kendall",
               "rate_ratio", "spc", "quasi_poisson", "regression_ar1")  # fmt: skip
    for method in methods:
        settings = TrendSettings(method=method)
        for series in (falling, falling.iloc[-4:]):
            result = trend_outlook(series, unit="rate_per_1000", settings=settings,
                                   down_word="Decreasing")  # fmt: skip
            assert "Reducing" not in trend_explanation(SimpleNamespace(trend=result))
            assert result.word in ("Decreasing", "Stable", "Not available")
