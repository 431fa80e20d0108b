"""The Trend / Outlook words, the result of a test, and how every test words its result."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.config import ExceptionalPeriod
from helpers.stats.trends.noise import TrendNoise

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


# What a finding can say about its points and its test (`TrendDetail.kind`); present.wording
# words each one. No sentence is built here: a kind, the periods it names and its figures.
DETAIL_KINDS = (
    "missing",  # periods: quarters with no data, left out of the fit
    "no_seasonal_terms",  # periods: quarters of the year with no events; no quarter-of-year terms
    "seasons_too_few",  # periods: quarters of the year seen once in the window; no such terms
    "not_converged",  # the regression did not converge or broke down: no word from it
    "no_events",  # no events in the window (counts, rates)
    "all_zero",  # 0% throughout the window (percentages)
    "ceiling",  # 100% throughout the window (rate_ratio: in both 12-month periods)
    "too_few",  # numbers: (points, points needed, smallest p-value or NaN[, alpha])
    "fallback",  # periods: (why,) a ratio or no counts: the rolling Mann-Kendall instead
    # The rank, ratio and SPC methods:
    "no_values",  # the series has no values at all
    "gaps",  # periods: those missing in the test window; numbers: (1,) for un-rolled values
    "latest_missing",  # no value for the latest period
    "latest_run",  # numbers: (points,) only the consecutive values since the last gap tested
    "unchanged",  # the value did not change over the window
    "straight_line",  # values on a straight line: tested without the Hamed-Rao correction
    "no_variance",  # the Hamed-Rao correction gave no usable variance
    "per_year",  # Sen's slope is per year (seasonal Mann-Kendall)
    "needs_raw",  # the method needs the un-rolled values (raw_value), which the series lacks
    "no_special_cause",  # no special-cause variation at the latest point (XmR)
    "special_cause",  # periods: the SPC_RULES that fired; numbers: +1 high or -1 low for each
    "no_previous",  # periods: (the 12-month period before the latest, absent)
    "needs_counts",  # periods: ("proportions",) or ("poisson",), the test that needs them
    "count_missing",  # periods: (previous, latest): a count missing for one of them
    "no_events_either",  # no events in either 12-month period
    "zero_denominator",  # a denominator of zero: no percentage to test
    "no_variation",  # the two shares leave no variation to test
)


@dataclass(frozen=True)
class TrendDetail:
    """One fact about how a finding was reached, for present.wording to word.

    `kind` is one of DETAIL_KINDS; `periods` names periods (labels such as "2023-06"), quarters
    of the year, special-cause rules or a reason code; `numbers` carries the figures the kind
    needs.
    """

    kind: str
    periods: tuple[str, ...] = ()
    numbers: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in DETAIL_KINDS:
            raise ValueError(f"'{self.kind}' is not a trend detail: {DETAIL_KINDS}")


@dataclass(frozen=True)
class ExceptionalQuarter:
    """A quarter left out of the trend test as exceptional against the rest of the window:
    its `count`, the `usual` count the fit of the other quarters expects, and the tail
    probability `p_value` of a count at least that far from it (Poisson plus the quarter noise)."""

    period: pd.Period
    count: float
    usual: float
    p_value: float


@dataclass(frozen=True)
class TrendResult:
    """The Trend / Outlook finding for one measure and the test behind it.

    `statistic` is the method's test statistic (Mann-Kendall z; t for the regressions; the rate
    ratio, or the difference in percentage points for percentages, for ``rate_ratio``; None for
    ``spc``). `slope` is Sen's slope in the measure's unit per quarter (per year for the
    seasonal test); for the regressions the fitted change a year (rate or odds ratio minus 1),
    with its `interval` at `level` (the regressions only). `n_points` is the number of values
    tested. `details` say what else was found (why "Not available", a ceiling, the points left
    out, which special-cause rule fired), as data that present.wording words.

    The rest say what the test used and left out: `tested` the periods whose figures it used
    (quarter ends, for shading a chart), `exceptional` a quarter left out as exceptional,
    `periods_in_window` the settings' exceptional periods (lockdowns) the window holds,
    `per` what changes ("count", "rate" or "odds"), `basis` the figures fitted ("quarterly
    counts", "12-month figures" or "figures") and `noise` the quarter-to-quarter noise allowed
    for (cv, rho and what they came from).
    """

    word: str
    method: str
    statistic: float | None
    p_value: float | None
    slope: float | None
    n_points: int
    interval: tuple[float, float] | None = None
    level: float = 0.95
    tested: tuple[pd.Period, ...] = ()
    exceptional: ExceptionalQuarter | None = None
    periods_in_window: tuple[ExceptionalPeriod, ...] = ()
    details: tuple[TrendDetail, ...] = ()
    per: str = ""
    basis: str = ""
    noise: TrendNoise | None = None

    def __post_init__(self) -> None:
        if self.word not in TREND_WORDS:
            raise ValueError(f"'{self.word}' is not a trend word: {TREND_WORDS}")

    @property
    def significant(self) -> bool:
        """Whether the word reports a change (Increasing or a down word)."""
        return self.word not in (STABLE, CEILING, NOT_AVAILABLE)


def not_available(method: str, n_points: int, *details: TrendDetail) -> TrendResult:
    """ "Not available", with the reason in `details`."""
    return TrendResult(NOT_AVAILABLE, method, None, None, None, n_points, details=details)


def at_ceiling(values: np.ndarray, unit: str) -> bool:
    """A percentage at 100 throughout: "Stable (100%)", as no rise is possible."""
    return unit == "percent" and len(values) > 0 and bool(np.isclose(values, 100.0).all())


def trend_word(significant: bool, direction: float, down_word: str) -> str:
    """Stable unless the change is significant; then Increasing or the measure's down word."""
    if not significant or direction == 0:
        return STABLE
    return INCREASING if direction > 0 else down_word
