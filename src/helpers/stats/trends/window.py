"""The points a test sees: the series checked, its window, its gaps and its latest run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.config import TrendSettings
from helpers.stats.trends.fewest import too_few
from helpers.stats.trends.result import TrendDetail, TrendResult, not_available


def prepare_series(series: pd.DataFrame) -> pd.DataFrame:
    """The series indexed by its monthly period, in order; a column missing, a period that is
    not monthly or one that appears twice is an error."""
    for column in ("period", "value"):
        if column not in series.columns:
            raise KeyError(f"trend_outlook: the series has no column '{column}'")
    if series["period"].dtype != pd.PeriodDtype("M"):
        raise TypeError(
            f"trend_outlook: 'period' must hold monthly Periods, got {series['period'].dtype}"
        )
    if series["period"].duplicated().any():
        twice = series.loc[series["period"].duplicated(), "period"].iloc[0]
        raise ValueError(f"trend_outlook: period {twice} appears more than once in the series")
    return series.sort_values("period").set_index("period")


def window_end(data: pd.DataFrame) -> pd.Period:
    """The latest quarter end in the series: tests look at whole quarters."""
    latest = data.index.max()
    return latest - latest.month % 3


def _window_values(
    data: pd.DataFrame, column: str, end: pd.Period, step: int, n_steps: int
) -> tuple[pd.Series, list[TrendDetail]]:
    """The column at `n_steps` periods `step` months apart ending at `end`.

    The window starts later when the series does (its first non-missing value of `column`).
    Returns the values (NaN where a period is absent or missing) and a "gaps" detail naming the
    missing periods (with the step, so that they can be named as quarters or months), if any.
    """
    present = data[column].dropna()
    wanted = pd.period_range(end=end, periods=n_steps * step, freq="M")[step - 1 :: step]
    if not present.empty:
        first = present.index.min()
        wanted = wanted[wanted >= first]
    values = data[column].reindex(wanted).astype(np.float64)
    missing = tuple(str(p) for p in values.index[values.isna()])
    return values, [TrendDetail("gaps", missing, (step,))] if missing else []


def _latest_run(
    values: pd.Series, details: list[TrendDetail]
) -> tuple[pd.Series, list[TrendDetail]]:
    """Rank and run tests use consecutive points only: the run of available values that ends at
    the latest period of the window (empty when the latest is missing), and the details saying
    so."""
    valid = values.notna().to_numpy()
    if len(valid) == 0 or not valid[-1]:
        return values.iloc[0:0], details
    gaps = np.flatnonzero(~valid)
    if len(gaps) == 0:
        return values, details
    run = values.iloc[gaps[-1] + 1 :]
    return run, [*details, TrendDetail("latest_run", numbers=(len(run),))]


def rolling_points(
    data: pd.DataFrame, settings: TrendSettings, method: str, frequency_months: int, rolled: bool
) -> tuple[np.ndarray | None, TrendResult | None, list[TrendDetail]]:
    """The rolling values to test, or the "Not available" result, and the details on gaps.

    Sampled at quarter ends, so that a monthly and a quarterly source give the same points;
    half-yearly or yearly series at their own step. A gap leaves the points after it.
    """
    step = max(3, frequency_months)
    n_steps = settings.window_quarters * 3 // step
    values, details = _window_values(data, "value", window_end(data), step, n_steps)
    if len(values) and pd.isna(values.iloc[-1]):
        latest = TrendDetail("latest_missing")
        return None, not_available(method, 0, *details, latest), details
    values, details = _latest_run(values, details)
    few = too_few(method, len(values), settings, frequency_months=step, rolled=rolled)
    if few is not None:
        return None, not_available(method, len(values), *details, few), details
    return values.to_numpy(), None, details


def raw_run(
    data: pd.DataFrame, settings: TrendSettings, method: str, frequency_months: int
) -> tuple[pd.Series, list[TrendDetail], TrendResult | None]:
    """The un-rolled values of the window's latest run of consecutive periods, or "Not
    available" (no value for the latest period, or too few to be able to reach significance)."""
    n_steps = settings.window_quarters * 3 // frequency_months
    end = window_end(data)
    values, details = _window_values(data, "raw_value", end, frequency_months, n_steps)
    if len(values) and pd.isna(values.iloc[-1]):
        latest = TrendDetail("latest_missing")
        return values, details, not_available(method, 0, *details, latest)
    values, details = _latest_run(values, details)
    few = too_few(method, len(values), settings, frequency_months=frequency_months)
    if few is not None:
        return values, details, not_available(method, len(values), *details, few)
    return values, details, None
