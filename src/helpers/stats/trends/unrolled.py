"""Tests of each period's own, un-rolled values: seasonal Mann-Kendall and the XmR chart."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pymannkendall as mk

from helpers.core.config import TrendSettings
from helpers.stats.trends.result import (
    CEILING,
    INCREASING,
    STABLE,
    TrendDetail,
    TrendResult,
    at_ceiling,
    not_available,
    trend_word,
)
from helpers.stats.trends.window import raw_run
from helpers.stats.trends.xmr import SPC_RULES, spc_signals


def seasonal_mann_kendall_outlook(
    data: pd.DataFrame, unit: str, settings: TrendSettings, down_word: str, frequency_months: int
) -> TrendResult:
    """``seasonal_mann_kendall``: pymannkendall's seasonal test on the un-rolled values."""
    method = settings.method
    if "raw_value" not in data.columns:
        return not_available(method, 0, TrendDetail("needs_raw"))
    season = 12 // frequency_months
    values, details, unavailable = raw_run(data, settings, method, frequency_months)
    if unavailable is not None:
        return unavailable
    x = values.to_numpy()
    if at_ceiling(x, unit):
        ceiling = (*details, TrendDetail("ceiling"))
        return TrendResult(CEILING, method, None, None, 0.0, len(x), details=ceiling)
    if np.ptp(x) == 0:
        flat = (*details, TrendDetail("unchanged"))
        return TrendResult(STABLE, method, 0.0, 1.0, 0.0, len(x), details=flat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = mk.seasonal_test(x, period=season, alpha=settings.alpha)
    z, p, slope = float(result.z), float(result.p), float(result.slope)
    word = trend_word(p < settings.alpha, z, down_word)
    per_year = (*details, TrendDetail("per_year"))
    return TrendResult(word, method, z, p, slope, len(x), details=per_year)


def spc_outlook(
    data: pd.DataFrame, unit: str, settings: TrendSettings, down_word: str, frequency_months: int
) -> TrendResult:
    """``spc``: special-cause variation, on the XmR chart of the un-rolled values, that
    includes the latest point."""
    method = settings.method
    # Making Data Count charts each month's (or quarter's) own figure. Rolled figures share 9 of
    # 12 months, so their moving ranges understate the variation and the limits sit too close.
    if "raw_value" not in data.columns or data["raw_value"].isna().all():
        return not_available(method, 0, TrendDetail("needs_raw"))
    values, details, unavailable = raw_run(data, settings, method, frequency_months)
    if unavailable is not None:
        return unavailable
    x = values.to_numpy()
    if at_ceiling(x, unit):
        ceiling = (*details, TrendDetail("ceiling"))
        return TrendResult(CEILING, method, None, None, None, len(x), details=ceiling)
    signals = spc_signals(x)
    if not signals:
        calm = (*details, TrendDetail("no_special_cause"))
        return TrendResult(STABLE, method, None, None, None, len(x), details=calm)
    # Several rules can fire at once; the order of SPC_RULES (most to least direct evidence)
    # decides the direction should they ever disagree.
    fired = tuple(r for r in SPC_RULES if r in signals)
    direction = signals[fired[0]]
    cause = TrendDetail("special_cause", fired, tuple(float(signals[r]) for r in fired))
    word = INCREASING if direction > 0 else down_word
    return TrendResult(word, method, None, None, None, len(x), details=(*details, cause))
