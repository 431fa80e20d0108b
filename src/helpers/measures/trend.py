"""Step 6 of a measure: the trend test on the force's series up to the quarter."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.core.config import Settings
from helpers.measures.noise import measure_noise
from helpers.measures.result import MeasureResult
from helpers.measures.series import SNAPSHOT_SOURCES, UNROLLED_SOURCES, force_history
from helpers.stats.trends import TrendNoise, TrendResult, trend_outlook


def trend_input(figure: MeasureResult, series: pd.DataFrame) -> pd.DataFrame:
    """What the trend test reads: the force's series up to the quarter (period, value, count,
    denominator, and the periods' own raw_value, raw_count and raw_denominator where the
    source has them; missing figures NaN)."""
    measure = figure.measure
    history = force_history(series, figure.force, figure.quarter.period).set_index("period")
    denominators = history["denominator"].to_numpy() if "denominator" in history else np.nan
    frequency = _frequency_months(history.index)
    # The periods' own counts (and populations or denominators) for the regression methods;
    # sources published as 12-month figures or snapshots have none.
    quarterly = measure.source not in UNROLLED_SOURCES and frequency in (1, 3)

    def raw(column: str) -> Any:
        return history[column].to_numpy() if quarterly and column in history else np.nan

    return pd.DataFrame(
        {
            "period": history.index,
            "value": history["value"].to_numpy(),
            "count": history["count"].to_numpy(),
            "denominator": denominators,
            "raw_value": history["raw_value"].to_numpy() if "raw_value" in history else np.nan,
            "raw_count": raw("raw_count"),
            # PRC rates: the quarter's population is the 12-month figure's (one mid-year estimate)
            "raw_denominator": raw("raw_denominator") if "raw_denominator" in history
            else raw("denominator"),
        }
    )  # fmt: skip


def trend_test(
    figure: MeasureResult,
    series: pd.DataFrame | None,
    settings: Settings,
    noise: TrendNoise | None = None,
) -> TrendResult | None:
    """Step 6, the trend test of `settings.trend` (method, significance level, window) on the
    force's series up to the quarter (`trend_input`): its finding (word, change and interval,
    the quarters used and those left out). `noise` is the measure's quarter-to-quarter noise;
    None: estimated from the panel of all forces in `series` (`measure_noise`, the settings'
    exceptional periods left out), or the settings' working_cv and working_rho where the
    panel cannot give it."""
    if not figure.available or series is None:
        return None
    measure = figure.measure
    history = trend_input(figure, series)
    if noise is None:
        trend = settings.trend
        noise = measure_noise(
            measure,
            series,
            figure.quarter.period,
            left_out=[
                q
                for p in trend.exceptional_periods
                for q in pd.period_range(p.first, p.last, freq="M")
                if q.month % 3 == 0
            ],
            default=TrendNoise(trend.working_cv, trend.working_rho, "the settings' working values"),
        )
    return trend_outlook(
        history,
        unit=measure.unit,
        settings=settings.trend,
        down_word=measure.trend_down,
        rolled=measure.source not in SNAPSHOT_SOURCES,
        frequency_months=_frequency_months(pd.Index(history["period"])),
        noise=noise,
    )


def _frequency_months(periods: pd.Index) -> int:
    if len(periods) < 2:
        return 3
    steps = np.diff([p.ordinal for p in periods])
    return int(pd.Series(steps).mode().iloc[0])
