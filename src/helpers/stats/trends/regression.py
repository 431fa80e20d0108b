"""Quasi-likelihood regression of the quarters' counts on time, with a working covariance."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

from helpers.core.config import TrendSettings

# The fallback quarter-to-quarter noise of ``regression_ar1`` (the settings' defaults, trend
# working_cv and working_rho): a log-normal (logit-normal for percentages) quarter effect with a
# coefficient of variation of 10% and a lag-1 correlation of 0.6 between quarters, on top of
# Poisson (binomial) noise; used where no estimate from the panel of all forces is given.
# See BENCHMARKS.md for the evidence and its limits.
WORKING_CV = TrendSettings.working_cv
WORKING_RHO = TrendSettings.working_rho


@dataclass(frozen=True)
class RegressionFit:
    """Arrays over the batch (the leading axes of the counts) of one trend regression.

    `coef` is the trend coefficient per year on the link scale (log rate for counts, log odds for
    percentages), `se` its standard error, `t` = coef / se, `p` the two-sided p-value from Student's
    t with `df` degrees of freedom, `scale` the estimated dispersion. `converged` is False where
    the scoring did not settle within its iterations or the information matrix was too close to
    singular to trust (the other arrays are then NaN there). `beta` holds every coefficient
    (intercept, trend, quarter-of-year terms; shape (..., k)) and `unscaled_cov` the inverse of
    the information (the coefficients' covariance before the scale; (..., k, k)).
    """

    coef: np.ndarray
    se: np.ndarray
    t: np.ndarray
    p: np.ndarray
    scale: np.ndarray
    df: int
    converged: np.ndarray
    beta: np.ndarray
    unscaled_cov: np.ndarray

    def interval(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """The `level` confidence interval of the trend coefficient (Student's t, `df`)."""
        half = student_t.ppf(0.5 + level / 2, self.df) * self.se
        return self.coef - half, self.coef + half


def size_corrected(
    fit: RegressionFit, alpha: float, critical_alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """(t, p) of the trend with the critical value of Student's t at `critical_alpha` (set by
    simulation so that false alarms stay at or below `alpha`) carried onto the `alpha` scale:
    t times t_{1-alpha/2, df} / t_{1-critical_alpha/2, df}, and its two-sided p-value from
    Student's t. So p < alpha exactly when the fit's own p < critical_alpha, and the statistic,
    the p-value and the interval `fit.interval(1 - critical_alpha)` say the same thing."""
    factor = student_t.ppf(1 - alpha / 2, fit.df) / student_t.ppf(1 - critical_alpha / 2, fit.df)
    t = np.asarray(fit.t) * factor
    return t, 2 * student_t.sf(np.abs(t), fit.df)


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


# Fisher scoring's limits: a step is halved until the estimating equations' residual norm falls
# (at most MAX_HALVINGS times); no coefficient moves more than MAX_STEP (log scale) in one step;
# the fit has converged when the largest change is below STEP_TOLERANCE; an information matrix
# whose condition number (on the correlation scale) exceeds MAX_CONDITION is not trusted.
MAX_HALVINGS = 30
MAX_STEP = 2.0
STEP_TOLERANCE = 1e-8
MAX_CONDITION = 1e10
MAX_MERIT = 1e-8  # score' info^-1 score, a chi-squared-like distance from the solution
LEFT_OUT_VARIANCE = 1e12  # times M's largest diagonal: a point left out of the fit
# Log rates (log odds) are kept within +-ETA_LIMIT of zero so that exp() never overflows.
ETA_LIMIT = 50.0


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
    firth: bool = True,
    max_iterations: int = 100,
    left_out: np.ndarray | None = None,
    min_scale: float = 0.0,
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
    are solved by Fisher scoring, each step halved until the equations' residual falls; the
    scale is r' V^-1 r / df with df = n - parameters, and the p-value of the trend uses Student's
    t with df degrees of freedom.

    `firth` adds Firth's (1993) bias-reducing adjustment: the counts y + h/2 (binomial: y + h/2
    events of n + h trials), h the points' leverages in the Poisson (binomial) fit. It keeps every
    estimate finite where the plain equations have no solution (a quarter of the year with no
    events, shares at 0% or 100% on one side of the window, every event in the last quarter) and
    moves the others by a fraction of an event. The fit is then the quasi-likelihood fit of
    those pseudo-counts, scale included (statsmodels' GLM refitted to them until h settles gives
    the same); False gives the plain quasi-likelihood.
    A fit that does not converge, or whose information matrix is numerically singular, has
    `converged` False and NaN estimates: it is never returned as a number.

    `min_scale` is a floor on the estimated scale (the scale used, and returned, is the larger
    of the two). With 1: the counts are taken to vary at least as much as the working covariance
    says, as a scale below 1 estimated from a dozen autocorrelated points is more often chance
    than real under-dispersion, and trusting it gave 6-7% false alarms at the 5% level in the
    simulation study (benchmarks/trend_methods.py, BENCHMARKS.md).

    `left_out` (the shape of `events`, boolean) leaves points out of each series' fit, the same
    number in every series (df counts the points kept): the leave-one-out fits of a series in one
    batch (`quarter_tails`). Each quarter-of-year term must keep a point.
    """
    if family not in ("poisson", "binomial"):
        raise ValueError(f"family must be 'poisson' or 'binomial', got '{family}'")
    if not min_scale >= 0:
        raise ValueError(f"min_scale must be >= 0, got {min_scale}")
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
    keep = None
    dropped = 0
    if left_out is not None:
        out = np.broadcast_to(np.asarray(left_out, dtype=bool), y.shape).reshape(-1, n)
        dropped = int(out[0].sum()) if len(out) else 0
        if np.any(out.sum(axis=1) != dropped):
            raise ValueError("left_out must leave the same number of points out of every series")
        keep = ~out
    df = n - dropped - k
    if df < 1:
        raise ValueError(f"{n} points cannot fit {k} parameters with a degree of freedom left")
    batch = y.shape[:-1]
    y2 = y.reshape(-1, n)
    e2 = e.reshape(-1, n)
    shared, wander = working_correlations(q, span, rho)
    scoring = _Scoring(x, y2, e2, shared, wander, cv, family, firth, keep)

    beta = np.zeros((y2.shape[0], k))
    overall = (y2.sum(axis=1) + 0.5) / (e2.sum(axis=1) + (1.0 if family == "binomial" else 0.0))
    if family == "poisson":
        beta[:, 0] = np.log(overall)
    else:
        overall = np.clip(overall, 1e-6, 1 - 1e-6)
        beta[:, 0] = np.log(overall / (1 - overall))
    settled = np.zeros(y2.shape[0], dtype=bool)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        state = scoring.at(beta)
        for _ in range(max_iterations):
            step = _solve(state.info, state.score)
            largest = np.max(np.abs(step), axis=1, keepdims=True)
            step = np.where(largest > MAX_STEP, step * MAX_STEP / largest, step)
            step[settled] = 0.0
            length = np.ones(len(beta))
            trial = scoring.at(beta + step)
            for _ in range(MAX_HALVINGS):
                worse = ~(trial.merit <= state.merit) & ~settled
                if not worse.any():
                    break
                length[worse] /= 2
                trial = scoring.at(beta + step * length[:, None])
            moved = np.max(np.abs(step * length[:, None]), axis=1)
            beta = beta + step * length[:, None]
            state = trial
            # Settled: the last step was negligible and the equations hold (a halved step that
            # stalls away from a solution is not convergence).
            settled |= (moved < STEP_TOLERANCE) & (state.merit < MAX_MERIT)
            if settled.all():
                break
        info = state.info
        cov = _inverse(info)
        resid_t = scoring.residuals(beta)
        scale = np.einsum("bi,bi->b", resid_t, _solve(state.middle, resid_t)) / df
        scale = np.maximum(scale, min_scale)
        se = np.sqrt(scale * cov[:, 1, 1])
        converged = settled & _well_conditioned(info) & np.isfinite(beta).all(axis=1)
        converged &= np.isfinite(se) & (se > 0)
        coef = np.where(converged, beta[:, 1], np.nan)
        se = np.where(converged, se, np.nan)
        t = coef / se
        p = 2 * student_t.sf(np.abs(t), df)
    return RegressionFit(
        coef=coef.reshape(batch),
        se=se.reshape(batch),
        t=t.reshape(batch),
        p=p.reshape(batch),
        scale=np.where(converged, scale, np.nan).reshape(batch),
        df=df,
        converged=converged.reshape(batch),
        beta=np.where(converged[:, None], beta, np.nan).reshape((*batch, k)),
        unscaled_cov=np.where(converged[:, None, None], cov, np.nan).reshape((*batch, k, k)),
    )


@dataclass(frozen=True)
class _State:
    info: np.ndarray  # (b, k, k) D' V^-1 D, the scale left out
    score: np.ndarray  # (b, k) the (adjusted) estimating equations D' V^-1 (y - mu)
    merit: np.ndarray  # (b,) score' info^-1 score: zero at the solution
    middle: np.ndarray  # (b, n, n) M in V = S M S, S = diag(sqrt(a))


class _Scoring:
    """The regression's estimating equations at any coefficients, for a batch of series.

    V = S M S with S = diag(sqrt(a)) and M = shared + cv^2 S wander S, so the equations are
    (sqrt(a) X)' M^-1 (y - mu) / sqrt(a): M is at least as well conditioned as `shared` however
    small a gets, where V itself would be numerically singular.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        exposure: np.ndarray,
        shared: np.ndarray,
        wander: np.ndarray,
        cv: float,
        family: str,
        firth: bool,
        keep: np.ndarray | None = None,
    ) -> None:
        self.x, self.y, self.exposure = x, y, exposure
        self.shared, self.wander, self.cv = shared, wander, cv
        self.family, self.firth = family, firth
        # Points left out: zero rows of D and of the residuals, and a variance so large that
        # M^-1 has (to about 1e-10) no row or column for them: the fit of the other points.
        self.keep = None if keep is None else keep.astype(np.float64)

    def moments(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mu, a, p): the mean, the variance function and (binomial) the share."""
        eta = np.clip(beta @ self.x.T, -ETA_LIMIT, ETA_LIMIT)
        if self.family == "poisson":
            mu = self.exposure * np.exp(eta)
            return mu, np.maximum(mu, 1e-300), mu
        share = 1.0 / (1.0 + np.exp(-eta))
        a = self.exposure * share * (1.0 - share)
        return self.exposure * share, np.maximum(a, 1e-300), share

    def _kept(self, values: np.ndarray) -> np.ndarray:
        """`values` (batch, n[, k]) with the left-out points' rows zero."""
        if self.keep is None:
            return values
        return values * (self.keep if values.ndim == 2 else self.keep[:, :, None])

    def middle(self, root: np.ndarray) -> np.ndarray:
        middle = self.shared + self.cv**2 * root[:, :, None] * root[:, None, :] * self.wander
        if self.keep is not None:
            big = LEFT_OUT_VARIANCE * (1.0 + np.einsum("bii->b", middle).max())
            middle = middle + big * (1.0 - self.keep)[:, :, None] * np.eye(len(self.x))[None]
        return middle

    def residuals(self, beta: np.ndarray) -> np.ndarray:
        """The standardised residuals (y* - mu) / sqrt(a) of the (pseudo-)counts."""
        mu, a, share = self.moments(beta)
        root = np.sqrt(a)
        d = self._kept(root[:, :, None] * self.x[None])
        return self._kept(self._adjusted(mu, share, d) / root)

    def _adjusted(self, mu: np.ndarray, share: np.ndarray, d: np.ndarray) -> np.ndarray:
        """y - mu, or with Firth's adjustment y* - mu: the counts plus h/2 (binomial: h/2
        events of h more trials, so y + h/2 - (n + h) p), h the leverages."""
        resid = self.y - mu
        if self.firth:
            resid = resid + _leverages(d) * (0.5 if self.family == "poisson" else 0.5 - share)
        return resid

    def at(self, beta: np.ndarray) -> _State:
        mu, a, share = self.moments(beta)
        root = np.sqrt(a)
        middle = self.middle(root)
        d = self._kept(root[:, :, None] * self.x[None])  # S^-1 D = sqrt(a) X
        resid = self._kept(self._adjusted(mu, share, d) / root)
        solved = _solve(middle, np.concatenate([d, resid[:, :, None]], axis=2))
        info = np.einsum("bij,bik->bjk", d, solved[:, :, :-1])
        score = np.einsum("bij,bi->bj", d, solved[:, :, -1])
        merit = np.einsum("bj,bj->b", score, _solve(info, score))
        merit = np.where(np.isfinite(merit), merit, np.inf)
        return _State(info, score, merit, middle)


def _leverages(d: np.ndarray) -> np.ndarray:
    """The diagonal of the hat matrix of the Poisson (binomial) fit with weights a, from
    d = sqrt(a) X: h_i = d_i' (d'd)^-1 d_i."""
    gram = np.einsum("bij,bik->bjk", d, d)
    return np.einsum("bij,bij->bi", d, _solve(gram, np.swapaxes(d, 1, 2)).swapaxes(1, 2))


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.linalg.solve over a batch, NaN (not an exception) where a matrix is singular."""
    vector = b.ndim == a.ndim - 1
    rhs = b[..., None] if vector else b
    out = np.full(rhs.shape, np.nan)
    finite = np.isfinite(a).all(axis=(-2, -1)) & np.isfinite(rhs).all(axis=(-2, -1))
    try:
        out[finite] = np.linalg.solve(a[finite], rhs[finite])
    except np.linalg.LinAlgError:
        for i in np.flatnonzero(finite):
            with contextlib.suppress(np.linalg.LinAlgError):
                out[i] = np.linalg.solve(a[i], rhs[i])
    return out[..., 0] if vector else out


def _inverse(a: np.ndarray) -> np.ndarray:
    eye = np.broadcast_to(np.eye(a.shape[-1]), a.shape)
    return _solve(a, eye.copy())


def _well_conditioned(info: np.ndarray) -> np.ndarray:
    """Whether each information matrix, scaled to unit diagonal, has a condition number below
    MAX_CONDITION (else its inverse, and so every standard error, is numerically meaningless)."""
    diagonal = np.sqrt(np.abs(np.einsum("bii->bi", info)))
    ok = np.isfinite(info).all(axis=(1, 2)) & (diagonal > 0).all(axis=1)
    out = np.zeros(len(info), dtype=bool)
    if ok.any():
        scaled = info[ok] / (diagonal[ok][:, :, None] * diagonal[ok][:, None, :])
        out[ok] = np.linalg.cond(scaled) < MAX_CONDITION
    return out


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
