import math

import numpy as np
import pandas as pd
import pytest

from helpers.core.config import UNITS
from helpers.present.formatting import (
    axis_label,
    format_column,
    format_number,
    format_value,
    normalise_series,
    period_label,
    period_long,
    unit_label,
)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        # rates: at least 2 decimals and at least 2 significant figures
        (0.01123, "rate_per_1000", "0.011"),
        (0.0118, "rate_per_1000", "0.012"),
        (0.0095, "rate_per_1000", "0.0095"),
        (0.00996, "rate_per_1000", "0.010"),  # rounds up a magnitude: not "0.0100"
        (3.451, "rate_per_1000_households", "3.45"),
        (0.5, "rate_per_1000", "0.50"),
        (12.3456, "rate_per_1000", "12.35"),
        (1234.5678, "rate_per_1000", "1,234.57"),
        (0.0, "rate_per_1000", "0"),
        (np.float64(0.0123), "rate_per_1000", "0.012"),
        (7.8123, "percent", "7.8%"),
        (100, "percent", "100.0%"),
        (0.04, "percent", "0.0%"),
        (1234, "count", "1,234"),
        (1234.6, "count", "1,235"),
        (0, "count", "0"),
        (np.int64(192), "count", "192"),
        (2.14, "ratio", "2.1x"),
        (0.456, "ratio", "0.46x"),
        (12.3, "ratio", "12.3x"),
    ],
)
def test_format_value(value, unit, expected):
    assert format_value(value, unit) == expected


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, math.inf])
def test_missing_values_print_na(unit, missing):
    assert format_value(missing, unit) == "n/a"


def test_format_number_drops_the_ratio_x_only():
    assert format_number(2.14, "ratio") == "2.1"
    assert format_number(7.81, "percent") == "7.8%"
    assert format_number(None, "ratio") == "n/a"


def test_unknown_unit_and_non_numbers_are_errors():
    with pytest.raises(ValueError, match=r"unknown unit 'per_cent'.*rate_per_1000"):
        format_value(1.0, "per_cent")
    with pytest.raises(TypeError, match="needs a number"):
        format_value("12", "count")
    with pytest.raises(ValueError, match="unknown unit"):
        unit_label("rate")


def test_unit_labels():
    assert [unit_label(u) for u in UNITS] == [
        "per 1,000 residents",
        "per 1,000 households",
        "%",
        "number",
        "rate ratio",
    ]
    assert axis_label("rate_per_1000_households") == "Rate per 1,000 households"
    assert axis_label("percent") == "Percentage (%)"


def test_period_labels():
    assert period_label(pd.Period("2024-03", freq="M")) == "Mar 2024"
    assert period_long(pd.Period("2024-03", freq="M")) == "March 2024"


def test_normalise_series_sorts_converts_and_fills_absent_columns():
    frame = pd.DataFrame(
        {"period": ["2024-03", "2023-12"], "force_value": [2, 1], "extra": ["x", "y"]}
    )
    out = normalise_series(frame)
    assert list(out.columns) == ["period", "force_value", "comparator_value", "national_value"]
    assert list(out["period"]) == [pd.Period("2023-12", "M"), pd.Period("2024-03", "M")]
    assert list(out["force_value"]) == [1.0, 2.0]
    assert out["comparator_value"].isna().all() and out["national_value"].isna().all()


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"force_value": [1.0]}), "no 'period' column"),
        (pd.DataFrame({"period": ["2024-03"]}), "no 'force_value' column"),
        (pd.DataFrame({"period": ["2024-03", "2024-03"], "force_value": [1, 2]}), "repeats"),
        (pd.DataFrame({"period": ["not a month"], "force_value": [1]}), "not a list of months"),
        (pd.DataFrame({"period": ["2024-03"], "force_value": ["high"]}), "'force_value'"),
    ],
)
def test_normalise_series_errors_name_the_column(frame, message):
    with pytest.raises(ValueError, match=message):
        normalise_series(frame)


def test_a_ranked_column_prints_enough_digits_to_tell_ranks_apart():
    # 0.01123 and 0.01149 both print as 0.011 alone: beside ranks 1 and 2 they need 0.0112 and
    # 0.0115 (worked by hand), with every row at the same number of decimals.
    assert format_column([0.01123, 0.01149, 0.02], "rate_per_1000") == [
        "0.0112",
        "0.0115",
        "0.0200",
    ]
    assert format_column([45.21, 45.24, None], "percent") == ["45.21%", "45.24%", "n/a"]
    # Equal values share a rank and may print alike; nothing changes when all differ already.
    assert format_column([0.5, 0.5, 1.2], "rate_per_1000") == ["0.50", "0.50", "1.20"]
