"""Step 6 (helpers.measures.trend): what the trend test reads, checked against the raw sample
files; the test itself is checked in tests/stats/trends."""

from __future__ import annotations

import pandas as pd
from sample_figures import AS, Q, prc_count

from helpers.core.config import default_catalogue
from helpers.measures.figure import figure_at_quarter
from helpers.measures.series import all_forces_series
from helpers.measures.trend import trend_input, trend_test


def test_the_trend_reads_the_12_month_count_and_the_quarter_s_own(inputs, settings, raw_prc):
    measure = default_catalogue().measure("homicide")
    series = all_forces_series(measure, inputs, settings)
    data = trend_input(figure_at_quarter(measure, series, Q, AS, settings, inputs), series)
    assert data["period"].is_monotonic_increasing and data["period"].max() == Q.period
    last = data.iloc[-1]
    assert last["count"] == prc_count(raw_prc, AS, Q, subgroups=["Homicide"])
    own = raw_prc[
        (raw_prc["Force Name"] == AS)
        & (raw_prc["Financial Year"] == Q.financial_year)
        & (raw_prc["Financial Quarter"] == Q.quarter_number)
        & (raw_prc["Offence Subgroup"] == "Homicide")
    ]
    assert last["raw_count"] == own["Number of Offences"].sum()
    # A PRC rate's quarter has the population of its 12-month figure (one mid-year estimate).
    pd.testing.assert_series_equal(data["raw_denominator"], data["denominator"], check_names=False)


def test_figures_published_as_12_months_give_the_trend_no_quarter_s_own_counts(inputs, settings):
    measure = next(m for m in default_catalogue().measures if m.source == "workforce")
    series = all_forces_series(measure, inputs, settings)
    figure = figure_at_quarter(measure, series, Q, AS, settings, inputs)
    data = trend_input(figure, series)
    assert data["value"].notna().any()
    assert data["raw_count"].isna().all() and data["raw_denominator"].isna().all()


def test_an_unavailable_figure_has_no_trend(settings):
    measure = default_catalogue().measure("homicide")
    figure = figure_at_quarter(measure, None, Q, AS, settings)
    assert not figure.available
    assert trend_test(figure, None, settings) is None


def test_the_panel_noise_given_is_the_noise_the_regression_allows_for(inputs, settings):
    """Step 6 passes the measure's noise to the test: the one given, or by default the panel
    estimate of `measure_noise` (the settings' exceptional periods left out), or the settings'
    working cv and rho where the panel cannot give one (tests/stats/trends checks what the
    regression does with it)."""
    from dataclasses import replace

    from helpers.measures.noise import measure_noise
    from helpers.stats.trends import TrendNoise

    measure = default_catalogue().measure("residential_burglary")
    series = all_forces_series(measure, inputs, settings)
    figure = figure_at_quarter(measure, series, Q, AS, settings, inputs)
    noise = TrendNoise(0.2, 0.7, "43 forces, 2015/16 to 2019/20")
    given = trend_test(figure, series, settings, noise=noise)
    default = trend_test(figure, series, settings)
    assert given.noise == noise
    assert default.noise == measure_noise(measure, series, Q)
    assert (
        default.noise.basis.startswith("43 forces") and "(2020/21 left out)" in default.noise.basis
    )
    assert given.statistic != default.statistic
    short = series[series["period"] > Q.period - 3 * 8]
    fallback = trend_test(figure, short, settings)
    assert (fallback.noise.cv, fallback.noise.rho) == (0.1, 0.6)
    assert fallback.noise.basis.startswith("the settings' working values (fewer than")
    wider = replace(settings, trend=replace(settings.trend, working_cv=0.2, working_rho=0.7))
    assert trend_test(figure, short, wider).noise.cv == 0.2
