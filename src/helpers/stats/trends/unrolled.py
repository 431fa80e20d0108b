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
    TrendResult,
    at_ceiling,
    join_notes,
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
        return not_available(method, 0, "the seasonal test needs the un-rolled values (raw_value)")
    season = 12 // frequency_months
    values, note, unavailable = raw_run(data, settings, method, frequency_months)
    if unavailable is not None:
        return unavailable
    x = values.to_numpy()
    if at_ceiling(x, unit):
        return TrendResult(
            CEILING, method, None, None, 0.0, len(x), join_notes(note, "100% throughout the window")
        )
    if np.ptp(x) == 0:
        return TrendResult(
            STABLE, method, 0.0, 1.0, 0.0, len(x), join_notes(note, "the value did not change")
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = mk.seasonal_test(x, period=season, alpha=settings.alpha)
    z, p, slope = float(result.z), float(result.p), float(result.slope)
    return TrendResult(
        trend_word(p < settings.alpha, z, down_word),
        method,
        z,
        p,
        slope,
        len(x),
        join_notes(note, "Sen's slope per year"),
    )


def spc_outlook(
    data: pd.DataFrame, unit: str, settings: TrendSettings, down_word: str, frequency_months: int
) -> TrendResult:
    """``spc``: special-cause variation, on the XmR chart of the un-rolled values, that
    includes the latest point."""
    method = settings.method
    # Making Data Count charts each month's (or quarter's) own figure. Rolled figures share 9 of
    # 12 months, so their moving ranges understate the variation and the limits sit too close.
    if "raw_value" not in data.columns or data["raw_value"].isna().all():
        return not_available(
            method, 0, "the XmR chart needs the monthly or quarterly values, not rolled (raw_value)"
        )
    values, note, unavailable = raw_run(data, settings, method, frequency_months)
    if unavailable is not None:
        return unavailable
    x = values.to_numpy()
    if at_ceiling(x, unit):
        return TrendResult(
            CEILING,
            method,
            None,
            None,
            None,
            len(x),
            join_notes(note, "100% throughout the window"),
        )
    signals = spc_signals(x)
    if not signals:
        return TrendResult(
            STABLE,
            method,
            None,
            None,
            None,
            len(x),
            join_notes(note, "no special-cause variation at the latest point"),
        )
    # Several rules can fire at once; the order of SPC_RULES (most to least direct evidence)
    # decides the direction should they ever disagree.
    direction = next(signals[r] for r in SPC_RULES if r in signals)
    fired = "; ".join(
        f"{SPC_RULES[r]} ({'high' if signals[r] > 0 else 'low'})" for r in SPC_RULES if r in signals
    )
    word = INCREASING if direction > 0 else down_word
    return TrendResult(
        word, method, None, None, None, len(x), join_notes(note, f"special cause: {fired}")
    )
