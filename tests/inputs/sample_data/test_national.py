"""The other synthetic national sources shaped like the real data: population, Census shares,
powers used by ethnicity, workforce, surveys and outcomes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sample_checks import (
    FOCUS,
    FORCES,
    latest_year,
)

from helpers.core.forces import ENGLAND_AND_WALES
from helpers.inputs.datasets import InputData


def test_population_years_and_values(sample_dir: Path, sample: InputData) -> None:
    raw = pd.read_csv(sample_dir / "national/population_pfa.csv", dtype={"area_code": str})
    assert sorted(raw["mid_year"].unique()) == list(range(2011, 2024))
    assert raw.loc[raw["area_code"] == "E23000034", "area_name"].eq("City of London").all()
    population = sample.population.set_index(["force", "mid_year"])
    assert 1.60e6 < population.loc[(FOCUS, 2011), "population"] < 1.68e6
    assert 1.76e6 < population.loc[(FOCUS, 2023), "population"] < 1.84e6
    ratio = population["households"] / population["population"]
    assert ratio.loc[FOCUS].between(0.40, 0.45).all()
    national = population.loc[ENGLAND_AND_WALES, "population"]
    forces = sample.population[sample.population["force"] != ENGLAND_AND_WALES]
    assert (national == forces.groupby("mid_year")["population"].sum()).all()


def test_census_shares_for_the_default_force(sample: InputData) -> None:
    census = sample.population_ethnicity
    focus = census[census["force"] == FOCUS].set_index("ethnic_group")["population"]
    shares = focus / focus.sum()
    expected = {"White": 0.908, "Asian": 0.035, "Black": 0.022, "Mixed": 0.025, "Other": 0.010}
    for group, share in expected.items():
        assert shares[group] == pytest.approx(share, abs=0.004), group
    assert set(census["force"]) == set(FORCES)


def test_stop_search_and_use_of_force_by_ethnicity(sample: InputData) -> None:
    census = sample.population_ethnicity.pivot(
        index="force", columns="ethnic_group", values="population"
    )
    searches = latest_year(sample.stop_search)
    by_group = searches.groupby(["force", "ethnic_group"])["searches"].sum().unstack()
    per_head = by_group[["Black", "White"]] / census[["Black", "White"]]
    assert (per_head["Black"] / per_head["White"]).loc[FOCUS] > 2.5
    positive = searches.groupby("force")[["positive_outcomes", "searches"]].sum()
    assert (positive["positive_outcomes"] / positive["searches"]).between(0.22, 0.38).all()
    not_recorded = by_group["Not recorded"] / by_group.sum(axis=1)
    assert (not_recorded > 0).all() and not_recorded.max() > 2 * not_recorded.median()
    force_used = latest_year(sample.use_of_force)
    incidents = force_used.groupby(["force", "ethnic_group"])["incidents"].sum().unstack()
    share = incidents["Not recorded"] / incidents.sum(axis=1)
    assert share.loc[FOCUS] > 0.25 and share.loc[FOCUS] > share.drop(FOCUS).quantile(0.9)


def test_workforce_is_less_diverse_than_the_area_but_improving(sample: InputData) -> None:
    workforce = sample.workforce[sample.workforce["force"] == FOCUS]
    stated = workforce[workforce["ethnic_group"] != "Not stated"]
    by_date = stated.groupby(["period", "ethnic_group"])["headcount"].sum().unstack()
    minority = by_date[["Asian", "Black", "Mixed", "Other"]].sum(axis=1) / by_date.sum(axis=1)
    census = sample.population_ethnicity
    area = census[census["force"] == FOCUS].set_index("ethnic_group")["population"]
    assert minority.iloc[-1] < 1 - area["White"] / area.sum()
    assert minority.iloc[-1] > minority.iloc[0]
    assert sorted({str(p) for p in workforce["period"]})[:2] == ["2019-03", "2019-09"]


def test_survey_and_outcome_rates_are_plausible(sample: InputData) -> None:
    csew = sample.csew_confidence
    rate = csew["agree"] / csew["respondents"]
    assert rate.between(0.55, 0.85).all()
    national = csew[csew["force"] == ENGLAND_AND_WALES].set_index("period")["respondents"]
    forces = csew[csew["force"] != ENGLAND_AND_WALES].groupby("period")["respondents"].sum()
    assert (national == forces).all()
    rape = sample.rape_outcomes.groupby("period")[["charged_summonsed", "finalised_outcomes"]].sum()
    charge = rape["charged_summonsed"] / rape["finalised_outcomes"]
    assert charge.between(0.03, 0.10).all()
    assert charge.iloc[-4:].mean() > charge.loc[pd.Period("2021-06", freq="M")]
    assert str(rape.index.min()) == "2016-06"
