"""An exceptional quarter: one whose count the rest of the window could not have produced.

A single mass-casualty incident puts dozens of homicides into one quarter. Left in, it decides
the trend word: "Increasing" while it sits late in the window, "Reducing" two years later,
though nothing else changed. Each quarter is compared with the fit of the other quarters (the
same regression as the trend test: trend, quarter-of-year terms, the quarter noise), so that the
quarter itself cannot move its own baseline; the count's tail probability is taken from a
negative binomial whose variance is Poisson plus the quarter noise plus the uncertainty of the
fitted baseline. The threshold below which a quarter is exceptional is a setting
(``trend.exceptional_p``), chosen by the simulation in benchmarks/exceptional_quarter.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import nbinom, poisson

from helpers.stats.trends.regression import regression_trend


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
) -> QuarterTails:
    """Each quarter's count against the Poisson regression fitted to the other quarters.

    `events` (batch, n) counts, `exposure` the populations (or ones), `quarters` the quarter
    index of each point. For quarter i the others are fitted by `regression_trend` (quarter
    noise `cv`, `rho`; Firth-adjusted, so a fit always exists), giving its expected count mu and
    the variance v of its log on the fit; the count is then negative binomial with mean mu and
    variance mu + (cv^2 + v) mu^2 (Poisson when both are 0), and its tail probability is
    P(Y >= y) above mu and P(Y <= y) below.
    """
    y = np.atleast_2d(np.asarray(events, dtype=np.float64))
    e = np.broadcast_to(np.asarray(exposure, dtype=np.float64), y.shape)
    q = np.asarray(quarters, dtype=np.int64)
    n = y.shape[-1]
    usual = np.full(y.shape, np.nan)
    p_value = np.ones(y.shape)
    for i in range(n):
        others = np.arange(n) != i
        row = _prediction_row(q[i], q[others], seasonal)
        k = 2 + (len(set((q[others] % 4).tolist())) - 1 if seasonal else 0)
        if row is None or others.sum() - k < 1:
            continue
        fit = regression_trend(
            y[:, others], e[:, others], q[others], seasonal=seasonal, cv=cv, rho=rho
        )
        with np.errstate(over="ignore", invalid="ignore"):
            eta = fit.beta @ row + np.log(e[:, i])
            mu = np.exp(eta)
            spread = np.einsum("j,bjk,k->b", row, fit.unscaled_cov, row)
            usual[:, i] = mu
            p_value[:, i] = _tail(y[:, i], mu, cv**2 + spread)
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
    """P(Y >= y) where y is above mu, P(Y <= y) where not, Y negative binomial with mean mu and
    variance mu + extra mu^2 (Poisson where extra is 0)."""
    out = np.ones_like(mu)
    ok = np.isfinite(mu) & np.isfinite(extra) & (mu > 0)
    above = ok & (y > mu)
    below = ok & (y < mu)
    pure = extra <= 0
    size = np.where(pure, 1.0, 1.0 / np.where(pure, 1.0, extra))
    prob = size / (size + np.where(ok, mu, 1.0))
    up = np.where(pure, poisson.sf(y - 1, mu), nbinom.sf(y - 1, size, prob))
    down = np.where(pure, poisson.cdf(y, mu), nbinom.cdf(y, size, prob))
    out[above] = up[above]
    out[below] = down[below]
    return out
