"""The quarter-to-quarter noise of a measure's series beyond Poisson (binomial) variation, and its
estimate from a panel of series (all forces' quarterly counts).

The model is the one `regression_trend`'s working covariance assumes: a quarter's count is
Poisson (binomial) around a mean that follows a trend and quarter-of-year terms times a
log-normal (logit-normal) quarter effect, stationary AR(1) on the log scale, so that

    Var(y_t) = a_t + cv^2 a_t^2,   Cov(y_t, y_s) = cv^2 a_t a_s rho^|t - s|,

with a_t the Poisson mean (binomial n p (1 - p)). `fit_trend_noise` removes each series' trend
and quarter-of-year terms with a GLM fitted by Fisher scoring (Poisson or binomial, exposure as
offset or trials, as ``statsmodels.GLM``), then matches two weighted moments of the relative
residuals u_t = r_t / a_t to their expectations under the model: the squares (for cv^2) and the
products of neighbouring quarters (for rho). The expectations are computed exactly for each
series' fitted projection, so that what the detrending removes (it absorbs part of a wandering
level and makes neighbouring residuals negatively correlated) does not bias either estimate;
the Poisson part is subtracted, so that a series of a few events a quarter, whose residuals
are almost all Poisson, carries almost no weight (weights 1 / (1/a + cv^2)^2, the inverse of
the variance of u_t^2). Pooling is robust: each point's relative residual is capped at 4 times
its standard deviation (a single exceptional quarter cannot set the noise of every force), and
a series whose own estimate is far outside the others' (Tukey's fences at `fence` times the
interquartile range) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Bounds of the estimates: a quarter effect beyond 50% or a lag-1 correlation above 0.95 is not
# a stationary quarter-to-quarter wander but a break in the series (recording, boundaries).
CV_BOUNDS = (0.0, 0.5)
RHO_BOUNDS = (0.0, 0.95)
# A point's relative residual is capped at the square root of this many times its expected
# square (4 standard deviations: probability 6e-5 for a normal, so ordinary quarters are almost
# never capped).
POINT_CAP = 16.0
PASSES = 4
# What "Stable" means in numbers, for the methods note: with the noise of typical force series
# (cv 12%, lag-1 correlation 0.6) the default test over 12 quarters, its noise estimated from
# the panel, its scale floored at 1 and its critical value calibrated (the size correction),
# detects an annual change of 14-18% half the time at 50 to 5,000 events a quarter,
# so a change smaller than about this would usually not be detected (at 5 events a quarter or
# fewer, not even 20% a year). benchmarks/trend_methods.py, BENCHMARKS.md.
USUALLY_UNDETECTED_BELOW = 0.15
_RHO_GRID = np.linspace(*RHO_BOUNDS, 191)


@dataclass(frozen=True)
class TrendNoise:
    """How much a measure's quarters wander beyond Poisson (binomial) noise.

    `cv` is the coefficient of variation of a log-normal (logit-normal for shares) quarter effect,
    `rho` its lag-1 correlation between neighbouring quarters, and `basis` says in words what they
    were estimated from (the forces and quarters of the panel, or the settings' default).
    """

    cv: float
    rho: float
    basis: str

    def __post_init__(self) -> None:
        if not 0 <= self.cv < 2:
            raise ValueError(f"cv must be in [0, 2), got {self.cv}")
        if not 0 <= self.rho < 1:
            raise ValueError(f"rho must be in [0, 1), got {self.rho}")


@dataclass(frozen=True)
class NoiseFit:
    """Arrays over the batch (the leading axes of the panel) of `fit_trend_noise`.

    `cv`, `rho` the bounded estimates; `series` how many series (force x block) entered the
    pooled moments (usable and inside the fences); `points` how many quarters they hold;
    `information` the pooled expectation's coefficient of cv^2 in the squares' moment (the
    larger, the more precise cv); NaN estimates where a panel had no usable series.
    """

    cv: np.ndarray
    rho: np.ndarray
    series: np.ndarray
    points: np.ndarray
    information: np.ndarray


def fit_trend_noise(
    events: np.ndarray,
    exposure: np.ndarray,
    quarters: np.ndarray,
    *,
    family: str = "poisson",
    seasonal: bool = True,
    block_quarters: int | None = None,
    fence: float = 3.0,
    min_points: int = 12,
) -> NoiseFit:
    """cv and rho of the quarter effect from a panel of series, each detrended on its own.

    `events` (..., S, T): counts of S series (forces) in T consecutive quarters (NaN: missing or
    left out, such as lockdown quarters), the leading axes a batch of panels estimated
    independently; `exposure` broadcastable to it (``"poisson"``: population, ones for plain
    counts; ``"binomial"``: trials); `quarters` (T,) consecutive quarter indices (their value
    mod 4 is the quarter of the year). `block_quarters` splits each series into consecutive
    blocks of that many quarters, ending at the last, each with its own level, trend and
    quarter-of-year terms (a long history is not a straight line; a trend test sees only its
    window); a shorter first block is used when it holds `min_points` quarters. A series
    (block) with fewer than `min_points` observed quarters, or no events, is left out.
    """
    if family not in ("poisson", "binomial"):
        raise ValueError(f"family must be 'poisson' or 'binomial', got '{family}'")
    y = np.asarray(events, dtype=np.float64)
    e = np.broadcast_to(np.asarray(exposure, dtype=np.float64), y.shape)
    q = np.asarray(quarters, dtype=np.int64)
    if y.ndim < 2 or q.shape != (y.shape[-1],):
        raise ValueError(f"events must be (..., series, quarters) with {len(q)} quarters")
    if len(q) > 1 and np.any(np.diff(q) != 1):
        raise ValueError("quarters must be consecutive (mark gaps as NaN counts)")
    if not fence > 0:
        raise ValueError(f"fence must be positive, got {fence}")
    if block_quarters is not None:
        y, e, q = _blocks(y, e, q, block_quarters)
    batch, (s, t) = y.shape[:-2], y.shape[-2:]
    observed = np.isfinite(y) & np.isfinite(e) & (e > 0)
    y2 = np.where(observed, y, 0.0).reshape(-1, t)
    e2 = np.where(observed, e, 1.0).reshape(-1, t)
    m = observed.reshape(-1, t).astype(np.float64)
    x = _design(q, seasonal)
    usable = (m.sum(1) >= max(min_points, x.shape[1] + 2)) & ((y2 * m).sum(1) > 0)
    if family == "binomial":
        usable &= ((e2 - y2) * m).sum(1) > 0
    m[~usable] = 0.0
    mu, a = _glm(y2, e2, m, x, family)
    cv, rho, kept, info = _pool(_project(y2 - mu, a, m, x), usable, batch, s, fence)
    return NoiseFit(
        cv=cv,
        rho=rho,
        series=kept.sum(-1),
        points=(m.reshape(*batch, s, t) * kept[..., None]).sum((-2, -1)),
        information=info,
    )


def fitted_means(
    events: np.ndarray,
    exposure: np.ndarray,
    quarters: np.ndarray,
    *,
    family: str = "poisson",
    seasonal: bool = True,
) -> np.ndarray:
    """Each series' GLM fit that `fit_trend_noise` removes: the fitted counts (..., T) of a
    Poisson (log link, log exposure as offset) or binomial (logit link, exposure the trials)
    GLM on an intercept, years and (`seasonal`, with 8 quarters or more) quarter-of-year
    indicators; NaN where a count is missing."""
    y = np.asarray(events, dtype=np.float64)
    e = np.broadcast_to(np.asarray(exposure, dtype=np.float64), y.shape)
    observed = np.isfinite(y) & np.isfinite(e) & (e > 0)
    n = y.shape[-1]
    m = observed.reshape(-1, n).astype(np.float64)
    mu, _ = _glm(
        np.where(observed, y, 0.0).reshape(-1, n),
        np.where(observed, e, 1.0).reshape(-1, n),
        m,
        _design(np.asarray(quarters, dtype=np.int64), seasonal),
        family,
    )
    return np.where(observed, mu.reshape(y.shape), np.nan)


def _blocks(
    y: np.ndarray, e: np.ndarray, q: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Series of `size` consecutive quarters ending at the last: (..., S * blocks, size); the
    first block padded at its start with missing quarters."""
    if size < 6:
        raise ValueError(f"block_quarters must be at least 6, got {size}")
    n = -(-y.shape[-1] // size)
    pad = n * size - y.shape[-1]
    widths = [(0, 0)] * (y.ndim - 1) + [(pad, 0)]
    y = np.pad(y, widths, constant_values=np.nan)
    e = np.pad(e, widths, constant_values=1.0)
    shape = (*y.shape[:-2], y.shape[-2] * n, size)
    # Blocks of a multiple of 4 quarters share their quarters of the year; otherwise the last
    # block's phase stands for all, which only relabels the seasonal indicators.
    return y.reshape(shape), e.reshape(shape), q[-size:]


def _design(q: np.ndarray, seasonal: bool) -> np.ndarray:
    years = (q - (q.min() + q.max()) / 2) / 4
    columns = [np.ones(len(q)), years]
    if seasonal and len(q) >= 8:
        of_year = q % 4
        columns += [(of_year == k).astype(np.float64) for k in sorted(set(of_year.tolist()))[1:]]
    return np.column_stack(columns)


def _glm(
    y: np.ndarray, e: np.ndarray, m: np.ndarray, x: np.ndarray, family: str
) -> tuple[np.ndarray, np.ndarray]:
    """Fitted means and variance functions of each series' GLM (Fisher scoring, weights m).

    A tiny ridge on the non-intercept terms keeps a quarter of the year with no events in any
    year (separation) finite; its fitted mean is then about zero and carries no weight."""
    k = x.shape[1]
    ridge = np.diag([1e-9] + [1e-6] * (k - 1))
    beta = np.zeros((len(y), k))
    total = np.clip((y * m).sum(1), 0.5, None) / np.where(m.sum(1) > 0, (e * m).sum(1), 1.0)
    if family == "poisson":
        beta[:, 0] = np.log(total)
    else:
        share = np.clip(total, 1e-6, 1 - 1e-6)
        beta[:, 0] = np.log(share / (1 - share))
    for _ in range(60):
        eta = np.clip(beta @ x.T, -30, 30)
        if family == "poisson":
            mu = e * np.exp(eta)
            a = mu
        else:
            p = 1 / (1 + np.exp(-eta))
            mu, a = e * p, e * p * (1 - p)
        info = (
            np.einsum("bt,tj,tk->bjk", a * m, x, x) + ridge * np.maximum(a.sum(1), 1)[:, None, None]
        )
        score = np.einsum("bt,tj->bj", (y - mu) * m, x)
        step = np.linalg.solve(info, score[..., None])[..., 0]
        beta = beta + np.clip(step, -5, 5)
        if np.all(np.abs(step) < 1e-10):
            break
    eta = np.clip(beta @ x.T, -30, 30)
    if family == "poisson":
        mu = e * np.exp(eta)
        return mu, mu
    p = 1 / (1 + np.exp(-eta))
    return e * p, e * p * (1 - p)


@dataclass(frozen=True)
class _Projection:
    """Per series: the relative residuals and what the detrending makes of the noise.

    To first order r = A eps, eps the noise (covariance diag(a) + cv^2 diag(a) R diag(a)), so
    u = r / a = B eps' with B = diag(m) (I - X (X' W X)^-1 X' W) diag(m), W = diag(m a) and
    eps' = eps / a (covariance diag(1/a) + cv^2 R): E[u u'] = B diag(1/a) B' + cv^2 B R B',
    and B R B' = sum over lags l of rho^l B L_l B' (L_l: the pairs of quarters l apart).
    """

    u: np.ndarray  # (B, T) relative residuals (0 where not observed)
    m: np.ndarray  # (B, T) observed
    inv_a: np.ndarray  # (B, T) 1 / a (0 where not observed)
    poisson_diag: np.ndarray  # (B, T) diagonal of B diag(1/a) B'
    poisson_next: np.ndarray  # (B, T - 1) its first off-diagonal
    lag_diag: np.ndarray  # (B, L, T) diagonal of B L_l B'
    lag_next: np.ndarray  # (B, L, T - 1) its first off-diagonal


def _project(r: np.ndarray, a: np.ndarray, m: np.ndarray, x: np.ndarray) -> _Projection:
    safe = np.where(m > 0, np.maximum(a, 1e-12), 1.0)
    w_obs = m * safe
    info = np.einsum("bt,tj,tk->bjk", w_obs, x, x) + np.eye(x.shape[1]) * 1e-12
    hat = np.einsum("tj,bjk,sk->bts", x, np.linalg.inv(info), x) * w_obs[:, None, :]
    b = (np.eye(len(x))[None] - hat) * m[:, :, None] * m[:, None, :]
    inv_a = m / safe
    g0 = np.einsum("bts,bs,bus->btu", b, inv_a, b)
    n = b.shape[1]
    diag, after = [], []
    for lag in range(n):
        left, right = b[:, :, : n - lag], b[:, :, lag:]
        d = (left * right).sum(-1)
        nxt = (left[:, :-1] * right[:, 1:]).sum(-1) + (right[:, :-1] * left[:, 1:]).sum(-1)
        diag.append(d if lag == 0 else 2 * d)
        after.append(nxt / 2 if lag == 0 else nxt)
    return _Projection(
        u=np.where(m > 0, r / safe, 0.0),
        m=m,
        inv_a=inv_a,
        poisson_diag=np.einsum("btt->bt", g0),
        poisson_next=g0[:, :-1, 1:].diagonal(axis1=1, axis2=2),
        lag_diag=np.stack(diag, axis=1),
        lag_next=np.stack(after, axis=1),
    )


@dataclass(frozen=True)
class _Moments:
    """Per series: the weighted moments beyond their Poisson expectation, and the coefficients
    of their expectation under the quarter effect: E = cv^2 * sum_l rho^l lags[l]."""

    square: np.ndarray  # (B,)
    square_lags: np.ndarray  # (B, L)
    product: np.ndarray  # (B,)
    product_lags: np.ndarray  # (B, L)


def _moments(p: _Projection, cv2: np.ndarray, rho: np.ndarray, cap: float) -> _Moments:
    """Weights 1 / (1/a + cv^2)^2 (squares) and 1 / ((1/a_t + cv^2)(1/a_t+1 + cv^2)) (products)
    at the pilot values `cv2`, `rho` (B,); each point capped at POINT_CAP times its expectation
    there."""
    c = cv2[:, None]
    powers = rho[:, None] ** np.arange(p.lag_diag.shape[1])[None, :]
    pair = p.m[:, :-1] * p.m[:, 1:]
    var = p.inv_a + c
    w = p.m / np.where(p.m > 0, var, 1.0) ** 2
    w1 = pair / np.where(pair > 0, var[:, :-1] * var[:, 1:], 1.0)
    expected = p.poisson_diag + c * np.einsum("bl,blt->bt", powers, p.lag_diag)
    with np.errstate(invalid="ignore"):
        bound = np.where(p.m > 0, np.sqrt(cap * np.maximum(expected, 0)), 0.0)
    u = np.clip(p.u, -bound, bound)
    squares, products = u**2, u[:, :-1] * u[:, 1:]
    return _Moments(
        square=(w * (squares - p.poisson_diag)).sum(1),
        square_lags=np.einsum("bt,blt->bl", w, p.lag_diag),
        product=(w1 * (products - p.poisson_next)).sum(1),
        product_lags=np.einsum("bt,blt->bl", w1, p.lag_next),
    )


def _solve(mo: _Moments, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooled (cv^2, rho, the pooled denominator) over the kept series of each panel.

    rho makes the pooled ratio of the product moment to the square moment equal its
    expectation's (a function of rho alone); cv^2 is then the square moment over its
    expectation's coefficient."""
    k = keep.astype(np.float64)
    sq = (mo.square * k).sum(-1)
    pr = (mo.product * k).sum(-1)
    sq_l = (mo.square_lags * k[..., None]).sum(-2)
    pr_l = (mo.product_lags * k[..., None]).sum(-2)
    powers = _RHO_GRID[:, None] ** np.arange(sq_l.shape[-1])[None, :]  # (G, L)
    k0 = sq_l @ powers.T  # (P, G)
    k1 = pr_l @ powers.T
    with np.errstate(invalid="ignore", divide="ignore"):
        target = np.nan_to_num(pr / sq)
        ratio = np.nan_to_num(k1 / k0, nan=np.inf)
    # the grid point whose expected ratio is nearest the observed one (the ratio rises with
    # rho, so a ratio beyond the grid's lands on a bound)
    nearest = np.argmin(np.abs(ratio - target[:, None]), axis=1)
    rho = _RHO_GRID[nearest]
    denominator = k0[np.arange(len(rho)), nearest]
    with np.errstate(invalid="ignore", divide="ignore"):
        cv2 = np.where(denominator > 0, sq / denominator, np.nan)
    return cv2, rho, denominator


def _pool(
    p: _Projection, usable: np.ndarray, batch: tuple[int, ...], s: int, fence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    panels = int(np.prod(batch)) if batch else 1
    keep = usable.reshape(panels, s)
    # The pilot for the weights and caps starts high (cv 20%: a cap too tight would bias the
    # first estimate down) and follows the estimate; every pass is capped, so that one
    # exceptional quarter cannot inflate the pilot and thereby escape its cap.
    cv2 = np.full(panels, 0.04)
    rho = np.full(panels, 0.5)
    for _ in range(PASSES):
        pilot_cv2 = np.repeat(np.clip(np.nan_to_num(cv2, nan=0.04), 1e-4, 0.25), s)
        pilot_rho = np.repeat(np.nan_to_num(rho, nan=0.5), s)
        flat = _moments(p, pilot_cv2, pilot_rho, POINT_CAP)
        mo = _Moments(
            square=flat.square.reshape(panels, s),
            square_lags=flat.square_lags.reshape(panels, s, -1),
            product=flat.product.reshape(panels, s),
            product_lags=flat.product_lags.reshape(panels, s, -1),
        )
        cv2, rho, _ = _solve(mo, usable.reshape(panels, s))
        keep = _fenced(mo, usable.reshape(panels, s), rho, fence)
        cv2, rho, denominator = _solve(mo, keep)
    cv = np.sqrt(np.clip(cv2, 0, None))
    none = keep.sum(-1) == 0
    cv = np.where(none, np.nan, np.clip(cv, *CV_BOUNDS))
    rho = np.where(none | (cv == 0), np.where(none, np.nan, 0.0), np.clip(rho, *RHO_BOUNDS))
    shape = batch if batch else ()
    return (
        cv.reshape(shape),
        rho.reshape(shape),
        keep.reshape(*shape, s),
        denominator.reshape(shape),
    )


def _fenced(mo: _Moments, usable: np.ndarray, rho: np.ndarray, fence: float) -> np.ndarray:
    """The usable series whose own cv^2 (at the pooled rho) is inside Tukey's fences: the
    weighted quartiles -+ `fence` times the interquartile range, the weights each series' share
    of the pooled expectation. A series far outside (a force whose recording changed, a broken
    boundary) is left out; ordinary series, whose own estimates are skewed but not that far
    out, are kept, so that leaving out does not bias the pooled estimate down as trimming a
    fixed share of each tail would."""
    if not np.isfinite(fence):
        return usable
    powers = np.nan_to_num(rho, nan=0.5)[:, None] ** np.arange(mo.square_lags.shape[-1])[None, :]
    weight = np.einsum("psl,pl->ps", mo.square_lags, powers) * usable
    with np.errstate(invalid="ignore", divide="ignore"):
        own = np.where(weight > 0, mo.square / weight, np.nan)
    order = np.argsort(np.where(weight > 0, own, np.inf), axis=1)
    w_sorted = np.take_along_axis(np.where(weight > 0, weight, 0.0), order, axis=1)
    o_sorted = np.take_along_axis(own, order, axis=1)
    # the share of the weight up to and including each series (1 at the last weighted one)
    share = np.cumsum(w_sorted, axis=1) / np.maximum(w_sorted.sum(1, keepdims=True), 1e-300)

    def quantile(level: float) -> np.ndarray:
        at = np.argmax(share >= level, axis=1)
        return o_sorted[np.arange(len(at)), at]

    q1, q3 = quantile(0.25), quantile(0.75)
    spread = fence * (q3 - q1)
    with np.errstate(invalid="ignore"):
        inside = (own >= (q1 - spread)[:, None]) & (own <= (q3 + spread)[:, None])
    return usable & (inside | ~(weight > 0))
