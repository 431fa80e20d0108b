"""Mann-Kendall tests of the rolling figures: overlap-corrected (default rank test) and
Hamed-Rao.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pymannkendall as mk

from helpers.core.config import TrendSettings
from helpers.stats.trends.overlap import mann_kendall_overlap
from helpers.stats.trends.result import (
    CEILING,
    STABLE,
    TrendDetail,
    TrendResult,
    at_ceiling,
    not_available,
    trend_word,
)
from helpers.stats.trends.window import rolling_points


def _mann_kendall_points(
    data: pd.DataFrame,
    unit: str,
    settings: TrendSettings,
    frequency_months: int,
    method: str,
    rolled: bool = True,
) -> tuple[np.ndarray | None, TrendResult | None, list[TrendDetail]]:
    """The rolling points to test, or the result when no test is needed or possible."""
    x, unavailable, details = rolling_points(data, settings, method, frequency_months, rolled)
    if unavailable is not None:
        return None, unavailable, details
    assert x is not None
    if at_ceiling(x, unit):
        ceiling = (*details, TrendDetail("ceiling"))
        return None, TrendResult(CEILING, method, None, None, 0.0, len(x), details=ceiling), details
    if np.ptp(x) == 0:
        # Every pair is tied: no trend. Skipping the library here avoids its 0/0 autocorrelation.
        flat = (*details, TrendDetail("unchanged"))
        return None, TrendResult(STABLE, method, 0.0, 1.0, 0.0, len(x), details=flat), details
    return x, None, details


def mann_kendall_hamed_rao_outlook(
    data: pd.DataFrame, unit: str, settings: TrendSettings, down_word: str, frequency_months: int
) -> TrendResult:
    """``mann_kendall_hamed_rao``: pymannkendall's Hamed-Rao test on the rolling points."""
    method = settings.method
    x, settled, details = _mann_kendall_points(data, unit, settings, frequency_months, method)
    if settled is not None:
        return settled
    assert x is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = mk.hamed_rao_modification_test(x, alpha=settings.alpha)
        if not math.isfinite(result.z) and _detrended_is_constant(x, result.slope):
            # A series on an exact straight line leaves nothing to autocorrelate once Sen's
            # slope is removed (the library then divides 0 by 0): no correction is needed.
            result = mk.original_test(x, alpha=settings.alpha)
            details = [*details, TrendDetail("straight_line")]
    z, p, slope = float(result.z), float(result.p), float(result.slope)
    if not (math.isfinite(z) and math.isfinite(p)):
        return not_available(method, len(x), TrendDetail("no_variance"))
    word = trend_word(p < settings.alpha, z, down_word)
    return TrendResult(word, method, z, p, slope, len(x), details=tuple(details))


def _detrended_is_constant(x: np.ndarray, slope: float) -> bool:
    detrended = x - np.arange(1, len(x) + 1) * slope
    return bool(np.allclose(detrended, detrended[0], rtol=1e-12, atol=0))


def mann_kendall_rolling_outlook(
    data: pd.DataFrame,
    unit: str,
    settings: TrendSettings,
    down_word: str,
    frequency_months: int,
    rolled: bool,
    method: str = "mann_kendall_rolling",
) -> TrendResult:
    """``mann_kendall_rolling``: Mann-Kendall on the rolling points, Var(S) widened for the
    overlap of their 12-month windows; `method` names a method that falls back on it."""
    x, settled, details = _mann_kendall_points(
        data, unit, settings, frequency_months, method, rolled
    )
    if settled is not None:
        return settled
    assert x is not None
    z, p, slope = mann_kendall_overlap(x, max(3, frequency_months), rolled)
    word = trend_word(p < settings.alpha, z, down_word)
    return TrendResult(word, method, z, p, slope, len(x), details=tuple(details))
