"""The synthetic local extracts: a percentage at its ceiling and plausible magnitudes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sample_checks import (
    FOCUS,
    latest_year,
)

from helpers.inputs.datasets import InputData


def test_percentages_at_their_ceiling(sample: InputData) -> None:
    """One series sits at 100% so that "Stable (100%)" can be shown."""
    cyber = sample.cyber_crime
    focus = cyber[(cyber["force"] == FOCUS) & (cyber["period"] >= pd.Period("2021-04", freq="M"))]
    assert (focus["victims_advised"] == focus["victims"]).all() and focus["victims"].sum() > 0
    rights = sample.information_rights
    city_sar = rights[(rights["force"] == "London, City of") & (rights["request_type"] == "SAR")]
    assert (city_sar["answered_on_time"] == city_sar["requests_due"]).all()


def test_local_magnitudes_for_the_default_force(sample: InputData) -> None:
    def yearly(frame: pd.DataFrame, column: str) -> float:
        rows = latest_year(frame[frame["force"] == FOCUS])
        return float(rows[column].sum())

    assert 2_400 < yearly(sample.confidence_survey, "respondents") < 3_600  # ~750 a quarter
    reviews = latest_year(sample.complaint_reviews)
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
