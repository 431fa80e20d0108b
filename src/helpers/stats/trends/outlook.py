"""`trend_outlook`: the Trend / Outlook word from the method the settings name, and the
methods note that describes it.
"""

from __future__ import annotations

import pandas as pd

from helpers.core.config import TrendSettings
from helpers.stats.trends.mann_kendall import (
    mann_kendall_hamed_rao_outlook,
    mann_kendall_rolling_outlook,
)
from helpers.stats.trends.rate_ratio import rate_ratio_outlook
from helpers.stats.trends.regression import WORKING_CV, WORKING_RHO, regression_outlook
from helpers.stats.trends.result import (
    DOWN_WORDS,
    FREQUENCIES,
    REGRESSION_METHODS,
    TrendResult,
    not_available,
)
from helpers.stats.trends.unrolled import seasonal_mann_kendall_outlook, spc_outlook
from helpers.stats.trends.window import prepare_series


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
    data = prepare_series(series)
    method = settings.method
    if data.empty or data["value"].isna().all():
        return not_available(method, 0, "no values to test")

    if method == "mann_kendall_rolling":
        return mann_kendall_rolling_outlook(
            data, unit, settings, down_word, frequency_months, rolled
        )
    if method == "mann_kendall_hamed_rao":
        return mann_kendall_hamed_rao_outlook(data, unit, settings, down_word, frequency_months)
    if method == "seasonal_mann_kendall":
        return seasonal_mann_kendall_outlook(data, unit, settings, down_word, frequency_months)
    if method == "rate_ratio":
        return rate_ratio_outlook(data, unit, settings, down_word)
    if method == "spc":
        return spc_outlook(data, unit, settings, down_word, frequency_months)
    if method in REGRESSION_METHODS:
        return regression_outlook(data, unit, settings, down_word, frequency_months, rolled)
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
