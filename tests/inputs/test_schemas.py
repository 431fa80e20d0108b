"""The data contracts: the registry, the pandera schemas, and their agreement with the catalogue."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.errors as pa_errors
import pytest

from helpers.core.config import default_catalogue
from helpers.inputs.datasets import snake_case
from helpers.inputs.schemas import LOCAL_SOURCES, PRC_COLUMNS, REQUIRED_SOURCES, SOURCES, get_source

TEMPLATES = Path(__file__).resolve().parents[2] / "data" / "templates"


def _failures(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    with pytest.raises(pa_errors.SchemaErrors) as caught:
        SOURCES[name].schema.validate(frame, lazy=True)
    return caught.value.failure_cases


def _satisfaction(**changes: object) -> pd.DataFrame:
    row = {
        "period": "2025-01",
        "force": "Avon and Somerset",
        "survey": "overall",
        "respondents": 10,
        "satisfied": 8,
    }
    return pd.DataFrame([{**row, **changes}]).astype({"respondents": "int64", "satisfied": "int64"})


def test_registry_required_and_layout() -> None:
    assert set(REQUIRED_SOURCES) == {"prc", "population"}
    assert SOURCES["prc"].path == "national/prc_pfa.csv.gz"
    assert list(SOURCES["prc"].columns) == list(PRC_COLUMNS)
    for name in LOCAL_SOURCES:
        source = SOURCES[name]
        assert source.is_folder and source.path == f"local/{name}"
        assert source.frequency == "monthly" and source.columns[:2] == ["period", "force"]
    assert SOURCES["workforce"].columns[0] == "as_at"
    assert SOURCES["csew_confidence"].frequency == "year_ending"
    with pytest.raises(KeyError, match="unknown source 'prcs'"):
        get_source("prcs")


def test_catalogue_columns_exist_in_their_sources() -> None:
    """Every column a measure of params/measures.yaml reads is in its source's tidy table."""
    tidy_columns = {
        name: {snake_case(c) for c in s.columns} | {"period", "force"}
        for name, s in SOURCES.items()
    }
    tidy_columns["prc"] = {"offence_code", "offence_subgroup", "count"}
    for measure in default_catalogue().measures:
        assert measure.source in SOURCES, measure.id
        columns = tidy_columns[measure.source]
        numerator = measure.numerator
        if "column" in numerator:
            assert numerator["column"] in columns, measure.id
        for key in (*numerator.get("filter", {}), *numerator.get("exclude", {})):
            assert key in columns, measure.id
        for column, value in numerator.get("filter", {}).items():
            allowed = SOURCES[measure.source].categories.get(column)
            assert allowed is None or value in allowed, measure.id
        if isinstance(measure.denominator, dict):
            assert measure.denominator["column"] in columns, measure.id
        if numerator.get("group"):
            group = numerator["group"]
            groups = group if isinstance(group, list) else [group]  # or several together
            allowed = SOURCES[measure.source].categories["ethnic_group"]
            assert groups and set(groups) <= set(allowed), measure.id


def test_a_valid_row_passes() -> None:
    SOURCES["victim_satisfaction"].schema.validate(_satisfaction(), lazy=True)


@pytest.mark.parametrize(
    ("changes", "column", "check"),
    [
        ({"satisfied": 11}, "satisfied", "'satisfied' is more than 'respondents'"),
        ({"satisfied": -1}, "satisfied", "a count cannot be negative"),
        ({"survey": "Overall"}, "survey", "must be one of: overall, burglary"),
        ({"force": "Avon and Somrset"}, "force", "unknown force"),
        ({"period": "2025-1"}, "period", "period must be written YYYY-MM"),
    ],
)
def test_each_rule_fails_alone(changes: dict[str, object], column: str, check: str) -> None:
    failures = _failures("victim_satisfaction", _satisfaction(**changes))
    assert any(failures["check"].str.startswith(check)), failures
    if check != "'satisfied' is more than 'respondents'":
        assert set(failures["column"]) == {column}


def test_force_aliases_and_england_and_wales() -> None:
    SOURCES["victim_satisfaction"].schema.validate(_satisfaction(force="Avon & Somerset"))
    SOURCES["victim_satisfaction"].schema.validate(_satisfaction(force="Devon & Cornwall Police"))
    failures = _failures("victim_satisfaction", _satisfaction(force="England and Wales"))
    assert list(failures["column"]) == ["force"]
    csew = pd.DataFrame(
        {"period": ["2025-03"], "force": ["England and Wales"], "respondents": [100], "agree": [70]}
    )
    SOURCES["csew_confidence"].schema.validate(csew)


def test_quarterly_sources_need_quarter_end_months() -> None:
    frame = pd.DataFrame(
        {
            "period": ["2025-03", "2025-02"],
            "force": ["Kent", "Kent"],
            "finalised_outcomes": [10, 10],
            "charged_summonsed": [1, 1],
        }
    )
    failures = _failures("rape_outcomes", frame)
    assert failures["index"].tolist() == [1]
    assert failures["check"].iloc[0].startswith("quarterly data")


def test_duplicate_keys_report_the_later_row() -> None:
    frame = pd.concat([_satisfaction(), _satisfaction(satisfied=7)], ignore_index=True)
    failures = _failures("victim_satisfaction", frame)
    assert set(failures["check"]) == {"multiple_fields_uniqueness"}
    assert set(failures["index"]) == {1}


def test_prc_accepts_negative_counts_and_non_territorial_forces() -> None:
    frame = pd.DataFrame(
        [
            [
                "2012/13",
                1,
                "Action Fraud",
                "Fraud",
                "Fraud offences",
                "Fraud: Action Fraud",
                "AF",
                5,
            ],
            ["2012/13", 1, "Dorset", "Bigamy", "Misc", "Misc", "26", -2],
            ["2012/13", 1, "British Transport Police", "Murder", "VAP", "Homicide", "1", 0],
        ],
        columns=list(PRC_COLUMNS),
    )
    SOURCES["prc"].schema.validate(frame)
    frame.loc[1, "Financial Year"] = "2012/14"
    frame.loc[2, "Financial Quarter"] = 5
    failures = _failures("prc", frame)
    assert sorted(failures["column"]) == ["Financial Quarter", "Financial Year"]


def test_population_area_codes() -> None:
    frame = pd.DataFrame(
        {
            "area_code": ["E23000036", "K04000001", "E12000009", "E23000099"],
            "area_name": ["Avon and Somerset", "ENGLAND AND WALES", "South West", "Nowhere"],
            "mid_year": [2023, 2023, 2023, 2023],
            "population": [1_800_000, 61_000_000, 5_700_000, 10],
            "households": [760_000.0, 26_000_000.0, 2_500_000.0, 5.0],
        }
    )
    failures = _failures("population", frame)
    assert failures["index"].tolist() == [3]  # regions are accepted; an unknown code is not


def test_templates_match_the_contracts() -> None:
    for name in LOCAL_SOURCES:
        text = (TEMPLATES / f"{name}.csv").read_text(encoding="utf-8")
        assert text == ",".join(SOURCES[name].columns) + "\n", name
    assert (TEMPLATES / "README.md").is_file()


def test_missing_sources_are_named_local_or_national():
    from helpers.inputs.schemas import not_supplied

    assert not_supplied("victim_satisfaction") == "Local data not supplied"
    assert not_supplied("rape_outcomes") == "National data not supplied"
    assert not_supplied("complaint_reviews") == "Local data not supplied"
