"""Quasi-likelihood regression of the quarters' counts on time, with a working covariance."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from helpers.core.config import TrendSettings
from helpers.stats.trends.fewest import too_few
from helpers.stats.trends.mann_kendall import mann_kendall_rolling_outlook
from helpers.stats.trends.result import (
    CEILING,
    ROLLING_WINDOW_MONTHS,
    STABLE,
    TrendResult,
    at_ceiling,
    join_notes,
    not_available,
    trend_word,
)
from helpers.stats.trends.window import window_end

# The working quarter-to-quarter variation of ``regression_ar1``: a log-normal (logit-normal for
# percentages) quarter effect with a coefficient of variation of 10% and a lag-1 correlation of 0.6
# between quarters, on top of Poisson (binomial) noise: the upper end of what
# benchmarks/trend_methods.py takes as realistic (typical 6% and 0.5; large 10% and 0.5), so that
# false alarms stay at or below alpha up to it. Chosen on a tuning seed, then checked on the
# benchmark's own seed; see BENCHMARKS.md for the evidence and its limits (0.8 is too much).
WORKING_CV = 0.10
WORKING_RHO = 0.6


@dataclass(frozen=True)
class RegressionFit:
    """Arrays over the batch (the leading axes of the counts) of one trend regression.

    `coef` is the trend coefficient per year on the link scale (log rate for counts, log odds for
    percentages), `se` its standard error, `t` = coef / se, `p` the two-sided p-value from Student's
    t with `df` degrees of freedom, `scale` the estimated dispersion.
    """

    coef: np.ndarray
    se: np.ndarray
    t: np.ndarray
    p: np.ndarray
    scale: np.ndarray
    df: int


def working_correlations(
    quarters: np.ndarray, span: int, rho: float
) -> tuple[np.ndarray, np.ndarray]:
    """The two correlation shapes of the regression's working covariance.

    Point i sums the `span` quarters ending at quarter `quarters[i]` (span 4: a 12-month rolling
    figure at a quarter end; 1: the quarter's own count). Returns (shared, wander): `shared[i, j]`
    is the fraction of quarters two points share (the correlation of their Poisson or binomial
    noise, independent from quarter to quarter), `wander[i, j]` the mean of rho^|q - r| over the
    quarters q of point i and r of point j (the correlation of a log-normal AR(1) quarter effect
    with lag-1 correlation `rho`).
    """
    q = np.asarray(quarters, dtype=np.int64)
    if q.ndim != 1 or span < 1:
        raise ValueError("quarters must be one-dimensional and span at least 1")
    covered = q[:, None] - np.arange(span)[None, :]  # (n, span)
    lag = np.abs(covered[:, None, :, None] - covered[None, :, None, :])  # (n, n, span, span)
    shared = (lag == 0).sum(axis=(2, 3)) / span
    wander = (float(rho) ** lag).mean(axis=(2, 3))
    return shared, wander


def regression_trend(
    events: np.ndarray,
    exposure: np.ndarray,
    quarters: np.ndarray,
    *,
    family: str = "poisson",
    seasonal: bool = False,
    span: int = 1,
    rho: float = 0.0,
    cv: float = 0.0,
    max_iterations: int = 50,
) -> RegressionFit:
    """Trend per year of counts (log link) or shares (logit link), by quasi-likelihood.

    `events` holds counts, shape (..., n) (the leading axes are a batch, fitted independently);
    `exposure` the population (``family="poisson"``: log offset; ones for plain counts) or the
    number of trials (``"binomial"``: respondents, cases); `quarters` the quarter index of each
    point (gaps allowed). The mean is exp or expit of a + b * years (+ quarter-of-year terms when
    `seasonal`). The working covariance of the counts is

        V = scale * [ sqrt(a a') * shared + cv^2 * (a a') * wander ],

    with a = mu (Poisson) or n p (1 - p) (binomial) and `shared`, `wander` from
    `working_correlations(quarters, span, rho)`: Poisson or binomial noise plus a log-normal
    (logit-normal) quarter effect with coefficient of variation `cv` and lag-1 correlation `rho`.
    With cv = 0 and span = 1 this is the ordinary quasi-Poisson (quasi-binomial) model with the
    scale from Pearson's chi-squared. The estimating equations D' V^-1 (y - mu) = 0 (D = a X)
    are solved by Fisher scoring; the scale is r' V^-1 r / df with df = n - parameters, and the
    p-value of the trend uses Student's t with df degrees of freedom.
    """
    if family not in ("poisson", "binomial"):
        raise ValueError(f"family must be 'poisson' or 'binomial', got '{family}'")
    y = np.asarray(events, dtype=np.float64)
    e = np.broadcast_to(np.asarray(exposure, dtype=np.float64), y.shape)
    q = np.asarray(quarters, dtype=np.int64)
    n = y.shape[-1]
    if q.shape != (n,):
        raise ValueError(f"quarters has shape {q.shape}; the counts have {n} points")
    if np.any(e <= 0) or np.any(y < 0) or (family == "binomial" and np.any(y > e)):
        raise ValueError("counts must be >= 0 and exposures > 0 (and counts <= trials)")
    x = design_matrix(q, seasonal)
    k = x.shape[1]
    df = n - k
    if df < 1:
        raise ValueError(f"{n} points cannot fit {k} parameters with a degree of freedom left")
    batch = y.shape[:-1]
    y2 = y.reshape(-1, n)
    e2 = e.reshape(-1, n)
    shared, wander = working_correlations(q, span, rho)

    def mean_and_variance(beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        eta = beta @ x.T
        if family == "poisson":
            mu = e2 * np.exp(eta)
            return mu, mu
        share = 1.0 / (1.0 + np.exp(-eta))
        return e2 * share, e2 * share * (1.0 - share)

    def weights(a: np.ndarray) -> np.ndarray:
        root = np.sqrt(a)
        v = (
            root[:, :, None] * root[:, None, :] * shared
            + cv**2 * a[:, :, None] * a[:, None, :] * wander
        )
        return np.linalg.inv(v)

    beta = np.zeros((y2.shape[0], k))
    overall = np.clip(y2.sum(axis=1), 0.5, None) / e2.sum(axis=1)
    if family == "poisson":
        beta[:, 0] = np.log(overall)
    else:
        overall = np.clip(overall, 1e-6, 1 - 1e-6)
        beta[:, 0] = np.log(overall / (1 - overall))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(max_iterations):
            mu, a = mean_and_variance(beta)
            v_inv = weights(a)
            d = a[:, :, None] * x[None]
            info = np.einsum("bij,bik,bkl->bjl", d, v_inv, d)
            score = np.einsum("bij,bik,bk->bj", d, v_inv, y2 - mu)
            step = np.linalg.solve(info, score[..., None])[..., 0]
            beta = beta + step
            if np.all(np.abs(step) < 1e-9):
                break
        mu, a = mean_and_variance(beta)
        v_inv = weights(a)
        d = a[:, :, None] * x[None]
        info = np.einsum("bij,bik,bkl->bjl", d, v_inv, d)
        resid = y2 - mu
        scale = np.einsum("bi,bij,bj->b", resid, v_inv, resid) / df
        se = np.sqrt(scale * np.linalg.inv(info)[:, 1, 1])
        t = beta[:, 1] / se
        p = 2 * student_t.sf(np.abs(t), df)
    return RegressionFit(
        coef=beta[:, 1].reshape(batch),
        se=se.reshape(batch),
        t=t.reshape(batch),
        p=p.reshape(batch),
        scale=scale.reshape(batch),
        df=df,
    )


def design_matrix(quarters: np.ndarray, seasonal: bool) -> np.ndarray:
    """Intercept, years since the window's middle, and (`seasonal`) quarter-of-year indicators
    for each quarter of the year present apart from the first present (the reference)."""
    q = np.asarray(quarters, dtype=np.int64)
    years = (q - (q.min() + q.max()) / 2) / 4
    columns = [np.ones(len(q)), years]
    if seasonal:
        of_year = q % 4
        present = sorted(set(of_year.tolist()))
        columns += [(of_year == s).astype(np.float64) for s in present[1:]]
    return np.column_stack(columns)


def regression_outlook(
    data: pd.DataFrame,
    unit: str,
    settings: TrendSettings,
    down_word: str,
    frequency_months: int,
    rolled: bool,
) -> TrendResult:
    """Quasi-Poisson (counts, rates) or quasi-binomial (percentages) trend regression.

    On the quarters' own counts when the series has them (raw_count, and raw_denominator for
    rates and percentages), with quarter-of-year terms; otherwise on the 12-month figures
    (count, denominator) at their step, their working covariance allowing for the months they
    share. Missing quarters are left out of the fit and named in the note.
    """
    method = settings.method
    if unit == "ratio":
        return mann_kendall_rolling_outlook(
            data, unit, settings, down_word, frequency_months, rolled,
            method="mann_kendall_rolling",
            why="a ratio of two rates has no count model: Mann-Kendall on the rolling figure",
        )  # fmt: skip
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
        return mann_kendall_rolling_outlook(
            data, unit, settings, down_word, frequency_months, rolled,
            method="mann_kendall_rolling",
            why="no counts for the regression: Mann-Kendall on the rolling figure",
        )  # fmt: skip
    first = events.first_valid_index()
    events, exposure = events.loc[first:], exposure.loc[first:]
    usable = events.notna() & exposure.notna() & (exposure > 0) & (events >= 0)
    if family == "binomial":
        usable &= events <= exposure
    note = ""
    left_out = [str(p) for p in events.index[~usable]]
    if left_out:
        shown = ", ".join(left_out[:6]) + (" ..." if len(left_out) > 6 else "")
        note = f"no data for {shown}: left out of the regression"
    quarters = np.array([(p.ordinal - end.ordinal) // 3 for p in events.index[usable]])
    y = events[usable].to_numpy(dtype=np.float64)
    e = exposure[usable].to_numpy(dtype=np.float64)
    # Quarter-of-year terms for counts (crime is seasonal); shares rarely are, and three more
    # parameters would cost a third of the 12 quarters' degrees of freedom.
    seasonal = raw and family == "poisson" and len(set((quarters % 4).tolist())) > 1
    why = too_few(method, len(y), settings, note, seasonal_terms=seasonal, raw=raw)
    if why:
        return not_available(method, len(y), why)
    share = 100 * y / e if family == "binomial" else y
    if at_ceiling(share, unit):
        return TrendResult(
            CEILING, method, None, None, 0.0, len(y), join_notes(note, "100% throughout the window")
        )
    if y.sum() == 0:  # nothing to fit a change to (100% was the ceiling above)
        what = "no events" if family == "poisson" else "0% throughout"
        return TrendResult(
            STABLE, method, 0.0, 1.0, 0.0, len(y), join_notes(note, f"{what} in the window")
        )
    ar1 = method == "regression_ar1"
    fit = regression_trend(
        y, e, quarters, family=family, seasonal=seasonal, span=span,
        rho=WORKING_RHO if ar1 else 0.0, cv=WORKING_CV if ar1 else 0.0,
    )  # fmt: skip
    t, p, coef = float(fit.t), float(fit.p), float(fit.coef)
    if not (math.isfinite(t) and math.isfinite(p)):
        return not_available(method, len(y), join_notes(note, "the regression did not converge"))
    change = math.expm1(coef)
    per = "odds" if family == "binomial" else "count" if unit == "count" else "rate"
    basis = "quarterly counts" if raw else "12-month figures" if rolled else "figures"
    detail = f"fitted change of the {per} {change:+.1%} a year, from the {basis}"
    return TrendResult(
        trend_word(p < settings.alpha, coef, down_word),
        method,
        t,
        p,
        change,
        len(y),
        join_notes(note, detail),
    )


def _column(data: pd.DataFrame, column: str, wanted: pd.PeriodIndex, months: int = 1) -> pd.Series:
    """`column` at each period of `wanted`, or its sum over the `months` months ending there
    (NaN when any of them is missing)."""
    if column not in data.columns:
        return pd.Series(np.nan, index=wanted)
    values = data[column].astype(np.float64)
    total = sum(values.reindex(wanted - k).to_numpy() for k in range(months))
    return pd.Series(total, index=wanted)
