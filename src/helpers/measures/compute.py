"""A measure's steps in order: step 7 (`assemble_result`), then `compute_measure` for one measure
and `compute_measures` / `compute_section` for many.

The force's row of the all-forces series (`helpers.measures.series`) at the quarter gives the
figure; its comparison group at the quarter gives the rank and benchmark; its own history gives
the trend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.config import Catalogue, Measure, Settings, default_catalogue
from helpers.core.forces import ENGLAND_AND_WALES, ForceRegistry, default_forces
from helpers.core.quarters import FinancialQuarter
from helpers.measures.comparison import Comparison, compare_with_group
from helpers.measures.figure import figure_at_quarter
from helpers.measures.result import MeasureResult
from helpers.measures.series import (
    force_history,
    is_supplied,
    period_counts,
    rolling_series,
    select_rows,
)
from helpers.measures.trend import trend_test
from helpers.stats.rates import population_fallback_note
from helpers.stats.trends import TrendResult


def assemble_result(
    figure: MeasureResult,
    comparison: Comparison,
    trend: TrendResult | None,
    series: pd.DataFrame | None,
) -> MeasureResult:
    """Step 7: the figure, its comparison and its trend as one `MeasureResult` (what the page,
    the measures summary and measures.csv show), with the history the chart draws."""
    if not figure.available or series is None:
        return figure
    result = replace(figure, notes=[*figure.notes, *comparison.notes])
    result.benchmark = comparison.benchmark
    result.comparator_label, result.comparator_value = comparison.label, comparison.value
    result.relation = comparison.relation
    result.rank, result.rank_of = comparison.rank, comparison.rank_of
    result.group_values = comparison.group
    result.trend = trend
    history = force_history(series, figure.force, figure.quarter.period).set_index("period")
    national = series[series["force"] == ENGLAND_AND_WALES].set_index("period")["value"]
    result.series = pd.DataFrame(
        {
            "period": history.index,
            "force_value": history["value"].to_numpy(),
            "comparator_value": (
                history.index.map(comparison.history).to_numpy(dtype=float)
                if comparison.history is not None
                else np.nan
            ),
            "national_value": history.index.map(national).to_numpy(dtype=float),
            "count": history["count"].to_numpy(),
            "denominator": (
                history["denominator"].to_numpy() if "denominator" in history else np.nan
            ),
        }
    )
    measure = figure.measure
    if result.uses_population_fallback and measure.is_rate:
        kind = "household" if measure.denominator == "households" else "population"
        result.notes.append(
            population_fallback_note(
                result.denominator_year, result.denominator_year_wanted, result.quarter, kind
            )
        )
    return result


def compute_measure(
    measure: Measure,
    inputs: Any,
    quarter: FinancialQuarter,
    force: str,
    settings: Settings,
    forces: ForceRegistry | None = None,
    series: pd.DataFrame | None = None,
) -> MeasureResult:
    """One measure for `force` at `quarter`: steps 1 to 7 in order (`series`, the
    all-forces series of steps 1-3, when it was made already)."""
    forces = forces or default_forces()
    if series is None and is_supplied(measure, inputs):
        rows = select_rows(measure, inputs)
        counts = period_counts(measure, inputs, rows, forces)
        series = rolling_series(measure, counts, inputs, settings)
    if not is_supplied(measure, inputs):
        series = None
    figure = figure_at_quarter(measure, series, quarter, force, settings, inputs)
    comparison = compare_with_group(figure, series, settings, inputs, forces)
    trend = trend_test(figure, series, settings)
    return assemble_result(figure, comparison, trend, series)


def compute_measures(
    measures: Sequence[Measure],
    inputs: Any,
    quarter: FinancialQuarter,
    force: str,
    settings: Settings,
    forces: ForceRegistry | None = None,
) -> list[MeasureResult]:
    """Every measure in `measures` for one force, in catalogue order."""
    forces = forces or default_forces()
    return [compute_measure(m, inputs, quarter, force, settings, forces) for m in measures]


def compute_section(
    section_id: str,
    inputs: Any,
    quarter: FinancialQuarter,
    force: str,
    settings: Settings,
    catalogue: Catalogue | None = None,
) -> list[MeasureResult]:
    catalogue = catalogue or default_catalogue()
    return compute_measures(catalogue.measures_of(section_id), inputs, quarter, force, settings)
