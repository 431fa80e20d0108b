"""What one measure is for one force at one quarter: `MeasureResult`, and `MeasureError` for a
measure the catalogue declares in a way the inputs cannot give."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from helpers.core.config import Measure
from helpers.core.exceptions import ReportError
from helpers.core.quarters import FinancialQuarter
from helpers.stats import benchmark as bm
from helpers.stats.trends import TrendResult


@dataclass
class MeasureResult:
    """One measure for one force at one quarter, with everything the page and measures.csv show.

    `value` is in the measure's unit: a rate per 1,000 residents or households, a percentage
    (0-100), a count, or a ratio. `series` holds the history used by the chart and the trend test:
    columns period, force_value, comparator_value, national_value, count, denominator.
    `group_values` holds the comparison group at the quarter (force, count, denominator, value).
    """

    measure: Measure
    force: str
    quarter: FinancialQuarter
    available: bool = True
    unavailable_reason: str = ""
    count: float | None = None
    denominator: float | None = None
    denominator_year: int | None = None
    denominator_year_wanted: int | None = None
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    previous_value: float | None = None
    comparator_value: float | None = None
    comparator_label: str | None = None
    national_value: float | None = None
    rank: int | None = None
    rank_of: int | None = None
    # What the comparison found; `helpers.present.wording` words it for the page and measures.csv.
    benchmark: bm.Benchmark = field(default_factory=bm.Benchmark)
    relation: bm.Relation | None = None
    trend: TrendResult | None = None
    series: pd.DataFrame = field(default_factory=pd.DataFrame)
    group_values: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    # Rates only: every force and England and Wales at the quarter (force, count, denominator,
    # value), for the funnel plot (helpers.stats.funnel).
    all_forces: pd.DataFrame | None = None

    @property
    def trend_word(self) -> str:
        return self.trend.word if self.trend is not None else "Not available"

    @property
    def uses_population_fallback(self) -> bool:
        return (
            self.denominator_year is not None
            and self.denominator_year_wanted is not None
            and self.denominator_year != self.denominator_year_wanted
        )


class MeasureError(ReportError):
    """A measure cannot be computed from the inputs as declared in the catalogue."""


def none_if_nan(x: Any) -> Any:
    """`x` as a plain Python value, or None where it is missing (None or NaN)."""
    if x is None:
        return None
    try:
        return None if math.isnan(float(x)) else (x.item() if hasattr(x, "item") else x)
    except (TypeError, ValueError):
        return x
