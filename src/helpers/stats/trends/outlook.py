"""`trend_outlook`: the Trend / Outlook finding from the method the settings name."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from helpers.core.config import TrendSettings
from helpers.stats.trends.mann_kendall import (
    mann_kendall_hamed_rao_outlook,
    mann_kendall_rolling_outlook,
)
from helpers.stats.trends.noise import TrendNoise
from helpers.stats.trends.rate_ratio import rate_ratio_outlook
from helpers.stats.trends.regression_outlook import regression_outlook
from helpers.stats.trends.result import (
    DOWN_WORDS,
    FREQUENCIES,
    REGRESSION_METHODS,
    TrendDetail,
    TrendResult,
    not_available,
)
from helpers.stats.trends.unrolled import seasonal_mann_kendall_outlook, spc_outlook
from helpers.stats.trends.window import prepare_series, window_end


def trend_outlook(
    series: pd.DataFrame,
    *,
    unit: str,
    settings: TrendSettings,
    down_word: str = "Reducing",
    frequency_months: int = 3,
    rolled: bool = True,
    noise: TrendNoise | None = None,
) -> TrendResult:
    """The Trend / Outlook word for one force's 12-month rolling series.

    `series` has columns period (monthly Periods, the end of each 12-month window) and value
    (the rolling figure), and where known count and denominator (12-month sums), raw_value
    (the period's own, un-rolled value) and raw_count and raw_denominator (the quarter's own
    count and population, numerator or denominator; for the regressions). Missing figures are
    NaN. `frequency_months` is the series' native step: 1 for
    monthly data, 3 for quarterly, 6 or 12 for half-yearly or yearly snapshots (these are tested
    at their own step, as they have no value at every quarter end).

    `rolled` says whether `value` is a 12-month rolling figure (True: sums or shares over the 12
    months ending at each period, including published year-ending estimates such as the Crime
    Survey's) or a figure at a point in time (False: workforce headcounts as at a date). Only
    ``mann_kendall_rolling`` uses it: overlapping 12-month windows are autocorrelated by
    construction and the test allows for it; point-in-time figures get the unmodified test.

    The window ends at the latest quarter end in the series and reaches back
    `settings.window_quarters` quarters, or to the first non-missing value if that is later.
    A missing latest value, or fewer usable points than the method needs to be able to reach
    p < alpha (`minimum_points`), gives "Not available"; see the module's note on gaps.

    `noise` is the measure's quarter-to-quarter noise beyond Poisson (cv, rho), estimated from
    the panel of all forces; ``regression_ar1`` allows for it, or for the settings'
    working_cv and working_rho when None. The result names the settings' exceptional periods
    (lockdowns) that the window holds.
    """
    if down_word not in DOWN_WORDS:
        raise ValueError(f"down_word must be one of {DOWN_WORDS}, got '{down_word}'")
    if frequency_months not in FREQUENCIES:
        raise ValueError(
            f"frequency_months must be one of {FREQUENCIES} (monthly, quarterly, half-yearly, "
            f"yearly), got {frequency_months}"
        )
    data = prepare_series(series)
    method = settings.method
    if data.empty or data["value"].isna().all():
        return not_available(method, 0, TrendDetail("no_values"))

    result = _by_method(data, unit, settings, down_word, frequency_months, rolled, noise)
    end = window_end(data)
    start = end - settings.window_quarters * 3 + 1
    held = tuple(
        p
        for p in settings.exceptional_periods
        if pd.Period(p.first, "M") <= end and pd.Period(p.last, "M") >= start
    )
    tested = result.tested
    if not tested and result.n_points:
        # The rank and run tests use the latest run of points at their step, ending at `end`.
        step = max(3, frequency_months)
        tested = tuple(
            pd.period_range(end=end, periods=result.n_points * step, freq="M")[step - 1 :: step]
        )
    return replace(result, periods_in_window=held, tested=tested)


def _by_method(
    data: pd.DataFrame,
    unit: str,
    settings: TrendSettings,
    down_word: str,
    frequency_months: int,
    rolled: bool,
    noise: TrendNoise | None,
) -> TrendResult:
    method = settings.method
    if method == "mann_kendall_rolling":
        return mann_kendall_rolling_outlook(
            data, unit, settings, down_word, frequency_months, rolled
        )
    if method == "mann_kendall_hamed_rao":
        return mann_kendall_hamed_rao_outlook(data, unit, settings, down_word, frequency_months)
    if method == "seasonal_mann_kendall":
        return seasonal_mann_kendall_outlook(data, unit, settings, down_word, frequency_months)
    if method == "rate_ratio":
        return rate_ratio_outlook(data, unit, settings, down_word)
    if method == "spc":
        return spc_outlook(data, unit, settings, down_word, frequency_months)
    if method in REGRESSION_METHODS:
        return regression_outlook(data, unit, settings, down_word, frequency_months, rolled, noise)
    raise ValueError(f"unknown trend method '{method}'")
