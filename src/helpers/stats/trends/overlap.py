"""Mann-Kendall allowing for the overlap of 12-month windows (Hamed and Rao's variance)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pymannkendall as mk
from scipy.stats import norm

from helpers.stats.trends.result import ROLLING_WINDOW_MONTHS


def overlap_autocorrelation(
    step_months: int, window_months: int = ROLLING_WINDOW_MONTHS
) -> tuple[float, ...]:
    """Lag-1, 2, ... autocorrelation that rolling alone gives points `step_months` apart.

    Two `window_months` windows whose ends are k steps apart share max(0, window - k * step)
    months. If the underlying periods are independent with equal variance, the covariance of the
    two sums is that many periods' variance and each sum's variance is `window_months` periods',
    so the lag-k autocorrelation is the shared fraction: (12 - 3k) / 12 = 3/4, 1/2, 1/4 at
    quarter ends, 1/2 for half-yearly points, none for yearly ones. The native frequency of the
    source (monthly or quarterly) cancels out: only the sampling step matters.
    """
    if step_months <= 0:
        raise ValueError(f"step_months must be positive, got {step_months}")
    lags = range(1, math.ceil(window_months / step_months))
    return tuple((window_months - k * step_months) / window_months for k in lags)


def hamed_rao_variance_factor(n: int, rho: tuple[float, ...]) -> float:
    """Hamed and Rao (1998) variance inflation n/n* of the Mann-Kendall S.

    n/n* = 1 + 2 / (n(n-1)(n-2)) * sum over k of (n-k)(n-k-1)(n-k-2) rho_k, with rho_k the
    lag-k autocorrelation (lags beyond `rho` are 0; lags of n - 2 or more contribute nothing).
    """
    if n < 3:
        return 1.0
    total = sum(
        (n - k) * (n - k - 1) * (n - k - 2) * r for k, r in enumerate(rho, start=1) if k < n - 2
    )
    return 1.0 + 2.0 / (n * (n - 1) * (n - 2)) * total


def mann_kendall_overlap(
    x: np.ndarray, step_months: int = 3, rolled: bool = True
) -> tuple[float, float, float]:
    """Mann-Kendall z, two-sided p and Sen's slope of rolling points `step_months` apart, Var(S)
    widened for the overlap of their 12-month windows (`rolled`; none for point-in-time figures).
    """
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    # Approximations, stated: Hamed and Rao's rho_k is the autocorrelation of the ranks; the
    # known autocorrelation of the values stands in for it (for normal data the rank
    # autocorrelation is (6/pi) asin(rho/2) = 0.73, 0.48, 0.24, within 0.02). Their formula is
    # itself approximate: at n = 12 it widens Var(S) 2.86 times where simulation of rolled
    # independent periods gives 3.09 (tests/stats/trends/test_overlap.py), so z is about 4% too
    # large. Only the autocorrelation that the overlap of 12-month windows creates is allowed for:
    # estimated from 12 points, autocorrelation is too noisy to use (the Hamed-Rao method's
    # weakness here), so quarter-to-quarter variation that persists raises the false alarms
    # (BENCHMARKS.md).
    factor = hamed_rao_variance_factor(n, overlap_autocorrelation(step_months)) if rolled else 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        plain = mk.original_test(x)
    s, var_s = float(plain.s), float(plain.var_s) * factor  # var_s allows for ties
    # Continuity correction as in pymannkendall (and Hamed and Rao): |S| - 1.
    z = mann_kendall_z(s, var_s)
    return z, float(2 * norm.sf(abs(z))), float(plain.slope)


def mann_kendall_z(s: float, var_s: float) -> float:
    """Mann-Kendall's z with the continuity correction of pymannkendall (and Hamed and Rao):
    (S - sign(S)) / sqrt(Var(S)), 0 when S is 0."""
    return 0.0 if s == 0 else (s - math.copysign(1.0, s)) / math.sqrt(var_s)
