"""The latest 12 months against the 12 before: exact Poisson or two-proportion test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from statsmodels.stats.proportion import proportions_ztest

from helpers.core.config import TrendSettings
from helpers.stats.trends.result import (
    CEILING,
    STABLE,
    TrendDetail,
    TrendResult,
    at_ceiling,
    not_available,
    trend_word,
)
from helpers.stats.trends.window import window_end


def rate_ratio_outlook(
    data: pd.DataFrame, unit: str, settings: TrendSettings, down_word: str
) -> TrendResult:
    """``rate_ratio``: the latest 12 months against the 12 before."""
    method = settings.method
    latest = window_end(data)
    previous = latest - 12
    if previous not in data.index:
        return not_available(method, 1, TrendDetail("no_previous", (str(previous),)))
    rows = data.loc[[previous, latest]]
    counts = rows["count"] if "count" in rows.columns else pd.Series(np.nan, index=rows.index)
    has_counts = bool(counts.notna().all())
    has_denominators = "denominator" in rows.columns and bool(rows["denominator"].notna().all())

    if unit == "percent":
        if not (has_counts and has_denominators):
            return not_available(method, 2, TrendDetail("needs_counts", ("proportions",)))
        return _two_proportions(counts, rows["denominator"], method, settings, down_word)
    if unit == "count":
        # A count measure's value is the count; without a denominator the two 12-month windows
        # have the same exposure.
        events = counts if has_counts else rows["value"]
        if events.isna().any():
            missing = TrendDetail("count_missing", (str(previous), str(latest)))
            return not_available(method, 2, missing)
        exposures = rows["denominator"] if has_denominators else pd.Series(1.0, index=rows.index)
        return _two_poisson(events, exposures, method, settings, down_word)
    if not (has_counts and has_denominators):
        return not_available(method, 2, TrendDetail("needs_counts", ("poisson",)))
    return _two_poisson(counts, rows["denominator"], method, settings, down_word)


def _two_poisson(
    counts: pd.Series, exposures: pd.Series, method: str, settings: TrendSettings, down_word: str
) -> TrendResult:
    """Exact conditional test: given a + b events, a ~ Binomial(a + b, e_a / (e_a + e_b))."""
    b, a = (round(float(c)) for c in counts)  # rows are (previous, latest)
    e_b, e_a = (float(e) for e in exposures)
    if a + b == 0:
        none = (TrendDetail("no_events_either"),)
        return TrendResult(STABLE, method, None, 1.0, None, 2, details=none)
    p = float(binomtest(a, a + b, e_a / (e_a + e_b)).pvalue)
    ratio = math.inf if b == 0 else (a / e_a) / (b / e_b)
    direction = (a / e_a) - (b / e_b)
    return TrendResult(
        trend_word(p < settings.alpha, direction, down_word), method, ratio, p, None, 2
    )


def _two_proportions(
    counts: pd.Series, denominators: pd.Series, method: str, settings: TrendSettings, down_word: str
) -> TrendResult:
    b, a = (float(c) for c in counts)
    n_b, n_a = (float(n) for n in denominators)
    if n_a <= 0 or n_b <= 0:
        return not_available(method, 2, TrendDetail("zero_denominator"))
    share_a, share_b = 100 * a / n_a, 100 * b / n_b
    if at_ceiling(np.array([share_a, share_b]), "percent"):
        both = (TrendDetail("ceiling"),)
        return TrendResult(CEILING, method, 0.0, None, None, 2, details=both)
    difference = share_a - share_b
    pooled = (a + b) / (n_a + n_b)
    if pooled in (0.0, 1.0):
        flat = (TrendDetail("no_variation"),)
        return TrendResult(STABLE, method, difference, 1.0, None, 2, details=flat)
    _, p = proportions_ztest(np.array([a, b]), np.array([n_a, n_b]))
    p = float(p)
    word = trend_word(p < settings.alpha, difference, down_word)
    return TrendResult(word, method, difference, p, None, 2)
