"""Trend / Outlook: one word per measure, from a documented statistical test.

The 12-month rolling series is smooth and strongly autocorrelated (consecutive quarterly points
share 9 of their 12 months), so comparing the latest figure with an earlier one says little:
the word must come from a test. The test is a setting (`params/report.yaml`, ``trend``):

``mann_kendall_rolling`` (default)
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
("Reducing", or "Decreasing" for public confidence), otherwise "Stable"; a percentage at 100
throughout the window is "Stable (100%)"; too little data is "Not available", with a note.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pymannkendall as mk
from scipy.stats import binomtest, norm
from statsmodels.stats.proportion import proportions_ztest

from helpers.config import TrendSettings

TREND_WORDS = ("Increasing", "Reducing", "Decreasing", "Stable", "Stable (100%)", "Not available")
INCREASING, STABLE, CEILING, NOT_AVAILABLE = (
    "Increasing",
    "Stable",
    "Stable (100%)",
    "Not available",
)
DOWN_WORDS = ("Reducing", "Decreasing")
MIN_POINTS = 6
FREQUENCIES = (1, 3, 6, 12)  # native steps of a series, in months
RATE_UNITS = ("rate_per_1000", "rate_per_1000_households")
ROLLING_WINDOW_MONTHS = 12  # every rolled figure sums the 12 months ending at its period

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

    `statistic` is the method's test statistic (Mann-Kendall z; the rate ratio, or the
    difference in percentage points for percentages, for ``rate_ratio``; None for ``spc``).
    `slope` is Sen's slope in the measure's unit per quarter (per year for the seasonal test).
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
    (the rolling figure), and where known count and denominator (12-month sums) and raw_value
    (the period's own, un-rolled value). `frequency_months` is the series' native step: 1 for
    monthly data, 3 for quarterly, 6 or 12 for half-yearly or yearly snapshots (these are tested
    at their own step, as they have no value at every quarter end).

    `rolled` says whether `value` is a 12-month rolling figure (True: sums or shares over the 12
    months ending at each period, including published year-ending estimates such as the Crime
    Survey's) or a figure at a point in time (False: workforce headcounts as at a date). Only
    ``mann_kendall_rolling`` uses it: overlapping 12-month windows are autocorrelated by
    construction and the test allows for it; point-in-time figures get the unmodified test.

    The window ends at the latest quarter end in the series and reaches back
    `settings.window_quarters` quarters, or to the first non-missing value if that is later.
    Missing values inside the window, or fewer than 6 points, give "Not available".
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
    raise ValueError(f"unknown trend method '{method}'")


def describe_method(settings: TrendSettings) -> str:
    """A few plain-English sentences for the report's methods note."""
    window = _window_words(settings.window_quarters)
    alpha = f"{settings.alpha:g}"
    verdict = (
        f"a change is called Increasing or Reducing when it is statistically significant "
        f"(p < {alpha}), otherwise Stable."
    )
    if settings.method == "mann_kendall_rolling":
        return (
            "Trend / Outlook comes from a Mann-Kendall test of whether the 12-month rolling "
            f"figure, taken at each quarter end over the last {window}, has tended to rise or "
            "fall, with Sen's slope for the size of the change. Figures a quarter apart share 9 "
            "of their 12 months, so they move together even when nothing changes; the test "
            "allows for that overlap (Hamed and Rao's 1998 variance correction), so that "
            "the smoothing is not mistaken for a trend. A change is called Increasing or "
            f"Reducing when p < {alpha}, otherwise Stable: for small numbers, Stable often means "
            "not enough evidence of a change rather than evidence of no change."
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
        "level is used). A rise or fall is reported only when the latest point is part of "
        "special-cause variation (a point beyond the limits, a run of 7 on one side of the "
        "mean, 7 rising or falling, or 2 of 3 beyond two-thirds of the limits); otherwise Stable."
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


def _rolling_points(
    data: pd.DataFrame, settings: TrendSettings, method: str, frequency_months: int
) -> tuple[np.ndarray | None, TrendResult | None]:
    """The rolling values in the window, or the "Not available" result.

    Sampled at quarter ends, so that a monthly and a quarterly source give the same points;
    half-yearly or yearly series at their own step.
    """
    step = max(3, frequency_months)
    n_steps = settings.window_quarters * 3 // step
    values, note = _window_values(data, "value", _window_end(data), step, n_steps)
    if note:
        return None, _not_available(method, int(values.notna().sum()), note)
    if len(values) < MIN_POINTS:
        return None, _not_available(
            method,
            len(values),
            f"only {len(values)} points in the window; the test needs at least {MIN_POINTS}",
        )
    return values.to_numpy(), None


# ----- Mann-Kendall -----------------------------------------------------------------------------
def _mann_kendall_points(
    data: pd.DataFrame, unit: str, settings: TrendSettings, frequency_months: int
) -> tuple[np.ndarray | None, TrendResult | None]:
    """The rolling points to test, or the result when no test is needed or possible."""
    method = settings.method
    x, unavailable = _rolling_points(data, settings, method, frequency_months)
    if unavailable is not None:
        return None, unavailable
    assert x is not None
    if _at_ceiling(x, unit):
        return None, TrendResult(
            CEILING, method, None, None, 0.0, len(x), "100% throughout the window"
        )
    if np.ptp(x) == 0:
        # Every pair is tied: no trend. Skipping the library here avoids its 0/0 autocorrelation.
        return None, TrendResult(STABLE, method, 0.0, 1.0, 0.0, len(x), "the value did not change")
    return x, None


def _mann_kendall(
    data: pd.DataFrame, unit: str, settings: TrendSettings, down_word: str, frequency_months: int
) -> TrendResult:
    method = settings.method
    x, settled = _mann_kendall_points(data, unit, settings, frequency_months)
    if settled is not None:
        return settled
    assert x is not None
    note = ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = mk.hamed_rao_modification_test(x, alpha=settings.alpha)
        if not math.isfinite(result.z) and _detrended_is_constant(x, result.slope):
            # A series on an exact straight line leaves nothing to autocorrelate once Sen's
            # slope is removed (the library then divides 0 by 0): no correction is needed.
            result = mk.original_test(x, alpha=settings.alpha)
            note = "values on a straight line: no autocorrelation correction needed"
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


def _mann_kendall_rolling(
    data: pd.DataFrame,
    unit: str,
    settings: TrendSettings,
    down_word: str,
    frequency_months: int,
    rolled: bool,
) -> TrendResult:
    method = settings.method
    x, settled = _mann_kendall_points(data, unit, settings, frequency_months)
    if settled is not None:
        return settled
    assert x is not None
    n = len(x)
    step = max(3, frequency_months)
    # Approximations, stated: Hamed and Rao's rho_k is the autocorrelation of the ranks; the
    # known autocorrelation of the values stands in for it (for normal data the rank
    # autocorrelation is (6/pi) asin(rho/2) = 0.73, 0.48, 0.24, within 0.02). Their formula is
    # itself approximate: at n = 12 it widens Var(S) 2.86 times where simulation of rolled
    # independent periods gives 3.09 (tests/test_trends.py), so z is about 4% too large; the
    # simulated false-alarm rate stays below alpha (benchmarks/trend_methods.py). Only the
    # autocorrelation that the overlap of 12-month windows creates is allowed for: estimated
    # from 12 points, autocorrelation is too noisy to use (the Hamed-Rao method's weakness here).
    factor = hamed_rao_variance_factor(n, overlap_autocorrelation(step)) if rolled else 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        plain = mk.original_test(x, alpha=settings.alpha)
    s, var_s = float(plain.s), float(plain.var_s) * factor  # var_s allows for ties
    # Continuity correction as in pymannkendall (and Hamed and Rao): |S| - 1.
    z = 0.0 if s == 0 else (s - math.copysign(1.0, s)) / math.sqrt(var_s)
    p = float(2 * norm.sf(abs(z)))
    return TrendResult(
        _word(p < settings.alpha, z, down_word), method, z, p, float(plain.slope), n, ""
    )


def _seasonal(
    data: pd.DataFrame, unit: str, settings: TrendSettings, down_word: str, frequency_months: int
) -> TrendResult:
    method = settings.method
    if "raw_value" not in data.columns:
        return _not_available(method, 0, "the seasonal test needs the un-rolled values (raw_value)")
    season = 12 // frequency_months
    n_steps = settings.window_quarters * 3 // frequency_months
    values, note = _window_values(data, "raw_value", _window_end(data), frequency_months, n_steps)
    if note:
        return _not_available(method, int(values.notna().sum()), note)
    x = values.to_numpy()
    if len(x) < max(MIN_POINTS, 2 * season):
        return _not_available(
            method,
            len(x),
            f"only {len(x)} values; the seasonal test needs at least two years ({2 * season})",
        )
    if _at_ceiling(x, unit):
        return TrendResult(CEILING, method, None, None, 0.0, len(x), "100% throughout the window")
    if np.ptp(x) == 0:
        return TrendResult(STABLE, method, 0.0, 1.0, 0.0, len(x), "the value did not change")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = mk.seasonal_test(x, period=season, alpha=settings.alpha)
    z, p, slope = float(result.z), float(result.p), float(result.slope)
    return TrendResult(
        _word(p < settings.alpha, z, down_word), method, z, p, slope, len(x), "Sen's slope per year"
    )


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
    n_steps = settings.window_quarters * 3 // frequency_months
    values, note = _window_values(data, "raw_value", _window_end(data), frequency_months, n_steps)
    if note:
        return _not_available(method, int(values.notna().sum()), note)
    if len(values) < MIN_POINTS:
        return _not_available(
            method,
            len(values),
            f"only {len(values)} points in the window; the test needs at least {MIN_POINTS}",
        )
    x = values.to_numpy()
    if _at_ceiling(x, unit):
        return TrendResult(CEILING, method, None, None, None, len(x), "100% throughout the window")
    signals = _spc_signals(x)
    if not signals:
        return TrendResult(
            STABLE,
            method,
            None,
            None,
            None,
            len(x),
            "no special-cause variation at the latest point",
        )
    # Several rules can fire at once; the order of SPC_RULES (most to least direct evidence)
    # decides the direction should they ever disagree.
    direction = next(signals[r] for r in SPC_RULES if r in signals)
    fired = "; ".join(
        f"{SPC_RULES[r]} ({'high' if signals[r] > 0 else 'low'})" for r in SPC_RULES if r in signals
    )
    word = INCREASING if direction > 0 else down_word
    return TrendResult(word, method, None, None, None, len(x), f"special cause: {fired}")


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
