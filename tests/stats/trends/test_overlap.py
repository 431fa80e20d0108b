"""The overlap correction of Var(S): the autocorrelation of rolled windows worked out by hand,
and checked against a Monte-Carlo variance of S.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.stats.trends import (
    hamed_rao_variance_factor,
    overlap_autocorrelation,
)


def test_overlap_correction_matches_monte_carlo_variance_of_s():
    """Var(S) of 12 quarter-end points of 12-month sums of independent normal periods, by
    simulation (fixed seed), for quarterly and for monthly periods: both about 3.09 times the
    unmodified variance. Hamed and Rao's formula (an approximation) gives 2.86, about 7% low, so
    it must land within 12% below the simulated value and not above it."""
    rng = np.random.default_rng(20240630)
    n, runs = 12, 20_000
    upper = np.triu_indices(n, 1)
    unmodified = n * (n - 1) * (2 * n + 5) / 18
    formula = unmodified * hamed_rao_variance_factor(n, overlap_autocorrelation(3))
    quarters = rng.standard_normal((runs, n + 3))
    months = rng.standard_normal((runs, 3 * n + 9))
    for x in (
        sum(quarters[:, j : j + n] for j in range(4)),
        np.stack([months[:, 3 * i : 3 * i + 12].sum(axis=1) for i in range(n)], axis=1),
    ):
        s = np.sign(x[:, upper[1]] - x[:, upper[0]]).sum(axis=1)
        assert 0.88 < formula / s.var() < 1.0
        assert unmodified / s.var() < 0.4  # the unmodified variance: about a third of the truth


def test_overlap_autocorrelation_of_each_step():
    assert overlap_autocorrelation(3) == pytest.approx((3 / 4, 1 / 2, 1 / 4))
    assert overlap_autocorrelation(1) == pytest.approx(tuple((12 - k) / 12 for k in range(1, 12)))
    assert overlap_autocorrelation(6) == pytest.approx((1 / 2,))
    assert overlap_autocorrelation(12) == ()
    assert hamed_rao_variance_factor(12, ()) == 1.0
