"""Synthetic police recorded crime shaped like the real data: span, forces, code history,
adjustments, magnitudes and a mix of trends for the default force.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pymannkendall as mk
from sample_checks import (
    FOCUS,
    FORCES,
    financial_year,
    rolling_rate,
)

from helpers.inputs.datasets import InputData
from helpers.inputs.schemas import SOURCES


def test_prc_span_forces_and_code_history(sample_dir: Path, sample: InputData) -> None:
    raw = pd.read_csv(sample_dir / "national/prc_pfa.csv.gz", dtype={"Offence Code": str})
    assert list(raw.columns) == list(SOURCES["prc"].columns)
    assert set(raw["Force Name"]) == {*FORCES, "British Transport Police", "Action Fraud"}
    prc = sample.prc
    assert str(prc["period"].min()) == "2012-06" and str(prc["period"].max()) == "2025-03"
    year = financial_year(prc["period"])
    codes_by_year = prc.groupby(year)["offence_code"].agg(set)
    assert "1/4.1/4.10/4.2" in codes_by_year["2012/13"] and "1" not in codes_by_year["2012/13"]
    assert "1/4.1/4.10/4.2" not in codes_by_year["2013/14"] and "1" in codes_by_year["2013/14"]
    assert "28I" not in codes_by_year["2022/23"]
    assert {"28I", "28P", "29B", "29C"} <= codes_by_year["2023/24"] <= codes_by_year["2024/25"]
    replaced = prc[prc["offence_code"].isin(["28E", "28F", "28G", "28H", "29A"])]
    assert replaced.loc[financial_year(replaced["period"]) == "2024/25", "count"].eq(0).all()
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
        .groupby(financial_year(focus["period"]))["count"]
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
        series = rolling_rate(sample, measure_id).iloc[-12:]
        words[measure_id] = mk.hamed_rao_modification_test(series.to_numpy()).trend
    assert words["residential_burglary"] == "decreasing"
    assert words["serious_violence"] == "increasing"
    counts = pd.Series(words).value_counts()
    assert counts.get("increasing", 0) >= 2 and counts.get("decreasing", 0) >= 2
    assert counts.get("no trend", 0) >= 2, words
