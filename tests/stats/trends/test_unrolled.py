"""Tests of the un-rolled values: seasonal Mann-Kendall against pymannkendall, and the SPC (XmR)
rules on constructed series whose limits are worked out in the test, each built to fire
exactly one rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymannkendall as mk
import pytest
from trend_series import (
    RULE_CODES,
    RULE_PHRASES,
    SEASONAL,
    SPC,
    SPC_CASES,
    detail,
    limits,
    quarterly_series,
    rolled,
    rules_at_last_point_by_hand,
    spc_series,
)

from helpers.core.config import TrendSettings
from helpers.stats.trends import trend_outlook


def test_seasonal_matches_pymannkendall_quarterly():
    rng = np.random.default_rng(3)
    raw = rng.poisson([30, 50, 45, 25] * 6) + np.repeat(np.arange(6), 4) * 3
    series = quarterly_series(rolled(raw, 4), raw_value=raw[3:])
    result = trend_outlook(series, unit="count", settings=SEASONAL)
    expected = mk.seasonal_test(raw[3:][-12:].astype(float), period=4)
    assert result.n_points == 12
    assert result.statistic == pytest.approx(expected.z)
    assert result.p_value == pytest.approx(expected.p)
    assert result.slope == pytest.approx(expected.slope)


def test_seasonal_matches_pymannkendall_monthly():
    rng = np.random.default_rng(4)
    raw = rng.poisson(np.tile(np.linspace(10, 30, 12), 5)).astype(float)
    periods = pd.period_range(end="2024-03", periods=len(raw), freq="M")
    series = pd.DataFrame({"period": periods, "value": np.nan, "raw_value": raw})
    series.loc[11:, "value"] = rolled(raw, 12)
    result = trend_outlook(series, unit="count", settings=SEASONAL, frequency_months=1)
    expected = mk.seasonal_test(raw[-36:], period=12)
    assert result.n_points == 36
    assert result.statistic == pytest.approx(expected.z)
    assert result.p_value == pytest.approx(expected.p)


def test_seasonal_needs_raw_values_and_enough_quarters():
    series = quarterly_series(np.arange(12.0))
    assert trend_outlook(series, unit="count", settings=SEASONAL).word == "Not available"
    short = quarterly_series(np.arange(9.0), raw_value=np.arange(9.0))
    result = trend_outlook(short, unit="count", settings=SEASONAL)
    assert result.word == "Not available" and detail(result, "too_few").numbers[1] == 10


@pytest.mark.parametrize("rule", RULE_PHRASES)
def test_spc_each_constructed_series_fires_exactly_its_rule(rule):
    values = SPC_CASES[rule]
    assert rules_at_last_point_by_hand(values) == {rule}, "the constructed series is wrong"
    settings = TrendSettings(method="spc", window_quarters=len(values))
    result = trend_outlook(spc_series(values), unit="count", settings=settings)
    assert result.word == "Increasing"
    assert result.statistic is None and result.p_value is None
    assert detail(result, "special_cause").periods == (RULE_CODES[rule],)


@pytest.mark.parametrize(
    "values",
    [
        [9, 10, 9, 10, 9, 10, 9, 10, 11, 12, 11, 12, 11, 12],  # 6 above the mean, not 7
        [12, 8, 12, 8, 12, 8, 12, 9.5, 10, 10.5, 11, 11.5, 12],  # 6 rising, not 7
    ],
)
def test_spc_six_in_a_row_is_not_special_cause(values):
    assert rules_at_last_point_by_hand(values) == set()
    settings = TrendSettings(method="spc", window_quarters=len(values))
    assert trend_outlook(spc_series(values), unit="count", settings=settings).word == "Stable"


def test_spc_fall_uses_the_down_word_and_stable_without_special_cause():
    falling = [-v for v in SPC_CASES["on one side of the mean"]]
    settings = TrendSettings(method="spc", window_quarters=len(falling))
    result = trend_outlook(spc_series(falling), unit="percent", settings=settings,
                           down_word="Decreasing")  # fmt: skip
    assert result.word == "Decreasing"
    assert detail(result, "special_cause").numbers == (-1.0,)
    steady = trend_outlook(spc_series([10, 11] * 6), unit="count", settings=SPC)
    assert steady.word == "Stable"


def test_spc_special_cause_must_include_the_latest_point():
    # A jump 3 points back is beyond the limits, but the series has returned since.
    values = [10, 11] * 5 + [30, 10, 11, 10]
    settings = TrendSettings(method="spc", window_quarters=len(values))
    _, upper, _, _ = limits(values)
    assert values[-4] > upper
    assert trend_outlook(spc_series(values), unit="count", settings=settings).word == "Stable"


def test_spc_charts_the_raw_values_not_the_rolling_figure():
    beyond = SPC_CASES["beyond the process limits"]
    flat_rolling = spc_series(beyond)  # rolling figure flat at 40: no special cause there
    settings = TrendSettings(method="spc", window_quarters=len(beyond))
    assert trend_outlook(flat_rolling, unit="count", settings=settings).word == "Increasing"
    # A rolling figure rising for 7 quarters (a special cause on its own) over raw values that
    # only alternate: Stable, as the raw values show no special cause.
    alternating = [10.0, 11.0] * 6
    assert rules_at_last_point_by_hand(alternating) == set()
    rising = quarterly_series(np.r_[[40.0] * 5, 41:48], raw_value=alternating)
    assert "rising or falling" in rules_at_last_point_by_hand(list(rising["value"]))
    assert trend_outlook(rising, unit="count", settings=SPC).word == "Stable"


def test_spc_monthly_source_charts_each_month_of_the_window():
    # 36 months to March 2024 alternate; the last month jumps beyond the limits.
    months = np.r_[[10.0, 11.0] * 20, [10.0, 11.0, 10.0, 30.0]][-38:]
    periods = pd.period_range(end="2024-03", periods=len(months), freq="M")
    series = pd.DataFrame({"period": periods, "value": 150.0, "raw_value": months})
    result = trend_outlook(series, unit="count", settings=SPC, frequency_months=1)
    assert result.n_points == 36
    assert rules_at_last_point_by_hand(list(months[-36:])) == {"beyond the process limits"}
    assert result.word == "Increasing"
    # Ending mid-quarter (April), the window still ends at March.
    later = pd.concat([series, pd.DataFrame({"period": [periods[-1] + 1], "value": [150.0],
                                             "raw_value": [10.0]})])  # fmt: skip
    assert trend_outlook(later, unit="count", settings=SPC, frequency_months=1).word == (
        "Increasing"
    )


def test_spc_without_raw_values_is_not_available():
    values = np.arange(12.0)
    for series in (quarterly_series(values), quarterly_series(values, raw_value=np.nan)):
        result = trend_outlook(series, unit="count", settings=SPC)
        assert result.word == "Not available" and detail(result, "needs_raw") is not None
