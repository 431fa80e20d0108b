"""A measure's result (helpers.measures.result): the population fallback it reports and the
plain values it keeps."""

from __future__ import annotations

import numpy as np
import pytest
from sample_figures import AS, Q

from helpers.core.config import default_catalogue
from helpers.measures.result import MeasureResult, none_if_nan


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, None), (float("nan"), None), (np.float64(2.5), 2.5), (np.int64(3), 3), ("x", "x")],
)
def test_a_missing_value_is_none_and_a_numpy_number_a_plain_one(given, expected):
    kept = none_if_nan(given)
    assert kept == expected and type(kept) is type(expected)


@pytest.mark.parametrize(
    ("used", "wanted", "fallback"), [(2023, 2024, True), (2024, 2024, False), (None, 2024, False)]
)
def test_the_population_fallback_is_an_earlier_year_than_wanted(used, wanted, fallback):
    result = MeasureResult(
        measure=default_catalogue().measure("homicide"),
        force=AS,
        quarter=Q,
        denominator_year=used,
        denominator_year_wanted=wanted,
    )
    assert result.uses_population_fallback is fallback
    assert result.trend_word == "Not available"
