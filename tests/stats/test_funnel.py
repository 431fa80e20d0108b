"""Funnel plot statistics (helpers.stats.funnel) against values computed by other routes.

Reference values come from:
* hand arithmetic written out in the tests (winsorising ten z-scores; τ² for ten weights);
* scipy.stats.poisson evaluated point by point, the quantile found by a plain search up the
  cumulative distribution (not `poisson.ppf`, which the module uses);
* the exact Poisson test: a count below the lower limit is one whose lower tail probability is
  under the tail, whatever the interpolation;
* a scalar transcription of Spiegelhalter's formulas (math and statistics only, R's type-7
  quantile written out) applied to the data of FunnelPlotR's own tests
  (tests/testthat/test-funnel_plot.R: numerators 100, 150, 180, 80, 120, 225 over expected
  108, 112, 165, 95, 100, 220);
* a simulation from the additive random-effects model, whose τ² the estimator must recover.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from helpers.core.forces import ENGLAND_AND_WALES
from helpers.stats.funnel import (
    ABOVE_95,
    ABOVE_998,
    BELOW_95,
    BELOW_998,
    WITHIN,
    FunnelError,
    adjusted_limits,
    between_variance,
    dispersion_ratio,
    estimate_overdispersion,
    exact_limits_wider,
    funnel_analysis,
    funnel_limits,
    funnel_table,
    poisson_limit_counts,
    position,
    sqrt_z_scores,
    winsorise,
    z_score,
)

FUNNELPLOTR_O = [100, 150, 180, 80, 120, 225]
FUNNELPLOTR_E = [108, 112, 165, 95, 100, 220]


# ----- an independent, scalar route ---------------------------------------------------------
def _quantile_by_search(mean: float, p: float) -> float:
    """Spiegelhalter 2005, A.1.1, by walking up the Poisson distribution one count at a time."""
    r = 0
    while poisson.cdf(r, mean) < p:
        r += 1
    f_r = poisson.cdf(r, mean)
    f_before = poisson.cdf(r - 1, mean) if r > 0 else 0.0
    return max(r - (f_r - p) / (f_r - f_before), 0.0)


def _type7_quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


def _scalar_overdispersion(observed: list[float], expected: list[float], fraction: float):
    z = [2 * (math.sqrt(o) - math.sqrt(e)) for o, e in zip(observed, expected, strict=True)]
    low, high = _type7_quantile(z, fraction), _type7_quantile(z, 1 - fraction)
    zw = [min(max(v, low), high) for v in z]
    n = len(z)
    phi = sum(v * v for v in zw) / n
    w = [4 * e for e in expected]  # 1 / s^2 with s = 1 / (2 sqrt(E))
    if n * phi <= n - 1:
        return phi, 0.0
    tau2 = (n * phi - (n - 1)) / (sum(w) - sum(x * x for x in w) / sum(w))
    return phi, tau2


# ----- exact Poisson limits --------------------------------------------------------------------
@pytest.mark.parametrize("mean", [0.3, 1.0, 4.2, 15.0, 20.0, 30.0, 187.5, 5230.0])
@pytest.mark.parametrize("p", [0.001, 0.025, 0.975, 0.999])
def test_poisson_limits_are_spiegelhalters_interpolated_quantiles(mean, p):
    assert poisson_limit_counts(mean, p) == pytest.approx(_quantile_by_search(mean, p), abs=1e-9)


def test_poisson_limits_by_hand_for_a_mean_of_one():
    # Poisson(1): F(0) = e^-1 = 0.367879, F(1) = 2e^-1 = 0.735759, F(2) = 2.5e^-1 = 0.919699,
    # F(3) = (8/3)e^-1 = 0.981012. p = 0.975: r = 3, a = (0.981012 - 0.975) / (0.981012 -
    # 0.919699) = 0.006012 / 0.061313 = 0.098051, limit 2.901949. p = 0.025: r = 0, and the
    # interpolation below the first count is under zero, so 0.
    e = math.exp(-1)
    a = ((8 / 3) * e - 0.975) / ((8 / 3) * e - 2.5 * e)
    assert poisson_limit_counts(1.0, 0.975) == pytest.approx(3 - a, abs=1e-12)
    assert poisson_limit_counts(1.0, 0.975) == pytest.approx(2.901949, abs=1e-6)
    assert poisson_limit_counts(1.0, 0.025) == 0.0
    assert poisson_limit_counts(0.0, 0.975) == 0.0


def test_poisson_limits_of_rates_divide_the_counts_by_the_denominator():
    low, high = funnel_limits(np.array([50_000.0, 2_000_000.0]), 0.3, 0.95)
    # 0.3 per 1,000: E = 15 and 600.
    assert low[0] == pytest.approx(_quantile_by_search(15, 0.025) / 50_000 * 1000)
    assert high[1] == pytest.approx(_quantile_by_search(600, 0.975) / 2_000_000 * 1000)


def test_below_the_lower_poisson_limit_is_the_exact_poisson_test():
    """A whole count is below the lower limit exactly when P(X <= O) < tail under Poisson(E)."""
    for expected in (3.7, 12.0, 41.5, 230.0):
        for tail in (0.025, 0.001):
            limit = poisson_limit_counts(expected, tail)
            for count in range(int(expected * 3) + 5):
                flagged = count < limit
                assert flagged == (poisson.cdf(count, expected) < tail), (expected, tail, count)


def test_above_the_upper_poisson_limit_is_a_small_upper_tail():
    """A whole count is above the upper limit exactly when P(X > O) <= tail under Poisson(E)."""
    for expected in (3.7, 12.0, 41.5, 230.0):
        for tail in (0.025, 0.001):
            limit = poisson_limit_counts(expected, 1 - tail)
            for count in range(int(expected * 3) + 5):
                flagged = count > limit
                assert flagged == (poisson.sf(count, expected) <= tail), (expected, tail, count)


def test_z_scores_at_the_two_limits():
    assert z_score(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_score(0.998) == pytest.approx(3.090232, abs=1e-6)
    with pytest.raises(FunnelError):
        z_score(1.0)


# ----- overdispersion --------------------------------------------------------------------------
def test_square_root_z_scores():
    # (sqrt(O/E) - 1) / (1 / (2 sqrt(E))) for O = 121, E = 100: (1.1 - 1) / 0.05 = 2.
    assert sqrt_z_scores(np.array([121.0, 0.0]), np.array([100.0, 4.0])) == pytest.approx(
        [2.0, -4.0]
    )


def test_winsorised_phi_by_hand():
    z = np.array([-3, -1, -0.5, 0, 0, 0.5, 1, 1, 2, 4], dtype=float)
    # Type-7 quantiles of 10 values: 10% at position 1.9 -> -3 + 0.9 * (-1 - -3) = -1.2;
    # 90% at position 9.1 (from 1) -> 2 + 0.1 * (4 - 2) = 2.2.
    expected = [-1.2, -1, -0.5, 0, 0, 0.5, 1, 1, 2, 2.2]
    assert winsorise(z, 0.1) == pytest.approx(expected)
    # 1.44 + 1 + 0.25 + 0 + 0 + 0.25 + 1 + 1 + 4 + 4.84 = 13.78
    assert dispersion_ratio(winsorise(z, 0.1)) == pytest.approx(1.378)
    # Not winsorised: 9 + 1 + 0.25 + 0 + 0 + 0.25 + 1 + 1 + 4 + 16 = 32.5
    assert dispersion_ratio(winsorise(z, 0.0)) == pytest.approx(3.25)


def test_tau2_by_hand_and_none_without_overdispersion():
    w = np.arange(1, 11, dtype=float)
    # sum w = 55, sum w^2 = 385: 55 - 385/55 = 48; n phi - (n - 1) = 13.78 - 9 = 4.78.
    assert between_variance(1.378, w) == pytest.approx(4.78 / 48)
    assert between_variance(0.9, w) == 0.0  # 10 * 0.9 = 9 = n - 1: none
    assert between_variance(0.85, w) == 0.0


def test_overdispersion_on_funnelplotr_test_data_matches_a_scalar_transcription():
    for fraction in (0.1, 0.05, 0.0):
        phi, tau2 = _scalar_overdispersion(FUNNELPLOTR_O, FUNNELPLOTR_E, fraction)
        od = estimate_overdispersion(
            np.array(FUNNELPLOTR_O, float), np.array(FUNNELPLOTR_E, float), winsorise_by=fraction
        )
        assert od.phi == pytest.approx(phi, rel=1e-12)
        assert od.tau2 == pytest.approx(tau2, rel=1e-12)
        assert od.detected and od.method == "additive" and od.n == 6


def test_overdispersion_on_funnelplotr_test_data_by_hand():
    """The same six units worked by hand (6 decimals), so the two routes cannot drift together.

    z = 2(sqrt(O) - sqrt(E)): -0.784610, 3.328888, 1.142350, -1.605044, 1.908902, 0.335206.
    Sorted, type-7 quantiles of 6 values: 10% at h = 0.5 -> -1.605044 + 0.5 * 0.820434 =
    -1.194827; 90% at h = 4.5 -> 1.908902 + 0.5 * 1.419986 = 2.618895. Squares of the winsorised
    z: 1.427611 + 0.615613 + 0.112363 + 1.304964 + 3.643907 + 6.858611 = 13.963069, phi =
    2.327178. w = 4E = 432, 448, 660, 380, 400, 880: sum 3200, sum of squares 1,901,728;
    3200 - 1901728 / 3200 = 2605.71; tau^2 = (13.963069 - 5) / 2605.71 = 0.0034398.
    """
    od = estimate_overdispersion(np.array(FUNNELPLOTR_O, float), np.array(FUNNELPLOTR_E, float))
    assert od.phi == pytest.approx(2.327178, abs=2e-6)
    assert od.tau2 == pytest.approx(0.0034398, abs=1e-7)


def test_tau2_recovers_the_between_force_variance_of_simulated_forces():
    """Forces whose true rates spread with τ = 0.1 on the square-root scale: the moment
    estimator (unwinsorised, so unbiased) finds τ² within 10% with 3,000 forces."""
    rng = np.random.default_rng(20260101)
    expected = rng.uniform(200, 20_000, size=3000)
    true_tau = 0.1
    relative = (1 + true_tau * rng.standard_normal(expected.size)) ** 2
    observed = rng.poisson(expected * relative).astype(float)
    od = estimate_overdispersion(observed, expected, winsorise_by=0.0)
    assert od.tau2 == pytest.approx(true_tau**2, rel=0.10)
    # Pure Poisson forces: no overdispersion found (phi near 1).
    calm = rng.poisson(expected).astype(float)
    quiet = estimate_overdispersion(calm, expected, winsorise_by=0.0)
    assert quiet.phi == pytest.approx(1.0, abs=0.1)
    assert quiet.tau2 < 2e-4


def test_without_overdispersion_the_limits_are_poisson_whatever_the_setting():
    expected = np.array([50.0, 80, 120, 200, 300, 500])
    observed = np.array([50.0, 81, 119, 201, 299, 500])  # far less spread than Poisson
    od = estimate_overdispersion(observed, expected, method="additive")
    assert not od.detected and od.method == "none" and od.requested == "additive"
    low, _ = funnel_limits(np.array([100_000.0]), 2.0, 0.95, od)
    assert low[0] == pytest.approx(_quantile_by_search(200, 0.025) / 100_000 * 1000)
    with pytest.raises(FunnelError, match="not one of"):
        estimate_overdispersion(observed, expected, method="sideways")


# ----- overdispersed limits --------------------------------------------------------------------
def _od(method: str, phi: float, tau2: float):
    o, e = np.array(FUNNELPLOTR_O, float), np.array(FUNNELPLOTR_E, float)
    base = estimate_overdispersion(o, e, method=method)
    return type(base)(method, method, 43, phi, tau2, 0.1)


def test_additive_limits_against_the_formula():
    # 6 per 1,000 at 200,000 residents: E = 1,200, s^2 = 1/4800, tau^2 = 0.01.
    sd = math.sqrt(1 / 4800 + 0.01)
    low, high = funnel_limits(np.array([200_000.0]), 6.0, 0.95, _od("additive", 50.0, 0.01))
    assert high[0] == pytest.approx(6.0 * (1 + 1.959964 * sd) ** 2, rel=1e-6)
    assert low[0] == pytest.approx(6.0 * (1 - 1.959964 * sd) ** 2, rel=1e-6)
    assert high[0] == pytest.approx(8.6116, abs=1e-3)
    # For a very large force the limits stop narrowing at theta0 (1 +- z tau)^2.
    _, far = funnel_limits(np.array([1e12]), 6.0, 0.998, _od("additive", 50.0, 0.01))
    assert far[0] == pytest.approx(6.0 * (1 + 3.090232 * 0.1) ** 2, rel=1e-6)


def test_multiplicative_limits_against_the_formula_and_never_below_zero():
    s = 1 / (2 * math.sqrt(1200))
    low, high = funnel_limits(np.array([200_000.0]), 6.0, 0.998, _od("multiplicative", 25.0, 0))
    assert high[0] == pytest.approx(6.0 * (1 + 3.090232 * 5 * s) ** 2, rel=1e-6)
    assert low[0] == pytest.approx(6.0 * (1 - 3.090232 * 5 * s) ** 2, rel=1e-6)
    tiny, _ = funnel_limits(np.array([500.0]), 6.0, 0.998, _od("multiplicative", 25.0, 0))
    assert tiny[0] == 0.0  # 1 - z sd < 0: the lower limit is zero, not its square


@pytest.mark.parametrize(
    ("rate", "wanted"),
    [
        (13.0, ABOVE_998),
        (11.0, ABOVE_95),
        (10.0, WITHIN),
        (8.0, WITHIN),  # on a limit is inside it
        (7.5, BELOW_95),
        (5.0, BELOW_998),
    ],
)
def test_position_against_the_limits(rate, wanted):
    assert position(rate, low95=8.0, high95=10.0, low998=6.0, high998=12.0) == wanted


# ----- one measure, every force ----------------------------------------------------------------
def _forces(rates: list[float], populations: list[float], names: list[str] | None = None):
    names = names or [f"Force {i:02d}" for i in range(len(rates))]
    counts = [r * p / 1000 for r, p in zip(rates, populations, strict=True)]
    frame = pd.DataFrame({"force": names, "count": counts, "denominator": populations})
    national = pd.DataFrame(
        {
            "force": [ENGLAND_AND_WALES],
            "count": [sum(counts)],
            "denominator": [sum(populations)],
        }
    )
    out = pd.concat([frame, national], ignore_index=True)
    out["value"] = out["count"] / out["denominator"] * 1000
    return out


def _analysis(frame, **kwargs):
    options = {
        "measure_id": "theft_from_person",
        "title": "Theft from the person (rate per 1,000 residents)",
        "unit": "rate_per_1000",
        "force": "Force 03",
        "group": ["Force 03", "Force 04", "Force 05"],
        "period_label": "year ending March 2025",
        **kwargs,
    }
    return funnel_analysis(frame, **options)


RATES = [1.0, 1.2, 1.5, 1.7, 1.8, 2.0, 2.2, 2.5, 1.9, 1.6, 4.0, 0.5]
POPULATIONS = [
    500_000.0,
    600_000,
    700_000,
    800_000,
    900_000,
    1_000_000,
    1_200_000,
    1_500_000,
    2_000_000,
    3_000_000,
    1_000_000,
    2_500_000,
]


def test_target_is_england_and_wales_and_positions_follow_the_limits():
    frame = _forces(RATES, POPULATIONS)
    result = _analysis(frame)
    nat = frame[frame["force"] == ENGLAND_AND_WALES].iloc[0]
    assert result.target == pytest.approx(nat["count"] / nat["denominator"] * 1000)
    assert result.target_label == "England and Wales rate"
    assert result.overdispersion.detected and result.overdispersion.method == "additive"
    p = result.points.set_index("force")
    for row in p.itertuples():
        low95, high95 = funnel_limits(row.denominator, result.target, 0.95, result.overdispersion)
        low998, high998 = funnel_limits(
            row.denominator, result.target, 0.998, result.overdispersion
        )
        assert row.position == position(row.rate, low95, high95, low998, high998)
    # Force 10 (4.0 per 1,000, twice the centre) is far out; Force 11 (0.5) far below.
    assert p.loc["Force 10", "position"] == ABOVE_998
    assert p.loc["Force 11", "position"] in (BELOW_998, BELOW_95)
    assert p.loc["Force 03", "role"] == "force"
    assert set(p.loc[["Force 04", "Force 05"], "role"]) == {"msg"}
    assert p.loc["Force 00", "role"] == "other"
    assert list(result.points["denominator"]) == sorted(result.points["denominator"])


def test_forces_without_a_figure_are_left_out_and_named():
    frame = _forces(RATES, POPULATIONS)
    frame.loc[frame["force"] == "Force 01", "count"] = np.nan
    frame.loc[frame["force"] == "Force 02", "count"] = -4.0
    frame.loc[frame["force"] == "Force 06", "denominator"] = np.nan
    result = _analysis(frame)
    assert dict(result.left_out) == {
        "Force 01": "no figure for the period",
        "Force 02": "a negative 12-month total",
        "Force 06": "no population estimate",
    }
    assert len(result.points) == len(RATES) - 3
    assert result.overdispersion.n == len(RATES) - 3
    notes = funnel_table(result).attrs["notes"]
    assert any("Force 01 (no figure for the period)" in n and "left out" in n for n in notes)


def test_without_an_england_and_wales_figure_the_target_is_the_forces_pooled_rate():
    frame = _forces(RATES, POPULATIONS)
    frame.loc[frame["force"] == ENGLAND_AND_WALES, ["count", "value"]] = np.nan
    result = _analysis(frame)
    forces = frame[frame["force"] != ENGLAND_AND_WALES]
    assert result.target == pytest.approx(
        forces["count"].sum() / forces["denominator"].sum() * 1000
    )
    assert result.target_label == f"rate of the {len(RATES)} forces with figures"


def test_funnel_analysis_refuses_what_it_cannot_plot():
    frame = _forces(RATES, POPULATIONS)
    with pytest.raises(FunnelError, match="for rates"):
        _analysis(frame, unit="percent")
    with pytest.raises(FunnelError, match="more than one row for Force 00"):
        _analysis(pd.concat([frame, frame.iloc[[0]]]))
    with pytest.raises(FunnelError, match="needs 3"):
        _analysis(frame.iloc[[0, 1, len(frame) - 1]])


def test_setting_none_gives_poisson_limits_and_more_forces_outside():
    frame = _forces(RATES, POPULATIONS)
    adjusted = _analysis(frame)
    poisson_only = _analysis(frame, method="none")
    assert poisson_only.overdispersion.method == "none"
    assert len(poisson_only.outside(0.998)) > len(adjusted.outside(0.998))
    multiplicative = _analysis(frame, method="multiplicative")
    assert multiplicative.overdispersion.method == "multiplicative"


def test_funnel_table_is_tidy_with_a_title_and_units():
    result = _analysis(_forces(RATES, POPULATIONS))
    table = funnel_table(result)
    assert list(table.columns) == [
        "Force",
        "Group",
        "Offences (12 months)",
        "Population",
        "Rate per 1,000 residents",
        "Lower 99.8% limit",
        "Lower 95% limit",
        "Upper 95% limit",
        "Upper 99.8% limit",
        "Against the limits",
    ]
    assert len(table) == len(RATES)
    assert table.attrs["title"].startswith(
        "Theft from the person (rate per 1,000 residents): every force against the England "
        "and Wales rate"
    )
    assert table.attrs["title"].endswith("year ending March 2025")
    assert table.attrs["units"]["Rate per 1,000 residents"] == "rate_per_1000"
    assert table.attrs["units"]["Population"] == "count"
    assert table.attrs["units"]["Force"] is None
    assert set(table["Group"]) == {"This force", "MSG", "Other"}
    assert set(table["Against the limits"]) <= {
        "Above 99.8%",
        "Above 95%",
        "Within 95%",
        "Below 95%",
        "Below 99.8%",
    }
    mine = table[table["Force"] == "Force 03"].iloc[0]
    assert mine["Group"] == "This force"
    assert mine["Rate per 1,000 residents"] == pytest.approx(1.7)
    assert (table["Lower 99.8% limit"] <= table["Lower 95% limit"]).all()
    assert (table["Upper 95% limit"] <= table["Upper 99.8% limit"]).all()


def test_households_measures_say_households():
    result = _analysis(
        _forces(RATES, POPULATIONS),
        unit="rate_per_1000_households",
        title="Residential burglary (rate per 1,000 households)",
    )
    table = funnel_table(result)
    assert "Households" in table.columns and "Rate per 1,000 households" in table.columns


# ----- an adjusted limit is never narrower than the exact Poisson limit (issue 18, point 6) ----
def _exact_rate_limits(denominator: float, target: float, confidence: float):
    """The exact Poisson limits by the scalar search, as rates per 1,000."""
    expected = target / 1000 * denominator
    tail = (1 - confidence) / 2
    low = _quantile_by_search(expected, tail) / denominator * 1000
    high = _quantile_by_search(expected, 1 - tail) / denominator * 1000
    return low, high


@pytest.mark.parametrize("method", ["additive", "multiplicative"])
def test_adjusted_limits_are_never_narrower_than_the_exact_poisson_limits(method):
    """Rare offences: a homicide-like rate of 0.012 per 1,000 with phi above 1. At 200,000 to
    9 million residents E runs from 2.4 to 108; on the square-root scale the normal lower limit
    of the small forces lies inside the exact Poisson one (about 0.10 of the target at E = 2.4
    against the exact 0)."""
    od = _od(method, 1.6, 0.004)
    target = 0.012
    sizes = np.geomspace(200_000, 9_000_000, 25)
    for level in (0.95, 0.998):
        low, high = funnel_limits(sizes, target, level, od)
        raw_low, raw_high = adjusted_limits(sizes, target, level, od)
        assert (raw_low > funnel_limits(sizes, target, level)[0]).any()  # the case arises
        for i, n in enumerate(sizes):
            exact_low, exact_high = _exact_rate_limits(n, target, level)
            assert low[i] <= exact_low + 1e-15 and high[i] >= exact_high - 1e-15, (level, n)
            assert low[i] == pytest.approx(min(exact_low, raw_low[i]), abs=1e-15)
            assert high[i] == pytest.approx(max(exact_high, raw_high[i]), abs=1e-15)
        lower_side, upper_side = exact_limits_wider(sizes, target, level, od)
        assert list(lower_side) == [raw_low[i] > funnel_limits(n, target, level)[0] for i, n in
                                    enumerate(sizes)]  # fmt: skip
        assert not upper_side.any()  # above, the adjustment is the wider here


def test_a_force_with_no_homicides_is_not_below_the_limits_by_the_adjustment_alone():
    """Twelve forces of 200,000 to 900,000 residents at 0.012 per 1,000 (E = 2.4 to 10.8), the
    smallest with no homicide: P(X = 0 | E = 2.4) = 0.09, well inside any 95% limit; yet the
    additive normal lower limit (0.0010 per 1,000 at φ = 1.51) put it below."""
    populations = [200_000.0, 250_000, 300_000, 350_000, 400_000, 450_000,
                   500_000, 600_000, 650_000, 700_000, 800_000, 900_000]  # fmt: skip
    counts = [0.0, 2, 6, 2, 8, 3, 9, 4, 12, 5, 15, 7]  # more spread than Poisson: φ = 1.51
    frame = pd.DataFrame({"force": [f"Force {i:02d}" for i in range(12)], "count": counts,
                          "denominator": populations})  # fmt: skip
    frame.loc[len(frame)] = [ENGLAND_AND_WALES, 0.012 * sum(populations) / 1000, sum(populations)]
    result = _analysis(frame, force="Force 00", group=())
    assert result.overdispersion.method == "additive"
    p = result.points.set_index("force")
    assert poisson.cdf(0, p.loc["Force 00", "expected"]) > 0.025
    assert p.loc["Force 00", "position"] == WITHIN
    # What the report draws at the force: the exact Poisson limit, said so in the points.
    assert p.loc["Force 00", "lower_95"] == pytest.approx(
        _exact_rate_limits(200_000, result.target, 0.95)[0], abs=1e-15
    )
    assert bool(p.loc["Force 00", "exact_limit"])
    # Each force flagged below is below on the exact test too: none by the adjustment alone.
    for force, row in p.iterrows():
        if row["position"] in (BELOW_95, BELOW_998):
            assert poisson.cdf(row["count"], row["expected"]) < 0.025, force


REAL_PRC = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "ho-prc-pfa"
    / "prc_pfa_2012q1_2023q1.csv.gz"
)  # fmt: skip
REAL_POPULATION = REAL_PRC.parents[1] / "ons-population-households" / (
    "ons_pfa_table_P9_mid_year_population_estimates_2002_2016.csv"
)  # fmt: skip


@pytest.mark.real_data
@pytest.mark.skipif(not REAL_PRC.is_file(), reason=f"real PRC file not found at {REAL_PRC}")
def test_real_homicide_no_force_is_below_the_limits_by_the_adjustment_alone():
    """Homicide in the year ending March 2015 from the Home Office file, over the ONS mid-2014
    populations: φ = 1.16, so additive limits; before the fix 37 of 43 forces had a lower 95%
    limit inside the exact Poisson one and two were "below the 95% limit" though their counts'
    lower-tail probabilities under Poisson(E) were above 0.025."""
    from helpers.core.exceptions import ConfigError
    from helpers.core.forces import canonical_force, default_forces

    prc = pd.read_csv(REAL_PRC, dtype={"Offence Code": str})
    homicide = prc[(prc["Offence Subgroup"] == "Homicide") & (prc["Financial Year"] == "2014/15")]
    territorial = set(default_forces().names)
    counts: dict[str, float] = {}
    for name, count in homicide.groupby("Force Name")["Number of Offences"].sum().items():
        try:
            force = canonical_force(name)
        except ConfigError:  # British Transport Police and the national fraud bodies
            continue
        counts[force] = float(count)
    pop = pd.read_csv(REAL_POPULATION)
    pop = pop[pop["mid_year"] == 2014]
    populations = {}
    for row in pop.itertuples(index=False):
        try:
            force = canonical_force(row.area_name)
        except ConfigError:  # regions and nations are not forces
            continue
        if force in territorial:
            populations[force] = float(row.population)
    assert len(counts) == 43 and set(populations) == set(counts)
    frame = pd.DataFrame(
        {"force": list(counts), "count": list(counts.values()),
         "denominator": [populations[f] for f in counts]}
    )  # fmt: skip
    result = _analysis(frame, force="Wiltshire", group=())
    assert result.overdispersion.method == "additive" and result.overdispersion.phi > 1
    p = result.points
    for row in p.itertuples(index=False):
        for level, name in ((0.95, "95"), (0.998, "998")):
            exact_low, exact_high = _exact_rate_limits(row.denominator, result.target, level)
            assert getattr(row, f"lower_{name}") <= exact_low + 1e-15, (row.force, level)
            assert getattr(row, f"upper_{name}") >= exact_high - 1e-15, (row.force, level)
        if row.position in (BELOW_95, BELOW_998):
            assert poisson.cdf(row.count, row.expected) < 0.025, row.force
    assert p["exact_limit"].sum() > 0  # small forces: the exact limit is the one drawn
