"""The Trend / Outlook words, the result of a test, and how every test words its result."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TREND_WORDS = ("Increasing", "Reducing", "Decreasing", "Stable", "Stable (100%)", "Not available")
INCREASING, STABLE, CEILING, NOT_AVAILABLE = (
    "Increasing",
    "Stable",
    "Stable (100%)",
    "Not available",
)
DOWN_WORDS = ("Reducing", "Decreasing")
FREQUENCIES = (1, 3, 6, 12)  # native steps of a series, in months
RATE_UNITS = ("rate_per_1000", "rate_per_1000_households")
ROLLING_WINDOW_MONTHS = 12  # every rolled figure sums the 12 months ending at its period
REGRESSION_METHODS = ("regression_ar1", "quasi_poisson")


@dataclass(frozen=True)
class TrendResult:
    """The Trend / Outlook word for one measure and the test behind it.

    `statistic` is the method's test statistic (Mann-Kendall z; t for the regressions; the rate
    ratio, or the difference in percentage points for percentages, for ``rate_ratio``; None for
    ``spc``). `slope` is Sen's slope in the measure's unit per quarter (per year for the
    seasonal test); for the regressions the fitted change a year (rate or odds ratio minus 1).
    `n_points` is the number of values tested. `note` explains "Not available", a ceiling or
    which special-cause rule fired.
    """

    word: str
    method: str
    statistic: float | None
    p_value: float | None
    slope: float | None
    n_points: int
    note: str = ""

    def __post_init__(self) -> None:
        if self.word not in TREND_WORDS:
            raise ValueError(f"'{self.word}' is not a trend word: {TREND_WORDS}")


def not_available(method: str, n_points: int, note: str) -> TrendResult:
    """ "Not available", with the reason in the note."""
    return TrendResult(NOT_AVAILABLE, method, None, None, None, n_points, note)


def at_ceiling(values: np.ndarray, unit: str) -> bool:
    """A percentage at 100 throughout: "Stable (100%)", as no rise is possible."""
    return unit == "percent" and len(values) > 0 and bool(np.isclose(values, 100.0).all())


def trend_word(significant: bool, direction: float, down_word: str) -> str:
    """Stable unless the change is significant; then Increasing or the measure's down word."""
    if not significant or direction == 0:
        return STABLE
    return INCREASING if direction > 0 else down_word


def join_notes(*notes: str) -> str:
    """The non-empty notes, joined with "; "."""
    return "; ".join(n.strip("; ") for n in notes if n)
