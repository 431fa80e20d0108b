"""The words of a trend finding (present.wording.trend_words): the change only with its
interval and only when significant, what was left out and why, the exceptional periods, the
chart's shading in words, and the methods note."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from helpers.core.config import ExceptionalPeriod, TrendSettings
from helpers.present.wording.trend_words import (
    change_words,
    detail_words,
    exceptional_words,
    method_note,
    period_words,
    shading_alt_text,
    trend_explanation,
)
from helpers.stats.trends import DETAIL_KINDS, ExceptionalQuarter, TrendDetail, TrendResult

LOCKDOWN = ExceptionalPeriod(
    "the COVID-19 lockdowns", "2020-04", "2021-03", "lockdowns changed crime and policing"
)


def finding(word, slope, interval, p=0.01, **fields):
    return TrendResult(word, "regression_ar1", 2.9, p, slope, 12, interval=interval,
                       per="rate", basis="quarterly counts", **fields)  # fmt: skip


def test_a_significant_change_is_shown_with_its_interval():
    text = change_words(finding("Increasing", 0.45, (0.10, 1.30)))
    assert text == "fitted change of the rate +45% a year (95% interval +10% to +130%)"


def test_stable_shows_no_change_figure_only_its_interval_saying_no_clear_change():
    """Before: "Stable" beside "fitted change of the rate +45.1% a year"."""
    stable = finding("Stable", 0.451, (-0.10, 1.30), p=0.11)
    text = trend_explanation(SimpleNamespace(trend=stable))
    assert "+45" not in text and "fitted change" not in text
    assert (
        "No clear change (95% interval of the change of the rate a year \u221210% to +130%)" in text
    )
    assert text.startswith("Test: regression allowing for quarter-to-quarter variation")


def test_a_change_too_uncertain_to_size_is_given_no_figure():
    """Four events, all in the last quarter: Increasing, but no "+240,000% a year"."""
    text = change_words(finding("Increasing", 2400.0, (3.0, 1.5e5)))
    assert "+" not in text and "cannot be estimated from so few events" in text
    assert "tenfold" in change_words(finding("Reducing", -0.95, (-0.99, -0.5)))


def test_a_finding_without_a_fit_says_why_and_shows_no_change():
    failed = TrendResult("Not available", "regression_ar1", None, None, None, 12,
                         details=(TrendDetail("not_converged"),))  # fmt: skip
    text = trend_explanation(SimpleNamespace(trend=failed))
    assert change_words(failed) == ""
    assert "did not converge" in text and "%" not in text


def test_the_exceptional_quarter_is_named_with_its_count_and_the_usual():
    left_out = ExceptionalQuarter(pd.Period("2021-12", "M"), 31.0, 4.2, 1e-9)
    assert exceptional_words(left_out).startswith(
        "Q3 2021/22 left out of the trend test: a count of 31 against a usual 4.2, an "
        "exceptional quarter"
    )
    text = trend_explanation(SimpleNamespace(trend=finding("Stable", 0.05, (-0.1, 0.2), p=0.4,
                                                           exceptional=left_out)))  # fmt: skip
    assert "Q3 2021/22 left out of the trend test" in text


def test_a_window_holding_the_lockdowns_says_so():
    text = period_words(LOCKDOWN)
    assert text.startswith("the window includes the COVID-19 lockdowns (Q1 2020/21 to Q4 2020/21)")
    assert "not the same finding" in text
    held = finding("Reducing", -0.2, (-0.3, -0.1), periods_in_window=(LOCKDOWN,))
    assert "COVID-19 lockdowns" in trend_explanation(SimpleNamespace(trend=held))


def test_details_are_worded_from_the_finding():
    details = (TrendDetail("missing", ("2023-09",)), TrendDetail("no_seasonal_terms", ("Q1",)),
               TrendDetail("too_few", numbers=(5, 6, 0.0787)))  # fmt: skip
    result = TrendResult("Not available", "regression_ar1", None, None, None, 5, details=details)
    text = trend_explanation(SimpleNamespace(trend=result))
    assert "No data for Q2 2023/24: left out of the regression" in text
    assert "no events in April to June in the window" in text
    assert "5 points to test: this test needs at least 6" in text
    assert "(the smallest p-value 5 can give is 0.079)" in text


def test_the_chart_alt_text_says_what_the_shading_and_the_ring_show():
    tested = tuple(pd.period_range("2020-06", "2023-03", freq="M")[::3])
    text = shading_alt_text(tested, pd.Period("2021-12", "M"))
    assert text.startswith(
        "The shaded band marks the quarters the trend test used, Q1 2020/21 to Q4 2022/23."
    )
    assert "Q3 2021/22" in text and shading_alt_text((), None) == ""


def test_the_regression_methods_note_says_what_the_report_now_does():
    text = method_note(TrendSettings(exceptional_periods=(LOCKDOWN,)))
    phrases = ("95% interval", "only when it is significant", "Firth", "does not converge",
               "left out of the test", "shades the quarters the test used", "COVID-19 lockdowns",
               "none when a quarter of the year has no events")  # fmt: skip
    for phrase in phrases:
        assert phrase in text, phrase
    estimated = method_note(TrendSettings(), noise_estimated=True)
    assert "estimated for each measure" in estimated
    # What the simulation study found, and what Stable therefore means in numbers.
    assert "simulation study" in estimated and "at or below 5%" in estimated
    assert "critical value is set by simulation" in estimated and "up to 7%" not in estimated
    assert "smaller than about 15% a year would usually not be detected" in estimated
    # With the fixed working values the study's verdict does not apply: it is not claimed.
    assert "simulation study" not in text


@pytest.mark.parametrize(
    ("method", "names"),
    [
        (
            "mann_kendall_rolling",
            [
                "Mann-Kendall",
                "12-month rolling",
                "20 quarters",
                "share 9 of their 12 months",
                "Hamed and Rao",
                "p < 0.1",
                "not evidence that nothing changed",
            ],
        ),
        ("mann_kendall_hamed_rao", ["Mann-Kendall", "Hamed and Rao", "20 quarters", "0.1"]),
        (
            "regression_ar1",
            [
                "quasi-Poisson",
                "quarter-of-year",
                "quasi-binomial",
                "20 quarters",
                "p < 0.1",
                "10% quarter effect",
                "0.6",
                "left out",
            ],
        ),
        ("quasi_poisson", ["quasi-Poisson", "20 quarters", "p < 0.1", "not for variation"]),
        ("seasonal_mann_kendall", ["seasonal Mann-Kendall", "20 quarters", "0.1"]),
        ("rate_ratio", ["latest 12 months", "12 months before", "Poisson", "0.1"]),
        ("spc", ["Making Data Count", "not the 12-month rolling figure", "20 quarters", "2.66"]),
    ],
)
def test_method_note_names_test_window_and_alpha(method, names):
    text = method_note(TrendSettings(method=method, window_quarters=20, alpha=0.1))
    for name in names:
        assert name in text
    assert "not evidence that nothing changed" in text
    # A paragraph, not an essay: the regressions say more (interval, exceptional quarter).
    assert len(text) < (2600 if method in ("regression_ar1", "quasi_poisson") else 1300)


def test_trend_explanation_is_a_sentence_naming_the_test_points_and_p_value():
    trend = TrendResult("Stable", "mann_kendall_rolling", 1.7, 0.1107, 0.45, 12)
    text = trend_explanation(SimpleNamespace(trend=trend))
    assert text == (
        "Test: Mann-Kendall test corrected for the overlap of rolling windows, 12 points, p = 0.11."
    )


def test_a_rank_or_spc_finding_is_worded_from_its_details():
    """The XmR chart's finding: a month missing, the points since it, the rules that fired."""
    details = (
        TrendDetail("gaps", ("2023-06",), (1,)),
        TrendDetail("latest_run", numbers=(9,)),
        TrendDetail("special_cause", ("beyond_limits", "trend"), (1.0, 1.0)),
    )
    spc = TrendResult("Increasing", "spc", None, None, None, 9, details=details)
    assert trend_explanation(SimpleNamespace(trend=spc)) == (
        "Test: statistical process control (XmR) rules, 9 points. No figure for June 2023 in "
        "the test window; only the 9 consecutive values since then are tested; special cause: "
        "a point beyond the process limits (high); 7 or more points in a row rising or falling "
        "(high)."
    )
    low = TrendDetail("special_cause", ("run",), (-1.0,))
    assert detail_words(low, "spc") == (
        "special cause: a run of 7 or more points on one side of the mean (low)"
    )
    # Quarter ends are named as financial quarters; the rank tests name their alpha.
    gaps = TrendDetail("gaps", ("2023-03", "2023-06"), (3,))
    assert detail_words(gaps) == "no figure for Q4 2022/23, Q1 2023/24 in the test window"
    few = TrendDetail("too_few", numbers=(6, 7, 0.0612, 0.05))
    assert detail_words(few) == (
        "6 points to test: at p < 0.05 this test needs at least 7 to be able to detect a change "
        "(the smallest p-value 6 can give is 0.061)"
    )
    assert detail_words(TrendDetail("latest_run", numbers=(1,))) == (
        "only the 1 value since then is tested"
    )


def test_the_rate_ratio_says_which_periods_it_compared():
    assert detail_words(TrendDetail("no_previous", ("2023-03",)), "rate_ratio") == (
        "no 12-month figure for Q4 2022/23 to compare with"
    )
    missing = TrendDetail("count_missing", ("2023-03", "2024-03"))
    assert detail_words(missing, "rate_ratio") == "missing count for Q4 2022/23 or Q4 2023/24"
    assert detail_words(TrendDetail("ceiling"), "rate_ratio") == "100% in both 12-month periods"
    assert detail_words(TrendDetail("ceiling"), "spc") == "100% throughout the window"
    needs = TrendDetail("needs_counts", ("proportions",))
    assert detail_words(needs, "rate_ratio") == (
        "the two-proportion test needs counts and denominators"
    )


@pytest.mark.parametrize("kind", DETAIL_KINDS)
def test_every_kind_of_detail_has_words(kind):
    """A kind the statistics layer can return but present cannot word would fail the build."""
    samples = {
        "too_few": TrendDetail(kind, numbers=(3, 7, 0.3)),
        "latest_run": TrendDetail(kind, numbers=(4,)),
        "gaps": TrendDetail(kind, ("2023-06",), (3,)),
        "special_cause": TrendDetail(kind, ("two_of_three",), (1.0,)),
        "no_previous": TrendDetail(kind, ("2023-03",)),
        "count_missing": TrendDetail(kind, ("2023-03", "2024-03")),
        "needs_counts": TrendDetail(kind, ("poisson",)),
        "missing": TrendDetail(kind, ("2023-06",)),
        "no_seasonal_terms": TrendDetail(kind, ("Q1",)),
        "seasons_too_few": TrendDetail(kind, ("Q1", "Q2")),
        "fallback": TrendDetail(kind, ("ratio",)),
    }
    words = detail_words(samples.get(kind, TrendDetail(kind)))
    assert words and words == words.strip() and not words.endswith(".")
    assert "_" not in words, "a code, not words"
