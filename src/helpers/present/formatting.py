"""How numbers, units and periods are written in the report: one place, so every page agrees.

Rates are shown with at least two decimals and at least two significant figures, so a homicide
rate of 0.0112 per 1,000 reads "0.011" (not "0.01", which would hide every change) while a burglary
rate of 3.451 reads "3.45". Percentages have one decimal, counts a thousands separator, rate ratios
"2.1x".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import pandas as pd

from helpers.core.config import UNITS

NOT_AVAILABLE_VALUE = "n/a"

_UNIT_LABELS = {
    "rate_per_1000": "per 1,000 residents",
    "rate_per_1000_households": "per 1,000 households",
    "percent": "%",
    "count": "number",
    "ratio": "rate ratio",
}
_AXIS_LABELS = {
    "rate_per_1000": "Rate per 1,000 residents",
    "rate_per_1000_households": "Rate per 1,000 households",
    "percent": "Percentage (%)",
    "count": "Number",
    "ratio": "Rate ratio",
}
_MAX_DECIMALS = 6


def _check_unit(unit: str) -> None:
    if unit not in _UNIT_LABELS:
        raise ValueError(f"unknown unit '{unit}': use one of {', '.join(UNITS)}")


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' NA/NaT: values shown as "n/a"."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _decimals_for(value: float, minimum: int) -> int:
    """Decimals that give at least two significant figures and at least `minimum` decimals."""
    if value == 0:
        return minimum
    magnitude = math.floor(math.log10(abs(value)))
    return min(_MAX_DECIMALS, max(minimum, 1 - magnitude))


def _significant_decimals(value: float, minimum: int) -> int:
    decimals = _decimals_for(value, minimum)
    rounded = round(value, decimals)
    # 0.00996 rounds up to 0.0100: measure again so it is written 0.010, not 0.0100.
    if rounded != 0:
        decimals = min(decimals, _decimals_for(rounded, minimum))
    return decimals


def _significant(value: float, minimum: int) -> str:
    return f"{value:,.{_significant_decimals(value, minimum)}f}"


def decimals_shown(value: float | int, unit: str) -> int:
    """How many decimals `format_value` prints for `value` in `unit`: the number format of a
    spreadsheet cell that shows the value as the report prints it (the full value kept).

    >>> decimals_shown(0.01123, "rate_per_1000"), decimals_shown(7.81, "percent")
    (3, 1)
    """
    _check_unit(unit)
    number = float(value)
    if unit == "percent":
        return 1
    if unit == "count" or number == 0 or not math.isfinite(number):
        return 0
    return _significant_decimals(number, 1 if unit == "ratio" else 2)


def format_value(value: float | int | None, unit: str) -> str:
    """A value in its unit as printed in tables, sentences and alt text.

    >>> format_value(0.01123, "rate_per_1000"), format_value(3.451, "rate_per_1000_households")
    ('0.011', '3.45')
    >>> format_value(7.8123, "percent"), format_value(1234, "count"), format_value(2.14, "ratio")
    ('7.8%', '1,234', '2.1x')
    """
    _check_unit(unit)
    if is_missing(value):
        return NOT_AVAILABLE_VALUE
    if not isinstance(value, Real):
        raise TypeError(f"format_value needs a number, got {type(value).__name__}: {value!r}")
    number = float(value)
    if math.isinf(number):
        return NOT_AVAILABLE_VALUE
    if unit == "percent":
        return f"{number:,.1f}%"
    if unit == "count":
        return f"{number:,.0f}"
    if unit == "ratio":
        return f"{_significant(number, 1)}x"
    if number == 0:
        return "0"
    return _significant(number, 2)


def format_column(values: Sequence[float | int | None], unit: str) -> list[str]:
    """The values of one column of a ranked table, as `format_value` prints them, but with as
    many decimals (the same for every row) as it takes for different values to print
    differently: a table must never show one figure at two ranks.

    >>> format_column([0.01123, 0.01149, 0.02], "rate_per_1000")
    ['0.0112', '0.0115', '0.0200']
    """
    texts = [format_value(v, unit) for v in values]
    if unit == "count" or _tells_apart(values, texts):
        return texts
    for decimals in range(1, 10):
        texts = [_fixed(v, unit, decimals) for v in values]
        if _tells_apart(values, texts):
            break
    return texts


def _fixed(value: float | int | None, unit: str, decimals: int) -> str:
    if is_missing(value) or math.isinf(float(value)):  # type: ignore[arg-type]
        return NOT_AVAILABLE_VALUE
    suffix = {"percent": "%", "ratio": "x"}.get(unit, "")
    return f"{float(value):,.{decimals}f}{suffix}"  # type: ignore[arg-type]


def _tells_apart(values: Sequence[float | int | None], texts: Sequence[str]) -> bool:
    shown: dict[str, float] = {}
    for value, text in zip(values, texts, strict=True):
        if is_missing(value):
            continue
        if shown.setdefault(text, float(value)) != float(value):  # type: ignore[arg-type]
            return False
    return True


def format_number(value: float | int | None, unit: str) -> str:
    """As `format_value` without the "x" of a ratio: for sentences ("rose from 1.8 to 2.1")."""
    text = format_value(value, unit)
    return text[:-1] if unit == "ratio" and text.endswith("x") else text


def unit_label(unit: str) -> str:
    """The unit in words, as it follows a number: "per 1,000 residents", "%", "number"."""
    _check_unit(unit)
    return _UNIT_LABELS[unit]


def axis_label(unit: str) -> str:
    """The unit as a chart's y-axis label: "Rate per 1,000 residents", "Percentage (%)"."""
    _check_unit(unit)
    return _AXIS_LABELS[unit]


def period_label(period: pd.Period) -> str:
    """A month as on a chart axis and in data tables: "Mar 2024"."""
    return pd.Period(period, freq="M").strftime("%b %Y")


def period_long(period: pd.Period) -> str:
    """A month as in sentences: "March 2024"."""
    return pd.Period(period, freq="M").strftime("%B %Y")


# ----- the chart series contract ---------------------------------------------------------------
SERIES_COLUMNS = ("period", "force_value", "comparator_value", "national_value")


def normalise_series(series: pd.DataFrame) -> pd.DataFrame:
    """A chart series checked and put in order: the form charts, alt text and data tables read.

    Input columns: ``period`` (monthly `pd.Period`, or text/dates that convert to one),
    ``force_value``, and optionally ``comparator_value`` and ``national_value`` (absent or all NaN
    when there is no comparator). Returns exactly those four columns, one row per period, sorted,
    values as floats. Raises `ValueError` naming the column when the series cannot be read.
    """
    missing = [c for c in ("period", "force_value") if c not in series.columns]
    if missing:
        raise ValueError(
            f"chart series has no {' or '.join(repr(c) for c in missing)} column "
            f"(columns: {', '.join(map(str, series.columns)) or 'none'})"
        )
    try:
        periods = pd.PeriodIndex(series["period"], freq="M")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"chart series: column 'period' is not a list of months: {exc}") from exc
    if periods.hasnans:
        raise ValueError("chart series: column 'period' has an empty value")
    if periods.has_duplicates:
        dupes = sorted({str(p) for p in periods[periods.duplicated()]})
        raise ValueError(f"chart series: column 'period' repeats {', '.join(dupes)}")
    out = pd.DataFrame({"period": periods})
    for column in SERIES_COLUMNS[1:]:
        if column not in series.columns:
            out[column] = float("nan")
            continue
        try:
            out[column] = pd.to_numeric(series[column].to_numpy(), errors="raise").astype(float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"chart series: column '{column}' is not numeric: {exc}") from exc
    return out.sort_values("period", kind="stable").reset_index(drop=True)
