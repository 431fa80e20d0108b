"""The synthetic sample: deterministic, valid against every contract, and shaped like the real data.

The full generator runs once for the session (a few seconds); everything else reads its output.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pymannkendall as mk
import pytest

from helpers.core.config import default_catalogue
from helpers.core.forces import ENGLAND_AND_WALES, default_forces
from helpers.core.paths import DATA_DIR
from helpers.inputs.datasets import InputData, load_inputs
from helpers.inputs.sample_data import DEFAULT_SEED, main, write_minimal_sample
from helpers.inputs.schemas import LOCAL_SOURCES, SOURCES
from helpers.inputs.validation import check_inputs

COMMITTED = DATA_DIR / "sample"
FOCUS = "Avon and Somerset"
FORCES = default_forces().names


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    assert main(["--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def sample(sample_dir: Path) -> InputData:
    return load_inputs(sample_dir, validate=False)  # validity has its own test


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _financial_year(periods: pd.Series) -> pd.Series:
    """'2023/24' for every month from April 2023 to March 2024."""
    start = periods.dt.year - (periods.dt.month <= 3)
    return start.astype(str) + "/" + ((start + 1) % 100).astype(str).str.zfill(2)


# ----- determinism and validity
def test_same_seed_same_bytes_as_the_committed_sample(sample_dir: Path) -> None:
    if not COMMITTED.is_dir():
        pytest.skip("data/sample is not in this checkout")
    assert _hashes(sample_dir) == _hashes(COMMITTED), (
        "data/sample differs from what the generator writes: regenerate it with "
        "`python -m helpers sample-data --out data/sample`"
    )


def test_minimal_sample_is_deterministic_and_seeded(tmp_path: Path) -> None:
    first = write_minimal_sample(tmp_path / "a")
    assert write_minimal_sample(tmp_path / "b") == first
    other = write_minimal_sample(tmp_path / "c", seed=DEFAULT_SEED + 1)
    assert other["national/prc_pfa.csv.gz"] != first["national/prc_pfa.csv.gz"]


def test_sample_passes_every_contract(sample_dir: Path) -> None:
    report = check_inputs(sample_dir)
    assert report.errors == [] and report.missing == set()
    assert [w.column for w in report.warnings] == ["Number of Offences"]  # the adjustments


def test_readme_says_synthetic(sample_dir: Path, sample: InputData) -> None:
    text = (sample_dir / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# SYNTHETIC sample data") and "never real data" in text
    assert sample.is_synthetic


# ----- police recorded crime
def test_prc_span_forces_and_code_history(sample_dir: Path, sample: InputData) -> None:
    raw = pd.read_csv(sample_dir / "national/prc_pfa.csv.gz", dtype={"Offence Code": str})
    assert list(raw.columns) == list(SOURCES["prc"].columns)
    assert set(raw["Force Name"]) == {*FORCES, "British Transport Police", "Action Fraud"}
    prc = sample.prc
    assert str(prc["period"].min()) == "2012-06" and str(prc["period"].max()) == "2025-03"
    year = _financial_year(prc["period"])
    codes_by_year = prc.groupby(year)["offence_code"].agg(set)
    assert "1/4.1/4.10/4.2" in codes_by_year["2012/13"] and "1" not in codes_by_year["2012/13"]
    assert "1/4.1/4.10/4.2" not in codes_by_year["2013/14"] and "1" in codes_by_year["2013/14"]
    assert "28I" not in codes_by_year["2022/23"]
    assert {"28I", "28P", "29B", "29C"} <= codes_by_year["2023/24"] <= codes_by_year["2024/25"]
    replaced = prc[prc["offence_code"].isin(["28E", "28F", "28G", "28H", "29A"])]
    assert replaced.loc[_financial_year(replaced["period"]) == "2024/25", "count"].eq(0).all()
    burglary_codes = prc.loc[prc["offence_code"].str.match(r"^(28|29)"), "offence_subgroup"]
    assert set(burglary_codes) == {"Domestic burglary"}
    fraud = sample.action_fraud_national
    assert fraud["offence_subgroup"].eq("Fraud: Action Fraud").all() and len(fraud) == 52


def test_negative_counts_are_a_handful_on_fraud_and_misc_codes(sample: InputData) -> None:
    prc = sample.prc
    negative = prc[prc["count"] < 0]
    assert 1 <= len(negative) <= 20
    assert set(negative["offence_group"]) <= {
        "Fraud offences",
        "Miscellaneous crimes against society",
    }


def test_magnitudes_for_the_default_force(sample: InputData) -> None:
    prc = sample.prc
    focus = prc[prc["force"] == FOCUS]
    homicide = (
        focus[focus["offence_subgroup"] == "Homicide"]
        .groupby(_financial_year(focus["period"]))["count"]
        .sum()
    )
    assert 12 <= homicide.mean() <= 30
    share = prc.loc[prc["force"] == FOCUS, "count"].sum() / prc["count"].sum()
    assert 0.02 < share < 0.04  # about 3% of England and Wales' residents


def test_residential_burglary_is_continuous_through_the_code_change(sample: InputData) -> None:
    prc = sample.prc
    burglary = prc[prc["offence_subgroup"] == "Domestic burglary"].groupby("period")["count"].sum()
    before = burglary[pd.Period("2022-06", freq="M") : pd.Period("2023-03", freq="M")].mean()
    after = burglary[pd.Period("2023-06", freq="M") : pd.Period("2024-03", freq="M")].mean()
    assert 0.85 < after / before < 1.1


def _rolling_rate(sample: InputData, measure_id: str) -> pd.Series:
    measure = default_catalogue().measure(measure_id)
    prc = sample.prc
    rows = prc[prc["force"] == FOCUS]
    numerator = measure.numerator
    mask = pd.Series(False, index=rows.index)
    if "offence_subgroups" in numerator:
        mask |= rows["offence_subgroup"].isin(numerator["offence_subgroups"])
    if "offence_codes" in numerator:
        mask |= rows["offence_code"].isin(numerator["offence_codes"])
    counts = rows[mask].groupby("period")["count"].sum().sort_index()
    rolled = counts.rolling(4).sum().dropna()
    kind = "households" if measure.denominator == "households" else "population"
    population = sample.population
    by_year = population[population["force"] == FOCUS].set_index("mid_year")[kind]
    # Mid-year of the window's midpoint, the latest published where it is not out yet.
    years = [
        min(p.year - (1 if p.month < 9 else 0), int(by_year.index.max())) for p in rolled.index
    ]
    return rolled / by_year.loc[years].to_numpy() * 1000


def test_headline_trends_are_a_mix(sample: InputData) -> None:
    """Mann-Kendall (Hamed-Rao) over the last 12 rolling quarters: some up, some down, some flat."""
    words = {}
    for measure_id in (
        "homicide",
        "serious_violence",
        "drug_trafficking",
        "residential_burglary",
        "vehicle_offences",
        "personal_robbery",
        "theft_from_person",
    ):
        series = _rolling_rate(sample, measure_id).iloc[-12:]
        words[measure_id] = mk.hamed_rao_modification_test(series.to_numpy()).trend
    assert words["residential_burglary"] == "decreasing"
    assert words["serious_violence"] == "increasing"
    counts = pd.Series(words).value_counts()
    assert counts.get("increasing", 0) >= 2 and counts.get("decreasing", 0) >= 2
    assert counts.get("no trend", 0) >= 2, words


# ----- population and ethnicity
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


# ----- powers, workforce, surveys
def _latest_year(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["period"] >= pd.Period("2024-04", freq="M")]


def test_stop_search_and_use_of_force_by_ethnicity(sample: InputData) -> None:
    census = sample.population_ethnicity.pivot(
        index="force", columns="ethnic_group", values="population"
    )
    searches = _latest_year(sample.stop_search)
    by_group = searches.groupby(["force", "ethnic_group"])["searches"].sum().unstack()
    per_head = by_group[["Black", "White"]] / census[["Black", "White"]]
    assert (per_head["Black"] / per_head["White"]).loc[FOCUS] > 2.5
    positive = searches.groupby("force")[["positive_outcomes", "searches"]].sum()
    assert (positive["positive_outcomes"] / positive["searches"]).between(0.22, 0.38).all()
    not_recorded = by_group["Not recorded"] / by_group.sum(axis=1)
    assert (not_recorded > 0).all() and not_recorded.max() > 2 * not_recorded.median()
    force_used = _latest_year(sample.use_of_force)
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


def test_percentages_at_their_ceiling(sample: InputData) -> None:
    """One series sits at 100% so that "Stable (100%)" can be shown."""
    cyber = sample.cyber_crime
    focus = cyber[(cyber["force"] == FOCUS) & (cyber["period"] >= pd.Period("2021-04", freq="M"))]
    assert (focus["victims_advised"] == focus["victims"]).all() and focus["victims"].sum() > 0
    rights = sample.information_rights
    city_sar = rights[(rights["force"] == "London, City of") & (rights["request_type"] == "SAR")]
    assert (city_sar["answered_on_time"] == city_sar["requests_due"]).all()


def test_local_extracts_one_file_per_quarter_all_forces(sample_dir: Path) -> None:
    for name in LOCAL_SOURCES:
        files = sorted((sample_dir / SOURCES[name].path).glob("*.csv"))
        assert [f.stem for f in files][:2] == ["2019-06", "2019-09"] and len(files) == 24
        latest = pd.read_csv(files[-1])
        assert set(latest["force"]) == set(FORCES)
        assert sorted(latest["period"].unique()) == ["2025-01", "2025-02", "2025-03"]


def test_local_magnitudes_for_the_default_force(sample: InputData) -> None:
    def yearly(frame: pd.DataFrame, column: str) -> float:
        rows = _latest_year(frame[frame["force"] == FOCUS])
        return float(rows[column].sum())

    assert 2_400 < yearly(sample.confidence_survey, "respondents") < 3_600  # ~750 a quarter
    reviews = _latest_year(sample.complaint_reviews)
    monthly = reviews.loc[reviews["force"] == FOCUS, "reviews_completed"]
    assert monthly.between(2, 25).all() and 5 <= monthly.mean() <= 20
    satisfaction = sample.victim_satisfaction
    assert (satisfaction["satisfied"] <= satisfaction["respondents"]).all()
    assert set(satisfaction["survey"]) == {
        "overall",
        "burglary",
        "hate_crime",
        "violent_crime",
        "asb",
    }
    assert np.isfinite(yearly(sample.action_fraud, "referrals_disseminated"))
