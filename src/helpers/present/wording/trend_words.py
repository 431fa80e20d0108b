"""The words of a Trend / Outlook finding (`helpers.stats.trends.TrendResult`) and of the
methods note that says how every finding is reached.

The statistics layer returns what it found (the word, the fitted change and its interval, the
quarters used, a quarter left out and why, the exceptional periods the window holds); these
functions say it, so that a sentence changes in one place and is tested as a sentence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from helpers.core.config import ExceptionalPeriod, TrendSettings
from helpers.core.quarters import FinancialQuarter
from helpers.stats.trends.noise import USUALLY_UNDETECTED_BELOW
from helpers.stats.trends.xmr import SPC_RUN_LENGTH, SPC_TREND_LENGTH

TEST_NAMES = {
    "mann_kendall_rolling": "Mann-Kendall test corrected for the overlap of rolling windows",
    "mann_kendall_hamed_rao": "Mann-Kendall test with the Hamed-Rao correction",
    "seasonal_mann_kendall": "seasonal Mann-Kendall test",
    "rate_ratio": "test of the latest 12 months against the 12 before",
    "spc": "statistical process control (XmR) rules",
    "regression_ar1": "regression allowing for quarter-to-quarter variation that persists",
    "quasi_poisson": "quasi-Poisson (quasi-binomial) regression",
}
DOWN_WORDS = ("Reducing", "Decreasing")
# A fitted change whose interval reaches beyond this factor a year (up or down) is not given as
# a figure.
MOST_FOLD, MOST_FOLD_WORD = 10.0, "tenfold"
QUARTER_MONTHS = {
    "Q1": "April to June",
    "Q2": "July to September",
    "Q3": "October to December",
    "Q4": "January to March",
}


def quarter_words(period: pd.Period | str) -> str:
    """A quarter end as a financial quarter: "Q3 2021/22"."""
    return FinancialQuarter.parse(pd.Period(period, "M")).short_label


def percent_change(change: float) -> str:
    """A change a year as a signed whole percentage ("+45%", "−10%"); 1 decimal below 10%."""
    value = 100 * change
    text = f"{abs(value):,.1f}" if abs(value) < 10 else f"{abs(value):,.0f}"
    if text in ("0.0", "0"):
        return "0%"
    return ("+" if value > 0 else "\u2212") + text + "%"


def change_words(trend: Any) -> str:
    """The fitted change a year, only with its interval, and only as a change when it is
    significant: "fitted change of the rate +45% a year (95% interval +10% to +130%)"; when
    not: "no clear change (95% interval of the change a year −10% to +30%)"; "" with no fit."""
    interval = getattr(trend, "interval", None)
    if interval is None or trend.slope is None or any(map(_not_finite, interval)):
        return ""
    level = f"{round(100 * trend.level):d}% interval"
    per = trend.per or "figure"
    if interval[1] > MOST_FOLD - 1 or interval[0] < 1 / MOST_FOLD - 1:
        # A handful of events at one end of the window: the fit is finite but says nothing
        # about the size of the change that a reader could use.
        return (
            f"the size of the change of the {per} cannot be estimated from so few events (its "
            f"{level} reaches beyond a {MOST_FOLD_WORD} change a year)"
        )
    low, high = (percent_change(v) for v in interval)
    if trend.significant:
        return (
            f"fitted change of the {per} {percent_change(trend.slope)} a year ({level} "
            f"{low} to {high})"
        )
    return f"no clear change ({level} of the change of the {per} a year {low} to {high})"


def _not_finite(value: float) -> bool:
    return value is None or not math.isfinite(value)


def detail_words(detail: Any, method: str = "") -> str:
    """One `TrendDetail` of a finding by `method` as a clause."""
    kind = detail.kind
    if kind == "missing":
        return f"no data for {_quarters(detail.periods)}: left out of the regression"
    if kind == "no_seasonal_terms":
        which = _names([QUARTER_MONTHS.get(p, p) for p in detail.periods])
        return (
            f"no quarter-of-year terms: no events in {which} in the window, so the seasons "
            "cannot be estimated from it"
        )
    if kind == "seasons_too_few":
        which = _names([QUARTER_MONTHS.get(p, p) for p in detail.periods])
        return (
            f"no quarter-of-year terms: the window holds {which} only once, too few to "
            "estimate the seasons"
        )
    if kind == "not_converged":
        return "the regression did not converge (the counts leave the change undetermined)"
    if kind == "ceiling" and method == "rate_ratio":
        return "100% in both 12-month periods"
    if kind == "too_few":
        return _too_few_words(*detail.numbers)
    if kind == "fallback":
        why = detail.periods[0] if detail.periods else ""
        if why == "ratio":
            return "a ratio of two rates has no count model: Mann-Kendall on the rolling figure"
        return "no counts for the regression: Mann-Kendall on the rolling figure"
    if kind == "gaps":
        return (
            f"no figure for {_periods(detail.periods, int(detail.numbers[0]))} in the test window"
        )
    if kind == "latest_run":
        n = detail.numbers[0]
        if n == 1:
            return "only the 1 value since then is tested"
        return f"only the {n:.0f} consecutive values since then are tested"
    if kind == "needs_raw":
        if method == "spc":
            return "the XmR chart needs the monthly or quarterly figures themselves, not rolled"
        return "the seasonal test needs the monthly or quarterly figures themselves, not rolled"
    if kind == "special_cause":
        fired = "; ".join(
            f"{SPC_RULE_WORDS[rule]} ({'high' if sign > 0 else 'low'})"
            for rule, sign in zip(detail.periods, detail.numbers, strict=True)
        )
        return f"special cause: {fired}"
    if kind == "no_previous":
        return f"no 12-month figure for {_periods(detail.periods, 3)} to compare with"
    if kind == "needs_counts":
        test = "two-proportion" if detail.periods == ("proportions",) else "Poisson rate"
        return f"the {test} test needs counts and denominators"
    if kind == "count_missing":
        return f"missing count for {_periods(detail.periods, 3, ' or ')}"
    if kind in FIXED_DETAIL_WORDS:
        return FIXED_DETAIL_WORDS[kind]
    raise ValueError(f"no words for the trend detail '{kind}'")


# The details that carry no figures, as clauses.
FIXED_DETAIL_WORDS = {
    "no_events": "no events in the window",
    "all_zero": "0% throughout the window",
    "ceiling": "100% throughout the window",
    "no_values": "no values to test",
    "latest_missing": "no value for the latest period",
    "unchanged": "the value did not change",
    "straight_line": "values on a straight line: no autocorrelation correction needed",
    "no_variance": (
        "the Hamed-Rao autocorrelation correction gave no usable variance for this series"
    ),
    "per_year": "Sen's slope per year",
    "no_special_cause": "no special-cause variation at the latest point",
    "no_events_either": "no events in either 12 months",
    "zero_denominator": "a denominator of zero: no percentage to test",
    "no_variation": "no variation to test",
}
# Making Data Count's special-cause rules (`helpers.stats.trends.SPC_RULES`).
SPC_RULE_WORDS = {
    "beyond_limits": "a point beyond the process limits",
    "two_of_three": "2 of 3 points beyond two-thirds of the way to a process limit",
    "run": f"a run of {SPC_RUN_LENGTH} or more points on one side of the mean",
    "trend": f"{SPC_TREND_LENGTH} or more points in a row rising or falling",
}


def _too_few_words(n: float, needed: float, best: float, alpha: float | None = None) -> str:
    """Why n points give no word; the rank and SPC tests name their significance level."""
    reach = f" (the smallest p-value {n:.0f} can give is {best:.3f})" if best == best else ""
    level = f"at p < {alpha:g} " if alpha is not None else ""
    return (
        f"{n:.0f} point{'s' if n != 1 else ''} to test: {level}this test needs at least "
        f"{needed:.0f} to be able to detect a change{reach}"
    )


def _periods(periods: Sequence[str], step: int, sep: str = ", ") -> str:
    """Quarter ends as financial quarters ("Q1 2023/24"), other steps as months ("June 2023");
    at most six."""
    if step == 3:
        labels = [quarter_words(p) for p in periods]
    else:
        labels = [pd.Period(p, "M").strftime("%B %Y") for p in periods]
    return sep.join(labels[:6]) + (" ..." if len(labels) > 6 else "")


def exceptional_words(exceptional: Any) -> str:
    """ "Q3 2021/22 left out of the trend test: a count of 31 against a usual 4, an exceptional
    quarter"."""
    usual = exceptional.usual
    usual_text = f"{usual:,.0f}" if usual >= 10 else f"{usual:.1f}".removesuffix(".0")
    return (
        f"{quarter_words(exceptional.period)} left out of the trend test: a count of "
        f"{exceptional.count:,.0f} against a usual {usual_text}, an exceptional quarter "
        "(still in the 12-month figure and the chart)"
    )


def period_words(period: ExceptionalPeriod) -> str:
    """ "the window holds the COVID-19 lockdowns (Q1 2020/21 to Q4 2020/21: reason); a change
    measured from them is not the same finding as one from ordinary quarters"."""
    first = FinancialQuarter.containing(pd.Period(period.first, "M")).short_label
    last = FinancialQuarter.containing(pd.Period(period.last, "M")).short_label
    span = first if first == last else f"{first} to {last}"
    return (
        f"the window includes {period.name} ({span}), when {period.reason}: a change measured "
        "across them is not the same finding as one from ordinary quarters"
    )


def shading_alt_text(tested: Sequence[pd.Period], exceptional: pd.Period | None) -> str:
    """What a trend chart's shading and ring show, for its text alternative."""
    if not tested:
        return ""
    first, last = min(tested), max(tested)
    text = (
        f"The shaded band marks the quarters the trend test used, {quarter_words(first)} to "
        f"{quarter_words(last)}."
    )
    if exceptional is not None:
        text += (
            f" The ringed point, {quarter_words(exceptional)}, includes an exceptional quarter "
            "left out of the test."
        )
    return text


def trend_explanation(result: Any) -> str:
    """How the trend word was reached, in sentences: the test, its points, its p-value, the
    fitted change with its interval, what was left out and why, and the exceptional periods
    the window holds. `result` is a MeasureResult (its `trend`)."""
    t = result.trend
    if t is None:
        return ""
    text = f"Test: {TEST_NAMES.get(t.method, t.method)}"
    if t.n_points:
        text += f", {t.n_points} point{'s' if t.n_points != 1 else ''}"
    if t.p_value is not None and not pd.isna(t.p_value):
        text += f", p = {t.p_value:.2f}" if t.p_value >= 0.01 else ", p < 0.01"
    text += "."
    clauses = [change_words(t)]
    if t.basis and t.interval is not None:
        clauses[0] += f", on the {t.basis}"
    if t.exceptional is not None:
        clauses.append(exceptional_words(t.exceptional))
    clauses += [detail_words(d, t.method) for d in t.details]
    clauses += [period_words(p) for p in t.periods_in_window]
    note = "; ".join(c for c in clauses if c)
    if note:
        text += f" {note[0].upper()}{note[1:]}."
    return text


def _quarters(periods: Sequence[str]) -> str:
    labels = [quarter_words(p) for p in periods]
    return ", ".join(labels[:6]) + (" ..." if len(labels) > 6 else "")


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _window_words(quarters: int) -> str:
    years = f" ({quarters // 4} years)" if quarters % 4 == 0 and quarters > 4 else ""
    if quarters == 4:
        years = " (1 year)"
    return f"{quarters} quarters{years}"


def method_note(settings: TrendSettings, *, noise_estimated: bool = False) -> str:
    """A few plain-English sentences for the report's methods note: how the Trend / Outlook
    word is reached with `settings`, and what Stable means. `noise_estimated` says the
    measures' quarter noise was estimated from the panel of all forces (else the settings'
    working values are used)."""
    window = _window_words(settings.window_quarters)
    alpha = f"{settings.alpha:g}"
    falls = " or ".join(DOWN_WORDS)
    level = f"{round(100 * (1 - settings.alpha)):d}%"
    verdict = (
        f"a rise is called Increasing and a fall {falls} (the measure's own word) when it is "
        f"statistically significant (p < {alpha}). Stable means no statistically significant "
        "change over the window, not evidence that nothing changed; where too few figures are "
        "available for the test to be able to detect a change, the word is Not available."
    )
    periods = "".join(
        f" A window that holds {p.name} ({p.reason}) says so beside the word."
        for p in settings.exceptional_periods
    )
    method = settings.method
    if method in ("regression_ar1", "quasi_poisson"):
        ar1 = method == "regression_ar1"
        if ar1 and noise_estimated:
            allowance = (
                "Its variance allows for variation that persists from quarter to quarter, "
                "estimated for each measure from the quarters of all forces (a force's own "
                "history for its local extracts; the settings' working values where the "
                "history is too short), so that a wandering series is not mistaken for a trend; "
            )
        elif ar1:
            allowance = (
                "Its variance allows for variation that persists from quarter to quarter (a "
                f"{settings.working_cv:.0%} quarter effect with a correlation of "
                f"{settings.working_rho:g} between neighbouring quarters), so that a wandering "
                "series is not mistaken for a trend; "
            )
        else:
            allowance = (
                "Its variance allows for extra-Poisson variation, but not for variation that "
                "persists from quarter to quarter; "
            )
        exceptional = (
            " A single quarter's count of crimes far outside what the other quarters of the "
            "window would give (a mass-casualty incident: a chance below "
            f"{settings.exceptional_p:.2g} of a count so far from the fit of the others, "
            "allowing for that variation) is left out of the test and named; the 12-month "
            "figure and the chart still include it."
            if settings.exceptional_p > 0
            else ""
        )
        return (
            "Trend / Outlook comes from a regression on time of each quarter's own counts over "
            f"the last {window}: quasi-Poisson with the population as offset and quarter-of-year "
            "terms for crimes and rates (none when a quarter of the year has no events in the "
            "window or appears in it only once, as the seasons cannot then be estimated), "
            "quasi-binomial for percentages; "
            "survey estimates published only for 12 months at a time are fitted as published, "
            "allowing for the months they share. " + allowance + "Firth's adjustment keeps the "
            "fit finite where a count model alone has none (every event at one end of the "
            "window, a share at 0% or 100%); a fit that does not converge gives Not "
            "available. Quarters with no data are left out of the fit, and "
            + verdict
            + " The fitted change a year "
            f"is shown with its {level} interval, and as a change only when it is significant; "
            "the chart shades the quarters the test used."
            + exceptional
            + periods
            + (
                " A simulation study chose this method (BENCHMARKS.md). The test takes the "
                "variation to be at least what that allowance says, and its critical value is "
                "set by simulation so that false alarms stay at or below 5% (between 2% and 5% "
                "in every setting studied, to the simulation's precision of about 1%, from one "
                "to 5,000 crimes a quarter with quarters wandering as crime counts do), where "
                "fixed working values reached 17% and "
                "plain quasi-Poisson 44%; the p-value and interval shown use the same critical "
                "value. So Stable means no "
                "clear change, not no change: with the variation of typical force series, a "
                f"change smaller than about {USUALLY_UNDETECTED_BELOW:.0%} a year would usually "
                "not be detected over 12 quarters, and at 5 crimes a quarter or fewer not even "
                "20% a year."
                if ar1 and noise_estimated
                else ""
            )
        )
    if method == "mann_kendall_rolling":
        return (
            "Trend / Outlook comes from a Mann-Kendall test of whether the 12-month rolling "
            f"figure, taken at each quarter end over the last {window}, has tended to rise or "
            "fall, with Sen's slope for the size of the change. Figures a quarter apart share 9 "
            "of their 12 months, so they move together even when nothing changes; the test "
            "allows for that overlap (Hamed and Rao's 1998 variance correction), so that "
            "the smoothing is not mistaken for a trend; " + verdict + periods
        )
    if method == "mann_kendall_hamed_rao":
        return (
            "Trend / Outlook comes from a Mann-Kendall trend test, with the Hamed and Rao (1998) "
            "correction for autocorrelation, on the 12-month rolling figure at each quarter end "
            f"over the last {window}; " + verdict + periods
        )
    if method == "seasonal_mann_kendall":
        return (
            "Trend / Outlook comes from a seasonal Mann-Kendall test (Hirsch and Slack, 1984) on "
            f"the monthly or quarterly figures, not rolled, over the last {window}, comparing "
            "each month or quarter with the same one in other years; " + verdict + periods
        )
    if method == "rate_ratio":
        return (
            "Trend / Outlook compares the latest 12 months with the 12 months before, with an "
            "exact test of two Poisson rates (rates and counts) or a two-proportion z-test "
            "(percentages); " + verdict + periods
        )
    return (
        "Trend / Outlook comes from an NHS England 'Making Data Count' XmR chart of the monthly "
        f"or quarterly figures themselves (not the 12-month rolling figure) over the last "
        f"{window}, with limits at the mean ± 2.66 times the mean moving range (no significance "
        "level is used). A rise (Increasing) or fall (" + falls + ") is reported only when the "
        "latest point is part of special-cause variation (a point beyond the limits, a run of 7 "
        "on one side of the mean, 7 rising or falling, or 2 of 3 beyond two-thirds of the "
        "limits); otherwise Stable, which means no special-cause variation, not evidence that "
        "nothing changed." + periods
    )
