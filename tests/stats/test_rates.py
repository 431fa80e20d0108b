"""Rates per 1,000 and the choice of mid-year estimate.

Expected values are hand arithmetic and the rule of the spec (year ending March 2024 -> mid-2023,
year ending September 2024 -> mid-2024). The vectorised `attach_denominators` is checked row by
row against `select_denominator` on a table the size of a national series.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.core.exceptions import ConfigError, InputValidationError
from helpers.core.quarters import FinancialQuarter
from helpers.stats.rates import (
    Denominator,
    attach_denominators,
    population_fallback_note,
    population_year_wanted,
    rate_per_1000,
    select_denominator,
)

M = "M"


def month(text: str) -> pd.Period:
    return pd.Period(text, freq=M)


@pytest.fixture
def population() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "force": ["Kent"] * 3 + ["Essex"] * 2 + ["Dyfed-Powys"] * 2,
            "mid_year": [2021, 2022, 2023, 2022, 2023, 2022, 2023],
            "population": [1_850_000, 1_860_000, 1_870_000, 1_880_000, 1_890_000, 520_000, 521_000],
            "households": [770_000, 775_000, np.nan, 780_000, 785_000, np.nan, np.nan],
        }
    )


# ----- rate_per_1000 ----------------------------------------------------------------------------
def test_rate_per_1000_scalar():
    assert rate_per_1000(5, 2000) == 2.5
    assert isinstance(rate_per_1000(5, 2000), float)


def test_rate_per_1000_array_and_unusable_denominators():
    rates = rate_per_1000(np.array([10, 10, 10, 10]), np.array([4000, 0, -5, np.nan]))
    assert rates[0] == 2.5
    assert np.isnan(rates[1:]).all()


def test_rate_per_1000_accepts_series():
    rates = rate_per_1000(pd.Series([1, 3]), pd.Series([1000, 1500]))
    np.testing.assert_allclose(rates, [1.0, 2.0])


# ----- which year -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("period_end", "year"),
    [
        ("2024-03", 2023),  # April 2023 - March 2024: midpoint September 2023 (spec example)
        ("2024-06", 2023),  # July 2023 - June 2024: (June - 6) = December 2023
        ("2024-07", 2024),  # (July - 6) = January 2024
        ("2024-09", 2024),  # October 2023 - September 2024: midpoint March 2024 (spec example)
        ("2024-12", 2024),
        ("2025-01", 2024),
    ],
)
def test_population_year_wanted_is_the_year_of_the_windows_midpoint(period_end, year):
    assert population_year_wanted(month(period_end)) == year


def test_population_year_wanted_accepts_a_financial_quarter():
    assert population_year_wanted(FinancialQuarter.parse("2023/24 Q4")) == 2023


def test_unknown_population_rule_is_a_config_error():
    with pytest.raises(ConfigError, match=r"population\.rule"):
        population_year_wanted(month("2024-03"), rule="latest_published")


# ----- select_denominator -----------------------------------------------------------------------
def test_wanted_year_published(population):
    d = select_denominator(population, "Kent", month("2024-03"))
    assert d == Denominator(value=1_870_000, year_used=2023, year_wanted=2023)
    assert not d.is_fallback
    assert d.note(FinancialQuarter.parse("2024-03")) == ""


def test_wanted_year_not_published_falls_back_to_latest_earlier(population):
    d = select_denominator(population, "Kent", month("2025-03"))  # wants mid-2024
    assert (d.value, d.year_used, d.year_wanted) == (1_870_000, 2023, 2024)
    assert d.is_fallback
    note = d.note(FinancialQuarter.parse("2025-03"))
    assert note == "Rates use the mid-2023 population estimate; mid-2024 was not supplied."


def test_missing_households_for_the_wanted_year_falls_back(population):
    d = select_denominator(population, "Kent", month("2024-03"), kind="households")
    assert (d.value, d.year_used, d.year_wanted) == (775_000, 2022, 2023)
    assert d.is_fallback


def test_no_estimate_at_or_before_the_wanted_year_names_force_kind_and_year(population):
    with pytest.raises(InputValidationError) as caught:
        select_denominator(population, "Essex", month("2022-03"))  # wants mid-2021
    (problem,) = caught.value.problems
    assert "Essex" in problem.message and "population" in problem.message
    assert "mid-2021" in problem.message
    assert problem.column == "population"


def test_households_missing_for_a_force_is_an_error(population):
    with pytest.raises(InputValidationError) as caught:
        select_denominator(population, "Dyfed-Powys", month("2024-03"), kind="households")
    message = str(caught.value)
    assert "Dyfed-Powys" in message and "households" in message and "2023" in message


def test_force_not_in_the_table(population):
    with pytest.raises(InputValidationError, match="not in the population table"):
        select_denominator(population, "Sussex", month("2024-03"))


def test_two_different_estimates_for_one_year_are_refused(population):
    doubled = pd.concat([population, population.iloc[[2]].assign(population=1)])
    with pytest.raises(InputValidationError, match="more than one population estimate"):
        select_denominator(doubled, "Kent", month("2024-03"))


def test_unknown_kind(population):
    with pytest.raises(ValueError, match="kind"):
        select_denominator(population, "Kent", month("2024-03"), kind="residents")


# ----- attach_denominators ----------------------------------------------------------------------
def _national(n_forces: int = 43, n_quarters: int = 50) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(11)
    forces = [f"Force {i:02d}" for i in range(n_forces)]
    periods = [month("2012-06") + 3 * i for i in range(n_quarters)]
    frame = pd.DataFrame([{"force": f, "period": p} for f in forces for p in periods])
    frame = frame.sample(frac=1, random_state=1)  # any order, any index
    population = pd.DataFrame(
        [
            {
                "force": f,
                "mid_year": y,
                "population": float(rng.integers(300_000, 3_000_000)),
                # households published only to 2020: later windows fall back
                "households": float(rng.integers(100_000, 1_000_000)) if y <= 2020 else np.nan,
            }
            for f in forces
            for y in range(2011, 2023)
        ]
    )
    return frame, population


@pytest.mark.parametrize("kind", ["population", "households"])
def test_attach_matches_select_denominator_row_by_row(kind):
    frame, population = _national()
    out = attach_denominators(frame, population, kind=kind)
    assert out.index.equals(frame.index)
    # 43 x 50 rows are matched at once; a sample of them is checked one by one (for speed).
    for row in out.sample(300, random_state=2).itertuples():
        expected = select_denominator(population, row.force, row.period, kind=kind)
        assert row.denominator == expected.value
        assert row.denominator_year == expected.year_used
        assert row.denominator_year_wanted == expected.year_wanted


def test_attach_keeps_other_columns_and_row_order(population):
    frame = pd.DataFrame(
        {
            "force": ["Kent", "Essex", "Kent"],
            "period": [month("2024-03"), month("2024-06"), month("2025-03")],
            "count": [1, 2, 3],
        },
        index=[30, 10, 20],
    )
    out = attach_denominators(frame, population)
    assert out.index.tolist() == [30, 10, 20]
    assert out["count"].tolist() == [1, 2, 3]
    assert out["denominator"].tolist() == [1_870_000, 1_890_000, 1_870_000]
    assert out["denominator_year"].tolist() == [2023, 2023, 2023]
    assert out["denominator_year_wanted"].tolist() == [2023, 2023, 2024]
    assert "denominator" not in frame.columns  # the input is not modified


def test_attach_lists_every_force_and_year_without_an_estimate(population):
    frame = pd.DataFrame(
        {
            "force": ["Essex", "Dyfed-Powys", "Kent", "Sussex"],
            "period": [month("2022-03"), month("2024-03"), month("2024-03"), month("2024-03")],
        }
    )
    with pytest.raises(InputValidationError) as caught:
        attach_denominators(frame, population, kind="households")
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 3
    assert any("Essex" in m and "mid-2021" in m for m in messages)
    assert any("Dyfed-Powys" in m for m in messages)
    assert any("Sussex" in m for m in messages)
    assert not any("Kent" in m for m in messages)


def test_attach_wanted_year_agrees_with_population_year_wanted():
    periods = list(pd.period_range("2019-01", "2025-12", freq=M))
    population = pd.DataFrame(
        {"force": "A", "mid_year": range(2015, 2030), "population": 1.0, "households": 1.0}
    )
    out = attach_denominators(pd.DataFrame({"force": "A", "period": periods}), population)
    assert out["denominator_year_wanted"].tolist() == [population_year_wanted(p) for p in periods]
    assert not math.isnan(out["denominator"].sum())


# ----- what the report says about a fallback ------------------------------------------------------
@pytest.mark.parametrize(
    ("quarter", "used", "wanted", "expected"),
    [
        # Year ending June 2023, figures out in October 2023: mid-2022 (out since mid-2023 at
        # the earliest) existed, so it was not supplied.
        (
            "2023-06",
            2018,
            2022,
            "mid-2018 population estimate; mid-2022 was not supplied.",
        ),
        # Year ending December 2023, figures out in April 2024: mid-2023 cannot be out before
        # June 2024.
        (
            "2023-12",
            2022,
            2023,
            "mid-2022 population estimate; mid-2023 is not yet published.",
        ),
        # Year ending March 2024, figures out in July 2024: mid-2023 could be out (June 2024).
        (
            "2024-03",
            2022,
            2023,
            "mid-2022 household estimate; mid-2023 was not supplied.",
        ),
    ],
)
def test_fallback_note_says_not_supplied_unless_it_could_not_be_published(
    quarter, used, wanted, expected
):
    kind = "household" if "household" in expected else "population"
    note = population_fallback_note(used, wanted, FinancialQuarter.parse(quarter), kind)
    assert note == f"Rates use the {expected}"
