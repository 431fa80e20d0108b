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
    quasi-Poisson with the population as offset and quarter-of-year terms for counts and rates
    (none when a quarter of the year has no events in the window: the seasons are then not
    estimable), quasi-binomial for percentages. Its working covariance adds to the Poisson
    (binomial) noise a log-normal AR(1) quarter effect (cv, rho: the measure's `TrendNoise`
    estimated from the panel of all forces when the caller gives one, else the settings'
    working_cv and working_rho), whose scale is estimated, so that a level that wanders is not
    mistaken for a trend; Student's t on the trend, and its interval. Firth's adjusted score
    keeps every fit finite (a quarter of the year with no events, shares at 0% or 100%, every
    event at one end); damped Fisher scoring with a convergence and conditioning check, and a
    fit that does not converge is "Not available", never a number. One quarter exceptional
    against the fit of the others (`quarter_tails`, threshold ``trend.exceptional_p`` from
    benchmarks/exceptional_quarter.py) is left out of the test and named. Survey estimates
    published only for 12 months at a time (CSEW) and series without quarterly counts are fitted
    on the 12-month figures, the working covariance allowing for the months they share. Missing
    quarters are left out of the fit. Ratios (no count model) get ``mann_kendall_rolling``.
    `slope` is the fitted change a year (rate ratio or odds ratio minus 1) with its `interval`,
    `statistic` the t statistic.
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

Every result is a finding (`TrendResult`): the word, the change and its interval, the periods
tested, what was left out and why (`TrendDetail`, `ExceptionalQuarter`) and the settings'
exceptional periods (lockdowns) the window holds; present.wording.trend_words words it.

Words: a significant rise is "Increasing", a significant fall the measure's down word
("Reducing", or "Decreasing" for public confidence), otherwise "Stable": no statistically
significant change over the window, not evidence of no change. A percentage at 100 throughout
the window is "Stable (100%)". Below the fewest points with which the method can reach
p < alpha whatever the data (`minimum_points`) the word is "Not available", with the reason:
"Stable" there would claim a test that could not have found a change.

Gaps (a 12-month figure or a quarter with no data is missing, never zero): rank and run tests
use the latest run of consecutive values, regressions leave the missing quarters out; a missing
latest value is "Not available".

The package, one module per part: `outlook` (the entry point), `result` (the words and the
finding), `noise` (the quarter noise), `exceptional` (an exceptional quarter),
`regression_outlook` (the regressions' finding), `window` (the points a test sees), `fewest`
(the fewest points that can give a word), `overlap` and `mann_kendall` (the rank tests of the
rolling figure), `unrolled` (seasonal Mann-Kendall and SPC, on the un-rolled values), `xmr`
(the XmR chart's rules), `rate_ratio` and `regression` (the fit).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from helpers.stats.trends.exceptional import QuarterTails, quarter_tails
    from helpers.stats.trends.fewest import minimum_points, smallest_p_value
    from helpers.stats.trends.noise import TrendNoise
    from helpers.stats.trends.outlook import trend_outlook
    from helpers.stats.trends.overlap import (
        hamed_rao_variance_factor,
        mann_kendall_overlap,
        overlap_autocorrelation,
    )
    from helpers.stats.trends.regression import (
        WORKING_CV,
        WORKING_RHO,
        RegressionFit,
        design_matrix,
        regression_trend,
        working_correlations,
    )
    from helpers.stats.trends.result import (
        DETAIL_KINDS,
        TREND_WORDS,
        ExceptionalQuarter,
        TrendDetail,
        TrendResult,
    )
    from helpers.stats.trends.xmr import SPC_RULES, spc_signals

# Each name's module, imported when the name is first used (PEP 562): wording a trend finding
# (present.wording.trend_words reads a constant or two) must not import every test's statistics
# (scipy, statsmodels), so that a narrative-only rebuild stays cheap.
_MODULES: dict[str, str] = {
    "QuarterTails": "helpers.stats.trends.exceptional",
    "quarter_tails": "helpers.stats.trends.exceptional",
    "minimum_points": "helpers.stats.trends.fewest",
    "smallest_p_value": "helpers.stats.trends.fewest",
    "TrendNoise": "helpers.stats.trends.noise",
    "trend_outlook": "helpers.stats.trends.outlook",
    "hamed_rao_variance_factor": "helpers.stats.trends.overlap",
    "mann_kendall_overlap": "helpers.stats.trends.overlap",
    "overlap_autocorrelation": "helpers.stats.trends.overlap",
    "WORKING_CV": "helpers.stats.trends.regression",
    "WORKING_RHO": "helpers.stats.trends.regression",
    "RegressionFit": "helpers.stats.trends.regression",
    "design_matrix": "helpers.stats.trends.regression",
    "regression_trend": "helpers.stats.trends.regression",
    "working_correlations": "helpers.stats.trends.regression",
    "DETAIL_KINDS": "helpers.stats.trends.result",
    "TREND_WORDS": "helpers.stats.trends.result",
    "ExceptionalQuarter": "helpers.stats.trends.result",
    "TrendDetail": "helpers.stats.trends.result",
    "TrendResult": "helpers.stats.trends.result",
    "SPC_RULES": "helpers.stats.trends.xmr",
    "spc_signals": "helpers.stats.trends.xmr",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(importlib.import_module(_MODULES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DETAIL_KINDS",
    "SPC_RULES",
    "TREND_WORDS",
    "WORKING_CV",
    "WORKING_RHO",
    "ExceptionalQuarter",
    "QuarterTails",
    "RegressionFit",
    "TrendDetail",
    "TrendNoise",
    "TrendResult",
    "design_matrix",
    "hamed_rao_variance_factor",
    "mann_kendall_overlap",
    "minimum_points",
    "overlap_autocorrelation",
    "quarter_tails",
    "regression_trend",
    "smallest_p_value",
    "spc_signals",
    "trend_outlook",
    "working_correlations",
]
