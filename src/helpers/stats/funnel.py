"""Funnel plots: where a force's crime rate stands among all forces of England and Wales.

The MSG rank places a force in its group of eight; a funnel plot says whether it is *unusual*.
Each force's 12-month rate is drawn against its population (or households), around the England
and Wales rate, with the limits within which a force with the England and Wales rate would fall
95% and 99.8% of the time by chance alone. The limits narrow as the population grows.

Method (Spiegelhalter, "Funnel plots for comparing institutional performance", Statistics in
Medicine 2005; 24: 1185-1202; and "Handling over-dispersion of performance indicators", Quality
and Safety in Health Care 2005; 14: 347-351), the one FunnelPlotR implements:

* Target: the England and Wales rate θ0 (every force's offences over every force's residents).
  A force with population n then expects E = θ0·n offences.
* Pure chance (Poisson) limits: the exact Poisson quantiles of Poisson(E), interpolated so that
  the limits are smooth in n (Spiegelhalter 2005, appendix A.1.1): with r the smallest count whose
  cumulative probability F(r) reaches p, the limit is (r - a) / n with a = (F(r) - p) /
  (F(r) - F(r - 1)). Exact rather than normal: at the small expected counts of rare offences
  (homicide in a small force) a normal approximation is too narrow on the low side.
* Overdispersion: recorded crime varies between forces far more than Poisson chance allows
  (recording practice, demography, geography): with pure Poisson limits most forces fall outside
  them. It is estimated from the data on the square-root scale, where Poisson counts have a
  variance that does not depend on their mean (and which, unlike the log scale, holds a count of
  zero): z = 2(√O - √E), standard error s = 1 / (2√E) of y = √(O/E) around 1. The z-scores are
  winsorised at 10% and 90% (the values beyond are set to those percentiles, so that a few
  extreme forces do not inflate the estimate) and φ = mean(z_w²). There is overdispersion when
  n·φ > n - 1.
  - additive random effects (the default, and FunnelPlotR's): a between-force variance
    τ² = (n·φ - (n - 1)) / (Σw - Σw² / Σw), w = 1/s² (DerSimonian and Laird's moment estimator),
    and limits θ0·(1 ± z·√(s² + τ²))². For a large force the limits stop narrowing at θ0·(1 ± zτ)²:
    between-force differences do not shrink with a force's size, so the largest forces are not
    flagged for variation that every force has.
  - multiplicative: limits θ0·(1 ± z·√φ·s)², every force's sampling variance scaled by φ. With
    φ in the hundreds this widens the limits of small forces absurdly and still flags the large.
  - none: pure Poisson limits.
  Without overdispersion (n·φ ≤ n - 1) the pure Poisson limits are drawn whatever the setting.
  An adjusted limit is never narrower than the exact Poisson one: on each side the wider of the
  two is drawn. Where expected counts are small (a few homicides a year), the normal limits on
  the square-root scale fall inside the exact Poisson limits on the low side, and a force could
  otherwise be "below the 95% limit" only because of the adjustment that was meant to widen them.

`funnel_analysis` gives a `FunnelResult`; `funnel_table` its tidy table (for the spreadsheet).
Everything here is pure: no files, no plotting (`charts.funnel_chart` draws it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm, poisson

from helpers.core.forces import ENGLAND_AND_WALES

OVERDISPERSION_METHODS = ("additive", "multiplicative", "none")
DEFAULT_METHOD = "additive"
DEFAULT_WINSORISE = 0.1
# The two limits drawn: about 2 and 3 standard deviations (Spiegelhalter; PHE; FunnelPlotR).
CONFIDENCE_LEVELS = (0.95, 0.998)
PER = 1000.0

# A force's position, from the top of the plot to the bottom.
# Short, because they fill a column of a 43-row table in print (`funnel_table`, "Position").
ABOVE_998 = "Above 99.8%"
ABOVE_95 = "Above 95%"
WITHIN = "Within 95%"
BELOW_95 = "Below 95%"
BELOW_998 = "Below 99.8%"
POSITIONS = (ABOVE_998, ABOVE_95, WITHIN, BELOW_95, BELOW_998)

ROLE_FORCE = "force"
ROLE_GROUP = "msg"
ROLE_OTHER = "other"


class FunnelError(ValueError):
    """The data cannot make a funnel plot (no target, too few forces, a bad setting)."""


# ----- the pieces, each checked against independent values in tests/test_funnel.py ------------
def z_score(wanted: float) -> float:
    """The two-sided normal quantile for a confidence level: 1.959964 at 0.95, 3.090232 at 0.998."""
    if not 0 < wanted < 1:
        raise FunnelError(f"a confidence level is between 0 and 1, got {wanted}")
    return float(norm.ppf(1 - (1 - wanted) / 2))


def poisson_limit_counts(expected: np.ndarray | float, p: float) -> np.ndarray:
    """The interpolated p-quantile of Poisson(`expected`): Spiegelhalter 2005, appendix A.1.1.

    r is the smallest count with F(r) >= p; the limit is r - (F(r) - p) / (F(r) - F(r - 1)), a
    count that moves smoothly with `expected`. Returns counts (divide by the denominator for a
    rate). The interpolation below the first count goes under zero: limits are at least 0.
    """
    mean = np.asarray(expected, dtype=float)
    r = poisson.ppf(p, mean)
    upper = poisson.cdf(r, mean)
    lower = poisson.cdf(r - 1, mean)
    step = upper - lower
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(step > 0, (upper - p) / step, 0.0)
    return np.where(mean > 0, np.maximum(r - a, 0.0), 0.0)


def sqrt_z_scores(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """z = (√(O/E) - 1) / (1 / (2√E)) = 2(√O - √E): Poisson counts on their variance-stabilising
    scale (Spiegelhalter 2005, "Handling over-dispersion", table 1)."""
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    return 2 * (np.sqrt(o) - np.sqrt(e))


def winsorise(z: np.ndarray, fraction: float = DEFAULT_WINSORISE) -> np.ndarray:
    """z with the values below its `fraction` quantile set to that quantile and those above its
    1 - `fraction` quantile set to that one (quantiles interpolated linearly, R's type 7, as in
    FunnelPlotR)."""
    if not 0 <= fraction < 0.5:
        raise FunnelError(f"winsorise between 0 and 0.5 (e.g. 0.1), got {fraction}")
    values = np.asarray(z, dtype=float)
    low, high = np.quantile(values, [fraction, 1 - fraction])
    return np.clip(values, low, high)


def dispersion_ratio(winsorised_z: np.ndarray) -> float:
    """φ = mean of the squared (winsorised) z-scores: 1 for pure Poisson variation."""
    values = np.asarray(winsorised_z, dtype=float)
    return float(np.mean(values**2))


def between_variance(phi: float, weights: np.ndarray) -> float:
    """τ² = (nφ - (n - 1)) / (Σw - Σw²/Σw), w = 1/s²; 0 when nφ <= n - 1 (no overdispersion)."""
    w = np.asarray(weights, dtype=float)
    n = len(w)
    if n * phi <= n - 1:
        return 0.0
    return float((n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))


@dataclass(frozen=True)
class Overdispersion:
    """The overdispersion estimated from `n` forces and the adjustment the limits carry.

    `phi` is φ (winsorised); `tau2` the estimated τ² on the square-root scale (used only by the
    additive adjustment); `detected` is nφ > n - 1; `requested` the setting and `method` the
    adjustment applied ("none" when none is: not detected, or not wanted).
    """

    requested: str
    method: str
    n: int
    phi: float
    tau2: float
    winsorise: float

    @property
    def detected(self) -> bool:
        return self.n * self.phi > self.n - 1

    @property
    def adjusted(self) -> bool:
        return self.method != "none"

    def describe(self) -> str:
        """One sentence for a reader: what was estimated and what it did to the limits."""
        wider = " Where the exact Poisson limit is wider (small expected counts), it is drawn."
        if self.method == "additive":
            return (
                f"Limits allow for overdispersion between forces (additive random effects, "
                f"τ = {math.sqrt(self.tau2):.3f} on the square-root scale; φ = {self.phi:.1f})."
                + wider
            )
        if self.method == "multiplicative":
            return (
                f"Limits allow for overdispersion between forces (multiplicative, "
                f"φ = {self.phi:.1f})." + wider
            )
        if self.requested != "none" and not self.detected:
            return (
                f"No overdispersion between forces (φ = {self.phi:.2f}): the limits are exact "
                "Poisson limits."
            )
        return "The limits are exact Poisson limits, with no allowance for overdispersion."


def estimate_overdispersion(
    observed: np.ndarray,
    expected: np.ndarray,
    *,
    method: str = DEFAULT_METHOD,
    winsorise_by: float = DEFAULT_WINSORISE,
) -> Overdispersion:
    """φ and τ² from the forces' counts and expected counts, and the adjustment to apply."""
    if method not in OVERDISPERSION_METHODS:
        raise FunnelError(
            f"overdispersion method '{method}' is not one of {', '.join(OVERDISPERSION_METHODS)}"
        )
    e = np.asarray(expected, dtype=float)
    z = sqrt_z_scores(observed, e)
    phi = dispersion_ratio(winsorise(z, winsorise_by))
    weights = 4 * e  # 1 / s², s = 1 / (2√E)
    tau2 = between_variance(phi, weights)
    n = len(e)
    applied = method if (n * phi > n - 1 and method != "none") else "none"
    if applied == "multiplicative" and phi <= 1:
        applied = "none"  # φ in ((n-1)/n, 1]: scaling by it would narrow the limits
    return Overdispersion(
        requested=method,
        method=applied,
        n=n,
        phi=phi,
        tau2=tau2,
        winsorise=winsorise_by,
    )


def funnel_limits(
    denominator: np.ndarray | float,
    target_rate: float,
    confidence: float,
    overdispersion: Overdispersion | None = None,
    per: float = PER,
) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) limits of the rate per `per` at each denominator.

    `target_rate` is per `per` (the England and Wales rate). Without an adjustment: exact
    Poisson limits; additive: θ0(1 ± z√(s² + τ²))²; multiplicative: θ0(1 ± z√φ·s)², with
    s = 1/(2√E), the lower limit no lower than 0. An adjusted limit is never narrower than the
    exact Poisson one: each side is the wider of the two (`exact_limits_wider` says where).
    """
    low, high = exact_poisson_limits(denominator, target_rate, confidence, per)
    method = overdispersion.method if overdispersion is not None else "none"
    if method == "none":
        return low, high
    assert overdispersion is not None
    adjusted_low, adjusted_high = adjusted_limits(
        denominator, target_rate, confidence, overdispersion, per
    )
    return np.minimum(low, adjusted_low), np.maximum(high, adjusted_high)


def exact_poisson_limits(
    denominator: np.ndarray | float, target_rate: float, confidence: float, per: float = PER
) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) exact Poisson limits of the rate per `per`: the interpolated quantiles of
    the count a force of that size would have at `target_rate`, divided by its size."""
    n = np.asarray(denominator, dtype=float)
    expected = target_rate / per * n
    tail = (1 - confidence) / 2
    low = poisson_limit_counts(expected, tail) / n * per
    high = poisson_limit_counts(expected, 1 - tail) / n * per
    return low, high


def exact_limits_wider(
    denominator: np.ndarray | float,
    target_rate: float,
    confidence: float,
    overdispersion: Overdispersion | None,
    per: float = PER,
) -> tuple[np.ndarray, np.ndarray]:
    """Where the exact Poisson limit is wider than the overdispersed one, so that it is the
    limit drawn: (lower side, upper side) as booleans. Small expected counts (homicide in a
    small force) are where the normal approximation on the square-root scale runs narrow."""
    n = np.asarray(denominator, dtype=float)
    if overdispersion is None or overdispersion.method == "none":
        return np.zeros(n.shape, dtype=bool), np.zeros(n.shape, dtype=bool)
    low, high = exact_poisson_limits(n, target_rate, confidence, per)
    adjusted_low, adjusted_high = adjusted_limits(n, target_rate, confidence, overdispersion, per)
    return low < adjusted_low, high > adjusted_high


def adjusted_limits(
    denominator: np.ndarray | float,
    target_rate: float,
    confidence: float,
    overdispersion: Overdispersion,
    per: float = PER,
) -> tuple[np.ndarray, np.ndarray]:
    """The overdispersed limits alone, before the exact Poisson limits are laid beside them:
    additive θ0(1 ± z√(s² + τ²))², multiplicative θ0(1 ± z√φ·s)², s = 1/(2√E)."""
    if overdispersion.method == "none":
        return exact_poisson_limits(denominator, target_rate, confidence, per)
    n = np.asarray(denominator, dtype=float)
    expected = target_rate / per * n
    z = z_score(confidence)
    s2 = 1 / (4 * expected)
    if overdispersion.method == "additive":
        sd = np.sqrt(s2 + overdispersion.tau2)
    else:
        sd = np.sqrt(overdispersion.phi * s2)
    low = target_rate * np.maximum(1 - z * sd, 0.0) ** 2
    high = target_rate * (1 + z * sd) ** 2
    return low, high


def position(rate: float, low95: float, high95: float, low998: float, high998: float) -> str:
    """Where a rate falls against the limits at its own denominator (a point on a limit is
    inside it)."""
    if rate > high998:
        return ABOVE_998
    if rate > high95:
        return ABOVE_95
    if rate < low998:
        return BELOW_998
    if rate < low95:
        return BELOW_95
    return WITHIN


# ----- one measure, every force ----------------------------------------------------------------
@dataclass
class FunnelResult:
    """A measure's funnel plot: every force's point, the limits and how they were made.

    `points`: one row per force plotted, columns force, role ("force", "msg", "other"), count,
    denominator, rate, expected, z (unadjusted, square-root scale), lower_95, upper_95,
    lower_998, upper_998 (the limits at the force's own denominator), exact_limit (True where
    one of those four is the exact Poisson limit, wider there than the overdispersed one) and
    position.
    `left_out`: (force, reason) of forces with no figure. `target` is the centre line (rate per
    1,000); `target_label` says what it is.
    """

    measure_id: str
    title: str
    unit: str
    force: str
    period_label: str
    target: float
    target_label: str
    overdispersion: Overdispersion
    points: pd.DataFrame
    left_out: list[tuple[str, str]] = field(default_factory=list)

    @property
    def denominator_name(self) -> str:
        return "households" if self.unit == "rate_per_1000_households" else "residents"

    def force_row(self) -> pd.Series | None:
        mine = self.points[self.points["force"] == self.force]
        return None if mine.empty else mine.iloc[0]

    def outside(self, level: float = 0.998) -> pd.DataFrame:
        """The forces outside the `level` limits (0.95 or 0.998)."""
        if level == 0.998:
            wanted = (ABOVE_998, BELOW_998)
        elif level == 0.95:
            wanted = (ABOVE_998, ABOVE_95, BELOW_95, BELOW_998)
        else:
            raise FunnelError(f"limits are drawn at 0.95 and 0.998, not {level}")
        return self.points[self.points["position"].isin(wanted)]

    def limit_curves(
        self, n_points: int = 200, span: tuple[float, float] | None = None
    ) -> pd.DataFrame:
        """The limits over a range of denominators (log-spaced), for drawing: `span`, or from
        just below the smallest force to just above the largest."""
        if span is None:
            low, high = self.points["denominator"].min(), self.points["denominator"].max()
            span = (low * 0.8, high * 1.25)
        grid = np.geomspace(span[0], span[1], n_points)
        out = {"denominator": grid}
        for level, name in zip(CONFIDENCE_LEVELS, ("95", "998"), strict=True):
            lower, upper = funnel_limits(grid, self.target, level, self.overdispersion)
            out[f"lower_{name}"], out[f"upper_{name}"] = lower, upper
        return pd.DataFrame(out)


def funnel_analysis(
    at_quarter: pd.DataFrame,
    *,
    measure_id: str,
    title: str,
    unit: str,
    force: str,
    group: Iterable[str] = (),
    period_label: str = "",
    method: str = DEFAULT_METHOD,
    winsorise_by: float = DEFAULT_WINSORISE,
) -> FunnelResult:
    """The funnel plot of one rate measure at one period.

    `at_quarter`: every force's row at the period from `measures.all_forces_series` (columns
    force, count, denominator, value; an England and Wales row gives the target). A force with a
    missing count or denominator, a negative count or no population is left out and named. When
    the England and Wales row is missing (a national total is missing whenever one force is),
    the target is the pooled rate of the forces plotted, and `target_label` says so.
    """
    if unit not in ("rate_per_1000", "rate_per_1000_households"):
        raise FunnelError(f"measure '{measure_id}': funnel plots are for rates, not '{unit}'")
    frame = at_quarter[["force", "count", "denominator"]].copy()
    national = frame[frame["force"] == ENGLAND_AND_WALES]
    forces = frame[frame["force"] != ENGLAND_AND_WALES]
    if forces["force"].duplicated().any():
        dup = sorted(set(forces.loc[forces["force"].duplicated(), "force"]))
        raise FunnelError(f"measure '{measure_id}': more than one row for {', '.join(dup)}")
    left_out: list[tuple[str, str]] = []
    keep = []
    for row in forces.itertuples(index=False):
        if pd.isna(row.count):
            left_out.append((row.force, "no figure for the period"))
        elif pd.isna(row.denominator) or row.denominator <= 0:
            left_out.append((row.force, "no population estimate"))
        elif row.count < 0:
            left_out.append((row.force, "a negative 12-month total"))
        else:
            keep.append(row.force)
    plotted = forces[forces["force"].isin(keep)].reset_index(drop=True)
    if len(plotted) < 3:
        raise FunnelError(
            f"measure '{measure_id}': {len(plotted)} forces with figures; a funnel plot needs 3"
        )
    nat_count = national["count"].iloc[0] if not national.empty else math.nan
    nat_den = national["denominator"].iloc[0] if not national.empty else math.nan
    if pd.notna(nat_count) and pd.notna(nat_den) and nat_den > 0 and nat_count > 0:
        target = float(nat_count / nat_den * PER)
        target_label = f"{ENGLAND_AND_WALES} rate"
    else:
        target = float(plotted["count"].sum() / plotted["denominator"].sum() * PER)
        target_label = f"rate of the {len(plotted)} forces with figures"
    if not target > 0:
        raise FunnelError(f"measure '{measure_id}': no offences anywhere, nothing to compare")

    count = plotted["count"].to_numpy(dtype=float)
    denominator = plotted["denominator"].to_numpy(dtype=float)
    expected = target / PER * denominator
    od = estimate_overdispersion(count, expected, method=method, winsorise_by=winsorise_by)
    rate = count / denominator * PER
    limits = {}
    exact = np.zeros(len(denominator), dtype=bool)
    for level, name in zip(CONFIDENCE_LEVELS, ("95", "998"), strict=True):
        limits[f"lower_{name}"], limits[f"upper_{name}"] = funnel_limits(
            denominator, target, level, od
        )
        exact |= np.logical_or(*exact_limits_wider(denominator, target, level, od))
    members = set(group)
    points = pd.DataFrame(
        {
            "force": plotted["force"].to_numpy(),
            "role": [
                ROLE_FORCE if f == force else ROLE_GROUP if f in members else ROLE_OTHER
                for f in plotted["force"]
            ],
            "count": count,
            "denominator": denominator,
            "rate": rate,
            "expected": expected,
            "z": sqrt_z_scores(count, expected),
            **limits,
            "exact_limit": exact,
        }
    )
    points["position"] = [
        position(r.rate, r.lower_95, r.upper_95, r.lower_998, r.upper_998)
        for r in points.itertuples(index=False)
    ]
    return FunnelResult(
        measure_id=measure_id,
        title=title,
        unit=unit,
        force=force,
        period_label=period_label,
        target=target,
        target_label=target_label,
        overdispersion=od,
        points=points.sort_values("denominator").reset_index(drop=True),
        left_out=left_out,
    )


# ----- the tidy table (for the spreadsheet and the page's data table) ---------------------------
def funnel_table(result: FunnelResult) -> pd.DataFrame:
    """One row per force plotted: human headers, numbers unformatted, in population order.

    "Group" is "This force", "MSG" (its most similar group) or "Other"; "Against the limits" is
    one of `POSITIONS` ("Above 99.8%": above the upper 99.8% limit, ... "Within 95%").

    `.attrs["title"]` is the table's title and `.attrs["units"]` maps each column to its unit
    (None for text), so that a spreadsheet writer can label the columns; `.attrs["notes"]` holds
    the method sentence and the forces left out.
    """
    p = result.points
    den = "Households" if result.denominator_name == "households" else "Population"
    rate = f"Rate per 1,000 {result.denominator_name}"
    role = {ROLE_FORCE: "This force", ROLE_GROUP: "MSG", ROLE_OTHER: "Other"}
    table = pd.DataFrame(
        {
            "Force": p["force"].to_numpy(),
            "Group": [role[r] for r in p["role"]],
            "Offences (12 months)": p["count"].to_numpy(),
            den: p["denominator"].to_numpy(),
            rate: p["rate"].to_numpy(),
            "Lower 99.8% limit": p["lower_998"].to_numpy(),
            "Lower 95% limit": p["lower_95"].to_numpy(),
            "Upper 95% limit": p["upper_95"].to_numpy(),
            "Upper 99.8% limit": p["upper_998"].to_numpy(),
            "Against the limits": p["position"].to_numpy(),
        }
    )
    table.attrs["title"] = (
        f"{result.title}: every force against the {result.target_label} "
        f"({result.target:.4g} per 1,000 {result.denominator_name})"
        + (f", {result.period_label}" if result.period_label else "")
    )
    table.attrs["units"] = {
        "Force": None,
        "Group": None,
        "Offences (12 months)": "count",
        den: "count",
        rate: result.unit,
        "Lower 99.8% limit": result.unit,
        "Lower 95% limit": result.unit,
        "Upper 95% limit": result.unit,
        "Upper 99.8% limit": result.unit,
        "Against the limits": None,
    }
    table.attrs["notes"] = [result.overdispersion.describe(), *left_out_sentences(result)]
    return table


def left_out_sentences(result: FunnelResult) -> list[str]:
    if not result.left_out:
        return []
    names = [f"{force} ({why})" for force, why in result.left_out]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    verb = "is" if len(names) == 1 else "are"
    return [f"{joined} {verb} left out of the funnel plot."]


def names(forces: Sequence[str]) -> str:
    forces = list(forces)
    if not forces:
        return ""
    return forces[0] if len(forces) == 1 else ", ".join(forces[:-1]) + " and " + forces[-1]
