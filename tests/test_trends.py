"""Trend / Outlook words against the libraries called directly on hand-selected data.

Each method's statistic and p-value are recomputed on an independent path: the sub-series is
selected here (not by the module's window code) and passed straight to pymannkendall, scipy or
statsmodels; the Poisson rate test is also checked against a binomial tail summed by hand from
`scipy.stats.binom`. The default method's variance correction is worked out by hand from Hamed
and Rao's formula and checked against a Monte-Carlo variance of S; its false-alarm rate and power
are simulated with a fixed seed. SPC rules are checked on constructed series whose limits are
worked out in the test, each built to fire exactly one rule.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pymannkendall as mk
import pytest
from scipy.stats import binom, norm
from statsmodels.stats.proportion import proportions_ztest

from helpers.config import TrendSettings, load_settings
from helpers.trends import (
    TREND_WORDS,
    TrendResult,
    describe_method,
    hamed_rao_variance_factor,
    overlap_autocorrelation,
    trend_outlook,
)

ROLLING = TrendSettings()  # the default
HAMED_RAO = TrendSettings(method="mann_kendall_hamed_rao")
SEASONAL = TrendSettings(method="seasonal_mann_kendall")
RATE_RATIO = TrendSettings(method="rate_ratio")
SPC = TrendSettings(method="spc")


def quarterly_periods(end: str, n: int) -> list[pd.Period]:
    last = pd.Period(end, freq="M")
    return [last - 3 * (n - 1 - i) for i in range(n)]


def quarterly_series(values, end: str = "2024-03", **columns) -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    return pd.DataFrame({"period": quarterly_periods(end, len(values)), "value": values, **columns})


def rolled(raw: np.ndarray, width: int) -> np.ndarray:
    return np.convolve(raw, np.ones(width), mode="valid")


def spc_series(raw_values, **columns) -> pd.DataFrame:
    """Quarterly raw values for the XmR chart, with a flat rolling figure beside them (which on
    its own would give no special cause)."""
    raw_values = np.asarray(raw_values, dtype=float)
    return quarterly_series(np.full(len(raw_values), 40.0), raw_value=raw_values, **columns)


def mann_kendall_by_hand(x: np.ndarray, factor: float) -> tuple[float, float]:
    """z and p of the Mann-Kendall test with pymannkendall's tie-corrected Var(S) times `factor`,
    continuity-corrected (|S| - 1) as in pymannkendall."""
    plain = mk.original_test(x)
    z = (plain.s - np.sign(plain.s)) / np.sqrt(plain.var_s * factor)
    return float(z), float(2 * norm.sf(abs(z)))


# Hamed and Rao (1998): n/n* = 1 + 2/(n(n-1)(n-2)) * sum_k (n-k)(n-k-1)(n-k-2) rho_k, with the
# autocorrelation of 4-quarter sums of independent quarters, rho = 3/4, 1/2, 1/4, at n = 12.
FACTOR_12_QUARTERS = 1 + 2 / (12 * 11 * 10) * (
    (11 * 10 * 9) * 3 / 4 + (10 * 9 * 8) * 1 / 2 + (9 * 8 * 7) * 1 / 4
)


# ----- Mann-Kendall allowing for the overlap of 12-month windows (the default) -------------------
def test_rolling_mann_kendall_by_hand_on_the_last_12_quarters():
    rng = np.random.default_rng(19)
    raw = rng.poisson(40 * np.linspace(1, 1.15, 30))
    series = quarterly_series(rolled(raw, 4))  # 27 quarterly rolling points
    result = trend_outlook(series, unit="rate_per_1000", settings=ROLLING)
    x = series["value"].to_numpy()[-12:]
    assert len(np.unique(x)) < 12, "the constructed series should have ties"
    z, p = mann_kendall_by_hand(x, FACTOR_12_QUARTERS)
    assert mk.original_test(x).p < 0.05 < p, "the correction should decide this series"
    assert result.method == "mann_kendall_rolling"
    assert result.n_points == 12
    assert result.statistic == pytest.approx(z)
    assert result.p_value == pytest.approx(p)
    assert result.slope == pytest.approx(mk.sens_slope(x).slope)
    assert result.word == "Stable"


def test_rolling_correction_depends_on_the_number_of_points():
    values = 100 + np.array([0, 3, -2, 1, 4, 2, 6, 5])
    result = trend_outlook(quarterly_series(values), unit="count", settings=ROLLING)
    factor_8 = 1 + 2 / (8 * 7 * 6) * ((7 * 6 * 5) * 3 / 4 + (6 * 5 * 4) / 2 + (5 * 4 * 3) / 4)
    z, p = mann_kendall_by_hand(values.astype(float), factor_8)
    assert result.n_points == 8
    assert result.statistic == pytest.approx(z)
    assert result.p_value == pytest.approx(p)


def test_rolling_monthly_source_gets_the_quarter_end_correction():
    """Monthly 12-month sums taken at quarter ends share 9 of 12 months, as quarterly ones do:
    the correction is the same, not one for monthly steps (11/12, 10/12, ...)."""
    rng = np.random.default_rng(6)
    raw = rng.poisson(30 * np.linspace(1, 1.2, 60))
    periods = pd.period_range(end="2024-03", periods=60 - 11, freq="M")
    series = pd.DataFrame({"period": periods, "value": rolled(raw, 12).astype(float)})
    result = trend_outlook(series, unit="count", settings=ROLLING, frequency_months=1)
    picked = series[series["period"].dt.month.isin([3, 6, 9, 12])].tail(12)
    z, p = mann_kendall_by_hand(picked["value"].to_numpy(), FACTOR_12_QUARTERS)
    assert result.n_points == 12
    assert result.statistic == pytest.approx(z)
    assert result.p_value == pytest.approx(p)


def test_rolling_half_yearly_and_point_in_time_figures():
    values = np.array([5.0, 5.2, 5.1, 5.6, 5.9, 6.3, 6.1, 6.8, 7.0, 7.4])
    end = pd.Period("2024-03", freq="M")
    periods = [end - 6 * (len(values) - 1 - i) for i in range(len(values))]
    series = pd.DataFrame({"period": periods, "value": values})
    settings = TrendSettings(window_quarters=16)  # 8 half-years
    # 12-month figures 6 months apart share half their months: rho_1 = 1/2, n = 8.
    rolling = trend_outlook(
        series, unit="percent", settings=settings, frequency_months=6, rolled=True
    )
    z, p = mann_kendall_by_hand(values[-8:], 1 + 2 / (8 * 7 * 6) * (7 * 6 * 5) / 2)
    assert rolling.statistic == pytest.approx(z) and rolling.p_value == pytest.approx(p)
    # Snapshots (workforce as at a date) share nothing: the unmodified test.
    snapshot = trend_outlook(
        series, unit="percent", settings=settings, frequency_months=6, rolled=False
    )
    plain = mk.original_test(values[-8:])
    assert snapshot.statistic == pytest.approx(plain.z)
    assert snapshot.p_value == pytest.approx(plain.p)
    assert snapshot.n_points == rolling.n_points == 8


def test_overlap_correction_matches_monte_carlo_variance_of_s():
    """Var(S) of 12 quarter-end points of 12-month sums of independent normal periods, by
    simulation (fixed seed), for quarterly and for monthly periods: both about 3.09 times the
    unmodified variance. Hamed and Rao's formula (an approximation) gives 2.86, about 7% low, so
    it must land within 12% below the simulated value and not above it."""
    rng = np.random.default_rng(20240630)
    n, runs = 12, 20_000
    upper = np.triu_indices(n, 1)
    unmodified = n * (n - 1) * (2 * n + 5) / 18
    formula = unmodified * hamed_rao_variance_factor(n, overlap_autocorrelation(3))
    quarters = rng.standard_normal((runs, n + 3))
    months = rng.standard_normal((runs, 3 * n + 9))
    for x in (
        sum(quarters[:, j : j + n] for j in range(4)),
        np.stack([months[:, 3 * i : 3 * i + 12].sum(axis=1) for i in range(n)], axis=1),
    ):
        s = np.sign(x[:, upper[1]] - x[:, upper[0]]).sum(axis=1)
        assert 0.88 < formula / s.var() < 1.0
        assert unmodified / s.var() < 0.4  # the unmodified variance: about a third of the truth


def test_overlap_autocorrelation_of_each_step():
    assert overlap_autocorrelation(3) == pytest.approx((3 / 4, 1 / 2, 1 / 4))
    assert overlap_autocorrelation(1) == pytest.approx(tuple((12 - k) / 12 for k in range(1, 12)))
    assert overlap_autocorrelation(6) == pytest.approx((1 / 2,))
    assert overlap_autocorrelation(12) == ()
    assert hamed_rao_variance_factor(12, ()) == 1.0


def _poisson_rolling_series(rng: np.random.Generator, per_quarter: float, growth: float):
    """15 quarters of Poisson counts rising by `growth` a year, as 12 quarterly 12-month sums."""
    raw = rng.poisson(per_quarter * (1 + growth) ** (np.arange(15) / 4))
    return quarterly_series(rolled(raw, 4), raw_value=raw[3:])


def test_default_false_alarm_rate_on_trendless_counts_and_why_it_is_the_default():
    """300 trendless Poisson series (20 a quarter, seed 7), 12 quarterly rolling points. The
    default says Increasing or Reducing in under 10% of runs; the unmodified Mann-Kendall test and
    the Hamed-Rao variant (whose correction rarely acts on 12 points) in over 15%."""
    assert load_settings().trend.method == TrendSettings().method == "mann_kendall_rolling"
    rng = np.random.default_rng(7)
    alarms = {"default": 0, "hamed_rao": 0, "unmodified": 0}
    for _ in range(300):
        series = _poisson_rolling_series(rng, 20, 0.0)
        alarms["default"] += trend_outlook(series, unit="count", settings=ROLLING).word != "Stable"
        alarms["hamed_rao"] += (
            trend_outlook(series, unit="count", settings=HAMED_RAO).word != "Stable"
        )
        alarms["unmodified"] += mk.original_test(series["value"].to_numpy()).p < 0.05
    assert alarms["default"] / 300 < 0.10
    assert alarms["unmodified"] / 300 > 0.15
    assert alarms["hamed_rao"] / 300 > 0.15


def test_default_detects_a_strong_trend():
    """300 series of 20 a quarter rising 30% a year (seed 8): Increasing in over 80% of runs."""
    rng = np.random.default_rng(8)
    words = [
        trend_outlook(_poisson_rolling_series(rng, 20, 0.30), unit="count", settings=ROLLING).word
        for _ in range(300)
    ]
    assert words.count("Increasing") / 300 > 0.80


# ----- Mann-Kendall with Hamed-Rao ----------------------------------------------------------------
def test_hamed_rao_matches_pymannkendall_on_the_last_12_quarters():
    rng = np.random.default_rng(1)
    raw = rng.poisson(50 * np.linspace(1, 1.3, 40))
    series = quarterly_series(rolled(raw, 4))  # 37 quarterly rolling points
    result = trend_outlook(series, unit="rate_per_1000", settings=HAMED_RAO)
    expected = mk.hamed_rao_modification_test(series["value"].to_numpy()[-12:], alpha=0.05)
    assert result.method == "mann_kendall_hamed_rao"
    assert result.n_points == 12
    assert result.statistic == pytest.approx(expected.z)
    assert result.p_value == pytest.approx(expected.p)
    assert result.slope == pytest.approx(expected.slope)
    assert result.word == ("Increasing" if expected.p < 0.05 and expected.z > 0 else "Stable")


def test_monthly_source_is_sampled_at_quarter_ends():
    rng = np.random.default_rng(2)
    raw = rng.poisson(20 * np.linspace(1, 0.6, 80))
    periods = pd.period_range(end="2024-02", periods=80 - 11, freq="M")  # ends mid-quarter
    series = pd.DataFrame({"period": periods, "value": rolled(raw, 12)})
    settings = replace(HAMED_RAO, window_quarters=16)
    result = trend_outlook(series, unit="count", settings=settings, frequency_months=1)
    # Hand selection: quarter-end months up to December 2023, the last 16 of them.
    picked = series[series["period"].dt.month.isin([3, 6, 9, 12])]
    picked = picked[picked["period"] <= pd.Period("2023-12", freq="M")].tail(16)
    expected = mk.hamed_rao_modification_test(picked["value"].to_numpy())
    assert result.n_points == 16
    assert result.statistic == pytest.approx(expected.z)
    assert result.p_value == pytest.approx(expected.p)
    assert result.slope == pytest.approx(expected.slope)


def test_half_yearly_snapshots_are_tested_at_their_own_step():
    # Workforce-like shares as at March and September: no value at June or December.
    values = np.array([5.0, 5.2, 5.1, 5.6, 5.9, 6.3, 6.1, 6.8, 7.0, 7.4])
    end = pd.Period("2024-03", freq="M")
    periods = [end - 6 * (len(values) - 1 - i) for i in range(len(values))]
    series = pd.DataFrame({"period": periods, "value": values})
    settings = replace(HAMED_RAO, window_quarters=16)  # 4 years = 8 half-years
    result = trend_outlook(series, unit="percent", settings=settings, frequency_months=6)
    expected = mk.hamed_rao_modification_test(values[-8:])
    assert result.n_points == 8
    assert result.statistic == pytest.approx(expected.z)
    assert result.word == "Increasing"
    # read as a quarterly series, the missing quarter ends make it untestable
    assert trend_outlook(series, unit="percent", settings=settings).word == "Not available"


def test_clear_rise_and_fall_and_the_down_word():
    wobble = np.array([0, 3, -2, 1, 0, -3, 2, 0, 1, -1, 2, 0])
    up = quarterly_series(np.arange(12) * 10.0 + 100 + wobble)
    down = quarterly_series(200 - np.arange(12) * 10.0 + wobble)
    assert trend_outlook(up, unit="count", settings=HAMED_RAO).word == "Increasing"
    assert trend_outlook(down, unit="count", settings=HAMED_RAO).word == "Reducing"
    confidence = trend_outlook(down, unit="percent", settings=HAMED_RAO, down_word="Decreasing")
    assert confidence.word == "Decreasing"


def test_straight_line_needs_no_autocorrelation_correction():
    """On an exact straight line the Hamed-Rao correction is 0/0 (constant detrended ranks);
    the unmodified test applies, and the line is a trend, not "Not available"."""
    values = np.arange(12) * 10.0 + 100
    result = trend_outlook(quarterly_series(values), unit="count", settings=HAMED_RAO)
    expected = mk.original_test(values)
    assert result.word == "Increasing"
    assert result.statistic == pytest.approx(expected.z)
    assert result.p_value == pytest.approx(expected.p)
    assert "straight line" in result.note


def test_alpha_setting_decides_significance():
    rng = np.random.default_rng(2)
    values = 100 + np.arange(12) * 0.8 + rng.normal(0, 3, 12)
    series = quarterly_series(values)
    p = mk.hamed_rao_modification_test(values).p
    assert 0.001 < p < 0.2, "the constructed series should sit between the two alphas"
    loose = trend_outlook(series, unit="count", settings=replace(HAMED_RAO, alpha=0.2))
    strict = trend_outlook(series, unit="count", settings=replace(HAMED_RAO, alpha=0.001))
    assert (loose.word, strict.word) == ("Increasing", "Stable")
    # The default's wider variance needs a steeper slope to sit between the same two alphas.
    values = 100 + np.arange(12) * 1.2 + np.random.default_rng(2).normal(0, 3, 12)
    series = quarterly_series(values)
    _, p_default = mann_kendall_by_hand(values, FACTOR_12_QUARTERS)
    assert 0.001 < p_default < 0.2
    loose = trend_outlook(series, unit="count", settings=replace(ROLLING, alpha=0.2))
    strict = trend_outlook(series, unit="count", settings=replace(ROLLING, alpha=0.001))
    assert (loose.word, strict.word) == ("Increasing", "Stable")


def test_window_reaches_back_only_to_the_start_of_a_short_series():
    series = quarterly_series(np.arange(8.0))
    result = trend_outlook(series, unit="count", settings=HAMED_RAO)
    assert result.n_points == 8


def test_hamed_rao_is_stable_more_often_than_plain_mann_kendall_on_autocorrelated_noise():
    """200 trendless series (seed 20240331): quarterly AR(1) noise (phi = 0.5) summed over 4
    quarters, tested over 40 quarters. Checked: the module (Hamed-Rao) says Stable in more runs
    than pymannkendall's unmodified test finds "no trend" on the same values, and both are
    below 100%. (At the default window of 12 quarters the correction barely acts: see the
    module report.)"""
    rng = np.random.default_rng(20240331)
    settings = replace(HAMED_RAO, window_quarters=40)
    stable_hamed_rao = no_trend_plain = 0
    for _ in range(200):
        shocks = rng.normal(0, 1, 40 + 3 + 50)
        level = np.zeros_like(shocks)
        for t in range(1, len(shocks)):
            level[t] = 0.5 * level[t - 1] + shocks[t]
        values = rolled(100 + 5 * level[50:], 4)
        result = trend_outlook(quarterly_series(values), unit="count", settings=settings)
        stable_hamed_rao += result.word == "Stable"
        no_trend_plain += mk.original_test(values).p >= 0.05
    assert stable_hamed_rao > no_trend_plain + 10
    assert no_trend_plain < 200


# ----- seasonal Mann-Kendall --------------------------------------------------------------------
def test_seasonal_matches_pymannkendall_quarterly():
    rng = np.random.default_rng(3)
    raw = rng.poisson([30, 50, 45, 25] * 6) + np.repeat(np.arange(6), 4) * 3
    series = quarterly_series(rolled(raw, 4), raw_value=raw[3:])
    result = trend_outlook(series, unit="count", settings=SEASONAL)
    expected = mk.seasonal_test(raw[3:][-12:].astype(float), period=4)
    assert result.n_points == 12
    assert result.statistic == pytest.approx(expected.z)
    assert result.p_value == pytest.approx(expected.p)
    assert result.slope == pytest.approx(expected.slope)


def test_seasonal_matches_pymannkendall_monthly():
    rng = np.random.default_rng(4)
    raw = rng.poisson(np.tile(np.linspace(10, 30, 12), 5)).astype(float)
    periods = pd.period_range(end="2024-03", periods=len(raw), freq="M")
    series = pd.DataFrame({"period": periods, "value": np.nan, "raw_value": raw})
    series.loc[11:, "value"] = rolled(raw, 12)
    result = trend_outlook(series, unit="count", settings=SEASONAL, frequency_months=1)
    expected = mk.seasonal_test(raw[-36:], period=12)
    assert result.n_points == 36
    assert result.statistic == pytest.approx(expected.z)
    assert result.p_value == pytest.approx(expected.p)


def test_seasonal_needs_raw_values_and_two_years():
    series = quarterly_series(np.arange(12.0))
    assert trend_outlook(series, unit="count", settings=SEASONAL).word == "Not available"
    short = quarterly_series(np.arange(7.0), raw_value=np.arange(7.0))
    result = trend_outlook(short, unit="count", settings=SEASONAL)
    assert result.word == "Not available" and "two years" in result.note


# ----- rate ratio -------------------------------------------------------------------------------
def _two_sided_binomial_tail(k: int, n: int, p: float) -> float:
    """Sum of P(X = j) over every j no more likely than the observed k (scipy's definition)."""
    pmf = binom.pmf(np.arange(n + 1), n, p)
    return float(pmf[pmf <= binom.pmf(k, n, p) * (1 + 1e-7)].sum())


def test_rate_ratio_rates_exact_poisson_test_by_hand():
    # year ending March 2023: 180 events / 1.70m people; year ending March 2024: 230 / 1.72m.
    series = quarterly_series(
        [10.6, 10.6, 11.0, 11.2, 13.4],
        count=[180, 181, 187, 190, 230],
        denominator=[1.70e6, 1.70e6, 1.70e6, 1.71e6, 1.72e6],
    )
    result = trend_outlook(series, unit="rate_per_1000", settings=RATE_RATIO)
    # Given 410 events in the two years, the latest year's share is Binomial(410, 1.72/3.42).
    p_hand = _two_sided_binomial_tail(230, 410, 1.72e6 / (1.72e6 + 1.70e6))
    assert result.p_value == pytest.approx(p_hand, rel=1e-9)
    assert result.statistic == pytest.approx((230 / 1.72e6) / (180 / 1.70e6))
    assert result.n_points == 2
    assert p_hand < 0.05
    assert result.word == "Increasing"
    falling = series.assign(count=[230, 200, 190, 187, 180], denominator=1.7e6)
    assert trend_outlook(falling, unit="rate_per_1000", settings=RATE_RATIO).word == "Reducing"


def test_rate_ratio_counts_without_denominators_have_equal_exposure():
    series = quarterly_series([40.0, 41, 42, 39, 25])
    result = trend_outlook(series, unit="count", settings=RATE_RATIO)
    assert result.p_value == pytest.approx(_two_sided_binomial_tail(25, 65, 0.5), rel=1e-9)
    assert result.statistic == pytest.approx(25 / 40)
    assert result.word == "Stable"  # p = 0.08


def test_rate_ratio_percent_uses_two_proportion_z_test():
    series = quarterly_series(
        [70.0, 71, 72, 73, 78], count=[700, 710, 720, 730, 780], denominator=[1000] * 5
    )
    result = trend_outlook(series, unit="percent", settings=RATE_RATIO, down_word="Decreasing")
    _, p = proportions_ztest(np.array([780, 700]), np.array([1000, 1000]))
    assert result.p_value == pytest.approx(p)
    assert result.statistic == pytest.approx(8.0)  # percentage points
    assert result.word == "Increasing"


def test_rate_ratio_needs_the_year_before():
    series = quarterly_series([1.0, 2, 3, 4], count=[1, 2, 3, 4], denominator=[10] * 4)
    result = trend_outlook(series, unit="rate_per_1000", settings=RATE_RATIO)
    assert result.word == "Not available"
    no_counts = quarterly_series([1.0, 2, 3, 4, 5])
    assert trend_outlook(no_counts, unit="rate_per_1000", settings=RATE_RATIO).word == (
        "Not available"
    )


# ----- SPC --------------------------------------------------------------------------------------
def _limits(x: list[float]) -> tuple[float, float, float, float]:
    """mean, upper limit, and the two-thirds lines, worked out from the XmR definitions."""
    x = np.asarray(x, dtype=float)
    mean = x.mean()
    mr_bar = np.abs(np.diff(x)).mean()
    return mean, mean + 2.66 * mr_bar, mean + 2 / 3 * 2.66 * mr_bar, mean - 2 / 3 * 2.66 * mr_bar


SPC_CASES = {
    # alternating points then a jump: mean 11.86, mean moving range 2.46, upper limit 18.4.
    "beyond the process limits": [10, 11] * 6 + [10, 30],
    # the last 7 points sit above the mean (10.43), inside the two-thirds line (12.34).
    "on one side of the mean": [9, 10, 9, 10, 9, 10, 9, 11, 12, 11, 12, 11, 12, 11],
    # 7 rising points, only 4 of them above the mean (10.27), all inside the two-thirds line.
    "rising or falling": [12, 8, 12, 8, 12, 8, 9, 9.5, 10, 10.5, 11, 11.5, 12],
    # mean 12.08, two-thirds line 17.18, upper limit 19.72: 17.5 twice in the last three.
    "2 of 3 points": [10, 12] * 5 + [17.5, 12, 17.5],
}
RULE_PHRASES = list(SPC_CASES)


def _rules_at_last_point_by_hand(values: list[float]) -> set[str]:
    """The four Making Data Count rules, checked with plain loops, for patterns that end with
    the last point (the phrases are those of the module's note)."""
    mean, upper, up_two_thirds, _ = _limits(values)
    lower = mean - (upper - mean)
    fired = set()
    if values[-1] > upper or values[-1] < lower:
        fired.add("beyond the process limits")
    run = 0
    for v in reversed(values):
        if (v > mean) != (values[-1] > mean) or v == mean:
            break
        run += 1
    if run >= 7:
        fired.add("on one side of the mean")
    rising = 1
    for earlier, later in zip(reversed(values[:-1]), reversed(values[1:]), strict=True):
        if not later > earlier:
            break
        rising += 1
    if rising >= 7:
        fired.add("rising or falling")
    if values[-1] > up_two_thirds and sum(v > up_two_thirds for v in values[-3:]) >= 2:
        fired.add("2 of 3 points")
    return fired


@pytest.mark.parametrize("rule", RULE_PHRASES)
def test_spc_each_constructed_series_fires_exactly_its_rule(rule):
    values = SPC_CASES[rule]
    assert _rules_at_last_point_by_hand(values) == {rule}, "the constructed series is wrong"
    settings = TrendSettings(method="spc", window_quarters=len(values))
    result = trend_outlook(spc_series(values), unit="count", settings=settings)
    assert result.word == "Increasing"
    assert result.statistic is None and result.p_value is None
    assert [phrase for phrase in RULE_PHRASES if phrase in result.note] == [rule]


@pytest.mark.parametrize(
    "values",
    [
        [9, 10, 9, 10, 9, 10, 9, 10, 11, 12, 11, 12, 11, 12],  # 6 above the mean, not 7
        [12, 8, 12, 8, 12, 8, 12, 9.5, 10, 10.5, 11, 11.5, 12],  # 6 rising, not 7
    ],
)
def test_spc_six_in_a_row_is_not_special_cause(values):
    assert _rules_at_last_point_by_hand(values) == set()
    settings = TrendSettings(method="spc", window_quarters=len(values))
    assert trend_outlook(spc_series(values), unit="count", settings=settings).word == "Stable"


def test_spc_fall_uses_the_down_word_and_stable_without_special_cause():
    falling = [-v for v in SPC_CASES["on one side of the mean"]]
    settings = TrendSettings(method="spc", window_quarters=len(falling))
    result = trend_outlook(spc_series(falling), unit="percent", settings=settings,
                           down_word="Decreasing")  # fmt: skip
    assert result.word == "Decreasing"
    assert "low" in result.note
    steady = trend_outlook(spc_series([10, 11] * 6), unit="count", settings=SPC)
    assert steady.word == "Stable"


def test_spc_special_cause_must_include_the_latest_point():
    # A jump 3 points back is beyond the limits, but the series has returned since.
    values = [10, 11] * 5 + [30, 10, 11, 10]
    settings = TrendSettings(method="spc", window_quarters=len(values))
    _, upper, _, _ = _limits(values)
    assert values[-4] > upper
    assert trend_outlook(spc_series(values), unit="count", settings=settings).word == "Stable"


def test_spc_charts_the_raw_values_not_the_rolling_figure():
    beyond = SPC_CASES["beyond the process limits"]
    flat_rolling = spc_series(beyond)  # rolling figure flat at 40: no special cause there
    settings = TrendSettings(method="spc", window_quarters=len(beyond))
    assert trend_outlook(flat_rolling, unit="count", settings=settings).word == "Increasing"
    # A rolling figure rising for 7 quarters (a special cause on its own) over raw values that
    # only alternate: Stable, as the raw values show no special cause.
    alternating = [10.0, 11.0] * 6
    assert _rules_at_last_point_by_hand(alternating) == set()
    rising = quarterly_series(np.r_[[40.0] * 5, 41:48], raw_value=alternating)
    assert "rising or falling" in _rules_at_last_point_by_hand(list(rising["value"]))
    assert trend_outlook(rising, unit="count", settings=SPC).word == "Stable"


def test_spc_monthly_source_charts_each_month_of_the_window():
    # 36 months to March 2024 alternate; the last month jumps beyond the limits.
    months = np.r_[[10.0, 11.0] * 20, [10.0, 11.0, 10.0, 30.0]][-38:]
    periods = pd.period_range(end="2024-03", periods=len(months), freq="M")
    series = pd.DataFrame({"period": periods, "value": 150.0, "raw_value": months})
    result = trend_outlook(series, unit="count", settings=SPC, frequency_months=1)
    assert result.n_points == 36
    assert _rules_at_last_point_by_hand(list(months[-36:])) == {"beyond the process limits"}
    assert result.word == "Increasing"
    # Ending mid-quarter (April), the window still ends at March.
    later = pd.concat([series, pd.DataFrame({"period": [periods[-1] + 1], "value": [150.0],
                                             "raw_value": [10.0]})])  # fmt: skip
    assert trend_outlook(later, unit="count", settings=SPC, frequency_months=1).word == (
        "Increasing"
    )


def test_spc_without_raw_values_is_not_available():
    values = np.arange(12.0)
    for series in (quarterly_series(values), quarterly_series(values, raw_value=np.nan)):
        result = trend_outlook(series, unit="count", settings=SPC)
        assert result.word == "Not available" and "raw_value" in result.note


# ----- ceilings, gaps and vocabulary ------------------------------------------------------------
@pytest.mark.parametrize("settings", [ROLLING, HAMED_RAO, SPC])
def test_percent_at_100_throughout_is_stable_at_the_ceiling(settings):
    series = quarterly_series([100.0] * 12, raw_value=[100.0] * 12)
    assert trend_outlook(series, unit="percent", settings=settings).word == "Stable (100%)"
    # the same numbers as a count are simply unchanged
    assert trend_outlook(series, unit="count", settings=settings).word == "Stable"


def test_percent_at_100_in_both_years_for_the_rate_ratio():
    series = quarterly_series([100.0] * 5, count=[50] * 5, denominator=[50] * 5)
    assert trend_outlook(series, unit="percent", settings=RATE_RATIO).word == "Stable (100%)"


def test_not_at_the_ceiling_when_one_value_is_below_100():
    series = quarterly_series([100.0] * 11 + [99.0])
    assert trend_outlook(series, unit="percent", settings=HAMED_RAO).word != "Stable (100%)"


@pytest.mark.parametrize("settings", [ROLLING, HAMED_RAO, SPC])
def test_too_few_points(settings):
    series = quarterly_series(np.arange(5.0), raw_value=np.arange(5.0))
    result = trend_outlook(series, unit="count", settings=settings)
    assert result.word == "Not available"
    assert "at least 6" in result.note
    assert result.n_points == 5


@pytest.mark.parametrize("settings", [ROLLING, HAMED_RAO, SPC])
def test_missing_value_in_the_window_is_not_available(settings):
    values = np.arange(12.0)
    values[6] = np.nan
    series = quarterly_series(values, raw_value=values)
    result = trend_outlook(series, unit="count", settings=settings)
    assert result.word == "Not available"
    assert str(quarterly_periods("2024-03", 12)[6]) in result.note


@pytest.mark.parametrize("settings", [ROLLING, HAMED_RAO, SPC])
def test_missing_period_in_the_window_is_not_available(settings):
    series = quarterly_series(np.arange(12.0), raw_value=np.arange(12.0)).drop(index=4)
    result = trend_outlook(series, unit="count", settings=settings)
    assert result.word == "Not available" and "missing" in result.note


def test_words_and_arguments():
    assert set(TREND_WORDS) == {
        "Increasing", "Reducing", "Decreasing", "Stable", "Stable (100%)", "Not available"
    }  # fmt: skip
    with pytest.raises(ValueError):
        TrendResult("Rising", "spc", None, None, None, 0)
    series = quarterly_series(np.arange(12.0))
    with pytest.raises(ValueError, match="down_word"):
        trend_outlook(series, unit="count", settings=HAMED_RAO, down_word="Falling")
    with pytest.raises(ValueError, match="frequency"):
        trend_outlook(series, unit="count", settings=HAMED_RAO, frequency_months=2)
    with pytest.raises(ValueError, match="more than once"):
        trend_outlook(pd.concat([series, series.tail(1)]), unit="count", settings=HAMED_RAO)


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
                "not enough evidence of a change",
            ],
        ),
        ("mann_kendall_hamed_rao", ["Mann-Kendall", "Hamed and Rao", "20 quarters", "0.1"]),
        ("seasonal_mann_kendall", ["seasonal Mann-Kendall", "20 quarters", "0.1"]),
        ("rate_ratio", ["latest 12 months", "12 months before", "Poisson", "0.1"]),
        ("spc", ["Making Data Count", "not the 12-month rolling figure", "20 quarters", "2.66"]),
    ],
)
def test_describe_method_names_test_window_and_alpha(method, names):
    text = describe_method(TrendSettings(method=method, window_quarters=20, alpha=0.1))
    for name in names:
        assert name in text
    assert len(text.split(". ")) <= 3 and len(text) < 800
