"""12-month rolling sums of tidy monthly or quarterly tables.

Every crime measure in the report is a 12-month rolling figure: for each period, the sum over the
12 months that end with it. Home Office open data are quarterly (a row per quarter-end month) and
local extracts are monthly, so the frequency is inferred for each series (each group of `by`)
rather than declared. A period missing inside a series would make a "12-month" window silently
cover 15 months of calendar time, so it is an error, never a gap that is skipped.

Sums are taken over a fixed number of rows (12 months or 4 quarters) once the series is known to
be complete, which lets numpy sum every window at once instead of looping over periods.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from helpers.core.exceptions import InputProblem, InputValidationError

WINDOW_MONTHS = 12
_QUARTER_END_MONTHS = (3, 6, 9, 12)
_ROWS_PER_WINDOW = {1: WINDOW_MONTHS, 3: WINDOW_MONTHS // 3}  # step in months -> rows per window
_FREQUENCY_NAMES = {1: "monthly", 3: "quarterly"}


def rolling_12_months(
    frame: pd.DataFrame,
    value_columns: str | Sequence[str],
    by: str | Sequence[str] = ("force",),
    *,
    source: str = "(derived)",
) -> pd.DataFrame:
    """Sum each value column over the 12 months ending at each period, per group.

    `frame` is a tidy table with a monthly `period` column (the last month of each row's
    period). Each group of `by` is one series; its frequency is inferred from its periods:
    monthly when it has any month that is not a quarter end, otherwise quarterly. Groups may
    differ in frequency (a monthly local extract beside quarterly national data).

    Returns the `by` columns, `period` and the value columns, one row per group and period for
    which a complete 12-month window exists (from the 12th month or 4th quarter of each series),
    sorted by group and period. A missing value inside a window gives a missing sum for that
    window, because a partial sum would understate the figure. Integer columns stay integers.

    Raises `InputValidationError` (one `InputProblem` per fault, attributed to `source`) when a
    series has a gap, a duplicated period, periods 3 months apart that are not quarter ends, or
    mixes monthly and quarterly rows; and when a group key or period is missing.
    """
    values = [value_columns] if isinstance(value_columns, str) else list(value_columns)
    keys = [by] if isinstance(by, str) else list(by)
    _check_columns(frame, values, keys)

    if frame.empty:
        return frame.loc[:, [*keys, "period", *values]].reset_index(drop=True)

    problems = _missing_keys(frame, keys, source)
    if problems:
        raise InputValidationError(problems)

    data = frame.loc[:, [*keys, "period", *values]]
    month_index = _month_index(data["period"])
    data = data.assign(_month=month_index).sort_values([*keys, "_month"], kind="stable")
    data = data.reset_index(drop=True)

    group_id = _group_ids(data, keys)
    months = data["_month"].to_numpy()
    step = _steps_per_row(group_id, months)

    problems = _series_problems(data, keys, group_id, months, step, source)
    if problems:
        raise InputValidationError(problems)

    rows_per_window = _rows_per_window(group_id, months)
    start_of_group = _first_row_of_group(group_id)
    position = np.arange(len(data))
    # A window is complete when its first row belongs to the same series as its last row.
    complete = position - rows_per_window + 1 >= start_of_group

    out = data.loc[complete, [*keys, "period"]].copy()
    for column in values:
        sums = _window_sums(data[column], rows_per_window)
        out[column] = _restore_dtype(sums[complete], data[column].dtype)
    return out.reset_index(drop=True)


# ----- validation -------------------------------------------------------------------------------
def _check_columns(frame: pd.DataFrame, values: list[str], keys: list[str]) -> None:
    missing = [c for c in (*keys, "period", *values) if c not in frame.columns]
    if missing:
        raise KeyError(
            f"rolling_12_months: column(s) {', '.join(map(repr, missing))} not in the table "
            f"(columns are {', '.join(map(str, frame.columns))})"
        )
    if frame["period"].dtype != pd.PeriodDtype("M"):
        raise TypeError(
            "rolling_12_months: column 'period' must hold monthly pandas Periods (freq 'M'), "
            f"got dtype {frame['period'].dtype}"
        )
    overlap = set(values) & {*keys, "period"}
    if overlap:
        raise ValueError(f"rolling_12_months: cannot sum the key column(s) {sorted(overlap)}")


def _missing_keys(frame: pd.DataFrame, keys: list[str], source: str) -> list[InputProblem]:
    problems = []
    for column in (*keys, "period"):
        n_missing = int(frame[column].isna().sum())
        if n_missing:
            problems.append(
                InputProblem(
                    file=source,
                    column=column,
                    message=f"{n_missing} row(s) have no {column}; every row must name one",
                )
            )
    return problems


def _month_index(period: pd.Series) -> np.ndarray:
    """Months since year 0, so that consecutive months differ by exactly 1."""
    return (period.dt.year * 12 + period.dt.month - 1).to_numpy(dtype=np.int64)


def _group_ids(data: pd.DataFrame, keys: list[str]) -> np.ndarray:
    if not keys:
        return np.zeros(len(data), dtype=np.int64)
    # `data` is sorted by the keys, so a new group starts wherever any key changes.
    changed = np.zeros(len(data), dtype=bool)
    changed[0] = True
    for key in keys:
        column = data[key].to_numpy()
        changed[1:] |= column[1:] != column[:-1]
    return np.cumsum(changed) - 1


def _first_row_of_group(group_id: np.ndarray) -> np.ndarray:
    starts = np.flatnonzero(np.r_[True, group_id[1:] != group_id[:-1]])
    return starts[group_id]


def _steps_per_row(group_id: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Months since the previous row of the same series (0 for a series' first row)."""
    step = np.zeros(len(months), dtype=np.int64)
    same = group_id[1:] == group_id[:-1]
    step[1:] = np.where(same, months[1:] - months[:-1], 0)
    return step


def _group_frequency(group_id: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Per group: 1 (monthly) if any month is not a quarter end, else 3 (quarterly)."""
    off_quarter = (months % 12 + 1) % 3 != 0
    n_groups = int(group_id.max()) + 1
    any_off = np.bincount(group_id, weights=off_quarter, minlength=n_groups) > 0
    return np.where(any_off, 1, 3)


def _rows_per_window(group_id: np.ndarray, months: np.ndarray) -> np.ndarray:
    frequency = _group_frequency(group_id, months)[group_id]
    return np.where(frequency == 1, _ROWS_PER_WINDOW[1], _ROWS_PER_WINDOW[3])


def _series_problems(
    data: pd.DataFrame,
    keys: list[str],
    group_id: np.ndarray,
    months: np.ndarray,
    step: np.ndarray,
    source: str,
) -> list[InputProblem]:
    """One problem per faulty series: gaps, duplicates, off-quarter steps, mixed frequency."""
    frequency = _group_frequency(group_id, months)
    row_frequency = frequency[group_id]
    first = np.r_[True, group_id[1:] != group_id[:-1]]
    bad_rows = ~first & (step != row_frequency)
    problems: list[InputProblem] = []
    for gid in np.unique(group_id[bad_rows]):
        rows = np.flatnonzero(group_id == gid)
        label = _group_label(data, keys, rows[0])
        problems.append(_describe_series_fault(label, months[rows], int(frequency[gid]), source))
    return problems


def _describe_series_fault(
    label: str, months: np.ndarray, frequency: int, source: str
) -> InputProblem:
    steps = np.diff(months)
    periods = [_period_of(m) for m in months]
    if (steps == 0).any():
        duplicated = sorted({str(periods[i + 1]) for i in np.flatnonzero(steps == 0)})
        return InputProblem(
            file=source,
            column="period",
            value=duplicated[0],
            message=f"{label}: period(s) {', '.join(duplicated)} appear more than once; "
            "a series needs one row per period",
        )
    quarter_end = np.array([p.month in _QUARTER_END_MONTHS for p in periods])
    if frequency == 1 and (steps == 3).all():
        return InputProblem(
            file=source,
            column="period",
            value=str(periods[0]),
            message=f"{label}: periods are 3 months apart but not at quarter ends (March, June, "
            "September, December); `period` must name the last month of each quarter",
        )
    if frequency == 1 and _looks_mixed(steps, quarter_end):
        return InputProblem(
            file=source,
            column="period",
            value=str(periods[int(np.flatnonzero(steps == 3)[0]) + 1]),
            message=f"{label}: the series mixes monthly and quarterly rows; supply one "
            "frequency per series",
        )
    gaps = np.flatnonzero(steps != frequency)
    missing = [
        str(_period_of(m))
        for i in gaps
        for m in range(int(months[i]) + frequency, int(months[i + 1]), frequency)
    ]
    kind = _FREQUENCY_NAMES[frequency]
    first_gap = gaps[0]
    shown = ", ".join(missing[:12]) + (
        f" and {len(missing) - 12} more" if len(missing) > 12 else ""
    )
    return InputProblem(
        file=source,
        column="period",
        value=missing[0] if missing else None,
        message=f"the {kind} series of {label} has no row for {shown} (first gap between "
        f"{periods[first_gap]} and {periods[first_gap + 1]}); a 12-month figure cannot be made "
        "across a missing period: supply it (0 if nothing was recorded)",
    )


def _looks_mixed(steps: np.ndarray, quarter_end: np.ndarray) -> bool:
    """True when the series has monthly steps and a run of 3-month steps between quarter ends.

    Two or more consecutive 3-month steps landing on quarter ends look like a switch to
    quarterly rows; a single one is more likely two missing months, reported as a gap.
    """
    if not (steps == 1).any():
        return False
    quarterly_step = (steps == 3) & quarter_end[1:] & quarter_end[:-1]
    return bool((quarterly_step[1:] & quarterly_step[:-1]).any())


def _period_of(month_index: int) -> pd.Period:
    return pd.Period(year=int(month_index) // 12, month=int(month_index) % 12 + 1, freq="M")


def _group_label(data: pd.DataFrame, keys: list[str], row: int) -> str:
    if not keys:
        return "(the whole table)"
    if len(keys) == 1:
        return f"{keys[0]} '{data.at[row, keys[0]]}'"
    return "(" + ", ".join(f"{k}='{data.at[row, k]}'" for k in keys) + ")"


# ----- summing ----------------------------------------------------------------------------------
def _window_sums(column: pd.Series, rows_per_window: np.ndarray) -> np.ndarray:
    """Sum of the `rows_per_window[i]` rows ending at row i (NaN where a value is missing).

    Each window is summed afresh rather than by differencing a cumulative sum, so floating-point
    error does not accumulate along a long series and a missing value spoils only its windows.
    """
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    sums = np.full(len(values), np.nan)
    for width in np.unique(rows_per_window):
        if len(values) < width:
            continue
        windows = sliding_window_view(values, int(width))  # windows[j] ends at row j + width - 1
        rows = np.flatnonzero((rows_per_window == width) & (np.arange(len(values)) >= width - 1))
        sums[rows] = windows[rows - (width - 1)].sum(axis=1)
    return sums


def _restore_dtype(sums: np.ndarray, dtype: object) -> np.ndarray:
    """Integer counts stay integers: a complete window of integers has no missing value."""
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_extension_array_dtype(dtype):
        return sums.astype(np.int64)
    return sums
