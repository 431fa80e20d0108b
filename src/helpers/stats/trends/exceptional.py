"""An exceptional quarter: one whose count the rest of the window could not have produced.

A single mass-casualty incident puts dozens of homicides into one quarter. Left in, it decides
the trend word: "Increasing" while it sits late in the window, "Reducing" two years later,
though nothing else changed. Each quarter is compared with the fit of the other quarters (the
same regression as the trend test: trend, quarter-of-year terms, the quarter noise), so that the
quarter itself cannot move its own baseline; the count's tail probability is that of a Poisson
count whose mean is log-normal, spread by the quarter noise and the uncertainty of the fitted
baseline. The threshold below which a quarter is exceptional is a setting
(``trend.exceptional_p``), chosen by the simulation in benchmarks/exceptional_quarter.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm, poisson

from helpers.stats.trends.regression import design_matrix, regression_trend

# How many quarters of a series (those furthest from the fit of all) are compared with the fit
# of the others: every one. A spike drags the fit of all the quarters (trend and its quarter of
# the year) so far towards itself that it need not be among the furthest from it (100 homicides
# among quarters of about 4: the three furthest were ordinary quarters).
CANDIDATES = 1_000
# The grid over the log-normal's z on which a tail is integrated: +-8 standard deviations.
Z_LIMIT, Z_POINTS = 8.0, 1601


@dataclass(frozen=True)
class QuarterTails:
    """Arrays (batch, n): `usual`, each quarter's count as the fit of the others expects it,
    and `p_value`, the probability of a count at least as far from it in its direction (1 where
    the others cannot be fitted, or cannot predict the quarter)."""

    usual: np.ndarray
    p_value: np.ndarray

    def most_exceptional(self) -> tuple[np.ndarray, np.ndarray]:
        """The index of each series' quarter with the smallest tail probability, and it."""
        index = np.argmin(self.p_value, axis=-1)
        return index, np.take_along_axis(self.p_value, index[..., None], axis=-1)[..., 0]


def quarter_tails(
    events: np.ndarray,
    exposure: np.ndarray,
    quarters: np.ndarray,
    *,
    seasonal: bool,
    cv: float,
    rho: float,
    candidates: int = CANDIDATES,
) -> QuarterTails:
    """Each candidate quarter's count against the Poisson regression fitted to the others.

    `events` (batch, n) counts, `exposure` the populations (or ones), `quarters` the quarter
    index of each point. Every quarter is a candidate unless `candidates` is smaller than n: then
    only that many furthest from the fit of all (Pearson residual) are, the rest get p = 1
    (quicker, but a spike can pull that fit past itself). For candidate i the others are fitted
    by `regression_trend` (quarter noise `cv`, `rho`; Firth-adjusted, so a fit always exists),
    giving its expected count mu and the variance v of its log on the fit; the count is then
    Poisson with a log-normal mean (mean mu, squared coefficient of variation cv^2 + v), and its
    tail probability is P(Y >= y) above mu and P(Y <= y) below.
    """
    y = np.atleast_2d(np.asarray(events, dtype=np.float64))
    e = np.broadcast_to(np.asarray(exposure, dtype=np.float64), y.shape)
    q = np.asarray(quarters, dtype=np.int64)
    n = y.shape[-1]
    usual = np.full(y.shape, np.nan)
    p_value = np.ones(y.shape)
    chosen = np.ones(y.shape, dtype=bool)
    if candidates < n:
        whole = regression_trend(y, e, q, seasonal=seasonal, cv=cv, rho=rho)
        with np.errstate(over="ignore", invalid="ignore"):
            mu_all = e * np.exp(whole.beta @ design_matrix(q, seasonal).T)
            distance = np.abs(y - mu_all) / np.sqrt(mu_all + cv**2 * mu_all**2)
        distance = np.where(np.isfinite(distance), distance, np.inf)
        chosen[:] = False
        order = np.argsort(-distance, axis=1)[:, :candidates]
        np.put_along_axis(chosen, order, True, axis=1)
    for i in range(n):
        others = np.arange(n) != i
        row = _prediction_row(q[i], q[others], seasonal)
        k = 2 + (len(set((q[others] % 4).tolist())) - 1 if seasonal else 0)
        which = chosen[:, i]
        if row is None or others.sum() - k < 1 or not which.any():
            continue
        fit = regression_trend(
            y[which][:, others], e[which][:, others], q[others], seasonal=seasonal, cv=cv, rho=rho
        )
        with np.errstate(over="ignore", invalid="ignore"):
            mu = np.exp(fit.beta @ row + np.log(e[which, i]))
            spread = np.einsum("j,bjk,k->b", row, fit.unscaled_cov, row)
            usual[which, i] = mu
            p_value[which, i] = _tail(y[which, i], mu, cv**2 + spread)
    p_value = np.where(np.isfinite(p_value), p_value, 1.0)
    return QuarterTails(usual.reshape(np.shape(events)), p_value.reshape(np.shape(events)))


def _prediction_row(quarter: int, others: np.ndarray, seasonal: bool) -> np.ndarray | None:
    """Quarter `quarter`'s row of the design matrix that `regression_trend` builds for
    `others` (years from their window's middle; their quarter-of-year indicators), or None when
    the others have no quarter of its quarter of the year to estimate it from."""
    years = (quarter - (others.min() + others.max()) / 2) / 4
    row = [1.0, years]
    if seasonal:
        present = sorted(set((others % 4).tolist()))
        if quarter % 4 not in present:
            return None
        row += [float(quarter % 4 == s) for s in present[1:]]
    return np.array(row)


def _tail(y: np.ndarray, mu: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """P(Y >= y) where y is above mu, P(Y <= y) where not: Y Poisson with a log-normal mean of
    mean mu and squared coefficient of variation `extra` (the quarter effect and the
    uncertainty of the fitted mean, both on the log scale), integrated over the log-normal on a
    fine grid (the Poisson tail is a near-step in the log-normal's z at large counts, which a
    few quadrature nodes would miss). A log-normal's right tail is heavier than the gamma's of a
    negative binomial with the same variance: with the baseline fitted from a few quarters the
    lighter tail called ordinary quarters exceptional."""
    y, mu, extra = (np.asarray(v, dtype=np.float64) for v in (y, mu, extra))
    out = np.ones(mu.shape)
    ok = np.isfinite(mu) & np.isfinite(extra) & (mu > 0)
    above = ok & (y > mu)
    below = ok & (y < mu)
    z = np.linspace(-Z_LIMIT, Z_LIMIT, Z_POINTS)
    weights = norm.pdf(z)
    weights /= weights.sum()
    sigma = np.sqrt(np.log1p(np.where(ok, np.maximum(extra, 0), 0)))[:, None]
    means = np.where(ok, mu, 1.0)[:, None] * np.exp(sigma * z[None, :] - sigma**2 / 2)
    up = poisson.sf(y[:, None] - 1, means) @ weights
    down = poisson.cdf(y[:, None], means) @ weights
    out[above] = up[above]
    out[below] = down[below]
    return np.clip(out, 0.0, 1.0)
