"""Series, settings and reference calculations shared by the tests of `helpers.stats.trends`,
built without the package.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymannkendall as mk
import statsmodels.api as sm
from scipy.stats import binom, norm
from scipy.stats import t as student_t

from helpers.core.config import TrendSettings

ROLLING = TrendSettings(method="mann_kendall_rolling")
HAMED_RAO = TrendSettings(method="mann_kendall_hamed_rao")
SEASONAL = TrendSettings(method="seasonal_mann_kendall")
RATE_RATIO = TrendSettings(method="rate_ratio")
SPC = TrendSettings(method="spc")


def quarterly_periods(end: str, n: int) -> list[pd.Period]:
    last = pd.Period(end, freq="M")
    return [last - 3 * (n - 1 - i) for i in range(n)]


def quarterly_series(values, end: str = "2024-03", **columns) -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    return pd.DataFrame({"period": quarterly_periods(end, len(values)), "value": values, **columns})


def rolled(raw: np.ndarray, width: int) -> np.ndarray:
    return np.convolve(raw, np.ones(width), mode="valid")


def spc_series(raw_values, **columns) -> pd.DataFrame:
    """Quarterly raw values for the XmR chart, with a flat rolling figure beside them (which on
    its own would give no special cause)."""
    raw_values = np.asarray(raw_values, dtype=float)
    return quarterly_series(np.full(len(raw_values), 40.0), raw_value=raw_values, **columns)


def mann_kendall_by_hand(x: np.ndarray, factor: float) -> tuple[float, float]:
    """z and p of the Mann-Kendall test with pymannkendall's tie-corrected Var(S) times `factor`,
    continuity-corrected (|S| - 1) as in pymannkendall."""
    plain = mk.original_test(x)
    z = (plain.s - np.sign(plain.s)) / np.sqrt(plain.var_s * factor)
    return float(z), float(2 * norm.sf(abs(z)))


# Hamed and Rao (1998): n/n* = 1 + 2/(n(n-1)(n-2)) * sum_k (n-k)(n-k-1)(n-k-2) rho_k, with the
# autocorrelation of 4-quarter sums of independent quarters, rho = 3/4, 1/2, 1/4, at n = 12.
FACTOR_12_QUARTERS = 1 + 2 / (12 * 11 * 10) * (
    (11 * 10 * 9) * 3 / 4 + (10 * 9 * 8) * 1 / 2 + (9 * 8 * 7) * 1 / 4
)


def poisson_rolling_series(rng: np.random.Generator, per_quarter: float, growth: float):
    """15 quarters of Poisson counts rising by `growth` a year, as 12 quarterly 12-month sums."""
    raw = rng.poisson(per_quarter * (1 + growth) ** (np.arange(15) / 4))
    return quarterly_series(rolled(raw, 4), raw_value=raw[3:])


def two_sided_binomial_tail(k: int, n: int, p: float) -> float:
    """Sum of P(X = j) over every j no more likely than the observed k (scipy's definition)."""
    pmf = binom.pmf(np.arange(n + 1), n, p)
    return float(pmf[pmf <= binom.pmf(k, n, p) * (1 + 1e-7)].sum())


def limits(x: list[float]) -> tuple[float, float, float, float]:
    """mean, upper limit, and the two-thirds lines, worked out from the XmR definitions."""
    x = np.asarray(x, dtype=float)
    mean = x.mean()
    mr_bar = np.abs(np.diff(x)).mean()
    return mean, mean + 2.66 * mr_bar, mean + 2 / 3 * 2.66 * mr_bar, mean - 2 / 3 * 2.66 * mr_bar


SPC_CASES = {
    # alternating points then a jump: mean 11.86, mean moving range 2.46, upper limit 18.4.
    "beyond the process limits": [10, 11] * 6 + [10, 30],
    # the last 7 points sit above the mean (10.43), inside the two-thirds line (12.34).
    "on one side of the mean": [9, 10, 9, 10, 9, 10, 9, 11, 12, 11, 12, 11, 12, 11],
    # 7 rising points, only 4 of them above the mean (10.27), all inside the two-thirds line.
    "rising or falling": [12, 8, 12, 8, 12, 8, 9, 9.5, 10, 10.5, 11, 11.5, 12],
    # mean 12.08, two-thirds line 17.18, upper limit 19.72: 17.5 twice in the last three.
    "2 of 3 points": [10, 12] * 5 + [17.5, 12, 17.5],
}


RULE_PHRASES = list(SPC_CASES)
# Each phrase's rule, as `spc_outlook`'s "special_cause" detail names it.
RULE_CODES = {
    "beyond the process limits": "beyond_limits",
    "on one side of the mean": "run",
    "rising or falling": "trend",
    "2 of 3 points": "two_of_three",
}


def detail(result, kind: str):
    """The result's detail of `kind`, or None."""
    return next((d for d in result.details if d.kind == kind), None)


def rules_at_last_point_by_hand(values: list[float]) -> set[str]:
    """The four Making Data Count rules, checked with plain loops, for patterns that end with
    the last point (the phrases are those of the module's note)."""
    mean, upper, up_two_thirds, _ = limits(values)
    lower = mean - (upper - mean)
    fired = set()
    if values[-1] > upper or values[-1] < lower:
        fired.add("beyond the process limits")
    run = 0
    for v in reversed(values):
        if (v > mean) != (values[-1] > mean) or v == mean:
            break
        run += 1
    if run >= 7:
        fired.add("on one side of the mean")
    rising = 1
    for earlier, later in zip(reversed(values[:-1]), reversed(values[1:]), strict=True):
        if not later > earlier:
            break
        rising += 1
    if rising >= 7:
        fired.add("rising or falling")
    if values[-1] > up_two_thirds and sum(v > up_two_thirds for v in values[-3:]) >= 2:
        fired.add("2 of 3 points")
    return fired


QUASI_POISSON = TrendSettings(method="quasi_poisson")
REGRESSION = TrendSettings(method="regression_ar1")


def quarter_dummies(n: int) -> np.ndarray:
    """Intercept, years from the middle, and indicators of the 2nd, 3rd, 4th quarter of the year,
    for n consecutive quarters ending at a March (the first one's quarter of the year is the
    reference), built without the module."""
    years = (np.arange(n) - (n - 1) / 2) / 4
    of_year = (np.arange(n) - (n - 1)) % 4  # 0 at the latest quarter (January-March)
    reference = of_year[0]
    others = [s for s in range(4) if s != reference and s in of_year]
    return np.column_stack([np.ones(n), years, *[(of_year == s).astype(float) for s in others]])


def statsmodels_quasi_poisson(y, population, x):
    fit = sm.GLM(y, x, family=sm.families.Poisson(), offset=np.log(population)).fit(scale="X2")
    p = 2 * student_t.sf(abs(fit.tvalues[1]), fit.df_resid)
    return fit, p


def statsmodels_firth(y, trials, x, family="poisson"):
    """Firth's (1993) adjusted quasi-Poisson (quasi-binomial) fit, by statsmodels: the GLM
    refitted to the pseudo-data y + h/2 (binomial: y + h/2 events of n + h trials), h the
    leverages diag(W^1/2 X (X'WX)^-1 X' W^1/2) at the previous fit with the model's weights
    W = mu (binomial: n p (1 - p), the n observed), until h settles; the scale from Pearson's
    chi-squared of the pseudo-data. Returns (coefficients, standard errors, t, p)."""

    def weights_at(params):
        if family == "poisson":
            return trials * np.exp(x @ params)
        share = 1 / (1 + np.exp(-(x @ params)))
        return trials * share * (1 - share)

    h = np.full(len(y), x.shape[1] / len(y))  # the leverages' mean: a start off any boundary
    for _ in range(500):
        if family == "poisson":
            model = sm.GLM(y + h / 2, x, family=sm.families.Poisson(), offset=np.log(trials))
        else:
            model = sm.GLM((y + h / 2) / (trials + h), x, family=sm.families.Binomial(),
                           var_weights=trials + h)  # fmt: skip
        fit = model.fit(tol=1e-14)
        w = weights_at(fit.params)
        root = np.sqrt(w)[:, None] * x
        new = np.einsum("ij,ij->i", root @ np.linalg.inv(root.T @ root), root)
        if np.max(np.abs(new - h)) < 1e-13:
            break
        h = new
    if family == "poisson":
        mu = trials * np.exp(x @ fit.params)
    else:
        mu = (trials + h) / (1 + np.exp(-(x @ fit.params)))
    w = weights_at(fit.params)
    df = len(y) - x.shape[1]
    scale = np.sum((y + h / 2 - mu) ** 2 / w) / df
    se = np.sqrt(scale * np.diag(np.linalg.inv(x.T @ (w[:, None] * x))))
    t = fit.params / se
    return fit.params, se, t, 2 * student_t.sf(np.abs(t), df)


def prc_like(raw_counts, population=1.7e6, end="2024-03"):
    """Quarterly rate series as measures.py hands it over: 12-month rate, count, population,
    and the quarter's own count and population."""
    raw_counts = np.asarray(raw_counts, dtype=float)
    rolling = rolled(raw_counts, 4)
    n = len(rolling)
    return quarterly_series(
        1000 * rolling / population,
        end=end,
        count=rolling,
        denominator=population,
        raw_value=4000 * raw_counts[3:] / population,
        raw_count=raw_counts[3:],
        raw_denominator=np.full(n, population),
    )
