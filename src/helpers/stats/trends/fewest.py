"""The fewest points with which each test can call a change, and why fewer give no word."""

from __future__ import annotations

import math
from typing import Any

from scipy.stats import norm

from helpers.core.config import TrendSettings
from helpers.stats.trends.overlap import (
    hamed_rao_variance_factor,
    mann_kendall_z,
    overlap_autocorrelation,
)
from helpers.stats.trends.result import REGRESSION_METHODS, TrendDetail
from helpers.stats.trends.xmr import SPC_LIMIT_FACTOR


def too_few(method: str, n: int, settings: TrendSettings, **kwargs: Any) -> TrendDetail | None:
    """Why `n` points give no word (a "too_few" detail: points, points needed, the smallest
    p-value they can give or NaN, alpha), or None when they can: below `minimum_points` the
    method cannot reach p < alpha whatever the data, so "Stable" would claim a test that was
    not made."""
    needed = minimum_points(method, settings.alpha, **kwargs)
    if n >= needed:
        return None
    best = smallest_p_value(method, n, **kwargs)
    numbers = (n, needed, math.nan if best is None else best, settings.alpha)
    return TrendDetail("too_few", numbers=numbers)


def smallest_p_value(
    method: str,
    n: int,
    *,
    frequency_months: int = 3,
    rolled: bool = True,
    seasonal_terms: bool = True,
    raw: bool = True,
) -> float | None:
    """The smallest p-value `method` can give with `n` points, whatever the data.

    Mann-Kendall tests: a strictly monotone series (S = n(n - 1)/2, no ties), with the method's
    variance and continuity correction; for ``mann_kendall_hamed_rao`` a straight line, which
    the library tests unmodified. Seasonal Mann-Kendall: every season monotone, the points
    shared out among the seasons in turn. Regressions: 0 once one degree of freedom is left
    (a perfect fit), else 1. ``rate_ratio``: 0 with its two 12-month windows (the counts then
    decide). ``spc`` uses no p-value: None.
    """
    if n < 2:
        return 1.0
    if method in ("mann_kendall_rolling", "mann_kendall_hamed_rao"):
        step = max(3, frequency_months)
        overlap = method == "mann_kendall_rolling" and rolled
        factor = hamed_rao_variance_factor(n, overlap_autocorrelation(step)) if overlap else 1.0
        s = n * (n - 1) / 2
        var_s = n * (n - 1) * (2 * n + 5) / 18 * factor
        return float(2 * norm.sf(mann_kendall_z(s, var_s)))
    if method == "seasonal_mann_kendall":
        season = 12 // frequency_months
        sizes = [n // season + (1 if i < n % season else 0) for i in range(season)]
        s = sum(m * (m - 1) / 2 for m in sizes)
        var_s = sum(m * (m - 1) * (2 * m + 5) / 18 for m in sizes)
        return 1.0 if s == 0 else float(2 * norm.sf(mann_kendall_z(s, var_s)))
    if method in REGRESSION_METHODS:
        parameters = 2 + (3 if raw and seasonal_terms else 0)
        return 0.0 if n > parameters else 1.0
    if method == "rate_ratio":
        return 0.0
    if method == "spc":
        return None
    raise ValueError(f"unknown trend method '{method}'")


def minimum_points(
    method: str,
    alpha: float,
    *,
    frequency_months: int = 3,
    rolled: bool = True,
    seasonal_terms: bool = True,
    raw: bool = True,
) -> int:
    """The fewest points with which `method` can call a change at significance level `alpha`.

    The smallest n for which the most extreme data give p < alpha (`smallest_p_value`); below
    it the word is "Not available", as "Stable" would claim a test that could not find a change.
    For ``spc`` (no p-value) the smallest n at which the latest point can fall beyond the
    process limits: after n - 1 equal points a jump J sits J (n - 1)/n above the mean with a
    mean moving range of J/(n - 1), beyond the limits once (n - 1)^2 > 2.66 n (5 points); its
    other rules need 7 points, or fire no sooner.
    """
    if method == "spc":
        n = 2
        while (n - 1) ** 2 <= SPC_LIMIT_FACTOR * n:
            n += 1
        return n
    if method == "rate_ratio":
        return 2
    for n in range(2, 1000):
        p = smallest_p_value(
            method, n, frequency_months=frequency_months, rolled=rolled,
            seasonal_terms=seasonal_terms, raw=raw,
        )  # fmt: skip
        if p is not None and p < alpha:
            return n
    raise ValueError(f"'{method}' cannot reach p < {alpha} with fewer than 1000 points")
