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
from scipy.special import pdtr, pdtrc
from scipy.stats import norm

from helpers.stats.trends.regression import design_matrix, regression_trend

# The grid over the log-normal's z on which a tail is integrated: +-8 standard deviations.
Z_LIMIT, Z_POINTS = 8.0, 1601
CHI2_1_MEDIAN = 0.454936423119572  # the median of chi-squared with 1 degree of freedom
NEAR = 1.5  # standard deviations: a count nearer its usual value gets tail 1 (not computed)


@dataclass(frozen=True)
class QuarterTails:
    """Arrays (batch, n): `usual`, each quarter's count as the fit of the others expects it,
    and `p_value`, the probability of a count at least as far from it in its direction (1 where
    the others cannot be fitted or cannot predict the quarter, and where the count is within
    1.5 standard deviations of the usual: no threshold is ever that high)."""

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
    """Each quarter's count against the Poisson regression fitted to the others.

    `events` (batch, n) counts, `exposure` the populations (or ones), `quarters` the quarter
    index of each point. Every quarter is compared, not only those furthest from the fit of all
    of them: a spike drags that fit (its trend and its quarter of the year) so far towards
    itself that it need not be among the furthest (100 homicides among quarters of about 4: the
    three furthest were ordinary quarters). For quarter i the others are fitted by
    `regression_trend` (quarter noise `cv`, `rho`; Firth-adjusted, so a fit always exists),
    giving its expected count mu and the variance v of its log on the fit; the count is then
    Poisson with a log-normal mean (mean mu, squared coefficient of variation cv^2 + v), its
    variance widened by the others' own dispersion about their fit where that is above 1 (the
    median of their squared Pearson residuals over chi-squared's median, corrected for the
    parameters fitted: robust to the quarter in question and to one other), and its tail
    probability is P(Y >= y) above mu and P(Y <= y) below.
    """
    y = np.atleast_2d(np.asarray(events, dtype=np.float64))
    e = np.broadcast_to(np.asarray(exposure, dtype=np.float64), y.shape)
    q = np.asarray(quarters, dtype=np.int64)
    n = y.shape[-1]
    usual = np.full(y.shape, np.nan)
    p_value = np.ones(y.shape)
    x = design_matrix(q, seasonal)
    # Quarter i can be predicted from the others when its quarter of the year has another point.
    of_year = q % 4
    usable = [
        i for i in range(n)
        if not seasonal or (of_year == of_year[i]).sum() > 1
    ]  # fmt: skip
    if n - 1 - x.shape[1] < 1 or not usable:
        return QuarterTails(usual.reshape(np.shape(events)), p_value.reshape(np.shape(events)))
    # Every series' leave-one-out fits in one batch: row (s, i) is series s without quarter i.
    quarter = np.repeat(np.array(usable), len(y))
    series = np.tile(np.arange(len(y)), len(usable))
    left_out = np.zeros((len(quarter), n), dtype=bool)
    left_out[np.arange(len(quarter)), quarter] = True
    fit = regression_trend(y[series], e[series], q, seasonal=seasonal, cv=cv, rho=rho,
                           left_out=left_out)  # fmt: skip
    row = x[quarter]
    with np.errstate(over="ignore", invalid="ignore"):
        fitted = e[series] * np.exp(fit.beta @ x.T)  # every quarter, from the others' fit
        mu = fitted[np.arange(len(quarter)), quarter]
        spread = np.einsum("bj,bjk,bk->b", row, fit.unscaled_cov, row)
        # The others' own spread about their fit, robustly: a series that wanders more than
        # the noise allowed for (real quarters do, when the noise is not estimated) would
        # otherwise have its ordinary quarters called exceptional.
        pearson = (y[series] - fitted) ** 2 / (fitted + cv**2 * fitted**2)
        pearson[np.arange(len(quarter)), quarter] = np.nan
        kept = n - 1
        dispersion = np.nanmedian(pearson, axis=1) / CHI2_1_MEDIAN * kept / (kept - x.shape[1])
        dispersion = np.maximum(np.where(np.isfinite(dispersion), dispersion, 1.0), 1.0)
        # Variance mu + extra mu^2, scaled by the dispersion; the Poisson part stays as it is.
        extra = (dispersion * (mu + (cv**2 + spread) * mu**2) - mu) / mu**2
        usual[series, quarter] = mu
        p_value[series, quarter] = _tail(y[series, quarter], mu, extra)
    p_value = np.where(np.isfinite(p_value), p_value, 1.0)
    return QuarterTails(usual.reshape(np.shape(events)), p_value.reshape(np.shape(events)))


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
    extra = np.where(ok, np.maximum(extra, 0), 0)
    mu = np.where(ok, mu, 1.0)
    # A count within NEAR standard deviations of mu has a tail far above any threshold: it is
    # left at 1 (the integral below is the costly part, and most quarters are ordinary).
    far = ok & (np.abs(y - mu) > NEAR * np.sqrt(mu + extra * mu**2))
    if not far.any():
        return out
    z = np.linspace(-Z_LIMIT, Z_LIMIT, Z_POINTS)
    weights = norm.pdf(z)
    weights /= weights.sum()
    sigma = np.sqrt(np.log1p(extra[far]))[:, None]
    means = mu[far][:, None] * np.exp(sigma * z[None, :] - sigma**2 / 2)
    count = y[far][:, None]
    above = (y[far] > mu[far])[:, None]
    # P(Y >= y) = pdtrc(y - 1, m) above the mean; P(Y <= y) = pdtr(y, m) below it.
    tails = np.where(above, pdtrc(np.maximum(count - 1, 0), means), pdtr(count, means))
    tails = np.where(above & (count <= 0), 1.0, tails)
    out[far] = tails @ weights
    return np.clip(out, 0.0, 1.0)
