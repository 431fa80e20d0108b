"""Trend / Outlook: one word per measure, from a documented statistical test.

The 12-month rolling series is smooth and strongly autocorrelated (consecutive quarterly points
share 9 of their 12 months), so comparing the latest figure with an earlier one says little:
the word must come from a test. The test is a setting (`params/report.yaml`, ``trend``); the
default was chosen by the simulation study in benchmarks/trend_methods.py (BENCHMARKS.md): the
only method whose false alarms stayed at about 5% (worst 5.3%, within the study's ±1% Monte-Carlo
margin) when quarterly counts wander (extra-Poisson variation that persists from quarter to
quarter), with the best power among those that did.

``regression_ar1`` (default)
    Regression of each quarter's own count on time over the window (`regression_trend`):
    quasi-Poisson with the population as offset and quarter-of-year terms for counts and rates,
    quasi-binomial for percentages. Its working covariance adds to the Poisson (binomial) noise
    a log-normal AR(1) quarter effect (`WORKING_CV`, `WORKING_RHO`), whose scale is estimated,
    so that a level that wanders is not mistaken for a trend; Student's t on the trend. Survey
    estimates published only for 12 months at a time (CSEW) and series without quarterly
    counts are fitted on the 12-month figures, the working covariance allowing for the months
    they share. Missing quarters are left out of the fit (and named in the note). Ratios (no
    count model) get ``mann_kendall_rolling``. `slope` is the fitted change a year (rate ratio
    or odds ratio minus 1), `statistic` the t statistic.
``quasi_poisson``
    The same regression with the ordinary quasi-Poisson (quasi-binomial) variance, the scale
    from Pearson's chi-squared: more power, but too many false alarms when quarters wander.
``mann_kendall_rolling``
    Mann-Kendall trend test on the rolling figure at each quarter end of the window, with the
    variance of S widened for the autocorrelation that the 12-month rolling sum itself creates:
    windows 3 months apart share 9 of 12 months, so even independent periods give lag-k
    autocorrelation (12 - 3k)/12 = 3/4, 1/2, 1/4, then 0. That known structure goes through
    Hamed and Rao's (1998) variance-inflation formula; nothing is estimated from 12 points.
    Statistic z, Sen's slope per quarter. Point-in-time figures (``rolled=False``, such as
    workforce snapshots) share no months and get the unmodified test.
``mann_kendall_hamed_rao``
    Mann-Kendall with the Hamed and Rao (1998) correction estimated from the series itself
    (pymannkendall), on the same points. With 12 points the estimated autocorrelation rarely
    passes the method's significance cut-off, so the correction seldom acts and a trendless
    rolling series is called a trend far more often than alpha (see benchmarks/trend_methods.py).
``seasonal_mann_kendall``
    Seasonal Mann-Kendall (Hirsch and Slack, 1984) on the period's own, un-rolled values at
    their native frequency: each month (or quarter) is compared with the same month in other
    years, which removes seasonality without rolling. Sen's slope per year.
``rate_ratio``
    The latest 12 months against the 12 before (two independent windows): an exact conditional
    test of two Poisson rates for rates and counts, a two-proportion z-test for percentages.
``spc``
    NHS England "Making Data Count" XmR chart of the period's own, un-rolled values (monthly or
    quarterly) over the window, as Making Data Count charts them: the moving ranges of
    overlapping 12-month sums would understate the variation and put the limits too close. As
    in the Making Data Count variation icons, the word reflects special-cause variation that
    includes the latest point.

Words: a significant rise is "Increasing", a significant fall the measure's down word
("Reducing", or "Decreasing" for public confidence), otherwise "Stable": no statistically
significant change over the window, not evidence of no change. A percentage at 100 throughout
the window is "Stable (100%)". Below the fewest points with which the method can reach
p < alpha whatever the data (`minimum_points`) the word is "Not available", with the reason:
"Stable" there would claim a test that could not have found a change.

Gaps (a 12-month figure or a quarter with no data is missing, never zero): rank and run tests
use the latest run of consecutive values, regressions leave the missing quarters out; a missing
latest value is "Not available".
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import pymannkendall as mk
from scipy.stats import binomtest, norm
from scipy.stats import t as student_t
from statsmodels.stats.proportion import proportions_ztest

from helpers.core.config import TrendSettings

TREND_WORDS = ("Increasing", "Reducing", "Decreasing", "Stable", "Stable (100%)", "Not available")
INCREASING, STABLE, CEILING, NOT_AVAILABLE = (
    "Increasing",
    "Stable",
    "Stable (100%)",
    "Not available",
)
DOWN_WORDS = ("Reducing", "Decreasing")
FREQUENCIES = (1, 3, 6, 12)  # native steps of a series, in months
RATE_UNITS = ("rate_per_1000", "rate_per_1000_households")
ROLLING_WINDOW_MONTHS = 12  # every rolled figure sums the 12 months ending at its period
REGRESSION_METHODS = ("regression_ar1", "quasi_poisson")
# The working quarter-to-quarter variation of ``regression_ar1``: a log-normal (logit-normal for
# percentages) quarter effect with a coefficient of variation of 10% and a lag-1 correlation of 0.6
# between quarters, on top of Poisson (binomial) noise: the upper end of what
# benchmarks/trend_methods.py takes as realistic (typical 6% and 0.5; large 10% and 0.5), so that
# false alarms stay at or below alpha up to it. Chosen on a tuning seed, then checked on the
# benchmark's own seed; see BENCHMARKS.md for the evidence and its limits (0.8 is too much).
WORKING_CV = 0.10
WORKING_RHO = 0.6

# NHS England, "Making Data Count": XmR limits at mean ± 2.66 × mean moving range (2.66 = 3/d2,
# d2 = 1.128 for ranges of two points), and its four special-cause rules.
SPC_LIMIT_FACTOR = 2.66
SPC_RUN_LENGTH = 7
SPC_TREND_LENGTH = 7
SPC_RULES = {
    "beyond_limits": "a point beyond the process limits",
    "two_of_three": "2 of 3 points beyond two-thirds of the way to a process limit",
    "run": f"a run of {SPC_RUN_LENGTH} or more points on one side of the mean",
    "trend": f"{SPC_TREND_LENGTH} or more points in a row rising or falling",
}


@dataclass(frozen=True)
class TrendResult:
    """The Trend / Outlook word for one measure and the test behind it.

    `statistic` is the method's test statistic (Mann-Kendall z; t for the regressions; the rate
    ratio, or the difference in percentage points for percentages, for ``rate_ratio``; None for
    ``spc``). `slope` is Sen's slope in the measure's unit per quarter (per year for the
    seasonal test); for the regressions the fitted change a year (rate or odds ratio minus 1).
    `n_points` is the number of values tested. `note` explains "Not available", a ceiling or
    which special-cause rule fired.
    """

    word: str
    method: str
    statistic: float | None
    p_value: float | None
    slope: float | None
    n_points: int
    note: str = ""

    def __post_init__(self) -> None:
        if self.word not in TREND_WORDS:
            raise ValueError(f"'{self.word}' is not a trend word: {TREND_WORDS}")


# ----- entry point ------------------------------------------------------------------------------
def trend_outlook(
    series: pd.DataFrame,
    *,
    unit: str,
    settings: TrendSettings,
    down_word: str = "Reducing",
    frequency_months: int = 3,
    rolled: bool = True,
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
    """
    if down_word not in DOWN_WORDS:
        raise ValueError(f"down_word must be one of {DOWN_WORDS}, got '{down_word}'")
    if frequency_months not in FREQUENCIES:
        raise ValueError(
            f"frequency_months must be one of {FREQUENCIES} (monthly, quarterly, half-yearly, "
            f"yearly), got {frequency_months}"
        )
    data = _prepare(series)
    method = settings.method
    if data.empty or data["value"].isna().all():
        return _not_available(method, 0, "no values to test")

    if method == "mann_kendall_rolling":
        return _mann_kendall_rolling(data, unit, settings, down_word, frequency_months, rolled)
    if method == "mann_kendall_hamed_rao":
        return _mann_kendall(data, unit, settings, down_word, frequency_months)
    if method == "seasonal_mann_kendall":
        return _seasonal(data, unit, settings, down_word, frequency_months)
    if method == "rate_ratio":
        return _rate_ratio(data, unit, settings, down_word)
    if method == "spc":
        return _spc(data, unit, settings, down_word, frequency_months)
    if method in REGRESSION_METHODS:
        return _regression(data, unit, settings, down_word, frequency_months, rolled)
    raise ValueError(f"unknown trend method '{method}'")


def describe_method(settings: TrendSettings) -> str:
    """A few plain-English sentences for the report's methods note."""
    window = _window_words(settings.window_quarters)
    alpha = f"{settings.alpha:g}"
    falls = " or ".join(DOWN_WORDS)
    verdict = (
        f"a rise is called Increasing and a fall {falls} (the measure's own word) when it is "
        f"statistically significant (p < {alpha}). Stable means no statistically significant "
        "change over the window, not evidence that nothing changed; where too few figures are "
        "available for the test to be able to detect a change, the word is Not available."
    )
    if settings.method in REGRESSION_METHODS:
        ar1 = settings.method == "regression_ar1"
        allowance = (
            "Its variance allows for variation that persists from quarter to quarter (a "
            f"{WORKING_CV:.0%} quarter effect with a correlation of {WORKING_RHO:g} between "
            "neighbouring quarters), so that a wandering series is not mistaken for a trend; "
            if ar1
            else "Its variance allows for extra-Poisson variation, but not for variation that "
            "persists from quarter to quarter; "
        )
        return (
            "Trend / Outlook comes from a regression on time of each quarter's own counts over "
            f"the last {window}: quasi-Poisson with the population as offset and quarter-of-year "
            "terms for crimes and rates, quasi-binomial for percentages; survey estimates "
            "published only for 12 months at a time are fitted as published, allowing for the "
            "months they share. " + allowance + "quarters with no data are left out of the fit, "
            "and "
            + verdict
            + (
                " A simulation study chose this method (BENCHMARKS.md): it was the only one "
                "tried whose false alarms stayed at about 5% when quarterly counts wander as "
                "crime counts do, at the cost of less power when they do not."
                if ar1
                else ""
            )
        )
    if settings.method == "mann_kendall_rolling":
        return (
            "Trend / Outlook comes from a Mann-Kendall test of whether the 12-month rolling "
            f"figure, taken at each quarter end over the last {window}, has tended to rise or "
            "fall, with Sen's slope for the size of the change. Figures a quarter apart share 9 "
            "of their 12 months, so they move together even when nothing changes; the test "
            "allows for that overlap (Hamed and Rao's 1998 variance correction), so that "
            "the smoothing is not mistaken for a trend; " + verdict
        )
    if settings.method == "mann_kendall_hamed_rao":
        return (
            "Trend / Outlook comes from a Mann-Kendall trend test, with the Hamed and Rao (1998) "
            "correction for autocorrelation, on the 12-month rolling figure at each quarter end "
            f"over the last {window}; " + verdict
        )
    if settings.method == "seasonal_mann_kendall":
        return (
            "Trend / Outlook comes from a seasonal Mann-Kendall test (Hirsch and Slack, 1984) on "
            f"the monthly or quarterly figures, not rolled, over the last {window}, comparing "
            "each month or quarter with the same one in other years; " + verdict
        )
    if settings.method == "rate_ratio":
        return (
            "Trend / Outlook compares the latest 12 months with the 12 months before, with an "
            "exact test of two Poisson rates (rates and counts) or a two-proportion z-test "
            "(percentages); " + verdict
        )
    return (
        "Trend / Outlook comes from an NHS England 'Making Data Count' XmR chart of the monthly "
        f"or quarterly figures themselves (not the 12-month rolling figure) over the last "
        f"{window}, with limits at the mean ± 2.66 times the mean moving range (no significance "
        "level is used). A rise (Increasing) or fall (" + falls + ") is reported only when the "
        "latest point is part of special-cause variation (a point beyond the limits, a run of 7 "
        "on one side of the mean, 7 rising or falling, or 2 of 3 beyond two-thirds of the "
        "limits); otherwise Stable, which means no special-cause variation, not evidence that "
        "nothing changed."
    )


def _window_words(quarters: int) -> str:
    years = f" ({quarters // 4} years)" if quarters % 4 == 0 and quarters > 4 else ""
    if quarters == 4:
        years = " (1 year)"
    return f"{quarters} quarters{years}"


# ----- data preparation -------------------------------------------------------------------------
def _prepare(series: pd.DataFrame) -> pd.DataFrame:
    for column in ("period", "value"):
        if column not in series.columns:
            raise KeyError(f"trend_outlook: the series has no column '{column}'")
    if series["period"].dtype != pd.PeriodDtype("M"):
        raise TypeError(
            f"trend_outlook: 'period' must hold monthly Periods, got {series['period'].dtype}"
        )
    if series["period"].duplicated().any():
        twice = series.loc[series["period"].duplicated(), "period"].iloc[0]
        raise ValueError(f"trend_outlook: period {twice} appears more than once in the series")
    return series.sort_values("period").set_index("period")


def _window_end(data: pd.DataFrame) -> pd.Period:
    """The latest quarter end in the series: tests look at whole quarters."""
    latest = data.index.max()
    return latest - latest.month % 3


def _window_values(
    data: pd.DataFrame, column: str, end: pd.Period, step: int, n_steps: int
) -> tuple[pd.Series, str]:
    """The column at `n_steps` periods `step` months apart ending at `end`.

    The window starts later when the series does (its first non-missing value of `column`).
    Returns the values (NaN where a period is absent or missing) and a note naming the missing
    periods, empty when there are none.
    """
    present = data[column].dropna()
    wanted = pd.period_range(end=end, periods=n_steps * step, freq="M")[step - 1 :: step]
    if not present.empty:
        first = present.index.min()
        wanted = wanted[wanted >= first]
    values = data[column].reindex(wanted).astype(np.float64)
    missing = [str(p) for p in values.index[values.isna()]]
    note = ""
    if missing:
        shown = ", ".join(missing[:6]) + (" ..." if len(missing) > 6 else "")
        note = f"missing {column} for {shown} in the test window"
    return values, note


def _not_available(method: str, n_points: int, note: str) -> TrendResult:
    return TrendResult(NOT_AVAILABLE, method, None, None, None, n_points, note)


def _at_ceiling(values: np.ndarray, unit: str) -> bool:
    return unit == "percent" and len(values) > 0 and bool(np.isclose(values, 100.0).all())


def _word(significant: bool, direction: float, down_word: str) -> str:
    if not significant or direction == 0:
        return STABLE
    return INCREASING if direction > 0 else down_word


def _latest_run(values: pd.Series, note: str) -> tuple[pd.Series, str]:
    """Rank and run tests use consecutive points only: the run of available values that ends at
    the latest period of the window (empty when the latest is missing), and the note saying so."""
    valid = values.notna().to_numpy()
    if len(valid) == 0 or not valid[-1]:
        return values.iloc[0:0], note
    gaps = np.flatnonzero(~valid)
    if len(gaps) == 0:
        return values, note
    run = values.iloc[gaps[-1] + 1 :]
    return run, f"{note}; only the {len(run)} consecutive values since then are tested"


def _too_few(method: str, n: int, settings: TrendSettings, note: str, **kwargs: Any) -> str:
    """Why `n` points give no word, or "" when they can: below `minimum_points` the method
    cannot reach p < alpha whatever the data, so "Stable" would claim a test that was not made."""
    needed = minimum_points(method, settings.alpha, **kwargs)
    if n >= needed:
        return ""
    best = smallest_p_value(method, n, **kwargs)
    reach = f" (the smallest p-value {n} can give is {best:.3f})" if best is not None else ""
    why = (
        f"{n} point{'s' if n != 1 else ''} to test: at p < {settings.alpha:g} this test needs at "
        f"least {needed} to be able to detect a change{reach}"
    )
    return f"{note}; {why}" if note else why


def _rolling_points(
    data: pd.DataFrame, settings: TrendSettings, method: str, frequency_months: int, rolled: bool
) -> tuple[np.ndarray | None, TrendResult | None, str]:
    """The rolling values to test, or the "Not available" result, and a note on gaps.

    Sampled at quarter ends, so that a monthly and a quarterly source give the same points;
    half-yearly or yearly series at their own step. A gap leaves the points after it.
    """
    step = max(3, frequency_months)
    n_steps = settings.window_quarters * 3 // step
    values, note = _window_values(data, "value", _window_end(data), step, n_steps)
    if len(values) and pd.isna(values.iloc[-1]):
        return None, _not_available(method, 0, f"{note}; no value for the latest period"), note
    values, note = _latest_run(values, note)
    why = _too_few(method, len(values), settings, note, frequency_months=step, rolled=rolled)
    if why:
        return None, _not_available(method, len(values), why), note
    return values.to_numpy(), None, note


# ----- Mann-Kendall -----------------------------------------------------------------------------
def _mann_kendall_points(
    data: pd.DataFrame,
    unit: str,
    settings: TrendSettings,
    frequency_months: int,
    method: str,
    rolled: bool = True,
) -> tuple[np.ndarray | None, TrendResult | None, str]:
    """The rolling points to test, or the result when no test is needed or possible."""
    x, unavailable, note = _rolling_points(data, settings, method, frequency_months, rolled)
    if unavailable is not None:
        return None, unavailable, note
    assert x is not None
    if _at_ceiling(x, unit):
        return (
            None,
            TrendResult(
                CEILING, method, None, None, 0.0, len(x), _join(note, "100% throughout the window")
            ),
            note,
        )
    if np.ptp(x) == 0:
        # Every pair is tied: no trend. Skipping the library here avoids its 0/0 autocorrelation.
        return (
            None,
            TrendResult(
                STABLE, method, 0.0, 1.0, 0.0, len(x), _join(note, "the value did not change")
            ),
            note,
        )
    return x, None, note


def _join(*notes: str) -> str:
    return "; ".join(n.strip("; ") for n in notes if n)


def _mann_kendall(
    data: pd.DataFrame, unit: str, settings: TrendSettings, down_word: str, frequency_months: int
) -> TrendResult:
    method = settings.method
    x, settled, note = _mann_kendall_points(data, unit, settings, frequency_months, method)
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
            note = _join(note, "values on a straight line: no autocorrelation correction needed")
    z, p, slope = float(result.z), float(result.p), float(result.slope)
    if not (math.isfinite(z) and math.isfinite(p)):
        return _not_available(
            method,
            len(x),
            "the Hamed-Rao autocorrelation correction gave no usable variance for this series",
        )
    return TrendResult(_word(p < settings.alpha, z, down_word), method, z, p, slope, len(x), note)


def _detrended_is_constant(x: np.ndarray, slope: float) -> bool:
    detrended = x - np.arange(1, len(x) + 1) * slope
    return bool(np.allclose(detrended, detrended[0], rtol=1e-12, atol=0))


# ----- Mann-Kendall allowing for the overlap of 12-month windows ---------------------------------
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
    # independent periods gives 3.09 (tests/test_trends.py), so z is about 4% too large. Only
    # the autocorrelation that the overlap of 12-month windows creates is allowed for: estimated
    # from 12 points, autocorrelation is too noisy to use (the Hamed-Rao method's weakness here),
    # so quarter-to-quarter variation that persists raises the false alarms (BENCHMARKS.md).
    factor = hamed_rao_variance_factor(n, overlap_autocorrelation(step_months)) if rolled else 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        plain = mk.original_test(x)
    s, var_s = float(plain.s), float(plain.var_s) * factor  # var_s allows for ties
    # Continuity correction as in pymannkendall (and Hamed and Rao): |S| - 1.
    z = _mann_kendall_z(s, var_s)
    return z, float(2 * norm.sf(abs(z))), float(plain.slope)


def _mann_kendall_z(s: float, var_s: float) -> float:
    """Mann-Kendall's z with the continuity correction of pymannkendall (and Hamed and Rao):
    (S - sign(S)) / sqrt(Var(S)), 0 when S is 0."""
    return 0.0 if s == 0 else (s - math.copysign(1.0, s)) / math.sqrt(var_s)


def _mann_kendall_rolling(
    data: pd.DataFrame,
    unit: str,
    settings: TrendSettings,
    down_word: str,
    frequency_months: int,
    rolled: bool,
    method: str = "mann_kendall_rolling",
    why: str = "",
) -> TrendResult:
    x, settled, note = _mann_kendall_points(data, unit, settings, frequency_months, method, rolled)
    if settled is not None:
        return replace(settled, note=_join(why, settled.note))
    assert x is not None
    z, p, slope = mann_kendall_overlap(x, max(3, frequency_months), rolled)
    word = _word(p < settings.alpha, z, down_word)
    return TrendResult(word, method, z, p, slope, len(x), _join(why, note))


def _seasonal(
    data: pd.DataFrame, unit: str, settings: TrendSettings, down_word: str, frequency_months: int
) -> TrendResult:
    method = settings.method
    if "raw_value" not in data.columns:
        return _not_available(method, 0, "the seasonal test needs the un-rolled values (raw_value)")
    season = 12 // frequency_months
    values, note, unavailable = _raw_run(data, settings, method, frequency_months)
    if unavailable is not None:
        return unavailable
    x = values.to_numpy()
    if _at_ceiling(x, unit):
        return TrendResult(
            CEILING, method, None, None, 0.0, len(x), _join(note, "100% throughout the window")
        )
    if np.ptp(x) == 0:
        return TrendResult(
            STABLE, method, 0.0, 1.0, 0.0, len(x), _join(note, "the value did not change")
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = mk.seasonal_test(x, period=season, alpha=settings.alpha)
    z, p, slope = float(result.z), float(result.p), float(result.slope)
    return TrendResult(
        _word(p < settings.alpha, z, down_word),
        method,
        z,
        p,
        slope,
        len(x),
        _join(note, "Sen's slope per year"),
    )


def _raw_run(
    data: pd.DataFrame, settings: TrendSettings, method: str, frequency_months: int
) -> tuple[pd.Series, str, TrendResult | None]:
    """The un-rolled values of the window's latest run of consecutive periods, or "Not
    available" (no value for the latest period, or too few to be able to reach significance)."""
    n_steps = settings.window_quarters * 3 // frequency_months
    values, note = _window_values(data, "raw_value", _window_end(data), frequency_months, n_steps)
    if len(values) and pd.isna(values.iloc[-1]):
        return values, note, _not_available(method, 0, f"{note}; no value for the latest period")
    values, note = _latest_run(values, note)
    why = _too_few(method, len(values), settings, note, frequency_months=frequency_months)
    if why:
        return values, note, _not_available(method, len(values), why)
    return values, note, None


# ----- quasi-likelihood regression on the counts -------------------------------------------------
@dataclass(frozen=True)
class RegressionFit:
    """Arrays over the batch (the leading axes of the counts) of one trend regression.

    `coef` is the trend coefficient per year on the link scale (log rate for counts, log odds for
    percentages), `se` its standard error, `t` = coef / se, `p` the two-sided p-value from Student's
    t with `df` degrees of freedom, `scale` the estimated dispersion.
    """

    coef: np.ndarray
    se: np.ndarray
    t: np.ndarray
    p: np.ndarray
    scale: np.ndarray
    df: int


def working_correlations(
    quarters: np.ndarray, span: int, rho: float
) -> tuple[np.ndarray, np.ndarray]:
    """The two correlation shapes of the regression's working covariance.

    Point i sums the `span` quarters ending at quarter `quarters[i]` (span 4: a 12-month rolling
    figure at a quarter end; 1: the quarter's own count). Returns (shared, wander): `shared[i, j]`
    is the fraction of quarters two points share (the correlation of their Poisson or binomial
    noise, independent from quarter to quarter), `wander[i, j]` the mean of rho^|q - r| over the
    quarters q of point i and r of point j (the correlation of a log-normal AR(1) quarter effect
    with lag-1 correlation `rho`).
    """
    q = np.asarray(quarters, dtype=np.int64)
    if q.ndim != 1 or span < 1:
        raise ValueError("quarters must be one-dimensional and span at least 1")
    covered = q[:, None] - np.arange(span)[None, :]  # (n, span)
    lag = np.abs(covered[:, None, :, None] - covered[None, :, None, :])  # (n, n, span, span)
    shared = (lag == 0).sum(axis=(2, 3)) / span
    wander = (float(rho) ** lag).mean(axis=(2, 3))
    return shared, wander


def regression_trend(
    events: np.ndarray,
    exposure: np.ndarray,
    quarters: np.ndarray,
    *,
    family: str = "poisson",
    seasonal: bool = False,
    span: int = 1,
    rho: float = 0.0,
    cv: float = 0.0,
    max_iterations: int = 50,
) -> RegressionFit:
    """Trend per year of counts (log link) or shares (logit link), by quasi-likelihood.

    `events` holds counts, shape (..., n) (the leading axes are a batch, fitted independently);
    `exposure` the population (``family="poisson"``: log offset; ones for plain counts) or the
    number of trials (``"binomial"``: respondents, cases); `quarters` the quarter index of each
    point (gaps allowed). The mean is exp or expit of a + b * years (+ quarter-of-year terms when
    `seasonal`). The working covariance of the counts is

        V = scale * [ sqrt(a a') * shared + cv^2 * (a a') * wander ],

    with a = mu (Poisson) or n p (1 - p) (binomial) and `shared`, `wander` from
    `working_correlations(quarters, span, rho)`: Poisson or binomial noise plus a log-normal
    (logit-normal) quarter effect with coefficient of variation `cv` and lag-1 correlation `rho`.
    With cv = 0 and span = 1 this is the ordinary quasi-Poisson (quasi-binomial) model with the
    scale from Pearson's chi-squared. The estimating equations D' V^-1 (y - mu) = 0 (D = a X)
    are solved by Fisher scoring; the scale is r' V^-1 r / df with df = n - parameters, and the
    p-value of the trend uses Student's t with df degrees of freedom.
    """
    if family not in ("poisson", "binomial"):
        raise ValueError(f"family must be 'poisson' or 'binomial', got '{family}'")
    y = np.asarray(events, dtype=np.float64)
    e = np.broadcast_to(np.asarray(exposure, dtype=np.float64), y.shape)
    q = np.asarray(quarters, dtype=np.int64)
    n = y.shape[-1]
    if q.shape != (n,):
        raise ValueError(f"quarters has shape {q.shape}; the counts have {n} points")
    if np.any(e <= 0) or np.any(y < 0) or (family == "binomial" and np.any(y > e)):
        raise ValueError("counts must be >= 0 and exposures > 0 (and counts <= trials)")
    x = design_matrix(q, seasonal)
    k = x.shape[1]
    df = n - k
    if df < 1:
        raise ValueError(f"{n} points cannot fit {k} parameters with a degree of freedom left")
    batch = y.shape[:-1]
    y2 = y.reshape(-1, n)
    e2 = e.reshape(-1, n)
    shared, wander = working_correlations(q, span, rho)

    def mean_and_variance(beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        eta = beta @ x.T
        if family == "poisson":
            mu = e2 * np.exp(eta)
            return mu, mu
        share = 1.0 / (1.0 + np.exp(-eta))
        return e2 * share, e2 * share * (1.0 - share)

    def weights(a: np.ndarray) -> np.ndarray:
        root = np.sqrt(a)
        v = (
            root[:, :, None] * root[:, None, :] * shared
            + cv**2 * a[:, :, None] * a[:, None, :] * wander
        )
        return np.linalg.inv(v)

    beta = np.zeros((y2.shape[0], k))
    overall = np.clip(y2.sum(axis=1), 0.5, None) / e2.sum(axis=1)
    if family == "poisson":
        beta[:, 0] = np.log(overall)
    else:
        overall = np.clip(overall, 1e-6, 1 - 1e-6)
        beta[:, 0] = np.log(overall / (1 - overall))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(max_iterations):
            mu, a = mean_and_variance(beta)
            v_inv = weights(a)
            d = a[:, :, None] * x[None]
            info = np.einsum("bij,bik,bkl->bjl", d, v_inv, d)
            score = np.einsum("bij,bik,bk->bj", d, v_inv, y2 - mu)
            step = np.linalg.solve(info, score[..., None])[..., 0]
            beta = beta + step
            if np.all(np.abs(step) < 1e-9):
                break
        mu, a = mean_and_variance(beta)
        v_inv = weights(a)
        d = a[:, :, None] * x[None]
        info = np.einsum("bij,bik,bkl->bjl", d, v_inv, d)
        resid = y2 - mu
        scale = np.einsum("bi,bij,bj->b", resid, v_inv, resid) / df
        se = np.sqrt(scale * np.linalg.inv(info)[:, 1, 1])
        t = beta[:, 1] / se
        p = 2 * student_t.sf(np.abs(t), df)
    return RegressionFit(
        coef=beta[:, 1].reshape(batch),
        se=se.reshape(batch),
        t=t.reshape(batch),
        p=p.reshape(batch),
        scale=scale.reshape(batch),
        df=df,
    )


def design_matrix(quarters: np.ndarray, seasonal: bool) -> np.ndarray:
    """Intercept, years since the window's middle, and (`seasonal`) quarter-of-year indicators
    for each quarter of the year present apart from the first present (the reference)."""
    q = np.asarray(quarters, dtype=np.int64)
    years = (q - (q.min() + q.max()) / 2) / 4
    columns = [np.ones(len(q)), years]
    if seasonal:
        of_year = q % 4
        present = sorted(set(of_year.tolist()))
        columns += [(of_year == s).astype(np.float64) for s in present[1:]]
    return np.column_stack(columns)


def _regression(
    data: pd.DataFrame,
    unit: str,
    settings: TrendSettings,
    down_word: str,
    frequency_months: int,
    rolled: bool,
) -> TrendResult:
    """Quasi-Poisson (counts, rates) or quasi-binomial (percentages) trend regression.

    On the quarters' own counts when the series has them (raw_count, and raw_denominator for
    rates and percentages), with quarter-of-year terms; otherwise on the 12-month figures
    (count, denominator) at their step, their working covariance allowing for the months they
    share. Missing quarters are left out of the fit and named in the note.
    """
    method = settings.method
    if unit == "ratio":
        return _mann_kendall_rolling(
            data, unit, settings, down_word, frequency_months, rolled,
            method="mann_kendall_rolling",
            why="a ratio of two rates has no count model: Mann-Kendall on the rolling figure",
        )  # fmt: skip
    family = "binomial" if unit == "percent" else "poisson"
    needs_exposure = unit != "count"
    end = _window_end(data)
    raw = (
        frequency_months in (1, 3)
        and rolled
        and "raw_count" in data.columns
        and data["raw_count"].notna().any()
        and (not needs_exposure or "raw_denominator" in data.columns)
    )
    if raw:
        step, span, columns = 3, 1, ("raw_count", "raw_denominator")
    else:
        step = max(3, frequency_months)
        span = ROLLING_WINDOW_MONTHS // 3 if rolled else 1
        columns = ("count", "denominator")
    n_steps = settings.window_quarters * 3 // step
    wanted = pd.period_range(end=end, periods=n_steps * step, freq="M")[step - 1 :: step]
    # A monthly source's quarters are the sums of their three months (a month missing: missing).
    months = 3 if raw and frequency_months == 1 else 1
    events = _column(data, columns[0], wanted, months)
    exposure = (
        _column(data, columns[1], wanted, months) if needs_exposure else pd.Series(1.0, wanted)
    )
    if events.isna().all():
        return _mann_kendall_rolling(
            data, unit, settings, down_word, frequency_months, rolled,
            method="mann_kendall_rolling",
            why="no counts for the regression: Mann-Kendall on the rolling figure",
        )  # fmt: skip
    first = events.first_valid_index()
    events, exposure = events.loc[first:], exposure.loc[first:]
    usable = events.notna() & exposure.notna() & (exposure > 0) & (events >= 0)
    if family == "binomial":
        usable &= events <= exposure
    note = ""
    left_out = [str(p) for p in events.index[~usable]]
    if left_out:
        shown = ", ".join(left_out[:6]) + (" ..." if len(left_out) > 6 else "")
        note = f"no data for {shown}: left out of the regression"
    quarters = np.array([(p.ordinal - end.ordinal) // 3 for p in events.index[usable]])
    y = events[usable].to_numpy(dtype=np.float64)
    e = exposure[usable].to_numpy(dtype=np.float64)
    # Quarter-of-year terms for counts (crime is seasonal); shares rarely are, and three more
    # parameters would cost a third of the 12 quarters' degrees of freedom.
    seasonal = raw and family == "poisson" and len(set((quarters % 4).tolist())) > 1
    why = _too_few(method, len(y), settings, note, seasonal_terms=seasonal, raw=raw)
    if why:
        return _not_available(method, len(y), why)
    share = 100 * y / e if family == "binomial" else y
    if _at_ceiling(share, unit):
        return TrendResult(
            CEILING, method, None, None, 0.0, len(y), _join(note, "100% throughout the window")
        )
    if y.sum() == 0:  # nothing to fit a change to (100% was the ceiling above)
        what = "no events" if family == "poisson" else "0% throughout"
        return TrendResult(
            STABLE, method, 0.0, 1.0, 0.0, len(y), _join(note, f"{what} in the window")
        )
    ar1 = method == "regression_ar1"
    fit = regression_trend(
        y, e, quarters, family=family, seasonal=seasonal, span=span,
        rho=WORKING_RHO if ar1 else 0.0, cv=WORKING_CV if ar1 else 0.0,
    )  # fmt: skip
    t, p, coef = float(fit.t), float(fit.p), float(fit.coef)
    if not (math.isfinite(t) and math.isfinite(p)):
        return _not_available(method, len(y), _join(note, "the regression did not converge"))
    change = math.expm1(coef)
    per = "odds" if family == "binomial" else "count" if unit == "count" else "rate"
    basis = "quarterly counts" if raw else "12-month figures" if rolled else "figures"
    detail = f"fitted change of the {per} {change:+.1%} a year, from the {basis}"
    return TrendResult(
        _word(p < settings.alpha, coef, down_word),
        method,
        t,
        p,
        change,
        len(y),
        _join(note, detail),
    )


def _column(data: pd.DataFrame, column: str, wanted: pd.PeriodIndex, months: int = 1) -> pd.Series:
    """`column` at each period of `wanted`, or its sum over the `months` months ending there
    (NaN when any of them is missing)."""
    if column not in data.columns:
        return pd.Series(np.nan, index=wanted)
    values = data[column].astype(np.float64)
    total = sum(values.reindex(wanted - k).to_numpy() for k in range(months))
    return pd.Series(total, index=wanted)


# ----- the fewest points that can give a word -----------------------------------------------------
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
        return float(2 * norm.sf(_mann_kendall_z(s, var_s)))
    if method == "seasonal_mann_kendall":
        season = 12 // frequency_months
        sizes = [n // season + (1 if i < n % season else 0) for i in range(season)]
        s = sum(m * (m - 1) / 2 for m in sizes)
        var_s = sum(m * (m - 1) * (2 * m + 5) / 18 for m in sizes)
        return 1.0 if s == 0 else float(2 * norm.sf(_mann_kendall_z(s, var_s)))
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


# ----- latest 12 months against the 12 before ---------------------------------------------------
def _rate_ratio(
    data: pd.DataFrame, unit: str, settings: TrendSettings, down_word: str
) -> TrendResult:
    method = settings.method
    latest = _window_end(data)
    previous = latest - 12
    if previous not in data.index:
        return _not_available(method, 1, f"no 12-month figure for {previous} to compare with")
    rows = data.loc[[previous, latest]]
    counts = rows["count"] if "count" in rows.columns else pd.Series(np.nan, index=rows.index)
    has_counts = bool(counts.notna().all())
    has_denominators = "denominator" in rows.columns and bool(rows["denominator"].notna().all())

    if unit == "percent":
        if not (has_counts and has_denominators):
            return _not_available(
                method, 2, "the two-proportion test needs counts and denominators"
            )
        return _two_proportions(counts, rows["denominator"], method, settings, down_word)
    if unit == "count":
        # A count measure's value is the count; without a denominator the two 12-month windows
        # have the same exposure.
        events = counts if has_counts else rows["value"]
        if events.isna().any():
            return _not_available(method, 2, f"missing count for {previous} or {latest}")
        exposures = rows["denominator"] if has_denominators else pd.Series(1.0, index=rows.index)
        return _two_poisson(events, exposures, method, settings, down_word)
    if not (has_counts and has_denominators):
        return _not_available(method, 2, "the Poisson rate test needs counts and denominators")
    return _two_poisson(counts, rows["denominator"], method, settings, down_word)


def _two_poisson(
    counts: pd.Series, exposures: pd.Series, method: str, settings: TrendSettings, down_word: str
) -> TrendResult:
    """Exact conditional test: given a + b events, a ~ Binomial(a + b, e_a / (e_a + e_b))."""
    b, a = (round(float(c)) for c in counts)  # rows are (previous, latest)
    e_b, e_a = (float(e) for e in exposures)
    if a + b == 0:
        return TrendResult(STABLE, method, None, 1.0, None, 2, "no events in either 12 months")
    p = float(binomtest(a, a + b, e_a / (e_a + e_b)).pvalue)
    ratio = math.inf if b == 0 else (a / e_a) / (b / e_b)
    direction = (a / e_a) - (b / e_b)
    return TrendResult(
        _word(p < settings.alpha, direction, down_word), method, ratio, p, None, 2, ""
    )


def _two_proportions(
    counts: pd.Series, denominators: pd.Series, method: str, settings: TrendSettings, down_word: str
) -> TrendResult:
    b, a = (float(c) for c in counts)
    n_b, n_a = (float(n) for n in denominators)
    if n_a <= 0 or n_b <= 0:
        return _not_available(method, 2, "a denominator of zero: no percentage to test")
    share_a, share_b = 100 * a / n_a, 100 * b / n_b
    if _at_ceiling(np.array([share_a, share_b]), "percent"):
        return TrendResult(CEILING, method, 0.0, None, None, 2, "100% in both 12-month periods")
    difference = share_a - share_b
    pooled = (a + b) / (n_a + n_b)
    if pooled in (0.0, 1.0):
        return TrendResult(STABLE, method, difference, 1.0, None, 2, "no variation to test")
    _, p = proportions_ztest(np.array([a, b]), np.array([n_a, n_b]))
    p = float(p)
    return TrendResult(
        _word(p < settings.alpha, difference, down_word), method, difference, p, None, 2, ""
    )


# ----- statistical process control --------------------------------------------------------------
def _spc(
    data: pd.DataFrame, unit: str, settings: TrendSettings, down_word: str, frequency_months: int
) -> TrendResult:
    method = settings.method
    # Making Data Count charts each month's (or quarter's) own figure. Rolled figures share 9 of
    # 12 months, so their moving ranges understate the variation and the limits sit too close.
    if "raw_value" not in data.columns or data["raw_value"].isna().all():
        return _not_available(
            method, 0, "the XmR chart needs the monthly or quarterly values, not rolled (raw_value)"
        )
    values, note, unavailable = _raw_run(data, settings, method, frequency_months)
    if unavailable is not None:
        return unavailable
    x = values.to_numpy()
    if _at_ceiling(x, unit):
        return TrendResult(
            CEILING, method, None, None, None, len(x), _join(note, "100% throughout the window")
        )
    signals = _spc_signals(x)
    if not signals:
        return TrendResult(
            STABLE,
            method,
            None,
            None,
            None,
            len(x),
            _join(note, "no special-cause variation at the latest point"),
        )
    # Several rules can fire at once; the order of SPC_RULES (most to least direct evidence)
    # decides the direction should they ever disagree.
    direction = next(signals[r] for r in SPC_RULES if r in signals)
    fired = "; ".join(
        f"{SPC_RULES[r]} ({'high' if signals[r] > 0 else 'low'})" for r in SPC_RULES if r in signals
    )
    word = INCREASING if direction > 0 else down_word
    return TrendResult(
        word, method, None, None, None, len(x), _join(note, f"special cause: {fired}")
    )


def _spc_signals(x: np.ndarray) -> dict[str, int]:
    """Making Data Count special-cause rules that include the last point of `x`.

    Returns {rule: +1 (high) or -1 (low)} for each rule of `SPC_RULES` that fires with the last
    point as part of the pattern. Points exactly on the mean break a run; equal neighbours
    break a rising or falling sequence.
    """
    x = np.asarray(x, dtype=np.float64)
    mean = float(x.mean())
    mr_bar = float(np.abs(np.diff(x)).mean())
    upper = mean + SPC_LIMIT_FACTOR * mr_bar
    lower = mean - SPC_LIMIT_FACTOR * mr_bar
    near_upper = mean + (upper - mean) * 2 / 3
    near_lower = mean - (mean - lower) * 2 / 3
    last = x[-1]
    signals: dict[str, int] = {}

    if last > upper:
        signals["beyond_limits"] = 1
    elif last < lower:
        signals["beyond_limits"] = -1

    recent = x[-3:]
    if len(recent) == 3 and last > near_upper and (recent > near_upper).sum() >= 2:
        signals["two_of_three"] = 1
    elif len(recent) == 3 and last < near_lower and (recent < near_lower).sum() >= 2:
        signals["two_of_three"] = -1

    side = np.sign(x - mean)
    run = _trailing_run(side)
    if run >= SPC_RUN_LENGTH and side[-1] != 0:
        signals["run"] = int(side[-1])

    steps = np.sign(np.diff(x))
    rising = _trailing_run(steps) + 1  # n equal-signed steps span n + 1 points
    if rising >= SPC_TREND_LENGTH and steps[-1] != 0:
        signals["trend"] = int(steps[-1])
    return signals


def _trailing_run(signs: np.ndarray) -> int:
    """How many values at the end of `signs` equal the last one."""
    if len(signs) == 0:
        return 0
    differs = np.flatnonzero(signs != signs[-1])
    return len(signs) - (differs[-1] + 1 if len(differs) else 0)
