"""The regressions' Trend / Outlook finding: the window's quarters, what is left out, the fit."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.config import TrendSettings
from helpers.stats.trends.exceptional import quarter_tails
from helpers.stats.trends.fewest import too_few
from helpers.stats.trends.mann_kendall import mann_kendall_rolling_outlook
from helpers.stats.trends.noise import TrendNoise
from helpers.stats.trends.regression import regression_trend, size_corrected
from helpers.stats.trends.result import (
    CEILING,
    NOT_AVAILABLE,
    ROLLING_WINDOW_MONTHS,
    STABLE,
    ExceptionalQuarter,
    TrendDetail,
    TrendResult,
    at_ceiling,
    trend_word,
)
from helpers.stats.trends.window import window_end


def regression_outlook(
    data: pd.DataFrame,
    unit: str,
    settings: TrendSettings,
    down_word: str,
    frequency_months: int,
    rolled: bool,
    noise: TrendNoise | None = None,
) -> TrendResult:
    """Quasi-Poisson (counts, rates) or quasi-binomial (percentages) trend regression.

    On the quarters' own counts when the series has them (raw_count, and raw_denominator for
    rates and percentages), with quarter-of-year terms (none when a quarter of the year has no
    events in the window); otherwise on the 12-month figures (count, denominator) at their
    step, their working covariance allowing for the months they share. Missing quarters are
    left out of the fit, and so is one quarter exceptional against the fit of the others
    (quarterly counts only). ``regression_ar1`` allows for the quarter noise of `noise` (cv,
    rho), or of the settings when None, its scale floored at the settings' `min_scale`. A fit
    that does not converge gives "Not available".
    """
    method = settings.method
    if unit == "ratio":
        return _fallback(data, unit, settings, down_word, frequency_months, rolled, "ratio")
    family = "binomial" if unit == "percent" else "poisson"
    needs_exposure = unit != "count"
    end = window_end(data)
    raw = (
        frequency_months in (1, 3)
        and rolled
        and "raw_count" in data.columns
        and data["raw_count"].notna().any()
        and (not needs_exposure or "raw_denominator" in data.columns)
    )
    if raw:
        step, span, columns = 3, 1, ("raw_count", "raw_denominator")
    else:
        step = max(3, frequency_months)
        span = ROLLING_WINDOW_MONTHS // 3 if rolled else 1
        columns = ("count", "denominator")
    n_steps = settings.window_quarters * 3 // step
    wanted = pd.period_range(end=end, periods=n_steps * step, freq="M")[step - 1 :: step]
    # A monthly source's quarters are the sums of their three months (a month missing: missing).
    months = 3 if raw and frequency_months == 1 else 1
    events = _column(data, columns[0], wanted, months)
    exposure = (
        _column(data, columns[1], wanted, months) if needs_exposure else pd.Series(1.0, wanted)
    )
    if events.isna().all():
        return _fallback(data, unit, settings, down_word, frequency_months, rolled, "no counts")
    first = events.first_valid_index()
    events, exposure = events.loc[first:], exposure.loc[first:]
    usable = events.notna() & exposure.notna() & (exposure > 0) & (events >= 0)
    if family == "binomial":
        usable &= events <= exposure
    details: list[TrendDetail] = []
    left_out = tuple(str(p) for p in events.index[~usable])
    if left_out:
        details.append(TrendDetail("missing", left_out))
    periods = events.index[usable]
    quarters = np.array([(p.ordinal - end.ordinal) // 3 for p in periods])
    y = events[usable].to_numpy(dtype=np.float64)
    e = exposure[usable].to_numpy(dtype=np.float64)
    ar1 = method == "regression_ar1"
    if noise is None:
        noise = TrendNoise(settings.working_cv, settings.working_rho, "settings")
    cv, rho = (noise.cv, noise.rho) if ar1 else (0.0, 0.0)
    base = {
        "per": "odds" if family == "binomial" else "count" if unit == "count" else "rate",
        "basis": "quarterly counts" if raw else "12-month figures" if rolled else "figures",
        "noise": noise if ar1 else None,
        "level": 1 - settings.alpha,
    }
    # Quarter-of-year terms for counts (crime is seasonal); shares rarely are, and three more
    # parameters would cost a third of the 12 quarters' degrees of freedom. The seasons are
    # estimable only from at least two of each quarter of the year (one is fitted exactly, and
    # the trend is then read off the rest alone: 0, 0, 2, 4, 2, 3 homicides gave "+996% a
    # year"), and only when each has an event (else its term is minus infinity); otherwise the
    # fit goes without them. The fewest points stay those with the terms: the seasons are what
    # a shorter window cannot allow for.
    wants_seasons = raw and family == "poisson" and len(set((quarters % 4).tolist())) > 1
    seasonal = wants_seasons
    if seasonal:
        of_year = quarters % 4
        labels = {int(p.ordinal - end.ordinal) // 3 % 4: _quarter_of_year(p) for p in periods}
        once = sorted(s for s in set(of_year.tolist()) if (of_year == s).sum() < 2)
        empty = sorted({int(s) for s in of_year} - {int(s) for s in of_year[y > 0]})
        if once:
            seasonal = False
            details.append(TrendDetail("seasons_too_few", tuple(labels[s] for s in once)))
        elif empty and y.sum() > 0:
            seasonal = False
            details.append(TrendDetail("no_seasonal_terms", tuple(labels[s] for s in empty)))
    exceptional = None
    if raw and family == "poisson" and settings.exceptional_p > 0 and len(y) > 4 and y.sum() > 0:
        tails = quarter_tails(y, e, quarters, seasonal=seasonal, cv=noise.cv, rho=noise.rho)
        index = int(np.argmin(tails.p_value))
        if tails.p_value[index] < settings.exceptional_p:
            exceptional = ExceptionalQuarter(
                periods[index], float(y[index]), float(tails.usual[index]),
                float(tails.p_value[index]),
            )  # fmt: skip
            keep = np.arange(len(y)) != index
            periods, quarters, y, e = periods[keep], quarters[keep], y[keep], e[keep]
    base |= {"tested": tuple(periods), "exceptional": exceptional}
    few = too_few(method, len(y), settings, seasonal_terms=wants_seasons, raw=raw)
    if few is not None:
        # The regressions' words name no significance level (the methods note gives it).
        details.append(replace(few, numbers=few.numbers[:3]))
        return _result(NOT_AVAILABLE, method, len(y), details, **base)
    share = 100 * y / e if family == "binomial" else y
    if at_ceiling(share, unit):
        details.append(TrendDetail("ceiling"))
        return _result(CEILING, method, len(y), details, slope=0.0, **base)
    if y.sum() == 0:  # nothing to fit a change to (100% was the ceiling above)
        details.append(TrendDetail("no_events" if family == "poisson" else "all_zero"))
        return _result(STABLE, method, len(y), details, statistic=0.0, p_value=1.0, slope=0.0,
                       **base)  # fmt: skip
    fit = regression_trend(
        y, e, quarters, family=family, seasonal=seasonal, span=span, rho=rho, cv=cv,
        min_scale=settings.min_scale if ar1 else 0.0,
    )  # fmt: skip
    # regression_ar1's critical value is set by simulation (settings.test_alpha) so that
    # false alarms stay at or below alpha; the statistic and p-value are carried onto the alpha
    # scale and the interval uses the same critical value, so that all three agree with the word.
    level = settings.test_alpha if ar1 else settings.alpha
    t_values, p_values = size_corrected(fit, settings.alpha, level)
    t, p, coef = float(t_values), float(p_values), float(fit.coef)
    low, high = (float(v) for v in fit.interval(1 - level))
    if not (fit.converged and all(math.isfinite(v) for v in (t, p, low, high))):
        details.append(TrendDetail("not_converged"))
        return _result(NOT_AVAILABLE, method, len(y), details, **base)
    return _result(
        trend_word(p < settings.alpha, coef, down_word), method, len(y), details,
        statistic=t, p_value=p, slope=math.expm1(coef),
        interval=(math.expm1(low), math.expm1(high)), **base,
    )  # fmt: skip


def _result(
    word: str, method: str, n_points: int, details: list[TrendDetail], **fields: Any
) -> TrendResult:
    values = {"statistic": None, "p_value": None, "slope": None} | fields
    return TrendResult(word, method, n_points=n_points, details=tuple(details), **values)


def _fallback(
    data: pd.DataFrame,
    unit: str,
    settings: TrendSettings,
    down_word: str,
    frequency_months: int,
    rolled: bool,
    why: str,
) -> TrendResult:
    """The rolling Mann-Kendall, for a series the regression cannot fit (`why`: "ratio", a
    ratio of two rates has no count model; "no counts", the series has none)."""
    result = mann_kendall_rolling_outlook(
        data, unit, settings, down_word, frequency_months, rolled, method="mann_kendall_rolling"
    )
    return replace(result, details=(TrendDetail("fallback", (why,)), *result.details))


def _quarter_of_year(period: pd.Period) -> str:
    """The financial quarter of the year a quarter-end month falls in ("Q1" = April to June)."""
    return f"Q{(period.month - 4) % 12 // 3 + 1}"


def _column(data: pd.DataFrame, column: str, wanted: pd.PeriodIndex, months: int = 1) -> pd.Series:
    """`column` at each period of `wanted`, or its sum over the `months` months ending there
    (NaN when any of them is missing)."""
    if column not in data.columns:
        return pd.Series(np.nan, index=wanted)
    values = data[column].astype(np.float64)
    total = sum(values.reindex(wanted - k).to_numpy() for k in range(months))
    return pd.Series(total, index=wanted)
