"""The quarter-to-quarter noise of a measure's series beyond Poisson (binomial) variation."""

from __future__ import annotations

from dataclasses import dataclass


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
