"""The quarter-to-quarter noise a measure's trend test allows for, estimated from the panel of
every force's own quarterly history in the inputs (`helpers.stats.trends.noise.fit_trend_noise`).

Twelve quarters of one force cannot tell a wandering level from a trend; 43 forces over many
years can say how much a measure's quarters wander beyond Poisson (binomial) noise. The panel is
the all-forces series of `helpers.measures.series` up to the report's quarter: each force's own
quarterly counts (`raw_count`) with the population (rates: the 12-month figure's mid-year
estimate), the denominator (percentages) or nothing (counts) as exposure, the 2020/21 lockdown
quarters left out, cut into blocks of `BLOCK_QUARTERS` quarters, each detrended on its own (a
decade is not a straight line; the trend test sees only its window). A local extract holds one
force: its own history is the panel, and the default is used when it is too short.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.config import Measure
from helpers.core.forces import ENGLAND_AND_WALES
from helpers.core.quarters import FinancialQuarter
from helpers.measures.series import UNROLLED_SOURCES, step_months
from helpers.stats.trends.noise import NoiseFit, TrendNoise, fit_trend_noise

# The quarters of 2020/21, when lockdowns moved crime and policing in ways no trend or quarter
# effect describes: left out of the noise estimate.
LOCKDOWN_QUARTERS = frozenset(pd.period_range("2020-06", "2021-03", freq="M")[::3])
# Each force's history is detrended in blocks of this many quarters (ending at the report's
# quarter): 4 years, long enough to see how a level wanders over the 12-quarter window, short
# enough that a decade's bends (recording changes) are not taken for noise; BENCHMARKS.md.
BLOCK_QUARTERS = 16
# The fewest quarters a block (or the part of one on either side of a series break) must hold to
# be used: two more than the six terms it is detrended with.
MIN_BLOCK_POINTS = 8
# The fewest quarters the panel must hold (after the lockdown) for an estimate: one block.
MIN_PANEL_QUARTERS = BLOCK_QUARTERS
# Quarters at which a measure's definition changed, so that every force's level stepped: its
# history is split there (each part detrended on its own), or the step would be taken for noise.
# Residential burglary: the Home Office's residential / business split of April 2017 (+32%
# nationally in 2017/18 Q1) and the new codes 28I-28P of April 2023.
SERIES_BREAKS = {
    "residential_burglary": (pd.Period("2017-06", freq="M"), pd.Period("2023-06", freq="M")),
}
# When a measure's panel is too short or has no quarterly counts: the middle of what the real
# Home Office series show (benchmarks/fit_trend_noise.py, BENCHMARKS.md).
DEFAULT_CV = 0.15
DEFAULT_RHO = 0.6


@dataclass(frozen=True)
class NoisePanel:
    """Every force's quarterly counts and exposures, (rows, quarters), NaN where missing or
    left out; `forces` the force of each row (a force's history split at a series break is in
    more than one row), `quarters` the quarter ends, `family` the count model."""

    forces: list[str]
    quarters: pd.PeriodIndex
    events: np.ndarray
    exposure: np.ndarray
    family: str


def noise_panel(
    measure: Measure,
    series: pd.DataFrame | None,
    period: pd.Period,
    left_out: Iterable[pd.Period] = LOCKDOWN_QUARTERS,
) -> NoisePanel | None:
    """The panel of `measure` from its all-forces series, up to `period` (a quarter end), the
    quarters ending in `left_out` missing; None when the measure has no quarterly counts
    (12-month publications, snapshots, ratios)."""
    if series is None or measure.source in UNROLLED_SOURCES or measure.unit == "ratio":
        return None
    if "raw_count" not in series or series["raw_count"].isna().all():
        return None
    rows = series[(series["force"] != ENGLAND_AND_WALES) & (series["period"] <= period)]
    if rows.empty:
        return None
    family = "binomial" if measure.unit == "percent" else "poisson"
    if measure.unit == "percent":
        exposure_column = "raw_denominator"
    elif measure.unit == "count":
        exposure_column = None
    else:  # PRC rates: the quarter's population is its 12-month figure's
        exposure_column = "raw_denominator" if "raw_denominator" in rows else "denominator"
    if exposure_column is not None and exposure_column not in rows:
        return None
    monthly = step_months(rows["period"].unique()) == 1
    end = period
    first = rows["period"].min()
    quarters = pd.period_range(first, end, freq="M")[::-3][::-1]
    forces = sorted(rows["force"].unique())
    events = _by_quarter(rows, "raw_count", forces, quarters, monthly)
    if exposure_column is None:
        exposure = np.where(np.isfinite(events), 1.0, np.nan)
    else:
        # A rate's population is the same mid-year estimate in each month: not summed.
        exposure = _by_quarter(
            rows, exposure_column, forces, quarters, monthly and family != "poisson"
        )
    events[:, np.isin(quarters, list(left_out))] = np.nan
    breaks = sorted(SERIES_BREAKS.get(measure.id, ()))
    segment = np.searchsorted(np.array([b.ordinal for b in breaks]), quarters.asi8, side="right")
    if len(set(segment.tolist())) > 1:  # one row per force and stretch between breaks
        parts = []
        for k in sorted(set(segment.tolist())):
            part = events.copy()
            part[:, segment != k] = np.nan
            parts.append(part)
        events = np.concatenate(parts)
        exposure = np.concatenate([exposure] * len(parts))
        forces = forces * len(parts)
    return NoisePanel(forces, quarters, events, exposure, family)


def _by_quarter(
    rows: pd.DataFrame,
    column: str,
    forces: list[str],
    quarters: pd.PeriodIndex,
    summed: bool,
) -> np.ndarray:
    """(forces, quarters) of `column` at each quarter end, or (`summed`) the sum of the three
    months ending there, NaN when any of them is missing."""
    table = rows.pivot_table(index="force", columns="period", values=column, aggfunc="sum",
                             dropna=False)  # fmt: skip
    table = table.reindex(index=forces)
    months = 3 if summed else 1
    total = sum(
        table.reindex(columns=quarters - k).to_numpy(dtype=np.float64) for k in range(months)
    )
    return np.asarray(total, dtype=np.float64)


def measure_noise(
    measure: Measure,
    series: pd.DataFrame | None,
    quarter: FinancialQuarter | pd.Period,
    *,
    block_quarters: int = BLOCK_QUARTERS,
    left_out: Iterable[pd.Period] = LOCKDOWN_QUARTERS,
    default: TrendNoise | None = None,
) -> TrendNoise:
    """cv and rho of `measure`'s quarters, from every force's history up to `quarter` (the
    quarters ending in `left_out` excepted), or `default` (DEFAULT_CV and DEFAULT_RHO when None)
    with the reason in its basis when there is no panel or too little of one."""
    period = quarter.period if isinstance(quarter, FinancialQuarter) else quarter
    left_out = frozenset(left_out)

    def fallback(why: str) -> TrendNoise:
        if default is None:
            return default_noise(why)
        return TrendNoise(default.cv, default.rho, f"{default.basis} ({why})")

    panel = noise_panel(measure, series, period, left_out)
    if panel is None:
        return fallback("no quarterly counts to estimate it from")
    observed = np.isfinite(panel.events) & np.isfinite(panel.exposure) & (panel.exposure > 0)
    if observed.sum(axis=1).max(initial=0) < MIN_PANEL_QUARTERS:
        return fallback(f"fewer than {MIN_PANEL_QUARTERS} quarters of history")
    fit = fit_panel(panel, block_quarters=block_quarters)
    if not np.isfinite(fit.cv):
        return fallback("no force's history could be fitted")
    return TrendNoise(float(fit.cv), float(fit.rho), _basis(panel, fit, observed, left_out))


def fit_panel(panel: NoisePanel, *, block_quarters: int = BLOCK_QUARTERS) -> NoiseFit:
    """`fit_trend_noise` on a panel, with quarter-of-year terms for counts (not for shares)."""
    index = np.array([p.ordinal // 3 for p in panel.quarters])
    return fit_trend_noise(
        panel.events,
        panel.exposure,
        index,
        family=panel.family,
        seasonal=panel.family == "poisson",
        block_quarters=block_quarters if len(index) >= block_quarters else None,
        min_points=MIN_BLOCK_POINTS,
    )


def default_noise(why: str) -> TrendNoise:
    return TrendNoise(DEFAULT_CV, DEFAULT_RHO, f"default ({why})")


def _basis(
    panel: NoisePanel, fit: NoiseFit, observed: np.ndarray, left_out: frozenset[pd.Period]
) -> str:
    used = observed.any(axis=0)
    first, last = panel.quarters[used][0], panel.quarters[used][-1]
    seen = observed.any(axis=1)
    forces = len({force for force, has in zip(panel.forces, seen, strict=True) if has})
    who = f"{forces} forces" if forces > 1 else "the force's own history"
    spanned = sorted(q for q in left_out if first <= q <= last)
    lockdown = ""
    if spanned == sorted(LOCKDOWN_QUARTERS):
        lockdown = " (2020/21 left out)"
    elif spanned:
        lockdown = f" ({len(spanned)} quarters left out)"
    return (
        f"{who}, quarters ending {first.strftime('%b %Y')} to {last.strftime('%b %Y')}"
        f"{lockdown}: {int(fit.points)} quarters in {int(fit.series)} blocks"
    )
