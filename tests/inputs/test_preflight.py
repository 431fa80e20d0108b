"""Checks of the inputs against the report asked for: which windows need a population estimate,
and what the build summary says when an old estimate stands in."""

from __future__ import annotations

import pandas as pd

from helpers.core.config import load_settings
from helpers.core.quarters import FinancialQuarter
from helpers.inputs.preflight import periods_needed, population_fallbacks

Q = FinancialQuarter.parse


def test_periods_needed_are_the_trend_window_and_the_year_before():
    settings = load_settings()
    window = settings.trend.window_quarters
    periods = periods_needed(Q("2019-12"), Q("2012-12"), settings)
    # The report quarter and the (window - 1) quarters before it, by hand: 12 quarters back
    # from December 2019 starts at March 2017.
    assert window == 12
    assert periods[0] == pd.Period("2017-03", freq="M")
    assert periods[-1] == pd.Period("2019-12", freq="M")
    assert len(periods) == window
    # Never before the first reportable quarter.
    assert periods_needed(Q("2013-09"), Q("2013-03"), settings)[0] == pd.Period("2013-03", "M")


def _population(years: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "force": ["Kent"] * len(years),
            "mid_year": years,
            "population": [1_850_000] * len(years),
            "households": [770_000] * len(years),
        }
    )


def test_an_estimate_more_than_a_year_older_than_wanted_is_warned_about():
    # The year ending June 2023 wants mid-2022 (its midpoint falls in 2022); only mid-2018 given.
    warnings = population_fallbacks(
        _population([2016, 2017, 2018]), Q("2023-06"), "Kent", "period_midpoint"
    )
    old = [w for w in warnings if "4 years older" in w]
    assert len(old) == 2  # population and households
    assert "mid-2018 population estimate is 4 years older than the mid-2022" in old[0]


def test_a_one_year_fallback_is_noted_but_not_called_old():
    warnings = population_fallbacks(
        _population([2020, 2021]), Q("2023-06"), "Kent", "period_midpoint"
    )
    assert warnings and not any("older than" in w for w in warnings)
